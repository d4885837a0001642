//! Campaigns from Python: the `Campaign` settings object over the campaign crate (check, run with a progress
//! callback, status, report), its typed results, and `campaign_cli`, the command line of `python -m
//! alipay_marketing campaign`. Everything is the campaign crate's; this side converts arguments and results.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

use alipay_marketing::blocking;
use alipay_marketing_campaign::config::{Encoding, Identity, InputFormat, ResultsFormat};
use alipay_marketing_campaign::input::InputRow;
use alipay_marketing_campaign::load::CheckReport as CoreCheckReport;
use alipay_marketing_campaign::{
    Campaign as CoreCampaign, CampaignError, Method, Progress, RunStatus, StopHandle, Summary,
};
use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

use crate::client::core_client;
use crate::errors::to_py_err;

static CAMPAIGN_ERROR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `alipay_marketing.errors.CampaignError` for a campaign crate error: its message, and its kind as `reason`.
fn campaign_err(py: Python<'_>, error: &CampaignError) -> PyErr {
    let built = (|| {
        let class = CAMPAIGN_ERROR.get_or_try_init(py, || {
            py.import("alipay_marketing.errors")?
                .getattr("CampaignError")
                .map(Bound::unbind)
        })?;
        let details = PyDict::new(py);
        details.set_item("reason", error.kind().as_str())?;
        class.bind(py).call((error.message(),), Some(&details))
    })();
    match built {
        Ok(exception) => PyErr::from_value(exception),
        Err(failure) => failure,
    }
}

fn config_err(py: Python<'_>, message: String) -> PyErr {
    campaign_err(
        py,
        &CampaignError::new(
            alipay_marketing_campaign::CampaignErrorKind::Config,
            message,
        ),
    )
}

/// The settings of one campaign: what is sent, from which file, how fast, and where the journal and outputs go.
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct Campaign {
    inner: CoreCampaign,
}

fn choice<T: Copy>(
    py: Python<'_>,
    name: &str,
    value: Option<&str>,
    options: &[(&str, T)],
) -> PyResult<Option<T>> {
    let Some(text) = value else { return Ok(None) };
    match options.iter().find(|(n, _)| n.eq_ignore_ascii_case(text)) {
        Some((_, v)) => Ok(Some(*v)),
        None => {
            let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
            Err(config_err(
                py,
                format!("{name}: {text:?} is not one of {}", names.join(", ")),
            ))
        }
    }
}

