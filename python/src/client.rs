//! The sync `Client` and the asyncio `AsyncClient`: the same keyword API over one core client each, differing
//! only in how a call is awaited ([`Blocking`] releases the GIL and blocks; [`Asyncio`] returns an awaitable
//! running on the core's shared runtime).

use std::future::Future;

use alipay_marketing::api::ApiRequest;
use alipay_marketing::{Error, blocking};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use tracing::Instrument;

use crate::config::{ClientOptions, RetryArg};
use crate::doctor::ClientStats;
use crate::requests::{
    InviteArgs, PointsArgs, Text, VoucherArgs, biz_text, call_options, prepare_any,
};
use crate::results::{Outcome, ToPython};
use crate::{logging, panic, wait};

/// The core client behind a `Client` or `AsyncClient` object (for the benchmark baselines).
pub fn core_client(object: &Bound<'_, PyAny>) -> PyResult<alipay_marketing::Client> {
    let py = object.py();
    if let Ok(client) = object.cast::<Client>() {
        return client.get().core.get(py);
    }
    if let Ok(client) = object.cast::<AsyncClient>() {
        return client.get().core.get(py);
    }
    Err(PyTypeError::new_err("expected a Client or an AsyncClient"))
}

/// How a call's future is turned into a Python value.
pub(crate) trait Mode {
    fn run<R, F>(py: Python<'_>, future: F) -> PyResult<Py<PyAny>>
    where
        R: ToPython,
        F: Future<Output = Result<R, Error>> + Send + 'static;

    /// [`Mode::run`] inside a span naming the call, so that the core's log records carry the method and key even
    /// when the call moves between runtime threads.
    fn run_call<R, F>(
        py: Python<'_>,
        method: &str,
        key: Option<&str>,
        future: F,
    ) -> PyResult<Py<PyAny>>
    where
        R: ToPython,
        F: Future<Output = Result<R, Error>> + Send + 'static,
    {
        let span = tracing::info_span!(target: "alipay_marketing", "alipay_call", method, idempotency_key = key);
        Self::run(py, future.instrument(span))
    }
}

/// Blocks the calling thread with the GIL released.
struct Blocking;

impl Mode for Blocking {
    fn run<R, F>(py: Python<'_>, future: F) -> PyResult<Py<PyAny>>
    where
        R: ToPython,
        F: Future<Output = Result<R, Error>> + Send + 'static,
    {
        let outcome = wait::block_on(py, future)?;
        Ok(Outcome(outcome).into_pyobject(py)?.unbind())
    }
}

/// Returns an asyncio awaitable; cancelling it drops the call.
struct Asyncio;

impl Mode for Asyncio {
    fn run<R, F>(py: Python<'_>, future: F) -> PyResult<Py<PyAny>>
    where
        R: ToPython,
        F: Future<Output = Result<R, Error>> + Send + 'static,
    {
        let awaitable = panic::awaitable(py, async move { Ok(Outcome(future.await)) })?;
        Ok(awaitable.unbind())
    }
}

/// The core client of a Python client object.
struct CoreClient {
    client: alipay_marketing::Client,
}

impl CoreClient {
    fn new(client: alipay_marketing::Client) -> Self {
        CoreClient { client }
    }

    /// A clone of the core client (clones share the pool and the closed state), after refreshing the log level.
    fn get(&self, py: Python<'_>) -> PyResult<alipay_marketing::Client> {
        logging::refresh(py);
        Ok(self.client.clone())
    }

    fn closed(&self) -> bool {
        self.client.is_closed()
    }

