//! The process-wide tokio runtime that the blocking faces (C, Python) share: one per process.
//!
//! Built lazily on first use, with a small fixed number of worker threads. A child process after `fork` has none
//! of the parent's runtime threads, so the parent's runtime is unusable there: the first use in the child builds
//! the child's own (the process id tells them apart), so clients created in a pre-forked worker just work. A
//! client carried across the fork keeps a clear error (its connections belong to the parent). Blocking from
//! inside another runtime is an error rather than a deadlock or a panic.

use std::future::Future;
use std::sync::{Arc, Condvar, Mutex};

use crate::error::{Error, Result};

struct Shared {
    runtime: tokio::runtime::Runtime,
    pid: u32,
}

/// The runtime of the process that built it. Never freed: a parent's runtime cannot be shut down from a forked
/// child (its threads do not exist there), so a child leaks it, and a process keeps its own for its lifetime. The
/// lock is held only to read or swap the reference (never while building), so a fork cannot catch it held by a
/// thread that is doing real work.
static CURRENT: Mutex<Option<&'static Shared>> = Mutex::new(None);

fn current() -> Option<&'static Shared> {
    *CURRENT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// This process's shared runtime, built on first use in this process.
pub fn runtime() -> Result<&'static tokio::runtime::Runtime> {
    let pid = std::process::id();
    if let Some(shared) = current().filter(|s| s.pid == pid) {
        return Ok(&shared.runtime);
    }
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    #[cfg(unix)]
    builder.on_thread_start(crate::sigpipe::block_in_this_thread);
    let runtime = builder
        .worker_threads(
            std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .clamp(2, 8),
        )
        .thread_name("alipay-marketing")
        .enable_all()
        .build()
        .map_err(|e| Error::config(format!("cannot start the alipay-marketing runtime: {e}")))?;
    let mut slot = CURRENT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    match *slot {
        // Another thread of this process built one meanwhile: keep it (ours never ran a task and is dropped).
        Some(shared) if shared.pid == pid => Ok(&shared.runtime),
        _ => {
            let shared: &'static Shared = Box::leak(Box::new(Shared { runtime, pid }));
            *slot = Some(shared);
            Ok(&shared.runtime)
        }
    }
}

/// Runs `future` to completion on the shared runtime, blocking this thread.
///
/// Errors (never panics) when called from inside an async runtime — use the async API there.
pub fn block_on<F: Future>(future: F) -> Result<F::Output> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::config(
            "a blocking alipay-marketing call was made from inside an async runtime; use the async API instead",
        ));
    }
    let runtime = runtime()?;
    #[cfg(unix)]
    let _sigpipe = crate::sigpipe::Blocked::new();
    Ok(runtime.block_on(future))
}

/// A future started on the shared runtime by [`start`], waited for from a plain thread. Dropping it before the
/// answer cancels the future (as dropping an async call does).
pub struct Pending<T> {
    slot: Arc<Slot<T>>,
    task: tokio::task::AbortHandle,
}

/// Where the task leaves its answer: a mutex and a condition variable only (no channel), so that waiting creates
/// no per-thread state in the calling thread, which may be a C program's own.
struct Slot<T> {
    /// The answer, and whether the task is gone (answered, or dropped without answering).
    state: Mutex<(Option<T>, bool)>,
    ready: Condvar,
}

/// The task's end of the slot: marks it gone when dropped, answered or not, and wakes the waiter.
struct Filler<T>(Arc<Slot<T>>);

impl<T> Filler<T> {
    fn fill(&self, answer: T) {
        let mut state = self.0.state.lock().unwrap_or_else(|p| p.into_inner());
        state.0 = Some(answer);
    }
}

impl<T> Drop for Filler<T> {
    fn drop(&mut self) {
        let mut state = self.0.state.lock().unwrap_or_else(|p| p.into_inner());
        state.1 = true;
        self.0.ready.notify_all();
    }
}

impl<T> Pending<T> {
    /// Waits for the answer. (An error only if the runtime dropped the task, which it does not while the
    /// process runs.)
    pub fn wait(self) -> Result<T> {
        let mut state = self.slot.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(answer) = state.0.take() {
                return Ok(answer);
            }
            if state.1 {
                return Err(Error::config(
                    "the alipay-marketing runtime stopped before the call answered",
                ));
            }
            state = self
                .slot
                .ready
                .wait(state)
                .unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Waits up to `timeout` for the answer; `None` while the future is still running.
    pub fn wait_timeout(&self, timeout: std::time::Duration) -> Option<T> {
        let state = self.slot.state.lock().unwrap_or_else(|p| p.into_inner());
        let (mut state, _) = self
            .slot
            .ready
            .wait_timeout_while(state, timeout, |s| s.0.is_none() && !s.1)
            .unwrap_or_else(|p| p.into_inner());
        state.0.take()
    }
}

impl<T> Drop for Pending<T> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts `future` as a task of the shared runtime and returns at once. Unlike [`block_on`], the future runs on a
/// runtime thread, beside the connections it reads, so the waiting thread is woken once, by the answer, rather
/// than at every read; the cheaper way for a blocking face to make a call.
pub fn start<F>(future: F) -> Result<Pending<F::Output>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let slot = Arc::new(Slot {
        state: Mutex::new((None, false)),
        ready: Condvar::new(),
    });
    let filler = Filler(slot.clone());
    let task = runtime()?.spawn(async move {
        let answer = future.await;
        filler.fill(answer);
    });
    Ok(Pending {
        slot,
        task: task.abort_handle(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_on_runs_futures_on_the_shared_runtime() {
        assert_eq!(block_on(async { 40 + 2 }).unwrap(), 42);
    }

    #[test]
    fn the_runtime_is_built_once_per_process() {
        let a = runtime().unwrap() as *const _;
        let b = runtime().unwrap() as *const _;
        assert_eq!(a, b);
    }

    #[test]
    fn a_started_future_answers_and_a_dropped_one_is_cancelled() {
        let pending = start(async { 40 + 2 }).unwrap();
        let mut answer = None;
        while answer.is_none() {
            answer = pending.wait_timeout(std::time::Duration::from_millis(50));
        }
        assert_eq!(answer, Some(42));

        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let pending = start(async move {
            // Holds `tx` until cancelled; never finishes on its own.
            std::future::pending::<()>().await;
            drop(tx);
        })
        .unwrap();
        assert!(
            pending
                .wait_timeout(std::time::Duration::from_millis(10))
                .is_none()
        );
        drop(pending);
        // The task was aborted: its future (and `tx` with it) is dropped, so the channel disconnects.
        assert_eq!(rx.recv(), Err(std::sync::mpsc::RecvError));
    }

    #[tokio::test]
    async fn block_on_inside_a_runtime_is_an_error_not_a_panic() {
        let err = block_on(async {}).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Config);
        assert!(err.message().contains("async runtime"));
    }
}
