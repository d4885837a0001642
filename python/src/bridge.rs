//! The asyncio bridge: a Rust future on the core's shared runtime, awaited as an asyncio future, completed without
//! the runtime thread ever taking the GIL.
//!
//! [`spawn`] runs on the event loop's thread (GIL held): it creates a future with `loop.create_future()`, spawns
//! the Rust future on the shared runtime and keeps the Python future in the loop's [`Bridge`] under a call id.
//! When the Rust future finishes, its task only pushes `(id, output)` onto the loop's [`Inbox`] and, if the inbox
//! was empty, writes one byte to a socket the loop watches (`loop.add_reader`): no GIL, one wake-up per batch of
//! completions rather than one per call. The loop then calls the bridge, which takes the whole inbox, converts
//! each output to Python ([`Deliver`], with the GIL, on the loop thread) and sets each future's result or
//! exception, unless the future is already done (cancelled).
//!
//! Cancelling the Python future aborts the task, which drops the Rust future (so the call is cancelled).
//!
//! One bridge per event loop, created on the loop's first call and found again by the loop's identity. A loop
//! that is garbage collected forgets its bridge (a weak reference's callback); the bridges of closed loops are
//! dropped when the next bridge is created; and a forked child never reuses its parent's bridges (the socket is
//! shared with the parent, the tasks that would fill the inbox are gone): the registry is keyed by process id.

use std::collections::HashMap;
use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use alipay_marketing::blocking;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyWeakrefMethods, PyWeakrefReference};

use crate::errors::to_py_err;

/// A finished call's output, turned into the awaitable's result (or exception) on the loop thread, GIL held.
pub trait Deliver: Send + 'static {
    fn deliver(self, py: Python<'_>) -> PyResult<Py<PyAny>>;
}

/// [`Deliver`] through a box, so one inbox holds the outputs of calls of any type.
trait DeliverBoxed: Send {
    fn deliver_boxed(self: Box<Self>, py: Python<'_>) -> PyResult<Py<PyAny>>;
}

impl<D: Deliver> DeliverBoxed for D {
    fn deliver_boxed(self: Box<Self>, py: Python<'_>) -> PyResult<Py<PyAny>> {
        (*self).deliver(py)
    }
}

type Finished = Vec<(u64, Box<dyn DeliverBoxed>)>;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The runtime's side of one loop: the finished calls the loop has not taken yet, and the socket pair whose
/// reading end the loop watches.
struct Inbox {
    finished: Mutex<Finished>,
    wake_tx: UnixStream,
    wake_rx: UnixStream,
}

impl Inbox {
    fn new() -> std::io::Result<Self> {
        let (wake_tx, wake_rx) = UnixStream::pair()?;
        wake_tx.set_nonblocking(true)?;
        wake_rx.set_nonblocking(true)?;
        Ok(Inbox {
            finished: Mutex::new(Vec::new()),
            wake_tx,
            wake_rx,
        })
    }

    /// Called by a runtime thread: queues the output and wakes the loop if nothing was queued (otherwise a
    /// wake-up is already on its way, and the loop takes this output with the others).
    fn push(&self, id: u64, output: Box<dyn DeliverBoxed>) {
        let was_empty = {
            let mut finished = lock(&self.finished);
            finished.push((id, output));
            finished.len() == 1
        };
        if was_empty {
            // WouldBlock means the socket is full of unread wake-ups: the loop wakes anyway.
            let _ = (&self.wake_tx).write(&[1]);
        }
    }

