//! `alipay_doctor_report`: the configuration doctor's findings, from `alipay_client_builder_doctor` (offline) or
//! `alipay_client_check_config` (which adds the clock skew to the gateway).

use std::ffi::{CString, c_char};

use alipay_marketing::doctor::{DoctorReport, Level};

use crate::client::{alipay_client, block_on, client_arg};
use crate::error::alipay_error;
use crate::panic::{guard, guard_value};
use crate::pointers::{OutArg, c_string_lossy, free_box, ref_arg_or_none, str_ptr};
use crate::status::alipay_status;

/// How serious a finding of the configuration doctor is.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum alipay_doctor_level {
    /// No such finding: a NULL report or an index out of range.
    None = 0,
    /// Checked and fine.
    Ok = 1,
    /// Works, but probably not what you want.
    Warning = 2,
    /// Calls will fail until this is fixed.
    Problem = 3,
}

impl alipay_doctor_level {
    fn from_core(level: Level) -> alipay_doctor_level {
        match level {
            Level::Ok => alipay_doctor_level::Ok,
            Level::Warning => alipay_doctor_level::Warning,
            Level::Problem => alipay_doctor_level::Problem,
        }
    }
}

struct Finding {
    level: alipay_doctor_level,
    topic: CString,
    message: CString,
}

/// The configuration doctor's report: one finding per line, in the order checked. Each finding has a level, a
/// topic (the option it is about: `"private_key"`, `"alipay_public_key"`, `"app_public_key"`, `"aes_key"`,
/// `"gateway"`, `"clock"`…) and a message saying what was found and what to do. Messages name keys and
/// certificates by format, size and serial number; they never contain key material.
///
/// Created by `alipay_client_builder_doctor` or `alipay_client_check_config`; free it with
/// `alipay_doctor_report_free`. Strings returned by its accessors are borrowed from it and valid until it is freed.
#[allow(non_camel_case_types)]
pub struct alipay_doctor_report {
    findings: Vec<Finding>,
    healthy: bool,
    text: CString,
}

impl alipay_doctor_report {
    pub(crate) fn new(report: &DoctorReport) -> alipay_doctor_report {
        alipay_doctor_report {
            findings: report
                .findings
                .iter()
                .map(|f| Finding {
                    level: alipay_doctor_level::from_core(f.level),
                    topic: c_string_lossy(&f.topic),
                    message: c_string_lossy(&f.message),
                })
                .collect(),
            healthy: report.is_healthy(),
            text: c_string_lossy(&report.to_string()),
        }
    }

    fn finding(&self, index: usize) -> Option<&Finding> {
        self.findings.get(index)
    }
}

/// The configuration doctor for a built client: the offline findings of the options it was built from (as
/// `alipay_client_builder_doctor` reports them) plus a `"clock"` finding, the skew between this machine's clock
/// and the gateway's `Date` header, measured with one plain HTTP request to the gateway URL (bounded by the
/// attempt timeout; an unreachable gateway is a warning in the report, not a failure). Blocks until done. On
/// success stores a report in `*report_out` (free it with `alipay_doctor_report_free`).
///
/// Fails only for a NULL argument, a process that cannot run blocking calls (see the C docs on `fork`) or a caught
/// panic; configuration mistakes are findings.
///
/// # Safety
/// `client` is NULL or a live client; `report_out` is NULL or writable; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_check_config(
    client: *const alipay_client,
    report_out: *mut *mut alipay_doctor_report,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    guard(error_out, || {
        // SAFETY: forwarded from this function's contract.
        let client = unsafe { client_arg(client) }?;
        let out = OutArg::new(report_out, "report_out")?;
        let report = block_on(async move { Ok(client.check_config().await) })?;
        // SAFETY: `report_out` is writable per this function's contract.
        unsafe { out.write(alipay_doctor_report::new(&report)) };
        Ok(())
    })
}

/// The number of findings (0 for a NULL `report`).
///
/// # Safety
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_doctor_report_count(report: *const alipay_doctor_report) -> usize {
    guard_value(0, || {
        // SAFETY: forwarded from this function's contract.
        unsafe { ref_arg_or_none(report) }.map_or(0, |r| r.findings.len())
    })
}

/// The level of finding `index` (0-based), or `ALIPAY_DOCTOR_LEVEL_NONE` for a NULL `report` or an index out of
/// range.
///
/// # Safety
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_doctor_report_level(
    report: *const alipay_doctor_report,
    index: usize,
) -> alipay_doctor_level {
    guard_value(alipay_doctor_level::None, || {
        // SAFETY: forwarded from this function's contract.
        unsafe { ref_arg_or_none(report) }
            .and_then(|r| r.finding(index))
            .map_or(alipay_doctor_level::None, |f| f.level)
    })
}

/// The topic of finding `index`: the option or subject it is about, e.g. `"alipay_public_key"`. NULL for a NULL
/// `report` or an index out of range.
///
/// # Safety
/// `report` is NULL or a live report. The string is valid until the report is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_doctor_report_topic(
    report: *const alipay_doctor_report,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded from this function's contract.
        unsafe { ref_arg_or_none(report) }
            .and_then(|r| r.finding(index))
            .map_or(std::ptr::null(), |f| str_ptr(&f.topic))
    })
}

/// The message of finding `index`: what was found and what to do. NULL for a NULL `report` or an index out of
/// range.
///
/// # Safety
/// `report` is NULL or a live report. The string is valid until the report is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_doctor_report_message(
    report: *const alipay_doctor_report,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded from this function's contract.
        unsafe { ref_arg_or_none(report) }
            .and_then(|r| r.finding(index))
            .map_or(std::ptr::null(), |f| str_ptr(&f.message))
    })
}

/// Whether no finding is a `ALIPAY_DOCTOR_LEVEL_PROBLEM` (false for a NULL `report`).
///
/// # Safety
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_doctor_report_is_healthy(
    report: *const alipay_doctor_report,
) -> bool {
    guard_value(false, || {
        // SAFETY: forwarded from this function's contract.
        unsafe { ref_arg_or_none(report) }.is_some_and(|r| r.healthy)
    })
}

/// The whole report as text, one line per finding (`"<level> <topic>: <message>"`) and a last line counting
/// problems and warnings, e.g. `"1 problem(s), 0 warning(s)"`. NULL only for a NULL `report`.
///
/// # Safety
/// `report` is NULL or a live report. The string is valid until the report is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_doctor_report_text(
    report: *const alipay_doctor_report,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded from this function's contract.
        unsafe { ref_arg_or_none(report) }.map_or(std::ptr::null(), |r| str_ptr(&r.text))
    })
}

/// Frees a report. NULL is accepted and ignored.
///
/// # Safety
/// `report` is NULL or a report from this library that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_doctor_report_free(report: *mut alipay_doctor_report) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(report) })
}
