//! `koubei.marketing.tool.points.update` in C: the request object, the result object and the call.
//!
//! `req_id` is the idempotency key; FREEZE answers the `point_log_no` that COMMIT or CANCEL take as `biz_no`.

use std::ffi::{CString, c_char};

use alipay_marketing::CallOptions;
use alipay_marketing::api::points::{PointsUpdateRequest, PointsUpdateResponse, TransType};

use crate::client::{alipay_client, block_on, client_arg};
use crate::error::{FfiError, alipay_error};
use crate::marshal::{field, set, text};
use crate::options::{alipay_call_options, call_options};
use crate::panic::{guard, guard_value};
use crate::pointers::{
    OutArg, c_string_exact, free_box, new_handle, ref_arg, ref_arg_or_none, str_ptr,
};
use crate::status::alipay_status;

/// A request of `koubei.marketing.tool.points.update`. Set `req_id` (the idempotency key), `user_id`,
/// `activity_account`, `trans_type`, `trans_amount`, and `biz_no` for DEPOSIT, COMMIT and CANCEL.
#[allow(non_camel_case_types)]
#[derive(Default)]
pub struct alipay_points_update_request {
    pub(crate) inner: PointsUpdateRequest,
}

impl alipay_points_update_request {
    pub(crate) fn options(&self, options: Option<&alipay_call_options>) -> CallOptions {
        call_options(options)
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

/// `koubei.marketing.tool.points.update`: deposits, freezes, commits, cancels or consumes stamp-card points.
/// `req_id` makes it idempotent.
///
/// Blocks until the answer arrives or the deadline passes. On success stores a new result in `*result_out` (free
/// it with `alipay_points_update_result_free`).
///
/// # Safety
/// As for `alipay_client_receive_invite_award`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_update_points(
    client: *const alipay_client,
    request: *const alipay_points_update_request,
    result_out: *mut *mut alipay_points_update_result,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        alipay_client_update_points_with_options(
            client,
            request,
            std::ptr::null(),
            result_out,
            error_out,
        )
    }
}

/// `alipay_client_update_points` with per-call options (see `alipay_call_options`); NULL `options` is the same as
/// `alipay_client_update_points`. The options' deadline (`alipay_call_options_set_timeout_ms`) replaces the client's
/// (`alipay_client_builder_set_timeout_ms`) for this call.
///
/// # Safety
/// As for `alipay_client_receive_invite_award`; `options` is NULL or live call options.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_update_points_with_options(
    client: *const alipay_client,
    request: *const alipay_points_update_request,
    options: *const alipay_call_options,
    result_out: *mut *mut alipay_points_update_result,
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
        let result = alipay_points_update_result::new(response)?;
        // SAFETY: `result_out` is writable per this function's contract.
        unsafe { out.write(result) };
        Ok(())
    })
}
