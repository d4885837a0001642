//! Retries: which failures deserve another attempt, and how long to wait before it.
//!
//! A retry is only ever made with the *same* signed business content, so the request's idempotency key
//! (`out_biz_no`, `req_id`) makes the gateway apply the operation at most once. Reads (the companion queries, see
//! [`crate::api::ApiRequest::read_only`]) change nothing and are retried like keyed calls. Requests without a key (generic
//! [`crate::Client::execute`]) are retried only when nothing can have taken effect: the connection was refused or
//! the gateway throttled the call (40005).

use std::time::Duration;

use crate::error::{Error, ErrorKind};

/// How many attempts a call makes and how long it waits between them (exponential backoff with full jitter).
///
/// The default makes up to 3 attempts, waiting a random time below 100 ms, then below 200 ms (capped at 2 s).
/// Every attempt and wait stays inside the call's overall deadline.
///
/// ```
/// use std::time::Duration;
/// use alipay_marketing::RetryPolicy;
/// let patient = RetryPolicy::default().max_attempts(5).backoff(Duration::from_millis(200), Duration::from_secs(5));
/// let never = RetryPolicy::none();
/// assert_eq!(never.attempts(), 1);
/// assert_eq!(patient.attempts(), 5);
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

    /// Sets the number of attempts, first one included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the backoff: the n-th retry waits a random time below `min(max, base × 2ⁿ⁻¹)`.
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base;
        self.max_delay = max.max(base);
        self
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
        hint.map_or(jittered, |h| h.max(jittered))
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
