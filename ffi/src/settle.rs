//! Settling an unknown outcome in C: after a voucher send, points update or invite award failed with
//! `alipay_error_outcome_unknown`, learn whether it took effect — without ever applying it twice. The core decides
//! (it resends the identical request with the same idempotency key and, for vouchers, cross-checks with
//! `alipay.marketing.voucher.list.query`); this module converts its `Settlement` into one settlement object per
//! call.

use std::ffi::{c_char, c_uint};

use alipay_marketing::{Client, Error, Settlement, blocking};

use crate::client::{alipay_client, client_arg};
use crate::error::{FfiError, alipay_error};
use crate::invite::{alipay_invite_award_request, alipay_invite_award_result};
use crate::options::{alipay_call_options, call_options};
use crate::panic::{guard, guard_value};
use crate::pointers::{OutArg, free_box, ref_arg, ref_arg_or_none};
use crate::points::{alipay_points_update_request, alipay_points_update_result};
use crate::status::alipay_status;
use crate::voucher::{alipay_voucher_send_request, alipay_voucher_send_result};

/// What settling found.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum alipay_settlement_status {
    /// Applied, exactly once: the settlement's result is the operation's (the original one when the first call took
    /// effect — the same `voucher_id` / `point_log_no`). Certain.
    Sent = 1,
    /// Not applied, and this request will not be: the settlement's error is the definite refusal (a field rule, or
    /// the gateway's business refusal such as `TEMPLATE_EXPIRED`). Certain under the gateway's idempotency.
    NotSent = 2,
    /// Nothing certain was learned; the settlement's error says why. Settle again later with the same request.
    StillUnknown = 3,
}

impl alipay_settlement_status {
    /// The constant's name as written in the header.
    fn name(self) -> &'static std::ffi::CStr {
        match self {
            alipay_settlement_status::Sent => c"ALIPAY_SETTLEMENT_STATUS_SENT",
            alipay_settlement_status::NotSent => c"ALIPAY_SETTLEMENT_STATUS_NOT_SENT",
            alipay_settlement_status::StillUnknown => c"ALIPAY_SETTLEMENT_STATUS_STILL_UNKNOWN",
        }
    }
}

/// The name of a settlement status constant, e.g. `"ALIPAY_SETTLEMENT_STATUS_SENT"`, or NULL for a value this
/// version does not define. Static storage; never free it. Takes an `unsigned int` so that any value is safe.
#[unsafe(no_mangle)]
pub extern "C" fn alipay_settlement_status_name(status: c_uint) -> *const c_char {
    guard_value(std::ptr::null(), || {
        [
            alipay_settlement_status::Sent,
            alipay_settlement_status::NotSent,
            alipay_settlement_status::StillUnknown,
        ]
        .into_iter()
        .find(|s| *s as c_uint == status)
        .map_or(std::ptr::null(), |s| s.name().as_ptr())
    })
}

/// The body every settlement object shares: the status, and the result (sent) or the error (otherwise).
struct Settled<R> {
    status: alipay_settlement_status,
    result: Option<R>,
    error: Option<alipay_error>,
}

impl<R> Settled<R> {
    fn new<T>(
        settlement: Settlement<T>,
        convert: impl FnOnce(T) -> Result<R, FfiError>,
    ) -> Result<Self, FfiError> {
        let failed = |status, e: Error| Settled {
            status,
            result: None,
            error: Some(alipay_error::new(FfiError::Core(e))),
        };
        Ok(match settlement {
            Settlement::Sent(result) => Settled {
                status: alipay_settlement_status::Sent,
                result: Some(convert(result)?),
                error: None,
            },
            Settlement::NotSent(e) => failed(alipay_settlement_status::NotSent, e),
            Settlement::StillUnknown(e) => failed(alipay_settlement_status::StillUnknown, e),
        })
    }

    /// The status; `STILL_UNKNOWN` for a missing settlement (nothing is certain about it).
    fn status_of(settlement: Option<&Self>) -> alipay_settlement_status {
        guard_value(alipay_settlement_status::StillUnknown, || {
            settlement.map_or(alipay_settlement_status::StillUnknown, |s| s.status)
        })
    }

    /// The result, borrowed; NULL unless sent.
    fn result_of(settlement: Option<&Self>) -> *const R {
        guard_value(std::ptr::null(), || {
            settlement
                .and_then(|s| s.result.as_ref())
                .map_or(std::ptr::null(), |r| r as *const R)
        })
    }

