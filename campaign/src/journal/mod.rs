//! The journal: one record per row, the only place a row's key and state live. [`Journal`] is the contract the
//! runner relies on; [`SqliteJournal`] is the embedded backend.
//!
//! The contract is written so that a shared backend (one database, several workers) fits: rows are *claimed*
//! (`pending → in_flight`, durable before the call leaves) and their outcomes *recorded*; a worker that dies
//! leaves `in_flight` rows that [`Journal::recover_in_flight`] turns into `unknown`. A shared backend would claim
//! under a lease (per merchant) and recover the rows of expired leases; the runner does not change.

mod postgres;
mod sqlite;

pub use postgres::{
    DEFAULT_LEASE, PG_SCHEMA_VERSION, PgJournal, is_postgres_url, merchant_key, redact_url,
};
pub use sqlite::SqliteJournal;

use crate::error::Result;
use crate::input::InputRow;

/// The state of a row. `pending → in_flight → done | failed | unknown`; `unknown` goes back to `pending` to be
/// resent with the same key, and so does `in_flight` after a crash (through `unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowState {
    /// Not sent yet (or sent and answered "not applied": throttled, or held by the circuit breaker).
    Pending,
    /// Claimed: it may be on its way. Durable before the request leaves.
    InFlight,
    /// Applied: the gateway answered with a verified success.
    Done,
    /// The gateway answered a definite, non-retryable failure for this row.
    Failed,
    /// It may or may not have been applied; resent with the same key on the next round or run.
    Unknown,
}

impl RowState {
    /// Every state.
    pub const ALL: [RowState; 5] = [
        RowState::Pending,
        RowState::InFlight,
        RowState::Done,
        RowState::Failed,
        RowState::Unknown,
    ];

    /// The stored name: `pending`, `in_flight`, `done`, `failed`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Pending => "pending",
            RowState::InFlight => "in_flight",
            RowState::Done => "done",
            RowState::Failed => "failed",
            RowState::Unknown => "unknown",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<RowState> {
        RowState::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What the journal records about the campaign as a whole, written once when the rows are loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalMeta {
    /// The campaign id.
    pub campaign_id: String,
    /// The settings that decide what is sent (canonical JSON).
    pub settings: String,
    /// SHA-256 of the input file.
    pub input_digest: String,
    /// The CSV header (empty for JSON Lines, whose rows carry their column names).
    pub header: Vec<String>,
}

/// A row to load: its line, key and input values.
#[derive(Debug, Clone)]
pub struct NewRow<'a> {
    /// The input row.
    pub row: &'a InputRow,
    /// Its idempotency key.
    pub key: &'a str,
    /// The merchant it is sent for ([`merchant_key`] of its `app_auth_token`; empty for the app itself).
    pub merchant: &'a str,
}

/// A row refused before sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// The line in the input file.
    pub line: u64,
    /// The field at fault.
    pub field: String,
    /// Why, and what to do.
    pub reason: String,
    /// The row's input values.
    pub input: Vec<(String, String)>,
}

/// A claimed row, to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedRow {
    /// The row's position among the loaded rows.
    pub seq: i64,
    /// The line in the input file.
    pub line: u64,
    /// The recorded idempotency key.
    pub key: String,
    /// The row's input values.
    pub input: Vec<(String, String)>,
    /// Sends so far, this one included.
    pub attempts: u32,
}

/// The error fields kept for a row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorInfo {
    /// The core's error kind (`gateway`, `timeout`, …) or a campaign reason (`breaker`).
    pub kind: String,
    /// The gateway code, e.g. `40004`.
    pub code: Option<String>,
    /// The gateway sub_code, e.g. `TEMPLATE_EXPIRED`.
    pub sub_code: Option<String>,
    /// The message.
    pub message: String,
}

/// The outcome of one send of a claimed row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowOutcome {
    /// The row.
    pub seq: i64,
    /// Its new state: `done`, `failed`, `unknown` or `pending` (not applied; send again).
    pub state: RowState,
    /// Success fields.
    pub voucher_id: Option<String>,
    /// Success fields.
    pub point_log_no: Option<String>,
    /// Success fields.
    pub biz_result_code: Option<String>,
    /// The error, when not done.
    pub error: Option<ErrorInfo>,
    /// When the answer came (ms since the Unix epoch).
    pub finished_at_ms: i64,
    /// How long the call took.
    pub latency_ms: u64,
}

