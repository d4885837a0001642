//! Result objects of the three calls. Their strings are converted once, when the result is made, and borrowed by
//! the accessors until the result is freed.

use std::ffi::{CString, c_char};

use alipay_marketing::api::invite::InviteAwardResponse;
use alipay_marketing::api::points::PointsUpdateResponse;
use alipay_marketing::api::voucher::VoucherSendResponse;

use crate::error::FfiError;
use crate::panic::guard_value;
use crate::pointers::{c_string_exact, free_box, opt_ptr, ref_arg_or_none, str_ptr};

fn optional(value: Option<&str>, what: &str) -> Result<Option<CString>, FfiError> {
    value.map(|v| c_string_exact(v, what)).transpose()
}

/// Reads a string field of a result; NULL for a NULL result.
///
/// # Safety
/// `result` is NULL or a live result of type `T`.
unsafe fn field<T>(result: *const T, read: impl FnOnce(&T) -> *const c_char) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard_value(std::ptr::null(), || {
        unsafe { ref_arg_or_none(result) }.map_or(std::ptr::null(), read)
    })
}

// ---------------------------------------------------------------------------------------------------------------
// alipay.user.invite.award.receive
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// alipay.marketing.voucher.send
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// koubei.marketing.tool.points.update
// ---------------------------------------------------------------------------------------------------------------

/// The result of `alipay_client_update_points`.
#[allow(non_camel_case_types)]
pub struct alipay_points_update_result {
    point_log_no: CString,
}

impl alipay_points_update_result {
    pub(crate) fn new(r: PointsUpdateResponse) -> Result<Self, FfiError> {
        Ok(alipay_points_update_result {
            point_log_no: c_string_exact(&r.point_log_no, "point_log_no")?,
        })
    }
}

/// The number of this points movement; after a FREEZE, the `biz_no` of its COMMIT or CANCEL. Never NULL for a
/// non-NULL `result`.
///
/// # Safety
/// `result` is NULL or a live result. The string is valid until the result is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_update_result_point_log_no(
    result: *const alipay_points_update_result,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { field(result, |r| str_ptr(&r.point_log_no)) }
}

/// Frees a points-update result. NULL is accepted and ignored.
///
/// # Safety
/// `result` is NULL or a result from `alipay_client_update_points` that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_update_result_free(
    result: *mut alipay_points_update_result,
) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(result) })
}
