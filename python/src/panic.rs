//! Panics never reach Python as pyo3's `PanicException` (a `BaseException` that `except Exception` and
//! `except AlipayError` miss): a panic caught at the boundary where this face hands work to the core becomes an
//! `alipay_marketing.errors.InternalError`, an `AlipayError`.
//!
//! The boundary is small: every call, companion call, settle and close runs its future through
//! [`crate::wait::block_on`] (sync client) or [`awaitable`] (asyncio client), and each of those catches a panic
//! in the future; building a client, the dry run and the doctor run their synchronous core work through
//! [`guard`], and the campaign and sandbox classes theirs through [`detach`] (or [`guard`]).

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// What a panic said, when it said it in text.
pub fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(no message)".to_owned()
    }
}

/// The `InternalError` for a caught panic. `during_call` says a request may have been sent: then the outcome is
/// unknown and a resend must keep the idempotency key.
pub fn internal_error(py: Python<'_>, panic_text: &str, during_call: bool) -> PyErr {
    let message = if during_call {
        format!(
            "internal error in alipay-marketing (a bug, please report it): {panic_text}; the request may have \
             been sent: the outcome is unknown, send it again with the same idempotency key to learn it"
        )
    } else {
        format!("internal error in alipay-marketing (a bug, please report it): {panic_text}")
    };
    let built = (|| {
        let details = PyDict::new(py);
        details.set_item("outcome_unknown", during_call)?;
        details.set_item("request_may_have_been_sent", during_call)?;
        py.import("alipay_marketing.errors")?
            .getattr("InternalError")?
            .call((message,), Some(&details))
    })();
    match built {
        Ok(exception) => PyErr::from_value(exception),
        Err(failure) => failure,
    }
}

/// Runs synchronous face or core work, turning a panic into `InternalError`.
pub fn guard<T>(py: Python<'_>, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(internal_error(py, &payload_text(payload.as_ref()), false)))
}

/// Runs core work with the GIL released, turning a panic into `InternalError`.
pub fn detach<T: Send>(py: Python<'_>, body: impl FnOnce() -> T + Send) -> PyResult<T> {
    guard(py, || Ok(py.detach(body)))
}

/// A future whose panics, while it is polled, end it with the panic's text instead of unwinding.
pub struct CatchPanic<F>(Pin<Box<F>>);

impl<F: Future> CatchPanic<F> {
    pub fn new(future: F) -> Self {
        CatchPanic(Box::pin(future))
    }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(payload_text(payload.as_ref()))),
        }
    }
}

/// An asyncio awaitable for `future` on the shared runtime ([`crate::bridge`]); a panic in it raises
/// `InternalError`.
pub fn awaitable<'py, T, F>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    crate::bridge::spawn(py, async move { Caught(CatchPanic::new(future).await) })
}

/// The output of an async call's future, or the text of its panic; converted on the event loop's thread.
struct Caught<T>(Result<PyResult<T>, String>);

impl<T> crate::bridge::Deliver for Caught<T>
where
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    fn deliver(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self.0 {
            Ok(output) => output?.into_py_any(py),
            Err(text) => Err(internal_error(py, &text, true)),
        }
    }
}

/// Test hook (not part of the API, not re-exported by the package): panics at the boundary named by `at` —
/// `"build"` in synchronous work, `"call"` in a sync call's future, `"async"` in an async call's future — so the
/// tests can check that every boundary raises `InternalError`.
#[pyfunction]
pub fn _panic_for_tests(py: Python<'_>, at: &str) -> PyResult<Py<PyAny>> {
    match at {
        "build" => {
            guard(py, || boom("test panic in synchronous work"))?;
            Ok(py.None())
        }
        "call" => {
            crate::wait::block_on(py, async { boom("test panic in a call") })??;
            Ok(py.None())
        }
        "async" => {
            let future = async { boom("test panic in an async call") };
            Ok(awaitable(py, future)?.unbind())
        }
        other => Err(pyo3::exceptions::PyValueError::new_err(format!(
            "at must be \"build\", \"call\" or \"async\", not {other:?}"
        ))),
    }
}

fn boom(what: &str) -> PyResult<()> {
    panic!("{what}")
}
