//! The pure-Rust loops that the Python benchmarks (bench/python) compare the Python face with: the same core
//! client, the same shared runtime and the same gateway, driven without Python in between.

use std::time::Instant;

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::{Client, blocking};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors::to_py_err;

fn request(template_id: &str, user_id: &str, prefix: &str, n: usize) -> VoucherSendRequest {
    VoucherSendRequest::new(template_id, format!("{prefix}-{n}")).user_id(user_id)
}

/// Sends `calls` vouchers with the core client of `client` and returns the elapsed seconds. `mode` is
/// `"sequential"` (one thread, blocking calls), `"threads"` (`workers` threads making blocking calls) or
/// `"tasks"` (`workers` concurrent tasks on the shared runtime). Every call must succeed.
#[pyfunction]
#[pyo3(signature = (client, *, mode, workers, calls, template_id, user_id, prefix))]
#[allow(clippy::too_many_arguments)]
pub fn rust_baseline(
    py: Python<'_>,
    client: &Bound<'_, PyAny>,
    mode: &str,
    workers: usize,
    calls: usize,
    template_id: &str,
    user_id: &str,
    prefix: &str,
) -> PyResult<f64> {
    let core = crate::client::core_client(client)?;
    let workers = workers.max(1);
    let run = |core: Client| -> alipay_marketing::Result<f64> {
        let started = Instant::now();
        match mode {
            "sequential" => {
                for n in 0..calls {
                    blocking::block_on(core.send_voucher(&request(
                        template_id,
                        user_id,
                        prefix,
                        n,
                    )))??;
                }
            }
            "threads" => std::thread::scope(|scope| {
                let handles: Vec<_> = (0..workers)
                    .map(|w| {
                        let core = core.clone();
                        scope.spawn(move || -> alipay_marketing::Result<()> {
                            for n in (w..calls).step_by(workers) {
                                blocking::block_on(core.send_voucher(&request(
                                    template_id,
                                    user_id,
                                    prefix,
                                    n,
                                )))??;
                            }
                            Ok(())
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .try_for_each(|h| h.join().expect("baseline thread panicked"))
            })?,
            _ => {
                let runtime = blocking::runtime()?;
                let tasks: Vec<_> = (0..workers)
                    .map(|w| {
                        let core = core.clone();
                        let (template_id, user_id, prefix) = (
                            template_id.to_owned(),
                            user_id.to_owned(),
                            prefix.to_owned(),
                        );
                        runtime.spawn(async move {
                            for n in (w..calls).step_by(workers) {
                                core.send_voucher(&request(&template_id, &user_id, &prefix, n))
                                    .await?;
                            }
                            Ok::<_, alipay_marketing::Error>(())
                        })
                    })
                    .collect();
                blocking::block_on(async {
                    for task in tasks {
                        task.await.expect("baseline task panicked")?;
                    }
                    Ok::<_, alipay_marketing::Error>(())
                })??;
            }
        }
        Ok(started.elapsed().as_secs_f64())
    };
    if !["sequential", "threads", "tasks"].contains(&mode) {
        return Err(PyValueError::new_err(
            "mode must be \"sequential\", \"threads\" or \"tasks\"",
        ));
    }
    py.detach(|| run(core)).map_err(|e| to_py_err(py, &e))
}
