//! `alipay.marketing.voucher.query` (one voucher by id) and `alipay.marketing.voucher.list.query` (a user's
//! vouchers of one template) in C: the list's request object, the two result objects and the calls.

use std::ffi::{CString, c_char};

use alipay_marketing::api::voucher_query::{
    VoucherDetail, VoucherList, VoucherListQueryRequest, VoucherQueryRequest,
};

use crate::client::alipay_client;
use crate::error::{FfiError, alipay_error};
use crate::marshal::{call, count, field, optional, set, text};
use crate::options::alipay_call_options;
use crate::panic::guard_value;
use crate::pointers::{
    c_string_exact, free_box, new_handle, opt_ptr, ref_arg, ref_arg_or_none, str_arg, str_ptr,
};
use crate::status::alipay_status;

/// The result of `alipay_client_query_voucher`: one voucher. Status and dates are as the gateway sent them.
#[allow(non_camel_case_types)]
pub struct alipay_voucher_detail {
    voucher_id: CString,
    template_id: Option<CString>,
    name: Option<CString>,
    status: CString,
    total_amount: Option<CString>,
    available_amount: Option<CString>,
    user_id: Option<CString>,
    open_id: Option<CString>,
    gmt_create: Option<CString>,
    gmt_active: Option<CString>,
    gmt_expired: Option<CString>,
    total_count: Option<u64>,
    available_count: Option<u64>,
    used_count: Option<u64>,
    voucher_description: Option<CString>,
    extend_info: Option<CString>,
}

impl alipay_voucher_detail {
    fn new(d: VoucherDetail) -> Result<Self, FfiError> {
        Ok(alipay_voucher_detail {
            voucher_id: c_string_exact(&d.voucher_id, "voucher_id")?,
            template_id: optional(d.template_id.as_deref(), "template_id")?,
            name: optional(d.name.as_deref(), "name")?,
            status: c_string_exact(d.status.as_str(), "status")?,
            total_amount: optional(d.total_amount.as_deref(), "total_amount")?,
            available_amount: optional(d.available_amount.as_deref(), "available_amount")?,
            user_id: optional(d.user_id.as_deref(), "user_id")?,
            open_id: optional(d.open_id.as_deref(), "open_id")?,
            gmt_create: optional(d.gmt_create.as_deref(), "gmt_create")?,
            gmt_active: optional(d.gmt_active.as_deref(), "gmt_active")?,
            gmt_expired: optional(d.gmt_expired.as_deref(), "gmt_expired")?,
            total_count: d.total_count,
            available_count: d.available_count,
            used_count: d.used_count,
            voucher_description: optional(d.voucher_description.as_deref(), "voucher_description")?,
            extend_info: optional(d.extend_info.as_deref(), "extend_info")?,
        })
    }
}

/// The voucher id. Never NULL for a non-NULL `result`.
///
/// # Safety
/// `result` is NULL or a live result. Strings are valid until the result is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_detail_voucher_id(
    result: *const alipay_voucher_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| str_ptr(&r.voucher_id)) }
}

/// The template the voucher was issued from, or NULL.
///
/// # Safety
/// As for `alipay_voucher_detail_voucher_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_detail_template_id(
    result: *const alipay_voucher_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.template_id)) }
}

/// The voucher's name, or NULL.
///
/// # Safety
/// As for `alipay_voucher_detail_voucher_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_detail_name(
    result: *const alipay_voucher_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.name)) }
}

/// The status as sent: `"ENABLED"`, `"DISABLED"`, `"DELETE"`, `"TRANS"`, `"TRANSFER"`, `"UNC"`, `"USED"`,
/// `"USING"`, `"REFUNDED"`, `"REFUNDING"`, `"UNACTIVE"`, `"EXPIRED"`, or a value this version does not know.
/// Never NULL for a non-NULL `result`.
///
/// # Safety
/// As for `alipay_voucher_detail_voucher_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_detail_status(
    result: *const alipay_voucher_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| str_ptr(&r.status)) }
}