    /// The error, borrowed; NULL when sent.
    fn error_of(settlement: Option<&Self>) -> *const alipay_error {
        guard_value(std::ptr::null(), || {
            settlement
                .and_then(|s| s.error.as_ref())
                .map_or(std::ptr::null(), |e| e as *const alipay_error)
        })
    }
}

/// The core's error behind `previous`: the error the call to settle returned. An error object made by a check of
/// the C contract (a NULL argument…) carries no core error, and so nothing the settlement could use; it settles as
/// the request alone.
///
/// # Safety
/// `previous` is NULL or a live `alipay_error`.
unsafe fn core_error_of<'a>(previous: *const alipay_error) -> Result<Option<&'a Error>, FfiError> {
    // SAFETY: forwarded from this function's contract.
    Ok(unsafe { ref_arg(previous, "previous_error") }?.core())
}

/// Runs a settlement of the core and hands the settlement object to C: the shared body of the settle calls.
/// `settle` checks its own arguments and returns the core's settlement future.
///
/// # Safety
/// `client` is NULL or a live client; `settlement_out` and `error_out` are NULL or writable.
unsafe fn run<T, R, S, F>(
    client: *const alipay_client,
    settlement_out: *mut *mut S,
    error_out: *mut *mut alipay_error,
    settle: impl FnOnce(Client) -> Result<F, FfiError>,
    convert: impl FnOnce(T) -> Result<R, FfiError>,
    wrap: impl FnOnce(Settled<R>) -> S,
) -> alipay_status
where
    F: Future<Output = Settlement<T>>,
{
    guard(error_out, || {
        // SAFETY: forwarded from this function's contract.
        let client = unsafe { client_arg(client)? };
        let out = OutArg::new(settlement_out, "settlement_out")?;
        let settlement = blocking::block_on(settle(client)?)?;
        let settled = Settled::new(settlement, convert)?;
        // SAFETY: `settlement_out` is writable per this function's contract.
        unsafe { out.write(wrap(settled)) };
        Ok(())
    })
}

/// The answer of `alipay_client_settle_voucher` / `_after`: a status, and the result (`SENT`) or the error
/// (`NOT_SENT`, `STILL_UNKNOWN`). Free it with `alipay_voucher_settlement_free`; the result and error it lends are
/// freed with it.
#[allow(non_camel_case_types)]
pub struct alipay_voucher_settlement {
    inner: Settled<alipay_voucher_send_result>,
}

/// What settling found: `ALIPAY_SETTLEMENT_STATUS_SENT`, `_NOT_SENT` or `_STILL_UNKNOWN` (also for a NULL
/// `settlement`: nothing is certain about it).
///
/// # Safety
/// `settlement` is NULL or a live settlement.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_settlement_status(
    settlement: *const alipay_voucher_settlement,
) -> alipay_settlement_status {
    // SAFETY: forwarded from this function's contract.
    Settled::status_of(unsafe { ref_arg_or_none(settlement) }.map(|s| &s.inner))
}

/// The result when `SENT` (read it with the `alipay_voucher_send_result_*` accessors; do not free it: it belongs to
/// the settlement), otherwise NULL.
///
/// # Safety
/// `settlement` is NULL or a live settlement. The result is valid until the settlement is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_settlement_result(
    settlement: *const alipay_voucher_settlement,
) -> *const alipay_voucher_send_result {
    // SAFETY: forwarded from this function's contract.
    Settled::result_of(unsafe { ref_arg_or_none(settlement) }.map(|s| &s.inner))
}

/// The error when `NOT_SENT` (the refusal) or `STILL_UNKNOWN` (why nothing is certain), otherwise NULL. Read it
/// with the `alipay_error_*` accessors; do not free it: it belongs to the settlement. It can be passed to
/// `alipay_client_settle_voucher_after` to settle again.
///
/// # Safety
/// `settlement` is NULL or a live settlement. The error is valid until the settlement is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_settlement_error(
    settlement: *const alipay_voucher_settlement,
) -> *const alipay_error {
    // SAFETY: forwarded from this function's contract.
    Settled::error_of(unsafe { ref_arg_or_none(settlement) }.map(|s| &s.inner))
}

/// Frees a settlement, with the result or error it holds. NULL is accepted and ignored.
///
/// # Safety
/// `settlement` is NULL or a settlement from `alipay_client_settle_voucher` or `_after` that has not been freed
/// yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_voucher_settlement_free(
    settlement: *mut alipay_voucher_settlement,
) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(settlement) })
}

