//! A batch of rows instead of a file: the engine-neutral entry point of distributed jobs. One task of a Spark,
//! Ray or Dask job hands its rows to [`Campaign::run_rows`] with a campaign journaled in PostgreSQL; the rows are
//! added to the shared journal if they are not there yet (by key), and sent under the same merchant leases,
//! breaker, settling and exactly-once rules as a file's rows.
//!
//! What makes task retries and speculative attempts safe is the journal, not the engine: a retried task brings
//! the same rows, which are already there under the same keys, so the done ones are answered from the journal and
//! the others are resent with their recorded keys (after the failed attempt's lease expires, if it held one).

use std::collections::{HashMap, HashSet};

use alipay_marketing::Client;

use crate::api::off_runtime;
use crate::config::{Campaign, Identity, InputFormat};
use crate::control::{Progress, StopHandle};
use crate::error::{CampaignError, CampaignErrorKind, Result};
use crate::input::InputRow;
use crate::journal::{
    ErrorInfo, Journal, JournalMeta, NewRow, PgJournal, RowRecord, encode_input, is_postgres_url,
};
use crate::load::check_settings_match;
use crate::request::FieldMap;
use crate::runner::{RunStatus, run};

/// The names a batch's answer adds to each row (after the row's own columns): an input column may not have one.
pub const RESULT_FIELDS: [&str; 10] = [
    "key",
    "status",
    "attempts",
    "voucher_id",
    "point_log_no",
    "biz_result_code",
    "error_kind",
    "error_code",
    "error_sub_code",
    "error_message",
];

/// Refuses input columns named like a result field (the answer would hide them), naming the column and the fix.
pub fn check_batch_columns<'a>(columns: impl IntoIterator<Item = &'a str>) -> Result<()> {
    for column in columns {
        if RESULT_FIELDS.contains(&column) {
            return Err(CampaignError::config(format!(
                "column {column:?}: the results have a column of that name ({}); rename it first and map the \
                 field to the new name with the campaign's columns",
                RESULT_FIELDS.join(", ")
            )));
        }
    }
    Ok(())
}

/// What became of one row of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    /// The row as given.
    pub input: Vec<(String, String)>,
    /// Its idempotency key (none for a row refused before it had one).
    pub key: Option<String>,
    /// `done`, `failed`, `unknown`, `pending` (not sent: the run was stopped or paused) or `rejected` (refused
    /// before sending; `error` says why).
    pub status: String,
    /// Sends so far, across attempts of the task.
    pub attempts: u32,
    /// Success fields.
    pub voucher_id: Option<String>,
    /// Success fields.
    pub point_log_no: Option<String>,
    /// Success fields.
    pub biz_result_code: Option<String>,
    /// The last error, if any.
    pub error: Option<ErrorInfo>,
}

impl BatchRow {
    fn from_record(input: Vec<(String, String)>, r: RowRecord) -> BatchRow {
        BatchRow {
            input,
            key: Some(r.key),
            status: r.state.as_str().to_owned(),
            attempts: r.attempts,
            voucher_id: r.voucher_id,
            point_log_no: r.point_log_no,
            biz_result_code: r.biz_result_code,
            error: r.error,
        }
    }

    fn rejected(
        input: Vec<(String, String)>,
        key: Option<String>,
        field: &str,
        reason: &str,
    ) -> BatchRow {
        BatchRow {
            input,
            key,
            status: "rejected".to_owned(),
            attempts: 0,
            voucher_id: None,
            point_log_no: None,
            biz_result_code: None,
            error: Some(ErrorInfo {
                kind: "invalid_row".to_owned(),
                code: None,
                sub_code: None,
                message: format!("{field}: {reason}"),
            }),
        }
    }
}

impl Campaign {
    /// Checks what batches of rows need beyond [`Campaign::check_settings`]: a shared (PostgreSQL) journal and keys
    /// that do not depend on lines of a file. A distributed job calls it on its driver, before any task starts.
    pub fn check_batch_settings(&self) -> Result<()> {
        self.check_settings()?;
        self.check_for_callers_client()?;
        if !self.journal.as_deref().is_some_and(is_postgres_url) {
            return Err(CampaignError::config(
                "journal: a batch of rows needs a shared journal, journal = \"postgres://USER:PASSWORD@HOST/DB\": \
                 the retries of a task and the other tasks find their rows there",
            ));
        }
        if self.identity == Identity::Line {
            return Err(CampaignError::config(
                "identity: \"line\" needs the lines of a file; a batch of rows is keyed by its content (the \
                 default) or by a key column (key_column)",
            ));
        }
        Ok(())
    }

