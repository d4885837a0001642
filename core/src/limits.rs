//! The rules for every duration, count and rate a client takes, one checked constructor per option set.
//!
//! [`ClientBuilder::build`](crate::ClientBuilder::build) and [`ClientBuilder::doctor`](crate::ClientBuilder::doctor)
//! both call these, and so do the C and Python faces, so a value is judged the same way — with the same message,
//! naming the same field — whichever way it arrives. Every bound exists so that no arithmetic on the value can
//! overflow: a deadline is an `Instant` plus a duration, and `Instant` panics past its range.
//!
//! [`RetryPolicy::new`](crate::RetryPolicy::new) and [`RateLimit::new`](crate::RateLimit::new) are the other two
//! option sets; their bounds are here too.

use std::time::Duration;

use crate::error::{Error, Result};

/// The longest deadline, attempt timeout, connect timeout or idle timeout accepted: one day. Longer values are
/// mistakes (a unit confusion, or "forever"), and far longer ones would overflow the clock arithmetic.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(86_400);

/// The longest wait between two attempts a retry policy may ask for: one hour.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3_600);

/// The most attempts a retry policy may make, the first included.
pub const MAX_ATTEMPTS: u32 = 100;

/// The lowest rate limit accepted: one request per hour.
pub const MIN_QPS: f64 = 1.0 / 3_600.0;

/// The highest rate limit accepted: one million requests per second.
pub const MAX_QPS: f64 = 1_000_000.0;

/// The largest burst a rate limit may allow.
pub const MAX_BURST: u32 = 1_000_000;

/// Checks one timeout of the client: greater than zero and at most [`MAX_TIMEOUT`]. The error is a
/// [`crate::ErrorKind::Config`] naming `field`.
pub fn check_timeout(field: &str, value: Duration) -> Result<Duration> {
    if value.is_zero() {
        return Err(Error::config_field(field, "must be greater than zero"));
    }
    if value > MAX_TIMEOUT {
        return Err(Error::config_field(
            field,
            format!(
                "{} is longer than the maximum of {} s (one day); give the time in seconds, not milliseconds",
                describe(value),
                MAX_TIMEOUT.as_secs()
            ),
        ));
    }
    Ok(value)
}

/// Checks the deadline of one call (`CallOptions::timeout`): the rule of [`check_timeout`], reported as a
/// [`crate::ErrorKind::InvalidRequest`] about the call's `timeout` (nothing was sent).
pub fn check_call_timeout(value: Duration) -> Result<Duration> {
    check_timeout("timeout", value)
        .map_err(|e| Error::invalid_request("timeout", strip_field(e.message(), "timeout")))
}

/// A number of seconds as a [`Duration`], for faces that take seconds as floating-point numbers: NaN, infinities,
/// negative values and values beyond what a `Duration` holds are refused naming `field`. The bounds of the option
/// itself are checked by its own rule ([`check_timeout`], [`crate::RetryPolicy::new`]).
pub fn seconds(field: &str, secs: f64) -> Result<Duration> {
    if secs.is_nan() || secs < 0.0 {
        return Err(Error::config_field(
            field,
            format!("{secs} is not a number of seconds greater than zero"),
        ));
    }
    Duration::try_from_secs_f64(secs).map_err(|_| {
        Error::config_field(
            field,
            format!(
                "{secs} seconds is longer than the maximum of {} s (one day)",
                MAX_TIMEOUT.as_secs()
            ),
        )
    })
}

/// The timeouts of a client, each checked by [`check_timeout`] under its own name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP/TLS connect timeout (`connect_timeout`).
    pub connect: Duration,
    /// Overall deadline of a call, retries and waits included (`timeout`).
    pub call: Duration,
    /// Deadline of one HTTP attempt (`attempt_timeout`).
    pub attempt: Duration,
}

impl Timeouts {
    /// The defaults: 3 s connect, 15 s per call, 8 s per attempt.
    pub const DEFAULT: Timeouts = Timeouts {
        connect: Duration::from_secs(3),
        call: Duration::from_secs(15),
        attempt: Duration::from_secs(8),
    };

    /// Checks each timeout; the error names the first one that is zero or longer than [`MAX_TIMEOUT`].
    pub fn new(connect: Duration, call: Duration, attempt: Duration) -> Result<Timeouts> {
        Ok(Timeouts {
            call: check_timeout("timeout", call)?,
            connect: check_timeout("connect_timeout", connect)?,
            attempt: check_timeout("attempt_timeout", attempt)?,
        })
    }