/// Settles a voucher send whose outcome is unknown: resends the identical `request` with its `out_biz_no` (the
/// gateway's idempotency answers a key it applied with the original result, and applies a key it has not seen
/// once), so it never applies the operation twice. Uses the client's deadline and retry policy. For a send whose
/// recipient is a `user_id` or `open_id`, a gateway refusal is cross-checked with
/// `alipay.marketing.voucher.list.query`: `NOT_SENT` only when the user holds no voucher of the template.
///
/// On success (`ALIPAY_STATUS_OK`: the settlement was made, whatever it found) stores a new settlement in
/// `*settlement_out` (free it with `alipay_voucher_settlement_free`); read what it found with
/// `alipay_voucher_settlement_status`. A non-OK status is a broken C contract (a NULL argument) or an internal
/// error, and nothing was sent.
///
/// # Safety
/// `client` and `request` are NULL or live handles; `settlement_out` is NULL or writable; `error_out` is NULL or
/// writable. `request` is only read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_settle_voucher(
    client: *const alipay_client,
    request: *const alipay_voucher_send_request,
    settlement_out: *mut *mut alipay_voucher_settlement,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        settle_voucher(
            client,
            request,
            None,
            std::ptr::null(),
            settlement_out,
            error_out,
        )
    }
}

/// `alipay_client_settle_voucher` for the error the voucher send returned (`previous_error`, which stays yours; a
/// settlement's own error works too): refuses an error of another request (a different `out_biz_no`) with
/// `STILL_UNKNOWN` and an error naming `out_biz_no`.
///
/// # Safety
/// As for `alipay_client_settle_voucher`; `previous_error` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_settle_voucher_after(
    client: *const alipay_client,
    request: *const alipay_voucher_send_request,
    previous_error: *const alipay_error,
    settlement_out: *mut *mut alipay_voucher_settlement,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        settle_voucher(
            client,
            request,
            Some(previous_error),
            std::ptr::null(),
            settlement_out,
            error_out,
        )
    }
}

/// The answer of `alipay_client_settle_points` / `_after`: a status, and the result (`SENT`) or the error
/// (`NOT_SENT`, `STILL_UNKNOWN`). Free it with `alipay_points_settlement_free`; the result and error it lends are
/// freed with it.
#[allow(non_camel_case_types)]
pub struct alipay_points_settlement {
    inner: Settled<alipay_points_update_result>,
}

/// What settling found: `ALIPAY_SETTLEMENT_STATUS_SENT`, `_NOT_SENT` or `_STILL_UNKNOWN` (also for a NULL
/// `settlement`: nothing is certain about it).
///
/// # Safety
/// `settlement` is NULL or a live settlement.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_settlement_status(
    settlement: *const alipay_points_settlement,
) -> alipay_settlement_status {
    // SAFETY: forwarded from this function's contract.
    Settled::status_of(unsafe { ref_arg_or_none(settlement) }.map(|s| &s.inner))
}

/// The result when `SENT` (read it with the `alipay_points_update_result_*` accessors; do not free it: it belongs
/// to the settlement), otherwise NULL.
///
/// # Safety
/// `settlement` is NULL or a live settlement. The result is valid until the settlement is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_settlement_result(
    settlement: *const alipay_points_settlement,
) -> *const alipay_points_update_result {
    // SAFETY: forwarded from this function's contract.
    Settled::result_of(unsafe { ref_arg_or_none(settlement) }.map(|s| &s.inner))
}

/// The error when `NOT_SENT` (the refusal) or `STILL_UNKNOWN` (why nothing is certain), otherwise NULL. Read it
/// with the `alipay_error_*` accessors; do not free it: it belongs to the settlement. It can be passed to
/// `alipay_client_settle_points_after` to settle again.
///
/// # Safety
/// `settlement` is NULL or a live settlement. The error is valid until the settlement is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_settlement_error(
    settlement: *const alipay_points_settlement,
) -> *const alipay_error {
    // SAFETY: forwarded from this function's contract.
    Settled::error_of(unsafe { ref_arg_or_none(settlement) }.map(|s| &s.inner))
}

/// Frees a settlement, with the result or error it holds. NULL is accepted and ignored.
///
/// # Safety
/// `settlement` is NULL or a settlement from `alipay_client_settle_points` or `_after` that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_points_settlement_free(settlement: *mut alipay_points_settlement) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(settlement) })
}

