//! Request objects of the three calls: opaque, filled by setters, so later optional fields never change the ABI.
//! Values are copied in; every rule is checked by the core when the request is sent.

use std::ffi::c_char;
use std::time::Duration;

use alipay_marketing::CallOptions;
use alipay_marketing::api::invite::InviteAwardRequest;
use alipay_marketing::api::points::{PointsUpdateRequest, TransType};
use alipay_marketing::api::voucher::VoucherSendRequest;

use crate::error::{FfiError, alipay_error};
use crate::panic::{guard, guard_value};
use crate::pointers::{free_box, mut_arg, new_handle, str_arg};
use crate::status::alipay_status;

/// The per-call deadline every request object can carry.
fn call_options(timeout: Option<Duration>) -> CallOptions {
    timeout.map(CallOptions::with_timeout).unwrap_or_default()
}

fn check_timeout(timeout_ms: u64) -> Result<Duration, FfiError> {
    if timeout_ms == 0 {
        return Err(alipay_marketing::Error::invalid_request(
            "timeout_ms",
            "must be greater than zero",
        )
        .into());
    }
    Ok(Duration::from_millis(timeout_ms))
}

/// Applies one field to a request object: the shared body of the setters.
///
/// # Safety
/// `request` is NULL or a live request of type `R`; `error_out` is NULL or writable.
unsafe fn set<R>(
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
unsafe fn text(value: *const c_char, name: &'static str) -> Result<String, FfiError> {
    // SAFETY: forwarded from this function's contract.
    unsafe { str_arg(value, name) }.map(str::to_owned)
}

// ---------------------------------------------------------------------------------------------------------------
// alipay.user.invite.award.receive
// ---------------------------------------------------------------------------------------------------------------

/// A request of `alipay.user.invite.award.receive`. Set `mobile` or `user_id` (`user_id` wins when both are set).
#[allow(non_camel_case_types)]
#[derive(Default)]
pub struct alipay_invite_award_request {
    pub(crate) inner: InviteAwardRequest,
    timeout: Option<Duration>,
}

impl alipay_invite_award_request {
    pub(crate) fn options(&self) -> CallOptions {
        call_options(self.timeout)
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

/// Sets this call's deadline in milliseconds instead of the client's (0 gives `ALIPAY_STATUS_INVALID_REQUEST`).
///
/// # Safety
/// `request` is NULL or a live request; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_invite_award_request_set_timeout_ms(
    request: *mut alipay_invite_award_request,
    timeout_ms: u64,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.timeout = Some(check_timeout(timeout_ms)?);
            Ok(())
        })
    }
}

// ---------------------------------------------------------------------------------------------------------------
// alipay.marketing.voucher.send
// ---------------------------------------------------------------------------------------------------------------

/// A request of `alipay.marketing.voucher.send`. Set `template_id`, `out_biz_no` and a recipient
/// (user_id > login_id > taobao_nick > open_id). `template_id` + `out_biz_no` is the idempotency key.
#[allow(non_camel_case_types)]
#[derive(Default)]
pub struct alipay_voucher_send_request {
    pub(crate) inner: VoucherSendRequest,
    timeout: Option<Duration>,
}

impl alipay_voucher_send_request {
    pub(crate) fn options(&self) -> CallOptions {
        call_options(self.timeout)
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

/// Sets this call's deadline in milliseconds instead of the client's (0 gives `ALIPAY_STATUS_INVALID_REQUEST`).
///
/// # Safety
/// `request` is NULL or a live request; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_send_request_set_timeout_ms(
    request: *mut alipay_voucher_send_request,
    timeout_ms: u64,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.timeout = Some(check_timeout(timeout_ms)?);
            Ok(())
        })
    }
}

// ---------------------------------------------------------------------------------------------------------------
// koubei.marketing.tool.points.update
// ---------------------------------------------------------------------------------------------------------------

/// A request of `koubei.marketing.tool.points.update`. Set `req_id` (the idempotency key), `user_id`,
/// `activity_account`, `trans_type`, `trans_amount`, and `biz_no` for DEPOSIT, COMMIT and CANCEL.
#[allow(non_camel_case_types)]
#[derive(Default)]
pub struct alipay_points_update_request {
    pub(crate) inner: PointsUpdateRequest,
    timeout: Option<Duration>,
}

impl alipay_points_update_request {
    pub(crate) fn options(&self) -> CallOptions {
        call_options(self.timeout)
    }
}

