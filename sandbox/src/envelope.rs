//! The response side: nodes written as the gateway writes them (`code`, `msg`, then the rest, compact JSON) and
//! the envelope `{"<method>_response":{…},"sign":"…"}` signed over the node's exact bytes (docs/protocol.md §3).

use std::sync::Arc;

use alipay_marketing::{AesKey, PrivateKey, SignType};
use encoding_rs::Encoding;

use crate::pki::AlipayCert;

/// A gateway error answer: code, msg, sub_code, sub_msg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GatewayError {
    pub(crate) code: &'static str,
    pub(crate) sub_code: &'static str,
    pub(crate) sub_msg: String,
}

impl GatewayError {
    pub(crate) fn new(
        code: &'static str,
        sub_code: &'static str,
        sub_msg: impl Into<String>,
    ) -> Self {
        GatewayError {
            code,
            sub_code,
            sub_msg: sub_msg.into(),
        }
    }

    /// `20000 isp.unknow-error` (the gateway's own spelling of "unknown").
    pub(crate) fn unknown() -> Self {
        Self::new(
            "20000",
            "isp.unknow-error",
            "系统繁忙，请稍后再试 (sandbox fault: the result of this call is unknown)",
        )
    }

    /// The label used in the call counts and logs: `40004/TEMPLATE_NOT_EXIST`.
    pub(crate) fn label(&self) -> String {
        format!("{}/{}", self.code, self.sub_code)
    }
}

/// The gateway's `msg` for a code.
pub(crate) fn msg_for(code: &str) -> &'static str {
    match code {
        "10000" => "Success",
        "20000" => "Service Currently Unavailable",
        "20001" => "Insufficient Token Permissions",
        "40001" => "Missing Required Arguments",
        "40002" => "Invalid Arguments",
        "40003" => "Insufficient Conditions",
        "40004" => "Business Failed",
        "40005" => "Call Limited",
        "40006" => "Insufficient Permissions",
        _ => "Unknown",
    }
}

/// A success node: `{"code":"10000","msg":"Success",<fields>}`.
pub(crate) fn success_node(fields: &[(String, String)]) -> String {
    let mut out = String::from(r#"{"code":"10000","msg":"Success""#);
    for (k, v) in fields {
        match k.strip_prefix(RAW_JSON) {
            // A list or a count: written as the JSON it already is.
            Some(name) => {
                out.push(',');
                push_str(&mut out, name);
                out.push(':');
                out.push_str(v);
            }
            None => push_member(&mut out, k, v),
        }
    }
    out.push('}');
    out
}

/// The prefix of a success field whose value is JSON text to write as is (a list, a number) rather than as a
/// string; no gateway field name contains it.
pub(crate) const RAW_JSON: &str = "raw:";

/// An error node: `{"code":…,"msg":…,"sub_code":…,"sub_msg":…}`.
pub(crate) fn error_node(error: &GatewayError) -> String {
    let mut out = String::from("{");
    push_str(&mut out, "code");
    out.push(':');
    push_str(&mut out, error.code);
    push_member(&mut out, "msg", msg_for(error.code));
    push_member(&mut out, "sub_code", error.sub_code);
    push_member(&mut out, "sub_msg", &error.sub_msg);
    out.push('}');
    out
}

/// How an answer is written: the request's sign type and charset, its AES key when the request was encrypted, and
/// in certificate mode the Alipay certificate whose key signs it (its SN goes in the envelope).
#[derive(Clone)]
pub(crate) struct AnswerFormat {
    pub(crate) sign_type: SignType,
    pub(crate) charset: &'static Encoding,
    pub(crate) aes: Option<AesKey>,
    pub(crate) cert: Option<Arc<AlipayCert>>,
}

impl AnswerFormat {
    /// UTF-8, not encrypted, public-key mode.
    pub(crate) fn plain(sign_type: SignType) -> Self {
        AnswerFormat {
            sign_type,
            charset: encoding_rs::UTF_8,
            aes: None,
            cert: None,
        }
    }

    /// The answer's Content-Type: the gateway's `text/html;charset=utf-8`, or JSON in the request's charset.
    pub(crate) fn content_type(&self) -> &'static str {
        if self.charset == encoding_rs::GBK {
            "application/json;charset=GBK"
        } else if self.charset == encoding_rs::GB18030 {
            "application/json;charset=GB18030"
        } else {
            "text/html;charset=utf-8"
        }
    }
}

/// The whole body, in the answer format's charset: the node under `node_key` (a JSON string of its base64 ciphertext when
/// encrypted), `alipay_cert_sn` in certificate mode, then `sign` over the node value's exact bytes (the quotes of
/// an encrypted node included), made with the certificate's key in certificate mode and `alipay_key` otherwise.
pub(crate) fn signed_body(
    node_key: &str,
    node: &str,
    answer_format: &AnswerFormat,
    alipay_key: &PrivateKey,
) -> Vec<u8> {
    body(node_key, node, answer_format, alipay_key, Forgery::None)
}

