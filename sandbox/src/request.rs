//! The request side of the gateway: parameters from the query string and the form body merged into one list (every
//! official SDK splits them differently, docs/protocol.md §1.2), percent-decoded to bytes and then decoded in the
//! request's charset (docs/protocol.md §1.3, §2.5).

use encoding_rs::Encoding;

/// The merged request parameters, in arrival order (query first). When a name repeats, the first value counts.
#[derive(Debug, Clone)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
    /// The charset the values were decoded with.
    pub(crate) charset: &'static Encoding,
}

impl Params {
    /// The first value of `key`, blank or not.
    pub(crate) fn raw(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `key`, if present and not blank.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.raw(key)
            .filter(|v| !alipay_marketing::sign::is_blank(v))
    }

    /// Each parameter once (first value wins), for the sign content.
    pub(crate) fn unique(&self) -> Vec<(&str, &str)> {
        let mut out: Vec<(&str, &str)> = Vec::with_capacity(self.pairs.len());
        for (k, v) in &self.pairs {
            if !out.iter().any(|(seen, _)| seen == k) {
                out.push((k, v));
            }
        }
        out
    }
}

/// Why the parameters could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// `charset` names an encoding the gateway does not speak.
    UnknownCharset(String),
    /// A value's bytes are not valid in the declared charset.
    Undecodable {
        param: String,
        charset: &'static str,
    },
    /// The body is not `application/x-www-form-urlencoded`.
    ContentType(String),
}

impl ParseError {
    /// The sub_msg that tells the caller what to fix.
    pub(crate) fn describe(&self) -> String {
        match self {
            ParseError::UnknownCharset(c) => {
                format!("charset {c:?} is not supported; use utf-8 (or GBK)")
            }
            ParseError::Undecodable { param, charset } => format!(
                "parameter {param} is not valid {charset}; percent-encode the bytes of the charset you declare \
                 (charset parameter or Content-Type)"
            ),
            ParseError::ContentType(ct) => {
                format!(
                    "Content-Type {ct:?} is not supported; send application/x-www-form-urlencoded"
                )
            }
        }
    }
}

/// Merges and decodes the query string and a form body.
pub(crate) fn parse(
    query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Params, ParseError> {
    if !body.is_empty() {
        if let Some(ct) = content_type {
            let mime = ct.split(';').next().unwrap_or("").trim();
            if !mime.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
                return Err(ParseError::ContentType(ct.to_owned()));
            }
        }
    }
    let mut raw = split_form(query.unwrap_or("").as_bytes());
    raw.extend(split_form(body));
    let charset = charset_of(&raw, content_type)?;
    let mut pairs = Vec::with_capacity(raw.len());
    for (k, v) in raw {
        let key = decode(charset, &k).ok_or_else(|| ParseError::Undecodable {
            param: String::from_utf8_lossy(&k).into_owned(),
            charset: charset.name(),
        })?;
        let value = decode(charset, &v).ok_or_else(|| ParseError::Undecodable {
            param: key.clone(),
            charset: charset.name(),
        })?;
        pairs.push((key, value));
    }
    Ok(Params { pairs, charset })
}

/// The charset: the `charset` parameter (query or body), else the Content-Type's, else UTF-8.
fn charset_of(
    raw: &[(Vec<u8>, Vec<u8>)],
    content_type: Option<&str>,
) -> Result<&'static Encoding, ParseError> {
    let from_param = raw
        .iter()
        .find(|(k, _)| k == b"charset")
        .map(|(_, v)| String::from_utf8_lossy(v).trim().to_owned());
    let from_header = content_type.and_then(|ct| {
        ct.split(';')
            .filter_map(|part| part.trim().split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
            .map(|(_, v)| v.trim().trim_matches('"').to_owned())
    });
    let Some(label) = from_param.filter(|l| !l.is_empty()).or(from_header) else {
        return Ok(encoding_rs::UTF_8);
    };
    match Encoding::for_label(label.as_bytes()) {
        Some(enc)
            if enc == encoding_rs::UTF_8
                || enc == encoding_rs::GBK
                || enc == encoding_rs::GB18030 =>
        {
            Ok(enc)
        }
        _ => Err(ParseError::UnknownCharset(label)),
    }
}

fn decode(charset: &'static Encoding, bytes: &[u8]) -> Option<String> {
    charset
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|c| c.into_owned())
}

/// Splits `a=1&b=2` into percent-decoded byte pairs (`+` is a space). Empty pieces are skipped; a malformed `%`
/// escape is kept literally, as lenient servers do.
fn split_form(input: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    input
        .split(|&b| b == b'&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| match piece.iter().position(|&b| b == b'=') {
            Some(at) => (
                percent_decode(&piece[..at]),
                percent_decode(&piece[at + 1..]),
            ),
            None => (percent_decode(piece), Vec::new()),
        })
        .collect()
}

fn percent_decode(input: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < input.len() => match (hex(input[i + 1]), hex(input[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_body_are_merged_and_the_first_value_wins() {
        let p = parse(
            Some("app_id=1&method=a.b&charset=utf-8"),
            None,
            b"biz_content=%7B%7D&app_id=2",
        )
        .expect("parse");
        assert_eq!(p.get("app_id"), Some("1"));
        assert_eq!(p.get("biz_content"), Some("{}"));
        assert_eq!(p.unique().len(), 4);
    }

    #[test]
    fn plus_is_a_space_and_bad_escapes_stay_literal() {
        let p = parse(Some("memo=a+b%20c&x=100%&y=%zz"), None, b"").expect("parse");
        assert_eq!(p.get("memo"), Some("a b c"));
        assert_eq!(p.get("x"), Some("100%"));
        assert_eq!(p.get("y"), Some("%zz"));
    }

    #[test]
    fn gbk_values_are_decoded_with_the_declared_charset() {
        // "中文" in GBK is D6 D0 CE C4.
        let p = parse(
            Some("charset=GBK"),
            Some("application/x-www-form-urlencoded"),
            b"memo=%D6%D0%CE%C4",
        )
        .expect("gbk");
        assert_eq!(p.get("memo"), Some("中文"));
        assert_eq!(p.charset, encoding_rs::GBK);
    }

    #[test]
    fn charset_falls_back_to_the_content_type() {
        let p = parse(
            None,
            Some("application/x-www-form-urlencoded; charset=gbk"),
            b"memo=%D6%D0",
        )
        .expect("gbk");
        assert_eq!(p.get("memo"), Some("中"));
    }

    #[test]
    fn gbk_bytes_declared_as_utf8_are_refused_with_the_parameter_name() {
        let e = parse(Some("charset=utf-8"), None, b"memo=%D6%D0%CE%C4").expect_err("not utf-8");
        assert!(
            e.describe().contains("parameter memo is not valid UTF-8"),
            "{}",
            e.describe()
        );
    }

    #[test]
    fn unknown_charset_and_content_type_are_refused() {
        let e = parse(Some("charset=latin9"), None, b"").expect_err("latin9");
        assert_eq!(e, ParseError::UnknownCharset("latin9".into()));
        assert!(matches!(
            parse(None, Some("application/json"), b"{}"),
            Err(ParseError::ContentType(_))
        ));
    }
}
