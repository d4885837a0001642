//! The HTTP client behind a [`crate::Client`]: connect timeout, keep-alive pool, HTTP version, proxy, extra roots.

use std::time::Duration;

use super::{KeySource, ProxySetting, is_loopback};
use crate::client::SDK_ID;
use crate::error::{Error, Result};
use crate::limits::PoolSettings;

/// The checked options the HTTP client is made from. The client keeps them: a thread that runs calls on a
/// runtime of its own gets a connection pool of its own, made from the same options (see [`crate::blocking`]).
#[derive(Clone)]
pub(crate) struct Connection {
    connect_timeout: Duration,
    pool: PoolSettings,
    http1_only: bool,
    route: Route,
    roots: Vec<reqwest::Certificate>,
}

/// How connections reach the gateway.
#[derive(Clone)]
enum Route {
    Direct,
    /// As the environment says: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`, read when a pool is made.
    Environment,
    Through(Box<reqwest::Proxy>),
}

impl Connection {
    /// Checks the options. Loopback gateways always connect directly, whatever the proxy setting.
    pub(super) fn new(
        url: &url::Url,
        connect_timeout: Duration,
        pool: PoolSettings,
        http1_only: bool,
        proxy: &ProxySetting,
        roots: &[KeySource<()>],
    ) -> Result<Connection> {
        let route = match (proxy, is_loopback(url)) {
            (ProxySetting::None, _) | (_, true) => Route::Direct,
            (ProxySetting::Environment, false) => Route::Environment,
            (ProxySetting::Explicit(proxy), false) => {
                Route::Through(Box::new(explicit_proxy(proxy)?))
            }
        };
        Ok(Connection {
            connect_timeout,
            pool,
            http1_only,
            route,
            roots: root_certificates(roots)?,
        })
    }

    /// A new HTTP client (with a pool of its own) from these options.
    pub(crate) fn client(&self) -> Result<reqwest::Client> {
        let mut http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(self.pool.idle_timeout)
            // The gateway never redirects; a redirect is refused in the transport, naming its location.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(SDK_ID);
        if let Some(max) = self.pool.max_idle_per_host {
            http = http.pool_max_idle_per_host(max);
        }
        if self.http1_only {
            http = http.http1_only();
        }
        http = match &self.route {
            Route::Direct => http.no_proxy(),
            Route::Environment => http,
            Route::Through(proxy) => http.proxy((**proxy).clone()),
        };
        if !self.roots.is_empty() {
            http = http.tls_certs_merge(self.roots.iter().cloned());
        }
        http.build()
            .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))
    }
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
