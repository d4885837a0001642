//! [`ClientBuilder`]: every option of a [`Client`], checked once in [`ClientBuilder::build`].

mod doctor;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use zeroize::Zeroizing;

use super::cert_mode::CertMode;
use super::{Client, Gateway, Inner, SDK_ID};
use crate::aes::AesKey;
use crate::charset::Charset;
use crate::doctor::DoctorReport;
use crate::error::{Error, Result};
use crate::keys::{PrivateKey, PublicKey, SignType};
use crate::rate_limit::RateLimiter;
use crate::retry::RetryPolicy;
use crate::sign::is_blank;

const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(8);
const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

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
#[derive(Debug, Clone, PartialEq, Eq)]
enum ProxySetting {
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` from the environment (the default).
    Environment,
    /// One proxy for every request; `NO_PROXY` from the environment still applies.
    Explicit(String),
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
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            retry: RetryPolicy::default(),
            rate_limit: None,
            proxy: ProxySetting::Environment,
            root_certificates: Vec::new(),
            pool_max_idle_per_host: None,
            pool_idle_timeout: DEFAULT_POOL_IDLE_TIMEOUT,
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

    /// TCP/TLS connect timeout (default 3 s).
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
    pub fn rate_limit(mut self, qps: f64, burst: u32) -> Self {
        self.rate_limit = Some((qps, burst));
        self
    }

    /// Sends every request through this HTTP(S) proxy, e.g. `http://proxy.internal:3128` (user:password in the
    /// URL if needed). Hosts in the `NO_PROXY` environment variable still connect directly.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = ProxySetting::Explicit(url.into());
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
    pub fn http1_only(mut self) -> Self {
        self.http1_only = true;
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

    /// Calls on a merchant's behalf (ISV mode) with this `app_auth_token`.
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

    /// Checks every option and builds the client.
    pub fn build(self) -> Result<Client> {
        let report = self.doctor();
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
        let cert_sources = [self.app_cert, self.alipay_cert, self.alipay_root_cert];
        let (alipay_public_key, cert_mode) = if cert_sources
            .iter()
            .all(|c| matches!(c, KeySource::Missing))
        {
            let key = self.alipay_public_key.resolve("alipay_public_key", |t| {
                PublicKey::from_text_for("alipay_public_key", t)
            })?;
            (key, None)
        } else {
            if !matches!(self.alipay_public_key, KeySource::Missing) {
                return Err(Error::config_field(
                    "alipay_public_key",
                    "is for public-key mode; in certificate mode give app_cert, alipay_cert and alipay_root_cert only",
                ));
            }
            let [app, alipay, root] = cert_sources;
            let read = |source: KeySource<()>, field: &str| match source {
                KeySource::Missing => Err(Error::config_field(
                    field,
                    "is required in certificate mode (app_cert, alipay_cert and alipay_root_cert go together)",
                )),
                source => source.read_text(field),
            };
            let (mode, key) = CertMode::new(
                &private_key,
                &read(app, "app_cert")?,
                &read(alipay, "alipay_cert")?,
                &read(root, "alipay_root_cert")?,
            )?;
            (key, Some(mode))
        };
        check_not_own_public_key(&private_key, &alipay_public_key)?;
        let url = check_gateway_url(self.gateway.url(), self.allow_insecure_http)?;
        if self.timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(Error::config_field("timeout", "must be greater than zero"));
        }
        if self.attempt_timeout.is_zero() {
            return Err(Error::config_field(
                "attempt_timeout",
                "must be greater than zero",
            ));
        }
        let app_auth_token = self.app_auth_token.filter(|t| !is_blank(t));
        if let Some(token) = &app_auth_token {
            super::prepare::check_app_auth_token(token)?;
        }
        if self.max_response_bytes < 1024 {
            return Err(Error::config_field(
                "max_response_bytes",
                format!(
                    "{} is too small for a gateway envelope; give at least 1024 (the default is {})",
                    self.max_response_bytes,
                    super::DEFAULT_MAX_RESPONSE_BYTES
                ),
            ));
        }
        let aes = match self.aes_key {
            KeySource::Missing => None,
            source => Some(source.resolve("aes_key", AesKey::from_base64)?),
        };
        let rate_limiter = match self.rate_limit {
            None => None,
            Some((qps, burst)) if qps.is_finite() && qps > 0.0 && burst > 0 => {
                Some(RateLimiter::new(qps, burst))
            }
            Some((qps, burst)) => {
                return Err(Error::config_field(
                    "rate_limit",
                    format!("qps {qps} / burst {burst}: both must be greater than zero"),
                ));
            }
        };
        let mut http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(self.pool_idle_timeout)
            // The gateway never redirects; a redirect is refused in the transport, naming its location.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(SDK_ID);
        if let Some(max) = self.pool_max_idle_per_host {
            http = http.pool_max_idle_per_host(max);
        }
        if self.http1_only {
            http = http.http1_only();
        }
        http = match (&self.proxy, is_loopback(&url)) {
            (ProxySetting::None, _) | (_, true) => http.no_proxy(),
            (ProxySetting::Environment, false) => http,
            (ProxySetting::Explicit(proxy), false) => {
                let proxy = reqwest::Proxy::all(proxy.as_str())
                    .map_err(|e| {
                        Error::config_field(
                            "proxy",
                            crate::error::redact_userinfo(&format!(
                                "{proxy:?} is not a usable proxy URL: {e}"
                            )),
                        )
                    })?
                    .no_proxy(reqwest::NoProxy::from_env());
                http.proxy(proxy)
            }
        };
        let mut roots = Vec::new();
        for source in self.root_certificates {
            let pem = source.read_text("root_certificates")?;
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|e| {
                Error::config_field(
                    "root_certificates",
                    format!("is not a PEM certificate bundle: {e}"),
                )
            })?;
            if certs.is_empty() {
                return Err(Error::config_field(
                    "root_certificates",
                    "contains no PEM certificate",
                ));
            }
            roots.extend(certs);
        }
        if !roots.is_empty() {
            http = http.tls_certs_merge(roots);
        }
        let http = http
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
                attempt_timeout: self.attempt_timeout,
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
                max_response_bytes: self.max_response_bytes,
                pid: std::process::id(),
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
