//! `alipay_client_builder`: the options of a client, checked when `alipay_client_builder_build` makes one.

use std::ffi::c_char;
use std::path::PathBuf;
use std::time::Duration;

use alipay_marketing::{Charset, Client, ClientBuilder, Gateway, RetryPolicy, SignType};

pub mod connection;
pub mod credentials;
use zeroize::Zeroizing;

use crate::client::alipay_client;
use crate::doctor::alipay_doctor_report;
use crate::error::{FfiError, alipay_error};
use crate::panic::{guard, guard_value};
use crate::pointers::{OutArg, free_box, mut_arg, new_handle, ref_arg, str_arg};
use crate::status::alipay_status;

/// A key given as text (zeroed when dropped) or as a file read at build time.
#[derive(Clone)]
pub(super) enum KeyInput {
    Text(Zeroizing<String>),
    File(PathBuf),
}

/// The options of a client. Create with `alipay_client_builder_new`, set options, build any number of clients
/// from it with `alipay_client_builder_build`, free with `alipay_client_builder_free`.
///
/// Not thread-safe: use a builder from one thread at a time. Key text handed to it is copied and the copy is
/// overwritten with zeros when the builder is freed.
#[allow(non_camel_case_types)]
#[derive(Clone, Default)]
pub struct alipay_client_builder {
    app_id: Option<String>,
    private_key: Option<KeyInput>,
    alipay_public_key: Option<KeyInput>,
    sign_type: SignType,
    gateway: Option<Gateway>,
    allow_insecure_http: bool,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    app_auth_token: Option<Zeroizing<String>>,
    attempt_timeout: Option<Duration>,
    max_attempts: Option<u32>,
    backoff: Option<(Duration, Duration)>,
    rate_limit: Option<(f64, u32)>,
    proxy: Option<Proxy>,
    root_certificates: Vec<KeyInput>,
    charset: Option<Charset>,
    aes_key: Option<Zeroizing<String>>,
    app_cert: Option<KeyInput>,
    alipay_cert: Option<KeyInput>,
    alipay_root_cert: Option<KeyInput>,
    app_public_key: Option<Zeroizing<String>>,
    http1_only: bool,
    pool_max_idle_per_host: Option<usize>,
    pool_idle_timeout: Option<Duration>,
}

/// The proxy choice: an explicit URL (it may carry a password, so it is zeroed too), or none at all.
#[derive(Clone)]
pub(super) enum Proxy {
    Url(Zeroizing<String>),
    Direct,
}

impl alipay_client_builder {
    fn to_core(&self) -> ClientBuilder {
        let mut b = Client::builder()
            .sign_type(self.sign_type)
            .allow_insecure_http(self.allow_insecure_http);
        if let Some(app_id) = &self.app_id {
            b = b.app_id(app_id.clone());
        }
        // The core keeps key text in its own zeroing buffer; the clone moves there without another copy.
        b = match &self.private_key {
            Some(KeyInput::Text(text)) => b.private_key_text(String::clone(text)),
            Some(KeyInput::File(path)) => b.private_key_file(path.clone()),
            None => b,
        };
        b = match &self.alipay_public_key {
            Some(KeyInput::Text(text)) => b.alipay_public_key_text(String::clone(text)),
            Some(KeyInput::File(path)) => b.alipay_public_key_file(path.clone()),
            None => b,
        };
        if let Some(gateway) = &self.gateway {
            b = b.gateway(gateway.clone());
        }
        if let Some(timeout) = self.connect_timeout {
            b = b.connect_timeout(timeout);
        }
        if let Some(timeout) = self.timeout {
            b = b.timeout(timeout);
        }
        if let Some(token) = &self.app_auth_token {
            b = b.app_auth_token(String::clone(token));
        }
        if let Some(timeout) = self.attempt_timeout {
            b = b.attempt_timeout(timeout);
        }
        if self.max_attempts.is_some() || self.backoff.is_some() {
            let mut policy = RetryPolicy::default();
            if let Some(attempts) = self.max_attempts {
                policy = policy.max_attempts(attempts);
            }
            if let Some((base, max)) = self.backoff {
                policy = policy.backoff(base, max);
            }
            b = b.retry_policy(policy);
        }
        if let Some(key) = &self.app_public_key {
            b = b.app_public_key_text(String::clone(key));
        }
        if self.http1_only {
            b = b.http1_only();
        }
        if let Some(max) = self.pool_max_idle_per_host {
            b = b.pool_max_idle_per_host(max);
        }
        if let Some(timeout) = self.pool_idle_timeout {
            b = b.pool_idle_timeout(timeout);
        }
        if let Some((qps, burst)) = self.rate_limit {
            b = b.rate_limit(qps, burst);
        }
        b = match &self.proxy {
            Some(Proxy::Url(url)) => b.proxy(String::clone(url)),
            Some(Proxy::Direct) => b.no_proxy(),
            None => b,
        };
        if let Some(charset) = self.charset {
            b = b.charset(charset);
        }
        if let Some(key) = &self.aes_key {
            b = b.aes_key_text(String::clone(key));
        }
        b = match &self.app_cert {
            Some(KeyInput::Text(pem)) => b.app_cert_text(String::clone(pem)),
            Some(KeyInput::File(path)) => b.app_cert_file(path.clone()),
            None => b,
        };
        b = match &self.alipay_cert {
            Some(KeyInput::Text(pem)) => b.alipay_cert_text(String::clone(pem)),
            Some(KeyInput::File(path)) => b.alipay_cert_file(path.clone()),
            None => b,
        };
        b = match &self.alipay_root_cert {
            Some(KeyInput::Text(pem)) => b.alipay_root_cert_text(String::clone(pem)),
            Some(KeyInput::File(path)) => b.alipay_root_cert_file(path.clone()),
            None => b,
        };
        for roots in &self.root_certificates {
            b = match roots {
                KeyInput::Text(pem) => b.root_certificates_pem(String::clone(pem)),
                KeyInput::File(path) => b.root_certificates_file(path.clone()),
            };
        }
        b
    }
}

