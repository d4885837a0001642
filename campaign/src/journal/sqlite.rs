//! The embedded journal: one SQLite file beside the outputs (WAL, `synchronous=FULL`: every commit is on disk
//! before the call that follows it).

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use super::{
    ClaimedRow, Counts, ErrorInfo, Journal, JournalMeta, NewRow, Reject, RowOutcome, RowRecord,
    RowState, RunRecord, decode_input, encode_input,
};
use crate::error::{CampaignError, Result};

/// The schema version this code writes and reads.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rows (
    seq INTEGER PRIMARY KEY,
    line INTEGER NOT NULL,
    key TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    input TEXT NOT NULL,
    voucher_id TEXT,
    point_log_no TEXT,
    biz_result_code TEXT,
    error_kind TEXT,
    error_code TEXT,
    error_sub_code TEXT,
    error_message TEXT,
    first_sent_at INTEGER,
    last_sent_at INTEGER,
    finished_at INTEGER,
    latency_ms INTEGER
);
CREATE INDEX IF NOT EXISTS rows_pending ON rows(seq) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS rows_state ON rows(state);
CREATE TABLE IF NOT EXISTS rejects (line INTEGER NOT NULL, field TEXT NOT NULL, reason TEXT NOT NULL, input TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL, ended_at INTEGER, status TEXT, message TEXT);
";

const ROW_COLUMNS: &str = "seq, line, key, state, attempts, input, voucher_id, point_log_no, biz_result_code, \
     error_kind, error_code, error_sub_code, error_message, latency_ms, finished_at";

/// The SQLite journal.
pub struct SqliteJournal {
    conn: Connection,
    header: Vec<String>,
    loading: bool,
}

impl SqliteJournal {
    /// Opens (or creates) the journal at `path`.
    pub fn open(path: &Path) -> Result<SqliteJournal> {
        let conn = Connection::open(path).map_err(|e| {
            CampaignError::journal(format!("cannot open the journal {}: {e}", path.display()))
        })?;
        Self::setup(conn, &path.display().to_string())
    }

    /// A private temporary journal (deleted when dropped), for `check` and dry runs.
    pub fn temporary() -> Result<SqliteJournal> {
        let conn = Connection::open("").map_err(|e| {
            CampaignError::journal(format!("cannot create a temporary journal: {e}"))
        })?;
        Self::setup(conn, "temporary journal")
    }

    fn setup(conn: Connection, name: &str) -> Result<SqliteJournal> {
        let fail = |e: rusqlite::Error| {
            CampaignError::journal(format!(
                "{name} is not a usable campaign journal ({e}); if it is not one, move it away"
            ))
        };
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(fail)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(fail)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(fail)?;
        conn.execute_batch(SCHEMA).map_err(fail)?;
        let version: Option<String> = conn
            .query_row("SELECT v FROM meta WHERE k = 'schema_version'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(fail)?;
        match version.as_deref().map(str::parse::<i64>) {
            None => {
                conn.execute(
                    "INSERT INTO meta (k, v) VALUES ('schema_version', ?1)",
                    [SCHEMA_VERSION.to_string()],
                )
                .map_err(fail)?;
            }
            Some(Ok(SCHEMA_VERSION)) => {}
            Some(other) => {
                return Err(CampaignError::journal(format!(
                    "{name} has journal schema version {other:?}; this version reads {SCHEMA_VERSION}: use the \
                     alipay-marketing version that wrote it"
                )));
            }
        }
        let mut journal = SqliteJournal {
            conn,
            header: Vec::new(),
            loading: false,
        };
        if let Some(meta) = journal.meta()? {
            journal.header = meta.header;
        }
        Ok(journal)
    }

    fn get_meta(&self, k: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT v FROM meta WHERE k = ?1", [k], |r| r.get(0))
            .optional()?)
    }

