//! Gateway responses: find the exact signed bytes, verify them, and decide success or error (docs/protocol.md §3).
//!
//! The body is `{"<method>_response":{…},"sign":"…"}` (or `error_response`), in any member order and with any
//! whitespace. The signed text is the raw byte span of the node value — from `{` to its matching `}`, or a quoted
//! string for encrypted calls — so a small JSON scanner walks the top-level object and records spans instead of
//! re-serialising anything.

use std::borrow::Cow;

use serde::Deserialize;

use crate::aes::AesKey;
use crate::charset::Charset;
use crate::error::{Error, GatewayError, Result};
use crate::keys::{PublicKey, SignType};

/// Which top-level member held the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKey {
    /// `<method with . replaced by _>_response`.
    Method,
    /// The fallback `error_response`.
    ErrorResponse,
}

/// The parts of a response body that matter for verification, borrowed from the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// Which member held the node.
    pub node_key: NodeKey,
    /// The raw bytes of the node value: what Alipay signed.
    pub node: &'a [u8],
    /// The top-level `sign`, if present (JSON-unescaped).
    pub sign: Option<String>,
    /// The top-level `alipay_cert_sn` (certificate mode), if present.
    pub alipay_cert_sn: Option<String>,
}

/// Why a body could not be taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtractError {
    /// Not a JSON object at all (an HTML error page, a truncated body…), with the byte offset where it broke.
    NotJson(usize),
    /// Neither `<method>_response` nor `error_response` is present.
    MissingNode,
    /// The node key occurs twice at the top level: a forged copy may have been injected.
    DuplicateNode,
}

/// The name of the response node for a method: `alipay.marketing.voucher.send` → `alipay_marketing_voucher_send_response`.
pub fn response_key(method: &str) -> String {
    let mut key = method.replace('.', "_");
    key.push_str("_response");
    key
}

/// Finds the node of `method` (falling back to `error_response`) and the top-level `sign` / `alipay_cert_sn`.
pub fn extract<'a>(
    body: &'a [u8],
    method: &str,
) -> std::result::Result<Envelope<'a>, ExtractError> {
    extract_in(body, method, Charset::Utf8)
}

/// [`extract`] for a body in `charset` (GBK trail bytes can look like `\`, so the scanner steps over them).
pub fn extract_in<'a>(
    body: &'a [u8],
    method: &str,
    charset: Charset,
) -> std::result::Result<Envelope<'a>, ExtractError> {
    let wanted = response_key(method);
    let mut scanner = Scanner {
        bytes: body,
        pos: 0,
        charset,
    };
    let mut method_node = None;
    let mut error_node = None;
    let mut sign = None;
    let mut cert_sn = None;
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
            let span = &body[start..scanner.pos];
            if key == wanted.as_str() {
                if method_node.replace(span).is_some() {
                    return Err(ExtractError::DuplicateNode);
                }
            } else if key == "error_response" {
                if error_node.replace(span).is_some() {
                    return Err(ExtractError::DuplicateNode);
                }
            } else if key == "sign" {
                sign = json_string(span);
            } else if key == "alipay_cert_sn" {
                cert_sn = json_string(span);
            }
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
    let (node_key, node) = match (method_node, error_node) {
        (Some(node), _) => (NodeKey::Method, node),
        (None, Some(node)) => (NodeKey::ErrorResponse, node),
        (None, None) => return Err(ExtractError::MissingNode),
    };
    Ok(Envelope {
        node_key,
        node,
        sign,
        alipay_cert_sn: cert_sn,
    })
}

/// Decodes a raw JSON string token; `None` for any other value.
fn json_string(raw: &[u8]) -> Option<String> {
    if raw.first() == Some(&b'"') {
        serde_json::from_slice(raw).ok()
    } else {
        None
    }
}

/// Verifies `sign` over the node bytes; if that fails, once more with every `\/` replaced by `/` (as the Java,
/// .NET and PHP SDKs do, for gateways that escape slashes after signing).
pub fn verify_node(node: &[u8], sign: &str, key: &PublicKey, sign_type: SignType) -> bool {
    if key.verify(sign_type, node, sign) {
        return true;
    }
    if !node.windows(2).any(|w| w == b"\\/") {
        return false;
    }
    let mut unescaped = Vec::with_capacity(node.len());
    let mut i = 0;
    while i < node.len() {
        if node[i] == b'\\' && node.get(i + 1) == Some(&b'/') {
            unescaped.push(b'/');
            i += 2;
        } else {
            unescaped.push(node[i]);
            i += 1;
        }
    }
    key.verify(sign_type, &unescaped, sign)
}

/// The common fields every node carries.
#[derive(Deserialize)]
struct Status {
    #[serde(default, deserialize_with = "string_or_number")]
    code: Option<String>,
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    sub_code: Option<String>,
    #[serde(default)]
    sub_msg: Option<String>,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// What a response is read with: the key that verifies it, and the call's charset and AES content key.
#[derive(Debug, Clone, Copy)]
pub struct ResponseContext<'k> {
    /// The Alipay public key (or the key of the certificate named by `alipay_cert_sn`).
    pub key: &'k PublicKey,
    /// The call's sign type.
    pub sign_type: SignType,
    /// The call's charset: the node bytes are verified as received, then decoded with it.
    pub charset: Charset,
    /// The AES content key, when the call was encrypted; string nodes are decrypted with it after verifying.
    pub aes: Option<&'k AesKey>,
    /// The `trace_id` header, copied into gateway errors.
    pub trace_id: Option<&'k str>,
}

