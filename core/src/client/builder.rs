//! [`ClientBuilder`]: every option of a [`Client`], checked once in [`ClientBuilder::build`].
//!
//! The rule of each option lives in one function ([`check_app_id`], [`crate::limits`], [`RetryPolicy::new`],
//! [`RateLimit::new`], the key parsers, [`check_gateway_url`]); `build` stops at the first broken rule and
//! [`ClientBuilder::doctor`] reports every one, with the same message.

mod doctor;
mod http;

pub(super) use http::Connection;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use zeroize::Zeroizing;

use super::cert_mode::CertMode;
use super::{Client, Gateway, Inner};
use crate::aes::AesKey;
use crate::charset::Charset;
use crate::doctor::DoctorReport;
use crate::error::{Error, Result};
use crate::keys::{PrivateKey, PublicKey, SignType};
use crate::limits::{PoolSettings, Timeouts};
use crate::rate_limit::{RateLimit, RateLimiter};
use crate::retry::RetryPolicy;
use crate::sign::is_blank;

#[derive(Clone)]
enum KeySource<K> {
    Missing,
    Key(K),
    Text(Zeroizing<String>),
    File(PathBuf),
}

impl<K> KeySource<K> {
    /// The text of a `Text` or `File` source.
    fn read_text(self, field: &str) -> Result<Zeroizing<String>> {
        match self {
            KeySource::Text(text) => Ok(text),
            KeySource::File(path) => crate::key_file::read_key_file(field, &path)
                .map_err(|e| Error::config_field(field, e)),
            KeySource::Missing | KeySource::Key(_) => {
                Err(Error::config_field(field, "is required"))
            }
        }
    }

    /// The text of a `Text` or `File` source without consuming it (`None` when missing or already a key).
    fn peek_text(&self, field: &str) -> Result<Option<Zeroizing<String>>> {
        match self {
            KeySource::Text(text) => Ok(Some(text.clone())),
            KeySource::File(path) => crate::key_file::read_key_file(field, path)
                .map(Some)
                .map_err(|e| Error::config_field(field, e)),
            KeySource::Missing | KeySource::Key(_) => Ok(None),
        }
    }

    fn resolve(self, field: &str, parse: impl Fn(&str) -> Result<K>) -> Result<K> {
        match self {
            KeySource::Missing => Err(Error::config_field(field, "is required")),
            KeySource::Key(k) => Ok(k),
            KeySource::Text(text) => parse(&text),
            KeySource::File(path) => {
                let text = crate::key_file::read_key_file(field, &path)
                    .map_err(|e| Error::config_field(field, e))?;
                parse(&text)
            }
        }
    }
}

/// Builds a [`Client`]; every check happens in [`ClientBuilder::build`]. Cloning copies every option (key text
/// included, in buffers zeroed when dropped), so one configuration can build several clients.
#[derive(Clone)]
pub struct ClientBuilder {
    app_id: Option<String>,
    private_key: KeySource<PrivateKey>,
    alipay_public_key: KeySource<PublicKey>,
    sign_type: SignType,
    gateway: Gateway,
    allow_insecure_http: bool,
    connect_timeout: Duration,
    timeout: Duration,
    attempt_timeout: Duration,
    retry: RetryPolicy,
    rate_limit: Option<(f64, u32)>,
    proxy: ProxySetting,
    root_certificates: Vec<KeySource<()>>,
    pool_max_idle_per_host: Option<usize>,
    pool_idle_timeout: Duration,
    http1_only: bool,
    app_auth_token: Option<String>,
    charset: Charset,
    aes_key: KeySource<AesKey>,
    app_cert: KeySource<()>,
    alipay_cert: KeySource<()>,
    alipay_root_cert: KeySource<()>,
    app_public_key: KeySource<PublicKey>,
    max_response_bytes: usize,
}

