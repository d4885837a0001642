//! The C ABI of the alipay-marketing SDK (`libalipay_marketing`, header `include/alipay_marketing.h`).
//!
//! Thin by design: every rule lives in the core crate; this crate converts pointers and strings, blocks on the
//! core's one process-wide runtime, and maps errors to `alipay_status`.
//!
//! Module map:
//! - [`status`] — `alipay_status` and the one mapping from the core's `ErrorKind`.
//! - [`error`] — `alipay_error`, the optional error object, and its accessors.
//! - [`panic`] — the two guard functions every export runs through.
//! - [`pointers`] — one helper per pointer conversion (strings, handles, `*_out` arguments, frees).
//! - [`builder`] — `alipay_client_builder`: the handle and `build`; its setters in [`builder::credentials`]
//!   (app id, keys, certificates, AES key) and [`builder::connection`] (gateway, deadlines, retries, rate limit, proxy, connection pool).
//! - [`client`] — `alipay_client`, the generic blocking `execute`, `alipay_response`, stats and close.
//! - [`options`] — `alipay_call_options`, per-call deadline and retry policy for the `_with_options` calls.
//! - [`doctor`] — `alipay_doctor_report`, the configuration doctor's findings, and `alipay_client_check_config`.
//! - [`invite`], [`voucher`], [`points`] — one module per call: its request object, result object and the call.
//! - [`companion`] — the voucher and template queries, template creation, the points balance and the campaign
//!   preflight.
//! - [`settle`] — settling an unknown outcome of the three calls: one settlement object per call.
//! - `fields` — the setter, accessor and call bodies those modules share.
//!
//! Conventions (written out for C users in the C chapter of the docs): handles are opaque; `_new` / `_free` pairs,
//! every `_free` accepts NULL; fallible calls return `alipay_status` and take an optional last
//! `alipay_error **error_out`; outputs come last as `*_out` and are written only on success; returned strings are
//! borrowed from their owner; inputs are copied.

use std::ffi::c_char;

pub mod builder;
pub mod client;
pub mod companion;
pub mod doctor;
pub mod error;
pub mod invite;
mod marshal;
pub mod options;
mod panic;
mod pointers;
pub mod points;
pub mod settle;
pub mod status;
pub mod voucher;

/// Major version of this library; the header's copy is checked against Cargo.toml by a test.
pub const ALIPAY_VERSION_MAJOR: u32 = 0;
/// Minor version of this library.
pub const ALIPAY_VERSION_MINOR: u32 = 1;
/// Patch version of this library.
pub const ALIPAY_VERSION_PATCH: u32 = 0;

/// The version of the library actually loaded, e.g. `"0.1.0"`: compare it with the header's `ALIPAY_VERSION_*`
/// macros to detect a header/library mismatch. Static storage; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn alipay_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_constants_match_the_package_version() {
        let version = format!(
            "{}.{}.{}",
            super::ALIPAY_VERSION_MAJOR,
            super::ALIPAY_VERSION_MINOR,
            super::ALIPAY_VERSION_PATCH
        );
        assert_eq!(version, env!("CARGO_PKG_VERSION"));
        let loaded = unsafe { std::ffi::CStr::from_ptr(super::alipay_version()) };
        assert_eq!(loaded.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}
