//! A client-wide request rate limit (generic cell rate algorithm: a token bucket kept as one timestamp), shared by
//! every clone of a client and every thread or task using it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Spaces requests `1/qps` apart on average, allowing bursts of `burst` back-to-back requests.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    interval: Duration,
    tolerance: Duration,
    /// The theoretical arrival time of the next request.
    next: Mutex<Instant>,
}

impl RateLimiter {
    pub(crate) fn new(qps: f64, burst: u32) -> RateLimiter {
        let interval = Duration::from_secs_f64(1.0 / qps);
        RateLimiter {
            interval,
            tolerance: interval * burst.saturating_sub(1),
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
        let wait = start.saturating_duration_since(now + self.tolerance);
        if wait > budget {
            return None;
        }
        *next = start + self.interval;
        Some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_requests_are_spaced() {
        let limiter = RateLimiter::new(10.0, 3);
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
    fn a_wait_beyond_the_budget_reserves_nothing() {
        let limiter = RateLimiter::new(1.0, 1);
        let t0 = Instant::now();
        assert_eq!(limiter.reserve(t0, Duration::ZERO), Some(Duration::ZERO));
        assert_eq!(limiter.reserve(t0, Duration::from_millis(500)), None);
        assert_eq!(
            limiter.reserve(t0, Duration::from_secs(2)),
            Some(Duration::from_secs(1))
        );
    }
}