#[pymethods]
impl Campaign {
    #[new]
    #[pyo3(signature = (
        input=None, *, campaign_file=None, method=None, id=None, template_id=None, activity_account=None,
        trans_type=None, memo=None, fields=None, columns=None, key_column=None, identity=None, format=None,
        encoding=None, out_dir=None, results_format=None, skip_invalid=None, concurrency=None,
        breaker_threshold=None, settle_rounds=None, preflight=None, journal=None, lease_seconds=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        input: Option<PathBuf>,
        campaign_file: Option<PathBuf>,
        method: Option<&str>,
        id: Option<String>,
        template_id: Option<String>,
        activity_account: Option<String>,
        trans_type: Option<String>,
        memo: Option<String>,
        fields: Option<BTreeMap<String, String>>,
        columns: Option<BTreeMap<String, String>>,
        key_column: Option<String>,
        identity: Option<&str>,
        format: Option<&str>,
        encoding: Option<&str>,
        out_dir: Option<PathBuf>,
        results_format: Option<&str>,
        skip_invalid: Option<bool>,
        concurrency: Option<usize>,
        breaker_threshold: Option<u32>,
        settle_rounds: Option<u32>,
        preflight: Option<bool>,
        journal: Option<String>,
        lease_seconds: Option<f64>,
    ) -> PyResult<Campaign> {
        let err = |e: CampaignError| campaign_err(py, &e);
        let method = method.map(Method::parse).transpose().map_err(err)?;
        let mut c = match (&campaign_file, method, &input) {
            (Some(file), _, input) => {
                CoreCampaign::from_file(file, input.as_deref()).map_err(err)?
            }
            // Batches of rows (run_rows) have no file: the id names the campaign in its shared journal.
            (None, Some(m), None) if id.is_some() && journal.is_some() => CoreCampaign::new(m, ""),
            (None, _, None) => {
                return Err(config_err(
                    py,
                    "input: no input file; give input=\"users.csv\" or campaign_file=\"campaign.toml\" (batches \
                     of rows for run_rows need method=, id= and journal= instead)"
                        .into(),
                ));
            }
            (None, Some(m), Some(input)) => CoreCampaign::new(m, input),
            (None, None, Some(input)) => {
                // Reading an earlier run (status, report, a resume): the journal knows the method. Its place
                // depends on the id and the output folder only.
                let mut probe = CoreCampaign::new(Method::VoucherSend, input);
                if let Some(id) = &id {
                    probe.id = id.clone();
                }
                if let Some(d) = &out_dir {
                    probe.out_dir = d.clone();
                }
                probe.journal = journal.clone();
                match probe.journal_method().map_err(err)? {
                    Some(m) => CoreCampaign::new(m, input),
                    None => {
                        return Err(config_err(
                            py,
                            "method: needed without a campaign file or an earlier run's journal: voucher.send, \
                             points.update or invite.award.receive"
                                .into(),
                        ));
                    }
                }
            }
        };
        if let Some(m) = method {
            c.method = m;
        }
        if let Some(id) = id {
            c.id = id;
        }
        for (field, value) in [
            ("template_id", template_id),
            ("activity_account", activity_account),
            ("trans_type", trans_type),
            ("memo", memo),
        ] {
            if let Some(v) = value {
                c.constants.insert(field.to_owned(), v);
            }
        }
        c.constants.extend(fields.unwrap_or_default());
        c.columns.extend(columns.unwrap_or_default());
        if key_column.is_some() {
            c.key_column = key_column;
        }
        let identities = [("content", Identity::Content), ("line", Identity::Line)];
        if let Some(i) = choice(py, "identity", identity, &identities)? {
            c.identity = i;
        }
        let formats = [("csv", InputFormat::Csv), ("jsonl", InputFormat::Jsonl)];
        if let Some(f) = choice(py, "format", format, &formats)? {
            c.format = f;
        }
        if let Some(e) = encoding {
            c.encoding = Encoding::parse(e).map_err(err)?;
        }
        if let Some(d) = out_dir {
            c.out_dir = d;
        }
        let results = [("csv", ResultsFormat::Csv), ("jsonl", ResultsFormat::Jsonl)];
        if let Some(f) = choice(py, "results_format", results_format, &results)? {
            c.results_format = f;
        }
        if let Some(s) = skip_invalid {
            c.skip_invalid = s;
        }
        if let Some(n) = concurrency {
            c.concurrency = n;
        }
        if let Some(n) = breaker_threshold {
            c.breaker_threshold = n;
        }
        if let Some(n) = settle_rounds {
            c.settle_rounds = n;
        }
        if let Some(p) = preflight {
            c.preflight = p;
        }
        if let Some(j) = journal {
            c.journal = Some(j);
        }
        if let Some(seconds) = lease_seconds {
            c.lease =
                alipay_marketing_campaign::config::lease_from_seconds(seconds).map_err(err)?;
        }
        c.check_settings().map_err(err)?;
        Ok(Campaign { inner: c })
    }

    /// The campaign id (part of every derived key and of the output names).
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    /// The call each row becomes, e.g. `voucher.send`.
    #[getter]
    fn method(&self) -> &'static str {
        self.inner.method.short_name()
    }

    /// The input file.
    #[getter]
    fn input(&self) -> PathBuf {
        self.inner.input.clone()
    }

    /// The SQLite journal.
    #[getter]
    fn journal_path(&self) -> PathBuf {
        self.inner.journal_path()
    }

    /// The results file (written after each run).
    #[getter]
    fn results_path(&self) -> PathBuf {
        self.inner.results_path()
    }

    /// The rejects file (written after each run).
    #[getter]
    fn rejects_path(&self) -> PathBuf {
        self.inner.rejects_path()
    }

    /// The summary file, JSON (written after each run).
    #[getter]
    fn summary_path(&self) -> PathBuf {
        self.inner.summary_path()
    }

    /// Where `report()` writes by default.
    #[getter]
    fn report_path(&self) -> PathBuf {
        self.inner.report_path()
    }

    /// Reads and checks every row without sending or keeping anything.
    fn check(&self, py: Python<'_>) -> PyResult<CheckReport> {
        let campaign = self.inner.clone();
        let report = crate::panic::detach(py, move || campaign.check())?
            .map_err(|e| campaign_err(py, &e))?;
        CheckReport::from_core(py, &report)
    }

    /// Sends every row once through `client`, resuming from the journal; `progress` is called with a
    /// `CampaignProgress` a few times a second. KeyboardInterrupt stops taking rows (the calls in flight finish);
    /// a second one aborts them. Returns how the run ended and the summary.
    #[pyo3(signature = (client, *, progress=None))]
    fn run(
        &self,
        py: Python<'_>,
        client: &Bound<'_, PyAny>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<RunResult> {
        self.inner
            .check_for_callers_client()
            .map_err(|e| campaign_err(py, &e))?;
        let client = core_client(client)?;
        let campaign = self.inner.clone();
        let (status, summary) = with_progress(py, progress, |on_progress, stop| {
            blocking::block_on(campaign.run(&client, on_progress, stop))
        })?;
        RunResult::from_core(py, &status, &summary)
    }

    /// Checks what batches of rows need beyond the settings: a PostgreSQL `journal`, and keys that do not depend
    /// on lines of a file. Raises `CampaignError` (`reason == "config"`) naming the setting.
    fn check_batch_settings(&self, py: Python<'_>) -> PyResult<()> {
        self.inner
            .check_batch_settings()
            .map_err(|e| campaign_err(py, &e))
    }

    /// Sends a batch of rows (dicts of column → text; one task's share of a Spark, Ray or Dask job) under this
    /// campaign, journaled in its PostgreSQL `journal`. Returns one dict per row, in order: the row's columns plus
    /// `key`, `status` (`done`, `failed`, `unknown`, `pending` or `rejected`), `attempts`, the result fields and
    /// the error fields. A task retried or run twice with the same rows sends nothing twice.
    #[pyo3(signature = (client, rows, *, progress=None))]
    fn run_rows<'py>(
        &self,
        py: Python<'py>,
        client: &Bound<'py, PyAny>,
        rows: Vec<Bound<'py, PyDict>>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let client = core_client(client)?;
        let campaign = self.inner.clone();
        // Columns in the row's own order (a dict's insertion order), as the journal and the answer keep them.
        let input = rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let values = row
                    .iter()
                    .map(|(k, v)| {
                        Ok((
                            k.extract::<String>()?,
                            v.extract::<Option<String>>()?.unwrap_or_default(),
                        ))
                    })
                    .collect::<PyResult<Vec<_>>>()?;
                Ok(InputRow {
                    line: i as u64 + 1,
                    values,
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let (status, answers) = with_progress(py, progress, |on_progress, stop| {
            blocking::block_on(campaign.run_rows(&client, input, on_progress, stop))
        })?;
        match status {
            RunStatus::Completed => {}
            // The rows sent so far are in the journal: a retry resumes them once the cause is fixed.
            RunStatus::Paused(h) => {
                return Err(campaign_err(
                    py,
                    &CampaignError::new(
                        alipay_marketing_campaign::CampaignErrorKind::Paused,
                        format!(
                            "the campaign is paused: {}: {} — {}",
                            h.code, h.why, h.what_to_do
                        ),
                    ),
                ));
            }
            RunStatus::Stopped | RunStatus::Aborted => {
                return Err(PyKeyboardInterrupt::new_err(
                    "the batch was interrupted; its rows in flight are settled when it runs again",
                ));
            }
        }
        answers
            .into_iter()
            .map(|a| {
                let d = PyDict::new(py);
                for (k, v) in &a.input {
                    d.set_item(k, v)?;
                }
                d.set_item("key", a.key)?;
                d.set_item("status", a.status)?;
                d.set_item("attempts", a.attempts)?;
                d.set_item("voucher_id", a.voucher_id)?;
                d.set_item("point_log_no", a.point_log_no)?;
                d.set_item("biz_result_code", a.biz_result_code)?;
                let e = a.error.as_ref();
                d.set_item("error_kind", e.map(|e| e.kind.clone()))?;
                d.set_item("error_code", e.and_then(|e| e.code.clone()))?;
                d.set_item("error_sub_code", e.and_then(|e| e.sub_code.clone()))?;
                d.set_item("error_message", e.map(|e| e.message.clone()))?;
                Ok(d)
            })
            .collect()
    }

    /// The summary from the journal, without sending anything.
    fn status(&self, py: Python<'_>) -> PyResult<CampaignSummary> {
        let campaign = self.inner.clone();
        let summary = crate::panic::detach(py, move || campaign.status())?
            .map_err(|e| campaign_err(py, &e))?;
        Ok(CampaignSummary::from_core(&summary))
    }

    /// Writes the self-contained HTML report (to `output`, default `report_path`); returns the summary.
    #[pyo3(signature = (output=None))]
    fn report(&self, py: Python<'_>, output: Option<PathBuf>) -> PyResult<CampaignSummary> {
        let campaign = self.inner.clone();
        let path = output.unwrap_or_else(|| campaign.report_path());
        let summary = crate::panic::detach(py, move || campaign.write_report(&path))?
            .map_err(|e| campaign_err(py, &e))?;
        Ok(CampaignSummary::from_core(&summary))
    }

    fn __repr__(&self) -> String {
        format!(
            "Campaign(id={:?}, method={:?}, input={:?})",
            self.inner.id,
            self.inner.method.short_name(),
            self.inner.input.display().to_string()
        )
    }
}

