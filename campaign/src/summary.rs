//! The summary: counts by outcome and by error code, throughput, latency percentiles, duration. It names no
//! person: no mobile or user id appears in it.

use serde::Serialize;

use crate::error::Result;
use crate::journal::{Counts, Journal};

/// The status of a run with no end: still running, or cut off by a crash (a resume settles its rows either way).
pub const NOT_ENDED: &str = "not ended (running now, or cut off by a crash)";

/// A campaign's summary, from its journal.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// The campaign id.
    pub campaign_id: String,
    /// The method's short name.
    pub method: String,
    /// How the last run ended (`completed`, `paused`, `stopped`, `aborted`), or [`NOT_ENDED`] for a run with no
    /// end: one still running, or one cut off by a crash or `kill -9` (the journal cannot tell them apart).
    pub last_run: Option<String>,
    /// Why the last run paused, and what to do.
    pub last_message: Option<String>,
    /// Rows loaded.
    pub total: u64,
    /// Applied.
    pub done: u64,
    /// Failed for good.
    pub failed: u64,
    /// Outcome not known yet.
    pub unknown: u64,
    /// Not sent yet (claimed rows included).
    pub pending: u64,
    /// Refused before sending.
    pub rejected: u64,
    /// `(code/sub_code or error kind, rows)` over rows that are not done.
    pub error_codes: Vec<(String, u64)>,
    /// Latency percentiles of the last call of each row, ms: p50, p90, p99, max.
    pub latency_ms: LatencyMs,
    /// Time spent running, summed over runs, seconds.
    pub duration_s: f64,
    /// Answers per second over the running time.
    pub throughput_per_s: f64,
    /// How many runs so far.
    pub runs: usize,
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LatencyMs {
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Slowest.
    pub max: u64,
}

impl Summary {
    /// Reads the summary from a journal.
    pub fn from_journal(
        journal: &mut dyn Journal,
        campaign_id: &str,
        method: &str,
    ) -> Result<Summary> {
        let counts: Counts = journal.counts()?;
        let p = journal.latency_percentiles(&[50.0, 90.0, 99.0, 100.0])?;
        let runs = journal.runs()?;
        let timeline = journal.timeline()?;
        let answers: u64 = timeline.iter().map(|(_, n)| n).sum();
        // A run cut off by a crash has no end: its last answer is the best estimate of it.
        let mut duration_ms = 0i64;
        for (i, run) in runs.iter().enumerate() {
            let next_start = runs.get(i + 1).map(|r| r.started_at_ms);
            let end = run.ended_at_ms.unwrap_or_else(|| {
                timeline
                    .iter()
                    .map(|(s, _)| s * 1000 + 999)
                    .filter(|t| *t >= run.started_at_ms && next_start.is_none_or(|n| *t < n))
                    .max()
                    .unwrap_or(run.started_at_ms)
            });
            duration_ms += (end - run.started_at_ms).max(0);
        }
        let duration_s = duration_ms as f64 / 1000.0;
        let last = runs.last();
        Ok(Summary {
            campaign_id: campaign_id.to_owned(),
            method: method.to_owned(),
            last_run: last.map(|r| r.status.clone().unwrap_or_else(|| NOT_ENDED.to_owned())),
            last_message: last.and_then(|r| r.message.clone()),
            total: counts.total(),
            done: counts.done,
            failed: counts.failed,
            unknown: counts.unknown,
            pending: counts.pending + counts.in_flight,
            rejected: counts.rejected,
            error_codes: journal.error_codes()?,
            latency_ms: LatencyMs {
                p50: p[0],
                p90: p[1],
                p99: p[2],
                max: p[3],
            },
            duration_s,
            throughput_per_s: if duration_s > 0.0 {
                answers as f64 / duration_s
            } else {
                0.0
            },
            runs: runs.len(),
        })
    }

    /// The summary as text for a terminal or a log.
    pub fn to_text(&self) -> String {
        let mut t = format!(
            "campaign {} ({}): {} rows — {} done, {} failed, {} unknown, {} pending, {} rejected\n",
            self.campaign_id,
            self.method,
            self.total,
            self.done,
            self.failed,
            self.unknown,
            self.pending,
            self.rejected
        );
        t.push_str(&format!(
            "runs: {}, last: {}; running time {:.1} s, {:.1} answers/s; latency p50 {} ms, p90 {} ms, p99 {} ms, max {} ms\n",
            self.runs,
            self.last_run.as_deref().unwrap_or("none"),
            self.duration_s,
            self.throughput_per_s,
            self.latency_ms.p50,
            self.latency_ms.p90,
            self.latency_ms.p99,
            self.latency_ms.max
        ));
        if let Some(m) = &self.last_message {
            t.push_str(&format!("last run: {m}\n"));
        }
        if !self.error_codes.is_empty() {
            t.push_str("errors by code:\n");
            for (code, n) in &self.error_codes {
                t.push_str(&format!("  {code}: {n}\n"));
            }
        }
        t
    }
}