/// Where requests go through.
#[derive(Clone, PartialEq, Eq)]
enum ProxySetting {
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` from the environment (the default).
    Environment,
    /// One proxy for every request; `NO_PROXY` from the environment still applies. Zeroed when dropped: the URL
    /// may carry a password.
    Explicit(Zeroizing<String>),
    /// Direct connections only.
    None,
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
            connect_timeout: Timeouts::DEFAULT.connect,
            timeout: Timeouts::DEFAULT.call,
            attempt_timeout: Timeouts::DEFAULT.attempt,
            retry: RetryPolicy::default(),
            rate_limit: None,
            proxy: ProxySetting::Environment,
            root_certificates: Vec::new(),
            pool_max_idle_per_host: None,
            pool_idle_timeout: PoolSettings::DEFAULT.idle_timeout,
            http1_only: false,
            app_auth_token: None,
            charset: Charset::Utf8,
            aes_key: KeySource::Missing,
            app_cert: KeySource::Missing,
            alipay_cert: KeySource::Missing,
            alipay_root_cert: KeySource::Missing,
            app_public_key: KeySource::Missing,
            max_response_bytes: super::DEFAULT_MAX_RESPONSE_BYTES,
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

    /// TCP/TLS connect timeout (default 3 s; greater than zero and at most a day, checked by `build`).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Overall deadline of a call, retries and waits included (default 15 s); [`super::CallOptions::timeout`]
    /// overrides it per call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Deadline of one HTTP attempt (default 8 s), always within the overall deadline.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// The retry policy (default: 3 attempts, see [`RetryPolicy`]); [`RetryPolicy::none`] turns retries off.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Limits the whole client (all clones, threads and tasks) to `qps` requests per second on average, with
    /// bursts of up to `burst` requests. Off by default. Waiting for a slot counts toward the call's deadline.
    /// The values are checked by `build` with [`RateLimit::new`].
    ///
    /// The limit is per merchant: calls with the client's own `app_auth_token` (or none) share one bucket, and
    /// each distinct per-call token ([`super::CallOptions::app_auth_token`]) has a bucket of its own at the same
    /// `qps` and `burst`. A merchant's bucket is forgotten once it is full again (at most `burst / qps` seconds
    /// after its last call; a full bucket answers as a new one does), so memory follows the merchants called
    /// recently, not every token ever seen.
    pub fn rate_limit(mut self, qps: f64, burst: u32) -> Self {
        self.rate_limit = Some((qps, burst));
        self
    }

    /// Sets all three timeouts at once, already checked.
    pub fn timeouts(self, timeouts: Timeouts) -> Self {
        self.connect_timeout(timeouts.connect)
            .timeout(timeouts.call)
            .attempt_timeout(timeouts.attempt)
    }

    /// Sets the keep-alive pool, already checked.
    pub fn pool(mut self, pool: PoolSettings) -> Self {
        self.pool_max_idle_per_host = pool.max_idle_per_host;
        self.pool_idle_timeout = pool.idle_timeout;
        self
    }

    /// Sends every request through this HTTP(S) proxy, e.g. `http://proxy.internal:3128` (user:password in the
    /// URL if needed). Hosts in the `NO_PROXY` environment variable still connect directly.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = ProxySetting::Explicit(Zeroizing::new(url.into()));
        self
    }

    /// Ignores the proxy environment variables and connects directly. (By default `HTTPS_PROXY`, `HTTP_PROXY`,
    /// `ALL_PROXY` and `NO_PROXY` are honoured, except for loopback gateways, which are always direct.)
    pub fn no_proxy(mut self) -> Self {
        self.proxy = ProxySetting::None;
        self
    }

    /// Trusts the CA certificates in this PEM text in addition to the system's roots (for a TLS-inspecting
    /// corporate proxy, or a gateway emulator served over TLS).
    pub fn root_certificates_pem(mut self, pem: impl Into<String>) -> Self {
        self.root_certificates
            .push(KeySource::Text(Zeroizing::new(pem.into())));
        self
    }

    /// Like [`ClientBuilder::root_certificates_pem`], reading the PEM file when the client is built.
    pub fn root_certificates_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.root_certificates.push(KeySource::File(path.into()));
        self
    }

    /// At most this many idle keep-alive connections per host (default: unlimited).
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = Some(max);
        self
    }

    /// Closes keep-alive connections idle for longer than this (default 90 s).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// The request charset: UTF-8 (default and recommended), GBK or GB18030. The sign content, the form body and
    /// the response text all use it.
    pub fn charset(mut self, charset: Charset) -> Self {
        self.charset = charset;
        self
    }

    /// Encrypts every request's biz_content and decrypts encrypted responses (`encrypt_type=AES`) with this key.
    pub fn aes_key(mut self, key: AesKey) -> Self {
        self.aes_key = KeySource::Key(key);
        self
    }

    /// Like [`ClientBuilder::aes_key`], from the base64 key text shown in the console (接口内容加密密钥).
    pub fn aes_key_text(mut self, text: impl Into<String>) -> Self {
        self.aes_key = KeySource::Text(Zeroizing::new(text.into()));
        self
    }

    /// Certificate mode: the app's public-key certificate (`appCertPublicKey_<app_id>.crt`), PEM text. With
    /// [`ClientBuilder::alipay_cert_text`] and [`ClientBuilder::alipay_root_cert_text`], instead of
    /// `alipay_public_key`.
    pub fn app_cert_text(mut self, pem: impl Into<String>) -> Self {
        self.app_cert = KeySource::Text(Zeroizing::new(pem.into()));
        self
    }

    /// Certificate mode: the app certificate, read from a file when the client is built.
    pub fn app_cert_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.app_cert = KeySource::File(path.into());
        self
    }

    /// Certificate mode: the Alipay public-key certificate (`alipayCertPublicKey_RSA2.crt`), PEM text.
    pub fn alipay_cert_text(mut self, pem: impl Into<String>) -> Self {
        self.alipay_cert = KeySource::Text(Zeroizing::new(pem.into()));
        self
    }

    /// Certificate mode: the Alipay certificate, read from a file when the client is built.
    pub fn alipay_cert_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.alipay_cert = KeySource::File(path.into());
        self
    }

    /// Certificate mode: the Alipay root bundle (`alipayRootCert.crt`), PEM text. Rotated Alipay certificates are
    /// trusted only if they chain to it.
    pub fn alipay_root_cert_text(mut self, pem: impl Into<String>) -> Self {
        self.alipay_root_cert = KeySource::Text(Zeroizing::new(pem.into()));
        self
    }

    /// Certificate mode: the root bundle, read from a file when the client is built.
    pub fn alipay_root_cert_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.alipay_root_cert = KeySource::File(path.into());
        self
    }

    /// The app's own public key (应用公钥), optional: never needed for calls, only checked by
    /// [`ClientBuilder::doctor`] against the private key.
    pub fn app_public_key_text(mut self, text: impl Into<String>) -> Self {
        self.app_public_key = KeySource::Text(Zeroizing::new(text.into()));
        self
    }

    /// Speaks HTTP/1.1 only (by default HTTP/2 is used when the server offers it over TLS).
    pub fn http1_only(self) -> Self {
        self.set_http1_only(true)
    }

    /// Speaks HTTP/1.1 only when `only` is true; false restores the default.
    pub fn set_http1_only(mut self, only: bool) -> Self {
        self.http1_only = only;
        self
    }

    /// The largest response body the client reads, in bytes (default [`super::DEFAULT_MAX_RESPONSE_BYTES`], 1 MiB).
    /// A `Content-Length` beyond it is refused before reading, and a body is counted while it streams in, so a
    /// broken proxy or a hostile answer cannot fill memory; such a call fails with an `Http` error whose outcome
    /// is unknown.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// The retry policy set so far (the default one if none was set), for faces that set its parts separately.
    pub fn configured_retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// Calls on a merchant's behalf (ISV mode) with this `app_auth_token`. A call can name another merchant with
    /// [`super::CallOptions::app_auth_token`], so one client serves many merchants.
    pub fn app_auth_token(mut self, token: impl Into<String>) -> Self {
        self.app_auth_token = Some(token.into());
        self
    }

    /// Checks every option without stopping at the first mistake and reports each finding: key formats and sizes,
    /// whether the app public key matches the private key, an "Alipay public key" that is really the app's own,
    /// certificate SNs and expiry dates, gateway URL sanity. Offline; [`Client::check_config`] adds the clock skew.
    pub fn doctor(&self) -> DoctorReport {
        doctor::examine(self)
    }

    /// Checks every option and builds the client. The first broken rule is the error; the doctor reports the same
    /// rules, all at once.
    pub fn build(self) -> Result<Client> {
        let report = self.doctor();
        let app_id = check_app_id(self.app_id.as_deref())?;
        let private_key = self
            .private_key
            .resolve("private_key", PrivateKey::from_text)?;
        let (alipay_public_key, cert_mode) = verification_keys(
            &private_key,
            self.alipay_public_key,
            [self.app_cert, self.alipay_cert, self.alipay_root_cert],
        )?;
        check_not_own_public_key(&private_key, &alipay_public_key)?;
        let url = check_gateway_url(self.gateway.url(), self.allow_insecure_http)?;
        let timeouts = Timeouts::new(self.connect_timeout, self.timeout, self.attempt_timeout)?;
        let app_auth_token = check_app_auth_token(self.app_auth_token)?;
        let max_response_bytes = check_max_response_bytes(self.max_response_bytes)?;
        let aes = resolve_aes_key(self.aes_key)?;
        let rate_limiter = rate_limiter(self.rate_limit)?;
        let pool = PoolSettings::new(self.pool_max_idle_per_host, self.pool_idle_timeout)?;
        let connection = http::Connection::new(
            &url,
            timeouts.connect,
            pool,
            self.http1_only,
            &self.proxy,
            &self.root_certificates,
        )?;
        let http = connection.client()?;
        Ok(Client {
            inner: Arc::new(Inner {
                app_id,
                private_key,
                alipay_public_key,
                sign_type: self.sign_type,
                url,
                http,
                connection,
                timeout: timeouts.call,
                attempt_timeout: timeouts.attempt,
                retry: self.retry,
                rate_limiter,
                app_auth_token,
                charset: self.charset,
                aes,
                cert_mode,
                report,
                counters: Default::default(),
                closed: Default::default(),
                drained: Default::default(),
                max_response_bytes,
                pid: std::process::id(),
            }),
        })
    }
}

