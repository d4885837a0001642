//! Where and how the client connects: gateway, charset, deadlines, retries, rate limit, proxy, extra CA roots.

use std::ffi::c_char;
use std::time::Duration;

use alipay_marketing::{Charset, Gateway};

use super::{KeyInput, Proxy, alipay_client_builder, secret, set, text};
use crate::error::alipay_error;
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
            b.gateway = Some(Gateway::parse(&text(gateway, "gateway")?));
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
            b.allow_insecure_http = allow;
            Ok(())
        })
    }
}

/// Sets the TCP/TLS connect timeout in milliseconds (default 3000; 0 is refused at build).
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
            b.connect_timeout = Some(Duration::from_millis(timeout_ms));
            Ok(())
        })
    }
}

/// Sets the deadline of a whole call in milliseconds (default 15000; 0 is refused at build). Every blocking call
/// returns by then, with `ALIPAY_STATUS_TIMEOUT` if the answer has not arrived.
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
            b.timeout = Some(Duration::from_millis(timeout_ms));
            Ok(())
        })
    }
}

/// Sets the deadline of one HTTP attempt in milliseconds (default 8000), always within the call's deadline
/// (0 is refused at build).
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
            b.attempt_timeout = Some(Duration::from_millis(timeout_ms));
            Ok(())
        })
    }
}

/// Sets how many attempts a call makes, the first included (default 3; 1 turns retries off, 0 counts as 1).
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
            b.max_attempts = Some(max_attempts);
            Ok(())
        })
    }
}

/// Limits the client (all threads together) to `qps` requests per second on average, in bursts of up to `burst`
/// (off by default; both must be greater than zero, checked at build). Waiting counts toward a call's deadline.
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
            b.rate_limit = Some((qps, burst));
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
            b.proxy = Some(Proxy::Url(secret(proxy_url, "proxy_url")?));
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
            b.proxy = Some(Proxy::Direct);
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
            b.root_certificates
                .push(KeyInput::Text(secret(pem, "pem")?));
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
            b.root_certificates
                .push(KeyInput::File(text(path, "path")?.into()));
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
            b.charset = Some(text(charset, "charset")?.parse::<Charset>()?);
            Ok(())
        })
    }
}