/// Runs `f` without the GIL, with a progress callback that calls `progress` and turns a KeyboardInterrupt (in the
/// callback or between calls) into a stop, and any other exception into a stop raised afterwards.
fn with_progress<T>(
    py: Python<'_>,
    progress: Option<Py<PyAny>>,
    f: impl FnOnce(
        &mut (dyn FnMut(&Progress) + Send),
        &StopHandle,
    ) -> alipay_marketing::Result<alipay_marketing_campaign::Result<T>>
    + Send,
) -> PyResult<T>
where
    T: Send,
{
    let stop = StopHandle::new();
    let mut failure: Option<PyErr> = None;
    let outcome = {
        let stop = &stop;
        let failure = &mut failure;
        let mut on_progress = move |p: &Progress| {
            Python::attach(|py| {
                // A KeyboardInterrupt, whether it lands in the callback or between calls, is a Ctrl-C; any other
                // exception stops the run (the calls in flight finish) and is raised after it.
                let mut handle = |e: PyErr| {
                    if e.is_instance_of::<PyKeyboardInterrupt>(py) {
                        stop.interrupt();
                    } else if failure.is_none() {
                        *failure = Some(e);
                        stop.stop();
                    }
                };
                if let Some(callback) = &progress
                    && let Err(e) = callback.call1(py, (CampaignProgress::from_core(p),))
                {
                    handle(e);
                }
                if let Err(e) = py.check_signals() {
                    handle(e);
                }
            });
        };
        crate::panic::detach(py, || f(&mut on_progress, stop))?
    };
    if let Some(e) = failure {
        return Err(e);
    }
    outcome
        .map_err(|e| to_py_err(py, &e))?
        .map_err(|e| campaign_err(py, &e))
}

