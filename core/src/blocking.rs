//! How the blocking faces (C, Python's `Client`) run calls: a thread's first [`SHARED_CALLS`] on one process-wide
//! runtime, its later ones on a runtime of its own.
//!
//! A call handed to another thread costs two thread wake-ups (there and back) on top of the call's own; with one
//! call at a time, that is much of the CPU a call needs beside its signature. So [`start`] counts the calls of
//! each thread: a thread's first [`SHARED_CALLS`] run as tasks of the shared runtime, and its later ones run on
//! a current-thread runtime of its own, driven by the waiting thread itself, with a connection pool of its own.
//! A thread that makes one call and ends (a thread per request) never builds either.
//!
//! The shared runtime is built lazily on first use, with a small fixed number of worker threads; a thread's own
//! runtime is freed when the thread ends. A child process after `fork` has none of the parent's runtime threads,
//! and its copy of the forking thread's runtime shares the parent's polling state, so neither is used there: the
//! first use in the child builds the child's own (the process id tells them apart) and leaks the copies, so
//! clients created in a pre-forked worker just work. A client carried across the fork keeps a clear error (its
//! connections belong to the parent). Blocking from inside another runtime is an error rather than a deadlock
//! or a panic.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

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
        return Err(inside_a_runtime());
    }
    let runtime = runtime()?;
    #[cfg(unix)]
    let _sigpipe = crate::sigpipe::Blocked::new();
    Ok(runtime.block_on(future))
}

/// How many calls a thread makes through the shared runtime before its calls run on a runtime of its own.
pub const SHARED_CALLS: u32 = 3;

/// A thread's value that belongs to the process that made it. In a forked child, the parent's copy is forgotten
/// (neither used nor dropped: what it holds, a runtime's polling state or connections, is the parent's, and
/// dropping it would deregister the parent's sockets) and a fresh default takes its place.
pub(crate) struct ForkLocal<T> {
    pid: u32,
    value: T,
}

impl<T: Default> ForkLocal<T> {
    pub(crate) const fn new(value: T) -> ForkLocal<T> {
        ForkLocal { pid: 0, value }
    }

    /// This process's value.
    pub(crate) fn get(&mut self) -> &mut T {
        let pid = std::process::id();
        if self.pid != pid {
            std::mem::forget(std::mem::take(&mut self.value));
            self.pid = pid;
        }
        &mut self.value
    }
}

thread_local! {
    /// This thread's calls so far and, once it has made more than [`SHARED_CALLS`], its own runtime.
    static OWN: RefCell<ForkLocal<Own>> = const {
        RefCell::new(ForkLocal::new(Own {
            calls: 0,
            runtime: None,
        }))
    };
    /// Whether this thread is inside [`Pending`]'s wait on its own runtime (see [`on_own_runtime`]).
    static DRIVING: Cell<bool> = const { Cell::new(false) };
}

#[derive(Default)]
struct Own {
    calls: u32,
    runtime: Option<Rc<tokio::runtime::Runtime>>,
}

/// Counts a call of this thread; whether it runs on the thread's own runtime.
fn runs_here() -> bool {
    if tokio::runtime::Handle::try_current().is_ok() {
        // Inside a runtime (an async caller blocking, against advice): a runtime cannot be driven here.
        return false;
    }
    OWN.try_with(|own| {
        let mut own = own.borrow_mut();
        let own = own.get();
        own.calls = own.calls.saturating_add(1);
        own.calls > SHARED_CALLS
    })
    .unwrap_or(false)
}

/// This thread's own runtime, built on first use.
fn own_runtime() -> Result<Rc<tokio::runtime::Runtime>> {
    let existing = OWN
        .try_with(|own| own.borrow_mut().get().runtime.clone())
        .map_err(|_| Error::config("a blocking call was made while its thread was ending"))?;
    if let Some(runtime) = existing {
        return Ok(runtime);
    }
    let runtime = Rc::new(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                Error::config(format!(
                    "cannot start this thread's alipay-marketing runtime: {e}"
                ))
            })?,
    );
    OWN.with(|own| own.borrow_mut().get().runtime = Some(runtime.clone()));
    Ok(runtime)
}