/// Settles a points update whose outcome is unknown: resends the identical `request` with its `req_id` (the
/// gateway's idempotency answers a key it applied with the original result, and applies a key it has not seen
/// once), so it never applies the operation twice. Uses the client's deadline and retry policy.
///
/// On success (`ALIPAY_STATUS_OK`: the settlement was made, whatever it found) stores a new settlement in
/// `*settlement_out` (free it with `alipay_points_settlement_free`); read what it found with
/// `alipay_points_settlement_status`. A non-OK status is a broken C contract (a NULL argument) or an internal
/// error, and nothing was sent.
///
/// # Safety
/// `client` and `request` are NULL or live handles; `settlement_out` is NULL or writable; `error_out` is NULL or
/// writable. `request` is only read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_settle_points(
    client: *const alipay_client,
    request: *const alipay_points_update_request,
    settlement_out: *mut *mut alipay_points_settlement,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        settle_points(
            client,
            request,
            None,
            std::ptr::null(),
            settlement_out,
            error_out,
        )
    }
}

/// `alipay_client_settle_points` for the error the points update returned (`previous_error`, which stays yours; a
/// settlement's own error works too): refuses an error of another request (a different `req_id`) with
/// `STILL_UNKNOWN` and an error naming `req_id`.
///
/// # Safety
/// As for `alipay_client_settle_points`; `previous_error` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_settle_points_after(
    client: *const alipay_client,
    request: *const alipay_points_update_request,
    previous_error: *const alipay_error,
    settlement_out: *mut *mut alipay_points_settlement,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        settle_points(
            client,
            request,
            Some(previous_error),
            std::ptr::null(),
            settlement_out,
            error_out,
        )
    }
}

/// The answer of `alipay_client_settle_invite` / `_after`: a status, and the result (`SENT`) or the error
/// (`NOT_SENT`, `STILL_UNKNOWN`). Free it with `alipay_invite_settlement_free`; the result and error it lends are
/// freed with it.
#[allow(non_camel_case_types)]
pub struct alipay_invite_settlement {
    inner: Settled<alipay_invite_award_result>,
}

/// What settling found: `ALIPAY_SETTLEMENT_STATUS_SENT`, `_NOT_SENT` or `_STILL_UNKNOWN` (also for a NULL
/// `settlement`: nothing is certain about it).
///
/// # Safety
/// `settlement` is NULL or a live settlement.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_invite_settlement_status(
    settlement: *const alipay_invite_settlement,
) -> alipay_settlement_status {
    // SAFETY: forwarded from this function's contract.
    Settled::status_of(unsafe { ref_arg_or_none(settlement) }.map(|s| &s.inner))
}

/// The result when `SENT` (read it with the `alipay_invite_award_result_*` accessors; do not free it: it belongs to
/// the settlement), otherwise NULL.
///
/// # Safety
/// `settlement` is NULL or a live settlement. The result is valid until the settlement is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_invite_settlement_result(
    settlement: *const alipay_invite_settlement,
) -> *const alipay_invite_award_result {
    // SAFETY: forwarded from this function's contract.
    Settled::result_of(unsafe { ref_arg_or_none(settlement) }.map(|s| &s.inner))
}

/// The error when `NOT_SENT` (the refusal) or `STILL_UNKNOWN` (why nothing is certain), otherwise NULL. Read it
/// with the `alipay_error_*` accessors; do not free it: it belongs to the settlement. It can be passed to
/// `alipay_client_settle_invite_after` to settle again.
///
/// # Safety
/// `settlement` is NULL or a live settlement. The error is valid until the settlement is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_invite_settlement_error(
    settlement: *const alipay_invite_settlement,
) -> *const alipay_error {
    // SAFETY: forwarded from this function's contract.
    Settled::error_of(unsafe { ref_arg_or_none(settlement) }.map(|s| &s.inner))
}

/// Frees a settlement, with the result or error it holds. NULL is accepted and ignored.
///
/// # Safety
/// `settlement` is NULL or a settlement from `alipay_client_settle_invite` or `_after` that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_invite_settlement_free(settlement: *mut alipay_invite_settlement) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(settlement) })
}