    fn repr(&self, class: &str) -> String {
        format!(
            "{class}(app_id={}, gateway={}{})",
            crate::results::quote(self.client.app_id()),
            crate::results::quote(self.client.gateway_url()),
            if self.closed() { ", closed" } else { "" }
        )
    }
}

/// The methods both clients share, generated for each with its [`Mode`].
macro_rules! client_methods {
    ($class:ident, $mode:ty, { $($extra:tt)* }) => {
        #[pymethods]
        impl $class {
            $($extra)*

            #[new]
            #[pyo3(signature = (
                *, app_id, private_key, alipay_public_key = None, gateway = "production", sign_type = "RSA2",
                timeout = 15.0, connect_timeout = 3.0, attempt_timeout = 8.0, retry = RetryArg::NotGiven,
                max_attempts = None, rate_limit = None, app_auth_token = None, allow_insecure_http = false,
                proxy = None, no_proxy = false, root_certificates = None, pool_max_idle_per_host = None,
                pool_idle_timeout = 90.0, http1_only = false, charset = "utf-8", aes_key = None, app_cert = None,
                alipay_cert = None, alipay_root_cert = None, app_public_key = None
            ))]
            #[allow(clippy::too_many_arguments)]
            fn new(
                py: Python<'_>,
                app_id: &str,
                private_key: &Bound<'_, PyAny>,
                alipay_public_key: Option<&Bound<'_, PyAny>>,
                gateway: &str,
                sign_type: &str,
                timeout: f64,
                connect_timeout: f64,
                attempt_timeout: f64,
                retry: RetryArg,
                max_attempts: Option<&Bound<'_, PyAny>>,
                rate_limit: Option<&Bound<'_, PyAny>>,
                app_auth_token: Option<&str>,
                allow_insecure_http: bool,
                proxy: Option<&str>,
                no_proxy: bool,
                root_certificates: Option<&Bound<'_, PyAny>>,
                pool_max_idle_per_host: Option<usize>,
                pool_idle_timeout: f64,
                http1_only: bool,
                charset: &str,
                aes_key: Option<&Bound<'_, PyAny>>,
                app_cert: Option<&Bound<'_, PyAny>>,
                alipay_cert: Option<&Bound<'_, PyAny>>,
                alipay_root_cert: Option<&Bound<'_, PyAny>>,
                app_public_key: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Self> {
                let client = ClientOptions {
                    app_id,
                    private_key,
                    alipay_public_key,
                    gateway,
                    sign_type,
                    timeout,
                    connect_timeout,
                    attempt_timeout,
                    retry,
                    max_attempts,
                    rate_limit,
                    app_auth_token,
                    allow_insecure_http,
                    proxy,
                    no_proxy,
                    root_certificates,
                    pool_max_idle_per_host,
                    pool_idle_timeout,
                    http1_only,
                    charset,
                    aes_key,
                    app_cert,
                    alipay_cert,
                    alipay_root_cert,
                    app_public_key,
                }
                .build(py)?;
                Ok($class {
                    core: CoreClient::new(client),
                })
            }

            /// `alipay.user.invite.award.receive`: award a new or old user (by `mobile` or `user_id`).
            #[pyo3(signature = (*, mobile = None, user_id = None, out_biz_no = None, out_biz_code = None, timeout = None,
                retry = RetryArg::NotGiven, app_auth_token = None))]
            #[allow(clippy::too_many_arguments)]
            fn receive_invite_award(
                &self,
                py: Python<'_>,
                mobile: Option<Text>,
                user_id: Option<Text>,
                out_biz_no: Option<Text>,
                out_biz_code: Option<Text>,
                timeout: Option<f64>,
                retry: RetryArg,
                app_auth_token: Option<String>,
            ) -> PyResult<Py<PyAny>> {
                let request = InviteArgs {
                    mobile,
                    user_id,
                    out_biz_no,
                    out_biz_code,
                }
                .into_request(py)?;
                let options = call_options(py, timeout, &retry, app_auth_token)?;
                let client = self.core.get(py)?;
                let (method, key) = (request.method().to_owned(), request.idempotency_key().map(str::to_owned));
                <$mode>::run_call(py, &method, key.as_deref(), async move {
                    client.call(&request, &options).await
                })
            }

