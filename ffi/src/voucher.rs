//! `alipay.marketing.voucher.send` in C: the request object, the result object and the call.
//!
//! `template_id` + `out_biz_no` is the idempotency key: sending the same pair again returns the same voucher.

use std::ffi::{CString, c_char};

use alipay_marketing::CallOptions;
use alipay_marketing::api::voucher::{VoucherSendRequest, VoucherSendResponse};

use crate::client::{alipay_client, block_on, client_arg};
use crate::error::{FfiError, alipay_error};
use crate::marshal::{field, optional, set, text};
use crate::options::{alipay_call_options, call_options};
use crate::panic::{guard, guard_value};
use crate::pointers::{
    OutArg, c_string_exact, free_box, new_handle, opt_ptr, ref_arg, ref_arg_or_none, str_ptr,
};
use crate::status::alipay_status;

/// A request of `alipay.marketing.voucher.send`. Set `template_id`, `out_biz_no` and a recipient
/// (user_id > login_id > taobao_nick > open_id). `template_id` + `out_biz_no` is the idempotency key.
#[allow(non_camel_case_types)]
#[derive(Default)]
pub struct alipay_voucher_send_request {
    pub(crate) inner: VoucherSendRequest,
}

impl alipay_voucher_send_request {
    pub(crate) fn options(&self, options: Option<&alipay_call_options>) -> CallOptions {
        call_options(options)
    }
}

/// A new, empty voucher-send request. Returns NULL only if memory is exhausted.
#[unsafe(no_mangle)]
pub extern "C" fn alipay_voucher_send_request_new() -> *mut alipay_voucher_send_request {
    guard_value(std::ptr::null_mut(), || {
        new_handle(alipay_voucher_send_request::default())
    })
}

/// Frees a voucher-send request. NULL is accepted and ignored.
///
/// # Safety
/// `request` is NULL or a request from `alipay_voucher_send_request_new` that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_send_request_free(
    request: *mut alipay_voucher_send_request,
) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(request) })
}

/// Sets the voucher template id (required, at most 28 characters).
///
/// # Safety
/// `request` is NULL or a live request; the string is NULL or NUL-terminated; `error_out` is NULL or points to
/// writable storage for an `alipay_error *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_send_request_set_template_id(
    request: *mut alipay_voucher_send_request,
    template_id: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.template_id = text(template_id, "template_id")?;
            Ok(())
        })
    }
}

/// Sets your business number (required, at most 64 characters); with `template_id`, the idempotency key.
///
/// # Safety
/// As for `alipay_voucher_send_request_set_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_send_request_set_out_biz_no(
    request: *mut alipay_voucher_send_request,
    out_biz_no: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.out_biz_no = text(out_biz_no, "out_biz_no")?;
            Ok(())
        })
    }
}

/// Sets the recipient's Alipay user id (16 digits starting with 2088; highest priority).
///
/// # Safety
/// As for `alipay_voucher_send_request_set_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_send_request_set_user_id(
    request: *mut alipay_voucher_send_request,
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

/// Sets the recipient's Alipay login id (a mobile number or e-mail, at most 100 characters).
///
/// # Safety
/// As for `alipay_voucher_send_request_set_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_send_request_set_login_id(
    request: *mut alipay_voucher_send_request,
    login_id: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.login_id = Some(text(login_id, "login_id")?);
            Ok(())
        })
    }
}

/// Sets the recipient's Taobao nickname (at most 100 characters).
///
/// # Safety
/// As for `alipay_voucher_send_request_set_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_send_request_set_taobao_nick(
    request: *mut alipay_voucher_send_request,
    taobao_nick: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.taobao_nick = Some(text(taobao_nick, "taobao_nick")?);
            Ok(())
        })
    }
}

/// Sets the recipient's open_id for your app (at most 128 characters; lowest priority).
///
/// # Safety
/// As for `alipay_voucher_send_request_set_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_send_request_set_open_id(
    request: *mut alipay_voucher_send_request,
    open_id: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.open_id = Some(text(open_id, "open_id")?);
            Ok(())
        })
    }
}

