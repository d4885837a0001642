//! The bodies the call modules share: setting a field of a request object, reading a field of a result object,
//! the per-call deadline every request object carries, and running a typed call.

use std::ffi::{CString, c_char};
use std::time::Duration;

use alipay_marketing::api::ApiRequest;

use crate::client::{alipay_client, block_on, client_arg};
use crate::error::{FfiError, alipay_error};
use crate::options::{alipay_call_options, call_options};
use crate::panic::{guard, guard_value};
use crate::pointers::{OutArg, c_string_exact, mut_arg, ref_arg_or_none, str_arg};
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

/// Reads an optional count of a result into `*value_out`: true and written when the result has it, false (and
/// `*value_out` untouched) when it does not, or when `result` or `value_out` is NULL.
///
/// # Safety
/// `result` is NULL or a live result of type `T`; `value_out` is NULL or writable.
pub(crate) unsafe fn count<T>(
    result: *const T,
    value_out: *mut u64,
    read: impl FnOnce(&T) -> Option<u64>,
) -> bool {
    guard_value(false, || {
        // SAFETY: forwarded from this function's contract.
        let Some(value) = unsafe { ref_arg_or_none(result) }.and_then(read) else {
            return false;
        };
        if value_out.is_null() {
            return false;
        }
        // SAFETY: non-NULL and writable per this function's contract.
        unsafe { value_out.write(value) };
        true
    })
}

/// Reads a number of a result; 0 for a NULL result.
///
/// # Safety
/// `result` is NULL or a live result of type `T`.
pub(crate) unsafe fn number<T>(result: *const T, read: impl FnOnce(&T) -> u64) -> u64 {
    // SAFETY: forwarded from this function's contract.
    guard_value(0, || unsafe { ref_arg_or_none(result) }.map_or(0, read))
}

/// Runs a typed call of the core and hands its converted result to C: the shared body of the `_with_options`
/// calls. `request` builds the core's request from the C arguments (after the client and `result_out` are
/// checked); the core validates it.
///
/// # Safety
/// `client` is NULL or a live client; `options` is NULL or live call options; `result_out` is NULL or writable;
/// `error_out` is NULL or writable.
pub(crate) unsafe fn call<R, Out>(
    client: *const alipay_client,
    options: *const alipay_call_options,
    result_out: *mut *mut Out,
    error_out: *mut *mut alipay_error,
    request: impl FnOnce() -> Result<R, FfiError>,
    convert: impl FnOnce(R::Response) -> Result<Out, FfiError>,
) -> alipay_status
where
    R: ApiRequest + Send + Sync + 'static,
{
    guard(error_out, || {
        // SAFETY: forwarded from this function's contract.
        let (client, options) = unsafe { (client_arg(client)?, ref_arg_or_none(options)) };
        let out = OutArg::new(result_out, "result_out")?;
        let request = request()?;
        let response = {
            let options = call_options(options);
            block_on(async move { client.call(&request, &options).await })
        }?;
        let result = convert(response)?;
        // SAFETY: `result_out` is writable per this function's contract.
        unsafe { out.write(result) };
        Ok(())
    })
}
