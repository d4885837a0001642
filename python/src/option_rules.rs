//! The core's option rules for the frozen option classes of `alipay_marketing.options`: `RetryPolicy` and
//! `RateLimit` check their values here when they are made, so Python applies exactly the rule (and message) that
//! Rust and C apply.

use alipay_marketing::{RateLimit, RetryPolicy, limits};
use pyo3::prelude::*;

use crate::errors::config_error;

/// A Python int as `i128`, or the message that says how large it really is.
pub fn int_value(field: &str, value: &Bound<'_, PyAny>) -> PyResult<Result<i128, String>> {
    match value.extract::<i128>() {
        Ok(n) => Ok(Ok(n)),
        Err(_) => Ok(Err(format!(
            "{field} {} is far beyond any usable value",
            value.str()?.to_cow()?
        ))),
    }
}

/// A core error as `ConfigError` about `field` (its own field for a retry policy is the policy).
fn raise(py: Python<'_>, field: &str, error: &alipay_marketing::Error) -> PyErr {
    let own = error.field().unwrap_or(field);
    let message = error
        .message()
        .strip_prefix(own)
        .and_then(|m| m.strip_prefix(": "))
        .unwrap_or(error.message());
    config_error(py, Some(field), &format!("{field}: {own} {message}"))
}

/// The core policy from `RetryPolicy`'s values; raises `ConfigError` (field `retry`) naming the value at fault.
pub fn retry_policy(
    py: Python<'_>,
    max_attempts: &Bound<'_, PyAny>,
    base_delay: f64,
    max_delay: f64,
) -> PyResult<RetryPolicy> {
    let attempts = match int_value("max_attempts", max_attempts)? {
        Ok(n) => n,
        Err(message) => {
            return Err(config_error(
                py,
                Some("retry"),
                &format!("retry: {message}"),
            ));
        }
    };
    let attempts = RetryPolicy::check_attempts(attempts).map_err(|e| raise(py, "retry", &e))?;
    let base = limits::seconds("base_delay", base_delay).map_err(|e| raise(py, "retry", &e))?;
    let max = limits::seconds("max_delay", max_delay).map_err(|e| raise(py, "retry", &e))?;
    RetryPolicy::new(attempts, base, max).map_err(|e| raise(py, "retry", &e))
}

/// The core rate limit from `RateLimit`'s (or a tuple's) values; raises `ConfigError` (field `rate_limit`).
pub fn rate_limit(py: Python<'_>, qps: f64, burst: &Bound<'_, PyAny>) -> PyResult<RateLimit> {
    let burst = match int_value("burst", burst)? {
        Ok(n) => n,
        Err(message) => {
            return Err(config_error(
                py,
                Some("rate_limit"),
                &format!("rate_limit: {message}"),
            ));
        }
    };
    let burst = RateLimit::check(qps, burst)
        .map_err(|e| config_error(py, Some("rate_limit"), e.message()))?;
    RateLimit::new(qps, burst).map_err(|e| config_error(py, Some("rate_limit"), e.message()))
}

/// `RetryPolicy.__post_init__`: the core's rule for its values.
#[pyfunction]
pub fn _check_retry_policy(
    py: Python<'_>,
    max_attempts: &Bound<'_, PyAny>,
    base_delay: f64,
    max_delay: f64,
) -> PyResult<()> {
    retry_policy(py, max_attempts, base_delay, max_delay).map(drop)
}

/// `RateLimit.__post_init__`: the core's rule for its values.
#[pyfunction]
pub fn _check_rate_limit(py: Python<'_>, qps: f64, burst: &Bound<'_, PyAny>) -> PyResult<()> {
    rate_limit(py, qps, burst).map(drop)
}