    /// Called on the loop thread: clears the wake-ups, then takes everything queued. A push after the clearing
    /// either lands in this batch or (finding the inbox empty) wakes the loop again, so none is lost.
    fn take(&self) -> Finished {
        let mut buffer = [0_u8; 64];
        while let Ok(n) = (&self.wake_rx).read(&mut buffer) {
            if n < buffer.len() {
                break;
            }
        }
        std::mem::take(&mut *lock(&self.finished))
    }
}

/// The loop's side: its calls in flight and the inbox their outputs arrive in. Called by the loop (registered
/// with `add_reader`) when the inbox's socket is readable.
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct Bridge {
    inbox: Arc<Inbox>,
    /// The Python future of each call in flight, by call id. Touched on the loop thread only.
    waiting: Mutex<HashMap<u64, Py<PyAny>>>,
    next_id: AtomicU64,
    /// The loop, weakly (a bridge must not keep its loop alive).
    event_loop: Py<PyWeakrefReference>,
}

#[pymethods]
impl Bridge {
    /// Completes the futures of every finished call.
    fn __call__(&self, py: Python<'_>) {
        for (id, output) in self.inbox.take() {
            let Some(future) = lock(&self.waiting).remove(&id) else {
                // Cancelled, and its done callback has already forgotten it.
                continue;
            };
            let future = future.into_bound(py);
            let delivered =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| output.deliver_boxed(py)))
                    .unwrap_or_else(|payload| {
                        Err(crate::panic::internal_error(
                            py,
                            &crate::panic::payload_text(payload.as_ref()),
                            true,
                        ))
                    });
            let set = match delivered {
                Ok(value) => future.call_method1(pyo3::intern!(py, "set_result"), (value,)),
                Err(error) => {
                    future.call_method1(pyo3::intern!(py, "set_exception"), (error.into_value(py),))
                }
            };
            if let Err(error) = set {
                // Cancelled before its done callback ran: asyncio refuses a result, which is right.
                if !future
                    .call_method0(pyo3::intern!(py, "done"))
                    .and_then(|d| d.is_truthy())
                    .unwrap_or(false)
                {
                    error.write_unraisable(py, Some(&future));
                }
            }
        }
    }
}

impl Bridge {
    fn forget(&self, id: u64) -> Option<Py<PyAny>> {
        lock(&self.waiting).remove(&id)
    }

    /// Lets go of the futures of a loop that is gone, closed or the parent's: each future's done callback holds
    /// the bridge, so this breaks the reference cycles (the caller drops the map outside any lock).
    fn retire(&self) -> HashMap<u64, Py<PyAny>> {
        std::mem::take(&mut *lock(&self.waiting))
    }

    fn loop_is(&self, py: Python<'_>, event_loop: &Bound<'_, PyAny>) -> bool {
        self.event_loop
            .bind(py)
            .upgrade()
            .is_some_and(|alive| alive.is(event_loop))
    }

    /// Dead, or closed (a closed loop never runs again).
    fn loop_finished(&self, py: Python<'_>) -> bool {
        match self.event_loop.bind(py).upgrade() {
            None => true,
            Some(event_loop) => event_loop
                .call_method0(pyo3::intern!(py, "is_closed"))
                .and_then(|closed| closed.is_truthy())
                .unwrap_or(true),
        }
    }
}

/// The done callback of one call's future: aborts the task (a no-op once it has finished), which drops the Rust
/// future of a cancelled call.
#[pyclass(frozen, module = "alipay_marketing._native")]
struct AbortOnDone {
    bridge: Py<Bridge>,
    id: u64,
    task: tokio::task::AbortHandle,
}

#[pymethods]
impl AbortOnDone {
    fn __call__(&self, _future: &Bound<'_, PyAny>) {
        self.task.abort();
        // Dropped here, with the GIL held.
        drop(self.bridge.get().forget(self.id));
    }
}

/// The weak reference callback of a loop: forgets the loop's bridge when the loop is garbage collected.
#[pyclass(frozen, module = "alipay_marketing._native")]
struct ForgetLoop {
    key: usize,
}

#[pymethods]
impl ForgetLoop {
    fn __call__(&self, py: Python<'_>, reference: &Bound<'_, PyAny>) {
        let forgotten = {
            let mut registry = lock(&REGISTRY);
            match registry.loops.get(&self.key) {
                Some(bridge) if bridge.get().event_loop.bind(py).is(reference) => {
                    registry.loops.remove(&self.key)
                }
                _ => None,
            }
        };
        // Dropped outside the lock: dropping Python objects can run Python code.
        retire_all(forgotten);
    }
}

