//! The async [`Client`]: builds, signs and sends gateway requests and returns verified, typed results.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use zeroize::Zeroizing;

use crate::api::ApiRequest;
use crate::api::invite::{InviteAwardRequest, InviteAwardResponse};
use crate::api::points::{PointsUpdateRequest, PointsUpdateResponse};
use crate::api::voucher::{VoucherSendRequest, VoucherSendResponse};
use crate::envelope;
use crate::error::{Error, Result};
use crate::keys::{PrivateKey, PublicKey, SignType};
use crate::sign::{beijing_timestamp, is_blank, sign_content};

/// The production gateway.
pub const PRODUCTION_URL: &str = "https://openapi.alipay.com/gateway.do";
/// Alipay's online sandbox gateway.
pub const SANDBOX_URL: &str = "https://openapi-sandbox.dl.alipaydev.com/gateway.do";

const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// Sent as the signed `alipay_sdk` parameter, as the official SDKs do.
const SDK_ID: &str = concat!("alipay-marketing-rust-", env!("CARGO_PKG_VERSION"));

/// Where requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gateway {
    /// `https://openapi.alipay.com/gateway.do`.
    Production,
    /// `https://openapi-sandbox.dl.alipaydev.com/gateway.do`.
    Sandbox,
    /// Any other URL, e.g. a local emulator. Plain `http://` is accepted only for loopback hosts unless
    /// [`ClientBuilder::allow_insecure_http`] is set.
    Url(String),
}

impl Gateway {
    /// `"production"`, `"sandbox"`, or a URL.
    pub fn parse(text: &str) -> Gateway {
        match text.trim().to_ascii_lowercase().as_str() {
            "production" | "prod" => Gateway::Production,
            "sandbox" => Gateway::Sandbox,
            _ => Gateway::Url(text.trim().to_owned()),
        }
    }

    /// The gateway URL.
    pub fn url(&self) -> &str {
        match self {
            Gateway::Production => PRODUCTION_URL,
            Gateway::Sandbox => SANDBOX_URL,
            Gateway::Url(url) => url,
        }
    }
}

/// Per-call overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// The whole call's deadline (send, wait, read), instead of the client's.
    pub timeout: Option<Duration>,
}

impl CallOptions {
    /// Options with a deadline for this call.
    pub fn with_timeout(timeout: Duration) -> Self {
        CallOptions {
            timeout: Some(timeout),
        }
    }
}

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

/// The verified response of [`Client::execute`]: the node's JSON text exactly as signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecuteResponse {
    /// The verified JSON text of the `<method>_response` node.
    pub body: String,
    /// The gateway's `trace_id` header, if any.
    pub trace_id: Option<String>,
}

impl ExecuteResponse {
    /// The node parsed as JSON.
    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_str(&self.body)
            .map_err(|e| Error::decode(format!("response node is not JSON: {e}")))
    }
}

/// A request for any gateway method, used by [`Client::execute`].
#[derive(Debug, Clone)]
struct RawRequest<'a> {
    method: &'a str,
    biz_content: &'a str,
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

enum KeySource<K> {
    Missing,
    Key(K),
    Text(Zeroizing<String>),
    File(PathBuf),
}

impl<K> KeySource<K> {
    fn resolve(self, field: &str, parse: impl Fn(&str) -> Result<K>) -> Result<K> {
        match self {
            KeySource::Missing => Err(Error::config_field(field, "is required")),
            KeySource::Key(k) => Ok(k),
            KeySource::Text(text) => parse(&text),
            KeySource::File(path) => {
                let text = Zeroizing::new(std::fs::read_to_string(&path).map_err(|e| {
                    Error::config_field(field, format!("cannot read {}: {e}", path.display()))
                })?);
                parse(&text)
            }
        }
    }
}

