//! The campaign's public operations, the same for every face: [`Campaign::check`], [`Campaign::run`],
//! [`Campaign::status`].

use alipay_marketing::Client;

use crate::config::Campaign;
use crate::control::{Progress, StopHandle};
use crate::error::Result;
use crate::journal::{Journal, SqliteJournal};
use crate::load::{CheckReport, check_fingerprint, load};
use crate::output::{write_rejects, write_results};
use crate::runner::{RunStatus, run};
use crate::summary::Summary;

impl Campaign {
    /// Reads and checks every row (keys, duplicates, the core's field rules) without sending or keeping anything.
    pub fn check(&self) -> Result<CheckReport> {
        let mut journal = SqliteJournal::temporary()?;
        load(self, &mut journal, false)
    }

    /// Runs the campaign: loads the rows into the journal on the first run (refusing a file with bad rows unless
    /// `skip_invalid`), or checks the journal's fingerprint on a resume; then sends, and writes the results,
    /// rejects and summary files. `progress` is called a few times a second.
    pub async fn run(
        &self,
        client: &Client,
        progress: &mut (dyn FnMut(&Progress) + Send),
        stop: &StopHandle,
    ) -> Result<(RunStatus, Summary)> {
        self.check_settings()?;
        std::fs::create_dir_all(&self.out_dir).map_err(|e| {
            crate::CampaignError::output(format!("cannot create {}: {e}", self.out_dir.display()))
        })?;
        let path = self.journal_path();
        let mut journal = SqliteJournal::open(&path)?;
        match journal.meta()? {
            Some(meta) => check_fingerprint(self, &meta, &path)?,
            None => {
                let report = load(self, &mut journal, true)?;
                if !report.is_clean() && !self.skip_invalid {
                    return Err(report.refusal(&self.input));
                }
            }
        }
        let status = run(self, client, Box::new(journal), progress, stop).await?;
        let summary = self.write_outputs()?;
        Ok((status, summary))
    }

    /// The summary from the journal, without sending anything.
    pub fn status(&self) -> Result<Summary> {
        let mut journal = SqliteJournal::open(&self.journal_path())?;
        Summary::from_journal(&mut journal, &self.id, self.method.short_name())
    }

    /// Writes the results, rejects and summary files from the journal.
    pub fn write_outputs(&self) -> Result<Summary> {
        let mut journal = SqliteJournal::open(&self.journal_path())?;
        write_results(&mut journal, &self.results_path(), self.results_format)?;
        write_rejects(&mut journal, &self.rejects_path(), self.results_format)?;
        let summary = Summary::from_journal(&mut journal, &self.id, self.method.short_name())?;
        let text = serde_json::to_string_pretty(&summary).unwrap_or_default();
        std::fs::write(self.summary_path(), text).map_err(|e| {
            crate::CampaignError::output(format!(
                "cannot write {}: {e}",
                self.summary_path().display()
            ))
        })?;
        Ok(summary)
    }
}