/// A snapshot of a running campaign, handed to the progress callback.
#[pyclass(frozen, get_all, module = "alipay_marketing._native")]
pub struct CampaignProgress {
    total: u64,
    done: u64,
    failed: u64,
    unknown: u64,
    pending: u64,
    rejected: u64,
    answers_this_run: u64,
    elapsed: f64,
    rate: f64,
    window: usize,
    eta: Option<f64>,
}

impl CampaignProgress {
    fn from_core(p: &Progress) -> CampaignProgress {
        CampaignProgress {
            total: p.total,
            done: p.done,
            failed: p.failed,
            unknown: p.unknown,
            pending: p.pending,
            rejected: p.rejected,
            answers_this_run: p.answers_this_run,
            elapsed: p.elapsed.as_secs_f64(),
            rate: p.rate,
            window: p.window,
            eta: p.eta().map(|d| d.as_secs_f64()),
        }
    }
}

#[pymethods]
impl CampaignProgress {
    /// Rows with a final state (done or failed).
    #[getter]
    fn finished(&self) -> u64 {
        self.done + self.failed
    }

    fn __repr__(&self) -> String {
        format!(
            "CampaignProgress(total={}, done={}, failed={}, unknown={}, pending={}, rate={:.1})",
            self.total, self.done, self.failed, self.unknown, self.pending, self.rate
        )
    }
}

/// One bad row found by a check: its line, the field at fault and what to do.
#[pyclass(frozen, get_all, module = "alipay_marketing._native")]
pub struct RowProblem {
    line: u64,
    field: String,
    reason: String,
}

#[pymethods]
impl RowProblem {
    fn __repr__(&self) -> String {
        format!(
            "RowProblem(line={}, field={:?}, reason={:?})",
            self.line, self.field, self.reason
        )
    }

    fn __str__(&self) -> String {
        format!("line {}: {}: {}", self.line, self.field, self.reason)
    }
}

/// What `Campaign.check()` found.
#[pyclass(frozen, get_all, module = "alipay_marketing._native")]
pub struct CheckReport {
    rows: u64,
    valid: u64,
    problems: Vec<Py<RowProblem>>,
}