/// Builds a [`Client`]; every check happens in [`ClientBuilder::build`].
pub struct ClientBuilder {
    app_id: Option<String>,
    private_key: KeySource<PrivateKey>,
    alipay_public_key: KeySource<PublicKey>,
    sign_type: SignType,
    gateway: Gateway,
    allow_insecure_http: bool,
    connect_timeout: Duration,
    timeout: Duration,
    app_auth_token: Option<String>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("app_id", &self.app_id)
            .field("sign_type", &self.sign_type)
            .field("gateway", &self.gateway)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            app_id: None,
            private_key: KeySource::Missing,
            alipay_public_key: KeySource::Missing,
            sign_type: SignType::Rsa2,
            gateway: Gateway::Production,
            allow_insecure_http: false,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            app_auth_token: None,
        }
    }
}

impl ClientBuilder {
    /// The app id from the Alipay console.
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = Some(app_id.into());
        self
    }

    /// The app's private key, already loaded.
    pub fn private_key(mut self, key: PrivateKey) -> Self {
        self.private_key = KeySource::Key(key);
        self
    }

    /// The app's private key as text: PEM or bare base64, PKCS#1 or PKCS#8.
    pub fn private_key_text(mut self, text: impl Into<String>) -> Self {
        self.private_key = KeySource::Text(Zeroizing::new(text.into()));
        self
    }

    /// The app's private key read from a file when the client is built.
    pub fn private_key_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.private_key = KeySource::File(path.into());
        self
    }

    /// The Alipay public key (from the console, not your app's), already loaded.
    pub fn alipay_public_key(mut self, key: PublicKey) -> Self {
        self.alipay_public_key = KeySource::Key(key);
        self
    }

    /// The Alipay public key as text: PEM or bare base64.
    pub fn alipay_public_key_text(mut self, text: impl Into<String>) -> Self {
        self.alipay_public_key = KeySource::Text(Zeroizing::new(text.into()));
        self
    }

    /// The Alipay public key read from a file when the client is built.
    pub fn alipay_public_key_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.alipay_public_key = KeySource::File(path.into());
        self
    }

    /// `RSA2` (default) or legacy `RSA`.
    pub fn sign_type(mut self, sign_type: SignType) -> Self {
        self.sign_type = sign_type;
        self
    }

    /// Production (default), Alipay's sandbox, or any URL.
    pub fn gateway(mut self, gateway: Gateway) -> Self {
        self.gateway = gateway;
        self
    }

    /// Allows `http://` gateways on non-loopback hosts. Off by default: requests would travel unencrypted.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// TCP/TLS connect timeout (default 3 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Deadline of a whole call (default 15 s); [`CallOptions::timeout`] overrides it per call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Calls on a merchant's behalf (ISV mode) with this `app_auth_token`.
    pub fn app_auth_token(mut self, token: impl Into<String>) -> Self {
        self.app_auth_token = Some(token.into());
        self
    }

    /// Checks every option and builds the client.
    pub fn build(self) -> Result<Client> {
        let app_id = self.app_id.filter(|a| !is_blank(a)).ok_or_else(|| {
            Error::config_field(
                "app_id",
                "is required: the app id from the Alipay open platform console",
            )
        })?;
        if !app_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::config_field(
                "app_id",
                format!("{app_id:?} should contain only digits"),
            ));
        }
        let private_key = self
            .private_key
            .resolve("private_key", PrivateKey::from_text)?;
        let alipay_public_key = self.alipay_public_key.resolve("alipay_public_key", |t| {
            PublicKey::from_text_for("alipay_public_key", t)
        })?;
        check_not_own_public_key(&private_key, &alipay_public_key)?;
        let url = check_gateway_url(self.gateway.url(), self.allow_insecure_http)?;
        if self.timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(Error::config_field("timeout", "must be greater than zero"));
        }
        let app_auth_token = self.app_auth_token.filter(|t| !is_blank(t));
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .user_agent(SDK_ID)
            .build()
            .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                app_id,
                private_key,
                alipay_public_key,
                sign_type: self.sign_type,
                url,
                http,
                timeout: self.timeout,
                app_auth_token,
            }),
        })
    }
}

