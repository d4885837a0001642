//! Retries: which failures deserve another attempt, and how long to wait before it.
//!
//! A retry is only ever made with the *same* signed business content, so the request's idempotency key
//! (`out_biz_no`, `req_id`) makes the gateway apply the operation at most once. Reads (the companion queries, see
//! [`crate::api::ApiRequest::read_only`]) change nothing and are retried like keyed calls. Requests without a key (generic
//! [`crate::Client::execute`]) are retried only when nothing can have taken effect: the connection was refused or
//! the gateway throttled the call (40005).

use std::time::Duration;

use crate::error::{Error, ErrorKind, Result};
use crate::limits::{MAX_ATTEMPTS, MAX_BACKOFF, MAX_TIMEOUT, describe};

/// How many attempts a call makes and how long it waits between them (exponential backoff with full jitter).
///
/// The default makes up to 3 attempts, waiting a random time below 100 ms, then below 200 ms (capped at 2 s).
/// Every attempt and wait stays inside the call's overall deadline.
///
/// ```
/// use std::time::Duration;
/// use alipay_marketing::RetryPolicy;
/// let patient = RetryPolicy::new(5, Duration::from_millis(200), Duration::from_secs(5))?;
/// let never = RetryPolicy::none();
/// assert_eq!(never.attempts(), 1);
/// assert_eq!(patient.attempts(), 5);
/// let refused = RetryPolicy::new(0, Duration::from_millis(100), Duration::from_secs(2)).unwrap_err();
/// assert_eq!(refused.field(), Some("max_attempts"));
/// # Ok::<(), alipay_marketing::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// A checked policy: `max_attempts` attempts, the first included (1 to [`MAX_ATTEMPTS`]; 1 turns retries
    /// off), the n-th retry waiting a random time below `min(max_delay, base_delay × 2ⁿ⁻¹)`, both delays at most
    /// [`MAX_BACKOFF`] and `max_delay` not below `base_delay`.
    ///
    /// Each error is a [`ErrorKind::Config`] naming the field at fault: `max_attempts`, `base_delay` or
    /// `max_delay`. This is the rule every face applies.
    pub fn new(
        max_attempts: u32,
        base_delay: Duration,
        max_delay: Duration,
    ) -> Result<RetryPolicy> {
        Self::check_attempts(i128::from(max_attempts))?;
        for (field, value) in [("base_delay", base_delay), ("max_delay", max_delay)] {
            if value > MAX_BACKOFF {
                return Err(Error::config_field(
                    field,
                    format!(
                        "{} is longer than the maximum wait of {} s between attempts",
                        describe(value),
                        MAX_BACKOFF.as_secs()
                    ),
                ));
            }
        }
        if max_delay < base_delay {
            return Err(Error::config_field(
                "max_delay",
                format!(
                    "{} is below base_delay {}",
                    describe(max_delay),
                    describe(base_delay)
                ),
            ));
        }
        Ok(RetryPolicy {
            max_attempts,
            base_delay,
            max_delay,
        })
    }

    /// Checks a number of attempts as a face received it (wider than `u32`, so that -1 or 2⁴⁰ is reported as
    /// given).
    pub fn check_attempts(max_attempts: i128) -> Result<u32> {
        match u32::try_from(max_attempts) {
            Ok(n @ 1..=MAX_ATTEMPTS) => Ok(n),
            _ if max_attempts < 1 => Err(Error::config_field(
                "max_attempts",
                format!(
                    "{max_attempts} must be at least 1 (the first attempt counts; 1 turns retries off)"
                ),
            )),
            _ => Err(Error::config_field(
                "max_attempts",
                format!("{max_attempts} is more than the maximum of {MAX_ATTEMPTS} attempts"),
            )),
        }
    }

    /// Sets the number of attempts, first one included, clamped to 1..=[`MAX_ATTEMPTS`]. Use
    /// [`RetryPolicy::new`] to have an out-of-range value refused instead.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.clamp(1, MAX_ATTEMPTS);
        self
    }

    /// Sets the backoff: the n-th retry waits a random time below `min(max, base × 2ⁿ⁻¹)`. Both are clamped to
    /// [`MAX_BACKOFF`] and `max` to at least `base`; use [`RetryPolicy::new`] to have such values refused instead.
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base.min(MAX_BACKOFF);
        self.max_delay = max.min(MAX_BACKOFF).max(self.base_delay);
        self
    }

    /// The bound of the first wait.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The cap of every wait.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The number of attempts, first one included.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before retry number `retry` (1-based): full jitter below the exponential bound, or the server's
    /// `Retry-After` if it asked for longer.
    pub(crate) fn delay(&self, retry: u32, hint: Option<Duration>) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let bound = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let jittered = bound.mul_f64(random_unit());
        // A server's Retry-After is not ours to trust with the clock arithmetic: beyond any deadline anyway.
        hint.map_or(jittered, |h| h.min(MAX_TIMEOUT).max(jittered))
    }
}

