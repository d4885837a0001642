//! Waiting for a call from the sync client: the GIL is released while the future runs on the shared runtime, and
//! every [`SIGNAL_CHECK`] the thread takes the GIL back briefly to let Python handle signals, so Ctrl-C
//! interrupts a slow call instead of waiting for its deadline. Raising drops (cancels) the call. A panic in the
//! future raises `InternalError` ([`crate::panic`]).

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
    F: Future + Send,
    F::Output: Send,
{
    let mut future = std::pin::pin!(CatchPanic::new(future));
    loop {
        let slice = py.detach(|| {
            blocking::block_on(async { tokio::time::timeout(SIGNAL_CHECK, future.as_mut()).await })
        });
        match slice {
            Ok(Ok(Ok(output))) => return Ok(output),
            Ok(Ok(Err(panic_text))) => return Err(internal_error(py, &panic_text, true)),
            Ok(Err(_still_running)) => py.check_signals()?,
            Err(e) => return Err(to_py_err(py, &e)),
        }
    }
}
