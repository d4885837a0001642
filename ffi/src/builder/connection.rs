//! Where and how the client connects: gateway, charset, deadlines, retries, rate limit, proxy, extra CA roots.

use std::ffi::c_char;
use std::time::Duration;

use alipay_marketing::{Charset, ClientBuilder, Gateway, PoolSettings, RetryPolicy};

use super::{alipay_client_builder, set, text};
use crate::error::{FfiError, alipay_error};
use crate::status::alipay_status;

/// Sets where requests go: `"production"` (the default), `"sandbox"` (Alipay's online sandbox), or a gateway URL.
/// Plain `http://` URLs are accepted only for loopback hosts unless insecure HTTP is allowed (checked at build).
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_gateway(
    builder: *mut alipay_client_builder,
    gateway: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let gateway = Gateway::parse(&text(gateway, "gateway")?);
            b.update(|core| core.gateway(gateway));
            Ok(())
        })
    }
}

/// Allows `http://` gateways on non-loopback hosts (off by default: requests would travel unencrypted).
///
/// # Safety
/// `builder` is NULL or a live builder; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_allow_insecure_http(
    builder: *mut alipay_client_builder,
    allow: bool,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            b.update(|core| core.allow_insecure_http(allow));
            Ok(())
        })
    }
}

/// Sets the TCP/TLS connect timeout in milliseconds (default 3000; 0 and more than a day, 86400000, are
/// refused at build).
///
/// # Safety
/// `builder` is NULL or a live builder; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_connect_timeout_ms(
    builder: *mut alipay_client_builder,
    timeout_ms: u64,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            b.update(|core| core.connect_timeout(Duration::from_millis(timeout_ms)));
            Ok(())
        })
    }
}

/// Sets the deadline of a whole call in milliseconds (default 15000; 0 and more than a day are refused at build).
/// Every blocking call returns by then, with `ALIPAY_STATUS_TIMEOUT` if the answer has not arrived.
///
/// # Safety
/// `builder` is NULL or a live builder; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_timeout_ms(
    builder: *mut alipay_client_builder,
    timeout_ms: u64,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            b.update(|core| core.timeout(Duration::from_millis(timeout_ms)));
            Ok(())
        })
    }
}

/// Sets the deadline of one HTTP attempt in milliseconds (default 8000), always within the call's deadline
/// (0 and more than a day are refused at build).
///
/// # Safety
/// `builder` is NULL or a live builder; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_attempt_timeout_ms(
    builder: *mut alipay_client_builder,
    timeout_ms: u64,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            b.update(|core| core.attempt_timeout(Duration::from_millis(timeout_ms)));
            Ok(())
        })
    }
}

/// Sets how many attempts a call makes, the first included (default 3; 1 turns retries off; 0 gives `ALIPAY_STATUS_CONFIG` and leaves the builder unchanged).
/// Retries reuse the same idempotency key, so the gateway applies an operation at most once; requests without a
/// key (`alipay_client_execute`) are retried only when nothing can have taken effect.
///
/// # Safety
/// `builder` is NULL or a live builder; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_max_attempts(
    builder: *mut alipay_client_builder,
    max_attempts: u32,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let current = b.core.configured_retry_policy();
            let policy = retry_policy(max_attempts, current.base_delay(), current.max_delay())?;
            b.update(|core| core.retry_policy(policy));
            Ok(())
        })
    }
}

/// The core's checked retry policy, its fields named as the C parameters are.
pub(crate) fn retry_policy(
    max_attempts: u32,
    base: Duration,
    max: Duration,
) -> Result<RetryPolicy, FfiError> {
    RetryPolicy::new(max_attempts, base, max).map_err(|e| {
        let e = FfiError::renamed(e, "base_delay", "base_backoff_ms");
        match e {
            // "max_delay: … is below base_delay …" speaks of both parameters: both take their C names.
            FfiError::Core(e) => match FfiError::renamed(e, "max_delay", "max_backoff_ms") {
                FfiError::Renamed(kind, name, message) => {
                    FfiError::Renamed(kind, name, message.replace("base_delay", "base_backoff_ms"))
                }
                other => other,
            },
            other => other,
        }
    })
}

/// Sets the whole retry policy of the client: `max_attempts` attempts per call, the first included (default 3;
/// 1 turns retries off), waiting before retry n a random time below `min(max_backoff_ms, base_backoff_ms × 2ⁿ⁻¹)`
/// milliseconds (exponential backoff with full jitter; default base 100 ms, cap 2000 ms), or longer when the
/// gateway asks for it (`Retry-After`). Every attempt and wait stays inside the call's deadline.
///
/// Only failures that may succeed on another attempt are retried, always with the same idempotency key
/// (`out_biz_no`, `req_id`), so the gateway applies the operation at most once; requests without a key
/// (`alipay_client_execute`) are retried only when nothing can have taken effect. `max_attempts` 0 or
/// `max_backoff_ms` below `base_backoff_ms` give `ALIPAY_STATUS_CONFIG` and leave the builder unchanged.
/// Replaces what `alipay_client_builder_set_max_attempts` set; a call can override the policy with
/// `alipay_call_options_set_retry_policy`.
///
/// # Safety
/// `builder` is NULL or a live builder; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_retry_policy(
    builder: *mut alipay_client_builder,
    max_attempts: u32,
    base_backoff_ms: u64,
    max_backoff_ms: u64,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let policy = retry_policy(
                max_attempts,
                Duration::from_millis(base_backoff_ms),
                Duration::from_millis(max_backoff_ms),
            )?;
            b.update(|core| core.retry_policy(policy));
            Ok(())
        })
    }
}

