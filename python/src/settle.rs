//! Settling unknown outcomes from Python: the `Settlement` result object, and how the error a call raised gets
//! back to the core.
//!
//! The core's `settle_*_after` takes the core error of the failed call (it reads the key the call used, and
//! refuses an error of another request). A Python exception cannot be turned back into one, so every core error
//! raised from a call is kept beside its exception, in a weak table keyed by the exception object: passing that
//! exception to a `settle_*` method hands its core error to the core as it was. The entry goes when the exception
//! does.

use std::sync::Arc;

use alipay_marketing::api::ApiRequest;
use alipay_marketing::api::invite::InviteAwardRequest;
use alipay_marketing::api::points::PointsUpdateRequest;
use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::{CallOptions, Client, Error, Settlement as CoreSettlement};
use pyo3::exceptions::{PyBaseException, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

use crate::client::Mode;
use crate::errors::{invalid_argument, to_py_err};
use crate::results::{ToPython, quote};

/// The core error of a raised exception, kept for `settle_*`.
#[pyclass(frozen, module = "alipay_marketing._native", name = "_KeptError")]
struct KeptError(Arc<Error>);

static KEPT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The weak table exception → kept core error.
fn kept(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    KEPT.get_or_try_init(py, || {
        Ok::<_, PyErr>(
            py.import("weakref")?
                .getattr("WeakKeyDictionary")?
                .call0()?
                .unbind(),
        )
    })
    .map(|table| table.bind(py))
}

/// The Python exception for the core error of a call, with the error kept for `settle_*`.
pub fn raise_keeping(py: Python<'_>, error: Error) -> PyErr {
    let raised = to_py_err(py, &error);
    // Keeping is best effort: when it fails, the exception is still the right one, and a settle given it asks for
    // the request's key instead.
    let _ = kept(py).and_then(|table| {
        let entry = Py::new(py, KeptError(Arc::new(error)))?;
        table.set_item(raised.value(py), entry)
    });
    raised
}

/// The core error kept for `error` (the exception a call raised), when one is given.
pub fn kept_error(
    py: Python<'_>,
    error: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<Arc<Error>>> {
    let Some(error) = error.filter(|e| !e.is_none()) else {
        return Ok(None);
    };
    if !error.is_instance_of::<PyBaseException>() {
        return Err(PyTypeError::new_err(format!(
            "error must be the exception the call raised (an AlipayError), not {}",
            error.get_type().name()?
        )));
    }
    // An exception class that cannot be weakly referenced cannot be in the table either.
    let found = kept(py)?.call_method1("get", (error,)).ok();
    match found.as_ref().and_then(|f| f.cast::<KeptError>().ok()) {
        Some(entry) => Ok(Some(entry.get().0.clone())),
        None => Err(invalid_argument(
            py,
            "error",
            "is not an exception raised by a call of this client library in this process (a copied or \
             unpickled one is not either); pass the exception the call raised, or leave error out and settle \
             with the request's own key (out_biz_no, req_id)",
        )),
    }
}

/// The result of a `settle_*` method: `status` is `"sent"` (applied exactly once; `result` is the call's result,
/// the original one if the first call took effect), `"not_sent"` (definitely not applied; `error` is the refusal)
/// or `"still_unknown"` (nothing certain learned; `error` says why — settle again later with the same request).
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct Settlement {
    status: &'static str,
    result: Option<Py<PyAny>>,
    error: Option<Py<PyAny>>,
}

impl<T: ToPython> ToPython for CoreSettlement<T> {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let status = self.as_str();
        let (result, error) = match self {
            CoreSettlement::Sent(result) => (Some(result.to_python(py)?), None),
            CoreSettlement::NotSent(e) | CoreSettlement::StillUnknown(e) => {
                (None, Some(raise_keeping(py, e).into_value(py).into_any()))
            }
        };
        Ok(Py::new(
            py,
            Settlement {
                status,
                result,
                error,
            },
        )?
        .into_any())
    }
}

#[pymethods]
impl Settlement {
    /// `"sent"`, `"not_sent"` or `"still_unknown"`.
    #[getter]
    fn status(&self) -> &'static str {
        self.status
    }

    /// The call's result when sent, else `None`.
    #[getter]
    fn result(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.result.as_ref().map(|r| r.clone_ref(py))
    }

    /// The refusal (not sent) or the last error (still unknown), as the exception a call would raise; `None` when
    /// sent.
    #[getter]
    fn error(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.error.as_ref().map(|e| e.clone_ref(py))
    }

    /// Whether the operation is applied (`status == "sent"`).
    #[getter]
    fn sent(&self) -> bool {
        self.status == "sent"
    }

    /// The attributes as a plain dict: `result` as its dict, `error` as its message.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("status", self.status)?;
        match &self.result {
            Some(result) => d.set_item("result", result.bind(py).call_method0("to_dict")?)?,
            None => d.set_item("result", py.None())?,
        }
        match &self.error {
            Some(error) => d.set_item("error", error.bind(py).str()?)?,
            None => d.set_item("error", py.None())?,
        }
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let inner = match (&self.result, &self.error) {
            (Some(result), _) => format!("result={}", result.bind(py).repr()?),
            (None, Some(error)) => {
                let error = error.bind(py);
                format!(
                    "error={}({})",
                    error.get_type().name()?,
                    quote(&error.str()?.to_cow()?)
                )
            }
            (None, None) => String::new(),
        };
        Ok(format!(
            "Settlement(status={}, {inner})",
            quote(self.status)
        ))
    }
}

/// Settles a voucher send, with the send's error when given, for the merchant of `options`.
pub fn settle_voucher<M: Mode>(
    py: Python<'_>,
    client: Client,
    request: VoucherSendRequest,
    error: Option<Arc<Error>>,
    options: CallOptions,
) -> PyResult<Py<PyAny>> {
    let key = request.out_biz_no.clone();
    M::run_call(py, VoucherSendRequest::METHOD, Some(&key), async move {
        Ok::<_, Error>(match error {
            Some(e) => {
                client
                    .settle_voucher_after_with(&request, &e, &options)
                    .await
            }
            None => client.settle_voucher_with(&request, &options).await,
        })
    })
}

/// Settles a points update, with the update's error when given.
pub fn settle_points<M: Mode>(
    py: Python<'_>,
    client: Client,
    request: PointsUpdateRequest,
    error: Option<Arc<Error>>,
    options: CallOptions,
) -> PyResult<Py<PyAny>> {
    let key = request.req_id.clone();
    M::run_call(py, PointsUpdateRequest::METHOD, Some(&key), async move {
        Ok::<_, Error>(match error {
            Some(e) => {
                client
                    .settle_points_after_with(&request, &e, &options)
                    .await
            }
            None => client.settle_points_with(&request, &options).await,
        })
    })
}

/// Settles an invite award, with the award's error when given (its key, when the client generated one).
pub fn settle_invite<M: Mode>(
    py: Python<'_>,
    client: Client,
    request: InviteAwardRequest,
    error: Option<Arc<Error>>,
    options: CallOptions,
) -> PyResult<Py<PyAny>> {
    let key = request
        .idempotency_key()
        .or_else(|| error.as_ref().and_then(|e| e.idempotency_key()))
        .map(str::to_owned);
    M::run_call(py, InviteAwardRequest::METHOD, key.as_deref(), async move {
        Ok::<_, Error>(match error {
            Some(e) => {
                client
                    .settle_invite_after_with(&request, &e, &options)
                    .await
            }
            None => client.settle_invite_with(&request, &options).await,
        })
    })
}
