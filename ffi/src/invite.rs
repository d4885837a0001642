//! `alipay.user.invite.award.receive` in C: the request object, the result object and the call.
//!
//! Business outcomes such as `OLD_AWARD_OVER_LIMIT` or `ACTIVITY_PAUSE` are results with `ALIPAY_STATUS_OK`.

use std::ffi::{CString, c_char};

use alipay_marketing::CallOptions;
use alipay_marketing::api::invite::{InviteAwardRequest, InviteAwardResponse};

use crate::client::{alipay_client, block_on, client_arg};
use crate::error::{FfiError, alipay_error};
use crate::marshal::{field, optional, set, text};
use crate::options::{alipay_call_options, call_options};
use crate::panic::{guard, guard_value};
use crate::pointers::{
    OutArg, c_string_exact, free_box, new_handle, opt_ptr, ref_arg, ref_arg_or_none, str_ptr,
};
use crate::status::alipay_status;

/// A request of `alipay.user.invite.award.receive`. Set `mobile` or `user_id` (`user_id` wins when both are set).
#[allow(non_camel_case_types)]
#[derive(Default)]
pub struct alipay_invite_award_request {
    pub(crate) inner: InviteAwardRequest,
}

impl alipay_invite_award_request {
    pub(crate) fn options(&self, options: Option<&alipay_call_options>) -> CallOptions {
        call_options(options)
    }
}

/// A new, empty invite-award request. Returns NULL only if memory is exhausted.
#[unsafe(no_mangle)]
pub extern "C" fn alipay_invite_award_request_new() -> *mut alipay_invite_award_request {
    guard_value(std::ptr::null_mut(), || {
        new_handle(alipay_invite_award_request::default())
    })
}

/// Frees an invite-award request. NULL is accepted and ignored.
///
/// # Safety
/// `request` is NULL or a request from `alipay_invite_award_request_new` that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_invite_award_request_free(
    request: *mut alipay_invite_award_request,
) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(request) })
}

/// Sets the mobile number the user entered: 11 digits without country code.
///
/// # Safety
/// `request` is NULL or a live request; `mobile` is NULL or a NUL-terminated string; `error_out` is NULL or
/// points to writable storage for an `alipay_error *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_invite_award_request_set_mobile(
    request: *mut alipay_invite_award_request,
    mobile: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.mobile = Some(text(mobile, "mobile")?);
            Ok(())
        })
    }
}

/// Sets the Alipay user id (16 digits starting with 2088); it wins over `mobile`.
///
/// # Safety
/// As for `alipay_invite_award_request_set_mobile`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_invite_award_request_set_user_id(
    request: *mut alipay_invite_award_request,
    user_id: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.user_id = Some(text(user_id, "user_id")?);
            Ok(())
        })
    }
}

/// Sets your business number for this request (at most 64 characters), the idempotency key.
///
/// # Safety
/// As for `alipay_invite_award_request_set_mobile`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_invite_award_request_set_out_biz_no(
    request: *mut alipay_invite_award_request,
    out_biz_no: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.out_biz_no = Some(text(out_biz_no, "out_biz_no")?);
            Ok(())
        })
    }
}

/// Sets the code of the external business party (the invite activity), at most 64 characters.
///
/// # Safety
/// As for `alipay_invite_award_request_set_mobile`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_invite_award_request_set_out_biz_code(
    request: *mut alipay_invite_award_request,
    out_biz_code: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.out_biz_code = Some(text(out_biz_code, "out_biz_code")?);
            Ok(())
        })
    }
}

/// The result of `alipay_client_receive_invite_award`.
#[allow(non_camel_case_types)]
pub struct alipay_invite_award_result {
    biz_result_code: CString,
    biz_result_desc: Option<CString>,
    user_attr: Option<CString>,
    alipay_account_no: Vec<CString>,
    mobile: Option<CString>,
    ext_info: Option<CString>,
    awarded: bool,
}

impl alipay_invite_award_result {
    pub(crate) fn new(r: InviteAwardResponse) -> Result<Self, FfiError> {
        Ok(alipay_invite_award_result {
            biz_result_code: c_string_exact(r.biz_result_code.as_str(), "biz_result_code")?,
            biz_result_desc: optional(r.biz_result_desc.as_deref(), "biz_result_desc")?,
            user_attr: optional(r.user_attr.as_ref().map(|a| a.as_str()), "user_attr")?,
            alipay_account_no: r
                .alipay_account_no
                .iter()
                .map(|a| c_string_exact(a, "alipay_account_no"))
                .collect::<Result<_, _>>()?,
            mobile: optional(r.mobile.as_deref(), "mobile")?,
            ext_info: optional(r.ext_info.as_deref(), "ext_info")?,
            awarded: r.biz_result_code.is_awarded(),
        })
    }
}

