//! [`Config`]: how a sandbox starts (scenario, address, state file, seed, keys, call log).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use alipay_marketing::PrivateKey;

use crate::gateway::{CallLogger, CallRecord};
use crate::scenario::Scenario;

/// How far a request's timestamp may be from the sandbox's clock: ±15 minutes.
pub const DEFAULT_TIMESTAMP_WINDOW: Duration = Duration::from_secs(15 * 60);

/// How long a connection may take to send a request's headers, and how long a kept-alive connection may stay
/// idle between requests, before the sandbox closes it: 10 seconds.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest accepted [`Config::header_read_timeout`]: one hour.
pub const MAX_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// How a sandbox starts. Every field has a builder method of the same name.
#[derive(Clone)]
pub struct Config {
    /// The world to start from.
    pub scenario: Scenario,
    /// TCP port; 0 picks a free one.
    pub port: u16,
    /// Address to bind; default 127.0.0.1.
    pub bind: IpAddr,
    /// Where to persist the state: a snapshot, then one line per call appended and flushed to the disk before the
    /// call is answered (so a call's cost does not grow with the state), folded into a new snapshot now and then.
    /// On start an existing file is loaded instead of the scenario's starting world.
    pub state_file: Option<PathBuf>,
    /// Seed of the fault-rate draws.
    pub seed: u64,
    /// Accepted distance between a request's timestamp and the sandbox's clock.
    pub timestamp_window: Duration,
    /// The sandbox's own "Alipay" signing key; generated at start when absent.
    pub alipay_private_key: Option<PrivateKey>,
    /// Private keys of scenario apps: used instead of generating one for an app without a public key, and checked
    /// against the public key when the scenario gives one.
    pub app_private_keys: BTreeMap<String, PrivateKey>,
    /// The key of the test root CA of certificate mode. Given (or when an app has `cert_mode = true`), the
    /// certificates are made at start; otherwise the first time certificate mode is used. Absent: generated.
    pub root_ca_key: Option<PrivateKey>,
    /// Receives every call (the binary prints one line per call).
    pub on_call: Option<CallLogger>,
    /// How long a connection may take to send its request headers (from its first byte, or from the end of the
    /// previous answer on a kept-alive connection) before it is closed; more than zero, at most
    /// [`MAX_HEADER_READ_TIMEOUT`].
    pub header_read_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            scenario: Scenario::default(),
            port: 0,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            state_file: None,
            seed: 0,
            timestamp_window: DEFAULT_TIMESTAMP_WINDOW,
            alipay_private_key: None,
            app_private_keys: BTreeMap::new(),
            root_ca_key: None,
            on_call: None,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field(
                "apps",
                &self
                    .scenario
                    .apps
                    .iter()
                    .map(|a| a.app_id.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("port", &self.port)
            .field("bind", &self.bind)
            .field("state_file", &self.state_file)
            .field("seed", &self.seed)
            .field("timestamp_window", &self.timestamp_window)
            .field("header_read_timeout", &self.header_read_timeout)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The default configuration: demo scenario, ephemeral port on 127.0.0.1, no state file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the scenario.
    pub fn scenario(mut self, scenario: Scenario) -> Self {
        self.scenario = scenario;
        self
    }

    /// Sets the port (0: ephemeral).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets the bind address. The admin API still answers loopback clients only.
    pub fn bind(mut self, bind: IpAddr) -> Self {
        self.bind = bind;
        self
    }

    /// Persists the state to this file.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Sets the seed of the fault-rate draws.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the accepted timestamp distance.
    pub fn timestamp_window(mut self, window: Duration) -> Self {
        self.timestamp_window = window;
        self
    }

    /// Sets how long a connection may take to send its request headers, or stay idle between requests, before
    /// the sandbox closes it (so a slow or stalled client cannot hold a connection forever).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Uses this key as the sandbox's "Alipay" signing key.
    pub fn alipay_private_key(mut self, key: PrivateKey) -> Self {
        self.alipay_private_key = Some(key);
        self
    }

    /// Gives the private key of a scenario app.
    pub fn app_private_key(mut self, app_id: impl Into<String>, key: PrivateKey) -> Self {
        self.app_private_keys.insert(app_id.into(), key);
        self
    }

    /// Uses this key for the certificate-mode root CA (the same key gives the same certificates).
    pub fn root_ca_key(mut self, key: PrivateKey) -> Self {
        self.root_ca_key = Some(key);
        self
    }

    /// Calls `log` for every call the gateway answers.
    pub fn on_call(mut self, log: impl Fn(&CallRecord) + Send + Sync + 'static) -> Self {
        self.on_call = Some(Arc::new(log));
        self
    }
}
