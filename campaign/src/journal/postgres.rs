//! The shared journal: one PostgreSQL database for a campaign that several workers (processes or machines) run at
//! once. The rows, states and guarantees are the SQLite journal's; what is added is *who* may send a row:
//!
//! - Work is claimed per merchant (the row's `app_auth_token`, kept as a digest) under a **lease**: a worker holds
//!   one merchant at a time, renews the lease with every claim, record and heartbeat, and gives it back when the
//!   merchant has nothing left to send. Leases are taken with `FOR UPDATE SKIP LOCKED`, so two workers never take
//!   the same merchant, and one merchant's rows are sent by one worker at a time, under its quota.
//! - A worker that dies stops renewing; once its lease has expired, the next worker to look takes the merchant
//!   over and puts the dead worker's `in_flight` rows back to `pending`. They are resent with their recorded keys,
//!   so the gateway's idempotency answers what happened to them. An outcome recorded by a worker that lost its
//!   lease is dropped; the row's new owner settles it.
//! - Loading is serialised by an advisory lock on the campaign id: the first worker loads the rows, the others
//!   find them loaded and check the fingerprint, as a resume does.
//!
//! The `postgres` client is synchronous: like the SQLite journal, it is used only from the journal's own thread
//! (or a plain thread), never from inside the async runtime.

use std::time::Duration;

use postgres::{Client, NoTls, Row};
use sha2::{Digest, Sha256};

use super::{
    ClaimedRow, Counts, ErrorInfo, Journal, JournalMeta, NewRow, Reject, RowOutcome, RowRecord,
    RowState, RunRecord, decode_input, encode_input,
};
use crate::error::{CampaignError, Result};

/// The schema version this code writes and reads; the migrations bring an older database up to it.
pub const PG_SCHEMA_VERSION: i32 = 1;

/// Migration `n` (1-based) takes the schema from version `n - 1` to `n`. Applied in order, each in its own
/// transaction with the version update, under an advisory lock, so workers starting together apply each once.
const MIGRATIONS: [&str; 1] = ["
CREATE SEQUENCE alipay_campaign_seq;
CREATE TABLE alipay_campaigns (
    campaign_id TEXT PRIMARY KEY,
    settings TEXT NOT NULL,
    input_digest TEXT NOT NULL DEFAULT '',
    header TEXT NOT NULL,
    loaded BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE alipay_campaign_rows (
    campaign_id TEXT NOT NULL,
    seq BIGINT NOT NULL DEFAULT nextval('alipay_campaign_seq'),
    line BIGINT NOT NULL,
    key TEXT NOT NULL,
    merchant TEXT NOT NULL,
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
    first_sent_at BIGINT,
    last_sent_at BIGINT,
    finished_at BIGINT,
    latency_ms BIGINT,
    owner TEXT,
    PRIMARY KEY (campaign_id, seq),
    UNIQUE (campaign_id, key)
);
CREATE INDEX alipay_campaign_rows_work ON alipay_campaign_rows (campaign_id, merchant, state, seq);
CREATE INDEX alipay_campaign_rows_state ON alipay_campaign_rows (campaign_id, state);
CREATE TABLE alipay_campaign_rejects (
    n BIGSERIAL PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    line BIGINT NOT NULL,
    field TEXT NOT NULL,
    reason TEXT NOT NULL,
    input TEXT NOT NULL
);
CREATE INDEX alipay_campaign_rejects_campaign ON alipay_campaign_rejects (campaign_id, line);
CREATE TABLE alipay_campaign_runs (
    id BIGSERIAL PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    worker TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    status TEXT,
    message TEXT
);
CREATE TABLE alipay_campaign_leases (
    campaign_id TEXT NOT NULL,
    merchant TEXT NOT NULL,
    owner TEXT,
    expires_at TIMESTAMPTZ,
    PRIMARY KEY (campaign_id, merchant)
);
"];

/// The advisory lock that serialises migrations (any campaign).
const MIGRATION_LOCK: i64 = 0x0a11_0a11_5c4e_0001;

const ROW_COLUMNS: &str = "seq, line, key, state, attempts, input, voucher_id, point_log_no, biz_result_code, \
     error_kind, error_code, error_sub_code, error_message, latency_ms, finished_at";

/// How long a lease lasts without renewal, by default.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// The merchant a row is sent for: a digest of its `app_auth_token` (the token itself is a credential and is not
/// stored twice), or the empty string for calls on the app's own behalf.
pub fn merchant_key(app_auth_token: Option<&str>) -> String {
    match app_auth_token.map(str::trim).filter(|t| !t.is_empty()) {
        None => String::new(),
        Some(token) => {
            let digest = Sha256::digest(token.as_bytes());
            let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
            format!("sha256:{hex}")
        }
    }
}

/// A `postgres://` URL with its password (in the user info, or a `password=` parameter) replaced by `***`, for
/// messages.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    // The driver ends the user info at the first `@`, so the mask does too.
    let mut shown = match authority.find('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            let hidden = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_owned()
            };
            format!("{}://{hidden}@{}", &url[..scheme_end], &rest[at + 1..])
        }
        None => url.to_owned(),
    };
    if let Some(query_start) = shown.find('?') {
        let query: Vec<String> = shown[query_start + 1..]
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        shown = format!("{}?{}", &shown[..query_start], query.join("&"));
    }
    shown
}

