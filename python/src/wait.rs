//! Waiting for a call from the sync client: the GIL is released while the future runs on the shared runtime, and
//! every [`SIGNAL_CHECK`] the thread takes the GIL back briefly to let Python handle signals, so Ctrl-C
//! interrupts a slow call instead of waiting for its deadline. Raising drops (cancels) the call.

use std::future::Future;
use std::time::Duration;

use alipay_marketing::blocking;
use pyo3::prelude::*;

use crate::errors::to_py_err;

/// How often a waiting call looks for pending signals (`KeyboardInterrupt`).
const SIGNAL_CHECK: Duration = Duration::from_millis(50);

/// Runs `future` to completion with the GIL released, checking for signals while it waits.
pub fn block_on<F>(py: Python<'_>, future: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let mut future = std::pin::pin!(future);
    loop {
        let slice = py.detach(|| {
            blocking::block_on(async { tokio::time::timeout(SIGNAL_CHECK, future.as_mut()).await })
        });
        match slice {
            Ok(Ok(output)) => return Ok(output),
            Ok(Err(_still_running)) => py.check_signals()?,
            Err(e) => return Err(to_py_err(py, &e)),
        }
    }
}
