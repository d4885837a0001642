//! `alipay.marketing.cashlessvoucher.template.create` in C: the request object, the result object and the call.
//!
//! `out_biz_no` is the idempotency key: creating again with the same one returns the template created before.

use std::ffi::{CString, c_char};

use alipay_marketing::api::template_create::{TemplateCreateRequest, TemplateCreateResponse};

use crate::client::alipay_client;
use crate::error::{FfiError, alipay_error};
use crate::marshal::{call, field, set, text};
use crate::options::alipay_call_options;
use crate::panic::guard_value;
use crate::pointers::{c_string_exact, free_box, new_handle, ref_arg, str_ptr};
use crate::status::alipay_status;

/// A request of `alipay.marketing.cashlessvoucher.template.create`, made by
/// `alipay_template_create_request_new_fixed` or `_new_random`. Required before sending: `out_biz_no`,
/// `brand_name`, `amount`, the publish window, the validity (`_set_valid_for`, `_set_valid_between` or
/// `_set_voucher_valid_period`), and `voucher_quantity` (fixed) or `total_amount` (random). Every rule is checked
/// when the request is sent; the error names the field.
#[allow(non_camel_case_types)]
pub struct alipay_template_create_request {
    inner: TemplateCreateRequest,
}

/// A new request for a fixed-amount template (`CASHLESS_FIX_VOUCHER`: every voucher is worth `amount`;
/// `voucher_quantity` is required). Every field starts empty (`floor_amount` `"0.00"`, `voucher_description`
/// `[]`), which fails validation until set. Returns NULL only if memory is exhausted.
#[unsafe(no_mangle)]
pub extern "C" fn alipay_template_create_request_new_fixed() -> *mut alipay_template_create_request
{
    guard_value(std::ptr::null_mut(), || {
        let mut inner = TemplateCreateRequest::fixed("", "", "", 0);
        inner.voucher_quantity = None;
        new_handle(alipay_template_create_request { inner })
    })
}

/// A new request for a random-amount template (`CASHLESS_RANDOM_VOUCHER`: each send names its amount;
/// `total_amount`, the budget, is required). Every field starts empty, as for
/// `alipay_template_create_request_new_fixed`. Returns NULL only if memory is exhausted.
#[unsafe(no_mangle)]
pub extern "C" fn alipay_template_create_request_new_random() -> *mut alipay_template_create_request
{
    guard_value(std::ptr::null_mut(), || {
        let mut inner = TemplateCreateRequest::random("", "", "", "");
        inner.total_amount = None;
        new_handle(alipay_template_create_request { inner })
    })
}

/// Frees a template-create request. NULL is accepted and ignored.
///
/// # Safety
/// `request` is NULL or a request from `alipay_template_create_request_new_fixed` or `_new_random` that has not
/// been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_create_request_free(
    request: *mut alipay_template_create_request,
) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(request) })
}

/// Sets your business number (required, at most 64 characters), the idempotency key.
///
/// # Safety
/// `request` is NULL or a live request; the string is NULL or NUL-terminated; `error_out` is NULL or points to
/// writable storage for an `alipay_error *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_create_request_set_out_biz_no(
    request: *mut alipay_template_create_request,
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

/// Sets the brand name shown in the card wallet (required, at most 12 characters).
///
/// # Safety
/// As for `alipay_template_create_request_set_out_biz_no`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_create_request_set_brand_name(
    request: *mut alipay_template_create_request,
    brand_name: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.brand_name = text(brand_name, "brand_name")?;
            Ok(())
        })
    }
}

/// Sets the face value in yuan (required, 1 to 999, at most two decimals), e.g. `"10.00"`.
///
/// # Safety
/// As for `alipay_template_create_request_set_out_biz_no`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_create_request_set_amount(
    request: *mut alipay_template_create_request,
    amount: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.amount = text(amount, "amount")?;
            Ok(())
        })
    }
}

/// Sets the minimum order amount in yuan (0 or more, at most two decimals; `"0.00"` unless set).
///
/// # Safety
/// As for `alipay_template_create_request_set_out_biz_no`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_create_request_set_floor_amount(
    request: *mut alipay_template_create_request,
    floor_amount: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.floor_amount = text(floor_amount, "floor_amount")?;
            Ok(())
        })
    }
}

/// Sets how many vouchers to issue (greater than 0; required for a fixed template, optional for a random one).
///
/// # Safety
/// `request` is NULL or a live request; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_create_request_set_voucher_quantity(
    request: *mut alipay_template_create_request,
    voucher_quantity: u64,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.voucher_quantity = Some(voucher_quantity);
            Ok(())
        })
    }
}

/// Sets the budget of a random template in yuan (required for it, 1 to 10,000,000).
///
/// # Safety
/// As for `alipay_template_create_request_set_out_biz_no`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_create_request_set_total_amount(
    request: *mut alipay_template_create_request,
    total_amount: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.total_amount = Some(text(total_amount, "total_amount")?);
            Ok(())
        })
    }
}

/// Sets the publish window, Beijing time `yyyy-MM-dd HH:mm:ss` (required; the end after the start, at most 90 days
/// apart; the gateway also refuses a start more than 15 days ahead).
///
/// # Safety
/// `request` is NULL or a live request; the strings are NULL or NUL-terminated; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_create_request_set_publish_window(
    request: *mut alipay_template_create_request,
    publish_start_time: *const c_char,
    publish_end_time: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            let start = text(publish_start_time, "publish_start_time")?;
            let end = text(publish_end_time, "publish_end_time")?;
            r.inner.publish_start_time = start;
            r.inner.publish_end_time = end;
            Ok(())
        })
    }
}

