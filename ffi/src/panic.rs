//! The panic guards: every export runs its body through one of these two functions, so no panic unwinds into C.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::{FfiError, alipay_error, write_error};
use crate::status::alipay_status;

/// Runs a fallible export body. On success returns `ALIPAY_STATUS_OK`; on failure (or a caught panic) returns the
/// error's status and, when `error_out` is not NULL, stores a new `alipay_error` there for the caller to free.
///
/// The body writes its outputs itself, last, and only once everything that can fail has succeeded.
pub(crate) fn guard(
    error_out: *mut *mut alipay_error,
    body: impl FnOnce() -> Result<(), FfiError>,
) -> alipay_status {
    let outcome = catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(FfiError::from_panic(payload)));
    match outcome {
        Ok(()) => alipay_status::Ok,
        Err(error) => {
            let status = error.status();
            // Building the error object allocates; keep a panic there from crossing the boundary too.
            let _ = catch_unwind(AssertUnwindSafe(|| write_error(error_out, error)));
            status
        }
    }
}

/// Runs an infallible export (an accessor, a `_new`, a `_free`), answering `fallback` if it panics.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{alipay_error_free, alipay_error_message, alipay_error_status};
    use std::ffi::CStr;

    #[test]
    fn a_panic_becomes_the_panic_status_and_an_error_object() {
        let mut error: *mut alipay_error = std::ptr::null_mut();
        let status = guard(&mut error, || panic!("boom in the body"));
        assert_eq!(status, alipay_status::Panic);
        assert!(!error.is_null());
        unsafe {
            assert_eq!(alipay_error_status(error), alipay_status::Panic);
            let message = CStr::from_ptr(alipay_error_message(error))
                .to_str()
                .unwrap();
            assert!(message.contains("boom in the body"), "{message}");
            alipay_error_free(error);
        }
    }

    #[test]
    fn a_panic_without_error_out_still_returns_a_status() {
        assert_eq!(
            guard(std::ptr::null_mut(), || panic!("no error_out")),
            alipay_status::Panic
        );
    }

    #[test]
    fn success_leaves_error_out_untouched() {
        let sentinel = 0x10 as *mut alipay_error;
        let mut error = sentinel;
        assert_eq!(guard(&mut error, || Ok(())), alipay_status::Ok);
        assert_eq!(error, sentinel);
    }

    #[test]
    fn guard_value_answers_the_fallback_on_panic() {
        assert_eq!(guard_value(7, || -> i32 { panic!("accessor bug") }), 7);
        assert_eq!(guard_value(7, || 8), 8);
    }
}