/// The most common configuration mistake in every Alipay SDK: the app's own public key configured as the
/// "Alipay public key". It would verify our own signature, so a probe tells them apart.
fn check_not_own_public_key(private_key: &PrivateKey, alipay_public_key: &PublicKey) -> Result<()> {
    if private_key.public_key() == *alipay_public_key {
        return Err(Error::config_field(
            "alipay_public_key",
            "is your app's own public key; use the Alipay public key shown beside it in the Alipay console \
             (支付宝公钥, not 应用公钥)",
        ));
    }
    Ok(())
}

fn check_gateway_url(text: &str, allow_insecure_http: bool) -> Result<url::Url> {
    let url = url::Url::parse(text)
        .map_err(|e| Error::config_field("gateway", format!("{text:?} is not a URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if !loopback && !allow_insecure_http {
                return Err(Error::config_field(
                    "gateway",
                    format!(
                        "{text:?} uses plain http on a non-loopback host; use https, or allow_insecure_http if \
                         you really mean it"
                    ),
                ));
            }
        }
        other => {
            return Err(Error::config_field(
                "gateway",
                format!("scheme {other:?} is not supported; use https"),
            ));
        }
    }
    if url.query().is_some() {
        return Err(Error::config_field(
            "gateway",
            "must not carry a query string",
        ));
    }
    Ok(url)
}