/// The client's own `app_auth_token`: a blank one is none, any other must pass the per-call token rule.
fn check_app_auth_token(token: Option<String>) -> Result<Option<String>> {
    let token = token.filter(|t| !is_blank(t));
    if let Some(token) = &token {
        super::prepare::check_app_auth_token(token)?;
    }
    Ok(token)
}

/// The response size limit: at least room for a gateway envelope.
fn check_max_response_bytes(bytes: usize) -> Result<usize> {
    if bytes < 1024 {
        return Err(Error::config_field(
            "max_response_bytes",
            format!(
                "{bytes} is too small for a gateway envelope; give at least 1024 (the default is {})",
                super::DEFAULT_MAX_RESPONSE_BYTES
            ),
        ));
    }
    Ok(bytes)
}

/// The AES content key, when one was given.
fn resolve_aes_key(source: KeySource<AesKey>) -> Result<Option<AesKey>> {
    match source {
        KeySource::Missing => Ok(None),
        source => source.resolve("aes_key", AesKey::from_base64).map(Some),
    }
}

/// The client's rate limiter, when a rate was given.
fn rate_limiter(rate_limit: Option<(f64, u32)>) -> Result<Option<RateLimiter>> {
    rate_limit
        .map(|(qps, burst)| RateLimit::new(qps, burst).map(RateLimiter::new))
        .transpose()
}