    /// Sends a batch of rows (one task's share of a distributed job) under this campaign, journaled in the
    /// PostgreSQL database `journal` names. Rows keep their order in the answer; a bad row is answered
    /// `rejected` with the field and reason, and the others are sent. Task retries and speculative attempts with
    /// the same rows send nothing twice.
    pub async fn run_rows(
        &self,
        client: &Client,
        rows: Vec<InputRow>,
        progress: &mut (dyn FnMut(&Progress) + Send),
        stop: &StopHandle,
    ) -> Result<(RunStatus, Vec<BatchRow>)> {
        self.check_batch_settings()?;
        let url = self.journal.clone().unwrap_or_default();
        check_batch_columns(
            rows.iter()
                .flat_map(|r| r.values.iter().map(|(c, _)| c.as_str())),
        )?;
        // Rows carry their column names, as JSON Lines rows do.
        let mut campaign = self.clone();
        campaign.format = InputFormat::Jsonl;
        let map = FieldMap::new(&campaign, None)?;

        let mut answers: Vec<Option<BatchRow>> = vec![None; rows.len()];
        let mut accepted: Vec<(usize, String, String)> = Vec::new();
        let mut first_line: HashMap<String, u64> = HashMap::new();
        for (i, row) in rows.iter().enumerate() {
            let checked = map.key(row).and_then(|key| {
                map.build(row, &key)?;
                Ok(key)
            });
            match checked {
                Err(p) => {
                    answers[i] = Some(BatchRow::rejected(
                        row.values.clone(),
                        None,
                        &p.field,
                        &p.reason,
                    ));
                }
                Ok(key) => {
                    if let Some(earlier) = first_line.get(&key) {
                        let reason = format!(
                            "duplicate key {key:?}: row {earlier} of the batch has the same key; each row must \
                             have its own"
                        );
                        answers[i] = Some(BatchRow::rejected(
                            row.values.clone(),
                            Some(key),
                            campaign.method.key_field(),
                            &reason,
                        ));
                        continue;
                    }
                    first_line.insert(key.clone(), row.line);
                    accepted.push((i, key, map.merchant(row)));
                }
            }
        }

        let keys: Vec<String> = accepted.iter().map(|(_, k, _)| k.clone()).collect();
        let status = if keys.is_empty() {
            RunStatus::Completed
        } else {
            let prepared = {
                let campaign = campaign.clone();
                let rows: Vec<(InputRow, String, String)> = accepted
                    .iter()
                    .map(|(i, key, merchant)| (rows[*i].clone(), key.clone(), merchant.clone()))
                    .collect();
                let (url, keys) = (url.clone(), keys.clone());
                off_runtime(move || prepare_batch(&campaign, &url, &rows, keys)).await?
            };
            let (journal, conflicts) = prepared;
            for (i, key, _) in &accepted {
                if conflicts.contains(key) {
                    let reason = format!(
                        "duplicate key {key:?}: another row of the campaign, with other values, has this key; each \
                         row must have its own"
                    );
                    answers[*i] = Some(BatchRow::rejected(
                        rows[*i].values.clone(),
                        Some(key.clone()),
                        campaign.method.key_field(),
                        &reason,
                    ));
                }
            }
            run(&campaign, client, journal, progress, stop).await?
        };

        let records = {
            let (campaign, keys) = (campaign.clone(), keys);
            off_runtime(move || {
                let mut journal = PgJournal::open(&url, &campaign.id, campaign.lease)?;
                journal.rows_with_keys(&keys)
            })
            .await?
        };
        let mut by_key: HashMap<String, RowRecord> =
            records.into_iter().map(|r| (r.key.clone(), r)).collect();
        for (i, key, _) in &accepted {
            if answers[*i].is_some() {
                continue;
            }
            let record = by_key.remove(key).ok_or_else(|| {
                CampaignError::journal(format!("the journal lost the row with key {key:?}"))
            })?;
            answers[*i] = Some(BatchRow::from_record(rows[*i].values.clone(), record));
        }
        let answers = answers
            .into_iter()
            .map(|a| a.ok_or_else(|| CampaignError::journal("a row of the batch has no answer")))
            .collect::<Result<Vec<_>>>()?;
        Ok((status, answers))
    }
}

/// Opens the shared journal, creates the campaign there on first use (or checks its settings), adds the batch's
/// rows if absent and narrows the journal to them. Returns the journal and the keys another row already holds with
/// other values.
fn prepare_batch(
    campaign: &Campaign,
    url: &str,
    rows: &[(InputRow, String, String)],
    keys: Vec<String>,
) -> Result<(Box<dyn Journal>, HashSet<String>)> {
    let mut journal = PgJournal::open(url, &campaign.id, campaign.lease)?;
    let meta = JournalMeta {
        campaign_id: campaign.id.clone(),
        settings: campaign.settings_fingerprint_text(),
        input_digest: String::new(),
        header: Vec::new(),
    };
    let found = journal.ensure_campaign(&meta)?.ok_or_else(|| {
        CampaignError::journal(format!(
            "campaign {:?} is in the journal but was never loaded: a file run of it stopped while loading; run \
             it again from its file, or use another id",
            campaign.id
        ))
    })?;
    if found.input_digest.is_empty() {
        check_settings_match(campaign, &found, &campaign.journal_location())?;
    } else {
        return Err(CampaignError::new(
            CampaignErrorKind::Mismatch,
            format!(
                "campaign {:?} in the journal {} was loaded from a file; batches of rows need a campaign of their \
                 own: give this job another id",
                campaign.id,
                campaign.journal_location()
            ),
        ));
    }
    let new_rows: Vec<NewRow<'_>> = rows
        .iter()
        .map(|(row, key, merchant)| NewRow { row, key, merchant })
        .collect();
    journal.add_rows_if_absent(&new_rows)?;
    let stored = journal.rows_with_keys(&keys)?;
    let ours: HashMap<&str, String> = rows
        .iter()
        .map(|(row, key, _)| (key.as_str(), encode_input(&row.values, &[])))
        .collect();
    let conflicts: HashSet<String> = stored
        .iter()
        .filter(|r| ours.get(r.key.as_str()) != Some(&encode_input(&r.input, &[])))
        .map(|r| r.key.clone())
        .collect();
    let kept: Vec<String> = keys
        .into_iter()
        .filter(|k| !conflicts.contains(k))
        .collect();
    journal.restrict_to(kept);
    Ok((Box::new(journal), conflicts))
}