/// Settles a invite award whose outcome is unknown: resends the identical `request` with its `out_biz_no` (the
/// gateway's idempotency answers a key it applied with the original result, and applies a key it has not seen
/// once), so it never applies the operation twice. Uses the client's deadline and retry policy. The request must
/// carry the `out_biz_no` the original call used; without one the answer is `STILL_UNKNOWN` with an
/// `ALIPAY_STATUS_INVALID_REQUEST` error naming `out_biz_no` (use `alipay_client_settle_invite_after` when the
/// library generated the key).
///
/// On success (`ALIPAY_STATUS_OK`: the settlement was made, whatever it found) stores a new settlement in
/// `*settlement_out` (free it with `alipay_invite_settlement_free`); read what it found with
/// `alipay_invite_settlement_status`. A non-OK status is a broken C contract (a NULL argument) or an internal
/// error, and nothing was sent.
///
/// # Safety
/// `client` and `request` are NULL or live handles; `settlement_out` is NULL or writable; `error_out` is NULL or
/// writable. `request` is only read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_settle_invite(
    client: *const alipay_client,
    request: *const alipay_invite_award_request,
    settlement_out: *mut *mut alipay_invite_settlement,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        settle_invite(
            client,
            request,
            None,
            std::ptr::null(),
            settlement_out,
            error_out,
        )
    }
}

/// `alipay_client_settle_invite` for the error the invite award returned (`previous_error`, which stays yours; a
/// settlement's own error works too): refuses an error of another request (a different `out_biz_no`) with
/// `STILL_UNKNOWN` and an error naming `out_biz_no`. When the request had no `out_biz_no`, the key the library
/// generated for it is taken from the error.
///
/// # Safety
/// As for `alipay_client_settle_invite`; `previous_error` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_settle_invite_after(
    client: *const alipay_client,
    request: *const alipay_invite_award_request,
    previous_error: *const alipay_error,
    settlement_out: *mut *mut alipay_invite_settlement,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        settle_invite(
            client,
            request,
            Some(previous_error),
            std::ptr::null(),
            settlement_out,
            error_out,
        )
    }
}

/// `alipay_client_settle_voucher_after` with per-call options (see `alipay_call_options`): above all the
/// `app_auth_token` of the original call, so that a call made for a merchant is settled for that merchant (the resend and the voucher cross-check carry its token).
/// `options` may be NULL (the client's settings); `previous_error` is the error the call returned (NULL is refused
/// with `ALIPAY_STATUS_NULL_ARGUMENT`, as by `_after`).
///
/// # Safety
/// As for `alipay_client_settle_voucher_after`; `options` is NULL or live call options.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_settle_voucher_with_options(
    client: *const alipay_client,
    request: *const alipay_voucher_send_request,
    previous_error: *const alipay_error,
    options: *const alipay_call_options,
    settlement_out: *mut *mut alipay_voucher_settlement,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        settle_voucher(
            client,
            request,
            Some(previous_error),
            options,
            settlement_out,
            error_out,
        )
    }
}

/// `alipay_client_settle_points_after` with per-call options (see `alipay_call_options`): above all the
/// `app_auth_token` of the original call, so that a call made for a merchant is settled for that merchant.
/// `options` may be NULL (the client's settings); `previous_error` is the error the call returned (NULL is refused
/// with `ALIPAY_STATUS_NULL_ARGUMENT`, as by `_after`).
///
/// # Safety
/// As for `alipay_client_settle_points_after`; `options` is NULL or live call options.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_settle_points_with_options(
    client: *const alipay_client,
    request: *const alipay_points_update_request,
    previous_error: *const alipay_error,
    options: *const alipay_call_options,
    settlement_out: *mut *mut alipay_points_settlement,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        settle_points(
            client,
            request,
            Some(previous_error),
            options,
            settlement_out,
            error_out,
        )
    }
}

/// `alipay_client_settle_invite_after` with per-call options (see `alipay_call_options`): above all the
/// `app_auth_token` of the original call, so that a call made for a merchant is settled for that merchant.
/// `options` may be NULL (the client's settings); `previous_error` is the error the call returned (NULL is refused
/// with `ALIPAY_STATUS_NULL_ARGUMENT`, as by `_after`).
///
/// # Safety
/// As for `alipay_client_settle_invite_after`; `options` is NULL or live call options.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_settle_invite_with_options(
    client: *const alipay_client,
    request: *const alipay_invite_award_request,
    previous_error: *const alipay_error,
    options: *const alipay_call_options,
    settlement_out: *mut *mut alipay_invite_settlement,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        settle_invite(
            client,
            request,
            Some(previous_error),
            options,
            settlement_out,
            error_out,
        )
    }
}

