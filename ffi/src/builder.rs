//! `alipay_client_builder`: the options of a client, checked when `alipay_client_builder_build` makes one.

use std::ffi::c_char;

use alipay_marketing::ClientBuilder;

pub mod connection;
pub mod credentials;

use crate::client::alipay_client;
use crate::doctor::alipay_doctor_report;
use crate::error::{FfiError, alipay_error};
use crate::panic::{guard, guard_value};
use crate::pointers::{OutArg, free_box, mut_arg, new_handle, ref_arg, str_arg};
use crate::status::alipay_status;

/// The options of a client. Create with `alipay_client_builder_new`, set options, build any number of clients
/// from it with `alipay_client_builder_build`, free with `alipay_client_builder_free`.
///
/// Not thread-safe: use a builder from one thread at a time. Key text handed to it is copied and the copy is
/// overwritten with zeros when the builder is freed.
///
/// It holds the core's builder itself: each setter passes its value straight through, and every rule is the
/// core's, checked by `alipay_client_builder_build` (or, for a few setters, at once, by the same rule).
#[allow(non_camel_case_types)]
#[derive(Clone, Default)]
pub struct alipay_client_builder {
    pub(super) core: ClientBuilder,
}

impl alipay_client_builder {
    /// Applies one of the core builder's setters in place.
    pub(super) fn update(&mut self, setter: impl FnOnce(ClientBuilder) -> ClientBuilder) {
        self.core = setter(std::mem::take(&mut self.core));
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
        let client = builder.core.clone().build()?;
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
        let report = alipay_doctor_report::new(&builder.core.doctor());
        // SAFETY: `report_out` is writable per this function's contract.
        unsafe { out.write(report) };
        Ok(())
    })
}