/// The business result as sent, e.g. `"NEW_AWARD_SUCESS"` (the gateway's own spelling), `"OLD_AWARD_SUCCESS"`,
/// `"NEW_ALREADY_AWARD"`, `"OLD_AWARD_OVER_LIMIT"`, `"ACTIVITY_PAUSE"`, `"ACTIVITY_CLOSE"`, `"INVALID_PARAMETER"`.
///
/// # Safety
/// `result` is NULL or a live result. Strings are valid until the result is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_invite_award_result_biz_result_code(
    result: *const alipay_invite_award_result,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| str_ptr(&r.biz_result_code)) }
}

/// Whether this call issued an award (`NEW_AWARD_SUCESS` or `OLD_AWARD_SUCCESS`).
///
/// # Safety
/// `result` is NULL or a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_invite_award_result_is_awarded(
    result: *const alipay_invite_award_result,
) -> bool {
    // SAFETY: forwarded from this function's contract.
    guard_value(false, || {
        unsafe { ref_arg_or_none(result) }.is_some_and(|r| r.awarded)
    })
}

/// The gateway's description of the result, or NULL.
///
/// # Safety
/// As for `alipay_invite_award_result_biz_result_code`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_invite_award_result_biz_result_desc(
    result: *const alipay_invite_award_result,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.biz_result_desc)) }
}

/// `"NEW"` or `"OLD"` (or a value this version does not know, as sent), or NULL.
///
/// # Safety
/// As for `alipay_invite_award_result_biz_result_code`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_invite_award_result_user_attr(
    result: *const alipay_invite_award_result,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.user_attr)) }
}

/// How many masked Alipay account names are bound to an old user's mobile.
///
/// # Safety
/// `result` is NULL or a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_invite_award_result_alipay_account_no_count(
    result: *const alipay_invite_award_result,
) -> usize {
    // SAFETY: forwarded from this function's contract.
    guard_value(0, || {
        unsafe { ref_arg_or_none(result) }.map_or(0, |r| r.alipay_account_no.len())
    })
}

/// The masked Alipay account name at `index` (0-based), or NULL when `index` is out of range.
///
/// # Safety
/// As for `alipay_invite_award_result_biz_result_code`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_invite_award_result_alipay_account_no(
    result: *const alipay_invite_award_result,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        field(result, |r| {
            r.alipay_account_no
                .get(index)
                .map_or(std::ptr::null(), |a| str_ptr(a))
        })
    }
}

/// The mobile number echoed back, or NULL.
///
/// # Safety
/// As for `alipay_invite_award_result_biz_result_code`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_invite_award_result_mobile(
    result: *const alipay_invite_award_result,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.mobile)) }
}

/// The extension information as sent (usually JSON text), or NULL.
///
/// # Safety
/// As for `alipay_invite_award_result_biz_result_code`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_invite_award_result_ext_info(
    result: *const alipay_invite_award_result,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.ext_info)) }
}

/// Frees an invite-award result. NULL is accepted and ignored.
///
/// # Safety
/// `result` is NULL or a result from `alipay_client_receive_invite_award` that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_invite_award_result_free(result: *mut alipay_invite_award_result) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(result) })
}

/// `alipay.user.invite.award.receive`: is the user new or old to Alipay? Issues the matching award and returns
/// the draw result. Business outcomes such as `OLD_AWARD_OVER_LIMIT` or `ACTIVITY_PAUSE` are results
/// (`ALIPAY_STATUS_OK`), read with `alipay_invite_award_result_biz_result_code`.
///
/// Blocks until the answer arrives or the deadline passes. On success stores a new result in `*result_out` (free
/// it with `alipay_invite_award_result_free`).
///
/// # Safety
/// `client` and `request` are NULL or live handles; `result_out` is NULL or writable; `error_out` is NULL or
/// writable. `request` is only read and may be reused or freed afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_receive_invite_award(
    client: *const alipay_client,
    request: *const alipay_invite_award_request,
    result_out: *mut *mut alipay_invite_award_result,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        alipay_client_receive_invite_award_with_options(
            client,
            request,
            std::ptr::null(),
            result_out,
            error_out,
        )
    }
}

/// `alipay_client_receive_invite_award` with per-call options (see `alipay_call_options`); NULL `options` is the same as
/// `alipay_client_receive_invite_award`. The options' deadline (`alipay_call_options_set_timeout_ms`) replaces the
/// client's (`alipay_client_builder_set_timeout_ms`) for this call.
///
/// # Safety
/// As for `alipay_client_receive_invite_award`; `options` is NULL or live call options.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_receive_invite_award_with_options(
    client: *const alipay_client,
    request: *const alipay_invite_award_request,
    options: *const alipay_call_options,
    result_out: *mut *mut alipay_invite_award_result,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    guard(error_out, || {
        // SAFETY: forwarded from this function's contract.
        let (client, request, options) = unsafe {
            (
                client_arg(client)?,
                ref_arg(request, "request")?,
                ref_arg_or_none(options),
            )
        };
        let out = OutArg::new(result_out, "result_out")?;
        let response = {
            let (inner, options) = (request.inner.clone(), request.options(options));
            block_on(async move { client.call(&inner, &options).await })
        }?;
        let result = alipay_invite_award_result::new(response)?;
        // SAFETY: `result_out` is writable per this function's contract.
        unsafe { out.write(result) };
        Ok(())
    })
}
