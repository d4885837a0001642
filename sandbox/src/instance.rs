//! The [`Sandbox`] handle: start (inside a runtime or on its own thread), URLs, keys, a
//! preconfigured client builder, state, faults, reset and graceful stop.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use alipay_marketing::{ClientBuilder, Gateway, PrivateKey, PublicKey};
use tokio::sync::oneshot;
use zeroize::Zeroizing;

pub use crate::config::{Config, DEFAULT_TIMESTAMP_WINDOW};
use crate::error::{SandboxError, SandboxErrorKind};
use crate::faults::{ArmedFaults, FaultPlan};
use crate::gateway::{AppKey, Shared};
use crate::pki::Pki;
use crate::server;
use crate::state::{Catalog, World};
use crate::state_file::StateFile;

/// A running sandbox. Dropping it stops the server (for a [`Sandbox::start_blocking`] one, waiting for its thread).
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    app_id: String,
    app_private_key_pem: Zeroizing<String>,
    app_keys: BTreeMap<String, PrivateKey>,
    alipay_public_key_pem: String,
    shutdown: Option<oneshot::Sender<()>>,
    done: mpsc::Receiver<()>,
    runner: Runner,
}

enum Runner {
    /// Served by a task of the caller's runtime.
    Task(Option<tokio::task::JoinHandle<()>>),
    /// Served by a runtime on a thread of its own.
    Thread(Option<std::thread::JoinHandle<()>>),
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("url", &self.url())
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

/// Everything prepared before the server runs.
struct ReadyToServe {
    shared: Arc<Shared>,
    listener: std::net::TcpListener,
    app_id: String,
    app_keys: BTreeMap<String, PrivateKey>,
}

fn prepare(config: Config) -> Result<ReadyToServe, SandboxError> {
    let scenario = config.scenario;
    scenario.validate()?;
    let keys_err = |m: String| SandboxError::new(SandboxErrorKind::Keys, m);
    let alipay_key = match config.alipay_private_key {
        Some(k) => k,
        None => PrivateKey::generate()
            .map_err(|e| keys_err(format!("cannot generate the Alipay key: {e}")))?,
    };
    let mut apps = HashMap::new();
    let mut app_keys = BTreeMap::new();
    for app in &scenario.apps {
        let given = config.app_private_keys.get(&app.app_id).cloned();
        let public_key = match (&app.public_key, given) {
            (Some(text), given) => {
                let public = PublicKey::from_text_for("public_key", text).map_err(|e| {
                    SandboxError::scenario(format!("app {}: {}", app.app_id, e.message()))
                })?;
                if let Some(private) = given {
                    if private.public_key() != public {
                        return Err(keys_err(format!(
                            "the private key given for app {} does not match the scenario's public key",
                            app.app_id
                        )));
                    }
                    app_keys.insert(app.app_id.clone(), private);
                }
                public
            }
            (None, Some(private)) => {
                let public = private.public_key();
                app_keys.insert(app.app_id.clone(), private);
                public
            }
            (None, None) => {
                let private = PrivateKey::generate().map_err(|e| {
                    keys_err(format!("cannot generate a key for app {}: {e}", app.app_id))
                })?;
                let public = private.public_key();
                app_keys.insert(app.app_id.clone(), private);
                public
            }
        };
        apps.insert(
            app.app_id.clone(),
            AppKey {
                public_key,
                sign_type: app.sign_type()?,
                aes_key: app.aes_key()?,
                cert_mode: app.cert_mode,
            },
        );
    }
    let catalog = Catalog::new(&scenario);
    let (world, state_file) = match &config.state_file {
        Some(path) => {
            let (world, file) = StateFile::open(path, &scenario, &catalog)?;
            (world, Some(Mutex::new(file)))
        }
        None => (World::from_scenario(&scenario), None),
    };
    check_header_read_timeout(config.header_read_timeout)?;
    let addr = SocketAddr::new(config.bind, config.port);
    let listener = std::net::TcpListener::bind(addr).map_err(|e| {
        SandboxError::new(
            SandboxErrorKind::Bind,
            format!("cannot listen on {addr}: {e}"),
        )
    })?;
    listener.set_nonblocking(true).map_err(|e| {
        SandboxError::new(
            SandboxErrorKind::Bind,
            format!("cannot configure the socket: {e}"),
        )
    })?;
    let app_id = scenario.default_app().app_id.clone();
    let eager_certificates =
        config.root_ca_key.is_some() || scenario.apps.iter().any(|a| a.cert_mode);
    let shared = Arc::new(Shared {
        catalog,
        scenario,
        apps,
        alipay_key,
        root_ca_key: config.root_ca_key,
        pki: Mutex::new(None),
        world: Mutex::new(world),
        faults: Mutex::new(ArmedFaults::none(config.seed)),
        seed: config.seed,
        state_file,
        timestamp_window: config.timestamp_window,
        header_read_timeout: config.header_read_timeout,
        on_call: config.on_call,
        trace_seq: AtomicU64::new(0),
    });
    if eager_certificates {
        shared.pki()?;
    }
    Ok(ReadyToServe {
        shared,
        listener,
        app_id,
        app_keys,
    })
}

impl Sandbox {
    /// Starts the sandbox on the current tokio runtime.
    pub async fn start(config: Config) -> Result<Sandbox, SandboxError> {
        let prepared = prepare(config)?;
        let listener = tokio::net::TcpListener::from_std(prepared.listener).map_err(|e| {
            SandboxError::new(
                SandboxErrorKind::Bind,
                format!("cannot register the socket: {e}"),
            )
        })?;
        let addr = local_addr(&listener)?;
        let (shutdown, rx) = oneshot::channel();
        let (done_tx, done) = mpsc::channel();
        let shared = prepared.shared.clone();
        let task = tokio::spawn(async move {
            server::serve(listener, shared, rx).await;
            let _ = done_tx.send(());
        });
        Ok(Self::handle(
            addr,
            prepared.shared,
            prepared.app_id,
            prepared.app_keys,
            shutdown,
            done,
            Runner::Task(Some(task)),
        ))
    }

