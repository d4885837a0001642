//! `alipay_error`: the optional heap error object behind a non-OK status, and its accessors.

use std::any::Any;
use std::ffi::{CString, c_char};

use alipay_marketing::{Error, ErrorKind};

use crate::panic::guard_value;
use crate::pointers::{c_string_lossy, free_box, opt_ptr, ref_arg_or_none, str_ptr};
use crate::status::alipay_status;

/// Every way an export can fail, before it becomes an `alipay_error`.
#[derive(Debug)]
pub(crate) enum FfiError {
    /// The core's error, with its kind and details.
    Core(Error),
    /// A required pointer argument was NULL; holds the parameter name.
    NullArgument(&'static str),
    /// A string argument was not UTF-8; holds the parameter name.
    InvalidUtf8(&'static str),
    /// A verified answer that cannot be handed to C (a NUL inside a string); holds the message.
    Decode(String),
    /// The core's verdict on a value, under the name of the C parameter that carried it (`pool_idle_timeout_ms`
    /// for the core's `pool_idle_timeout`): the kind, the parameter and the message without its field prefix.
    Renamed(ErrorKind, &'static str, String),
    /// `alipay_client_close` gave up waiting for the calls in flight; holds the message.
    CloseTimeout(String),
    /// A panic was caught; holds its message.
    Panic(String),
}

impl FfiError {
    pub(crate) fn status(&self) -> alipay_status {
        match self {
            FfiError::Core(e) => alipay_status::from_kind(e.kind()),
            FfiError::NullArgument(_) => alipay_status::NullArgument,
            FfiError::InvalidUtf8(_) => alipay_status::InvalidUtf8,
            FfiError::Decode(_) => alipay_status::Decode,
            FfiError::Renamed(kind, ..) => alipay_status::from_kind(*kind),
            FfiError::CloseTimeout(_) => alipay_status::Timeout,
            FfiError::Panic(_) => alipay_status::Panic,
        }
    }

    /// The core's error, its field `core_field` renamed to the C parameter `c_name`; other errors unchanged.
    pub(crate) fn renamed(error: Error, core_field: &str, c_name: &'static str) -> FfiError {
        if error.field() != Some(core_field) {
            return FfiError::Core(error);
        }
        let message = error
            .message()
            .strip_prefix(core_field)
            .and_then(|m| m.strip_prefix(": "))
            .unwrap_or(error.message())
            .to_owned();
        FfiError::Renamed(error.kind(), c_name, message)
    }

    pub(crate) fn from_panic(payload: Box<dyn Any + Send>) -> FfiError {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic with a non-text payload".to_owned());
        FfiError::Panic(what)
    }
}

impl From<Error> for FfiError {
    fn from(e: Error) -> Self {
        FfiError::Core(e)
    }
}

/// Details of a failed call: the status, a message for the log, and for gateway errors the gateway's codes.
///
/// Created only by this library, behind an `alipay_error **error_out` argument; free it with
/// `alipay_error_free`. Strings returned by its accessors are borrowed from it and valid until it is freed. A
/// settlement also lends one (`alipay_voucher_settlement_error` and the like): that one belongs to the settlement
/// and is never freed on its own.
#[allow(non_camel_case_types)]
pub struct alipay_error {
    status: alipay_status,
    message: CString,
    field: Option<CString>,
    gateway_code: Option<CString>,
    gateway_msg: Option<CString>,
    sub_code: Option<CString>,
    sub_msg: Option<CString>,
    trace_id: Option<CString>,
    http_status: u16,
    idempotency_key: Option<CString>,
    retryable: bool,
    may_have_been_sent: bool,
    outcome_unknown: bool,
    attempts: u32,
    our_sign_content: Option<CString>,
    gateway_sign_content: Option<CString>,
    first_differing_parameter: Option<CString>,
    likely_cause: Option<CString>,
    /// The core's error itself, for the calls that take an error back (`alipay_client_settle_*_after`).
    core: Option<Error>,
}

impl alipay_error {
    /// The core's error behind this object, when it came from the core (not from a C-contract check).
    pub(crate) fn core(&self) -> Option<&Error> {
        self.core.as_ref()
    }

    pub(crate) fn new(error: FfiError) -> alipay_error {
        let status = error.status();
        let mut out = alipay_error {
            status,
            message: CString::default(),
            field: None,
            gateway_code: None,
            gateway_msg: None,
            sub_code: None,
            sub_msg: None,
            trace_id: None,
            http_status: 0,
            idempotency_key: None,
            retryable: false,
            may_have_been_sent: false,
            outcome_unknown: false,
            attempts: 0,
            our_sign_content: None,
            gateway_sign_content: None,
            first_differing_parameter: None,
            likely_cause: None,
            core: None,
        };
        match error {
            FfiError::NullArgument(name) => {
                out.message = c_string_lossy(&format!("{name} is NULL; pass a valid pointer"));
                out.field = Some(c_string_lossy(name));
            }
            FfiError::InvalidUtf8(name) => {
                out.message =
                    c_string_lossy(&format!("{name} is not valid UTF-8; pass a UTF-8 string"));
                out.field = Some(c_string_lossy(name));
            }
            FfiError::Decode(message) => {
                out.message = c_string_lossy(&format!("decode error: {message}"));
                out.may_have_been_sent = true;
                out.attempts = 1;
            }
            FfiError::Renamed(_, field, message) => {
                out.message = c_string_lossy(&format!("{field}: {message}"));
                out.field = Some(c_string_lossy(field));
            }
            FfiError::CloseTimeout(message) => out.message = c_string_lossy(&message),
            FfiError::Panic(what) => {
                out.message = c_string_lossy(&format!(
                    "internal error (a Rust panic was caught at the C boundary; please report it): {what}"
                ));
            }
            FfiError::Core(e) => {
                out.message = c_string_lossy(&e.to_string());
                out.field = e.field().map(c_string_lossy);
                if let Some(g) = e.gateway_error() {
                    out.gateway_code = Some(c_string_lossy(&g.code));
                    out.gateway_msg = Some(c_string_lossy(&g.msg));
                    out.sub_code = g.sub_code.as_deref().map(c_string_lossy);
                    out.sub_msg = g.sub_msg.as_deref().map(c_string_lossy);
                    out.trace_id = g.trace_id.as_deref().map(c_string_lossy);
                }
                out.http_status = e.http_status().unwrap_or(0);
                out.retryable = e.is_retryable();
                out.may_have_been_sent = e.request_may_have_been_sent();
                out.outcome_unknown = e.outcome_unknown();
                out.attempts = e.attempts();
                out.idempotency_key = e.idempotency_key().map(c_string_lossy);
                if let Some(m) = e.signature_mismatch() {
                    out.our_sign_content = Some(c_string_lossy(&m.ours));
                    out.gateway_sign_content = Some(c_string_lossy(&m.gateways));
                    out.first_differing_parameter =
                        m.first_difference.as_deref().map(c_string_lossy);
                    out.likely_cause = Some(c_string_lossy(&m.likely_cause));
                }
                out.core = Some(e);
            }
        }
        out
    }
}

/// Stores a new error object in `*error_out` when `error_out` is not NULL; otherwise drops the details.
pub(crate) fn write_error(error_out: *mut *mut alipay_error, error: FfiError) {
    if error_out.is_null() {
        return;
    }
    let boxed = Box::into_raw(Box::new(alipay_error::new(error)));
    // SAFETY: the caller passed a non-NULL `alipay_error **`, which the C contract says points to writable storage.
    unsafe { error_out.write(boxed) };
}

/// The status of the failed call that produced `error` (`ALIPAY_STATUS_NULL_ARGUMENT` if `error` is NULL).
///
/// # Safety
/// `error` is NULL or a live `alipay_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_error_status(error: *const alipay_error) -> alipay_status {
    guard_value(alipay_status::Panic, || {
        // SAFETY: forwarded from this function's contract.
        unsafe { ref_arg_or_none(error) }.map_or(alipay_status::NullArgument, |e| e.status)
    })
}

/// A message for the log: what was wrong, which field or key, and what to do. Never contains key material.
/// Never NULL for a non-NULL `error`.
///
/// # Safety
/// `error` is NULL or a live `alipay_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_error_message(error: *const alipay_error) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard_value(std::ptr::null(), || {
        unsafe { ref_arg_or_none(error) }.map_or(std::ptr::null(), |e| str_ptr(&e.message))
    })
}

