//! A client-wide request rate limit (generic cell rate algorithm: a token bucket kept as one timestamp), shared by
//! every clone of a client and every thread or task using it, with one bucket per merchant (`app_auth_token`).

use std::collections::HashMap;
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

/// Spaces requests `1/qps` apart on average, allowing bursts of `burst` back-to-back requests — in one bucket for
/// the client's own calls (its `app_auth_token`, or none) and one more bucket, at the same rate, for each distinct
/// per-call `app_auth_token`.
///
/// **Memory.** A bucket is one timestamp, the theoretical arrival time of its next request; a bucket whose time has
/// passed is full, and answers exactly as a new bucket would. So per-token buckets whose time has passed are
/// forgotten without changing any answer: a token's bucket lives at most `burst / qps` seconds (plus the longest
/// wait it reserved) after its last call. They are swept whenever the number of tracked tokens has doubled since
/// the last sweep (and at [`MIN_SWEEP`]), so memory stays within about twice the number of tokens called in the
/// last `burst / qps` seconds, whatever the number of distinct tokens over the client's life, and each call costs
/// O(1) amortised.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    interval: Duration,
    tolerance: Duration,
    buckets: Mutex<Buckets>,
}

/// The fewest tracked per-call tokens at which a sweep runs.
pub(crate) const MIN_SWEEP: usize = 64;

#[derive(Debug)]
struct Buckets {
    /// The theoretical arrival time of the next request of the client's own calls.
    own: Instant,
    /// The same, per per-call `app_auth_token`; only buckets that are not full are kept.
    by_token: HashMap<Box<str>, Instant>,
    /// Sweep when `by_token` holds this many.
    sweep_at: usize,
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit) -> RateLimiter {
        // RateLimit's bounds keep both products far inside Duration's range; saturate all the same.
        let interval = Duration::try_from_secs_f64(1.0 / limit.qps).unwrap_or(Duration::MAX);
        RateLimiter {
            interval,
            tolerance: interval.saturating_mul(limit.burst.saturating_sub(1)),
            buckets: Mutex::new(Buckets {
                own: Instant::now(),
                by_token: HashMap::new(),
                sweep_at: MIN_SWEEP,
            }),
        }
    }

    /// Reserves the next slot of the bucket of `token` (`None`: the client's own) and returns how long to wait for
    /// it, or `None` (reserving nothing) if the wait would be longer than `budget`.
    pub(crate) fn reserve(
        &self,
        token: Option<&str>,
        now: Instant,
        budget: Duration,
    ) -> Option<Duration> {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(token) = token else {
            let (wait, next) = self.slot(buckets.own, now, budget)?;
            buckets.own = next;
            return Some(wait);
        };
        if let Some(next) = buckets.by_token.get_mut(token) {
            let (wait, after) = self.slot(*next, now, budget)?;
            *next = after;
            return Some(wait);
        }
        // A token without a bucket has a full one.
        let (wait, next) = self.slot(now, now, budget)?;
        if buckets.by_token.len() >= buckets.sweep_at {
            buckets.sweep(now);
        }
        buckets.by_token.insert(token.into(), next);
        Some(wait)
    }

    /// The wait for the slot of a bucket whose next arrival time is `next`, and the bucket's time after taking it.
    fn slot(&self, next: Instant, now: Instant, budget: Duration) -> Option<(Duration, Instant)> {
        let start = next.max(now);
        // Past the clock's range every slot is beyond any budget.
        let wait = start.saturating_duration_since(now.checked_add(self.tolerance)?);
        if wait > budget {
            return None;
        }
        Some((wait, start.checked_add(self.interval)?))
    }

    /// How many per-call tokens have a bucket that is not known to be full.
    #[cfg(test)]
    fn tracked_tokens(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .by_token
            .len()
    }
}

