//! The native half of the `alipay_marketing` Python package (`alipay_marketing._native`).
//!
//! Module map:
//! - `client` — the sync `Client` and the asyncio `AsyncClient`, both thin over the core client.
//! - `config` — turning constructor keywords (keys and certificates as text or paths, gateway, deadlines,
//!   retries, rate limit, network and protocol options) into a core client builder.
//! - `requests` — turning method keywords into the core's typed requests; the dry run of any method.
//! - `results` — the frozen result objects handed back to Python.
//! - `companion` — the companion calls, the preflight and the settle methods on both clients, and their results.
//! - `settle` — the `Settlement` object, and keeping a raised call's core error for `settle_*`.
//! - `doctor` — `ClientStats` and the configuration doctor (`DoctorReport`, `doctor()`).
//! - `errors` — raising the exception classes of `alipay_marketing/errors.py` from core errors.
//! - `panic` — a panic caught at the boundary with the core raises `InternalError`, never `PanicException`.
//! - `bridge` — asyncio awaitables for futures on the shared runtime, completed on the loop thread without the
//!   runtime threads taking the GIL.
//! - `wait` — waiting for a call with the GIL released and Ctrl-C still honoured.
//! - `logging` — forwarding the core's `tracing` events to Python `logging`, masked.
//! - `keys` — key helpers for tests and tools (generating a pair).
//! - `sandbox` — the in-process gateway emulator behind `alipay_marketing.testing.Sandbox`.
//! - `campaign` — `Campaign` (check, run with progress, status, report) and the `campaign` command line.
//! - `baseline` — the pure-Rust loops the benchmarks compare the Python face with (feature `bench` only, so they
//!   never ship in the wheel).
//!
//! No protocol or business rule lives here: validation, signing and verification are the core's.
#![forbid(unsafe_code)]

#[cfg(feature = "bench")]
mod baseline;
mod bridge;
mod campaign;
mod client;
mod companion;
mod config;
mod doctor;
mod errors;
mod keys;
mod logging;
mod option_rules;
mod panic;
mod requests;
mod results;
mod sandbox;
mod settle;
mod wait;

use pyo3::prelude::*;

/// The native module. The pure-Python package re-exports what users need.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("ERROR_KINDS", errors::kind_names(m.py())?)?;
    m.add(
        "BATCH_RESULT_FIELDS",
        pyo3::types::PyTuple::new(m.py(), alipay_marketing_campaign::RESULT_FIELDS)?,
    )?;
    m.add_class::<client::Client>()?;
    m.add_class::<client::AsyncClient>()?;
    m.add_class::<results::InviteAwardResult>()?;
    m.add_class::<results::VoucherSendResult>()?;
    m.add_class::<results::PointsUpdateResult>()?;
    m.add_class::<results::ExecuteResult>()?;
    m.add_class::<results::PreparedRequest>()?;
    m.add_class::<doctor::ClientStats>()?;
    m.add_class::<doctor::DoctorReport>()?;
    m.add_class::<doctor::Finding>()?;
    m.add_class::<sandbox::SandboxServer>()?;
    m.add_class::<companion::VoucherDetail>()?;
    m.add_class::<companion::VoucherList>()?;
    m.add_class::<companion::VoucherLite>()?;
    m.add_class::<companion::TemplateDetail>()?;
    m.add_class::<companion::TemplateCreateResult>()?;
    m.add_class::<companion::PointsBalance>()?;
    m.add_class::<settle::Settlement>()?;
    m.add_function(wrap_pyfunction!(doctor::doctor, m)?)?;
    m.add_function(wrap_pyfunction!(keys::generate_key_pair, m)?)?;
    m.add_function(wrap_pyfunction!(option_rules::_check_retry_policy, m)?)?;
    m.add_function(wrap_pyfunction!(option_rules::_check_rate_limit, m)?)?;
    #[cfg(feature = "bench")]
    m.add_function(wrap_pyfunction!(baseline::rust_baseline, m)?)?;
    m.add_function(wrap_pyfunction!(panic::_panic_for_tests, m)?)?;
    m.add_class::<campaign::Campaign>()?;
    m.add_class::<campaign::CampaignProgress>()?;
    m.add_class::<campaign::CampaignSummary>()?;
    m.add_class::<campaign::CheckReport>()?;
    m.add_class::<campaign::RowProblem>()?;
    m.add_class::<campaign::RunResult>()?;
    m.add_function(wrap_pyfunction!(campaign::campaign_cli, m)?)?;
    Ok(())
}