/// The face value in yuan as sent (e.g. `"10.00"`), or NULL.
///
/// # Safety
/// As for `alipay_voucher_detail_voucher_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_detail_total_amount(
    result: *const alipay_voucher_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.total_amount)) }
}

/// The amount still usable, yuan as sent, or NULL.
///
/// # Safety
/// As for `alipay_voucher_detail_voucher_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_detail_available_amount(
    result: *const alipay_voucher_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.available_amount)) }
}

/// The holder's Alipay user id, or NULL.
///
/// # Safety
/// As for `alipay_voucher_detail_voucher_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_detail_user_id(
    result: *const alipay_voucher_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.user_id)) }
}

/// The holder's open_id, or NULL.
///
/// # Safety
/// As for `alipay_voucher_detail_voucher_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_detail_open_id(
    result: *const alipay_voucher_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.open_id)) }
}

/// When the voucher was issued, Beijing time `yyyy-MM-dd HH:mm:ss`, or NULL.
///
/// # Safety
/// As for `alipay_voucher_detail_voucher_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_detail_gmt_create(
    result: *const alipay_voucher_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.gmt_create)) }
}

/// When the voucher becomes usable, Beijing time, or NULL.
///
/// # Safety
/// As for `alipay_voucher_detail_voucher_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_detail_gmt_active(
    result: *const alipay_voucher_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.gmt_active)) }
}

/// When the voucher expires, Beijing time, or NULL.
///
/// # Safety
/// As for `alipay_voucher_detail_voucher_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_detail_gmt_expired(
    result: *const alipay_voucher_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.gmt_expired)) }
}

/// The usage notes as sent, or NULL.
///
/// # Safety
/// As for `alipay_voucher_detail_voucher_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_detail_voucher_description(
    result: *const alipay_voucher_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.voucher_description)) }
}

/// The extension information as sent (usually JSON text), or NULL.
///
/// # Safety
/// As for `alipay_voucher_detail_voucher_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_detail_extend_info(
    result: *const alipay_voucher_detail,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| opt_ptr(&r.extend_info)) }
}

/// How many times the voucher can be used in all: true and `*value_out` written when the gateway sent it; false
/// (and `*value_out` untouched) when it did not, or for a NULL argument.
///
/// # Safety
/// `result` is NULL or a live result; `value_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_detail_total_count(
    result: *const alipay_voucher_detail,
    value_out: *mut u64,
) -> bool {
    // SAFETY: forwarded from this function's contract.
    unsafe { count(result, value_out, |r| r.total_count) }
}

/// How many uses are left, as `alipay_voucher_detail_total_count`.
///
/// # Safety
/// As for `alipay_voucher_detail_total_count`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_detail_available_count(
    result: *const alipay_voucher_detail,
    value_out: *mut u64,
) -> bool {
    // SAFETY: forwarded from this function's contract.
    unsafe { count(result, value_out, |r| r.available_count) }
}

/// How many times it was used, as `alipay_voucher_detail_total_count`.
///
/// # Safety
/// As for `alipay_voucher_detail_total_count`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_detail_used_count(
    result: *const alipay_voucher_detail,
    value_out: *mut u64,
) -> bool {
    // SAFETY: forwarded from this function's contract.
    unsafe { count(result, value_out, |r| r.used_count) }
}

/// Frees a voucher detail. NULL is accepted and ignored.
///
/// # Safety
/// `result` is NULL or a result from `alipay_client_query_voucher` that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_detail_free(result: *mut alipay_voucher_detail) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(result) })
}

