//! Waiting for a call from the sync client: the GIL is released while the future runs (on the shared runtime or
//! on this thread's own, see [`alipay_marketing::blocking`]), and every [`SIGNAL_CHECK`] the thread takes the
//! GIL back briefly to let Python handle signals, so Ctrl-C interrupts a slow call instead of waiting for its
//! deadline. Raising drops (cancels) the call. A panic in the future raises `InternalError` ([`crate::panic`]).

use std::future::Future;
use std::time::Duration;

use alipay_marketing::blocking;
use pyo3::prelude::*;

use crate::errors::to_py_err;
use crate::panic::{CatchPanic, internal_error};

/// How often a waiting call looks for pending signals (`KeyboardInterrupt`).
const SIGNAL_CHECK: Duration = Duration::from_millis(50);

/// Runs `future` to completion with the GIL released, checking for signals while it waits.
pub fn block_on<F>(py: Python<'_>, future: F) -> PyResult<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut pending = blocking::start(CatchPanic::new(future)).map_err(|e| to_py_err(py, &e))?;
    loop {
        let (waited, output) = py.detach(move || {
            let output = pending.wait_timeout(SIGNAL_CHECK);
            (pending, output)
        });
        match output.map_err(|e| to_py_err(py, &e))? {
            Some(Ok(output)) => return Ok(output),
            Some(Err(panic_text)) => return Err(internal_error(py, &panic_text, true)),
            None => {}
        }
        pending = waited;
        // Dropping `pending` on an error (a KeyboardInterrupt) cancels the call.
        py.check_signals()?;
    }
}