    /// Starts the sandbox on a thread with its own runtime; works with or without a runtime in the caller.
    pub fn start_blocking(config: Config) -> Result<Sandbox, SandboxError> {
        let prepared = prepare(config)?;
        let addr = prepared.listener.local_addr().map_err(|e| {
            SandboxError::new(
                SandboxErrorKind::Bind,
                format!("cannot read the listening address: {e}"),
            )
        })?;
        let (shutdown, rx) = oneshot::channel();
        let (done_tx, done) = mpsc::channel();
        let (started_tx, started) = mpsc::channel::<Result<(), SandboxError>>();
        let shared = prepared.shared.clone();
        let listener = prepared.listener;
        // The runtime is built, used and dropped on its own thread: dropping a runtime inside the caller's async
        // context would panic.
        let thread = std::thread::Builder::new()
            .name("alipay-sandbox".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("alipay-sandbox-worker")
                    .enable_all()
                    .build()
                    .map_err(|e| {
                        SandboxError::new(
                            SandboxErrorKind::Runtime,
                            format!("cannot start the sandbox runtime: {e}"),
                        )
                    });
                let runtime = match runtime {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = started_tx.send(Err(e));
                        return;
                    }
                };
                let listener = {
                    let _guard = runtime.enter();
                    tokio::net::TcpListener::from_std(listener)
                };
                match listener {
                    Ok(listener) => {
                        let _ = started_tx.send(Ok(()));
                        runtime.block_on(server::serve(listener, shared, rx));
                    }
                    Err(e) => {
                        let message = format!("cannot register the socket: {e}");
                        let _ = started_tx
                            .send(Err(SandboxError::new(SandboxErrorKind::Bind, message)));
                    }
                }
                let _ = done_tx.send(());
            })
            .map_err(|e| {
                SandboxError::new(
                    SandboxErrorKind::Runtime,
                    format!("cannot start the sandbox thread: {e}"),
                )
            })?;
        let ready = started.recv().unwrap_or_else(|_| {
            Err(SandboxError::new(
                SandboxErrorKind::Runtime,
                "the sandbox thread stopped while starting",
            ))
        });
        if let Err(e) = ready {
            let _ = thread.join();
            return Err(e);
        }
        Ok(Self::handle(
            addr,
            prepared.shared,
            prepared.app_id,
            prepared.app_keys,
            shutdown,
            done,
            Runner::Thread(Some(thread)),
        ))
    }

    fn handle(
        addr: SocketAddr,
        shared: Arc<Shared>,
        app_id: String,
        app_keys: BTreeMap<String, PrivateKey>,
        shutdown: oneshot::Sender<()>,
        done: mpsc::Receiver<()>,
        runner: Runner,
    ) -> Sandbox {
        let app_private_key_pem = app_keys
            .get(&app_id)
            .map(|k| k.to_pkcs8_pem())
            .unwrap_or_else(|| Zeroizing::new(String::new()));
        let alipay_public_key_pem = shared.alipay_key.public_key().to_pem();
        Sandbox {
            addr,
            shared,
            app_id,
            app_private_key_pem,
            app_keys,
            alipay_public_key_pem,
            shutdown: Some(shutdown),
            done,
            runner,
        }
    }

    /// The address the gateway listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/gateway.do`.
    pub fn url(&self) -> String {
        format!("http://{}/gateway.do", self.addr)
    }

    /// `http://127.0.0.1:PORT/admin` (`[::1]` for an IPv6 bind; a loopback address even when bound to all
    /// addresses, since the admin API answers requests addressed to loopback only).
    pub fn admin_url(&self) -> String {
        let mut addr = self.addr;
        match addr.ip() {
            std::net::IpAddr::V4(ip) if ip.is_unspecified() => {
                addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
            }
            std::net::IpAddr::V6(ip) if ip.is_unspecified() => {
                addr.set_ip(std::net::Ipv6Addr::LOCALHOST.into());
            }
            _ => {}
        }
        format!("http://{addr}/admin")
    }

    /// The default (first) app's id.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The default app's private key (PKCS#8 PEM) for clients to sign with; empty when the scenario gave the app's
    /// public key and no private key was configured (the caller holds it).
    pub fn app_private_key_pem(&self) -> &str {
        &self.app_private_key_pem
    }

    /// The private key of any scenario app whose key the sandbox knows.
    pub fn app_private_key(&self, app_id: &str) -> Option<&PrivateKey> {
        self.app_keys.get(app_id)
    }

    /// The public half of the sandbox's "Alipay" signing key (SPKI PEM): the client's Alipay public key.
    pub fn alipay_public_key_pem(&self) -> &str {
        &self.alipay_public_key_pem
    }

    /// A client builder for the default app: app id, keys (when known), sign type and this gateway's URL (see
    /// [`Sandbox::client_builder_for`] for AES and certificate-mode apps).
    pub fn client_builder(&self) -> ClientBuilder {
        self.client_builder_for(&self.app_id)
    }

    /// A client builder for any scenario app: its id, private key (when known), sign type, AES key (when the
    /// scenario gives one) and this gateway's URL; the Alipay public key, or the three certificates for an app
    /// with `cert_mode = true`.
    pub fn client_builder_for(&self, app_id: &str) -> ClientBuilder {
        let app = self.shared.apps.get(app_id);
        // The certificates of a cert_mode app were made at start.
        let pki = app
            .filter(|a| a.cert_mode)
            .and_then(|_| self.shared.pki_if_made());
        match pki {
            Some(pki) => self.with_certificates(self.base_builder(app_id), &pki, app_id),
            None => self
                .base_builder(app_id)
                .alipay_public_key(self.shared.alipay_key.public_key()),
        }
    }

    /// A client builder for the default app in certificate mode: like [`Sandbox::client_builder`], with the app
    /// certificate, the current Alipay certificate and the root bundle instead of the Alipay public key.
    pub fn client_builder_cert_mode(&self) -> Result<ClientBuilder, SandboxError> {
        self.client_builder_cert_mode_for(&self.app_id)
    }

    /// [`Sandbox::client_builder_cert_mode`] for any scenario app.
    pub fn client_builder_cert_mode_for(
        &self,
        app_id: &str,
    ) -> Result<ClientBuilder, SandboxError> {
        let pki = self.shared.pki()?;
        if pki.app(app_id).is_none() {
            return Err(not_an_app(app_id));
        }
        Ok(self.with_certificates(self.base_builder(app_id), &pki, app_id))
    }

    fn base_builder(&self, app_id: &str) -> ClientBuilder {
        let mut builder = alipay_marketing::Client::builder()
            .app_id(app_id)
            .gateway(Gateway::Url(self.url()));
        if let Some(app) = self.shared.apps.get(app_id) {
            builder = builder.sign_type(app.sign_type);
            if let Some(aes) = &app.aes_key {
                builder = builder.aes_key(aes.clone());
            }
        }
        if let Some(key) = self.app_keys.get(app_id) {
            builder = builder.private_key(key.clone());
        }
        builder
    }

    fn with_certificates(&self, builder: ClientBuilder, pki: &Pki, app_id: &str) -> ClientBuilder {
        let builder = builder
            .alipay_cert_text(pki.current().pem.clone())
            .alipay_root_cert_text(pki.root_pem());
        match pki.app(app_id) {
            Some(cert) => builder.app_cert_text(cert.pem.clone()),
            None => builder,
        }
    }

    /// The certificate-mode root bundle (PEM): the client's `alipay_root_cert`. The certificates are made the first
    /// time one of these methods (or a certificate-mode request) needs them.
    pub fn root_cert_pem(&self) -> Result<String, SandboxError> {
        Ok(self.shared.pki()?.root_pem().to_owned())
    }

    /// `alipay_root_cert_sn` of the root bundle.
    pub fn root_cert_sn(&self) -> Result<String, SandboxError> {
        Ok(self.shared.pki()?.root_sn().to_owned())
    }

    /// The current Alipay certificate (PEM), whose key signs certificate-mode answers: the client's `alipay_cert`.
    pub fn alipay_cert_pem(&self) -> Result<String, SandboxError> {
        Ok(self.shared.pki()?.current().pem.clone())
    }

    /// The SN of the current Alipay certificate (`alipay_cert_sn` in certificate-mode answers).
    pub fn alipay_cert_sn(&self) -> Result<String, SandboxError> {
        Ok(self.shared.pki()?.current().sn.clone())
    }

    /// A scenario app's certificate (PEM): the client's `app_cert`.
    pub fn app_cert_pem(&self, app_id: &str) -> Result<String, SandboxError> {
        let pki = self.shared.pki()?;
        pki.app(app_id)
            .map(|c| c.pem.clone())
            .ok_or_else(|| not_an_app(app_id))
    }

    /// The SN of a scenario app's certificate (what `app_cert_sn` must be).
    pub fn app_cert_sn(&self, app_id: &str) -> Result<String, SandboxError> {
        let pki = self.shared.pki()?;
        pki.app(app_id)
            .map(|c| c.sn.clone())
            .ok_or_else(|| not_an_app(app_id))
    }

    /// Rotates the Alipay certificate: a new signing key and a certificate for it from the same root. Answers in
    /// certificate mode are signed with it and name its SN from now on; every earlier certificate stays
    /// downloadable. (Public-key mode keeps its key.) Generates an RSA key. Returns the new SN.
    pub fn rotate_alipay_cert(&self) -> Result<String, SandboxError> {
        Ok(self.shared.rotate(true)?.1)
    }

    /// Like [`Sandbox::rotate_alipay_cert`], but the new certificate comes from another authority with the root's
    /// name, so it does not chain to the root bundle: a client that checks the chain must refuse it. Returns the
    /// new SN.
    pub fn rotate_alipay_cert_untrusted(&self) -> Result<String, SandboxError> {
        Ok(self.shared.rotate(false)?.1)
    }

    /// The same JSON as `GET /admin/state`.
    pub fn state(&self) -> serde_json::Value {
        self.shared.state_json()
    }

    /// Arms a fault plan, replacing what was armed.
    pub fn arm_faults(&self, plan: FaultPlan) -> Result<(), SandboxError> {
        plan.validate()?;
        server::arm(&self.shared, &plan);
        Ok(())
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        server::clear(&self.shared);
    }

    /// Back to the scenario's starting world (awards, vouchers, balances, idempotency keys, call counts), with no
    /// faults armed. Persisted when a state file is configured.
    pub fn reset(&self) {
        server::reset(&self.shared);
    }

    /// Expires a voucher template now (as `POST /admin/templates` with `"expire": true`): sends answer
    /// `TEMPLATE_EXPIRED` and the template detail shows status `E`.
    pub fn expire_template(&self, template_id: &str) -> Result<(), SandboxError> {
        let body = serde_json::json!({ "template_id": template_id, "expire": true });
        server::change_template(&self.shared, &body).map_err(SandboxError::scenario)?;
        Ok(())
    }

    /// Lifts an expiry made through the admin API (as `POST /admin/templates` with `"expire": false`): the
    /// template is back in effect, as when an operator extends its window. A scenario's own `expires_at` stays.
    pub fn unexpire_template(&self, template_id: &str) -> Result<(), SandboxError> {
        let body = serde_json::json!({ "template_id": template_id, "expire": false });
        server::change_template(&self.shared, &body).map_err(SandboxError::scenario)?;
        Ok(())
    }

    /// Leaves `left` vouchers of a template to send (as `POST /admin/templates` with `"stock": left`); further
    /// sends answer `TEMPLATE_STOCK_NOT_ENOUGH`.
    pub fn set_template_stock(&self, template_id: &str, left: u64) -> Result<(), SandboxError> {
        let body = serde_json::json!({ "template_id": template_id, "stock": left });
        server::change_template(&self.shared, &body).map_err(SandboxError::scenario)?;
        Ok(())
    }

    /// Stops gracefully: no new connections, calls in flight finish.
    pub async fn stop(mut self) {
        self.signal();
        match &mut self.runner {
            Runner::Task(task) => {
                if let Some(task) = task.take() {
                    let _ = task.await;
                }
            }
            Runner::Thread(thread) => {
                if let Some(thread) = thread.take() {
                    let _ = tokio::task::spawn_blocking(move || thread.join()).await;
                }
            }
        }
    }

    /// Stops gracefully and waits, from code without a runtime. (From async code, use [`Sandbox::stop`].)
    pub fn stop_blocking(mut self) {
        self.signal();
        self.wait();
    }

    fn signal(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    fn wait(&mut self) {
        match &mut self.runner {
            Runner::Thread(thread) => {
                if let Some(thread) = thread.take() {
                    let _ = thread.join();
                }
            }
            Runner::Task(task) => {
                // Waiting inside the serving runtime would block the very task we wait for.
                if task.take().is_some() && tokio::runtime::Handle::try_current().is_err() {
                    let _ = self.done.recv_timeout(Duration::from_secs(10));
                }
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.signal();
        if let Runner::Thread(_) = self.runner {
            self.wait();
        }
    }
}

fn not_an_app(app_id: &str) -> SandboxError {
    SandboxError::certificates(format!(
        "app {app_id} is not in the scenario, so it has no certificate"
    ))
}

/// More than zero (zero would close every connection at once) and at most
/// [`crate::config::MAX_HEADER_READ_TIMEOUT`].
fn check_header_read_timeout(timeout: Duration) -> Result<(), SandboxError> {
    let max = crate::config::MAX_HEADER_READ_TIMEOUT;
    if timeout.is_zero() || timeout > max {
        return Err(SandboxError::new(
            SandboxErrorKind::Config,
            format!(
                "header_read_timeout is {timeout:?}; give a duration more than zero and at most {} s",
                max.as_secs()
            ),
        ));
    }
    Ok(())
}

fn local_addr(listener: &tokio::net::TcpListener) -> Result<SocketAddr, SandboxError> {
    listener.local_addr().map_err(|e| {
        SandboxError::new(
            SandboxErrorKind::Bind,
            format!("cannot read the listening address: {e}"),
        )
    })
}