/// `alipay.marketing.voucher.query`: one voucher (status, template, amounts, counts, dates) by the id
/// `alipay_client_send_voucher` returned. A read: retried like a keyed call.
///
/// Blocks until the answer arrives or the deadline passes. On success stores a new result in `*result_out` (free
/// it with `alipay_voucher_detail_free`).
///
/// # Safety
/// `client` is NULL or a live client; `voucher_id` is NULL or NUL-terminated; `result_out` is NULL or writable;
/// `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_query_voucher(
    client: *const alipay_client,
    voucher_id: *const c_char,
    result_out: *mut *mut alipay_voucher_detail,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        alipay_client_query_voucher_with_options(
            client,
            voucher_id,
            std::ptr::null(),
            result_out,
            error_out,
        )
    }
}

/// `alipay_client_query_voucher` with per-call options (see `alipay_call_options`); NULL `options` is the same
/// as `alipay_client_query_voucher`.
///
/// # Safety
/// As for `alipay_client_query_voucher`; `options` is NULL or live call options.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_query_voucher_with_options(
    client: *const alipay_client,
    voucher_id: *const c_char,
    options: *const alipay_call_options,
    result_out: *mut *mut alipay_voucher_detail,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        call(
            client,
            options,
            result_out,
            error_out,
            || Ok(VoucherQueryRequest::new(str_arg(voucher_id, "voucher_id")?)),
            alipay_voucher_detail::new,
        )
    }
}

/// A request of `alipay.marketing.voucher.list.query`: set `template_id` and exactly one of `user_id` and
/// `open_id` (checked when sent).
#[allow(non_camel_case_types)]
pub struct alipay_voucher_list_query_request {
    inner: VoucherListQueryRequest,
}

impl Default for alipay_voucher_list_query_request {
    fn default() -> Self {
        let mut inner = VoucherListQueryRequest::for_user_id("", "");
        inner.user_id = None;
        alipay_voucher_list_query_request { inner }
    }
}

/// A new, empty voucher-list request. Returns NULL only if memory is exhausted.
#[unsafe(no_mangle)]
pub extern "C" fn alipay_voucher_list_query_request_new() -> *mut alipay_voucher_list_query_request
{
    guard_value(std::ptr::null_mut(), || {
        new_handle(alipay_voucher_list_query_request::default())
    })
}

/// Frees a voucher-list request. NULL is accepted and ignored.
///
/// # Safety
/// `request` is NULL or a request from `alipay_voucher_list_query_request_new` that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_list_query_request_free(
    request: *mut alipay_voucher_list_query_request,
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
pub unsafe extern "C" fn alipay_voucher_list_query_request_set_template_id(
    request: *mut alipay_voucher_list_query_request,
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

/// Sets the user's Alipay user id (16 digits starting with 2088). Give this or `open_id`, not both.
///
/// # Safety
/// As for `alipay_voucher_list_query_request_set_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_list_query_request_set_user_id(
    request: *mut alipay_voucher_list_query_request,
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

/// Sets the user's open_id for your app (at most 128 characters). Give this or `user_id`, not both.
///
/// # Safety
/// As for `alipay_voucher_list_query_request_set_template_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_list_query_request_set_open_id(
    request: *mut alipay_voucher_list_query_request,
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

/// One entry of a voucher list.
struct ListedVoucher {
    voucher_id: CString,
    template_id: Option<CString>,
    status: CString,
    send_time: Option<CString>,
}

/// The result of `alipay_client_list_vouchers`: the user's vouchers of the template, possibly none, in the
/// gateway's order. Read entry `i` (0-based, below `alipay_voucher_list_count`) with the indexed accessors.
#[allow(non_camel_case_types)]
pub struct alipay_voucher_list {
    vouchers: Vec<ListedVoucher>,
}

impl alipay_voucher_list {
    fn new(list: VoucherList) -> Result<Self, FfiError> {
        let vouchers = list
            .vouchers
            .iter()
            .map(|v| {
                Ok(ListedVoucher {
                    voucher_id: c_string_exact(&v.voucher_id, "voucher_id")?,
                    template_id: optional(v.template_id.as_deref(), "template_id")?,
                    status: c_string_exact(v.status.as_str(), "status")?,
                    send_time: optional(v.send_time.as_deref(), "send_time")?,
                })
            })
            .collect::<Result<_, FfiError>>()?;
        Ok(alipay_voucher_list { vouchers })
    }

    fn entry(&self, index: usize) -> Option<&ListedVoucher> {
        self.vouchers.get(index)
    }
}

/// How many vouchers the list holds (0 for a NULL `result`).
///
/// # Safety
/// `result` is NULL or a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_list_count(result: *const alipay_voucher_list) -> usize {
    // SAFETY: forwarded from this function's contract.
    guard_value(0, || {
        unsafe { ref_arg_or_none(result) }.map_or(0, |r| r.vouchers.len())
    })
}