/// What is wrong with a forged answer (the answer faults).
#[derive(Clone, Copy)]
pub(crate) enum Forgery<'a> {
    /// Nothing: a genuine answer.
    None,
    /// Signed, then the node is altered.
    Tampered,
    /// No `sign` member at all.
    Unsigned,
    /// Signed with this key instead of the Alipay (certificate's) key.
    SignedBy(&'a PrivateKey),
}

/// The body of [`signed_body`], made wrong as `forgery` says.
pub(crate) fn body(
    node_key: &str,
    node: &str,
    answer_format: &AnswerFormat,
    alipay_key: &PrivateKey,
    forgery: Forgery<'_>,
) -> Vec<u8> {
    let plain = encode_text(answer_format.charset, node);
    let mut value = match &answer_format.aes {
        // Encrypting with a key that loaded cannot fail; should it, the node goes out in clear, still signed.
        Some(aes) => match aes.encrypt(&plain) {
            Ok(ciphertext) => json_str(&ciphertext).into_bytes(),
            Err(_) => plain,
        },
        None => plain,
    };
    let key = match forgery {
        Forgery::SignedBy(other) => other,
        _ => answer_format
            .cert
            .as_ref()
            .map_or(alipay_key, |cert| &cert.key),
    };
    // Signing with a valid in-memory key cannot fail; should it, the body goes out unsigned and the client
    // refuses it (an unsigned success is never trusted), which is the safe direction.
    let sign = key
        .sign(answer_format.sign_type, &value)
        .unwrap_or_default();
    if let Forgery::Tampered = forgery {
        tamper(&mut value);
    }
    let mut out = Vec::with_capacity(node_key.len() + value.len() + sign.len() + 64);
    out.push(b'{');
    out.extend_from_slice(json_str(node_key).as_bytes());
    out.push(b':');
    out.extend_from_slice(&value);
    if let Some(cert) = &answer_format.cert {
        out.extend_from_slice(b",\"alipay_cert_sn\":");
        out.extend_from_slice(json_str(&cert.sn).as_bytes());
    }
    if !matches!(forgery, Forgery::Unsigned) {
        out.extend_from_slice(b",\"sign\":");
        out.extend_from_slice(json_str(&sign).as_bytes());
    }
    out.push(b'}');
    out
}

/// Alters a node value so that it stays well-formed JSON: an object gains a member before its closing brace; an
/// encrypted node (a JSON string of base64) has its first ciphertext character replaced by another base64
/// character.
fn tamper(value: &mut Vec<u8>) {
    match value.first() {
        Some(b'{') if value.last() == Some(&b'}') => {
            value.pop();
            let empty = value.len() == 1;
            if !empty {
                value.push(b',');
            }
            value.extend_from_slice(b"\"sandbox_tampered\":\"true\"}");
        }
        Some(b'"') if value.len() > 2 => {
            value[1] = if value[1] == b'A' { b'B' } else { b'A' };
        }
        _ => value.extend_from_slice(b" "),
    }
}

