//! `alipay.marketing.voucher.templatedetail.query` in C, and the campaign preflight built on it
//! (`alipay_client_check_template`): the result object and the two calls.

use std::ffi::{CString, c_char};

use alipay_marketing::api::template::{TemplateDetail, TemplateDetailQueryRequest};

use crate::client::{alipay_client, block_on, client_arg};
use crate::error::{FfiError, alipay_error};
use crate::marshal::{call, count, field, optional};
use crate::options::alipay_call_options;
use crate::panic::{guard, guard_value};
use crate::pointers::{OutArg, c_string_exact, free_box, opt_ptr, str_arg, str_ptr};
use crate::status::alipay_status;

/// The result of `alipay_client_query_template` and `alipay_client_check_template`: a voucher template. Amounts
/// are yuan text as sent; times are Beijing time `yyyy-MM-dd HH:mm:ss` as sent.
#[allow(non_camel_case_types)]
pub struct alipay_template_detail {
    template_id: CString,
    voucher_name: Option<CString>,
    voucher_type: Option<CString>,
    status: CString,
    publish_start_time: Option<CString>,
    publish_end_time: Option<CString>,
    voucher_valid_period: Option<CString>,
    voucher_quantity: Option<u64>,
    publish_count: Option<u64>,
    used_count: Option<u64>,
    remaining: Option<u64>,
    amount: Option<CString>,
    floor_amount: Option<CString>,
    total_amount: Option<CString>,
    publish_amount: Option<CString>,
    used_amount: Option<CString>,
    recycle_amount: Option<CString>,
    voucher_description: Option<CString>,
}

impl alipay_template_detail {
    fn new(d: TemplateDetail) -> Result<Self, FfiError> {
        Ok(alipay_template_detail {
            template_id: c_string_exact(&d.template_id, "template_id")?,
            voucher_name: optional(d.voucher_name.as_deref(), "voucher_name")?,
            voucher_type: optional(d.voucher_type.as_ref().map(|t| t.as_str()), "voucher_type")?,
            status: c_string_exact(d.status.as_str(), "status")?,
            publish_start_time: optional(d.publish_start_time.as_deref(), "publish_start_time")?,
            publish_end_time: optional(d.publish_end_time.as_deref(), "publish_end_time")?,
            voucher_valid_period: optional(
                d.voucher_valid_period.as_deref(),
                "voucher_valid_period",
            )?,
            voucher_quantity: d.voucher_quantity,
            publish_count: d.publish_count,
            used_count: d.used_count,
            remaining: d.remaining(),
            amount: optional(d.amount.as_deref(), "amount")?,
            floor_amount: optional(d.floor_amount.as_deref(), "floor_amount")?,
            total_amount: optional(d.total_amount.as_deref(), "total_amount")?,
            publish_amount: optional(d.publish_amount.as_deref(), "publish_amount")?,
            used_amount: optional(d.used_amount.as_deref(), "used_amount")?,
            recycle_amount: optional(d.recycle_amount.as_deref(), "recycle_amount")?,
            voucher_description: optional(d.voucher_description.as_deref(), "voucher_description")?,
        })
    }
}

/// The template id. Never NULL for a non-NULL `result`.
///
/// # Safety
/// `result` is NULL or a live result. Strings are valid until the result is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_detail_template_id(
    result: *const alipay_template_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| str_ptr(&r.template_id)) }
}

/// The status as sent: `"I"` (draft), `"S"` (published), `"D"` (deleted), `"E"` (expired), or a value this
/// version does not know. Never NULL for a non-NULL `result`.
///
/// # Safety
/// As for `alipay_template_detail_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_detail_status(
    result: *const alipay_template_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| str_ptr(&r.status)) }
}

/// The voucher name, or NULL.
///
/// # Safety
/// As for `alipay_template_detail_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_detail_voucher_name(
    result: *const alipay_template_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.voucher_name)) }
}

/// The voucher type as sent (e.g. `"FIX_VOUCHER"`, `"CASHLESS_FIX_VOUCHER"`, `"CASHLESS_RANDOM_VOUCHER"`, or a
/// value this version does not know), or NULL.
///
/// # Safety
/// As for `alipay_template_detail_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_detail_voucher_type(
    result: *const alipay_template_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.voucher_type)) }
}

/// Vouchers can be sent from this time on, or NULL.
///
/// # Safety
/// As for `alipay_template_detail_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_detail_publish_start_time(
    result: *const alipay_template_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.publish_start_time)) }
}

/// Vouchers can be sent until this time, or NULL.
///
/// # Safety
/// As for `alipay_template_detail_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_detail_publish_end_time(
    result: *const alipay_template_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.publish_end_time)) }
}

/// The validity of each voucher, a JSON text as sent, or NULL.
///
/// # Safety
/// As for `alipay_template_detail_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_detail_voucher_valid_period(
    result: *const alipay_template_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.voucher_valid_period)) }
}

/// The face value of each voucher, yuan, or NULL.
///
/// # Safety
/// As for `alipay_template_detail_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_detail_amount(
    result: *const alipay_template_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.amount)) }
}

/// The minimum order amount, yuan, or NULL.
///
/// # Safety
/// As for `alipay_template_detail_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_detail_floor_amount(
    result: *const alipay_template_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.floor_amount)) }
}

/// The total budget, yuan, or NULL.
///
/// # Safety
/// As for `alipay_template_detail_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_detail_total_amount(
    result: *const alipay_template_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.total_amount)) }
}