    /// Every problem with these values, each naming its field (for the doctor, which reports them all).
    pub(crate) fn problems(connect: Duration, call: Duration, attempt: Duration) -> Vec<Error> {
        [
            ("timeout", call),
            ("connect_timeout", connect),
            ("attempt_timeout", attempt),
        ]
        .into_iter()
        .filter_map(|(field, value)| check_timeout(field, value).err())
        .collect()
    }
}

/// The keep-alive pool of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// At most this many idle connections per host (`pool_max_idle_per_host`; `None`: no limit, 0: keep none).
    pub max_idle_per_host: Option<usize>,
    /// Idle connections are closed after this long (`pool_idle_timeout`).
    pub idle_timeout: Duration,
}

impl PoolSettings {
    /// The defaults: no limit on idle connections, closed after 90 s idle.
    pub const DEFAULT: PoolSettings = PoolSettings {
        max_idle_per_host: None,
        idle_timeout: Duration::from_secs(90),
    };

    /// Checks the idle timeout with [`check_timeout`] (zero is refused: to keep no idle connection, set
    /// `max_idle_per_host` to 0).
    pub fn new(max_idle_per_host: Option<usize>, idle_timeout: Duration) -> Result<PoolSettings> {
        let idle_timeout = check_timeout("pool_idle_timeout", idle_timeout).map_err(|e| {
            if idle_timeout.is_zero() {
                Error::config_field(
                    "pool_idle_timeout",
                    "must be greater than zero (to keep no idle connection, set pool_max_idle_per_host to 0)",
                )
            } else {
                e
            }
        })?;
        Ok(PoolSettings {
            max_idle_per_host,
            idle_timeout,
        })
    }
}

/// A duration in the unit a reader expects: whole seconds, else milliseconds.
pub(crate) fn describe(value: Duration) -> String {
    if value.subsec_nanos() == 0 {
        format!("{} s", value.as_secs())
    } else {
        format!("{} ms", value.as_millis())
    }
}

/// Error messages start with "field: "; some readers already show the field.
pub(crate) fn strip_field<'m>(message: &'m str, field: &str) -> &'m str {
    message
        .strip_prefix(field)
        .and_then(|m| m.strip_prefix(": "))
        .unwrap_or(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_timeout_is_named_in_its_own_error() {
        let ok = Duration::from_secs(1);
        for (connect, call, attempt, field) in [
            (Duration::ZERO, ok, ok, "connect_timeout"),
            (ok, Duration::ZERO, ok, "timeout"),
            (ok, ok, Duration::ZERO, "attempt_timeout"),
            (Duration::from_secs(u64::MAX), ok, ok, "connect_timeout"),
        ] {
            let e = Timeouts::new(connect, call, attempt).unwrap_err();
            assert_eq!(e.field(), Some(field), "{e}");
            assert_eq!(Timeouts::problems(connect, call, attempt).len(), 1);
        }
        assert!(Timeouts::new(ok, ok, ok).is_ok());
    }

    #[test]
    fn a_huge_timeout_is_refused_with_its_real_value() {
        let e =
            check_timeout("timeout", Duration::from_secs(18_446_744_073_709_551_615)).unwrap_err();
        assert!(e.message().contains("18446744073709551615 s"), "{e}");
        let e = check_timeout("timeout", seconds("timeout", 1.8e19).unwrap()).unwrap_err();
        assert!(e.message().contains("18000000000000000000 s"), "{e}");
        let e = seconds("timeout", 2e19).unwrap_err();
        assert!(e.message().contains("20000000000000000000"), "{e}");
        assert!(seconds("timeout", f64::NAN).is_err());
        assert!(seconds("timeout", -1.0).is_err());
        assert_eq!(
            seconds("timeout", 0.25).unwrap(),
            Duration::from_millis(250)
        );
    }

    #[test]
    fn a_zero_idle_timeout_says_how_to_keep_no_connection() {
        let e = PoolSettings::new(None, Duration::ZERO).unwrap_err();
        assert_eq!(e.field(), Some("pool_idle_timeout"));
        assert!(e.message().contains("pool_max_idle_per_host"), "{e}");
        assert!(PoolSettings::new(Some(0), Duration::from_secs(1)).is_ok());
    }

    #[test]
    fn a_call_timeout_is_an_invalid_request() {
        let e = check_call_timeout(Duration::ZERO).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidRequest);
        assert_eq!(e.message(), "timeout: must be greater than zero");
    }
}