/// Limits the client (all threads together) to `qps` requests per second on average, in bursts of up to `burst`
/// (off by default; checked at build: `qps` from 1/3600 to 1000000, `burst` from 1 to 1000000). Waiting counts toward a call's deadline.
///
/// # Safety
/// `builder` is NULL or a live builder; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_rate_limit(
    builder: *mut alipay_client_builder,
    qps: f64,
    burst: u32,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            b.update(|core| core.rate_limit(qps, burst));
            Ok(())
        })
    }
}

/// Sends every request through this HTTP(S) proxy, e.g. `"http://proxy.internal:3128"`. By default the
/// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` environment variables are honoured.
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_proxy(
    builder: *mut alipay_client_builder,
    proxy_url: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let url = text(proxy_url, "proxy_url")?;
            b.update(|core| core.proxy(url));
            Ok(())
        })
    }
}

/// Connects directly, ignoring the proxy environment variables.
///
/// # Safety
/// `builder` is NULL or a live builder; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_no_proxy(
    builder: *mut alipay_client_builder,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            b.update(ClientBuilder::no_proxy);
            Ok(())
        })
    }
}

/// Trusts the CA certificates in this PEM text in addition to the system's roots (e.g. for a TLS-inspecting
/// proxy). May be called several times; each call adds.
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_add_root_certificates(
    builder: *mut alipay_client_builder,
    pem: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let pem = text(pem, "pem")?;
            b.update(|core| core.root_certificates_pem(pem));
            Ok(())
        })
    }
}

/// Like `alipay_client_builder_add_root_certificates`, reading the PEM file when a client is built.
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_add_root_certificates_file(
    builder: *mut alipay_client_builder,
    path: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let path = text(path, "path")?;
            b.update(|core| core.root_certificates_file(path));
            Ok(())
        })
    }
}

/// Sets the request charset: `"utf-8"` (the default, recommended), `"GBK"` or `"GB18030"`, as configured for the
/// app. Any other value gives `ALIPAY_STATUS_CONFIG` and leaves the builder unchanged.
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_charset(
    builder: *mut alipay_client_builder,
    charset: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let charset = text(charset, "charset")?.parse::<Charset>()?;
            b.update(|core| core.charset(charset));
            Ok(())
        })
    }
}

/// Speaks HTTP/1.1 only when `http1_only` is true (by default HTTP/2 is used when the gateway offers it over
/// TLS). Useful behind proxies or middleboxes that mishandle HTTP/2.
///
/// # Safety
/// `builder` is NULL or a live builder; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_http1_only(
    builder: *mut alipay_client_builder,
    http1_only: bool,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            b.update(|core| core.set_http1_only(http1_only));
            Ok(())
        })
    }
}

/// Keeps at most `max_idle` idle keep-alive connections per host in the client's pool (default: no limit;
/// 0 keeps none, so every call opens a new connection).
///
/// # Safety
/// `builder` is NULL or a live builder; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_pool_max_idle_per_host(
    builder: *mut alipay_client_builder,
    max_idle: usize,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            b.update(|core| core.pool_max_idle_per_host(max_idle));
            Ok(())
        })
    }
}

/// Closes keep-alive connections that stayed idle longer than `timeout_ms` milliseconds (default 90000). 0 gives
/// `ALIPAY_STATUS_CONFIG` and leaves the builder unchanged (use `alipay_client_builder_set_pool_max_idle_per_host`
/// with 0 to keep no idle connection).
///
/// # Safety
/// `builder` is NULL or a live builder; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_pool_idle_timeout_ms(
    builder: *mut alipay_client_builder,
    timeout_ms: u64,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let pool = PoolSettings::new(None, Duration::from_millis(timeout_ms))
                .map_err(|e| FfiError::renamed(e, "pool_idle_timeout", "pool_idle_timeout_ms"))?;
            b.update(|core| core.pool_idle_timeout(pool.idle_timeout));
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_policy_error_speaks_of_the_c_parameters() {
        let e = retry_policy(2, Duration::from_millis(50), Duration::from_millis(10)).unwrap_err();
        let FfiError::Renamed(_, name, message) = e else {
            panic!("expected a renamed error")
        };
        assert_eq!(name, "max_backoff_ms");
        assert!(
            message.contains("base_backoff_ms") && !message.contains("base_delay"),
            "{message}"
        );
    }
}
