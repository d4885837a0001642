//! Raising the exception classes of `alipay_marketing/errors.py` from core errors.
//!
//! The class is chosen in one place, the `_CLASS_OF_KIND` table of `errors.py`, keyed by the core's stable kind
//! names ([`ErrorKind::as_str`]); this side only hands over the kind and the details.

use alipay_marketing::{Error, ErrorKind};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple};

static FROM_NATIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The names of every core error kind, in declaration order (`_native.ERROR_KINDS`), so a test can check that
/// the table in `errors.py` covers each one.
pub fn kind_names(py: Python<'_>) -> PyResult<Bound<'_, PyTuple>> {
    PyTuple::new(py, ErrorKind::ALL.iter().map(|k| k.as_str()))
}

fn factory(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    FROM_NATIVE
        .get_or_try_init(py, || {
            py.import("alipay_marketing.errors")?
                .getattr("_from_native")
                .map(Bound::unbind)
        })
        .map(|f| f.bind(py))
}

/// The Python exception for a core error.
pub fn to_py_err(py: Python<'_>, error: &Error) -> PyErr {
    match build(py, error) {
        Ok(exception) => PyErr::from_value(exception),
        Err(failure) => failure,
    }
}

fn build<'py>(py: Python<'py>, error: &Error) -> PyResult<Bound<'py, PyAny>> {
    let details = PyDict::new(py);
    details.set_item("field", error.field())?;
    details.set_item("retryable", error.is_retryable())?;
    details.set_item(
        "request_may_have_been_sent",
        error.request_may_have_been_sent(),
    )?;
    details.set_item("http_status", error.http_status())?;
    if let Some(gateway) = error.gateway_error() {
        details.set_item("code", &gateway.code)?;
        details.set_item("msg", &gateway.msg)?;
        details.set_item("sub_code", gateway.sub_code.as_deref())?;
        details.set_item("sub_msg", gateway.sub_msg.as_deref())?;
        details.set_item("trace_id", gateway.trace_id.as_deref())?;
    }
    details.set_item("outcome_unknown", error.outcome_unknown())?;
    details.set_item("idempotency_key", error.idempotency_key())?;
    details.set_item("attempts", error.attempts())?;
    details.set_item("retry_after", error.retry_after().map(|d| d.as_secs_f64()))?;
    if let Some(mismatch) = error.signature_mismatch() {
        let m = PyDict::new(py);
        m.set_item("ours", &mismatch.ours)?;
        m.set_item("gateways", &mismatch.gateways)?;
        m.set_item("first_difference", mismatch.first_difference.as_deref())?;
        m.set_item("likely_cause", &mismatch.likely_cause)?;
        details.set_item("signature_mismatch", m)?;
    }
    factory(py)?.call((error.kind().as_str(), error.message()), Some(&details))
}

/// A `ConfigError` raised by this face itself (a closed client, an unusable argument).
pub fn config_error(py: Python<'_>, field: Option<&str>, message: &str) -> PyErr {
    let built = (|| {
        let details = PyDict::new(py);
        details.set_item("field", field)?;
        factory(py)?.call((ErrorKind::Config.as_str(), message), Some(&details))
    })();
    match built {
        Ok(exception) => PyErr::from_value(exception),
        Err(failure) => failure,
    }
}

/// A `ValidationError` about one request argument, raised before anything is built or sent.
pub fn invalid_argument(py: Python<'_>, field: &str, message: &str) -> PyErr {
    to_py_err(py, &Error::invalid_request(field, message))
}