/// The request field, option or argument at fault (e.g. `"mobile"`, `"app_id"`), or NULL.
///
/// # Safety
/// `error` is NULL or a live `alipay_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_error_field(error: *const alipay_error) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard_value(std::ptr::null(), || {
        unsafe { ref_arg_or_none(error) }.map_or(std::ptr::null(), |e| opt_ptr(&e.field))
    })
}

/// The gateway's `code` (e.g. `"40004"`) for `ALIPAY_STATUS_GATEWAY`, otherwise NULL.
///
/// # Safety
/// `error` is NULL or a live `alipay_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_error_gateway_code(error: *const alipay_error) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded from this function's contract.
        unsafe { ref_arg_or_none(error) }.map_or(std::ptr::null(), |e| opt_ptr(&e.gateway_code))
    })
}

/// The gateway's `msg` (e.g. `"Business Failed"`) for `ALIPAY_STATUS_GATEWAY`, otherwise NULL.
///
/// # Safety
/// `error` is NULL or a live `alipay_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_error_gateway_msg(error: *const alipay_error) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded from this function's contract.
        unsafe { ref_arg_or_none(error) }.map_or(std::ptr::null(), |e| opt_ptr(&e.gateway_msg))
    })
}

/// The gateway's `sub_code` (e.g. `"TEMPLATE_NOT_EXIST"`), or NULL.
///
/// # Safety
/// `error` is NULL or a live `alipay_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_error_sub_code(error: *const alipay_error) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard_value(std::ptr::null(), || {
        unsafe { ref_arg_or_none(error) }.map_or(std::ptr::null(), |e| opt_ptr(&e.sub_code))
    })
}

