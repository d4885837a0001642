//! The response side: nodes written as the gateway writes them (`code`, `msg`, then the rest, compact JSON) and
//! the envelope `{"<method>_response":{…},"sign":"…"}` signed over the node's exact bytes (PROTOCOL.md §3).

use alipay_marketing::{PrivateKey, SignType};

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
        push_member(&mut out, k, v);
    }
    out.push('}');
    out
}

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

/// The whole body: the node under `node_key`, then `sign` over the node's bytes.
pub(crate) fn signed_body(
    node_key: &str,
    node: &str,
    key: &PrivateKey,
    sign_type: SignType,
) -> String {
    // Signing with a valid in-memory key cannot fail; should it, the body goes out unsigned and the client
    // refuses it (an unsigned success is never trusted), which is the safe direction.
    let sign = key.sign(sign_type, node.as_bytes()).unwrap_or_default();
    let mut out = String::with_capacity(node_key.len() + node.len() + sign.len() + 16);
    out.push('{');
    push_str(&mut out, node_key);
    out.push(':');
    out.push_str(node);
    out.push_str(",\"sign\":");
    push_str(&mut out, &sign);
    out.push('}');
    out
}

fn push_member(out: &mut String, key: &str, value: &str) {
    out.push(',');
    push_str(out, key);
    out.push(':');
    push_str(out, value);
}

fn push_str(out: &mut String, value: &str) {
    // Serialising a &str cannot fail.
    out.push_str(&serde_json::to_string(value).unwrap_or_default());
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
            &key,
            SignType::Rsa2,
        );
        let opened = alipay_marketing::envelope::open(
            body.as_bytes(),
            "alipay.marketing.voucher.send",
            &key.public_key(),
            SignType::Rsa2,
            None,
        )
        .expect("verifies");
        assert_eq!(opened, node);
    }
}
