//! Stopping a run from outside (Ctrl-C, a notebook's interrupt) and the progress the runner reports.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

/// Stops a running campaign. Clone it into a signal handler: the first [`StopHandle::stop`] stops taking rows
/// and lets the calls in flight finish; [`StopHandle::abort`] (the second Ctrl-C) abandons them (their rows stay
/// unknown and are resent with the same keys on the next run).
#[derive(Debug, Clone, Default)]
pub struct StopHandle(Arc<StopInner>);

#[derive(Debug, Default)]
struct StopInner {
    level: AtomicU8,
    changed: Notify,
}

impl StopHandle {
    /// A handle that has not been used.
    pub fn new() -> StopHandle {
        StopHandle::default()
    }

    /// Stop taking rows; finish the calls in flight.
    pub fn stop(&self) {
        self.raise(1);
    }

    /// Abandon the calls in flight too.
    pub fn abort(&self) {
        self.raise(2);
    }

    /// `stop` the first time, `abort` the second: what a Ctrl-C handler calls.
    pub fn interrupt(&self) {
        let level = self.0.level.load(Ordering::SeqCst);
        self.raise(if level == 0 { 1 } else { 2 });
    }

    fn raise(&self, level: u8) {
        self.0.level.fetch_max(level, Ordering::SeqCst);
        self.0.changed.notify_waiters();
    }

    /// Whether a stop (or abort) was asked for.
    pub fn is_stopping(&self) -> bool {
        self.0.level.load(Ordering::SeqCst) >= 1
    }

    /// Whether an abort was asked for.
    pub fn is_aborting(&self) -> bool {
        self.0.level.load(Ordering::SeqCst) >= 2
    }

    pub(crate) async fn changed(&self) {
        self.0.changed.notified().await;
    }
}

/// A snapshot of a run, passed to the progress callback a few times a second and once at the end.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// Rows loaded (rejects excluded).
    pub total: u64,
    /// Applied.
    pub done: u64,
    /// Failed for good.
    pub failed: u64,
    /// Outcome unknown for now (resent with the same key).
    pub unknown: u64,
    /// Left to send (claimed rows included).
    pub pending: u64,
    /// Refused before sending.
    pub rejected: u64,
    /// Answers received in this run.
    pub answers_this_run: u64,
    /// Time since this run started.
    pub elapsed: Duration,
    /// Answers per second in this run.
    pub rate: f64,
    /// The current in-flight window (shrinks while the gateway throttles).
    pub window: usize,
}

impl Progress {
    /// Rows with a final state.
    pub fn finished(&self) -> u64 {
        self.done + self.failed
    }

    /// Estimated time left, from this run's rate.
    pub fn eta(&self) -> Option<Duration> {
        let left = self.pending + self.unknown;
        (self.rate > 0.0).then(|| Duration::from_secs_f64(left as f64 / self.rate))
    }
}