/// Whether `text` names a PostgreSQL journal (`postgres://…` or `postgresql://…`).
pub fn is_postgres_url(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with("postgres://") || t.starts_with("postgresql://")
}

/// The PostgreSQL journal of one campaign.
pub struct PgJournal {
    client: Client,
    st: State,
}

/// Everything but the connection (so statements inside a transaction on the connection can read it).
struct State {
    campaign_id: String,
    /// This worker's name in leases and runs: host, process id and a random part.
    worker: String,
    lease: Duration,
    /// The merchant this worker holds a lease on, if any.
    held: Option<String>,
    header: Vec<String>,
    loading: bool,
    /// The URL without its password, for messages.
    url: String,
    /// The rows (by key) a batch run claims, counts and settles; `None` for the whole campaign.
    only: Option<Vec<String>>,
}

impl State {
    fn lease_ms(&self) -> f64 {
        self.lease.as_millis() as f64
    }

    fn fail(&self, what: &str, e: &postgres::Error) -> CampaignError {
        CampaignError::journal(format!(
            "the journal database {}: {what} failed: {}",
            self.url,
            describe(e)
        ))
    }
}

impl PgJournal {
    /// Connects to `url` (a `postgres://user:password@host:port/db` URL), brings the schema up to date, and opens
    /// the journal of campaign `campaign_id` there. Several campaigns may share a database.
    pub fn open(url: &str, campaign_id: &str, lease: Duration) -> Result<PgJournal> {
        let shown = redact_url(url);
        let mut config: postgres::Config = url.parse().map_err(|e| {
            CampaignError::config(format!(
                "journal: {shown} is not a usable PostgreSQL URL ({e}); the form is \
                 postgres://USER:PASSWORD@HOST:PORT/DATABASE"
            ))
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.application_name("alipay-marketing campaign");
        let authority = url.split("://").nth(1).unwrap_or_default();
        let authority = &authority[..authority.find(['/', '?']).unwrap_or(authority.len())];
        let encoding_hint = if authority.matches('@').count() > 1 {
            "; the URL has two `@`: a password with `@`, `:` or `/` must be percent-encoded (`@` is %40)"
        } else {
            ""
        };
        let client = config.connect(NoTls).map_err(|e| {
            CampaignError::journal(format!(
                "cannot connect to the journal database {shown}: {}; check that the server is running and \
                 reachable, and the user, password and database name{encoding_hint} (nothing was sent)",
                describe(&e)
            ))
        })?;
        let mut journal = PgJournal {
            client,
            st: State {
                campaign_id: campaign_id.to_owned(),
                worker: worker_name(),
                lease: lease.max(Duration::from_secs(1)),
                held: None,
                header: Vec::new(),
                loading: false,
                url: shown,
                only: None,
            },
        };
        journal.migrate()?;
        if let Some(meta) = journal.meta()? {
            journal.st.header = meta.header;
        }
        Ok(journal)
    }

    /// This worker's name, as recorded in leases and runs.
    pub fn worker(&self) -> &str {
        &self.st.worker
    }

    fn migrate(&mut self) -> Result<()> {
        let url = self.st.url.clone();
        let fail = |what: &str, e: postgres::Error| {
            CampaignError::journal(format!(
                "the journal database {url}: {what} failed: {}",
                describe(&e)
            ))
        };
        // Every worker takes the same lock before touching the schema: CREATE TABLE IF NOT EXISTS is not safe
        // against a concurrent twin (it can fail with "type ... already exists"), so creation is serialised too.
        let mut tx = self
            .client
            .transaction()
            .map_err(|e| fail("a migration", e))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(|e| fail("locking for migrations", e))?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS alipay_campaign_schema (
                 id INTEGER PRIMARY KEY CHECK (id = 1),
                 version INTEGER NOT NULL
             )",
        )
        .map_err(|e| fail("creating the schema table", e))?;
        let version: i32 = tx
            .query_opt(
                "SELECT version FROM alipay_campaign_schema WHERE id = 1",
                &[],
            )
            .map_err(|e| fail("reading the schema version", e))?
            .map_or(0, |r| r.get(0));
        if version > PG_SCHEMA_VERSION {
            return Err(CampaignError::journal(format!(
                "the journal database {url} has journal schema version {version}, newer than the version \
                 {PG_SCHEMA_VERSION} this alipay-marketing reads: upgrade alipay-marketing on every worker (nothing \
                 was sent)"
            )));
        }
        for (i, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let to = i as i32 + 1;
            tx.batch_execute(migration)
                .map_err(|e| fail(&format!("migration {to}"), e))?;
            tx.execute(
                "INSERT INTO alipay_campaign_schema (id, version) VALUES (1, $1) \
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version",
                &[&to],
            )
            .map_err(|e| fail(&format!("migration {to}"), e))?;
        }
        tx.commit()
            .map_err(|e| fail("committing the migrations", e))
    }

    /// The advisory lock key of this campaign's setup.
    fn setup_lock(&self) -> i64 {
        let digest = Sha256::digest(format!("alipay-campaign-setup:{}", self.st.campaign_id));
        i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
    }

    fn fail(&self, what: &str, e: &postgres::Error) -> CampaignError {
        self.st.fail(what, e)
    }
}

impl State {
    fn row_record(&self, r: &Row) -> RowRecord {
        let kind: Option<String> = r.get(9);
        RowRecord {
            seq: r.get(0),
            line: r.get::<_, i64>(1) as u64,
            key: r.get(2),
            state: RowState::parse(r.get(3)).unwrap_or(RowState::Unknown),
            attempts: r.get::<_, i32>(4) as u32,
            input: decode_input(r.get(5), &self.header),
            voucher_id: r.get(6),
            point_log_no: r.get(7),
            biz_result_code: r.get(8),
            error: kind.map(|kind| ErrorInfo {
                kind,
                code: r.get(10),
                sub_code: r.get(11),
                message: r.get::<_, Option<String>>(12).unwrap_or_default(),
            }),
            latency_ms: r.get::<_, Option<i64>>(13).map(|v| v as u64),
            finished_at_ms: r.get(14),
        }
    }

