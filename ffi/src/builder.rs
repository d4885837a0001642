//! `alipay_client_builder`: the options of a client, checked when `alipay_client_builder_build` makes one.

use std::ffi::c_char;
use std::path::PathBuf;
use std::time::Duration;

use alipay_marketing::{Client, ClientBuilder, Gateway, RetryPolicy, SignType};
use zeroize::Zeroizing;

use crate::client::alipay_client;
use crate::error::{FfiError, alipay_error};
use crate::panic::{guard, guard_value};
use crate::pointers::{OutArg, free_box, mut_arg, new_handle, ref_arg, str_arg};
use crate::status::alipay_status;

/// A key given as text (zeroed when dropped) or as a file read at build time.
#[derive(Clone)]
enum KeyInput {
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
    rate_limit: Option<(f64, u32)>,
    proxy: Option<Proxy>,
    root_certificates: Vec<KeyInput>,
}

/// The proxy choice: an explicit URL (it may carry a password, so it is zeroed too), or none at all.
#[derive(Clone)]
enum Proxy {
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
        if let Some(attempts) = self.max_attempts {
            b = b.retry_policy(RetryPolicy::default().max_attempts(attempts));
        }
        if let Some((qps, burst)) = self.rate_limit {
            b = b.rate_limit(qps, burst);
        }
        b = match &self.proxy {
            Some(Proxy::Url(url)) => b.proxy(String::clone(url)),
            Some(Proxy::Direct) => b.no_proxy(),
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
unsafe fn set(
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
unsafe fn text(value: *const c_char, name: &'static str) -> Result<String, FfiError> {
    // SAFETY: forwarded from this function's contract.
    unsafe { str_arg(value, name) }.map(str::to_owned)
}

/// Reads a key text argument straight into a zeroing buffer.
///
/// # Safety
/// `value` is NULL or a NUL-terminated string.
unsafe fn secret(value: *const c_char, name: &'static str) -> Result<Zeroizing<String>, FfiError> {
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

/// Sets the app id from the Alipay open platform console (digits only; checked at build).
///
/// # Safety
/// `builder` is NULL or a live builder; `app_id` is NULL or a NUL-terminated string; `error_out` is NULL or
/// points to writable storage for an `alipay_error *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_app_id(
    builder: *mut alipay_client_builder,
    app_id: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            b.app_id = Some(text(app_id, "app_id")?);
            Ok(())
        })
    }
}

/// Sets the app's private key as text: PEM (any label) or bare base64, PKCS#1 or PKCS#8 (parsed at build).
/// The text is copied; the copy is zeroed when the builder is freed.
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_private_key(
    builder: *mut alipay_client_builder,
    private_key: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            b.private_key = Some(KeyInput::Text(secret(private_key, "private_key")?));
            Ok(())
        })
    }
}

/// Sets a file holding the app's private key, read when a client is built (UTF-8 path).
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_private_key_file(
    builder: *mut alipay_client_builder,
    path: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            b.private_key = Some(KeyInput::File(text(path, "path")?.into()));
            Ok(())
        })
    }
}

/// Sets the Alipay public key (from the console, not your app's own) as text: PEM or bare base64.
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_alipay_public_key(
    builder: *mut alipay_client_builder,
    alipay_public_key: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            b.alipay_public_key = Some(KeyInput::Text(secret(
                alipay_public_key,
                "alipay_public_key",
            )?));
            Ok(())
        })
    }
}

/// Sets a file holding the Alipay public key, read when a client is built (UTF-8 path).
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_alipay_public_key_file(
    builder: *mut alipay_client_builder,
    path: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            b.alipay_public_key = Some(KeyInput::File(text(path, "path")?.into()));
            Ok(())
        })
    }
}

/// Sets the signature type: `"RSA2"` (the default, recommended) or `"RSA"` (legacy apps). Any other value gives
/// `ALIPAY_STATUS_CONFIG` and leaves the builder unchanged.
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_sign_type(
    builder: *mut alipay_client_builder,
    sign_type: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            b.sign_type = text(sign_type, "sign_type")?.parse::<SignType>()?;
            Ok(())
        })
    }
}

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

/// Calls on a merchant's behalf (ISV mode) with this `app_auth_token`. The copy is zeroed when the builder is freed.
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_app_auth_token(
    builder: *mut alipay_client_builder,
    app_auth_token: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            b.app_auth_token = Some(secret(app_auth_token, "app_auth_token")?);
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