/// The id of voucher `index`, or NULL when `index` is out of range.
///
/// # Safety
/// `result` is NULL or a live result. Strings are valid until the result is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_list_voucher_id(
    result: *const alipay_voucher_list,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        field(result, |r| {
            r.entry(index)
                .map_or(std::ptr::null(), |v| str_ptr(&v.voucher_id))
        })
    }
}

/// The template of voucher `index`, or NULL (absent, or `index` out of range).
///
/// # Safety
/// As for `alipay_voucher_list_voucher_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_list_template_id(
    result: *const alipay_voucher_list,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        field(result, |r| {
            r.entry(index)
                .map_or(std::ptr::null(), |v| opt_ptr(&v.template_id))
        })
    }
}

/// The status of voucher `index` as sent (`"ENABLED"`, `"DISABLED"`, or a value this version does not know), or
/// NULL when `index` is out of range.
///
/// # Safety
/// As for `alipay_voucher_list_voucher_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_list_status(
    result: *const alipay_voucher_list,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        field(result, |r| {
            r.entry(index)
                .map_or(std::ptr::null(), |v| str_ptr(&v.status))
        })
    }
}

/// When voucher `index` was issued, Beijing time `yyyy-MM-dd HH:mm:ss`, or NULL.
///
/// # Safety
/// As for `alipay_voucher_list_voucher_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_list_send_time(
    result: *const alipay_voucher_list,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        field(result, |r| {
            r.entry(index)
                .map_or(std::ptr::null(), |v| opt_ptr(&v.send_time))
        })
    }
}

/// Frees a voucher list. NULL is accepted and ignored.
///
/// # Safety
/// `result` is NULL or a result from `alipay_client_list_vouchers` that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_list_free(result: *mut alipay_voucher_list) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(result) })
}

/// `alipay.marketing.voucher.list.query`: the vouchers of one template that one user holds (possibly none). A
/// read: retried like a keyed call.
///
/// Blocks until the answer arrives or the deadline passes. On success stores a new result in `*result_out` (free
/// it with `alipay_voucher_list_free`).
///
/// # Safety
/// `client` and `request` are NULL or live handles; `result_out` is NULL or writable; `error_out` is NULL or
/// writable. `request` is only read and may be reused or freed afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_list_vouchers(
    client: *const alipay_client,
    request: *const alipay_voucher_list_query_request,
    result_out: *mut *mut alipay_voucher_list,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        alipay_client_list_vouchers_with_options(
            client,
            request,
            std::ptr::null(),
            result_out,
            error_out,
        )
    }
}

/// `alipay_client_list_vouchers` with per-call options (see `alipay_call_options`); NULL `options` is the same
/// as `alipay_client_list_vouchers`.
///
/// # Safety
/// As for `alipay_client_list_vouchers`; `options` is NULL or live call options.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_list_vouchers_with_options(
    client: *const alipay_client,
    request: *const alipay_voucher_list_query_request,
    options: *const alipay_call_options,
    result_out: *mut *mut alipay_voucher_list,
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
            alipay_voucher_list::new,
        )
    }
}
