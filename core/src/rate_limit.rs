//! A client-wide request rate limit (generic cell rate algorithm: a token bucket kept as one timestamp), shared by
//! every clone of a client and every thread or task using it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::limits::{MAX_BURST, MAX_QPS, MIN_QPS};

/// A checked rate limit: `qps` requests per second on average, bursts of up to `burst`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    qps: f64,
    burst: u32,
}

impl RateLimit {
    /// `qps` between [`MIN_QPS`] (one per hour) and [`MAX_QPS`], `burst` between 1 and [`MAX_BURST`]. The error is
    /// a [`crate::ErrorKind::Config`] about `rate_limit` whose message names `qps` or `burst` and the value given.
    /// This is the rule every face applies.
    pub fn new(qps: f64, burst: u32) -> Result<RateLimit> {
        Self::check(qps, i128::from(burst)).map(|burst| RateLimit { qps, burst })
    }

    /// Checks values as a face received them (`burst` wider than `u32`, so that -1 or 2⁴⁰ is reported as given).
    pub fn check(qps: f64, burst: i128) -> Result<u32> {
        if !(qps.is_finite() && qps > 0.0) {
            return Err(Error::config_field(
                "rate_limit",
                format!("qps {qps:?} must be greater than zero (requests per second)"),
            ));
        }
        if !(MIN_QPS..=MAX_QPS).contains(&qps) {
            return Err(Error::config_field(
                "rate_limit",
                format!(
                    "qps {qps:?} is outside {MIN_QPS:.6}..={MAX_QPS} (one request per hour to a million per second)"
                ),
            ));
        }
        match u32::try_from(burst) {
            Ok(b @ 1..=MAX_BURST) => Ok(b),
            _ if burst < 1 => Err(Error::config_field(
                "rate_limit",
                format!("burst {burst} must be greater than zero (1 allows no burst)"),
            )),
            _ => Err(Error::config_field(
                "rate_limit",
                format!("burst {burst} is more than the maximum of {MAX_BURST}"),
            )),
        }
    }

    /// Requests per second on average.
    pub fn qps(&self) -> f64 {
        self.qps
    }

    /// Requests that may go at once after a quiet spell.
    pub fn burst(&self) -> u32 {
        self.burst
    }
}

/// Spaces requests `1/qps` apart on average, allowing bursts of `burst` back-to-back requests.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    interval: Duration,
    tolerance: Duration,
    /// The theoretical arrival time of the next request.
    next: Mutex<Instant>,
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit) -> RateLimiter {
        // RateLimit's bounds keep both products far inside Duration's range; saturate all the same.
        let interval = Duration::try_from_secs_f64(1.0 / limit.qps).unwrap_or(Duration::MAX);
        RateLimiter {
            interval,
            tolerance: interval.saturating_mul(limit.burst.saturating_sub(1)),
            next: Mutex::new(Instant::now()),
        }
    }

    /// Reserves the next slot and returns how long to wait for it, or `None` (reserving nothing) if the wait
    /// would be longer than `budget`.
    pub(crate) fn reserve(&self, now: Instant, budget: Duration) -> Option<Duration> {
        let mut next = self
            .next
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let start = (*next).max(now);
        // Past the clock's range every slot is beyond any budget.
        let wait = start.saturating_duration_since(now.checked_add(self.tolerance)?);
        if wait > budget {
            return None;
        }
        *next = start.checked_add(self.interval)?;
        Some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_requests_are_spaced() {
        let limiter = RateLimiter::new(RateLimit::new(10.0, 3).unwrap());
        let t0 = Instant::now();
        let budget = Duration::from_secs(10);
        assert_eq!(limiter.reserve(t0, budget), Some(Duration::ZERO));
        assert_eq!(limiter.reserve(t0, budget), Some(Duration::ZERO));
        assert_eq!(limiter.reserve(t0, budget), Some(Duration::ZERO));
        assert_eq!(
            limiter.reserve(t0, budget),
            Some(Duration::from_millis(100))
        );
        assert_eq!(
            limiter.reserve(t0, budget),
            Some(Duration::from_millis(200))
        );
        // After a quiet second the bucket is full again.
        let later = t0 + Duration::from_secs(2);
        assert_eq!(limiter.reserve(later, budget), Some(Duration::ZERO));
    }

    #[test]
    fn rates_that_would_overflow_the_clock_are_refused_naming_the_value() {
        for (qps, burst, shown) in [
            (1e-300, 1, "1e-300"),
            (0.0, 1, "0"),
            (f64::NAN, 1, "NaN"),
            (1e12, 1, "1000000000000"),
            (5.0, 0, "burst 0"),
            (5.0, 1 << 40, "1099511627776"),
            (5.0, -1, "burst -1"),
        ] {
            let e = RateLimit::check(qps, burst).unwrap_err();
            assert_eq!(e.field(), Some("rate_limit"));
            assert!(e.message().contains(shown), "{e}");
        }
        // The extremes accepted do not overflow when used.
        for limit in [
            RateLimit::new(MIN_QPS, MAX_BURST).unwrap(),
            RateLimit::new(MAX_QPS, MAX_BURST).unwrap(),
        ] {
            let limiter = RateLimiter::new(limit);
            let now = Instant::now();
            for _ in 0..3 {
                let _ = limiter.reserve(now, Duration::from_secs(86_400));
            }
        }
    }

    #[test]
    fn a_wait_beyond_the_budget_reserves_nothing() {
        let limiter = RateLimiter::new(RateLimit::new(1.0, 1).unwrap());
        let t0 = Instant::now();
        assert_eq!(limiter.reserve(t0, Duration::ZERO), Some(Duration::ZERO));
        assert_eq!(limiter.reserve(t0, Duration::from_millis(500)), None);
        assert_eq!(
            limiter.reserve(t0, Duration::from_secs(2)),
            Some(Duration::from_secs(1))
        );
    }
}