impl Buckets {
    /// Forgets the full buckets (their time has passed: they answer as new ones do).
    fn sweep(&mut self, now: Instant) {
        self.by_token.retain(|_, next| *next > now);
        self.sweep_at = self.by_token.len().saturating_mul(2).max(MIN_SWEEP);
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
        assert_eq!(limiter.reserve(None, t0, budget), Some(Duration::ZERO));
        assert_eq!(limiter.reserve(None, t0, budget), Some(Duration::ZERO));
        assert_eq!(limiter.reserve(None, t0, budget), Some(Duration::ZERO));
        assert_eq!(
            limiter.reserve(None, t0, budget),
            Some(Duration::from_millis(100))
        );
        assert_eq!(
            limiter.reserve(None, t0, budget),
            Some(Duration::from_millis(200))
        );
        // After a quiet second the bucket is full again.
        let later = t0 + Duration::from_secs(2);
        assert_eq!(limiter.reserve(None, later, budget), Some(Duration::ZERO));
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
                let _ = limiter.reserve(None, now, Duration::from_secs(86_400));
            }
        }
    }

    #[test]
    fn a_wait_beyond_the_budget_reserves_nothing() {
        let limiter = RateLimiter::new(RateLimit::new(1.0, 1).unwrap());
        let t0 = Instant::now();
        assert_eq!(
            limiter.reserve(None, t0, Duration::ZERO),
            Some(Duration::ZERO)
        );
        assert_eq!(limiter.reserve(None, t0, Duration::from_millis(500)), None);
        assert_eq!(
            limiter.reserve(None, t0, Duration::from_secs(2)),
            Some(Duration::from_secs(1))
        );
    }

    fn limiter(qps: f64, burst: u32) -> RateLimiter {
        RateLimiter::new(RateLimit::new(qps, burst).unwrap())
    }

    #[test]
    fn each_token_has_its_own_bucket_at_the_same_rate() {
        let limiter = limiter(10.0, 2);
        let t0 = Instant::now();
        let budget = Duration::from_secs(10);
        for token in [None, Some("token-a"), Some("token-b")] {
            assert_eq!(limiter.reserve(token, t0, budget), Some(Duration::ZERO));
            assert_eq!(limiter.reserve(token, t0, budget), Some(Duration::ZERO));
            assert_eq!(
                limiter.reserve(token, t0, budget),
                Some(Duration::from_millis(100)),
                "{token:?}"
            );
        }
        // A spent token does not slow down a new one, nor the client's own calls.
        assert_eq!(
            limiter.reserve(Some("token-c"), t0, budget),
            Some(Duration::ZERO)
        );
        assert_eq!(
            limiter.reserve(Some("token-a"), t0, budget),
            Some(Duration::from_millis(200))
        );
        assert_eq!(limiter.tracked_tokens(), 3);
    }

    #[test]
    fn a_refused_slot_of_a_new_token_keeps_nothing() {
        let limiter = limiter(1.0, 1);
        let t0 = Instant::now();
        // A zero budget still admits a full bucket's first request.
        assert_eq!(
            limiter.reserve(Some("a"), t0, Duration::ZERO),
            Some(Duration::ZERO)
        );
        assert_eq!(limiter.reserve(Some("a"), t0, Duration::ZERO), None);
        assert_eq!(
            limiter.reserve(Some("a"), t0, Duration::from_secs(1)),
            Some(Duration::from_secs(1))
        );
        assert_eq!(limiter.tracked_tokens(), 1);
    }

    #[test]
    fn a_million_tokens_called_once_each_keep_only_the_recent_buckets() {
        // 10 qps, bursts of 2: a bucket is full again 100 ms after its one call. One new token per millisecond
        // over 1,000 s: fewer than 100 buckets are not full at any moment, and sweeps keep at most twice that.
        let limiter = limiter(10.0, 2);
        let t0 = Instant::now();
        let mut most = 0;
        for i in 0..1_000_000u64 {
            let now = t0 + Duration::from_millis(i);
            let token = format!("token-{i}");
            assert_eq!(
                limiter.reserve(Some(&token), now, Duration::ZERO),
                Some(Duration::ZERO)
            );
            most = most.max(limiter.tracked_tokens());
        }
        assert!(most <= 2 * 100, "{most} buckets tracked at once");
        assert!(limiter.tracked_tokens() >= 99);
    }

    #[test]
    fn a_bucket_that_is_not_full_survives_the_sweeps() {
        let limiter = limiter(1.0, 1);
        let t0 = Instant::now();
        let budget = Duration::from_secs(3_600);
        assert_eq!(
            limiter.reserve(Some("busy"), t0, budget),
            Some(Duration::ZERO)
        );
        assert_eq!(
            limiter.reserve(Some("busy"), t0, budget),
            Some(Duration::from_secs(1))
        );
        // 1.5 s later, many other tokens force sweeps; "busy" still owes half a second.
        let later = t0 + Duration::from_millis(1_500);
        for i in 0..10 * MIN_SWEEP {
            let _ = limiter.reserve(Some(&format!("other-{i}")), later, budget);
        }
        assert_eq!(
            limiter.reserve(Some("busy"), later, budget),
            Some(Duration::from_millis(500))
        );
        // Once full again, it is forgotten at the next sweep, and answers as a new bucket would.
        let much_later = t0 + Duration::from_secs(60);
        for i in 0..10 * MIN_SWEEP {
            let _ = limiter.reserve(Some(&format!("late-{i}")), much_later, budget);
        }
        assert!(limiter.tracked_tokens() < 10 * MIN_SWEEP + 1);
        assert_eq!(
            limiter.reserve(Some("busy"), much_later, budget),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn per_token_buckets_at_the_extreme_rates_do_not_overflow() {
        for limit in [
            RateLimit::new(MIN_QPS, MAX_BURST).unwrap(),
            RateLimit::new(MAX_QPS, MAX_BURST).unwrap(),
            RateLimit::new(MIN_QPS, 1).unwrap(),
        ] {
            let limiter = RateLimiter::new(limit);
            let now = Instant::now();
            for i in 0..3 * MIN_SWEEP {
                let token = format!("t{}", i % 7);
                let _ = limiter.reserve(Some(&token), now, Duration::MAX);
                let _ = limiter.reserve(None, now, Duration::MAX);
            }
            // A far future instant sweeps without overflowing either.
            if let Some(far) = now.checked_add(Duration::from_secs(10 * 365 * 86_400)) {
                let _ = limiter.reserve(Some("far"), far, Duration::ZERO);
            }
        }
    }
}