impl CheckReport {
    fn from_core(py: Python<'_>, report: &CoreCheckReport) -> PyResult<CheckReport> {
        let problems = report
            .problems
            .iter()
            .map(|p| {
                Py::new(
                    py,
                    RowProblem {
                        line: p.line,
                        field: p.field.clone(),
                        reason: p.reason.clone(),
                    },
                )
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(CheckReport {
            rows: report.rows,
            valid: report.valid,
            problems,
        })
    }
}

#[pymethods]
impl CheckReport {
    /// Whether every row can be sent.
    #[getter]
    fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    fn __repr__(&self) -> String {
        format!(
            "CheckReport(rows={}, valid={}, problems={})",
            self.rows,
            self.valid,
            self.problems.len()
        )
    }
}

/// A campaign's counts and figures, from its journal.
#[pyclass(frozen, get_all, module = "alipay_marketing._native")]
pub struct CampaignSummary {
    campaign_id: String,
    method: String,
    last_run: Option<String>,
    last_message: Option<String>,
    total: u64,
    done: u64,
    failed: u64,
    unknown: u64,
    pending: u64,
    rejected: u64,
    error_codes: Vec<(String, u64)>,
    latency_ms_p50: u64,
    latency_ms_p90: u64,
    latency_ms_p99: u64,
    latency_ms_max: u64,
    duration_s: f64,
    throughput_per_s: f64,
    runs: usize,
    text: String,
}

impl CampaignSummary {
    fn from_core(s: &Summary) -> CampaignSummary {
        CampaignSummary {
            campaign_id: s.campaign_id.clone(),
            method: s.method.clone(),
            last_run: s.last_run.clone(),
            last_message: s.last_message.clone(),
            total: s.total,
            done: s.done,
            failed: s.failed,
            unknown: s.unknown,
            pending: s.pending,
            rejected: s.rejected,
            error_codes: s.error_codes.clone(),
            latency_ms_p50: s.latency_ms.p50,
            latency_ms_p90: s.latency_ms.p90,
            latency_ms_p99: s.latency_ms.p99,
            latency_ms_max: s.latency_ms.max,
            duration_s: s.duration_s,
            throughput_per_s: s.throughput_per_s,
            runs: s.runs,
            text: s.to_text(),
        }
    }
}

#[pymethods]
impl CampaignSummary {
    fn __repr__(&self) -> String {
        format!(
            "CampaignSummary(campaign_id={:?}, total={}, done={}, failed={}, unknown={}, pending={}, rejected={})",
            self.campaign_id,
            self.total,
            self.done,
            self.failed,
            self.unknown,
            self.pending,
            self.rejected
        )
    }

    fn __str__(&self) -> String {
        self.text.clone()
    }
}

/// How a run ended (`status`: completed, paused, stopped or aborted), why when paused, and the summary.
#[pyclass(frozen, get_all, module = "alipay_marketing._native")]
pub struct RunResult {
    status: &'static str,
    pause_code: Option<String>,
    pause_reason: Option<String>,
    what_to_do: Option<String>,
    summary: Py<CampaignSummary>,
}

impl RunResult {
    fn from_core(py: Python<'_>, status: &RunStatus, summary: &Summary) -> PyResult<RunResult> {
        let (code, why, todo) = match status {
            RunStatus::Paused(h) => (
                Some(h.code.clone()),
                Some(h.why.clone()),
                Some(h.what_to_do.clone()),
            ),
            _ => (None, None, None),
        };
        Ok(RunResult {
            status: status.as_str(),
            pause_code: code,
            pause_reason: why,
            what_to_do: todo,
            summary: Py::new(py, CampaignSummary::from_core(summary))?,
        })
    }
}

#[pymethods]
impl RunResult {
    /// Whether the run completed with every row done.
    #[getter]
    fn is_complete(&self) -> bool {
        let s = self.summary.get();
        self.status == "completed" && s.done == s.total
    }

    fn __repr__(&self) -> String {
        format!(
            "RunResult(status={:?}, summary={})",
            self.status,
            self.summary.get().__repr__()
        )
    }
}

/// The `alipay-marketing` command line with `args` (without the program name); returns its exit code.
#[pyfunction]
pub fn campaign_cli(py: Python<'_>, args: Vec<String>) -> PyResult<u8> {
    let mut argv: Vec<OsString> = vec!["python -m alipay_marketing".into()];
    argv.extend(args.into_iter().map(OsString::from));
    crate::panic::detach(py, move || alipay_marketing_campaign::cli::run(argv))
}
