//! The HTTP client behind a [`crate::Client`]: connect timeout, keep-alive pool, HTTP version, proxy, extra roots.

use std::time::Duration;

use super::{KeySource, ProxySetting, is_loopback};
use crate::client::SDK_ID;
use crate::error::{Error, Result};
use crate::limits::PoolSettings;

/// The checked options the HTTP client is made from.
pub(super) struct Connection<'a> {
    pub url: &'a url::Url,
    pub connect_timeout: Duration,
    pub pool: PoolSettings,
    pub http1_only: bool,
    pub proxy: &'a ProxySetting,
    pub root_certificates: Vec<KeySource<()>>,
}

/// Builds the HTTP client. Loopback gateways always connect directly, whatever the proxy setting.
pub(super) fn client(c: &Connection<'_>) -> Result<reqwest::Client> {
    let mut http = reqwest::Client::builder()
        .connect_timeout(c.connect_timeout)
        .pool_idle_timeout(c.pool.idle_timeout)
        // The gateway never redirects; a redirect is refused in the transport, naming its location.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(SDK_ID);
    if let Some(max) = c.pool.max_idle_per_host {
        http = http.pool_max_idle_per_host(max);
    }
    if c.http1_only {
        http = http.http1_only();
    }
    http = match (c.proxy, is_loopback(c.url)) {
        (ProxySetting::None, _) | (_, true) => http.no_proxy(),
        (ProxySetting::Environment, false) => http,
        (ProxySetting::Explicit(proxy), false) => http.proxy(explicit_proxy(proxy)?),
    };
    let roots = root_certificates(&c.root_certificates)?;
    if !roots.is_empty() {
        http = http.tls_certs_merge(roots);
    }
    http.build()
        .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))
}

pub(super) fn explicit_proxy(proxy: &str) -> Result<reqwest::Proxy> {
    Ok(reqwest::Proxy::all(proxy)
        .map_err(|e| {
            Error::config_field(
                "proxy",
                crate::error::redact_userinfo(&format!("{proxy:?} is not a usable proxy URL: {e}")),
            )
        })?
        .no_proxy(reqwest::NoProxy::from_env()))
}

pub(super) fn root_certificates(sources: &[KeySource<()>]) -> Result<Vec<reqwest::Certificate>> {
    let mut roots = Vec::new();
    for source in sources {
        let pem = source.peek_text("root_certificates")?.unwrap_or_default();
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
    Ok(roots)
}