/// Rows per state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Not sent yet.
    pub pending: u64,
    /// Claimed.
    pub in_flight: u64,
    /// Applied.
    pub done: u64,
    /// Failed for good.
    pub failed: u64,
    /// Outcome not known yet.
    pub unknown: u64,
    /// Refused before sending (rejects file).
    pub rejected: u64,
}

impl Counts {
    /// Rows loaded (rejects not included).
    pub fn total(&self) -> u64 {
        self.pending + self.in_flight + self.done + self.failed + self.unknown
    }

    /// Rows with a final state.
    pub fn finished(&self) -> u64 {
        self.done + self.failed
    }

    /// Counts `n` rows this worker claimed.
    pub(crate) fn claimed(&mut self, n: u64) {
        self.pending = self.pending.saturating_sub(n);
        self.in_flight += n;
    }

    /// Counts one of this worker's rows answered, now in `state`. With other workers on the journal these are the
    /// campaign's counts, refreshed by a read that may have started before this worker's latest claim: they can
    /// trail its own rows, so they are shown but never decided on, and never go below zero.
    pub(crate) fn answered(&mut self, state: RowState) {
        self.in_flight = self.in_flight.saturating_sub(1);
        match state {
            RowState::Done => self.done += 1,
            RowState::Failed => self.failed += 1,
            RowState::Unknown => self.unknown += 1,
            RowState::Pending | RowState::InFlight => self.pending += 1,
        }
    }
}

/// Everything the journal knows about a row, for results and reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRecord {
    /// The row's position.
    pub seq: i64,
    /// The line in the input file.
    pub line: u64,
    /// The key.
    pub key: String,
    /// The state.
    pub state: RowState,
    /// Sends so far.
    pub attempts: u32,
    /// Input values.
    pub input: Vec<(String, String)>,
    /// Result fields.
    pub voucher_id: Option<String>,
    /// Result fields.
    pub point_log_no: Option<String>,
    /// Result fields.
    pub biz_result_code: Option<String>,
    /// The last error, if any.
    pub error: Option<ErrorInfo>,
    /// The last call's latency.
    pub latency_ms: Option<u64>,
    /// When the last answer came (ms since the Unix epoch).
    pub finished_at_ms: Option<i64>,
}

/// One run of the campaign (for the summary's duration and the report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// Start, ms since the Unix epoch.
    pub started_at_ms: i64,
    /// End, ms since the Unix epoch (`None` while running or after a crash).
    pub ended_at_ms: Option<i64>,
    /// How it ended: `completed`, `paused`, `stopped`, `aborted`.
    pub status: Option<String>,
    /// Why, for a pause.
    pub message: Option<String>,
}