/// The app id rule: present, and digits only.
fn check_app_id(app_id: Option<&str>) -> Result<String> {
    match app_id.map(str::trim) {
        None | Some("") => Err(Error::config_field(
            "app_id",
            "is required: the app id from the Alipay open platform console",
        )),
        Some(id) if !id.bytes().all(|b| b.is_ascii_digit()) => Err(Error::config_field(
            "app_id",
            format!("{id:?} should contain only digits"),
        )),
        Some(id) => Ok(id.to_owned()),
    }
}

/// An Alipay public key given beside the certificates (`build()` and the doctor).
fn public_key_in_cert_mode() -> Error {
    Error::config_field(
        "alipay_public_key",
        "is for public-key mode; in certificate mode give app_cert, alipay_cert and alipay_root_cert only",
    )
}

/// One of the three certificates missing in certificate mode (`build()` and the doctor).
fn cert_missing(field: &str) -> Error {
    Error::config_field(
        field,
        "is missing: certificate mode needs app_cert, alipay_cert and alipay_root_cert together",
    )
}

/// The key that verifies answers: the Alipay public key, or in certificate mode the one in the Alipay
/// certificate (with the mode's SNs and root).
fn verification_keys(
    private_key: &PrivateKey,
    alipay_public_key: KeySource<PublicKey>,
    certs: [KeySource<()>; 3],
) -> Result<(PublicKey, Option<CertMode>)> {
    if certs.iter().all(|c| matches!(c, KeySource::Missing)) {
        let key = alipay_public_key.resolve("alipay_public_key", |t| {
            PublicKey::from_text_for("alipay_public_key", t)
        })?;
        return Ok((key, None));
    }
    if !matches!(alipay_public_key, KeySource::Missing) {
        return Err(public_key_in_cert_mode());
    }
    let [app, alipay, root] = certs;
    let read = |source: KeySource<()>, field: &str| match source {
        KeySource::Missing => Err(cert_missing(field)),
        source => source.read_text(field),
    };
    let (mode, key) = CertMode::new(
        private_key,
        &read(app, "app_cert")?,
        &read(alipay, "alipay_cert")?,
        &read(root, "alipay_root_cert")?,
    )?;
    Ok((key, Some(mode)))
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

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn check_gateway_url(text: &str, allow_insecure_http: bool) -> Result<url::Url> {
    let url = url::Url::parse(text)
        .map_err(|e| Error::config_field("gateway", format!("{text:?} is not a URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" => {
            if !is_loopback(&url) && !allow_insecure_http {
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