/// The amount issued so far, yuan, or NULL.
///
/// # Safety
/// As for `alipay_template_detail_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_detail_publish_amount(
    result: *const alipay_template_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.publish_amount)) }
}

/// The amount used so far, yuan, or NULL.
///
/// # Safety
/// As for `alipay_template_detail_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_detail_used_amount(
    result: *const alipay_template_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.used_amount)) }
}

/// The amount returned, yuan, or NULL.
///
/// # Safety
/// As for `alipay_template_detail_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_detail_recycle_amount(
    result: *const alipay_template_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.recycle_amount)) }
}

/// The usage notes as sent, or NULL.
///
/// # Safety
/// As for `alipay_template_detail_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_detail_voucher_description(
    result: *const alipay_template_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.voucher_description)) }
}

/// How many vouchers the template may issue in all: true and `*value_out` written when it has a count limit;
/// false (and `*value_out` untouched) when it has none, or for a NULL argument.
///
/// # Safety
/// `result` is NULL or a live result; `value_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_detail_voucher_quantity(
    result: *const alipay_template_detail,
    value_out: *mut u64,
) -> bool {
    // SAFETY: forwarded from this function's contract.
    unsafe { count(result, value_out, |r| r.voucher_quantity) }
}

/// How many vouchers were issued, as `alipay_template_detail_voucher_quantity`.
///
/// # Safety
/// As for `alipay_template_detail_voucher_quantity`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_detail_publish_count(
    result: *const alipay_template_detail,
    value_out: *mut u64,
) -> bool {
    // SAFETY: forwarded from this function's contract.
    unsafe { count(result, value_out, |r| r.publish_count) }
}

/// How many vouchers were used, as `alipay_template_detail_voucher_quantity`.
///
/// # Safety
/// As for `alipay_template_detail_voucher_quantity`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_detail_used_count(
    result: *const alipay_template_detail,
    value_out: *mut u64,
) -> bool {
    // SAFETY: forwarded from this function's contract.
    unsafe { count(result, value_out, |r| r.used_count) }
}

/// Vouchers that can still be issued by count (`voucher_quantity` − `publish_count`), as
/// `alipay_template_detail_voucher_quantity`: false when the template has no count limit.
///
/// # Safety
/// As for `alipay_template_detail_voucher_quantity`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_detail_remaining(
    result: *const alipay_template_detail,
    value_out: *mut u64,
) -> bool {
    // SAFETY: forwarded from this function's contract.
    unsafe { count(result, value_out, |r| r.remaining) }
}

/// Frees a template detail. NULL is accepted and ignored.
///
/// # Safety
/// `result` is NULL or a result from `alipay_client_query_template` or `alipay_client_check_template` that has
/// not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_template_detail_free(result: *mut alipay_template_detail) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(result) })
}

/// `alipay.marketing.voucher.templatedetail.query`: a template's status, publish window, quantity and
/// publish/used counts. A read: retried like a keyed call. See `alipay_client_check_template` for the campaign
/// preflight built on it.
///
/// Blocks until the answer arrives or the deadline passes. On success stores a new result in `*result_out` (free
/// it with `alipay_template_detail_free`).
///
/// # Safety
/// `client` is NULL or a live client; `template_id` is NULL or NUL-terminated; `result_out` is NULL or writable;
/// `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_query_template(
    client: *const alipay_client,
    template_id: *const c_char,
    result_out: *mut *mut alipay_template_detail,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        alipay_client_query_template_with_options(
            client,
            template_id,
            std::ptr::null(),
            result_out,
            error_out,
        )
    }
}

/// `alipay_client_query_template` with per-call options (see `alipay_call_options`); NULL `options` is the same
/// as `alipay_client_query_template`.
///
/// # Safety
/// As for `alipay_client_query_template`; `options` is NULL or live call options.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_query_template_with_options(
    client: *const alipay_client,
    template_id: *const c_char,
    options: *const alipay_call_options,
    result_out: *mut *mut alipay_template_detail,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        call(
            client,
            options,
            result_out,
            error_out,
            || {
                Ok(TemplateDetailQueryRequest::new(str_arg(
                    template_id,
                    "template_id",
                )?))
            },
            alipay_template_detail::new,
        )
    }
}

/// The campaign preflight: reads the template and refuses it unless `quantity` vouchers can be sent from it now —
/// it must be published (status `S`), inside its publish window, not expired, and have at least `quantity`
/// vouchers left when it has a count limit.
///
/// On success stores the template in `*result_out` (free it with `alipay_template_detail_free`). A refusal is
/// `ALIPAY_STATUS_INVALID_REQUEST` with `alipay_error_field` `"template_id"` (or `"quantity"` for 0) and a message
/// saying which check failed and what to do. Failures of the query itself come back as they are. Uses the
/// client's deadline and retry policy.
///
/// # Safety
/// As for `alipay_client_query_template`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_check_template(
    client: *const alipay_client,
    template_id: *const c_char,
    quantity: u64,
    result_out: *mut *mut alipay_template_detail,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    guard(error_out, || {
        // SAFETY: forwarded from this function's contract.
        let (client, template_id) =
            unsafe { (client_arg(client)?, str_arg(template_id, "template_id")?) };
        let out = OutArg::new(result_out, "result_out")?;
        let detail = {
            let template_id = template_id.to_owned();
            block_on(async move { client.check_template(&template_id, quantity).await })
        }?;
        let result = alipay_template_detail::new(detail)?;
        // SAFETY: `result_out` is writable per this function's contract.
        unsafe { out.write(result) };
        Ok(())
    })
}
