//! The async [`Client`]: builds, signs and sends gateway requests and returns verified, typed results.

mod builder;
mod cert_mode;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

pub use builder::ClientBuilder;

use crate::aes::AesKey;
use crate::api::ApiRequest;
use crate::api::invite::{InviteAwardRequest, InviteAwardResponse};
use crate::api::points::{PointsUpdateRequest, PointsUpdateResponse};
use crate::api::voucher::{VoucherSendRequest, VoucherSendResponse};
use crate::charset::Charset;
use crate::doctor::{DoctorReport, Level};
use crate::envelope;
use crate::error::{Error, Result};
use crate::keys::{PrivateKey, PublicKey, SignType};
use crate::rate_limit::RateLimiter;
use crate::retry::{self, RetryPolicy};
use crate::sign::{beijing_timestamp, is_blank, sign_content};
use crate::stats::{ClientStats, Counters};

/// The production gateway.
pub const PRODUCTION_URL: &str = "https://openapi.alipay.com/gateway.do";
/// Alipay's online sandbox gateway.
pub const SANDBOX_URL: &str = "https://openapi-sandbox.dl.alipaydev.com/gateway.do";

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

/// Per-call overrides of the client's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// The whole call's deadline (attempts, waits and reads), instead of the client's.
    pub timeout: Option<Duration>,
    /// The retry policy for this call, instead of the client's.
    pub retry: Option<RetryPolicy>,
}

impl CallOptions {
    /// Options with a deadline for this call.
    pub fn with_timeout(timeout: Duration) -> Self {
        CallOptions {
            timeout: Some(timeout),
            retry: None,
        }
    }