/// Whether the code running now is a call on its thread's own runtime, which must use that thread's connection
/// pool: a connection opened here is served by this runtime alone, so no other thread may be handed it.
pub(crate) fn on_own_runtime() -> bool {
    DRIVING.try_with(Cell::get).unwrap_or(false)
}

/// Marks this thread as driving its own runtime while it lives.
struct Driving(bool);

impl Driving {
    fn enter() -> Driving {
        Driving(DRIVING.replace(true))
    }
}

impl Drop for Driving {
    fn drop(&mut self) {
        DRIVING.set(self.0);
    }
}

/// Runs `future` on this thread's own runtime, for at most `limit` when given (`None` when it is not done by
/// then).
fn run_here<T>(
    future: Pin<&mut (dyn Future<Output = T> + Send)>,
    limit: Option<Duration>,
) -> Result<Option<T>> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(inside_a_runtime());
    }
    let runtime = own_runtime()?;
    #[cfg(unix)]
    let _sigpipe = crate::sigpipe::Blocked::new();
    let _driving = Driving::enter();
    Ok(match limit {
        None => Some(runtime.block_on(future)),
        Some(limit) => runtime.block_on(async { tokio::time::timeout(limit, future).await.ok() }),
    })
}

fn inside_a_runtime() -> Error {
    Error::config(
        "a blocking alipay-marketing call was made from inside an async runtime; use the async API instead",
    )
}

/// A future started by [`start`], waited for from a plain thread. Dropping it before the answer cancels the
/// future (as dropping an async call does).
///
/// Wait for it on the thread that started it: a call that runs on that thread's own runtime is driven by the
/// waiting thread.
pub struct Pending<T>(Waiting<T>);

enum Waiting<T> {
    /// A task of the shared runtime.
    Task {
        slot: Arc<Slot<T>>,
        task: tokio::task::AbortHandle,
    },
    /// Driven by the waiting thread on its own runtime; `None` once it has answered.
    Here(Option<Pin<Box<dyn Future<Output = T> + Send>>>),
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

fn runtime_stopped() -> Error {
    Error::config("the alipay-marketing runtime stopped before the call answered")
}

impl<T> Pending<T> {
    /// Waits for the answer. (An error if the shared runtime dropped the task, which it does not while the
    /// process runs, or if this is waited for from inside an async runtime.)
    pub fn wait(mut self) -> Result<T> {
        match &mut self.0 {
            Waiting::Task { slot, .. } => {
                let mut state = slot.state.lock().unwrap_or_else(|p| p.into_inner());
                loop {
                    if let Some(answer) = state.0.take() {
                        return Ok(answer);
                    }
                    if state.1 {
                        return Err(runtime_stopped());
                    }
                    state = slot.ready.wait(state).unwrap_or_else(|p| p.into_inner());
                }
            }
            Waiting::Here(future) => drive_here(future, None)?.ok_or_else(runtime_stopped),
        }
    }

    /// Waits up to `timeout` for the answer; `None` while the future is still running.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Result<Option<T>> {
        match &mut self.0 {
            Waiting::Task { slot, .. } => {
                let state = slot.state.lock().unwrap_or_else(|p| p.into_inner());
                let (mut state, _) = slot
                    .ready
                    .wait_timeout_while(state, timeout, |s| s.0.is_none() && !s.1)
                    .unwrap_or_else(|p| p.into_inner());
                match state.0.take() {
                    Some(answer) => Ok(Some(answer)),
                    None if state.1 => Err(runtime_stopped()),
                    None => Ok(None),
                }
            }
            Waiting::Here(future) => drive_here(future, Some(timeout)),
        }
    }
}

/// Drives a [`Waiting::Here`] future on this thread's runtime, for at most `limit` when given; drops it there
/// once it has answered.
fn drive_here<T>(
    future: &mut Option<Pin<Box<dyn Future<Output = T> + Send>>>,
    limit: Option<Duration>,
) -> Result<Option<T>> {
    let running = future.as_mut().ok_or_else(runtime_stopped)?;
    let answer = run_here(running.as_mut(), limit)?;
    if answer.is_some() {
        drop_here(future.take());
    }
    Ok(answer)
}