/// JSON text in `charset`. A character the charset cannot represent (GBK has no emoji) is written as a JSON `\u`
/// escape instead (e.g. `\ud83c\udf81`); every non-ASCII character of a node is inside a string, where such escapes
/// are valid.
pub(crate) fn encode_text(charset: &'static Encoding, text: &str) -> Vec<u8> {
    if charset == encoding_rs::UTF_8 || text.is_ascii() {
        return text.as_bytes().to_vec();
    }
    let (bytes, _, unmappable) = charset.encode(text);
    if !unmappable {
        return bytes.into_owned();
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    let mut buf = [0u8; 4];
    for c in text.chars() {
        if charset.encode(c.encode_utf8(&mut buf)).2 {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                escaped.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            escaped.push(c);
        }
    }
    charset.encode(&escaped).0.into_owned()
}

fn json_str(value: &str) -> String {
    // Serialising a &str cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

fn push_member(out: &mut String, key: &str, value: &str) {
    out.push(',');
    push_str(out, key);
    out.push(':');
    push_str(out, value);
}

fn push_str(out: &mut String, value: &str) {
    out.push_str(&json_str(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_put_code_and_msg_first_and_escape_values() {
        let node = success_node(&[("memo".into(), "a\"b/中".into())]);
        assert_eq!(node, r#"{"code":"10000","msg":"Success","memo":"a\"b/中"}"#);
        let node = error_node(&GatewayError::new("40004", "TEMPLATE_NOT_EXIST", "gone"));
        assert_eq!(
            node,
            r#"{"code":"40004","msg":"Business Failed","sub_code":"TEMPLATE_NOT_EXIST","sub_msg":"gone"}"#
        );
    }

    #[test]
    fn the_envelope_verifies_with_the_core_client_rules() {
        let key = PrivateKey::generate().expect("key");
        let node = success_node(&[("voucher_id".into(), "1".into())]);
        let body = signed_body(
            "alipay_marketing_voucher_send_response",
            &node,
            &AnswerFormat::plain(SignType::Rsa2),
            &key,
        );
        let opened = alipay_marketing::envelope::read_response(
            &body,
            "alipay.marketing.voucher.send",
            &key.public_key(),
            SignType::Rsa2,
            None,
        )
        .expect("verifies");
        assert_eq!(opened, node);
    }

    #[test]
    fn forged_answers_are_refused_by_the_core_client_rules() {
        let key = PrivateKey::generate().expect("key");
        let other = PrivateKey::generate().expect("other key");
        let node = success_node(&[("voucher_id".into(), "1".into())]);
        let aes = AesKey::from_base64("aa4BtZ4tspm2wnXLb1ThQA==").expect("aes");
        let public = key.public_key();
        for encrypted in [false, true] {
            let answer_format = AnswerFormat {
                aes: encrypted.then(|| aes.clone()),
                ..AnswerFormat::plain(SignType::Rsa2)
            };
            let context = alipay_marketing::envelope::ResponseContext {
                aes: answer_format.aes.as_ref(),
                ..alipay_marketing::envelope::ResponseContext::new(&public, SignType::Rsa2)
            };
            let open = |forgery| {
                let body = body(
                    "alipay_marketing_voucher_send_response",
                    &node,
                    &answer_format,
                    &key,
                    forgery,
                );
                let env =
                    alipay_marketing::envelope::extract(&body, "alipay.marketing.voucher.send")
                        .expect("still a well-formed envelope");
                (
                    env.sign.is_some(),
                    alipay_marketing::envelope::read_envelope(&env, &context)
                        .map(|node| node.into_owned())
                        .map_err(|e| e.kind()),
                )
            };
            assert_eq!(open(Forgery::None), (true, Ok(node.clone())));
            for forgery in [Forgery::Tampered, Forgery::SignedBy(&other)] {
                assert_eq!(
                    open(forgery),
                    (true, Err(alipay_marketing::ErrorKind::Signature)),
                    "encrypted: {encrypted}"
                );
            }
            let (signed, opened) = open(Forgery::Unsigned);
            assert!(!signed);
            assert!(opened.is_err(), "an unsigned success is never data");
        }
    }

    #[test]
    fn gbk_text_escapes_what_gbk_cannot_represent() {
        let node = success_node(&[("memo".into(), "礼券🎁乗".into())]);
        let bytes = encode_text(encoding_rs::GBK, &node);
        let text = encoding_rs::GBK
            .decode_without_bom_handling_and_without_replacement(&bytes)
            .expect("valid GBK");
        assert!(text.contains(r"\ud83c\udf81"), "{text}");
        let parsed: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(parsed["memo"], "礼券🎁乗");
        // '乗' is 0x81 0x5C: the trail byte is a backslash.
        assert!(bytes.windows(2).any(|w| w == [0x81, 0x5C]));
    }

    #[test]
    fn encrypted_gbk_certificate_mode_answers_open_with_the_core_client_rules() {
        let alipay = PrivateKey::generate().expect("key");
        let cert_key = PrivateKey::generate().expect("key");
        let aes = AesKey::from_base64("aa4BtZ4tspm2wnXLb1ThQA==").expect("aes");
        let answer_format = AnswerFormat {
            sign_type: SignType::Rsa2,
            charset: encoding_rs::GBK,
            aes: Some(aes.clone()),
            cert: Some(Arc::new(AlipayCert {
                key: cert_key.clone(),
                pem: String::new(),
                sn: "0123abcd".into(),
            })),
        };
        let node = success_node(&[("memo".into(), "新客礼券乗".into())]);
        let body = signed_body(
            "alipay_marketing_voucher_send_response",
            &node,
            &answer_format,
            &alipay,
        );
        let env = alipay_marketing::envelope::extract_in(
            &body,
            "alipay.marketing.voucher.send",
            alipay_marketing::Charset::Gbk,
        )
        .expect("extract");
        assert_eq!(env.alipay_cert_sn.as_deref(), Some("0123abcd"));
        assert_eq!(env.node.first(), Some(&b'"'), "the node is a string");
        let cert_public = cert_key.public_key();
        let context = alipay_marketing::envelope::ResponseContext {
            charset: alipay_marketing::Charset::Gbk,
            aes: Some(&aes),
            ..alipay_marketing::envelope::ResponseContext::new(&cert_public, SignType::Rsa2)
        };
        let opened = alipay_marketing::envelope::read_envelope(&env, &context)
            .expect("verifies and decrypts");
        assert_eq!(opened, node);
        // Signed by the certificate's key, not the public-key mode key.
        let alipay_public = alipay.public_key();
        let wrong = alipay_marketing::envelope::ResponseContext {
            key: &alipay_public,
            ..context
        };
        assert!(alipay_marketing::envelope::read_envelope(&env, &wrong).is_err());
        assert_eq!(answer_format.content_type(), "application/json;charset=GBK");
    }
}
