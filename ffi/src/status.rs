//! `alipay_status`: the code every fallible call returns, and the one mapping from the core's `ErrorKind`.

use std::ffi::{c_char, c_uint};

use alipay_marketing::ErrorKind;

use crate::panic::guard_value;

/// The result of every fallible call. `ALIPAY_STATUS_OK` is 0; every other value is a failure.
///
/// Values are grouped by how far the call got and are never reused: a value removed in a later version stays
/// unassigned. New values may be added, so a `switch` over this type needs a `default:` branch.
///
/// - 100–199: the caller broke the C contract (NULL, bad UTF-8); nothing was done.
/// - 200–299: configuration (`alipay_client_builder_build`).
/// - 300–399: a request field breaks a documented rule; nothing was sent.
/// - 400–499: no usable answer (connect/IO failure, deadline); the outcome may be unknown.
/// - 500–599: an answer that is not a valid, signed gateway response.
/// - 600–699: the gateway answered an error code.
/// - 900–999: a bug in this library.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum alipay_status {
    /// Success; outputs were written.
    Ok = 0,
    /// A required pointer argument was NULL. The error message names the argument.
    NullArgument = 100,
    /// A string argument was not valid UTF-8. The error message names the argument.
    InvalidUtf8 = 101,
    /// A bad key, certificate, URL or option, caught when the client was built.
    Config = 200,
    /// A request field breaks a documented rule; nothing was sent. `alipay_error_field` names the field.
    InvalidRequest = 300,
    /// Connect, TLS or I/O failure. `alipay_error_request_may_have_been_sent` tells whether it may have taken
    /// effect; retrying with the same idempotency key is safe.
    Transport = 400,
    /// The call outlived its deadline; the outcome is unknown. Retry with the same idempotency key.
    Timeout = 401,
    /// A non-200 HTTP status or a body that is not JSON (e.g. a proxy's error page).
    Http = 500,
    /// A JSON body that is not a valid gateway envelope.
    Decode = 501,
    /// The response signature is missing or does not verify. Treat it as an attack.
    Signature = 502,
    /// The gateway answered an error code; see `alipay_error_gateway_code` and `alipay_error_sub_code`.
    Gateway = 600,
    /// A Rust panic was caught at the boundary. Please report it; the handle it happened on is still valid.
    Panic = 900,
    /// An error kind this version of the C face does not know yet (a newer core).
    Unknown = 901,
}

/// Every status, in declaration order.
const STATUSES: [alipay_status; 13] = [
    alipay_status::Ok,
    alipay_status::NullArgument,
    alipay_status::InvalidUtf8,
    alipay_status::Config,
    alipay_status::InvalidRequest,
    alipay_status::Transport,
    alipay_status::Timeout,
    alipay_status::Http,
    alipay_status::Decode,
    alipay_status::Signature,
    alipay_status::Gateway,
    alipay_status::Panic,
    alipay_status::Unknown,
];

impl alipay_status {
    /// The one mapping from the core's error kinds to C statuses.
    pub fn from_kind(kind: ErrorKind) -> alipay_status {
        match kind {
            ErrorKind::Config => alipay_status::Config,
            ErrorKind::InvalidRequest => alipay_status::InvalidRequest,
            ErrorKind::Transport => alipay_status::Transport,
            ErrorKind::Timeout => alipay_status::Timeout,
            ErrorKind::Http => alipay_status::Http,
            ErrorKind::Decode => alipay_status::Decode,
            ErrorKind::Signature => alipay_status::Signature,
            ErrorKind::Gateway => alipay_status::Gateway,
            // `ErrorKind` is non-exhaustive; a kind added to the core lands here until it gets its own number.
            _ => alipay_status::Unknown,
        }
    }

    /// The constant's name as written in the header, NUL-terminated.
    fn name(self) -> &'static std::ffi::CStr {
        match self {
            alipay_status::Ok => c"ALIPAY_STATUS_OK",
            alipay_status::NullArgument => c"ALIPAY_STATUS_NULL_ARGUMENT",
            alipay_status::InvalidUtf8 => c"ALIPAY_STATUS_INVALID_UTF8",
            alipay_status::Config => c"ALIPAY_STATUS_CONFIG",
            alipay_status::InvalidRequest => c"ALIPAY_STATUS_INVALID_REQUEST",
            alipay_status::Transport => c"ALIPAY_STATUS_TRANSPORT",
            alipay_status::Timeout => c"ALIPAY_STATUS_TIMEOUT",
            alipay_status::Http => c"ALIPAY_STATUS_HTTP",
            alipay_status::Decode => c"ALIPAY_STATUS_DECODE",
            alipay_status::Signature => c"ALIPAY_STATUS_SIGNATURE",
            alipay_status::Gateway => c"ALIPAY_STATUS_GATEWAY",
            alipay_status::Panic => c"ALIPAY_STATUS_PANIC",
            alipay_status::Unknown => c"ALIPAY_STATUS_UNKNOWN",
        }
    }
}

/// The name of a status constant, e.g. `"ALIPAY_STATUS_GATEWAY"`, or `"ALIPAY_STATUS_UNKNOWN"` for a value this
/// version does not define. Static storage; never free it. Takes an `unsigned int` so that any value is safe.
#[unsafe(no_mangle)]
pub extern "C" fn alipay_status_name(status: c_uint) -> *const c_char {
    guard_value(c"ALIPAY_STATUS_UNKNOWN".as_ptr(), || {
        let status = STATUSES
            .into_iter()
            .find(|s| *s as c_uint == status)
            .unwrap_or(alipay_status::Unknown);
        status.name().as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::ffi::CStr;

    #[test]
    fn every_error_kind_has_its_own_status() {
        let statuses: HashSet<_> = ErrorKind::ALL
            .into_iter()
            .map(alipay_status::from_kind)
            .collect();
        assert_eq!(statuses.len(), ErrorKind::ALL.len());
        for status in statuses {
            assert!(!matches!(
                status,
                alipay_status::Ok
                    | alipay_status::Unknown
                    | alipay_status::Panic
                    | alipay_status::NullArgument
            ));
        }
    }

    #[test]
    fn status_names_match_their_values() {
        for status in STATUSES {
            let name = unsafe { CStr::from_ptr(alipay_status_name(status as c_uint)) };
            assert_eq!(name, status.name());
        }
        let name = unsafe { CStr::from_ptr(alipay_status_name(12345)) };
        assert_eq!(name, c"ALIPAY_STATUS_UNKNOWN");
    }

    #[test]
    fn status_numbers_are_grouped_and_never_reused() {
        // The published numbers: changing one breaks every compiled caller.
        let published = [
            (alipay_status::Ok, 0),
            (alipay_status::NullArgument, 100),
            (alipay_status::InvalidUtf8, 101),
            (alipay_status::Config, 200),
            (alipay_status::InvalidRequest, 300),
            (alipay_status::Transport, 400),
            (alipay_status::Timeout, 401),
            (alipay_status::Http, 500),
            (alipay_status::Decode, 501),
            (alipay_status::Signature, 502),
            (alipay_status::Gateway, 600),
            (alipay_status::Panic, 900),
            (alipay_status::Unknown, 901),
        ];
        assert_eq!(published.len(), STATUSES.len());
        for (status, number) in published {
            assert_eq!(status as u32, number, "{status:?}");
        }
    }
}