/// The bridges of this process's loops, by the loop object's address (checked against the bridge's weak
/// reference, so a new loop at a dead one's address is never given the dead one's bridge).
struct Registry {
    pid: u32,
    loops: HashMap<usize, Py<Bridge>>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(|| {
    Mutex::new(Registry {
        pid: 0,
        loops: HashMap::new(),
    })
});

/// The bridge of `event_loop`, created (and registered with the loop) on its first call.
fn bridge_of(py: Python<'_>, event_loop: &Bound<'_, PyAny>) -> PyResult<Py<Bridge>> {
    let key = event_loop.as_ptr() as usize;
    let pid = std::process::id();
    let (found, stale) = {
        let mut registry = lock(&REGISTRY);
        if registry.pid == pid {
            match registry.loops.get(&key) {
                Some(bridge) if bridge.get().loop_is(py, event_loop) => {
                    (Some(bridge.clone_ref(py)), Vec::new())
                }
                _ => (None, Vec::new()),
            }
        } else {
            // A forked child (or the first call): nothing of the parent's is reused.
            registry.pid = pid;
            (
                None,
                registry.loops.drain().map(|(_, bridge)| bridge).collect(),
            )
        }
    };
    if let Some(bridge) = found {
        return Ok(bridge);
    }
    // Dropped outside the lock (dropping Python objects can run Python code).
    retire_all(stale);
    sweep(py);

    let inbox = Inbox::new().map_err(|e| {
        PyRuntimeError::new_err(format!("cannot create the asyncio wake-up socket: {e}"))
    })?;
    let fd = inbox.wake_rx.as_raw_fd();
    let forget = Py::new(py, ForgetLoop { key })?;
    let reference = PyWeakrefReference::new_with(event_loop, forget)?;
    let bridge = Py::new(
        py,
        Bridge {
            inbox: Arc::new(inbox),
            waiting: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            event_loop: reference.unbind(),
        },
    )?;
    event_loop.call_method1(pyo3::intern!(py, "add_reader"), (fd, bridge.clone_ref(py)))?;
    let replaced = lock(&REGISTRY).loops.insert(key, bridge.clone_ref(py));
    retire_all(replaced);
    Ok(bridge)
}

/// Drops the bridges of loops that are closed or gone (their sockets close once no task holds their inbox).
fn sweep(py: Python<'_>) {
    let bridges: Vec<(usize, Py<Bridge>)> = lock(&REGISTRY)
        .loops
        .iter()
        .map(|(key, bridge)| (*key, bridge.clone_ref(py)))
        .collect();
    let finished: Vec<usize> = bridges
        .iter()
        .filter(|(_, bridge)| bridge.get().loop_finished(py))
        .map(|(key, _)| *key)
        .collect();
    let removed: Vec<Py<Bridge>> = {
        let mut registry = lock(&REGISTRY);
        finished
            .iter()
            .filter_map(|key| registry.loops.remove(key))
            .collect()
    };
    drop(bridges);
    retire_all(removed);
}

/// Drops bridges taken out of the registry, their futures first. Never called with the registry locked.
fn retire_all(bridges: impl IntoIterator<Item = Py<Bridge>>) {
    for bridge in bridges {
        drop(bridge.get().retire());
    }
}

static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// An asyncio future, on the running loop, for `future` run on the shared runtime; its output is delivered on the
/// loop thread. Raises `RuntimeError` (asyncio's "no running event loop") outside a running loop.
pub fn spawn<'py, F>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future + Send + 'static,
    F::Output: Deliver,
{
    let runtime = blocking::runtime().map_err(|e| to_py_err(py, &e))?;
    let get_running_loop = GET_RUNNING_LOOP.get_or_try_init(py, || {
        Ok::<_, PyErr>(py.import("asyncio")?.getattr("get_running_loop")?.unbind())
    })?;
    let event_loop = get_running_loop.bind(py).call0()?;
    let bridge = bridge_of(py, &event_loop)?;
    let py_future = event_loop.call_method0(pyo3::intern!(py, "create_future"))?;

    let shared = bridge.get();
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let inbox = Arc::clone(&shared.inbox);
    lock(&shared.waiting).insert(id, py_future.clone().unbind());
    let task = runtime.spawn(async move {
        let output = future.await;
        inbox.push(id, Box::new(output));
    });
    let on_done = AbortOnDone {
        bridge: bridge.clone_ref(py),
        id,
        task: task.abort_handle(),
    };
    if let Err(error) = py_future.call_method1(pyo3::intern!(py, "add_done_callback"), (on_done,)) {
        task.abort();
        drop(shared.forget(id));
        return Err(error);
    }
    Ok(py_future)
}