/// An Alipay OpenAPI client. `Send + Sync`, cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    app_id: String,
    private_key: PrivateKey,
    alipay_public_key: PublicKey,
    sign_type: SignType,
    url: url::Url,
    http: reqwest::Client,
    timeout: Duration,
    app_auth_token: Option<String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("app_id", &self.inner.app_id)
            .field("sign_type", &self.inner.sign_type)
            .field("gateway", &self.inner.url.as_str())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The configured app id.
    pub fn app_id(&self) -> &str {
        &self.inner.app_id
    }

    /// The gateway URL.
    pub fn gateway_url(&self) -> &str {
        self.inner.url.as_str()
    }

    /// `alipay.user.invite.award.receive`: award a new or old user and return the draw result.
    pub async fn receive_invite_award(
        &self,
        request: &InviteAwardRequest,
    ) -> Result<InviteAwardResponse> {
        self.call(request, &CallOptions::default()).await
    }

    /// `alipay.marketing.voucher.send`: send a voucher; `(template_id, out_biz_no)` makes it idempotent.
    pub async fn send_voucher(&self, request: &VoucherSendRequest) -> Result<VoucherSendResponse> {
        self.call(request, &CallOptions::default()).await
    }

    /// `koubei.marketing.tool.points.update`: move stamp-card points; `req_id` makes it idempotent.
    pub async fn update_points(
        &self,
        request: &PointsUpdateRequest,
    ) -> Result<PointsUpdateResponse> {
        self.call(request, &CallOptions::default()).await
    }

    /// Calls any gateway method with a `biz_content` JSON object text, with the same signing, verification and
    /// errors as the typed calls. Returns the verified response node.
    pub async fn execute(&self, method: &str, biz_content: &str) -> Result<ExecuteResponse> {
        self.execute_with(method, biz_content, &CallOptions::default())
            .await
    }

    /// [`Client::execute`] with per-call options.
    pub async fn execute_with(
        &self,
        method: &str,
        biz_content: &str,
        options: &CallOptions,
    ) -> Result<ExecuteResponse> {
        let (node, trace_id) = self
            .send(
                &RawRequest {
                    method,
                    biz_content,
                },
                options,
            )
            .await?;
        Ok(ExecuteResponse {
            body: node,
            trace_id,
        })
    }

    /// Validates, signs and sends any typed request with per-call options.
    pub async fn call<R: ApiRequest>(
        &self,
        request: &R,
        options: &CallOptions,
    ) -> Result<R::Response> {
        let (node, _) = self.send(request, options).await?;
        request.parse_response(&node)
    }

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
    pub fn prepare_at<R: ApiRequest>(&self, request: &R, now: SystemTime) -> Result<Prepared> {
        request.validate()?;
        let biz_content = request.biz_content()?;
        let inner = &*self.inner;
        let timestamp = beijing_timestamp(now);
        let mut query: Vec<(String, String)> = [
            ("app_id", inner.app_id.as_str()),
            ("method", request.method()),
            ("format", "json"),
            ("charset", "utf-8"),
            ("sign_type", inner.sign_type.as_str()),
            ("timestamp", timestamp.as_str()),
            ("version", "1.0"),
            ("alipay_sdk", SDK_ID),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let mut form = Vec::with_capacity(2);
        if !is_blank(&biz_content) {
            form.push(("biz_content".to_owned(), biz_content));
        }
        if let Some(token) = &inner.app_auth_token {
            form.push(("app_auth_token".to_owned(), token.clone()));
        }
        let content = sign_content(
            query
                .iter()
                .chain(form.iter())
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        let sign = inner
            .private_key
            .sign(inner.sign_type, content.as_bytes())?;
        query.push(("sign".to_owned(), sign));
        let mut url = inner.url.clone();
        url.query_pairs_mut().extend_pairs(query.iter());
        let body = form_urlencoded::Serializer::new(String::new())
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

    async fn send<R: ApiRequest>(
        &self,
        request: &R,
        options: &CallOptions,
    ) -> Result<(String, Option<String>)> {
        let prepared = self.prepare(request)?;
        let deadline = options.timeout.unwrap_or(self.inner.timeout);
        let started = Instant::now();
        let result = tokio::time::timeout(deadline, self.round_trip(&prepared)).await;
        let result = match result {
            Ok(Err(e)) => Err(explain_signature_error(e, &prepared)),
            Ok(r) => r,
            Err(_) => Err(Error::timeout(format!(
                "{} did not complete within {} ms; the outcome is unknown — retry with the same idempotency key{}",
                prepared.method,
                deadline.as_millis(),
                prepared
                    .idempotency_key
                    .as_deref()
                    .map(|k| format!(" ({k})"))
                    .unwrap_or_default()
            ))),
        };
        let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
        match &result {
            Ok(_) => tracing::debug!(method = %prepared.method, elapsed_ms, "call succeeded"),
            Err(e) => tracing::info!(
                method = %prepared.method,
                elapsed_ms,
                kind = %e.kind(),
                code = e.gateway_error().map(|g| g.code.as_str()).unwrap_or(""),
                sub_code = e.gateway_error().and_then(|g| g.sub_code.as_deref()).unwrap_or(""),
                "call failed"
            ),
        }
        result
    }

    async fn round_trip(&self, prepared: &Prepared) -> Result<(String, Option<String>)> {
        let response = self
            .inner
            .http
            .post(&prepared.url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded;charset=utf-8",
            )
            .header(reqwest::header::ACCEPT, "application/json, text/plain, */*")
            .body(prepared.body.clone())
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status().as_u16();
        let trace_id = response
            .headers()
            .get("trace_id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await.map_err(transport_error)?;
        if status != 200 {
            return Err(Error::http(
                status,
                format!("the gateway answered HTTP {status}: {}", snippet(&body)),
            ));
        }
        let node = envelope::open(
            &body,
            &prepared.method,
            &self.inner.alipay_public_key,
            self.inner.sign_type,
            trace_id.as_deref(),
        )?;
        Ok((node.to_owned(), trace_id))
    }
}

/// Attaches the explainer's findings to an `isv.invalid-signature` answer.
fn explain_signature_error(error: Error, prepared: &Prepared) -> Error {
    let mismatch = error
        .gateway_error()
        .filter(|g| g.sub_code.as_deref() == Some("isv.invalid-signature"))
        .and_then(|g| crate::explain::explain(&prepared.sign_content, g.sub_msg.as_deref()?));
    match mismatch {
        Some(m) => error.with_mismatch(m),
        None => error,
    }
}

fn transport_error(e: reqwest::Error) -> Error {
    let e = e.without_url();
    if e.is_timeout() {
        return Error::timeout(format!("the gateway did not answer in time: {e}")).with_source(e);
    }
    let sent = !e.is_connect();
    let what = if sent {
        "the connection failed after the request may have been sent; the outcome is unknown"
    } else {
        "could not connect to the gateway; nothing was sent"
    };
    Error::transport(format!("{what}: {e}"), sent).with_source(e)
}

/// The start of a body for an error message (HTML error pages can be long).
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}