/// The journal contract. Every method is durable when it returns.
pub trait Journal: Send {
    /// Holds off other workers' setup (loading or checking the rows) until [`Journal::unlock_setup`]. A journal
    /// only one process uses has nothing to do.
    fn lock_setup(&mut self) -> Result<()> {
        Ok(())
    }
    /// Ends [`Journal::lock_setup`].
    fn unlock_setup(&mut self) -> Result<()> {
        Ok(())
    }
    /// Whether other workers may change the rows meanwhile (then the counts shown are read from the journal
    /// rather than kept by this worker).
    fn is_shared(&self) -> bool {
        false
    }
    /// How often [`Journal::heartbeat`] is due while a run is idle (none: never).
    fn heartbeat_interval(&self) -> Option<std::time::Duration> {
        None
    }
    /// Called every [`Journal::heartbeat_interval`] while a run waits: a shared journal renews this worker's
    /// lease.
    fn heartbeat(&mut self) -> Result<()> {
        Ok(())
    }
    /// The campaign's metadata, if the rows were loaded (a load cut short leaves none).
    fn meta(&mut self) -> Result<Option<JournalMeta>>;
    /// Starts loading rows (discarding any earlier, unfinished load).
    fn begin_load(&mut self, meta: &JournalMeta) -> Result<()>;
    /// Adds a row; returns the line of an earlier row with the same key instead, if there is one.
    fn add_row(&mut self, row: &NewRow<'_>) -> Result<Option<u64>>;
    /// Adds a rejected row.
    fn add_reject(&mut self, reject: &Reject) -> Result<()>;
    /// Ends the load: everything added becomes visible at once, with the final input digest.
    fn commit_load(&mut self, input_digest: &str) -> Result<()>;
    /// Throws the load away.
    fn abandon_load(&mut self) -> Result<()>;
    /// `in_flight → unknown`: rows whose sender stopped before recording an outcome.
    fn recover_in_flight(&mut self) -> Result<u64>;
    /// `unknown → pending`: to be resent with their same keys.
    fn requeue_unknown(&mut self) -> Result<u64>;
    /// Claims up to `limit` pending rows in file order: `in_flight`, attempts + 1, durable before returning.
    fn claim(&mut self, limit: usize, now_ms: i64) -> Result<Vec<ClaimedRow>>;
    /// Records outcomes of claimed rows.
    fn record(&mut self, outcomes: &[RowOutcome]) -> Result<()>;
    /// Rows per state.
    fn counts(&mut self) -> Result<Counts>;
    /// Every row in file order.
    fn for_each_row(&mut self, f: &mut dyn FnMut(RowRecord) -> Result<()>) -> Result<()>;
    /// Every rejected row in file order.
    fn for_each_reject(&mut self, f: &mut dyn FnMut(Reject) -> Result<()>) -> Result<()>;
    /// `(code, rows)` for rows that are not done, by `code/sub_code` (or error kind), most frequent first.
    fn error_codes(&mut self) -> Result<Vec<(String, u64)>>;
    /// Latency at each of `percentiles` (0–100) over rows with a recorded latency.
    fn latency_percentiles(&mut self, percentiles: &[f64]) -> Result<Vec<u64>>;
    /// `(second since the Unix epoch, answers)` for every second with answers.
    fn timeline(&mut self) -> Result<Vec<(i64, u64)>>;
    /// The `limit` slowest rows.
    fn slowest(&mut self, limit: usize) -> Result<Vec<RowRecord>>;
    /// Rows in `state`, at most `limit`, in file order.
    fn rows_in_state(&mut self, state: RowState, limit: usize) -> Result<Vec<RowRecord>>;
    /// Records the start of a run; returns its id.
    fn begin_run(&mut self, now_ms: i64) -> Result<i64>;
    /// Records the end of run `id`.
    fn end_run(&mut self, id: i64, now_ms: i64, status: &str, message: Option<&str>) -> Result<()>;
    /// Every run so far.
    fn runs(&mut self) -> Result<Vec<RunRecord>>;
}

/// The stored form of a row's input: the values alone when the header is known, else `[column, value]` pairs.
pub(crate) fn encode_input(values: &[(String, String)], header: &[String]) -> String {
    let same_columns = !header.is_empty()
        && header.len() == values.len()
        && header.iter().zip(values).all(|(h, (c, _))| h == c);
    if same_columns {
        serde_json::to_string(&values.iter().map(|(_, v)| v).collect::<Vec<_>>())
    } else {
        serde_json::to_string(values)
    }
    .unwrap_or_default()
}

/// The inverse of [`encode_input`].
pub(crate) fn decode_input(text: &str, header: &[String]) -> Vec<(String, String)> {
    if let Ok(values) = serde_json::from_str::<Vec<String>>(text) {
        return header.iter().cloned().zip(values).collect();
    }
    serde_json::from_str::<Vec<(String, String)>>(text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_counted_against_refreshed_counts_that_trail_the_claims_stay_at_zero() {
        let mut counts = Counts {
            pending: 10,
            ..Counts::default()
        };
        counts.claimed(4);
        assert_eq!((counts.pending, counts.in_flight), (6, 4));
        // A refresh read before the claim committed: the journal still showed every row pending.
        counts = Counts {
            pending: 10,
            ..Counts::default()
        };
        counts.answered(RowState::Done);
        counts.answered(RowState::Unknown);
        counts.answered(RowState::Pending);
        assert_eq!(counts.in_flight, 0);
        assert_eq!((counts.done, counts.unknown, counts.pending), (1, 1, 11));
    }
}
