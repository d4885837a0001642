//! Counters a user can read from a running client: calls, attempts, retries, and failures by kind.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::ErrorKind;

/// A snapshot of a client's counters (shared by all its clones), from [`crate::Client::stats`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientStats {
    /// Calls started (validation failures included).
    pub calls: u64,
    /// HTTP attempts made.
    pub attempts: u64,
    /// Attempts that were retries of an earlier one.
    pub retries: u64,
    /// Calls that returned a verified success.
    pub successes: u64,
    /// Calls that failed, by kind, every kind listed (in [`ErrorKind::ALL`] order).
    pub failures: Vec<(ErrorKind, u64)>,
    /// Calls running now.
    pub in_flight: u64,
    /// Calls dropped before they finished (a cancelled task or future, Ctrl-C in Python). Each one may have been
    /// applied: it is logged with its idempotency key, to be sent again with the same key.
    /// `calls == successes + failed() + cancelled + in_flight`.
    pub cancelled: u64,
}

impl ClientStats {
    /// Failed calls of every kind.
    pub fn failed(&self) -> u64 {
        self.failures.iter().map(|(_, n)| n).sum()
    }

    /// Failed calls of one kind.
    pub fn failed_with(&self, kind: ErrorKind) -> u64 {
        self.failures
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n)
    }
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) calls: AtomicU64,
    pub(crate) attempts: AtomicU64,
    pub(crate) retries: AtomicU64,
    pub(crate) successes: AtomicU64,
    pub(crate) in_flight: AtomicU64,
    pub(crate) cancelled: AtomicU64,
    failures: [AtomicU64; ErrorKind::ALL.len()],
}

impl Counters {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn failed(&self, kind: ErrorKind) {
        if let Some(i) = ErrorKind::ALL.iter().position(|k| *k == kind) {
            Self::bump(&self.failures[i]);
        }
    }

    pub(crate) fn snapshot(&self) -> ClientStats {
        let read = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ClientStats {
            calls: read(&self.calls),
            attempts: read(&self.attempts),
            retries: read(&self.retries),
            successes: read(&self.successes),
            failures: ErrorKind::ALL
                .iter()
                .zip(&self.failures)
                .map(|(k, c)| (*k, read(c)))
                .collect(),
            in_flight: read(&self.in_flight),
            cancelled: read(&self.cancelled),
        }
    }
}