/// A new points-update request: trans type DEPOSIT, amount 0 (which fails validation until set). Returns NULL
/// only if memory is exhausted.
#[unsafe(no_mangle)]
pub extern "C" fn alipay_points_update_request_new() -> *mut alipay_points_update_request {
    guard_value(std::ptr::null_mut(), || {
        new_handle(alipay_points_update_request::default())
    })
}

/// Frees a points-update request. NULL is accepted and ignored.
///
/// # Safety
/// `request` is NULL or a request from `alipay_points_update_request_new` that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_update_request_free(
    request: *mut alipay_points_update_request,
) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(request) })
}

/// Sets your request id (required, at most 64 characters), the idempotency key.
///
/// # Safety
/// `request` is NULL or a live request; the string is NULL or NUL-terminated; `error_out` is NULL or points to
/// writable storage for an `alipay_error *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_update_request_set_req_id(
    request: *mut alipay_points_update_request,
    req_id: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.req_id = text(req_id, "req_id")?;
            Ok(())
        })
    }
}

/// Sets the Alipay user id (required, 16 digits starting with 2088).
///
/// # Safety
/// As for `alipay_points_update_request_set_req_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_update_request_set_user_id(
    request: *mut alipay_points_update_request,
    user_id: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.user_id = text(user_id, "user_id")?;
            Ok(())
        })
    }
}

/// Sets the stamp-card account of the activity (required, at most 64 characters).
///
/// # Safety
/// As for `alipay_points_update_request_set_req_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_update_request_set_activity_account(
    request: *mut alipay_points_update_request,
    activity_account: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.activity_account = text(activity_account, "activity_account")?;
            Ok(())
        })
    }
}

/// Sets what the update does: `"DEPOSIT"`, `"FREEZE"`, `"COMMIT"`, `"CANCEL"` or `"CONSUME"` (any case).
/// Any other value gives `ALIPAY_STATUS_INVALID_REQUEST` and leaves the request unchanged.
///
/// # Safety
/// As for `alipay_points_update_request_set_req_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_update_request_set_trans_type(
    request: *mut alipay_points_update_request,
    trans_type: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.trans_type = text(trans_type, "trans_type")?.parse::<TransType>()?;
            Ok(())
        })
    }
}

/// Sets the number of points to move: 1 to 2147483647 (checked when sent).
///
/// # Safety
/// `request` is NULL or a live request; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_update_request_set_trans_amount(
    request: *mut alipay_points_update_request,
    trans_amount: u64,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.trans_amount = trans_amount;
            Ok(())
        })
    }
}

/// Sets `biz_no`: the payment trade no (DEPOSIT) or the `point_log_no` of the freeze (COMMIT, CANCEL). Leave it
/// unset for FREEZE and CONSUME.
///
/// # Safety
/// As for `alipay_points_update_request_set_req_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_update_request_set_biz_no(
    request: *mut alipay_points_update_request,
    biz_no: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.biz_no = Some(text(biz_no, "biz_no")?);
            Ok(())
        })
    }
}

/// Sets the shop the points were earned in (DEPOSIT only, at most 64 characters).
///
/// # Safety
/// As for `alipay_points_update_request_set_req_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_update_request_set_shop_id(
    request: *mut alipay_points_update_request,
    shop_id: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.shop_id = Some(text(shop_id, "shop_id")?);
            Ok(())
        })
    }
}

/// Sets the memo (at most 256 characters).
///
/// # Safety
/// As for `alipay_points_update_request_set_req_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_update_request_set_memo(
    request: *mut alipay_points_update_request,
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

/// Sets the extension information (at most 2000 characters).
///
/// # Safety
/// As for `alipay_points_update_request_set_req_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_update_request_set_ext_info(
    request: *mut alipay_points_update_request,
    ext_info: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.inner.ext_info = Some(text(ext_info, "ext_info")?);
            Ok(())
        })
    }
}

/// Sets this call's deadline in milliseconds instead of the client's (0 gives `ALIPAY_STATUS_INVALID_REQUEST`).
///
/// # Safety
/// `request` is NULL or a live request; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_update_request_set_timeout_ms(
    request: *mut alipay_points_update_request,
    timeout_ms: u64,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(request, error_out, |r| {
            r.timeout = Some(check_timeout(timeout_ms)?);
            Ok(())
        })
    }
}