    /// Renews the lease on `merchant`; false when it was lost (expired and taken over).
    fn renew(
        &self,
        tx: &mut postgres::Transaction<'_>,
        merchant: &str,
    ) -> std::result::Result<bool, postgres::Error> {
        let renewed = tx.execute(
            "UPDATE alipay_campaign_leases SET expires_at = clock_timestamp() + $4 * interval '1 millisecond' \
             WHERE campaign_id = $1 AND merchant = $2 AND owner = $3",
            &[&self.campaign_id, &merchant, &self.worker, &self.lease_ms()],
        )?;
        Ok(renewed == 1)
    }

    /// Claims rows of `merchant` for this worker, optionally only those with the given keys.
    fn claim_rows(
        &self,
        tx: &mut postgres::Transaction<'_>,
        merchant: &str,
        keys: Option<&[String]>,
        limit: i64,
        now_ms: i64,
    ) -> std::result::Result<Vec<ClaimedRow>, postgres::Error> {
        let rows = tx.query(
            "UPDATE alipay_campaign_rows SET state = 'in_flight', attempts = attempts + 1, owner = $3, \
             last_sent_at = $5, first_sent_at = COALESCE(first_sent_at, $5) \
             WHERE campaign_id = $1 AND seq IN ( \
                 SELECT seq FROM alipay_campaign_rows WHERE campaign_id = $1 AND merchant = $2 \
                 AND state = 'pending' AND ($6::text[] IS NULL OR key = ANY($6)) \
                 ORDER BY seq LIMIT $4 FOR UPDATE SKIP LOCKED) \
             RETURNING seq, line, key, input, attempts",
            &[&self.campaign_id, &merchant, &self.worker, &limit, &now_ms, &keys],
        )?;
        let mut claimed: Vec<ClaimedRow> = rows
            .iter()
            .map(|r| ClaimedRow {
                seq: r.get(0),
                line: r.get::<_, i64>(1) as u64,
                key: r.get(2),
                input: decode_input(r.get(3), &self.header),
                attempts: r.get::<_, i32>(4) as u32,
            })
            .collect();
        claimed.sort_by_key(|c| c.seq);
        Ok(claimed)
    }

    /// Takes the lease of a merchant with work left (free, or expired: then its `in_flight` rows go back to
    /// `pending`, to be resent with their keys). `keys` narrows "work left" to those rows.
    fn take_lease(
        &self,
        tx: &mut postgres::Transaction<'_>,
        keys: Option<&[String]>,
    ) -> std::result::Result<Option<String>, postgres::Error> {
        let found = tx.query_opt(
            "SELECT l.merchant FROM alipay_campaign_leases l \
             WHERE l.campaign_id = $1 AND (l.owner IS NULL OR l.owner = $2 OR l.expires_at < clock_timestamp()) \
             AND EXISTS (SELECT 1 FROM alipay_campaign_rows r WHERE r.campaign_id = l.campaign_id \
                 AND r.merchant = l.merchant AND r.state IN ('pending', 'in_flight') \
                 AND ($3::text[] IS NULL OR r.key = ANY($3))) \
             ORDER BY l.merchant LIMIT 1 FOR UPDATE OF l SKIP LOCKED",
            &[&self.campaign_id, &self.worker, &keys],
        )?;
        let Some(found) = found else {
            return Ok(None);
        };
        let merchant: String = found.get(0);
        tx.execute(
            "UPDATE alipay_campaign_leases SET owner = $3, \
             expires_at = clock_timestamp() + $4 * interval '1 millisecond' \
             WHERE campaign_id = $1 AND merchant = $2",
            &[&self.campaign_id, &merchant, &self.worker, &self.lease_ms()],
        )?;
        // The lease is this worker's now: rows of the merchant still in flight under another owner (one whose
        // lease expired) may or may not have been applied; they are resent with their keys.
        tx.execute(
            "UPDATE alipay_campaign_rows SET state = 'pending', owner = NULL \
             WHERE campaign_id = $1 AND merchant = $2 AND state = 'in_flight' AND owner IS DISTINCT FROM $3",
            &[&self.campaign_id, &merchant, &self.worker],
        )?;
        Ok(Some(merchant))
    }
}

impl PgJournal {
    fn query_rows(&mut self, sql: &str, limit: usize) -> Result<Vec<RowRecord>> {
        let limit = limit as i64;
        let rows = self
            .client
            .query(sql, &[&self.st.campaign_id, &limit])
            .map_err(|e| self.st.fail("reading rows", &e))?;
        Ok(rows.iter().map(|r| self.st.row_record(r)).collect())
    }