impl<'k> ResponseContext<'k> {
    /// Plain UTF-8, unencrypted responses.
    pub fn new(key: &'k PublicKey, sign_type: SignType) -> Self {
        ResponseContext {
            key,
            sign_type,
            charset: Charset::Utf8,
            aes: None,
            trace_id: None,
        }
    }
}

/// Takes a whole UTF-8, unencrypted response body apart and returns the verified text of a successful node.
///
/// Rules (docs/protocol.md §3.5, §3.6): a present sign must verify, whatever the code; a success (code `10000`, empty
/// `sub_code`) without a valid sign is a `Signature` error, never data; an unsigned body is accepted only as a
/// gateway error, and then one marked unverified ([`Error::is_unverified`]) whose outcome is unknown; success only
/// ever comes from the method's own node, never from `error_response`.
pub fn read_response<'a>(
    body: &'a [u8],
    method: &str,
    key: &PublicKey,
    sign_type: SignType,
    trace_id: Option<&str>,
) -> Result<Cow<'a, str>> {
    read_response_with(
        body,
        method,
        &ResponseContext {
            trace_id,
            ..ResponseContext::new(key, sign_type)
        },
    )
}

/// [`read_response`] with a charset and an AES key.
pub fn read_response_with<'a>(
    body: &'a [u8],
    method: &str,
    context: &ResponseContext<'_>,
) -> Result<Cow<'a, str>> {
    let env = extract_in(body, method, context.charset).map_err(|e| extract_error(e, method))?;
    read_envelope(&env, context)
}

/// The error for a body that could not be taken apart.
pub fn extract_error(error: ExtractError, method: &str) -> Error {
    match error {
        ExtractError::NotJson(at) => Error::http(
            200,
            format!("the gateway answered a body that is not JSON (broken at byte {at})"),
        ),
        ExtractError::MissingNode => Error::decode(format!(
            "the response has neither \"{}\" nor \"error_response\"",
            response_key(method)
        )),
        ExtractError::DuplicateNode => Error::signature(format!(
            "the response contains \"{}\" twice; refusing it (a forged node may have been injected)",
            response_key(method)
        )),
    }
}

/// Verifies an extracted envelope, decrypts and decodes its node, and decides success or gateway error.
pub fn read_envelope<'a>(
    env: &Envelope<'a>,
    context: &ResponseContext<'_>,
) -> Result<Cow<'a, str>> {
    let sign = env.sign.as_deref().filter(|s| !s.trim().is_empty());
    let verified = match sign {
        Some(sign) if !verify_node(env.node, sign, context.key, context.sign_type) => {
            return Err(Error::signature(format!(
                "the response signature does not verify with the configured Alipay public key ({}); \
                 check alipay_public_key is the one shown for this app_id in the Alipay console",
                context.sign_type
            )));
        }
        Some(_) => true,
        None => false,
    };
    let node: Cow<'a, str> = if env.node.first() == Some(&b'"') {
        let aes = context.aes.ok_or_else(|| {
            Error::decode("the response node is encrypted (a string) but this client has no aes_key configured")
        })?;
        let ciphertext: String = serde_json::from_slice(env.node)
            .map_err(|_| Error::decode("the encrypted response node is not a JSON string"))?;
        let plain = aes.decrypt(&ciphertext)?;
        Cow::Owned(context.charset.decode(&plain)?.into_owned())
    } else {
        context.charset.decode(env.node)?
    };
    let status: Status = serde_json::from_str(&node)
        .map_err(|e| Error::decode(format!("the response node is not a JSON object: {e}")))?;
    let sub_code = status.sub_code.filter(|s| !s.is_empty());
    let success_code = status.code.as_deref() == Some("10000") && sub_code.is_none();
    // Success only ever comes from the method's own node: `error_response` is the gateway's answer when it could
    // not route the call, so a success code there is a contradiction, not data.
    if success_code && env.node_key == NodeKey::ErrorResponse {
        return Err(Error::decode(
            "the gateway answered code 10000 (success) inside error_response instead of the method's own node; \
             that is not a success",
        ));
    }
    let success = success_code;
    if !verified {
        if success {
            return Err(Error::signature(
                "the gateway's success response carries no sign; an unsigned success is never trusted",
            ));
        }
        if status.code.is_none() {
            return Err(Error::signature(
                "the response carries neither a sign nor an error code",
            ));
        }
    }
    if success {
        return Ok(node);
    }
    let details = GatewayError {
        code: status.code.unwrap_or_default(),
        msg: status.msg.unwrap_or_default(),
        sub_code,
        sub_msg: status.sub_msg.filter(|s| !s.is_empty()),
        trace_id: context.trace_id.map(str::to_owned),
    };
    // Only a signed answer settles an outcome: an unsigned error could have been written by anything on the path.
    Err(if verified {
        Error::gateway(details)
    } else {
        Error::unverified_gateway(details)
    })
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

    fn fail<T>(&self) -> std::result::Result<T, ExtractError> {
        Err(ExtractError::NotJson(self.pos))
    }

    fn expect(&mut self, want: u8) -> std::result::Result<(), ExtractError> {
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
    fn string_value(&mut self) -> std::result::Result<Cow<'a, str>, ExtractError> {
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
    fn skip_string(&mut self) -> std::result::Result<bool, ExtractError> {
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

    fn skip_value(&mut self, depth: usize) -> std::result::Result<(), ExtractError> {
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

    fn literal(&mut self, word: &[u8]) -> std::result::Result<(), ExtractError> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            self.fail()
        }
    }

    fn number(&mut self) -> std::result::Result<(), ExtractError> {
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
