//! Gateway responses: find the exact signed bytes, verify them, and decide success or error (docs/protocol.md §3).
//!
//! The body is `{"<method>_response":{…},"sign":"…"}` (or `error_response`), in any member order and with any
//! whitespace. The signed text is the raw byte span of the node value — from `{` to its matching `}`, or a quoted
//! string for encrypted calls — so a small JSON scanner (`scan`) walks the top-level object and records spans
//! instead of re-serialising anything; this module decides which members matter and what they mean.

use std::borrow::Cow;

use serde::Deserialize;

use crate::aes::AesKey;
use crate::charset::Charset;
use crate::error::{Error, GatewayError, Result};
use crate::keys::{PublicKey, SignType};

mod scan;

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
    let mut method_node = None;
    let mut error_node = None;
    let mut sign = None;
    let mut cert_sn = None;
    scan::members(body, charset, |key, value| {
        if key == wanted {
            if method_node.replace(value).is_some() {
                return Err(ExtractError::DuplicateNode);
            }
        } else if key == "error_response" {
            if error_node.replace(value).is_some() {
                return Err(ExtractError::DuplicateNode);
            }
        } else if key == "sign" {
            sign = scan::string_token(value);
        } else if key == "alipay_cert_sn" {
            cert_sn = scan::string_token(value);
        }
        Ok(())
    })?;
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
