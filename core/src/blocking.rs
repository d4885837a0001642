//! The one process-wide tokio runtime that the blocking faces (C, Python) share.
//!
//! Built lazily on first use, with a small fixed number of worker threads. Blocking on it from inside another
//! runtime, or from a child process after `fork`, is an error rather than a deadlock or a panic.

use std::future::Future;
use std::sync::OnceLock;

use crate::error::{Error, Result};

struct Shared {
    runtime: tokio::runtime::Runtime,
    pid: u32,
}

static SHARED: OnceLock<std::result::Result<Shared, String>> = OnceLock::new();

/// The shared runtime, built on first use.
pub fn runtime() -> Result<&'static tokio::runtime::Runtime> {
    let shared = SHARED.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(
                std::thread::available_parallelism()
                    .map_or(2, |n| n.get())
                    .clamp(2, 8),
            )
            .thread_name("alipay-marketing")
            .enable_all()
            .build()
            .map(|runtime| Shared {
                runtime,
                pid: std::process::id(),
            })
            .map_err(|e| e.to_string())
    });
    match shared {
        Ok(shared) if shared.pid != std::process::id() => Err(Error::config(
            "the alipay-marketing runtime was started before this process was forked and cannot be used in the \
             child; create clients only after fork (e.g. in each worker process)",
        )),
        Ok(shared) => Ok(&shared.runtime),
        Err(e) => Err(Error::config(format!(
            "cannot start the alipay-marketing runtime: {e}"
        ))),
    }
}

/// Runs `future` to completion on the shared runtime, blocking this thread.
///
/// Errors (never panics) when called from inside an async runtime — use the async API there — or after `fork`.
pub fn block_on<F: Future>(future: F) -> Result<F::Output> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::config(
            "a blocking alipay-marketing call was made from inside an async runtime; use the async API instead",
        ));
    }
    Ok(runtime()?.block_on(future))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_on_runs_futures_on_the_shared_runtime() {
        assert_eq!(block_on(async { 40 + 2 }).unwrap(), 42);
    }

    #[tokio::test]
    async fn block_on_inside_a_runtime_is_an_error_not_a_panic() {
        let err = block_on(async {}).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Config);
        assert!(err.message().contains("async runtime"));
    }
}