    /// Sets the retry policy for this call.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
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
    attempt_timeout: Duration,
    retry: RetryPolicy,
    rate_limiter: Option<RateLimiter>,
    app_auth_token: Option<String>,
    charset: Charset,
    aes: Option<AesKey>,
    cert_mode: Option<cert_mode::CertMode>,
    /// The offline doctor findings of the configuration the client was built from.
    report: DoctorReport,
    counters: Counters,
    closed: AtomicBool,
    /// Wakes [`Client::close`] when the last in-flight call ends, and in-flight waits when the client closes.
    drained: tokio::sync::Notify,
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
    ///
    /// Business outcomes (`OLD_AWARD_OVER_LIMIT`, `ACTIVITY_PAUSE`, …) are results, not errors. Without an
    /// `out_biz_no` the client generates one (returned in the result) so that retries never award twice.
    ///
    /// ```
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // A local gateway emulator stands in for Alipay here; in production, build the client with your keys.
    /// let sandbox = alipay_marketing_sandbox::Sandbox::start(Default::default()).await?;
    /// let client = sandbox.client_builder().build()?;
    /// use alipay_marketing::api::invite::{BizResultCode, InviteAwardRequest, UserAttr};
    ///
    /// let request = InviteAwardRequest::new().mobile("13800000009").out_biz_no("invite-0001");
    /// let result = client.receive_invite_award(&request).await?;
    /// assert_eq!(result.biz_result_code, BizResultCode::NewAwardSuccess); // wire spelling NEW_AWARD_SUCESS
    /// assert_eq!(result.user_attr, Some(UserAttr::New));
    ///
    /// // The same user again: the new-user award is given once.
    /// let again = client.receive_invite_award(&request.clone().out_biz_no("invite-0002")).await?;
    /// assert_eq!(again.biz_result_code, BizResultCode::NewAlreadyAward);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn receive_invite_award(
        &self,
        request: &InviteAwardRequest,
    ) -> Result<InviteAwardResponse> {
        self.call(request, &CallOptions::default()).await
    }

    /// `alipay.marketing.voucher.send`: send a voucher; `(template_id, out_biz_no)` makes it idempotent.
    ///
    /// ```
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // A local gateway emulator stands in for Alipay here; in production, build the client with your keys.
    /// let sandbox = alipay_marketing_sandbox::Sandbox::start(Default::default()).await?;
    /// let client = sandbox.client_builder().build()?;
    /// use alipay_marketing::api::voucher::VoucherSendRequest;
    ///
    /// let request = VoucherSendRequest::new("TPL-FIXED-10", "order-0001").user_id("2088000000000001");
    /// let sent = client.send_voucher(&request).await?;
    /// // Sending the same out_biz_no again returns the same voucher instead of a second one.
    /// let replay = client.send_voucher(&request).await?;
    /// assert_eq!(replay.voucher_id, sent.voucher_id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send_voucher(&self, request: &VoucherSendRequest) -> Result<VoucherSendResponse> {
        self.call(request, &CallOptions::default()).await
    }

    /// `koubei.marketing.tool.points.update`: move stamp-card points; `req_id` makes it idempotent.
    ///
    /// ```
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // A local gateway emulator stands in for Alipay here; in production, build the client with your keys.
    /// let sandbox = alipay_marketing_sandbox::Sandbox::start(Default::default()).await?;
    /// let client = sandbox.client_builder().build()?;
    /// use alipay_marketing::api::points::{PointsUpdateRequest, TransType};
    ///
    /// let user = "2088000000000001";
    /// // Reserve 30 points for a redemption, then spend them: COMMIT names the freeze's point_log_no.
    /// let freeze = PointsUpdateRequest::new("req-0001", user, "STAMP-CARD-01", TransType::Freeze, 30);
    /// let frozen = client.update_points(&freeze).await?;
    /// let commit = PointsUpdateRequest::new("req-0002", user, "STAMP-CARD-01", TransType::Commit, 30)
    ///     .biz_no(frozen.point_log_no.clone());
    /// client.update_points(&commit).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update_points(
        &self,
        request: &PointsUpdateRequest,
    ) -> Result<PointsUpdateResponse> {
        self.call(request, &CallOptions::default()).await
    }

    /// Calls any gateway method with a `biz_content` JSON object text, with the same signing, verification and
    /// errors as the typed calls. Returns the verified response node.
    ///
    /// ```
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // A local gateway emulator stands in for Alipay here; in production, build the client with your keys.
    /// let sandbox = alipay_marketing_sandbox::Sandbox::start(Default::default()).await?;
    /// let client = sandbox.client_builder().build()?;
    /// let response = client
    ///     .execute(
    ///         "alipay.marketing.voucher.send",
    ///         r#"{"template_id":"TPL-FIXED-10","out_biz_no":"order-0003","user_id":"2088000000000001"}"#,
    ///     )
    ///     .await?;
    /// assert!(response.json()?["voucher_id"].is_string());
    /// # Ok(())
    /// # }
    /// ```
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
        let generated = request.with_generated_key(&|| retry::generate_key(SystemTime::now()));
        let request = generated.as_ref().unwrap_or(request);
        let (node, _) = self.send(request, options).await?;
        request.parse_response(&node)
    }

    /// A snapshot of this client's counters (shared by all its clones).
    pub fn stats(&self) -> ClientStats {
        self.inner.counters.snapshot()
    }

    /// Closes the client: new calls fail at once with a `Config` error; calls in flight finish their current
    /// attempt but make no further retries. Returns when no call is in flight. Clones share the closed state.
    pub async fn close(&self) {
        self.inner.closed.store(true, Ordering::SeqCst);
        self.inner.drained.notify_waiters();
        loop {
            let drained = self.inner.drained.notified();
            if self.inner.counters.in_flight.load(Ordering::SeqCst) == 0 {
                return;
            }
            drained.await;
        }
    }

    /// The configuration doctor's findings (see [`ClientBuilder::doctor`]) plus the clock skew to the gateway,
    /// measured from the `Date` header of one plain request to the gateway URL.
    pub async fn check_config(&self) -> DoctorReport {
        let mut report = self.inner.report.clone();
        let probe = tokio::time::timeout(
            self.inner.attempt_timeout,
            self.inner.http.head(self.inner.url.as_str()).send(),
        );
        match probe.await {
            Ok(Ok(response)) => {
                let date = response
                    .headers()
                    .get(reqwest::header::DATE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(crate::doctor::parse_http_date);
                report.clock(date, SystemTime::now());
            }
            Ok(Err(e)) => report.add(
                Level::Warning,
                "clock",
                format!("the gateway is unreachable: {}", e.without_url()),
            ),
            Err(_) => report.add(
                Level::Warning,
                "clock",
                "the gateway did not answer in time; clock skew not measured",
            ),
        }
        report
    }

    /// Whether [`Client::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::SeqCst)
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
        let inner = &*self.inner;
        let charset = inner.charset;
        let mut biz_content = request.biz_content()?;
        if let Some(aes) = &inner.aes {
            // Encrypt, then sign: the ciphertext is what is signed and sent (PROTOCOL.md §5).
            biz_content = aes.encrypt(&charset.encode("biz_content", &biz_content)?)?;
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
        if inner.aes.is_some() {
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
        // Every value must exist in the charset; the error names the first that does not.
        for (field, value) in &form {
            charset.encode(field, value)?;
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

    async fn send<R: ApiRequest>(
        &self,
        request: &R,
        options: &CallOptions,
    ) -> Result<(String, Option<String>)> {
        let inner = &*self.inner;
        Counters::bump(&inner.counters.calls);
        let _in_flight = InFlight::enter(inner);
        let result = self.send_with_retries(request, options).await;
        match &result {
            Ok(_) => Counters::bump(&inner.counters.successes),
            Err(e) => inner.counters.failed(e.kind()),
        }
        result
    }

    async fn send_with_retries<R: ApiRequest>(
        &self,
        request: &R,
        options: &CallOptions,
    ) -> Result<(String, Option<String>)> {
        let inner = &*self.inner;
        let started = Instant::now();
        let deadline = started + options.timeout.unwrap_or(inner.timeout);
        let policy = options.retry.unwrap_or(inner.retry);
        let key = request.idempotency_key();
        let span = tracing::info_span!(
            "alipay_call",
            method = request.method(),
            idempotency_key = key
        );
        let _entered = span.enter();
        if self.is_closed() {
            return Err(closed_error());
        }
        let prepared = self.prepare(request)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self.attempt(&prepared, deadline, attempt).await;
            let error = match result {
                Ok(ok) => {
                    tracing::debug!(
                        attempt,
                        elapsed_ms = ms(started.elapsed()),
                        "call succeeded"
                    );
                    return Ok(ok);
                }
                Err(error) => error,
            };
            let wait = (attempt < policy.attempts() && retry::should_retry(&error, key.is_some()))
                .then(|| policy.delay(attempt, error.retry_after()))
                .filter(|wait| Instant::now() + *wait < deadline);
            tracing::info!(
                attempt,
                elapsed_ms = ms(started.elapsed()),
                kind = %error.kind(),
                code = error.gateway_error().map_or("", |g| g.code.as_str()),
                sub_code = error.gateway_error().and_then(|g| g.sub_code.as_deref()).unwrap_or(""),
                retry_in_ms = wait.map(ms),
                "attempt failed"
            );
            let Some(wait) = wait else {
                return Err(error.finish(attempt, key));
            };
            // Sleep, unless the client is closed meanwhile.
            let closed = inner.drained.notified();
            if self.is_closed() {
                return Err(error.finish(attempt, key));
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = closed => return Err(error.finish(attempt, key)),
            }
            if self.is_closed() {
                return Err(error.finish(attempt, key));
            }
            Counters::bump(&inner.counters.retries);
        }
    }

    /// One HTTP attempt, bounded by the attempt timeout and the overall deadline, after any rate-limit wait.
    async fn attempt(
        &self,
        prepared: &Prepared,
        deadline: Instant,
        attempt: u32,
    ) -> Result<(String, Option<String>)> {
        let inner = &*self.inner;
        let timed_out = || {
            Error::timeout(format!(
                "{} did not complete within the deadline (attempt {attempt})",
                prepared.method
            ))
        };
        if let Some(limiter) = &inner.rate_limiter {
            let budget = deadline.saturating_duration_since(Instant::now());
            let wait = limiter.reserve(Instant::now(), budget).ok_or_else(|| {
                Error::transport(
                    format!(
                        "{} was not sent: the client's rate limit leaves no slot before the deadline",
                        prepared.method
                    ),
                    false,
                )
            })?;
            tokio::time::sleep(wait).await;
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(timed_out());
        }
        let limit = deadline.min(now + inner.attempt_timeout);
        Counters::bump(&inner.counters.attempts);
        match tokio::time::timeout_at(limit.into(), self.round_trip(prepared)).await {
            Ok(Err(e)) => Err(explain_signature_error(e, prepared)),
            Ok(ok) => ok,
            Err(_) => Err(timed_out()),
        }
    }

    /// One request and its verified answer.
    async fn round_trip(&self, prepared: &Prepared) -> Result<(String, Option<String>)> {
        let inner = &*self.inner;
        let (body, trace_id) = self.post(prepared).await?;
        let method = prepared.method.as_str();
        let env = envelope::extract_in(&body, method, inner.charset)
            .map_err(|e| envelope::extract_error(e, method))?;
        let key = match &inner.cert_mode {
            None => inner.alipay_public_key.clone(),
            Some(mode) => match mode.known_key(&env, &inner.alipay_public_key)? {
                Some(key) => key,
                None => {
                    // Alipay rotated its certificate: fetch the one named, and trust it only if it chains to the
                    // configured root bundle.
                    let sn = env.alipay_cert_sn.clone().unwrap_or_default();
                    let biz_content = serde_json::json!({ "alipay_cert_sn": sn }).to_string();
                    let download = self.prepare(&RawRequest {
                        method: cert_mode::DOWNLOAD_METHOD,
                        biz_content: &biz_content,
                    })?;
                    let (download_body, _) = self.post(&download).await?;
                    mode.trust_download(&sn, &download_body)?
                }
            },
        };
        let reading = envelope::Reading {
            key: &key,
            sign_type: inner.sign_type,
            charset: inner.charset,
            aes: inner.aes.as_ref(),
            trace_id: trace_id.as_deref(),
        };
        let node = envelope::open_envelope(&env, &reading)?;
        Ok((node.into_owned(), trace_id))
    }

    /// Sends a prepared request; returns the body of a 200 answer and the trace id.
    async fn post(&self, prepared: &Prepared) -> Result<(bytes::Bytes, Option<String>)> {
        let response = self
            .inner
            .http
            .post(&prepared.url)
            .header(
                reqwest::header::CONTENT_TYPE,
                format!(
                    "application/x-www-form-urlencoded;charset={}",
                    self.inner.charset
                ),
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
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
            .map(|secs| Duration::from_secs(secs.min(60)));
        let body = response.bytes().await.map_err(transport_error)?;
        if status != 200 {
            return Err(Error::http(
                status,
                format!("the gateway answered HTTP {status}: {}", snippet(&body)),
            )
            .with_retry_after(retry_after));
        }
        Ok((body, trace_id))
    }
}

/// Counts a call as in flight until dropped, and wakes [`Client::close`] when the last one ends.
struct InFlight<'a>(&'a Inner);

impl<'a> InFlight<'a> {
    fn enter(inner: &'a Inner) -> Self {
        inner.counters.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(inner)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.0.counters.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.drained.notify_waiters();
        }
    }
}

fn closed_error() -> Error {
    Error::config("the client was closed (Client::close); build a new client to make more calls")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
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