    fn claim_inner(
        &mut self,
        keys: Option<&[String]>,
        limit: usize,
        now_ms: i64,
    ) -> std::result::Result<Vec<ClaimedRow>, postgres::Error> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let st = &self.st;
        let mut tx = self.client.transaction()?;
        let mut held = st.held.clone();
        let mut claimed = Vec::new();
        let mut taken = false;
        // The merchant held, if it still has rows; else (once) a newly taken one. Four steps at most: renew or
        // lose, claim or give back, take, claim.
        for _ in 0..4 {
            match held.clone() {
                Some(merchant) => {
                    if !st.renew(&mut tx, &merchant)? {
                        held = None;
                        continue;
                    }
                    claimed = st.claim_rows(&mut tx, &merchant, keys, limit, now_ms)?;
                    if !claimed.is_empty() {
                        break;
                    }
                    let mine_in_flight: i64 = tx
                        .query_one(
                            "SELECT COUNT(*) FROM alipay_campaign_rows WHERE campaign_id = $1 AND merchant = $2 \
                             AND state = 'in_flight' AND owner = $3",
                            &[&st.campaign_id, &merchant, &st.worker],
                        )?
                        .get(0);
                    if mine_in_flight > 0 {
                        // Keep the merchant until its calls in flight are recorded.
                        break;
                    }
                    tx.execute(
                        "UPDATE alipay_campaign_leases SET owner = NULL, expires_at = NULL \
                         WHERE campaign_id = $1 AND merchant = $2 AND owner = $3",
                        &[&st.campaign_id, &merchant, &st.worker],
                    )?;
                    held = None;
                }
                None if taken => break,
                None => {
                    taken = true;
                    held = st.take_lease(&mut tx, keys)?;
                    if held.is_none() {
                        break;
                    }
                }
            }
        }
        tx.commit()?;
        self.st.held = held;
        Ok(claimed)
    }

    /// Adds the rows that are not in the journal yet (by key), each under its merchant: how a batch run (one
    /// task of a distributed job) brings its rows. A row already there, from an earlier attempt of the same task
    /// or from another task, is left as it is.
    pub fn add_rows_if_absent(&mut self, rows: &[NewRow<'_>]) -> Result<()> {
        let st = &self.st;
        let fail = |e: postgres::Error| st.fail("adding the batch's rows", &e);
        let mut tx = self.client.transaction().map_err(fail)?;
        for row in rows {
            let input = encode_input(&row.row.values, &st.header);
            tx.execute(
                "INSERT INTO alipay_campaign_rows (campaign_id, line, key, merchant, state, input) \
                 VALUES ($1, $2, $3, $4, 'pending', $5) ON CONFLICT (campaign_id, key) DO NOTHING",
                &[
                    &st.campaign_id,
                    &(row.row.line as i64),
                    &row.key,
                    &row.merchant,
                    &input,
                ],
            )
            .map_err(fail)?;
        }
        // A lease row per merchant of the batch, once each.
        let merchants: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.merchant).collect();
        for merchant in merchants {
            tx.execute(
                "INSERT INTO alipay_campaign_leases (campaign_id, merchant) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
                &[&st.campaign_id, &merchant],
            )
            .map_err(fail)?;
        }
        tx.commit().map_err(fail)
    }

    /// From now on, claims, counts and settling see only the rows with these keys (a batch run's own rows).
    pub fn restrict_to(&mut self, keys: Vec<String>) {
        self.st.only = Some(keys);
    }

    /// The records of the rows with `keys`, in journal order.
    pub fn rows_with_keys(&mut self, keys: &[String]) -> Result<Vec<RowRecord>> {
        let rows = self
            .client
            .query(
                &format!(
                    "SELECT {ROW_COLUMNS} FROM alipay_campaign_rows WHERE campaign_id = $1 AND key = ANY($2) \
                     ORDER BY seq"
                ),
                &[&self.st.campaign_id, &keys],
            )
            .map_err(|e| self.fail("reading rows", &e))?;
        Ok(rows.iter().map(|r| self.st.row_record(r)).collect())
    }

