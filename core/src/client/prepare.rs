//! The dry run and the wire request: [`Prepared`], built by [`Client::prepare`] — exactly what would be sent.

use std::borrow::Cow;
use std::time::SystemTime;

use super::{CallOptions, Client, ExecuteResponse, SDK_ID};
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
    /// `url`, parsed: what the transport hands to the HTTP client, which would otherwise parse the text again
    /// at every attempt.
    pub(super) target: url::Url,
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
        self.prepare_with(request, &CallOptions::default())
    }

    /// The dry run of [`Client::call`] with per-call options: the form and the sign content carry the call's
    /// `app_auth_token` (see [`CallOptions::app_auth_token`]) when it has one.
    pub fn prepare_with<R: ApiRequest>(
        &self,
        request: &R,
        options: &CallOptions,
    ) -> Result<Prepared> {
        self.prepare_at_with(request, SystemTime::now(), options)
    }

    /// The dry run of [`Client::execute`].
    pub fn prepare_execute(&self, method: &str, biz_content: &str) -> Result<Prepared> {
        self.prepare_execute_with(method, biz_content, &CallOptions::default())
    }

    /// The dry run of [`Client::execute_with`].
    pub fn prepare_execute_with(
        &self,
        method: &str,
        biz_content: &str,
        options: &CallOptions,
    ) -> Result<Prepared> {
        self.prepare_with(
            &RawRequest {
                method,
                biz_content,
            },
            options,
        )
    }

    /// The dry run with an explicit clock, for reproducible output.
    ///
    /// A request whose optional idempotency key was left empty (an invite award without `out_biz_no`) gets one
    /// generated here exactly as [`Client::call`] generates one, so the dry run shows the parameter and the key
    /// the call sends. (Each call generates a fresh key; set one yourself to send exactly the prepared request.)
    pub fn prepare_at<R: ApiRequest>(&self, request: &R, now: SystemTime) -> Result<Prepared> {
        self.prepare_at_with(request, now, &CallOptions::default())
    }

    /// [`Client::prepare_at`] with per-call options.
    pub fn prepare_at_with<R: ApiRequest>(
        &self,
        request: &R,
        now: SystemTime,
        options: &CallOptions,
    ) -> Result<Prepared> {
        let token = self.app_auth_token_for(options)?;
        let generated = request.with_generated_key(&|| crate::retry::generate_key(now));
        self.prepare_inner(generated.as_ref().unwrap_or(request), now, true, token)
    }

    /// The `app_auth_token` a call with `options` sends: the call's own (checked), else the client's.
    pub(super) fn app_auth_token_for<'a>(
        &'a self,
        options: &'a CallOptions,
    ) -> Result<Option<&'a str>> {
        match options.checked_app_auth_token()? {
            Some(token) => Ok(Some(token)),
            None => Ok(self.inner.app_auth_token.as_deref()),
        }
    }

    /// `encrypt`: whether the client's AES key (if any) applies; the certificate download is always sent in
    /// clear, as the official SDKs send it.
    pub(super) fn prepare_inner<R: ApiRequest>(
        &self,
        request: &R,
        now: SystemTime,
        encrypt: bool,
        app_auth_token: Option<&str>,
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
        if let Some(token) = app_auth_token {
            // biz_content was checked above; the token must exist in the charset too.
            charset.encode("app_auth_token", token)?;
            form.push(("app_auth_token".to_owned(), token.to_owned()));
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
            url: url.as_str().to_owned(),
            target: url,
            query,
            form,
            sign_content: content,
            body,
            idempotency_key: request.idempotency_key().map(str::to_owned),
        })
    }
}

/// The `app_auth_token` is sent and signed as given: a control character (a NUL or a newline pasted with it)
/// would reach the gateway, so it is refused — when the client is built (a `Config` error) or, for a per-call
/// token, before the call is signed (an `InvalidRequest` error). Either names `app_auth_token`.
pub(super) fn app_auth_token_problem(token: &str) -> Option<&'static str> {
    if token.chars().any(char::is_control) {
        return Some(
            "contains a control character (such as NUL or a newline); copy the token again without it",
        );
    }
    if token.trim() != token {
        return Some("has leading or trailing whitespace; trim it");
    }
    None
}

/// The builder's rule for the client's token.
pub(super) fn check_app_auth_token(token: &str) -> Result<()> {
    match app_auth_token_problem(token) {
        Some(problem) => Err(Error::config_field("app_auth_token", problem)),
        None => Ok(()),
    }
}

impl CallOptions {
    /// Checks the options as a call would, before anything is signed: the deadline
    /// ([`crate::limits::check_call_timeout`]: more than zero, at most a day) and the per-call `app_auth_token`
    /// (control characters and leading or trailing whitespace are refused; a blank token means none). The error
    /// is an [`crate::ErrorKind::InvalidRequest`] whose `field()` is `timeout` or `app_auth_token`. Faces and
    /// campaigns use this to refuse a bad option when it is given rather than when it is sent.
    pub fn validate(&self) -> Result<()> {
        if let Some(timeout) = self.timeout {
            crate::limits::check_call_timeout(timeout)?;
        }
        self.checked_app_auth_token().map(|_| ())
    }

    /// The per-call token, `None` when unset or blank, refused when it breaks the rule.
    fn checked_app_auth_token(&self) -> Result<Option<&str>> {
        let Some(token) = self.app_auth_token.as_deref().filter(|t| !is_blank(t)) else {
            return Ok(None);
        };
        match app_auth_token_problem(token) {
            Some(problem) => Err(Error::invalid_request("app_auth_token", problem)),
            None => Ok(Some(token)),
        }
    }
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
