//! The dry run and the wire request: [`Prepared`], built by [`Client::prepare`] — exactly what would be sent.

use std::borrow::Cow;
use std::time::SystemTime;

use super::{Client, ExecuteResponse, SDK_ID};
use crate::api::ApiRequest;
use crate::charset::Charset;
use crate::error::{Error, Result};
use crate::sign::{beijing_timestamp, is_blank, sign_content};

/// Exactly what would be sent: the URL with its query string, the form body and the string that was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The gateway method.
    pub method: String,
    /// The full URL including the query string.
    pub url: String,
    /// The parameters sent in the query string, `sign` last.
    pub query: Vec<(String, String)>,
    /// The parameters sent in the form body.
    pub form: Vec<(String, String)>,
    /// The exact string that was signed.
    pub sign_content: String,
    /// The encoded form body.
    pub body: String,
    /// The request's idempotency key, when it has one.
    pub idempotency_key: Option<String>,
}

/// A request for any gateway method, used by [`Client::execute`].
#[derive(Debug, Clone)]
pub(super) struct RawRequest<'a> {
    pub(super) method: &'a str,
    pub(super) biz_content: &'a str,
}

impl ApiRequest for RawRequest<'_> {
    type Response = ExecuteResponse;

    fn method(&self) -> &str {
        self.method
    }

    fn validate(&self) -> Result<()> {
        let ok = !self.method.is_empty()
            && self.method.split('.').all(|p| !p.is_empty())
            && self
                .method
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_');
        if !ok {
            return Err(Error::invalid_request(
                "method",
                format!(
                    "{:?} is not a gateway method name like \"alipay.marketing.voucher.send\"",
                    self.method
                ),
            ));
        }
        if !is_blank(self.biz_content) {
            match serde_json::from_str::<serde_json::Value>(self.biz_content) {
                Ok(serde_json::Value::Object(_)) => {}
                _ => {
                    return Err(Error::invalid_request(
                        "biz_content",
                        "must be a JSON object text",
                    ));
                }
            }
        }
        Ok(())
    }

    fn biz_content(&self) -> Result<String> {
        Ok(self.biz_content.to_owned())
    }

    fn parse_response(&self, node: &str) -> Result<ExecuteResponse> {
        Ok(ExecuteResponse {
            body: node.to_owned(),
            trace_id: None,
        })
    }
}

impl Client {
    /// The dry run: what [`Client::call`] would send now, without sending.
    pub fn prepare<R: ApiRequest>(&self, request: &R) -> Result<Prepared> {
        self.prepare_at(request, SystemTime::now())
    }

    /// The dry run of [`Client::execute`].
    pub fn prepare_execute(&self, method: &str, biz_content: &str) -> Result<Prepared> {
        self.prepare(&RawRequest {
            method,
            biz_content,
        })
    }

    /// The dry run with an explicit clock, for reproducible output.
    ///
    /// A request whose optional idempotency key was left empty (an invite award without `out_biz_no`) gets one
    /// generated here exactly as [`Client::call`] generates one, so the dry run shows the parameter and the key
    /// the call sends. (Each call generates a fresh key; set one yourself to send exactly the prepared request.)
    pub fn prepare_at<R: ApiRequest>(&self, request: &R, now: SystemTime) -> Result<Prepared> {
        let generated = request.with_generated_key(&|| crate::retry::generate_key(now));
        self.prepare_inner(generated.as_ref().unwrap_or(request), now, true)
    }

    /// `encrypt`: whether the client's AES key (if any) applies; the certificate download is always sent in
    /// clear, as the official SDKs send it.
    pub(super) fn prepare_inner<R: ApiRequest>(
        &self,
        request: &R,
        now: SystemTime,
        encrypt: bool,
    ) -> Result<Prepared> {
        request.validate()?;
        let inner = &*self.inner;
        let charset = inner.charset;
        let aes = inner.aes.as_ref().filter(|_| encrypt);
        let mut biz_content = request.biz_content()?;
        let biz_bytes = encode_biz_content(charset, &biz_content)?;
        if let Some(aes) = aes {
            // Encrypt, then sign: the ciphertext is what is signed and sent (docs/protocol.md §5).
            biz_content = aes.encrypt(&biz_bytes)?;
        }
        let timestamp = beijing_timestamp(now);
        let mut query: Vec<(String, String)> = [
            ("app_id", inner.app_id.as_str()),
            ("method", request.method()),
            ("format", "json"),
            ("charset", charset.as_str()),
            ("sign_type", inner.sign_type.as_str()),
            ("timestamp", timestamp.as_str()),
            ("version", "1.0"),
            ("alipay_sdk", SDK_ID),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        if aes.is_some() {
            query.push(("encrypt_type".to_owned(), "AES".to_owned()));
        }
        if let Some(mode) = &inner.cert_mode {
            query.push(("app_cert_sn".to_owned(), mode.app_cert_sn.clone()));
            query.push(("alipay_root_cert_sn".to_owned(), mode.root_cert_sn.clone()));
        }
        let mut form = Vec::with_capacity(2);
        if !is_blank(&biz_content) {
            form.push(("biz_content".to_owned(), biz_content));
        }
        if let Some(token) = &inner.app_auth_token {
            form.push(("app_auth_token".to_owned(), token.clone()));
        }
        // biz_content was checked above; the token must exist in the charset too.
        if let Some(token) = &inner.app_auth_token {
            charset.encode("app_auth_token", token)?;
        }
        let content = sign_content(
            query
                .iter()
                .chain(form.iter())
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        let sign = inner
            .private_key
            .sign(inner.sign_type, &charset.encode("sign content", &content)?)?;
        query.push(("sign".to_owned(), sign));
        let mut url = inner.url.clone();
        url.query_pairs_mut().extend_pairs(query.iter());
        let encode = charset.form_encoder();
        let body = form_urlencoded::Serializer::new(String::new())
            .encoding_override(Some(&encode))
            .extend_pairs(form.iter())
            .finish();
        Ok(Prepared {
            method: request.method().to_owned(),
            url: url.into(),
            query,
            form,
            sign_content: content,
            body,
            idempotency_key: request.idempotency_key().map(str::to_owned),
        })
    }
}

/// The `app_auth_token` is sent and signed as given: a control character (a NUL or a newline pasted with it)
/// would reach the gateway, so it is refused when the client is built.
pub(super) fn check_app_auth_token(token: &str) -> Result<()> {
    if token.chars().any(char::is_control) {
        return Err(Error::config_field(
            "app_auth_token",
            "contains a control character (such as NUL or a newline); copy the token again without it",
        ));
    }
    if token.trim() != token {
        return Err(Error::config_field(
            "app_auth_token",
            "has leading or trailing whitespace; trim it",
        ));
    }
    Ok(())
}

/// biz_content in the request charset. Text the charset cannot represent is refused naming the business field that
/// holds it (`memo`, …) rather than `biz_content` as a whole.
fn encode_biz_content(charset: Charset, biz_content: &str) -> Result<Cow<'_, [u8]>> {
    let whole = match charset.encode("biz_content", biz_content) {
        Ok(bytes) => return Ok(bytes),
        Err(whole) => whole,
    };
    let fields: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(biz_content).unwrap_or_default();
    for (name, value) in &fields {
        if let Some(text) = value.as_str() {
            charset.encode(name, text)?;
        }
    }
    Err(whole)
}
