//! `alipay_client`: the thread-safe client, its blocking calls, and `alipay_response` of the generic `execute`.

use std::ffi::{CString, c_char};
use std::future::Future;

use alipay_marketing::{Client, blocking};

use crate::error::{FfiError, alipay_error};
use crate::panic::{guard, guard_value};
use crate::pointers::{
    OutArg, c_string_exact, free_box, opt_ptr, ref_arg, ref_arg_or_none, str_arg, str_ptr,
};
use crate::status::alipay_status;

/// A client: signs requests, sends them, verifies the answers. Built by `alipay_client_builder_build`, freed by
/// `alipay_client_free`.
///
/// Thread-safe: any number of threads may make calls on one client at the same time (they share its connection
/// pool). Free it only once no call on it is running.
#[allow(non_camel_case_types)]
pub struct alipay_client {
    pub(crate) inner: Client,
}

impl alipay_client {
    pub(crate) fn new(inner: Client) -> alipay_client {
        alipay_client { inner }
    }
}

/// Runs a call of the core on the process-wide runtime, blocking this thread until it completes or its deadline
/// passes.
pub(crate) fn block_on<T>(
    call: impl Future<Output = alipay_marketing::Result<T>>,
) -> Result<T, FfiError> {
    Ok(blocking::block_on(call)??)
}

/// Frees a client. NULL is accepted and ignored.
///
/// # Safety
/// `client` is NULL or a client from `alipay_client_builder_build` that has not been freed yet, and no call on
/// it is running in another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_free(client: *mut alipay_client) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(client) })
}

/// The verified answer of `alipay_client_execute`: the `<method>_response` node's JSON text exactly as signed.
#[allow(non_camel_case_types)]
pub struct alipay_response {
    body: CString,
    trace_id: Option<CString>,
}

/// Calls any gateway method with a `biz_content` JSON object text (or `""` for none), with the same signing,
/// verification and errors as the typed calls. On success stores the verified response in `*response_out`
/// (free it with `alipay_response_free`).
///
/// # Safety
/// `client` is NULL or a live client; `method` and `biz_content` are NULL or NUL-terminated strings;
/// `response_out` and `error_out` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_execute(
    client: *const alipay_client,
    method: *const c_char,
    biz_content: *const c_char,
    response_out: *mut *mut alipay_response,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    guard(error_out, || {
        // SAFETY: forwarded from this function's contract.
        let client = unsafe { ref_arg(client, "client") }?;
        // SAFETY: forwarded from this function's contract.
        let (method, biz_content) = unsafe {
            (
                str_arg(method, "method")?,
                str_arg(biz_content, "biz_content")?,
            )
        };
        let out = OutArg::new(response_out, "response_out")?;
        let response = block_on(client.inner.execute(method, biz_content))?;
        let response = alipay_response {
            body: c_string_exact(&response.body, "the response body")?,
            trace_id: response
                .trace_id
                .as_deref()
                .map(|t| c_string_exact(t, "trace_id"))
                .transpose()?,
        };
        // SAFETY: `response_out` is writable per this function's contract.
        unsafe { out.write(response) };
        Ok(())
    })
}

/// The verified JSON text of the response node, e.g. `{"code":"10000","msg":"Success",...}`. NULL only for a
/// NULL `response`.
///
/// # Safety
/// `response` is NULL or a live response. The string is valid until the response is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_response_body(response: *const alipay_response) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard_value(std::ptr::null(), || {
        unsafe { ref_arg_or_none(response) }.map_or(std::ptr::null(), |r| str_ptr(&r.body))
    })
}

/// The gateway's trace id (the `trace_id` response header), or NULL if it sent none.
///
/// # Safety
/// `response` is NULL or a live response. The string is valid until the response is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_response_trace_id(
    response: *const alipay_response,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded from this function's contract.
        unsafe { ref_arg_or_none(response) }.map_or(std::ptr::null(), |r| opt_ptr(&r.trace_id))
    })
}

/// Frees a response. NULL is accepted and ignored.
///
/// # Safety
/// `response` is NULL or a response from `alipay_client_execute` that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_response_free(response: *mut alipay_response) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(response) })
}
