//! `alipay_call_options`: per-call overrides of the client's deadline, retry policy and merchant
//! (`app_auth_token`), accepted by the `_with_options` variant of every call — the one way to give a call its own
//! deadline, and the way one client serves many merchants.

use std::ffi::c_char;
use std::time::Duration;

use alipay_marketing::{CallOptions, RetryPolicy};
use zeroize::Zeroizing;

use crate::builder::connection::retry_policy;
use crate::error::FfiError;
use crate::error::alipay_error;
use crate::marshal::check_timeout;
use crate::panic::{guard, guard_value};
use crate::pointers::{free_box, mut_arg, new_handle, str_arg};
use crate::status::alipay_status;

/// Options for one call, overriding the client's: a deadline, a retry policy and the merchant's
/// `app_auth_token`. Create with `alipay_call_options_new`, set what you want to override, pass it to any
/// `_with_options` call (as many calls and threads as you like: calls only read it), free with
/// `alipay_call_options_free`. An option left unset keeps the client's setting.
///
/// Not synchronised: do not change it while a call that uses it is running.
#[allow(non_camel_case_types)]
#[derive(Clone, Default)]
pub struct alipay_call_options {
    timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    /// Zeroed when the options are freed or the token is replaced.
    app_auth_token: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for alipay_call_options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The core's Debug masks the token.
        call_options(Some(self)).fmt(f)
    }
}

/// The options of one call: what `options` sets (when given), the client's for the rest.
pub(crate) fn call_options(options: Option<&alipay_call_options>) -> CallOptions {
    let mut call = CallOptions::default();
    call.timeout = options.and_then(|o| o.timeout);
    call.retry = options.and_then(|o| o.retry);
    call.app_auth_token = options.and_then(|o| o.app_auth_token.as_deref().cloned());
    call
}

/// Applies one setting: the shared body of the setters.
///
/// # Safety
/// `options` is NULL or live call options; `error_out` is NULL or writable.
unsafe fn set(
    options: *mut alipay_call_options,
    error_out: *mut *mut alipay_error,
    apply: impl FnOnce(&mut alipay_call_options) -> Result<(), FfiError>,
) -> alipay_status {
    guard(error_out, || {
        // SAFETY: forwarded from this function's contract.
        let options = unsafe { mut_arg(options, "options") }?;
        apply(options)
    })
}

/// New, empty call options: every setting is the client's until set. Returns NULL only if memory is exhausted.
#[unsafe(no_mangle)]
pub extern "C" fn alipay_call_options_new() -> *mut alipay_call_options {
    guard_value(std::ptr::null_mut(), || {
        new_handle(alipay_call_options::default())
    })
}

/// Frees call options. NULL is accepted and ignored. Calls that used them are unaffected.
///
/// # Safety
/// `options` is NULL or options from `alipay_call_options_new` that have not been freed yet, and no call using them
/// is running.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_call_options_free(options: *mut alipay_call_options) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(options) })
}

/// Sets the deadline of the whole call in milliseconds (attempts, backoff waits and rate-limit waits included),
/// instead of the client's. The call returns by then, with `ALIPAY_STATUS_TIMEOUT` if no
/// answer arrived; each attempt is still bounded by the client's attempt timeout. 0 gives
/// `ALIPAY_STATUS_INVALID_REQUEST` and leaves the options unchanged.
///
/// # Safety
/// `options` is NULL or live call options; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_call_options_set_timeout_ms(
    options: *mut alipay_call_options,
    timeout_ms: u64,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(options, error_out, |o| {
            o.timeout = Some(check_timeout(timeout_ms)?);
            Ok(())
        })
    }
}

/// Sets the retry policy of the call, instead of the client's: as `alipay_client_builder_set_retry_policy`
/// (`max_attempts` 1 makes a single attempt). `max_attempts` 0 or `max_backoff_ms` below `base_backoff_ms` give
/// `ALIPAY_STATUS_CONFIG` and leave the options unchanged.
///
/// # Safety
/// `options` is NULL or live call options; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_call_options_set_retry_policy(
    options: *mut alipay_call_options,
    max_attempts: u32,
    base_backoff_ms: u64,
    max_backoff_ms: u64,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(options, error_out, |o| {
            o.retry = Some(retry_policy(
                max_attempts,
                Duration::from_millis(base_backoff_ms),
                Duration::from_millis(max_backoff_ms),
            )?);
            Ok(())
        })
    }
}

