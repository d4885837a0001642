//! The sync `Client` and the asyncio `AsyncClient`: the same keyword API over one core client each, differing
//! only in how a call is awaited ([`Blocking`] releases the GIL and blocks; [`Asyncio`] returns an awaitable
//! running on the core's shared runtime).

use std::future::Future;

use alipay_marketing::{Error, blocking};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use tracing::Instrument;

use crate::config::RetryArg;
use crate::doctor::ClientStats;
use crate::requests::{
    InviteArgs, PointsArgs, VoucherArgs, biz_text, call_options, prepare_any, with_invite_keywords,
    with_points_keywords, with_voucher_keywords,
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

/// The methods both clients share, generated for each with its [`Mode`]. The first arm gathers the keyword lists
/// (the constructor's, then the invite, voucher and points fields) by chaining the `with_*_keywords!` macros; the
/// second writes every method out from them, so that `#[pymethods]` sees plain functions.
macro_rules! client_methods {
    ($class:ident, $mode:ty, { $($extra:tt)* }) => {
        crate::config::with_client_keywords!(with_invite_keywords!(with_voucher_keywords!(with_points_keywords!(
            client_methods!(@keywords $class, $mode, { $($extra)* })
        ))));
    };
    (
        @keywords $class:ident, $mode:ty, { $($extra:tt)* }
        [$($field:ident : $ty:ty $(= $default:tt)?),* $(,)?]
        [$($inv:ident : $inv_ty:ty $(= $inv_default:tt)?),* $(,)?]
        [$($vou:ident : $vou_ty:ty $(= $vou_default:tt)?),* $(,)?]
        [$($pts:ident : $pts_ty:ty $(= $pts_default:tt)?),* $(,)?]
    ) => {
        #[pymethods]
        impl $class {
            $($extra)*

            #[new]
            #[pyo3(signature = (*, $($field $(= $default)?),*))]
            #[allow(clippy::too_many_arguments)]
            fn new<'a, 'py>(py: Python<'py>, $($field: $ty),*) -> PyResult<Self> {
                let options = crate::config::ClientOptions { $($field),* };
                Ok($class { core: CoreClient::new(options.build(py)?) })
            }

            /// `alipay.user.invite.award.receive`: award a new or old user (by `mobile` or `user_id`).
            #[pyo3(signature = (
                *, $($inv $(= $inv_default)?,)* timeout = None, retry = RetryArg::NotGiven, app_auth_token = None
            ))]
            #[allow(clippy::too_many_arguments)]
            fn receive_invite_award<'py>(
                &self,
                py: Python<'py>,
                $($inv: $inv_ty,)*
                timeout: Option<f64>,
                retry: RetryArg,
                app_auth_token: Option<String>,
            ) -> PyResult<Py<PyAny>> {
                let request = InviteArgs { $($inv),* }.into_request(py)?;
                crate::companion::call::<$mode, _>(py, self.core.get(py)?, request, timeout, &retry, app_auth_token)
            }

            /// `alipay.marketing.voucher.send`: send a voucher of `template_id`; `out_biz_no` makes it idempotent.
            #[pyo3(signature = (
                *, $($vou $(= $vou_default)?,)* timeout = None, retry = RetryArg::NotGiven, app_auth_token = None
            ))]
            #[allow(clippy::too_many_arguments)]
            fn send_voucher<'py>(
                &self,
                py: Python<'py>,
                $($vou: $vou_ty,)*
                timeout: Option<f64>,
                retry: RetryArg,
                app_auth_token: Option<String>,
            ) -> PyResult<Py<PyAny>> {
                let request = VoucherArgs { $($vou),* }.into_request(py)?;
                crate::companion::call::<$mode, _>(py, self.core.get(py)?, request, timeout, &retry, app_auth_token)
            }

            /// `koubei.marketing.tool.points.update`: move stamp-card points; `req_id` makes it idempotent.
            #[pyo3(signature = (
                *, $($pts $(= $pts_default)?,)* timeout = None, retry = RetryArg::NotGiven, app_auth_token = None
            ))]
            #[allow(clippy::too_many_arguments)]
            fn update_points<'py>(
                &self,
                py: Python<'py>,
                $($pts: $pts_ty,)*
                timeout: Option<f64>,
                retry: RetryArg,
                app_auth_token: Option<String>,
            ) -> PyResult<Py<PyAny>> {
                let request = PointsArgs { $($pts),* }.into_request(py)?;
                crate::companion::call::<$mode, _>(py, self.core.get(py)?, request, timeout, &retry, app_auth_token)
            }

            /// Settles a voucher send whose outcome is unknown: the same keywords as `send_voucher`, and the
            /// error the send raised, if at hand. Returns a `Settlement`.
            #[pyo3(signature = (*, $($vou $(= $vou_default)?,)* error = None, app_auth_token = None))]
            #[allow(clippy::too_many_arguments)]
            fn settle_voucher<'py>(
                &self,
                py: Python<'py>,
                $($vou: $vou_ty,)*
                error: Option<Bound<'py, PyAny>>,
                app_auth_token: Option<String>,
            ) -> PyResult<Py<PyAny>> {
                let request = VoucherArgs { $($vou),* }.into_request(py)?;
                let (error, options) = settle_arguments(py, error, app_auth_token)?;
                crate::settle::settle_voucher::<$mode>(py, self.core.get(py)?, request, error, options)
            }

            /// Settles a points update whose outcome is unknown: the same keywords as `update_points`, and the
            /// error the update raised, if at hand. Returns a `Settlement`.
            #[pyo3(signature = (*, $($pts $(= $pts_default)?,)* error = None, app_auth_token = None))]
            #[allow(clippy::too_many_arguments)]
            fn settle_points<'py>(
                &self,
                py: Python<'py>,
                $($pts: $pts_ty,)*
                error: Option<Bound<'py, PyAny>>,
                app_auth_token: Option<String>,
            ) -> PyResult<Py<PyAny>> {
                let request = PointsArgs { $($pts),* }.into_request(py)?;
                let (error, options) = settle_arguments(py, error, app_auth_token)?;
                crate::settle::settle_points::<$mode>(py, self.core.get(py)?, request, error, options)
            }

            /// Settles an invite award whose outcome is unknown: the same keywords as `receive_invite_award`, and
            /// the error the award raised (needed when the client generated the `out_biz_no`). Returns a
            /// `Settlement`.
            #[pyo3(signature = (*, $($inv $(= $inv_default)?,)* error = None, app_auth_token = None))]
            #[allow(clippy::too_many_arguments)]
            fn settle_invite<'py>(
                &self,
                py: Python<'py>,
                $($inv: $inv_ty,)*
                error: Option<Bound<'py, PyAny>>,
                app_auth_token: Option<String>,
            ) -> PyResult<Py<PyAny>> {
                let request = InviteArgs { $($inv),* }.into_request(py)?;
                let (error, options) = settle_arguments(py, error, app_auth_token)?;
                crate::settle::settle_invite::<$mode>(py, self.core.get(py)?, request, error, options)
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
/// The `error` and `app_auth_token` keywords of a settle call: the error kept for the settlement, and the call
/// options (the client's deadline and retry policy, the merchant's token).
fn settle_arguments(
    py: Python<'_>,
    error: Option<Bound<'_, PyAny>>,
    app_auth_token: Option<String>,
) -> PyResult<(Option<std::sync::Arc<Error>>, alipay_marketing::CallOptions)> {
    let error = crate::settle::kept_error(py, error.as_ref())?;
    let options = call_options(py, None, &RetryArg::NotGiven, app_auth_token)?;
    Ok((error, options))
}

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