            /// `alipay.marketing.voucher.send`: send a voucher of `template_id`; `out_biz_no` makes it idempotent.
            #[pyo3(signature = (
                *, template_id, out_biz_no, user_id = None, login_id = None, taobao_nick = None, open_id = None,
                amount = None, memo = None, extend_info = None, alipay_mini_app_token = None, timeout = None,
                retry = RetryArg::NotGiven, app_auth_token = None
            ))]
            #[allow(clippy::too_many_arguments)]
            fn send_voucher(
                &self,
                py: Python<'_>,
                template_id: Text,
                out_biz_no: Text,
                user_id: Option<Text>,
                login_id: Option<Text>,
                taobao_nick: Option<Text>,
                open_id: Option<Text>,
                amount: Option<Bound<'_, PyAny>>,
                memo: Option<Text>,
                extend_info: Option<Bound<'_, PyAny>>,
                alipay_mini_app_token: Option<Text>,
                timeout: Option<f64>,
                retry: RetryArg,
                app_auth_token: Option<String>,
            ) -> PyResult<Py<PyAny>> {
                let request = VoucherArgs {
                    template_id,
                    out_biz_no,
                    user_id,
                    login_id,
                    taobao_nick,
                    open_id,
                    amount,
                    memo,
                    extend_info,
                    alipay_mini_app_token,
                }
                .into_request(py)?;
                let options = call_options(py, timeout, &retry, app_auth_token)?;
                let client = self.core.get(py)?;
                let (method, key) = (request.method().to_owned(), request.idempotency_key().map(str::to_owned));
                <$mode>::run_call(py, &method, key.as_deref(), async move {
                    client.call(&request, &options).await
                })
            }

            /// `koubei.marketing.tool.points.update`: move stamp-card points; `req_id` makes it idempotent.
            #[pyo3(signature = (
                *, req_id, user_id, activity_account, trans_type, trans_amount, biz_no = None, shop_id = None,
                memo = None, ext_info = None, timeout = None, retry = RetryArg::NotGiven, app_auth_token = None
            ))]
            #[allow(clippy::too_many_arguments)]
            fn update_points(
                &self,
                py: Python<'_>,
                req_id: Text,
                user_id: Text,
                activity_account: Text,
                trans_type: Bound<'_, PyAny>,
                trans_amount: Bound<'_, PyAny>,
                biz_no: Option<Text>,
                shop_id: Option<Text>,
                memo: Option<Text>,
                ext_info: Option<Text>,
                timeout: Option<f64>,
                retry: RetryArg,
                app_auth_token: Option<String>,
            ) -> PyResult<Py<PyAny>> {
                let request = PointsArgs {
                    req_id,
                    user_id,
                    activity_account,
                    trans_type,
                    trans_amount,
                    biz_no,
                    shop_id,
                    memo,
                    ext_info,
                }
                .into_request(py)?;
                let options = call_options(py, timeout, &retry, app_auth_token)?;
                let client = self.core.get(py)?;
                let (method, key) = (request.method().to_owned(), request.idempotency_key().map(str::to_owned));
                <$mode>::run_call(py, &method, key.as_deref(), async move {
                    client.call(&request, &options).await
                })
            }

            /// Any gateway method with a `biz_content` dict, with the same signing, verification and errors.
            #[pyo3(signature = (method, biz_content = None, *, timeout = None, retry = RetryArg::NotGiven, app_auth_token = None))]
            fn execute(
                &self,
                py: Python<'_>,
                method: String,
                biz_content: Option<&Bound<'_, PyAny>>,
                timeout: Option<f64>,
                retry: RetryArg,
                app_auth_token: Option<String>,
            ) -> PyResult<Py<PyAny>> {
                let biz = biz_text(py, biz_content)?;
                let options = call_options(py, timeout, &retry, app_auth_token)?;
                let client = self.core.get(py)?;
                let name = method.clone();
                <$mode>::run_call(py, &name, None, async move {
                    client.execute_with(&method, &biz, &options).await
                })
            }

            /// The dry run: validates and signs what a call would send now, without sending it.
            #[pyo3(signature = (method, biz_content = None, *, app_auth_token = None, **fields))]
            fn prepare(
                &self,
                py: Python<'_>,
                method: &str,
                biz_content: Option<&Bound<'_, PyAny>>,
                app_auth_token: Option<String>,
                fields: Option<&Bound<'_, PyDict>>,
            ) -> PyResult<Py<PyAny>> {
                let client = self.core.get(py)?;
                panic::guard(py, || prepare_any(py, &client, method, biz_content, app_auth_token, fields))
            }

            /// A snapshot of the client's counters: calls, attempts, retries, successes, failures by kind, calls in
            /// flight.
            fn stats(&self) -> ClientStats {
                ClientStats::from(self.core.client.stats())
            }

            /// The configuration doctor's findings for this client, plus the clock skew measured against the
            /// gateway (one plain request to its URL).
            fn check_config(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                let client = self.core.get(py)?;
                <$mode>::run(py, async move { Ok::<_, Error>(client.check_config().await) })
            }

            /// The app id.
            #[getter]
            fn app_id(&self) -> &str {
                self.core.client.app_id()
            }

            /// The gateway URL.
            #[getter]
            fn gateway_url(&self) -> &str {
                self.core.client.gateway_url()
            }

            /// Whether the client was closed; a closed client raises `ConfigError` on every call.
            #[getter]
            fn closed(&self) -> bool {
                self.core.closed()
            }

            fn __repr__(&self) -> String {
                self.core.repr(stringify!($class))
            }
        }
    };
}