    /// Makes sure the campaign exists with these settings (the engine-neutral entry point, which has no file to
    /// load): creates it on first use, refuses another campaign's settings under the same id.
    pub fn ensure_campaign(&mut self, meta: &JournalMeta) -> Result<Option<JournalMeta>> {
        let header = serde_json::to_string(&meta.header).unwrap_or_default();
        self.client
            .execute(
                "INSERT INTO alipay_campaigns (campaign_id, settings, input_digest, header, loaded) \
                 VALUES ($1, $2, $3, $4, TRUE) ON CONFLICT (campaign_id) DO NOTHING",
                &[&self.st.campaign_id, &meta.settings, &meta.input_digest, &header],
            )
            .map_err(|e| self.fail("creating the campaign", &e))?;
        let found = self.meta()?;
        if let Some(m) = &found {
            self.st.header = m.header.clone();
        }
        Ok(found)
    }
}

impl Journal for PgJournal {
    fn lock_setup(&mut self) -> Result<()> {
        let key = self.setup_lock();
        self.client
            .execute("SELECT pg_advisory_lock($1)", &[&key])
            .map_err(|e| self.fail("locking the campaign for its setup", &e))?;
        Ok(())
    }

    fn unlock_setup(&mut self) -> Result<()> {
        let key = self.setup_lock();
        self.client
            .execute("SELECT pg_advisory_unlock($1)", &[&key])
            .map_err(|e| self.fail("unlocking the campaign after its setup", &e))?;
        Ok(())
    }

    fn is_shared(&self) -> bool {
        true
    }

    fn heartbeat_interval(&self) -> Option<Duration> {
        Some(self.st.lease / 3)
    }

    fn heartbeat(&mut self) -> Result<()> {
        let Some(merchant) = self.st.held.clone() else {
            return Ok(());
        };
        let st = &self.st;
        let mut tx = self
            .client
            .transaction()
            .map_err(|e| st.fail("renewing the lease", &e))?;
        let kept = st
            .renew(&mut tx, &merchant)
            .map_err(|e| st.fail("renewing the lease", &e))?;
        tx.commit().map_err(|e| st.fail("renewing the lease", &e))?;
        if !kept {
            tracing::warn!(
                campaign = %self.st.campaign_id,
                "this worker's lease on merchant {merchant} expired and was taken over; its rows in flight are \
                 settled by the new owner"
            );
            self.st.held = None;
        }
        Ok(())
    }

    fn meta(&mut self) -> Result<Option<JournalMeta>> {
        let row = self
            .client
            .query_opt(
                "SELECT settings, input_digest, header FROM alipay_campaigns WHERE campaign_id = $1 AND loaded",
                &[&self.st.campaign_id],
            )
            .map_err(|e| self.fail("reading the campaign", &e))?;
        let meta = row.map(|r| JournalMeta {
            campaign_id: self.st.campaign_id.clone(),
            settings: r.get(0),
            input_digest: r.get(1),
            header: serde_json::from_str(r.get(2)).unwrap_or_default(),
        });
        // Another worker may have loaded the rows since this one connected: rows decode with its header.
        if let Some(m) = &meta {
            self.st.header = m.header.clone();
        }
        Ok(meta)
    }

    fn begin_load(&mut self, meta: &JournalMeta) -> Result<()> {
        let id = self.st.campaign_id.clone();
        let header = serde_json::to_string(&meta.header).unwrap_or_default();
        let statements = [
            "BEGIN",
            "DELETE FROM alipay_campaign_rows WHERE campaign_id = $1",
            "DELETE FROM alipay_campaign_rejects WHERE campaign_id = $1",
            "DELETE FROM alipay_campaign_runs WHERE campaign_id = $1",
            "DELETE FROM alipay_campaign_leases WHERE campaign_id = $1",
            "DELETE FROM alipay_campaigns WHERE campaign_id = $1",
        ];
        for sql in statements {
            let result = if sql == "BEGIN" {
                self.client.batch_execute(sql)
            } else {
                self.client.execute(sql, &[&id]).map(|_| ())
            };
            result.map_err(|e| self.fail("starting the load", &e))?;
        }
        self.st.loading = true;
        self.client
            .execute(
                "INSERT INTO alipay_campaigns (campaign_id, settings, header) VALUES ($1, $2, $3)",
                &[&id, &meta.settings, &header],
            )
            .map_err(|e| self.fail("starting the load", &e))?;
        self.st.header = meta.header.clone();
        Ok(())
    }

    fn add_row(&mut self, row: &NewRow<'_>) -> Result<Option<u64>> {
        let input = encode_input(&row.row.values, &self.st.header);
        let added = self
            .client
            .execute(
                "INSERT INTO alipay_campaign_rows (campaign_id, line, key, merchant, state, input) \
                 VALUES ($1, $2, $3, $4, 'pending', $5) ON CONFLICT (campaign_id, key) DO NOTHING",
                &[
                    &self.st.campaign_id,
                    &(row.row.line as i64),
                    &row.key,
                    &row.merchant,
                    &input,
                ],
            )
            .map_err(|e| self.fail("loading a row", &e))?;
        if added == 1 {
            return Ok(None);
        }
        let earlier: i64 = self
            .client
            .query_one(
                "SELECT line FROM alipay_campaign_rows WHERE campaign_id = $1 AND key = $2",
                &[&self.st.campaign_id, &row.key],
            )
            .map_err(|e| self.fail("loading a row", &e))?
            .get(0);
        Ok(Some(earlier as u64))
    }