/// Applies one option to a builder: the shared body of the setters.
///
/// # Safety
/// `builder` is NULL or a live builder; `error_out` is NULL or writable.
pub(super) unsafe fn set(
    builder: *mut alipay_client_builder,
    error_out: *mut *mut alipay_error,
    apply: impl FnOnce(&mut alipay_client_builder) -> Result<(), FfiError>,
) -> alipay_status {
    guard(error_out, || {
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { mut_arg(builder, "builder") }?;
        apply(builder)
    })
}

/// Reads a required text argument of a setter.
///
/// # Safety
/// `value` is NULL or a NUL-terminated string.
pub(super) unsafe fn text(value: *const c_char, name: &'static str) -> Result<String, FfiError> {
    // SAFETY: forwarded from this function's contract.
    unsafe { str_arg(value, name) }.map(str::to_owned)
}

/// Reads a key text argument straight into a zeroing buffer.
///
/// # Safety
/// `value` is NULL or a NUL-terminated string.
pub(super) unsafe fn secret(
    value: *const c_char,
    name: &'static str,
) -> Result<Zeroizing<String>, FfiError> {
    // SAFETY: forwarded from this function's contract.
    let text = unsafe { str_arg(value, name) }?;
    let mut copy = Zeroizing::new(String::with_capacity(text.len()));
    copy.push_str(text);
    Ok(copy)
}

/// A new builder with the defaults: RSA2, the production gateway, 3 s connect timeout, 15 s call deadline.
/// Returns NULL only if memory is exhausted.
#[unsafe(no_mangle)]
pub extern "C" fn alipay_client_builder_new() -> *mut alipay_client_builder {
    guard_value(std::ptr::null_mut(), || {
        new_handle(alipay_client_builder::default())
    })
}

/// Frees a builder and zeroes the key text it holds. NULL is accepted and ignored. Clients built from it stay
/// valid.
///
/// # Safety
/// `builder` is NULL or a builder from `alipay_client_builder_new` that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_free(builder: *mut alipay_client_builder) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(builder) })
}

/// Checks every option (keys parsed, the Alipay public key not your own, URL, timeouts) and builds a client.
/// On success stores a new client in `*client_out` (free it with `alipay_client_free`); on failure returns
/// `ALIPAY_STATUS_CONFIG` (or a boundary status) and leaves `*client_out` untouched. The builder stays usable.
///
/// # Safety
/// `builder` is NULL or a live builder; `client_out` is NULL or writable; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_build(
    builder: *const alipay_client_builder,
    client_out: *mut *mut alipay_client,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    guard(error_out, || {
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { ref_arg(builder, "builder") }?;
        let out = OutArg::new(client_out, "client_out")?;
        let client = builder.to_core().build()?;
        // SAFETY: `client_out` is writable per this function's contract.
        unsafe { out.write(alipay_client::new(client)) };
        Ok(())
    })
}

/// The configuration doctor, offline: checks every option without stopping at the first mistake and stores a
/// report in `*report_out` (free it with `alipay_doctor_report_free`): key formats and sizes, whether
/// `alipay_client_builder_set_app_public_key` matches the private key, an "Alipay public key" that is really the
/// app's own, certificate SNs and expiry dates, the AES key, gateway URL sanity (a sandbox app id on the production
/// host, plain http beyond loopback). Files named by `_file` setters are read; nothing is sent.
///
/// Configuration mistakes are findings in the report, never a failure: this returns `ALIPAY_STATUS_OK` for any
/// builder, and fails only for a NULL argument (or a caught panic). `alipay_client_check_config` adds the clock
/// skew to the gateway for a built client.
///
/// # Safety
/// `builder` is NULL or a live builder; `report_out` is NULL or writable; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_doctor(
    builder: *const alipay_client_builder,
    report_out: *mut *mut alipay_doctor_report,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    guard(error_out, || {
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { ref_arg(builder, "builder") }?;
        let out = OutArg::new(report_out, "report_out")?;
        let report = alipay_doctor_report::new(&builder.to_core().doctor());
        // SAFETY: `report_out` is writable per this function's contract.
        unsafe { out.write(report) };
        Ok(())
    })
}
