//! The byte scanner: walks a response body's top-level JSON object and hands out each member's name and the raw
//! byte span of its value, checking the JSON structure on the way without building any value. What was signed is
//! exactly those bytes, so nothing is re-serialised; only member names and string tokens asked for are decoded.

use std::borrow::Cow;

use super::ExtractError;
use crate::charset::Charset;

/// A scan either goes on or stops at the first thing that is not JSON (or that a caller refuses).
type Result<T> = std::result::Result<T, ExtractError>;

/// Walks the top-level object of `body` (in `charset`: GBK trail bytes can look like `\`, so the scanner steps over
/// them), calling `member` with each member's name and the raw bytes of its value, in body order, then checks that
/// nothing but whitespace follows the object. An error from `member` ends the walk with that error.
pub(super) fn members<'a>(
    body: &'a [u8],
    charset: Charset,
    mut member: impl FnMut(&str, &'a [u8]) -> Result<()>,
) -> Result<()> {
    let mut scanner = Scanner {
        bytes: body,
        pos: 0,
        charset,
    };
    scanner.skip_ws();
    scanner.expect(b'{')?;
    scanner.skip_ws();
    if scanner.peek() == Some(b'}') {
        scanner.pos += 1;
    } else {
        loop {
            scanner.skip_ws();
            let key = scanner.string_value()?;
            scanner.skip_ws();
            scanner.expect(b':')?;
            scanner.skip_ws();
            let start = scanner.pos;
            scanner.skip_value(0)?;
            member(&key, &body[start..scanner.pos])?;
            scanner.skip_ws();
            match scanner.next() {
                Some(b',') => continue,
                Some(b'}') => break,
                _ => return Err(ExtractError::NotJson(scanner.pos.saturating_sub(1))),
            }
        }
    }
    scanner.skip_ws();
    if scanner.pos != body.len() {
        return Err(ExtractError::NotJson(scanner.pos));
    }
    Ok(())
}

/// Decodes a raw JSON string token; `None` for any other value.
pub(super) fn string_token(raw: &[u8]) -> Option<String> {
    if raw.first() == Some(&b'"') {
        serde_json::from_slice(raw).ok()
    } else {
        None
    }
}