    fn add_reject(&mut self, reject: &Reject) -> Result<()> {
        let input = encode_input(&reject.input, &self.st.header);
        self.client
            .execute(
                "INSERT INTO alipay_campaign_rejects (campaign_id, line, field, reason, input) \
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &self.st.campaign_id,
                    &(reject.line as i64),
                    &reject.field,
                    &reject.reason,
                    &input,
                ],
            )
            .map_err(|e| self.fail("loading a rejected row", &e))?;
        Ok(())
    }

    fn commit_load(&mut self, input_digest: &str) -> Result<()> {
        let id = self.st.campaign_id.clone();
        self.client
            .execute(
                "UPDATE alipay_campaigns SET input_digest = $2, loaded = TRUE WHERE campaign_id = $1",
                &[&id, &input_digest],
            )
            .map_err(|e| self.fail("ending the load", &e))?;
        self.client
            .execute(
                "INSERT INTO alipay_campaign_leases (campaign_id, merchant) \
                 SELECT DISTINCT campaign_id, merchant FROM alipay_campaign_rows WHERE campaign_id = $1 \
                 ON CONFLICT DO NOTHING",
                &[&id],
            )
            .map_err(|e| self.fail("ending the load", &e))?;
        self.client
            .batch_execute("COMMIT")
            .map_err(|e| self.fail("committing the load", &e))?;
        self.st.loading = false;
        Ok(())
    }

    fn abandon_load(&mut self) -> Result<()> {
        if self.st.loading {
            self.client
                .batch_execute("ROLLBACK")
                .map_err(|e| self.fail("abandoning the load", &e))?;
            self.st.loading = false;
        }
        Ok(())
    }

    fn recover_in_flight(&mut self) -> Result<u64> {
        // Only this worker's: the others' rows are theirs until their leases expire.
        let n = self
            .client
            .execute(
                "UPDATE alipay_campaign_rows SET state = 'unknown' \
                 WHERE campaign_id = $1 AND state = 'in_flight' AND owner = $2",
                &[&self.st.campaign_id, &self.st.worker],
            )
            .map_err(|e| self.fail("recovering rows in flight", &e))?;
        Ok(n)
    }

    fn requeue_unknown(&mut self) -> Result<u64> {
        let n = self
            .client
            .execute(
                "UPDATE alipay_campaign_rows SET state = 'pending' WHERE campaign_id = $1 AND state = 'unknown' \
                 AND ($2::text[] IS NULL OR key = ANY($2))",
                &[&self.st.campaign_id, &self.st.only],
            )
            .map_err(|e| self.fail("requeueing unknown rows", &e))?;
        Ok(n)
    }

    fn claim(&mut self, limit: usize, now_ms: i64) -> Result<Vec<ClaimedRow>> {
        let only = self.st.only.take();
        let claimed = self.claim_inner(only.as_deref(), limit, now_ms);
        self.st.only = only;
        claimed.map_err(|e| self.fail("claiming rows", &e))
    }

    fn record(&mut self, outcomes: &[RowOutcome]) -> Result<()> {
        let mut seqs = Vec::with_capacity(outcomes.len());
        let mut states = Vec::with_capacity(outcomes.len());
        let mut voucher_ids = Vec::with_capacity(outcomes.len());
        let mut point_log_nos = Vec::with_capacity(outcomes.len());
        let mut biz_codes = Vec::with_capacity(outcomes.len());
        let mut kinds = Vec::with_capacity(outcomes.len());
        let mut codes = Vec::with_capacity(outcomes.len());
        let mut sub_codes = Vec::with_capacity(outcomes.len());
        let mut messages = Vec::with_capacity(outcomes.len());
        let mut finished = Vec::with_capacity(outcomes.len());
        let mut latencies = Vec::with_capacity(outcomes.len());
        for o in outcomes {
            let e = o.error.as_ref();
            seqs.push(o.seq);
            states.push(o.state.as_str());
            voucher_ids.push(o.voucher_id.as_deref());
            point_log_nos.push(o.point_log_no.as_deref());
            biz_codes.push(o.biz_result_code.as_deref());
            kinds.push(e.map(|e| e.kind.as_str()));
            codes.push(e.and_then(|e| e.code.as_deref()));
            sub_codes.push(e.and_then(|e| e.sub_code.as_deref()));
            messages.push(e.map(|e| e.message.as_str()));
            finished.push(o.finished_at_ms);
            latencies.push(i64::try_from(o.latency_ms).unwrap_or(i64::MAX));
        }
        let st = &self.st;
        let mut tx = self
            .client
            .transaction()
            .map_err(|e| st.fail("recording outcomes", &e))?;
        // An outcome counts only while this worker still owns the row (its lease was not taken over).
        tx.execute(
            "UPDATE alipay_campaign_rows r SET state = o.state, \
                 voucher_id = COALESCE(o.voucher_id, r.voucher_id), \
                 point_log_no = COALESCE(o.point_log_no, r.point_log_no), \
                 biz_result_code = COALESCE(o.biz_result_code, r.biz_result_code), \
                 error_kind = o.error_kind, error_code = o.error_code, error_sub_code = o.error_sub_code, \
                 error_message = o.error_message, finished_at = o.finished_at, latency_ms = o.latency_ms, \
                 owner = CASE WHEN o.state = 'pending' THEN NULL ELSE r.owner END \
             FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], \
                         $10::text[], $11::text[], $12::bigint[], $13::bigint[]) \
                 AS o(seq, state, voucher_id, point_log_no, biz_result_code, error_kind, error_code, \
                      error_sub_code, error_message, finished_at, latency_ms) \
             WHERE r.campaign_id = $1 AND r.seq = o.seq AND r.state = 'in_flight' AND r.owner = $2",
            &[
                &st.campaign_id,
                &st.worker,
                &seqs,
                &states,
                &voucher_ids,
                &point_log_nos,
                &biz_codes,
                &kinds,
                &codes,
                &sub_codes,
                &messages,
                &finished,
                &latencies,
            ],
        )
        .map_err(|e| st.fail("recording outcomes", &e))?;
        if let Some(merchant) = &st.held {
            st.renew(&mut tx, merchant)
                .map_err(|e| st.fail("renewing the lease", &e))?;
        }
        tx.commit().map_err(|e| st.fail("recording outcomes", &e))
    }

    fn counts(&mut self) -> Result<Counts> {
        let mut counts = Counts::default();
        let rows = self
            .client
            .query(
                "SELECT state, COUNT(*) FROM alipay_campaign_rows WHERE campaign_id = $1 \
                 AND ($2::text[] IS NULL OR key = ANY($2)) GROUP BY state",
                &[&self.st.campaign_id, &self.st.only],
            )
            .map_err(|e| self.fail("counting rows", &e))?;
        for r in rows {
            let n = r.get::<_, i64>(1) as u64;
            match RowState::parse(r.get(0)) {
                Some(RowState::Pending) => counts.pending = n,
                Some(RowState::InFlight) => counts.in_flight = n,
                Some(RowState::Done) => counts.done = n,
                Some(RowState::Failed) => counts.failed = n,
                Some(RowState::Unknown) | None => counts.unknown += n,
            }
        }
        counts.rejected = self
            .client
            .query_one(
                "SELECT COUNT(*) FROM alipay_campaign_rejects WHERE campaign_id = $1",
                &[&self.st.campaign_id],
            )
            .map_err(|e| self.fail("counting rows", &e))?
            .get::<_, i64>(0) as u64;
        Ok(counts)
    }

    fn for_each_row(&mut self, f: &mut dyn FnMut(RowRecord) -> Result<()>) -> Result<()> {
        // In pages by seq, so a large campaign streams instead of loading every row.
        let mut after = i64::MIN;
        loop {
            let rows = self
                .client
                .query(
                    &format!(
                        "SELECT {ROW_COLUMNS} FROM alipay_campaign_rows WHERE campaign_id = $1 AND seq > $2 \
                         ORDER BY seq LIMIT 5000"
                    ),
                    &[&self.st.campaign_id, &after],
                )
                .map_err(|e| self.fail("reading rows", &e))?;
            let Some(last) = rows.last() else {
                return Ok(());
            };
            after = last.get(0);
            for r in &rows {
                f(self.st.row_record(r))?;
            }
        }
    }

    fn for_each_reject(&mut self, f: &mut dyn FnMut(Reject) -> Result<()>) -> Result<()> {
        let rows = self
            .client
            .query(
                "SELECT line, field, reason, input FROM alipay_campaign_rejects WHERE campaign_id = $1 \
                 ORDER BY line, n",
                &[&self.st.campaign_id],
            )
            .map_err(|e| self.fail("reading rejected rows", &e))?;
        for r in rows {
            f(Reject {
                line: r.get::<_, i64>(0) as u64,
                field: r.get(1),
                reason: r.get(2),
                input: decode_input(r.get(3), &self.st.header),
            })?;
        }
        Ok(())
    }

    fn error_codes(&mut self) -> Result<Vec<(String, u64)>> {
        let rows = self
            .client
            .query(
                "SELECT COALESCE(error_code || COALESCE('/' || error_sub_code, ''), error_kind) AS c, COUNT(*) \
                 FROM alipay_campaign_rows WHERE campaign_id = $1 AND state <> 'done' AND error_kind IS NOT NULL \
                 GROUP BY c ORDER BY 2 DESC, 1",
                &[&self.st.campaign_id],
            )
            .map_err(|e| self.fail("reading error codes", &e))?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get::<_, i64>(1) as u64))
            .collect())
    }

    fn latency_percentiles(&mut self, percentiles: &[f64]) -> Result<Vec<u64>> {
        let fractions: Vec<f64> = percentiles
            .iter()
            .map(|p| (p / 100.0).clamp(0.0, 1.0))
            .collect();
        let row = self
            .client
            .query_one(
                "SELECT percentile_disc($2::float8[]) WITHIN GROUP (ORDER BY latency_ms) \
                 FROM alipay_campaign_rows WHERE campaign_id = $1 AND latency_ms IS NOT NULL",
                &[&self.st.campaign_id, &fractions],
            )
            .map_err(|e| self.fail("reading latencies", &e))?;
        let values: Option<Vec<Option<i64>>> = row.get(0);
        Ok(match values {
            Some(v) => v.into_iter().map(|x| x.unwrap_or(0) as u64).collect(),
            None => vec![0; percentiles.len()],
        })
    }

    fn timeline(&mut self) -> Result<Vec<(i64, u64)>> {
        let rows = self
            .client
            .query(
                "SELECT finished_at / 1000 AS s, COUNT(*) FROM alipay_campaign_rows \
                 WHERE campaign_id = $1 AND finished_at IS NOT NULL GROUP BY s ORDER BY s",
                &[&self.st.campaign_id],
            )
            .map_err(|e| self.fail("reading the timeline", &e))?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get::<_, i64>(1) as u64))
            .collect())
    }

    fn slowest(&mut self, limit: usize) -> Result<Vec<RowRecord>> {
        self.query_rows(
            &format!(
                "SELECT {ROW_COLUMNS} FROM alipay_campaign_rows WHERE campaign_id = $1 AND latency_ms IS NOT NULL \
                 ORDER BY latency_ms DESC, seq LIMIT $2"
            ),
            limit,
        )
    }

    fn rows_in_state(&mut self, state: RowState, limit: usize) -> Result<Vec<RowRecord>> {
        self.query_rows(
            &format!(
                "SELECT {ROW_COLUMNS} FROM alipay_campaign_rows WHERE campaign_id = $1 AND state = '{}' \
                 ORDER BY seq LIMIT $2",
                state.as_str()
            ),
            limit,
        )
    }

    fn begin_run(&mut self, now_ms: i64) -> Result<i64> {
        let row = self
            .client
            .query_one(
                "INSERT INTO alipay_campaign_runs (campaign_id, worker, started_at) VALUES ($1, $2, $3) \
                 RETURNING id",
                &[&self.st.campaign_id, &self.st.worker, &now_ms],
            )
            .map_err(|e| self.fail("recording the run", &e))?;
        Ok(row.get(0))
    }

    fn end_run(&mut self, id: i64, now_ms: i64, status: &str, message: Option<&str>) -> Result<()> {
        self.client
            .execute(
                "UPDATE alipay_campaign_runs SET ended_at = $2, status = $3, message = $4 WHERE id = $1",
                &[&id, &now_ms, &status, &message],
            )
            .map_err(|e| self.fail("recording the run", &e))?;
        // Whatever lease this worker holds goes back: its rows in flight were recovered before.
        self.client
            .execute(
                "UPDATE alipay_campaign_leases SET owner = NULL, expires_at = NULL \
                 WHERE campaign_id = $1 AND owner = $2",
                &[&self.st.campaign_id, &self.st.worker],
            )
            .map_err(|e| self.fail("giving back the lease", &e))?;
        self.st.held = None;
        Ok(())
    }

    fn runs(&mut self) -> Result<Vec<RunRecord>> {
        let rows = self
            .client
            .query(
                "SELECT started_at, ended_at, status, message FROM alipay_campaign_runs WHERE campaign_id = $1 \
                 ORDER BY id",
                &[&self.st.campaign_id],
            )
            .map_err(|e| self.fail("reading the runs", &e))?;
        Ok(rows
            .iter()
            .map(|r| RunRecord {
                started_at_ms: r.get(0),
                ended_at_ms: r.get(1),
                status: r.get(2),
                message: r.get(3),
            })
            .collect())
    }
}

fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_owned(),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(cause) = source {
                let cause_text = cause.to_string();
                if !text.contains(&cause_text) {
                    text.push_str(": ");
                    text.push_str(&cause_text);
                }
                source = cause.source();
            }
            text
        }
    }
}

fn worker_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut random = [0u8; 4];
    random.copy_from_slice(&Sha256::digest(format!("{host}{nanos}{:p}", &nanos))[..4]);
    format!(
        "{host}:{}:{:08x}",
        std::process::id(),
        u32::from_be_bytes(random)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_wherever_the_url_carries_them() {
        assert_eq!(
            redact_url("postgres://campaign:s3cret@db:5432/c"),
            "postgres://campaign:***@db:5432/c"
        );
        assert_eq!(
            redact_url("postgresql://db/c?user=u&password=s3cret&sslmode=disable"),
            "postgresql://db/c?user=u&password=***&sslmode=disable"
        );
        assert_eq!(redact_url("postgres://u@db/c"), "postgres://u@db/c");
        assert_eq!(merchant_key(Some("  ")), "");
        assert_eq!(merchant_key(None), "");
        assert!(merchant_key(Some("202405BBtoken")).starts_with("sha256:"));
        assert!(!merchant_key(Some("202405BBtoken")).contains("token"));
    }
}
