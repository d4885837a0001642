//! The in-flight window with AIMD: halved (at most twice a second) when the gateway throttles, grown by one
//! after a window's worth of successes, never above the configured concurrency.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub(crate) struct Window {
    semaphore: Arc<Semaphore>,
    limit: usize,
    max: usize,
    /// Permits to forget when they come back (the window shrank while they were out).
    debt: usize,
    successes: usize,
    last_cut: Option<Instant>,
}

impl Window {
    pub(crate) fn new(max: usize) -> Window {
        Window {
            semaphore: Arc::new(Semaphore::new(max)),
            limit: max,
            max,
            debt: 0,
            successes: 0,
            last_cut: None,
        }
    }

    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    pub(crate) fn semaphore(&self) -> Arc<Semaphore> {
        self.semaphore.clone()
    }

    /// Gives a permit back (or forgets it, if the window shrank).
    pub(crate) fn release(&mut self, permit: OwnedSemaphorePermit) {
        if self.debt > 0 {
            self.debt -= 1;
            permit.forget();
        }
    }

    /// Multiplicative decrease.
    pub(crate) fn throttled(&mut self) {
        let now = Instant::now();
        if self
            .last_cut
            .is_some_and(|t| now.duration_since(t) < Duration::from_millis(500))
        {
            return;
        }
        self.last_cut = Some(now);
        self.successes = 0;
        let new = (self.limit / 2).max(1);
        let cut = self.limit - new;
        self.limit = new;
        let forgotten = self.semaphore.forget_permits(cut);
        self.debt += cut - forgotten;
    }

    /// Additive increase.
    pub(crate) fn succeeded(&mut self) {
        if self.limit >= self.max {
            return;
        }
        self.successes += 1;
        if self.successes >= self.limit {
            self.successes = 0;
            self.limit += 1;
            if self.debt > 0 {
                self.debt -= 1;
            } else {
                self.semaphore.add_permits(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_window_halves_on_throttling_and_grows_back() {
        let mut w = Window::new(8);
        let held: Vec<_> = (0..8)
            .map(|_| w.semaphore().try_acquire_owned().unwrap())
            .collect();
        w.throttled();
        assert_eq!(w.limit(), 4);
        for p in held {
            w.release(p);
        }
        assert_eq!(w.semaphore().available_permits(), 4);
        for _ in 0..4 {
            w.succeeded();
        }
        assert_eq!(w.limit(), 5);
        assert_eq!(w.semaphore().available_permits(), 5);
    }
}