/// The sync client. Threads may share one; each call releases the GIL while it waits.
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct Client {
    core: CoreClient,
}

crate::companion::with_companion_methods!(client_methods!(Client, Blocking, {
    /// Closes the client: new calls raise `ConfigError`; returns once the calls in flight have finished (they
    /// make no further retries).
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let client = self.core.client.clone();
        wait::block_on(py, async move { client.close().await })
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (exc_type = None, exc_value = None, traceback = None))]
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: Option<&Bound<'_, PyAny>>,
        exc_value: Option<&Bound<'_, PyAny>>,
        traceback: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let _ = (exc_type, exc_value, traceback);
        self.close(py)?;
        Ok(false)
    }
}));

/// The asyncio client: every call returns an awaitable running on the shared runtime; cancelling it drops the
/// request.
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct AsyncClient {
    core: CoreClient,
}

crate::companion::with_companion_methods!(client_methods!(AsyncClient, Asyncio, {
    fn __aenter__(slf: Py<Self>, py: Python<'_>) -> PyResult<Py<PyAny>> {
        ready(py, slf)
    }

    #[pyo3(signature = (exc_type = None, exc_value = None, traceback = None))]
    fn __aexit__(
        &self,
        py: Python<'_>,
        exc_type: Option<&Bound<'_, PyAny>>,
        exc_value: Option<&Bound<'_, PyAny>>,
        traceback: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let _ = (exc_type, exc_value, traceback);
        let client = self.core.client.clone();
        let awaitable = panic::awaitable(py, async move {
            client.close().await;
            Ok(false)
        })?;
        Ok(awaitable.unbind())
    }

    /// Closes the client: new calls raise `ConfigError`; the awaitable completes once the calls in flight have
    /// finished (they make no further retries).
    fn aclose(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let client = self.core.client.clone();
        let awaitable = panic::awaitable(py, async move {
            client.close().await;
            Ok(())
        })?;
        Ok(awaitable.unbind())
    }

    /// Closes the client without waiting for calls in flight (they finish, without further retries).
    fn close(&self) {
        let client = self.core.client.clone();
        if let Ok(runtime) = blocking::runtime() {
            runtime.spawn(async move { client.close().await });
        }
    }
}));

/// An awaitable that is already done, on the running event loop.
fn ready<T>(py: Python<'_>, value: T) -> PyResult<Py<PyAny>>
where
    T: for<'py> IntoPyObject<'py> + Send + 'static,
{
    let future = py
        .import("asyncio")?
        .call_method0("get_running_loop")?
        .call_method0("create_future")?;
    future.call_method1("set_result", (value,))?;
    Ok(future.unbind())
}