/// Generates the body the three forms of one settle call share (`settle_voucher` for the three
/// `alipay_client_settle_voucher` forms, …): `previous` is `None` for the plain form and the (required)
/// `previous_error` of the `_after` and `_with_options` forms; NULL `options` are the client's settings.
macro_rules! settle_body {
    ($name:ident($request:ty) -> $settlement:ident { $result:ident, $plain:ident, $after:ident }) => {
        /// # Safety
        /// As for the `_with_options` form of this settle call.
        unsafe fn $name(
            client: *const alipay_client,
            request: *const $request,
            previous: Option<*const alipay_error>,
            options: *const alipay_call_options,
            settlement_out: *mut *mut $settlement,
            error_out: *mut *mut alipay_error,
        ) -> alipay_status {
            // SAFETY: forwarded from this function's contract.
            unsafe {
                run(
                    client,
                    settlement_out,
                    error_out,
                    |client| {
                        let request = ref_arg(request, "request")?;
                        let previous = match previous {
                            Some(error) => core_error_of(error)?,
                            None => None,
                        };
                        let options = call_options(ref_arg_or_none(options));
                        Ok(async move {
                            match previous {
                                Some(e) => client.$after(&request.inner, e, &options).await,
                                None => client.$plain(&request.inner, &options).await,
                            }
                        })
                    },
                    $result::new,
                    |inner| $settlement { inner },
                )
            }
        }
    };
}

settle_body!(settle_voucher(alipay_voucher_send_request) -> alipay_voucher_settlement {
    alipay_voucher_send_result, settle_voucher_with, settle_voucher_after_with
});
settle_body!(settle_points(alipay_points_update_request) -> alipay_points_settlement {
    alipay_points_update_result, settle_points_with, settle_points_after_with
});
settle_body!(settle_invite(alipay_invite_award_request) -> alipay_invite_settlement {
    alipay_invite_award_result, settle_invite_with, settle_invite_after_with
});

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn status_numbers_and_names_are_published() {
        for (status, number, name) in [
            (
                alipay_settlement_status::Sent,
                1,
                c"ALIPAY_SETTLEMENT_STATUS_SENT",
            ),
            (
                alipay_settlement_status::NotSent,
                2,
                c"ALIPAY_SETTLEMENT_STATUS_NOT_SENT",
            ),
            (
                alipay_settlement_status::StillUnknown,
                3,
                c"ALIPAY_SETTLEMENT_STATUS_STILL_UNKNOWN",
            ),
        ] {
            assert_eq!(status as u32, number);
            let named = unsafe { CStr::from_ptr(alipay_settlement_status_name(number)) };
            assert_eq!(named, name);
        }
        assert!(alipay_settlement_status_name(0).is_null());
        assert!(alipay_settlement_status_name(4).is_null());
    }

    #[test]
    fn a_settlement_keeps_the_core_error_so_it_can_be_settled_again() {
        let refusal = Error::invalid_request("out_biz_no", "is not set");
        let settled = Settled::<u32>::new(Settlement::<u32>::StillUnknown(refusal), Ok).unwrap();
        assert_eq!(
            Settled::status_of(Some(&settled)),
            alipay_settlement_status::StillUnknown
        );
        assert!(Settled::result_of(Some(&settled)).is_null());
        let error = Settled::error_of(Some(&settled));
        let core = unsafe { core_error_of(error) }
            .unwrap()
            .expect("the core's error");
        assert_eq!(core.field(), Some("out_biz_no"));

        let sent = Settled::<u32>::new(Settlement::Sent(7), |v| Ok(v + 1)).unwrap();
        assert_eq!(
            Settled::status_of(Some(&sent)),
            alipay_settlement_status::Sent
        );
        assert_eq!(unsafe { *Settled::result_of(Some(&sent)) }, 8);
        assert!(Settled::error_of(Some(&sent)).is_null());
        assert_eq!(
            Settled::<u32>::status_of(None),
            alipay_settlement_status::StillUnknown
        );
    }

    #[test]
    fn an_error_object_from_a_contract_check_carries_no_core_error() {
        let error = alipay_error::new(FfiError::NullArgument("request"));
        assert!(unsafe { core_error_of(&error) }.unwrap().is_none());
        let missing = unsafe { core_error_of(std::ptr::null()) }.unwrap_err();
        assert_eq!(missing.status(), alipay_status::NullArgument);
    }
}