impl<T> Drop for Pending<T> {
    fn drop(&mut self) {
        match &mut self.0 {
            Waiting::Task { task, .. } => task.abort(),
            Waiting::Here(future) => drop_here(future.take()),
        }
    }
}

/// Drops a future of this thread's own runtime inside that runtime, so that what it holds (timers, sockets)
/// is released through the runtime it was registered with.
fn drop_here<F>(future: Option<F>) {
    if future.is_none() {
        return;
    }
    let runtime = OWN
        .try_with(|own| own.borrow_mut().get().runtime.clone())
        .ok()
        .flatten();
    let _inside = runtime.as_ref().map(|runtime| runtime.enter());
    drop(future);
}

/// Starts `future` and returns at once: the thread's first [`SHARED_CALLS`] calls as tasks of the shared
/// runtime (the future runs there at once; the waiting thread is woken once, by the answer), and its later ones
/// on the thread's own runtime, where the future runs when waited for, driven by the waiting thread itself.
pub fn start<F>(future: F) -> Result<Pending<F::Output>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    if runs_here() {
        return Ok(Pending(Waiting::Here(Some(Box::pin(future)))));
    }
    let slot = Arc::new(Slot {
        state: Mutex::new((None, false)),
        ready: Condvar::new(),
    });
    let filler = Filler(slot.clone());
    let task = runtime()?.spawn(async move {
        let answer = future.await;
        filler.fill(answer);
    });
    Ok(Pending(Waiting::Task {
        slot,
        task: task.abort_handle(),
    }))
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

    /// Where `start` ran a future: the thread that polled it.
    fn runs_on() -> std::thread::ThreadId {
        start(async { std::thread::current().id() })
            .unwrap()
            .wait()
            .unwrap()
    }

    #[test]
    fn a_threads_first_calls_run_on_the_shared_runtime_and_later_ones_on_the_thread_itself() {
        std::thread::spawn(|| {
            let me = std::thread::current().id();
            for _ in 0..SHARED_CALLS {
                assert_ne!(runs_on(), me);
            }
            for _ in 0..5 {
                assert_eq!(runs_on(), me);
            }
            assert!(!on_own_runtime(), "only while a call is driven here");
        })
        .join()
        .unwrap();
    }

    /// Checks an answered and a cancelled future, with `calls` calls made on the thread beforehand.
    fn answers_and_cancels(calls: u32) {
        std::thread::spawn(move || {
            for _ in 0..calls {
                runs_on();
            }
            let mut pending = start(async { 40 + 2 }).unwrap();
            let mut answer = None;
            while answer.is_none() {
                answer = pending.wait_timeout(Duration::from_millis(50)).unwrap();
            }
            assert_eq!(answer, Some(42));

            let (tx, rx) = std::sync::mpsc::channel::<()>();
            let mut pending = start(async move {
                // Holds `tx` until cancelled; never finishes on its own.
                std::future::pending::<()>().await;
                drop(tx);
            })
            .unwrap();
            assert!(
                pending
                    .wait_timeout(Duration::from_millis(10))
                    .unwrap()
                    .is_none()
            );
            drop(pending);
            // The future was cancelled: it (and `tx` with it) is dropped, so the channel disconnects.
            assert_eq!(
                rx.recv_timeout(Duration::from_secs(10)),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected)
            );
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_started_future_answers_and_a_dropped_one_is_cancelled_on_the_shared_runtime() {
        answers_and_cancels(0);
    }

    #[test]
    fn a_started_future_answers_and_a_dropped_one_is_cancelled_on_the_threads_own_runtime() {
        answers_and_cancels(SHARED_CALLS);
    }

    #[test]
    fn a_call_driven_here_sees_its_own_runtime_and_timers_work() {
        std::thread::spawn(|| {
            for _ in 0..SHARED_CALLS {
                runs_on();
            }
            let seen = start(async {
                tokio::time::sleep(Duration::from_millis(1)).await;
                on_own_runtime()
            })
            .unwrap()
            .wait()
            .unwrap();
            assert!(seen);
        })
        .join()
        .unwrap();
    }

    #[tokio::test]
    async fn block_on_inside_a_runtime_is_an_error_not_a_panic() {
        let err = block_on(async {}).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Config);
        assert!(err.message().contains("async runtime"));
    }
}
