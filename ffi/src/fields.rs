//! The bodies the call modules share: setting a field of a request object, reading a field of a result object,
//! and the per-call deadline every request object carries.

use std::ffi::{CString, c_char};
use std::time::Duration;

use crate::error::{FfiError, alipay_error};
use crate::panic::{guard, guard_value};
use crate::pointers::{c_string_exact, mut_arg, ref_arg_or_none, str_arg};
use crate::status::alipay_status;

/// A per-call deadline set from C, by the core's rule (0 is a mistake, not "no deadline").
pub(crate) fn check_timeout(timeout_ms: u64) -> Result<Duration, FfiError> {
    alipay_marketing::limits::check_call_timeout(Duration::from_millis(timeout_ms))
        .map_err(|e| FfiError::renamed(e, "timeout", "timeout_ms"))
}

/// Applies one field to a request object: the shared body of the setters.
///
/// # Safety
/// `request` is NULL or a live request of type `R`; `error_out` is NULL or writable.
pub(crate) unsafe fn set<R>(
    request: *mut R,
    error_out: *mut *mut alipay_error,
    apply: impl FnOnce(&mut R) -> Result<(), FfiError>,
) -> alipay_status {
    guard(error_out, || {
        // SAFETY: forwarded from this function's contract.
        let request = unsafe { mut_arg(request, "request") }?;
        apply(request)
    })
}

/// Reads a required text argument of a setter.
///
/// # Safety
/// `value` is NULL or a NUL-terminated string.
pub(crate) unsafe fn text(value: *const c_char, name: &'static str) -> Result<String, FfiError> {
    // SAFETY: forwarded from this function's contract.
    unsafe { str_arg(value, name) }.map(str::to_owned)
}

/// An optional string of a verified answer, for a result object.
pub(crate) fn optional(value: Option<&str>, what: &str) -> Result<Option<CString>, FfiError> {
    value.map(|v| c_string_exact(v, what)).transpose()
}

/// Reads a string field of a result; NULL for a NULL result.
///
/// # Safety
/// `result` is NULL or a live result of type `T`.
pub(crate) unsafe fn field<T>(
    result: *const T,
    read: impl FnOnce(&T) -> *const c_char,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard_value(std::ptr::null(), || {
        unsafe { ref_arg_or_none(result) }.map_or(std::ptr::null(), read)
    })
}