/// Whether `error` is worth another attempt of a request that has (`keyed`) or lacks an idempotency key.
pub(crate) fn should_retry(error: &Error, keyed: bool) -> bool {
    if !error.is_retryable() {
        return false;
    }
    let throttled = error.gateway_error().is_some_and(|g| g.code == "40005")
        || error.http_status() == Some(429);
    let nothing_sent = error.kind() == ErrorKind::Transport && !error.request_may_have_been_sent();
    keyed || throttled || nothing_sent
}

/// A uniform number in [0, 1) from the system's secure random source.
fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        return 1.0;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// A fresh idempotency key: Beijing time to the second, then 16 random hex digits (30 characters).
pub(crate) fn generate_key(now: std::time::SystemTime) -> String {
    let mut bytes = [0u8; 8];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    let stamp: String = crate::sign::beijing_timestamp(now)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let random: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{stamp}{random}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::GatewayError;

    #[test]
    fn delays_stay_below_the_exponential_bound_and_the_cap() {
        let policy =
            RetryPolicy::default().backoff(Duration::from_millis(100), Duration::from_millis(300));
        for _ in 0..200 {
            assert!(policy.delay(1, None) < Duration::from_millis(100));
            assert!(policy.delay(2, None) < Duration::from_millis(200));
            assert!(policy.delay(3, None) < Duration::from_millis(300));
            assert!(policy.delay(40, None) < Duration::from_millis(300));
        }
        assert!(
            policy.delay(1, Some(Duration::from_secs(2))) >= Duration::from_secs(2),
            "Retry-After wins"
        );
    }

    #[test]
    fn the_checked_constructor_names_the_field_at_fault() {
        let ms = Duration::from_millis;
        for (attempts, base, max, field) in [
            (0, ms(1), ms(2), "max_attempts"),
            (MAX_ATTEMPTS + 1, ms(1), ms(2), "max_attempts"),
            (3, ms(50), ms(10), "max_delay"),
            (3, MAX_BACKOFF + ms(1), MAX_BACKOFF + ms(2), "base_delay"),
            (3, ms(1), MAX_BACKOFF + ms(1), "max_delay"),
        ] {
            let e = RetryPolicy::new(attempts, base, max).unwrap_err();
            assert_eq!(e.field(), Some(field), "{e}");
        }
        let e = RetryPolicy::check_attempts(1 << 40).unwrap_err();
        assert!(e.message().contains("1099511627776"), "{e}");
        let policy = RetryPolicy::new(5, ms(10), ms(10)).unwrap();
        assert_eq!(
            (policy.attempts(), policy.base_delay(), policy.max_delay()),
            (5, ms(10), ms(10))
        );
        assert_eq!(RetryPolicy::default().max_attempts(0).attempts(), 1);
        let huge = RetryPolicy::default().backoff(Duration::MAX, Duration::MAX);
        assert_eq!(huge.max_delay(), MAX_BACKOFF);
        assert!(huge.delay(64, Some(Duration::MAX)) <= MAX_TIMEOUT);
    }

    #[test]
    fn unkeyed_requests_retry_only_when_nothing_can_have_happened() {
        let refused = Error::transport("refused", false);
        let lost = Error::transport("reset", true);
        let unknown = Error::gateway(GatewayError {
            code: "20000".into(),
            ..Default::default()
        });
        let throttled = Error::gateway(GatewayError {
            code: "40005".into(),
            ..Default::default()
        });
        let business = Error::gateway(GatewayError {
            code: "40004".into(),
            ..Default::default()
        });
        for (error, keyed, unkeyed) in [
            (&refused, true, true),
            (&lost, true, false),
            (&unknown, true, false),
            (&throttled, true, true),
            (&business, false, false),
            (&Error::timeout("slow"), true, false),
            (&Error::http(502, "bad gateway"), true, false),
            (&Error::http(404, "not found"), false, false),
            (&Error::signature("bad sign"), false, false),
        ] {
            assert_eq!(should_retry(error, true), keyed, "{error}");
            assert_eq!(should_retry(error, false), unkeyed, "{error}");
        }
    }

    #[test]
    fn generated_keys_are_unique_and_fit_every_key_field() {
        let now = std::time::SystemTime::now();
        let a = generate_key(now);
        let b = generate_key(now);
        assert_ne!(a, b);
        assert_eq!(a.len(), 30);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
    }
}
