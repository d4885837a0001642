//! The async [`Client`]: builds, signs and sends gateway requests and returns verified, typed results.

mod builder;
mod cert_mode;
mod prepare;
mod transport;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

pub use builder::ClientBuilder;
pub use prepare::Prepared;
use prepare::RawRequest;

use crate::aes::AesKey;
use crate::api::ApiRequest;
use crate::api::invite::{InviteAwardRequest, InviteAwardResponse};
use crate::api::points::{PointsUpdateRequest, PointsUpdateResponse};
use crate::api::voucher::{VoucherSendRequest, VoucherSendResponse};
use crate::charset::Charset;
use crate::doctor::{DoctorReport, Level};
use crate::error::{Error, Result};
use crate::keys::{PrivateKey, PublicKey, SignType};
use crate::rate_limit::RateLimiter;
use crate::retry::{self, RetryPolicy};
use crate::stats::{ClientStats, Counters};

/// The production gateway.
pub const PRODUCTION_URL: &str = "https://openapi.alipay.com/gateway.do";
/// Alipay's online sandbox gateway.
pub const SANDBOX_URL: &str = "https://openapi-sandbox.dl.alipaydev.com/gateway.do";

/// The default [`ClientBuilder::max_response_bytes`]: 1 MiB. A gateway envelope is a few KB (a certificate
/// download a few more), so this only ever stops a broken or hostile answer.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;

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
///
/// One client (one connection pool, one runtime) can serve many merchants: give each call its merchant's
/// `app_auth_token` here instead of building a client per merchant.
///
/// ```
/// # use std::time::Duration;
/// use alipay_marketing::CallOptions;
///
/// let for_merchant = CallOptions::for_merchant("202405BBd0a1b2c3d4e5f6").timeout(Duration::from_secs(5));
/// // The token never appears in clear in Debug output.
/// assert!(!format!("{for_merchant:?}").contains("d0a1b2c3"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// The whole call's deadline (attempts, waits and reads), instead of the client's.
    pub timeout: Option<Duration>,
    /// The retry policy for this call, instead of the client's.
    pub retry: Option<RetryPolicy>,
    /// The merchant this call is made for (ISV mode), instead of the client's
    /// [`ClientBuilder::app_auth_token`]. Sent and signed as the client's token is, checked by the same rule
    /// (control characters and surrounding whitespace are refused, naming `app_auth_token`); a blank value is
    /// the same as none, i.e. the client's token (if any) is used. With a rate limit, each distinct token has
    /// its own bucket (see [`ClientBuilder::rate_limit`]).
    pub app_auth_token: Option<String>,
}

impl std::fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallOptions")
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field(
                "app_auth_token",
                &self.app_auth_token.as_deref().map(crate::mask::mask_token),
            )
            .finish()
    }
}

impl CallOptions {
    /// Options with a deadline for this call.
    pub fn with_timeout(timeout: Duration) -> Self {
        CallOptions {
            timeout: Some(timeout),
            ..CallOptions::default()
        }
    }

    /// Options for a call made on behalf of the merchant whose `app_auth_token` this is.
    pub fn for_merchant(app_auth_token: impl Into<String>) -> Self {
        CallOptions::default().app_auth_token(app_auth_token)
    }

    /// Sets the deadline of this call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the retry policy for this call.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Sets the merchant's `app_auth_token` for this call, instead of the client's.
    pub fn app_auth_token(mut self, token: impl Into<String>) -> Self {
        self.app_auth_token = Some(token.into());
        self
    }
}

/// The verified response of [`Client::execute`]: the node's JSON text as signed (decrypted, for AES calls).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecuteResponse {
    /// The verified JSON text of the `<method>_response` node (decrypted, for AES calls).
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
    /// The connection pool of calls run on a shared runtime (any async caller's, or the blocking faces' shared
    /// one); a thread that runs calls on a runtime of its own has a pool of its own ([`transport`]).
    http: reqwest::Client,
    /// What `http` was made from, for those per-thread pools.
    connection: builder::Connection,
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
    /// The largest response body read (see [`ClientBuilder::max_response_bytes`]).
    max_response_bytes: usize,
    /// The process the client was built in: its connections are useless in a forked child.
    pid: u32,
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
        self.send(
            &RawRequest {
                method,
                biz_content,
            },
            options,
            |body, trace_id| Ok(ExecuteResponse { body, trace_id }),
        )
        .await
    }

    /// Validates, signs and sends any typed request with per-call options.
    pub async fn call<R: ApiRequest>(
        &self,
        request: &R,
        options: &CallOptions,
    ) -> Result<R::Response> {
        let generated = request.with_generated_key(&|| retry::generate_key(SystemTime::now()));
        let request = generated.as_ref().unwrap_or(request);
        self.send(request, options, |node, _| request.parse_response(&node))
            .await
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
        let http = match self.http() {
            Ok(http) => http,
            Err(e) => {
                report.add(Level::Warning, "clock", e.to_string());
                return report;
            }
        };
        let probe = tokio::time::timeout(
            self.inner.attempt_timeout,
            http.head(self.inner.url.as_str()).send(),
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
}
