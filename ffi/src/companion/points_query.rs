//! `koubei.marketing.tool.points.query` in C: the balance object and the call.

use std::ffi::c_char;

use alipay_marketing::api::points_query::{PointsBalance, PointsQueryRequest};

use crate::client::alipay_client;
use crate::error::{FfiError, alipay_error};
use crate::marshal::{call, number};
use crate::options::alipay_call_options;
use crate::panic::guard_value;
use crate::pointers::{free_box, str_arg};
use crate::status::alipay_status;

/// The result of `alipay_client_query_points`: the points of one user on one stamp-card account.
#[allow(non_camel_case_types)]
pub struct alipay_points_balance {
    inner: PointsBalance,
}

impl alipay_points_balance {
    fn new(inner: PointsBalance) -> Result<Self, FfiError> {
        Ok(alipay_points_balance { inner })
    }
}

/// Points that can be frozen or consumed (0 for a NULL `result`).
///
/// # Safety
/// `result` is NULL or a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_balance_available_points(
    result: *const alipay_points_balance,
) -> u64 {
    // SAFETY: forwarded from this function's contract.
    unsafe { number(result, |r| r.inner.available_points) }
}

/// Points held by open freezes (the gateway's `freezed_points`; 0 for a NULL `result`).
///
/// # Safety
/// `result` is NULL or a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_balance_freezed_points(
    result: *const alipay_points_balance,
) -> u64 {
    // SAFETY: forwarded from this function's contract.
    unsafe { number(result, |r| r.inner.freezed_points) }
}

/// Accumulated points, as the gateway reports them (0 for a NULL `result`).
///
/// # Safety
/// `result` is NULL or a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_balance_total_points(
    result: *const alipay_points_balance,
) -> u64 {
    // SAFETY: forwarded from this function's contract.
    unsafe { number(result, |r| r.inner.total_points) }
}

/// Frees a points balance. NULL is accepted and ignored.
///
/// # Safety
/// `result` is NULL or a result from `alipay_client_query_points` that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_balance_free(result: *mut alipay_points_balance) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(result) })
}

/// `koubei.marketing.tool.points.query`: the available, frozen and accumulated points of `user_id` (16 digits
/// starting with 2088) on the stamp-card account `activity_account` (at most 64 characters). A read: retried
/// like a keyed call.
///
/// Blocks until the answer arrives or the deadline passes. On success stores a new result in `*result_out` (free
/// it with `alipay_points_balance_free`).
///
/// # Safety
/// `client` is NULL or a live client; the strings are NULL or NUL-terminated; `result_out` is NULL or writable;
/// `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_query_points(
    client: *const alipay_client,
    activity_account: *const c_char,
    user_id: *const c_char,
    result_out: *mut *mut alipay_points_balance,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        alipay_client_query_points_with_options(
            client,
            activity_account,
            user_id,
            std::ptr::null(),
            result_out,
            error_out,
        )
    }
}

/// `alipay_client_query_points` with per-call options (see `alipay_call_options`); NULL `options` is the same as
/// `alipay_client_query_points`.
///
/// # Safety
/// As for `alipay_client_query_points`; `options` is NULL or live call options.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_query_points_with_options(
    client: *const alipay_client,
    activity_account: *const c_char,
    user_id: *const c_char,
    options: *const alipay_call_options,
    result_out: *mut *mut alipay_points_balance,
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
                Ok(PointsQueryRequest::new(
                    str_arg(activity_account, "activity_account")?,
                    str_arg(user_id, "user_id")?,
                ))
            },
            alipay_points_balance::new,
        )
    }
}