/// Sets the amount in yuan with two decimals, e.g. `"10.00"` (red-packet templates only).
///
/// # Safety
/// As for `alipay_voucher_send_request_set_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_send_request_set_amount(
    request: *mut alipay_voucher_send_request,
    amount: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.amount = Some(text(amount, "amount")?);
            Ok(())
        })
    }
}

/// Sets the note shown with the voucher (at most 128 characters).
///
/// # Safety
/// As for `alipay_voucher_send_request_set_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_send_request_set_memo(
    request: *mut alipay_voucher_send_request,
    memo: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.memo = Some(text(memo, "memo")?);
            Ok(())
        })
    }
}

/// Sets `extend_info`: a JSON object text whose only allowed key is `alipayMiniAppToken`.
///
/// # Safety
/// As for `alipay_voucher_send_request_set_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_send_request_set_extend_info(
    request: *mut alipay_voucher_send_request,
    extend_info: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.extend_info = Some(text(extend_info, "extend_info")?);
            Ok(())
        })
    }
}

/// The result of `alipay_client_send_voucher`.
#[allow(non_camel_case_types)]
pub struct alipay_voucher_send_result {
    voucher_id: CString,
    user_id: Option<CString>,
    open_id: Option<CString>,
}

impl alipay_voucher_send_result {
    pub(crate) fn new(r: VoucherSendResponse) -> Result<Self, FfiError> {
        Ok(alipay_voucher_send_result {
            voucher_id: c_string_exact(&r.voucher_id, "voucher_id")?,
            user_id: optional(r.user_id.as_deref(), "user_id")?,
            open_id: optional(r.open_id.as_deref(), "open_id")?,
        })
    }
}

/// The id of the voucher sent (on a replay of the same `out_biz_no`, of the one sent before). Never NULL for a
/// non-NULL `result`.
///
/// # Safety
/// `result` is NULL or a live result. Strings are valid until the result is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_send_result_voucher_id(
    result: *const alipay_voucher_send_result,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| str_ptr(&r.voucher_id)) }
}

/// The recipient's Alipay user id, when the gateway returned it; otherwise NULL.
///
/// # Safety
/// As for `alipay_voucher_send_result_voucher_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_send_result_user_id(
    result: *const alipay_voucher_send_result,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.user_id)) }
}

/// The recipient's open_id, when the gateway returned it; otherwise NULL.
///
/// # Safety
/// As for `alipay_voucher_send_result_voucher_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_send_result_open_id(
    result: *const alipay_voucher_send_result,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.open_id)) }
}

/// Frees a voucher-send result. NULL is accepted and ignored.
///
/// # Safety
/// `result` is NULL or a result from `alipay_client_send_voucher` that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_send_result_free(result: *mut alipay_voucher_send_result) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(result) })
}

/// `alipay.marketing.voucher.send`: sends a voucher. Sending the same `template_id` + `out_biz_no` again returns
/// the voucher already sent, so a call that failed with a retryable error can be repeated as is.
///
/// Blocks until the answer arrives or the deadline passes. On success stores a new result in `*result_out` (free
/// it with `alipay_voucher_send_result_free`).
///
/// # Safety
/// As for `alipay_client_receive_invite_award`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_send_voucher(
    client: *const alipay_client,
    request: *const alipay_voucher_send_request,
    result_out: *mut *mut alipay_voucher_send_result,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        alipay_client_send_voucher_with_options(
            client,
            request,
            std::ptr::null(),
            result_out,
            error_out,
        )
    }
}

/// `alipay_client_send_voucher` with per-call options (see `alipay_call_options`); NULL `options` is the same as
/// `alipay_client_send_voucher`. The options' deadline (`alipay_call_options_set_timeout_ms`) replaces the client's
/// (`alipay_client_builder_set_timeout_ms`) for this call.
///
/// # Safety
/// As for `alipay_client_receive_invite_award`; `options` is NULL or live call options.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_send_voucher_with_options(
    client: *const alipay_client,
    request: *const alipay_voucher_send_request,
    options: *const alipay_call_options,
    result_out: *mut *mut alipay_voucher_send_result,
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
        let result = alipay_voucher_send_result::new(response)?;
        // SAFETY: `result_out` is writable per this function's contract.
        unsafe { out.write(result) };
        Ok(())
    })
}
