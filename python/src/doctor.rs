//! What a user reads about a client rather than from a call: its counters (`ClientStats`) and the configuration
//! doctor's report (`DoctorReport` of `Finding`s), from `client.check_config()` or the offline
//! `alipay_marketing.doctor(...)`.

use alipay_marketing::doctor as core_doctor;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::config::{client_keywords_fn, with_client_keywords};
use crate::results::{ToPython, quote};

/// A snapshot of a client's counters (`client.stats()`).
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct ClientStats {
    /// Calls started (calls refused by validation included).
    #[pyo3(get)]
    calls: u64,
    /// HTTP attempts made.
    #[pyo3(get)]
    attempts: u64,
    /// Attempts that were retries of an earlier one.
    #[pyo3(get)]
    retries: u64,
    /// Calls that returned a verified success.
    #[pyo3(get)]
    successes: u64,
    /// Calls running now.
    #[pyo3(get)]
    in_flight: u64,
    /// Calls dropped before they finished (an asyncio task cancelled, Ctrl-C): their outcome is unknown, and each
    /// is logged with its idempotency key. `calls == successes + failed + cancelled + in_flight`.
    #[pyo3(get)]
    cancelled: u64,
    failures: Vec<(&'static str, u64)>,
}

impl From<alipay_marketing::ClientStats> for ClientStats {
    fn from(stats: alipay_marketing::ClientStats) -> Self {
        ClientStats {
            calls: stats.calls,
            attempts: stats.attempts,
            retries: stats.retries,
            successes: stats.successes,
            in_flight: stats.in_flight,
            cancelled: stats.cancelled,
            failures: stats
                .failures
                .iter()
                .map(|(kind, n)| (kind.as_str(), *n))
                .collect(),
        }
    }
}

#[pymethods]
impl ClientStats {
    /// Failed calls by error kind (`"timeout"`, `"gateway"`, … — every kind listed, a new dict on each access).
    #[getter]
    fn failures<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (kind, n) in &self.failures {
            d.set_item(kind, n)?;
        }
        Ok(d)
    }

    /// Failed calls of every kind.
    #[getter]
    fn failed(&self) -> u64 {
        self.failures.iter().map(|(_, n)| n).sum()
    }

    /// The counters as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("calls", self.calls)?;
        d.set_item("attempts", self.attempts)?;
        d.set_item("retries", self.retries)?;
        d.set_item("successes", self.successes)?;
        d.set_item("failures", self.failures(py)?)?;
        d.set_item("in_flight", self.in_flight)?;
        d.set_item("cancelled", self.cancelled)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        // Only the kinds that happened, to keep it short.
        let failures: Vec<String> = self
            .failures
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(kind, n)| format!("{}: {n}", quote(kind)))
            .collect();
        format!(
            "ClientStats(calls={}, attempts={}, retries={}, successes={}, failures={{{}}}, in_flight={}, cancelled={})",
            self.calls,
            self.attempts,
            self.retries,
            self.successes,
            failures.join(", "),
            self.in_flight,
            self.cancelled
        )
    }
}

/// One line of a `DoctorReport`.
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct Finding {
    /// `"ok"`, `"warning"` or `"problem"` (calls fail until a problem is fixed).
    #[pyo3(get)]
    level: &'static str,
    /// The option or subject it is about: `"private_key"`, `"alipay_public_key"`, `"gateway"`, `"clock"`, …
    #[pyo3(get)]
    topic: String,
    /// What was found, and what to do about it.
    #[pyo3(get)]
    message: String,
}

#[pymethods]
impl Finding {
    fn __repr__(&self) -> String {
        format!(
            "Finding(level={}, topic={}, message={})",
            quote(self.level),
            quote(&self.topic),
            quote(&self.message)
        )
    }

    fn __str__(&self) -> String {
        format!("{:<8} {}: {}", self.level, self.topic, self.message)
    }
}

/// The configuration doctor's findings, in the order checked; `str()` prints one line each and a summary.
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct DoctorReport {
    report: core_doctor::DoctorReport,
    findings: Py<PyTuple>,
}

impl DoctorReport {
    fn new(py: Python<'_>, report: core_doctor::DoctorReport) -> PyResult<Self> {
        let findings = report
            .findings
            .iter()
            .map(|f| {
                Py::new(
                    py,
                    Finding {
                        level: f.level.as_str(),
                        topic: f.topic.clone(),
                        message: f.message.clone(),
                    },
                )
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(DoctorReport {
            report,
            findings: PyTuple::new(py, findings)?.unbind(),
        })
    }

    fn count(&self, level: core_doctor::Level) -> usize {
        self.report
            .findings
            .iter()
            .filter(|f| f.level == level)
            .count()
    }
}

impl ToPython for core_doctor::DoctorReport {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(Py::new(py, DoctorReport::new(py, self)?)?.into_any())
    }
}

#[pymethods]
impl DoctorReport {
    /// Every finding, in the order checked.
    #[getter]
    fn findings(&self, py: Python<'_>) -> Py<PyTuple> {
        self.findings.clone_ref(py)
    }

    /// Whether no finding is a problem.
    #[getter]
    fn is_healthy(&self) -> bool {
        self.report.is_healthy()
    }

    /// The findings about one topic (`"aes_key"`, `"app_public_key"`, …).
    fn about<'py>(&self, py: Python<'py>, topic: &str) -> PyResult<Bound<'py, PyTuple>> {
        let matching = self
            .findings
            .bind(py)
            .iter()
            .filter(|f| f.cast::<Finding>().is_ok_and(|f| f.get().topic == topic))
            .collect::<Vec<_>>();
        PyTuple::new(py, matching)
    }

    fn __str__(&self) -> String {
        self.report.to_string()
    }

    fn __repr__(&self) -> String {
        format!(
            "DoctorReport({} findings, {} problem(s), {} warning(s))",
            self.report.findings.len(),
            self.count(core_doctor::Level::Problem),
            self.count(core_doctor::Level::Warning)
        )
    }
}

with_client_keywords!(client_keywords_fn!(
    /// Checks a client configuration offline, without building a client: every option is examined and each
    /// finding reported (key formats and sizes, key pairs, certificates, gateway URL, charset, AES key). Takes the
    /// keywords of `Client`; a configuration mistake becomes a finding, never an exception.
    #[pyfunction]
    pub fn doctor(py) -> PyResult<DoctorReport> {
        |options| DoctorReport::new(py, options.doctor(py)?)
    }
));
