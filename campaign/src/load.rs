//! Loading rows into the journal: every row read, keyed and validated by the core before anything is sent;
//! duplicate keys refused; the input and settings fingerprinted. Resuming checks the fingerprint instead.

use std::path::Path;

use crate::config::Campaign;
use crate::error::{CampaignError, CampaignErrorKind, Result};
use crate::input::{RowReader, file_digest};
use crate::journal::{Journal, JournalMeta, NewRow, Reject};
use crate::request::{FieldMap, RowProblem};

/// What loading (or checking) found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Rows read.
    pub rows: u64,
    /// Rows that can be sent.
    pub valid: u64,
    /// Every bad row: line, field, reason (in file order).
    pub problems: Vec<RowProblem>,
}

impl CheckReport {
    /// Whether every row can be sent.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// The error a run gives for a file with bad rows (without `skip_invalid`).
    pub fn refusal(&self, input: &Path) -> CampaignError {
        let mut message = format!(
            "{} of {} rows in {} cannot be sent, so nothing was sent:",
            self.problems.len(),
            self.rows,
            input.display()
        );
        for p in self.problems.iter().take(20) {
            message.push_str(&format!("\n  line {}: {}: {}", p.line, p.field, p.reason));
        }
        if self.problems.len() > 20 {
            message.push_str(&format!(
                "\n  … and {} more (campaign check lists them all)",
                self.problems.len() - 20
            ));
        }
        message.push_str("\nFix the rows, or run with --skip-invalid to send the others and write the bad ones to the rejects file.");
        CampaignError::new(CampaignErrorKind::InvalidRows, message)
    }
}

/// Reads every row of the campaign's input into `journal` (inside one transaction). The load is committed when
/// every row is good, or when `skip_invalid` is set (the bad rows become rejects); otherwise it is thrown away.
pub fn load(campaign: &Campaign, journal: &mut dyn Journal, commit: bool) -> Result<CheckReport> {
    let mut reader = RowReader::open(&campaign.input, campaign.format, campaign.encoding)?;
    let header = reader.header().to_vec();
    let map = FieldMap::new(
        campaign,
        (campaign.format == crate::InputFormat::Csv).then_some(header.as_slice()),
    )?;
    journal.begin_load(&JournalMeta {
        campaign_id: campaign.id.clone(),
        settings: campaign.settings_fingerprint_text(),
        input_digest: String::new(),
        header: header.clone(),
    })?;
    let result = load_rows(&mut reader, &map, journal, campaign);
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            journal.abandon_load()?;
            return Err(e);
        }
    };
    if report.rows == 0 {
        journal.abandon_load()?;
        return Err(CampaignError::input(format!(
            "input file {} has no rows (only a header or blank lines); nothing to send",
            campaign.input.display()
        )));
    }
    if commit && (report.is_clean() || campaign.skip_invalid) {
        journal.commit_load(&reader.digest())?;
    } else {
        journal.abandon_load()?;
    }
    Ok(report)
}

fn load_rows(
    reader: &mut RowReader,
    map: &FieldMap,
    journal: &mut dyn Journal,
    campaign: &Campaign,
) -> Result<CheckReport> {
    let mut report = CheckReport::default();
    let key_field = campaign.method.key_field();
    for row in reader.by_ref() {
        let row = row?;
        report.rows += 1;
        let checked = map.key(&row).and_then(|key| {
            map.build(&row, &key)?;
            Ok(key)
        });
        let problem = match checked {
            Ok(key) => match journal.add_row(&NewRow {
                row: &row,
                key: &key,
                merchant: &map.merchant(&row),
            })? {
                None => None,
                Some(earlier) => Some(RowProblem {
                    line: row.line,
                    field: key_field.to_owned(),
                    reason: format!(
                        "duplicate key {key:?}: line {earlier} has the same key; each row must have its own \
                         (two identical rows derive the same key: remove one, or set identity = \"line\")"
                    ),
                }),
            },
            Err(p) => Some(p),
        };
        match problem {
            None => report.valid += 1,
            Some(p) => {
                journal.add_reject(&Reject {
                    line: p.line,
                    field: p.field.clone(),
                    reason: p.reason.clone(),
                    input: row.values.clone(),
                })?;
                report.problems.push(p);
            }
        }
    }
    Ok(report)
}

/// Refuses a journal made with other settings, naming what changed and what to do.
pub fn check_settings_match(campaign: &Campaign, meta: &JournalMeta, journal: &str) -> Result<()> {
    let settings = campaign.settings_fingerprint_text();
    if meta.settings != settings {
        let old: serde_json::Value = serde_json::from_str(&meta.settings).unwrap_or_default();
        let new: serde_json::Value = serde_json::from_str(&settings).unwrap_or_default();
        let changed: Vec<String> = new
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, v)| old.get(k.as_str()) != Some(v))
            .map(|(k, v)| {
                format!(
                    "{k} (was {}, now {v})",
                    old.get(k.as_str()).unwrap_or(&serde_json::Value::Null)
                )
            })
            .collect();
        return Err(CampaignError::new(
            CampaignErrorKind::Mismatch,
            format!(
                "the journal {journal} was made with other campaign settings: {}. Resuming with different \
                 settings could send rows differently, so nothing was sent. Put the settings back to resume, or \
                 start a new campaign under a new id (or move the journal away).",
                changed.join(", ")
            ),
        ));
    }
    Ok(())
}

/// Refuses a journal made from another file or other settings, naming what changed and what to do.
pub fn check_fingerprint(campaign: &Campaign, meta: &JournalMeta, journal: &str) -> Result<()> {
    check_settings_match(campaign, meta, journal)?;
    let digest = file_digest(&campaign.input)?;
    if meta.input_digest != digest {
        return Err(CampaignError::new(
            CampaignErrorKind::Mismatch,
            format!(
                "the input file {} changed since the journal {journal} was made (SHA-256 {} then, {} now). \
                 Resuming with a different file could send rows twice or not at all, so nothing was sent. \
                 Restore the original file to resume, or start a new campaign under a new id.",
                campaign.input.display(),
                &meta.input_digest[..meta.input_digest.len().min(12)],
                &digest[..12]
            ),
        ));
    }
    Ok(())
}