/// The gateway's `sub_msg`, or NULL.
///
/// # Safety
/// `error` is NULL or a live `alipay_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_error_sub_msg(error: *const alipay_error) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard_value(std::ptr::null(), || {
        unsafe { ref_arg_or_none(error) }.map_or(std::ptr::null(), |e| opt_ptr(&e.sub_msg))
    })
}

/// The gateway's trace id (the `trace_id` response header) for `ALIPAY_STATUS_GATEWAY`, or NULL.
///
/// # Safety
/// `error` is NULL or a live `alipay_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_error_trace_id(error: *const alipay_error) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard_value(std::ptr::null(), || {
        unsafe { ref_arg_or_none(error) }.map_or(std::ptr::null(), |e| opt_ptr(&e.trace_id))
    })
}

/// The HTTP status for `ALIPAY_STATUS_HTTP`, otherwise 0.
///
/// # Safety
/// `error` is NULL or a live `alipay_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_error_http_status(error: *const alipay_error) -> u16 {
    // SAFETY: forwarded from this function's contract.
    guard_value(0, || {
        unsafe { ref_arg_or_none(error) }.map_or(0, |e| e.http_status)
    })
}

/// Whether sending the same request again, with the same idempotency key, is safe and may succeed
/// (transport failures, timeouts, HTTP errors, and gateway codes 20000, 40005, `isp.*`, `*SYSTEM_ERROR`).
///
/// # Safety
/// `error` is NULL or a live `alipay_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_error_is_retryable(error: *const alipay_error) -> bool {
    // SAFETY: forwarded from this function's contract.
    guard_value(false, || {
        unsafe { ref_arg_or_none(error) }.is_some_and(|e| e.retryable)
    })
}