/// A minimal JSON tokenizer that validates structure and skips values, tracking byte positions.
struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    charset: Charset,
}

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 128;

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn fail<T>(&self) -> Result<T> {
        Err(ExtractError::NotJson(self.pos))
    }

    fn expect(&mut self, want: u8) -> Result<()> {
        if self.peek() == Some(want) {
            self.pos += 1;
            Ok(())
        } else {
            self.fail()
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Reads a string token and returns its decoded value (keys are almost always plain ASCII: fast path).
    fn string_value(&mut self) -> Result<Cow<'a, str>> {
        let start = self.pos;
        let escaped = self.skip_string()?;
        let bytes: &'a [u8] = self.bytes;
        let raw = &bytes[start..self.pos];
        if !escaped {
            // A key that is not UTF-8 (GBK text) cannot be one we look for: keep it lossy.
            return Ok(String::from_utf8_lossy(&raw[1..raw.len() - 1]));
        }
        Ok(serde_json::from_slice::<String>(raw)
            .map(Cow::Owned)
            .unwrap_or_else(|_| String::from_utf8_lossy(raw)))
    }

    /// Skips a string token; returns whether it contained escapes.
    fn skip_string(&mut self) -> Result<bool> {
        self.expect(b'"')?;
        let mut escaped = false;
        loop {
            match self.next() {
                Some(b'"') => return Ok(escaped),
                Some(b'\\') => {
                    escaped = true;
                    match self.next() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                        Some(b'u') => {
                            for _ in 0..4 {
                                if !self.next().is_some_and(|b| b.is_ascii_hexdigit()) {
                                    return self.fail();
                                }
                            }
                        }
                        _ => return self.fail(),
                    }
                }
                Some(b) if b < 0x20 => return self.fail(),
                Some(b) if self.charset.is_double_byte_lead(b) => {
                    // GBK: one trail byte; GB18030 four-byte form: digit, lead, digit.
                    let trail = self.next().ok_or(ExtractError::NotJson(self.pos))?;
                    if trail.is_ascii_digit() {
                        for _ in 0..2 {
                            self.next().ok_or(ExtractError::NotJson(self.pos))?;
                        }
                    }
                }
                Some(_) => {}
                None => return self.fail(),
            }
        }
    }

    fn skip_value(&mut self, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return self.fail();
        }
        match self.peek() {
            Some(b'"') => self.skip_string().map(|_| ()),
            Some(b'{') => {
                self.pos += 1;
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.skip_ws();
                    self.skip_string()?;
                    self.skip_ws();
                    self.expect(b':')?;
                    self.skip_ws();
                    self.skip_value(depth + 1)?;
                    self.skip_ws();
                    match self.next() {
                        Some(b',') => continue,
                        Some(b'}') => return Ok(()),
                        _ => return self.fail(),
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.skip_ws();
                    self.skip_value(depth + 1)?;
                    self.skip_ws();
                    match self.next() {
                        Some(b',') => continue,
                        Some(b']') => return Ok(()),
                        _ => return self.fail(),
                    }
                }
            }
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.fail(),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<()> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            self.fail()
        }
    }

    fn number(&mut self) -> Result<()> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = |s: &mut Self| {
            let from = s.pos;
            while s.peek().is_some_and(|b| b.is_ascii_digit()) {
                s.pos += 1;
            }
            s.pos > from
        };
        if !digits(self) {
            return self.fail();
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !digits(self) {
                return self.fail();
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return self.fail();
            }
        }
        debug_assert!(self.pos > start);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every member's name and raw value, or where the scan stopped.
    fn scan(body: &[u8], charset: Charset) -> Result<Vec<(String, &[u8])>> {
        let mut seen = Vec::new();
        members(body, charset, |key, value| {
            seen.push((key.to_owned(), value));
            Ok(())
        })?;
        Ok(seen)
    }

    #[test]
    fn values_are_the_exact_bytes_between_the_separators() {
        let body =
            br#" { "a" : { "x" : [1, -2.5e+3, "\u00e9"] } ,"b":"s\"t", "c":null,"d":true } "#;
        let seen = scan(body, Charset::Utf8).unwrap();
        let expected: [(&str, &[u8]); 4] = [
            ("a", br#"{ "x" : [1, -2.5e+3, "\u00e9"] }"#),
            ("b", br#""s\"t""#),
            ("c", b"null"),
            ("d", b"true"),
        ];
        assert_eq!(seen.len(), expected.len());
        for ((key, value), (want_key, want_value)) in seen.iter().zip(expected) {
            assert_eq!(key, want_key);
            assert_eq!(*value, want_value);
        }
        assert!(scan(b"{}", Charset::Utf8).unwrap().is_empty());
    }

    #[test]
    fn escaped_member_names_are_decoded() {
        let seen = scan(br#"{"s\u0069gn":"1"}"#, Charset::Utf8).unwrap();
        assert_eq!(seen[0].0, "sign");
    }

    #[test]
    fn a_gbk_trail_byte_that_looks_like_a_backslash_does_not_escape_the_quote() {
        // 0x81 0x5c is one GBK character; read as UTF-8 the 0x5c escapes the closing quote.
        let body = b"{\"a\":\"\x81\x5c\",\"b\":1}";
        let seen = scan(body, Charset::Gbk).unwrap();
        assert_eq!(seen[0].1, b"\"\x81\x5c\"");
        assert_eq!(seen[1], ("b".to_owned(), &b"1"[..]));
        assert!(scan(body, Charset::Utf8).is_err());
    }

    #[test]
    fn broken_bodies_say_where_they_broke() {
        assert_eq!(
            scan(b"<html>", Charset::Utf8),
            Err(ExtractError::NotJson(0))
        );
        assert_eq!(
            scan(b"{\"a\":1} x", Charset::Utf8),
            Err(ExtractError::NotJson(8))
        );
        assert_eq!(
            scan(b"{\"a\":1;", Charset::Utf8),
            Err(ExtractError::NotJson(6))
        );
        assert_eq!(
            scan(b"{\"a\":tru}", Charset::Utf8),
            Err(ExtractError::NotJson(5))
        );
        assert_eq!(
            scan(b"{\"a\":\"\x01\"}", Charset::Utf8),
            Err(ExtractError::NotJson(7))
        );
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused() {
        let nested = |depth: usize| {
            let mut body = b"{\"a\":".to_vec();
            body.extend(std::iter::repeat_n(b'[', depth));
            body.extend(std::iter::repeat_n(b']', depth));
            body.push(b'}');
            body
        };
        assert!(scan(&nested(MAX_DEPTH + 1), Charset::Utf8).is_ok());
        assert!(scan(&nested(MAX_DEPTH + 2), Charset::Utf8).is_err());
    }

    #[test]
    fn a_refused_member_ends_the_scan_with_its_error() {
        let mut calls = 0;
        let result = members(b"{\"a\":1,\"b\":2,\"c\":", Charset::Utf8, |_, _| {
            calls += 1;
            Err(ExtractError::DuplicateNode)
        });
        assert_eq!(result, Err(ExtractError::DuplicateNode));
        assert_eq!(calls, 1);
    }

    #[test]
    fn only_string_tokens_are_decoded() {
        assert_eq!(string_token(br#""a\/b""#).as_deref(), Some("a/b"));
        assert_eq!(string_token(b"123"), None);
        assert_eq!(string_token(b"\"unterminated"), None);
    }
}