    fn set_meta(&self, k: &str, v: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta (k, v) VALUES (?1, ?2) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
            [k, v],
        )?;
        Ok(())
    }

    fn row_record(&self, r: &rusqlite::Row<'_>) -> rusqlite::Result<RowRecord> {
        let state: String = r.get(3)?;
        let input: String = r.get(5)?;
        let kind: Option<String> = r.get(9)?;
        let error = match kind {
            Some(kind) => Some(ErrorInfo {
                kind,
                code: r.get(10)?,
                sub_code: r.get(11)?,
                message: r.get::<_, Option<String>>(12)?.unwrap_or_default(),
            }),
            None => None,
        };
        Ok(RowRecord {
            seq: r.get(0)?,
            line: r.get::<_, i64>(1)? as u64,
            key: r.get(2)?,
            state: RowState::parse(&state).unwrap_or(RowState::Unknown),
            attempts: r.get::<_, i64>(4)? as u32,
            input: decode_input(&input, &self.header),
            voucher_id: r.get(6)?,
            point_log_no: r.get(7)?,
            biz_result_code: r.get(8)?,
            error,
            latency_ms: r.get::<_, Option<i64>>(13)?.map(|v| v as u64),
            finished_at_ms: r.get(14)?,
        })
    }

    fn query_rows(&mut self, sql: &str, limit: usize) -> Result<Vec<RowRecord>> {
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map([limit as i64], |r| self.row_record(r))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

impl Journal for SqliteJournal {
    fn meta(&mut self) -> Result<Option<JournalMeta>> {
        if self.get_meta("loaded")?.as_deref() != Some("1") {
            return Ok(None);
        }
        let header: Vec<String> =
            serde_json::from_str(&self.get_meta("header")?.unwrap_or_default()).unwrap_or_default();
        Ok(Some(JournalMeta {
            campaign_id: self.get_meta("campaign_id")?.unwrap_or_default(),
            settings: self.get_meta("settings")?.unwrap_or_default(),
            input_digest: self.get_meta("input_digest")?.unwrap_or_default(),
            header,
        }))
    }

    fn begin_load(&mut self, meta: &JournalMeta) -> Result<()> {
        self.conn.execute_batch(
            "BEGIN IMMEDIATE; DELETE FROM rows; DELETE FROM rejects; DELETE FROM runs; \
             DELETE FROM meta WHERE k <> 'schema_version';",
        )?;
        self.loading = true;
        self.header = meta.header.clone();
        self.set_meta("campaign_id", &meta.campaign_id)?;
        self.set_meta("settings", &meta.settings)?;
        self.set_meta(
            "header",
            &serde_json::to_string(&meta.header).unwrap_or_default(),
        )?;
        Ok(())
    }

    fn add_row(&mut self, row: &NewRow<'_>) -> Result<Option<u64>> {
        let input = encode_input(&row.row.values, &self.header);
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO rows (line, key, state, input) VALUES (?1, ?2, 'pending', ?3) ON CONFLICT(key) DO NOTHING",
        )?;
        let added = insert.execute(params![row.row.line as i64, row.key, input])?;
        if added == 1 {
            return Ok(None);
        }
        let earlier: i64 =
            self.conn
                .query_row("SELECT line FROM rows WHERE key = ?1", [row.key], |r| {
                    r.get(0)
                })?;
        Ok(Some(earlier as u64))
    }

    fn add_reject(&mut self, reject: &Reject) -> Result<()> {
        let input = encode_input(&reject.input, &self.header);
        self.conn
            .prepare_cached(
                "INSERT INTO rejects (line, field, reason, input) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                reject.line as i64,
                reject.field,
                reject.reason,
                input
            ])?;
        Ok(())
    }

    fn commit_load(&mut self, input_digest: &str) -> Result<()> {
        self.set_meta("input_digest", input_digest)?;
        self.set_meta("loaded", "1")?;
        self.conn.execute_batch("COMMIT")?;
        self.loading = false;
        Ok(())
    }

    fn abandon_load(&mut self) -> Result<()> {
        if self.loading {
            self.conn.execute_batch("ROLLBACK")?;
            self.loading = false;
        }
        Ok(())
    }

    fn recover_in_flight(&mut self) -> Result<u64> {
        Ok(self.conn.execute(
            "UPDATE rows SET state = 'unknown' WHERE state = 'in_flight'",
            [],
        )? as u64)
    }

    fn requeue_unknown(&mut self) -> Result<u64> {
        Ok(self.conn.execute(
            "UPDATE rows SET state = 'pending' WHERE state = 'unknown'",
            [],
        )? as u64)
    }

    fn claim(&mut self, limit: usize, now_ms: i64) -> Result<Vec<ClaimedRow>> {
        let tx = self.conn.transaction()?;
        let mut claimed = {
            let mut stmt = tx.prepare_cached(
                "UPDATE rows SET state = 'in_flight', attempts = attempts + 1, last_sent_at = ?2, \
                 first_sent_at = COALESCE(first_sent_at, ?2) \
                 WHERE seq IN (SELECT seq FROM rows WHERE state = 'pending' ORDER BY seq LIMIT ?1) \
                 RETURNING seq, line, key, input, attempts",
            )?;
            let rows = stmt.query_map(params![limit as i64, now_ms], |r| {
                Ok(ClaimedRow {
                    seq: r.get(0)?,
                    line: r.get::<_, i64>(1)? as u64,
                    key: r.get(2)?,
                    input: decode_input(&r.get::<_, String>(3)?, &self.header),
                    attempts: r.get::<_, i64>(4)? as u32,
                })
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        tx.commit()?;
        claimed.sort_by_key(|c| c.seq);
        Ok(claimed)
    }

    fn record(&mut self, outcomes: &[RowOutcome]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE rows SET state = ?2, voucher_id = COALESCE(?3, voucher_id), \
                 point_log_no = COALESCE(?4, point_log_no), biz_result_code = COALESCE(?5, biz_result_code), \
                 error_kind = ?6, error_code = ?7, error_sub_code = ?8, error_message = ?9, finished_at = ?10, \
                 latency_ms = ?11 WHERE seq = ?1 AND state = 'in_flight'",
            )?;
            for o in outcomes {
                let e = o.error.as_ref();
                stmt.execute(params![
                    o.seq,
                    o.state.as_str(),
                    o.voucher_id,
                    o.point_log_no,
                    o.biz_result_code,
                    e.map(|e| e.kind.as_str()),
                    e.and_then(|e| e.code.as_deref()),
                    e.and_then(|e| e.sub_code.as_deref()),
                    e.map(|e| e.message.as_str()),
                    o.finished_at_ms,
                    o.latency_ms as i64,
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn counts(&mut self) -> Result<Counts> {
        let mut counts = Counts::default();
        let mut stmt = self
            .conn
            .prepare("SELECT state, COUNT(*) FROM rows GROUP BY state")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        for row in rows {
            let (state, n) = row?;
            match RowState::parse(&state) {
                Some(RowState::Pending) => counts.pending = n,
                Some(RowState::InFlight) => counts.in_flight = n,
                Some(RowState::Done) => counts.done = n,
                Some(RowState::Failed) => counts.failed = n,
                Some(RowState::Unknown) | None => counts.unknown += n,
            }
        }
        counts.rejected = self
            .conn
            .query_row("SELECT COUNT(*) FROM rejects", [], |r| r.get::<_, i64>(0))?
            as u64;
        Ok(counts)
    }

    fn for_each_row(&mut self, f: &mut dyn FnMut(RowRecord) -> Result<()>) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {ROW_COLUMNS} FROM rows ORDER BY seq"))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            f(self.row_record(r)?)?;
        }
        Ok(())
    }

    fn for_each_reject(&mut self, f: &mut dyn FnMut(Reject) -> Result<()>) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT line, field, reason, input FROM rejects ORDER BY line, rowid")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            f(Reject {
                line: r.get::<_, i64>(0)? as u64,
                field: r.get(1)?,
                reason: r.get(2)?,
                input: decode_input(&r.get::<_, String>(3)?, &self.header),
            })?;
        }
        Ok(())
    }

    fn error_codes(&mut self) -> Result<Vec<(String, u64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT COALESCE(error_code || COALESCE('/' || error_sub_code, ''), error_kind) AS c, COUNT(*) \
             FROM rows WHERE state <> 'done' AND error_kind IS NOT NULL GROUP BY c ORDER BY 2 DESC, 1",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn latency_percentiles(&mut self, percentiles: &[f64]) -> Result<Vec<u64>> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM rows WHERE latency_ms IS NOT NULL",
            [],
            |r| r.get(0),
        )?;
        let mut out = Vec::with_capacity(percentiles.len());
        for p in percentiles {
            if n == 0 {
                out.push(0);
                continue;
            }
            let rank = ((p / 100.0) * (n - 1) as f64).round() as i64;
            let v: i64 = self.conn.query_row(
                "SELECT latency_ms FROM rows WHERE latency_ms IS NOT NULL ORDER BY latency_ms LIMIT 1 OFFSET ?1",
                [rank],
                |r| r.get(0),
            )?;
            out.push(v as u64);
        }
        Ok(out)
    }

    fn timeline(&mut self) -> Result<Vec<(i64, u64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT finished_at / 1000 AS s, COUNT(*) FROM rows WHERE finished_at IS NOT NULL GROUP BY s ORDER BY s",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn slowest(&mut self, limit: usize) -> Result<Vec<RowRecord>> {
        self.query_rows(
            &format!(
                "SELECT {ROW_COLUMNS} FROM rows WHERE latency_ms IS NOT NULL ORDER BY latency_ms DESC, seq LIMIT ?1"
            ),
            limit,
        )
    }

    fn rows_in_state(&mut self, state: RowState, limit: usize) -> Result<Vec<RowRecord>> {
        self.query_rows(
            &format!(
                "SELECT {ROW_COLUMNS} FROM rows WHERE state = '{}' ORDER BY seq LIMIT ?1",
                state.as_str()
            ),
            limit,
        )
    }

    fn begin_run(&mut self, now_ms: i64) -> Result<i64> {
        self.conn
            .execute("INSERT INTO runs (started_at) VALUES (?1)", [now_ms])?;
        Ok(self.conn.last_insert_rowid())
    }

    fn end_run(&mut self, id: i64, now_ms: i64, status: &str, message: Option<&str>) -> Result<()> {
        self.conn.execute(
            "UPDATE runs SET ended_at = ?2, status = ?3, message = ?4 WHERE id = ?1",
            params![id, now_ms, status, message],
        )?;
        Ok(())
    }

    fn runs(&mut self) -> Result<Vec<RunRecord>> {
        let mut stmt = self
            .conn
            .prepare("SELECT started_at, ended_at, status, message FROM runs ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(RunRecord {
                started_at_ms: r.get(0)?,
                ended_at_ms: r.get(1)?,
                status: r.get(2)?,
                message: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

#[cfg(test)]
#[path = "sqlite_tests.rs"]
mod tests;