/// Whether the request may have reached the gateway, and so may have taken effect.
///
/// # Safety
/// `error` is NULL or a live `alipay_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_error_request_may_have_been_sent(
    error: *const alipay_error,
) -> bool {
    // SAFETY: forwarded from this function's contract.
    guard_value(false, || {
        unsafe { ref_arg_or_none(error) }.is_some_and(|e| e.may_have_been_sent)
    })
}

/// Whether the call may have taken effect at the gateway without this client learning the result (a timeout, a
/// connection lost after sending, `20000` after the effect). Send the same request again, with the same
/// idempotency key, to learn the outcome.
///
/// # Safety
/// `error` is NULL or a live `alipay_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_error_outcome_unknown(error: *const alipay_error) -> bool {
    // SAFETY: forwarded from this function's contract.
    guard_value(false, || {
        unsafe { ref_arg_or_none(error) }.is_some_and(|e| e.outcome_unknown)
    })
}

/// How many HTTP attempts the call made (0 when it failed before sending anything).
///
/// # Safety
/// `error` is NULL or a live `alipay_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_error_attempts(error: *const alipay_error) -> u32 {
    // SAFETY: forwarded from this function's contract.
    guard_value(0, || {
        unsafe { ref_arg_or_none(error) }.map_or(0, |e| e.attempts)
    })
}

/// The idempotency key of the failed request (`out_biz_no`, `req_id`), to retry with, or NULL.
///
/// # Safety
/// `error` is NULL or a live `alipay_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_error_idempotency_key(error: *const alipay_error) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded from this function's contract.
        unsafe { ref_arg_or_none(error) }.map_or(std::ptr::null(), |e| opt_ptr(&e.idempotency_key))
    })
}

/// For a gateway `isv.invalid-signature` answer (`alipay_error_sub_code`): the exact string this client signed
/// (the sorted `key=value&…` sign content), to compare with `alipay_error_gateway_sign_content`. NULL for every
/// other error, and when the gateway did not echo the string it verified. Contains request values, never keys.
///
/// # Safety
/// `error` is NULL or a live `alipay_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_error_our_sign_content(
    error: *const alipay_error,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded from this function's contract.
        unsafe { ref_arg_or_none(error) }.map_or(std::ptr::null(), |e| opt_ptr(&e.our_sign_content))
    })
}

/// For `isv.invalid-signature`: the string the gateway says it verified (parsed from its `sub_msg`), or NULL
/// (see `alipay_error_our_sign_content`).
///
/// # Safety
/// `error` is NULL or a live `alipay_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_error_gateway_sign_content(
    error: *const alipay_error,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded from this function's contract.
        unsafe { ref_arg_or_none(error) }
            .map_or(std::ptr::null(), |e| opt_ptr(&e.gateway_sign_content))
    })
}

/// For `isv.invalid-signature`: the first parameter whose value differs between the two sign strings (e.g.
/// `"biz_content"` when something rewrote the request in transit). NULL when the strings are identical (then the
/// keys are the problem: see `alipay_error_likely_cause`), when they do not parse, and for every other error.
///
/// # Safety
/// `error` is NULL or a live `alipay_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_error_first_differing_parameter(
    error: *const alipay_error,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded from this function's contract.
        unsafe { ref_arg_or_none(error) }
            .map_or(std::ptr::null(), |e| opt_ptr(&e.first_differing_parameter))
    })
}

/// For `isv.invalid-signature`: the likely cause in words (the private key does not match the public key uploaded
/// in the console, a charset mismatch, an empty value, URL-encoding, a parameter rewritten in transit), or NULL
/// (see `alipay_error_our_sign_content`).
///
/// # Safety
/// `error` is NULL or a live `alipay_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_error_likely_cause(error: *const alipay_error) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded from this function's contract.
        unsafe { ref_arg_or_none(error) }.map_or(std::ptr::null(), |e| opt_ptr(&e.likely_cause))
    })
}

/// Frees an error object. NULL is accepted and ignored.
///
/// # Safety
/// `error` is NULL or an `alipay_error` from this library that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_error_free(error: *mut alipay_error) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(error) })
}