/// Makes the calls that use these options on behalf of the merchant whose `app_auth_token` this is (ISV mode),
/// instead of the client's token (`alipay_client_builder_set_app_auth_token`): one client, one connection pool,
/// any number of merchants. It is sent and signed as the client's token is; with a rate limit, each merchant has
/// its own bucket. A token with a control character or leading or trailing whitespace gives
/// `ALIPAY_STATUS_INVALID_REQUEST` (field `app_auth_token`) and leaves the options unchanged; NULL or a blank
/// token removes the per-call token (the client's applies again). The copy is zeroed when the options are freed.
///
/// # Safety
/// `options` is NULL or live call options; `app_auth_token` is NULL or a NUL-terminated string; `error_out` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_call_options_set_app_auth_token(
    options: *mut alipay_call_options,
    app_auth_token: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(options, error_out, |o| {
            if app_auth_token.is_null() {
                o.app_auth_token = None;
                return Ok(());
            }
            // SAFETY: non-NULL, NUL-terminated per this function's contract.
            let token = Zeroizing::new(str_arg(app_auth_token, "app_auth_token")?.to_owned());
            // The core's rule, checked now rather than at each call.
            CallOptions::default()
                .app_auth_token(token.as_str())
                .validate()?;
            o.app_auth_token = (!token.trim().is_empty()).then_some(token);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_options_override_the_client_only_for_what_they_set() {
        let none = call_options(None);
        assert_eq!(none.timeout, None);
        assert_eq!(none.retry, None);

        let mut options = alipay_call_options::default();
        assert_eq!(call_options(Some(&options)).timeout, None);
        options.timeout = Some(Duration::from_millis(300));
        options.retry = Some(RetryPolicy::none());
        let call = call_options(Some(&options));
        assert_eq!(call.timeout, Some(Duration::from_millis(300)));
        assert_eq!(call.retry, Some(RetryPolicy::none()));
    }

    #[test]
    fn setters_refuse_impossible_values_and_leave_the_options_unchanged() {
        let options = alipay_call_options_new();
        unsafe {
            assert_eq!(
                alipay_call_options_set_timeout_ms(options, 0, std::ptr::null_mut()),
                alipay_status::InvalidRequest
            );
            assert_eq!(
                alipay_call_options_set_retry_policy(options, 0, 10, 20, std::ptr::null_mut()),
                alipay_status::Config
            );
            assert_eq!(
                alipay_call_options_set_retry_policy(options, 2, 50, 10, std::ptr::null_mut()),
                alipay_status::Config
            );
            assert_eq!((*options).timeout, None);
            assert_eq!((*options).retry, None);
            assert_eq!(
                alipay_call_options_set_retry_policy(options, 4, 10, 20, std::ptr::null_mut()),
                alipay_status::Ok
            );
            assert_eq!((*options).retry.map(|r| r.attempts()), Some(4));
            alipay_call_options_free(options);
            alipay_call_options_free(std::ptr::null_mut());
        }
    }

    #[test]
    fn the_token_is_checked_by_the_core_rule_and_never_shown() {
        let options = alipay_call_options_new();
        let token = c"202405BBmerchantA00000001";
        unsafe {
            assert_eq!(
                alipay_call_options_set_app_auth_token(
                    options,
                    token.as_ptr(),
                    std::ptr::null_mut()
                ),
                alipay_status::Ok
            );
            let call = call_options(Some(&*options));
            assert_eq!(
                call.app_auth_token.as_deref(),
                Some("202405BBmerchantA00000001")
            );
            let shown = format!("{:?}", *options);
            assert!(!shown.contains("merchantA"), "{shown}");
            for bad in [c"2024\nmerchant", c" 202405BBmerchant"] {
                let mut error = std::ptr::null_mut();
                assert_eq!(
                    alipay_call_options_set_app_auth_token(options, bad.as_ptr(), &mut error),
                    alipay_status::InvalidRequest
                );
                let field = std::ffi::CStr::from_ptr(crate::error::alipay_error_field(error));
                assert_eq!(field.to_str(), Ok("app_auth_token"));
                crate::error::alipay_error_free(error);
            }
            // Unchanged by the refused ones.
            assert_eq!(
                call_options(Some(&*options)).app_auth_token.as_deref(),
                Some("202405BBmerchantA00000001")
            );
            for clear in [c"  ".as_ptr(), std::ptr::null()] {
                alipay_call_options_set_app_auth_token(
                    options,
                    token.as_ptr(),
                    std::ptr::null_mut(),
                );
                assert_eq!(
                    alipay_call_options_set_app_auth_token(options, clear, std::ptr::null_mut()),
                    alipay_status::Ok
                );
                assert_eq!(call_options(Some(&*options)).app_auth_token, None);
            }
            alipay_call_options_free(options);
        }
    }
}