/// Makes each voucher valid for `duration` `unit`s (`"MINUTE"`, `"HOUR"` or `"DAY"`) from when it is sent.
///
/// # Safety
/// As for `alipay_template_create_request_set_out_biz_no`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_create_request_set_valid_for(
    request: *mut alipay_template_create_request,
    duration: u32,
    unit: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            let unit = text(unit, "unit")?;
            r.inner = r.inner.clone().valid_for(duration, &unit);
            Ok(())
        })
    }
}

/// Makes each voucher valid from `start` to `end`, Beijing time `yyyy-MM-dd HH:mm:ss`.
///
/// # Safety
/// `request` is NULL or a live request; the strings are NULL or NUL-terminated; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_create_request_set_valid_between(
    request: *mut alipay_template_create_request,
    start: *const c_char,
    end: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            let (start, end) = (text(start, "start")?, text(end, "end")?);
            r.inner = r.inner.clone().valid_between(&start, &end);
            Ok(())
        })
    }
}

/// Sets the validity as the JSON text itself: `{"type":"ABSOLUTE","start":…,"end":…}` or
/// `{"type":"RELATIVE","duration":N,"unit":"MINUTE|HOUR|DAY"}`.
///
/// # Safety
/// As for `alipay_template_create_request_set_out_biz_no`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_create_request_set_voucher_valid_period(
    request: *mut alipay_template_create_request,
    voucher_valid_period: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.voucher_valid_period = text(voucher_valid_period, "voucher_valid_period")?;
            Ok(())
        })
    }
}

/// Sets the usage notes: a JSON array of at most 10 strings of at most 50 characters (`[]` unless set).
///
/// # Safety
/// As for `alipay_template_create_request_set_out_biz_no`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_create_request_set_voucher_description(
    request: *mut alipay_template_create_request,
    voucher_description: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.voucher_description = text(voucher_description, "voucher_description")?;
            Ok(())
        })
    }
}

/// Sets where the gateway sends voucher change notifications: an `https://` (or `http://`) URL.
///
/// # Safety
/// As for `alipay_template_create_request_set_out_biz_no`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_create_request_set_notify_uri(
    request: *mut alipay_template_create_request,
    notify_uri: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.notify_uri = Some(text(notify_uri, "notify_uri")?);
            Ok(())
        })
    }
}

/// Sets who may redeem: a JSON object text such as `{"PID":"2088…","STORE":"…"}`.
///
/// # Safety
/// As for `alipay_template_create_request_set_out_biz_no`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_create_request_set_rule_conf(
    request: *mut alipay_template_create_request,
    rule_conf: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.rule_conf = Some(text(rule_conf, "rule_conf")?);
            Ok(())
        })
    }
}

/// Sets the extension information: a JSON object text.
///
/// # Safety
/// As for `alipay_template_create_request_set_out_biz_no`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_create_request_set_extension_info(
    request: *mut alipay_template_create_request,
    extension_info: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.extension_info = Some(text(extension_info, "extension_info")?);
            Ok(())
        })
    }
}

/// Sets when the voucher may be used: a JSON array text (`[]` means any time).
///
/// # Safety
/// As for `alipay_template_create_request_set_out_biz_no`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_create_request_set_voucher_available_time(
    request: *mut alipay_template_create_request,
    voucher_available_time: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.voucher_available_time =
                Some(text(voucher_available_time, "voucher_available_time")?);
            Ok(())
        })
    }
}

/// The result of `alipay_client_create_template`.
#[allow(non_camel_case_types)]
pub struct alipay_template_create_result {
    template_id: CString,
}

impl alipay_template_create_result {
    fn new(r: TemplateCreateResponse) -> Result<Self, FfiError> {
        Ok(alipay_template_create_result {
            template_id: c_string_exact(&r.template_id, "template_id")?,
        })
    }
}

/// The new template's id (on a replay of the same `out_biz_no`, the one created before). Never NULL for a
/// non-NULL `result`.
///
/// # Safety
/// `result` is NULL or a live result. The string is valid until the result is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_create_result_template_id(
    result: *const alipay_template_create_result,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| str_ptr(&r.template_id)) }
}

/// Frees a template-create result. NULL is accepted and ignored.
///
/// # Safety
/// `result` is NULL or a result from `alipay_client_create_template` that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_create_result_free(
    result: *mut alipay_template_create_result,
) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(result) })
}

/// `alipay.marketing.cashlessvoucher.template.create`: creates a cashless voucher template. Creating again with
/// the same `out_biz_no` returns the template created the first time, so a call that failed with a retryable
/// error can be repeated as is.
///
/// Blocks until the answer arrives or the deadline passes. On success stores a new result in `*result_out` (free
/// it with `alipay_template_create_result_free`).
///
/// # Safety
/// `client` and `request` are NULL or live handles; `result_out` is NULL or writable; `error_out` is NULL or
/// writable. `request` is only read and may be reused or freed afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_create_template(
    client: *const alipay_client,
    request: *const alipay_template_create_request,
    result_out: *mut *mut alipay_template_create_result,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        alipay_client_create_template_with_options(
            client,
            request,
            std::ptr::null(),
            result_out,
            error_out,
        )
    }
}

/// `alipay_client_create_template` with per-call options (see `alipay_call_options`); NULL `options` is the same
/// as `alipay_client_create_template`.
///
/// # Safety
/// As for `alipay_client_create_template`; `options` is NULL or live call options.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_create_template_with_options(
    client: *const alipay_client,
    request: *const alipay_template_create_request,
    options: *const alipay_call_options,
    result_out: *mut *mut alipay_template_create_result,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        call(
            client,
            options,
            result_out,
            error_out,
            || Ok(ref_arg(request, "request")?.inner.clone()),
            alipay_template_create_result::new,
        )
    }
}
