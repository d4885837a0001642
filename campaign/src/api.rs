//! The campaign's public operations, the same for every face: [`Campaign::check`], [`Campaign::run`],
//! [`Campaign::status`].
//!
//! Journal work never runs on the async runtime: the journal's own thread does it during a run, and a plain thread
//! before and after (the PostgreSQL client blocks, and must not be used from inside a runtime).

use alipay_marketing::Client;

use crate::config::Campaign;
use crate::control::{Progress, StopHandle};
use crate::error::{CampaignError, Result};
use crate::journal::{Journal, PgJournal, SqliteJournal, is_postgres_url};
use crate::load::{CheckReport, check_fingerprint, load};
use crate::output::{write_rejects, write_results};
use crate::runner::{RunStatus, run};
use crate::summary::Summary;

/// Runs `f` on a thread of its own and waits for it without blocking the runtime.
pub(crate) async fn off_runtime<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("campaign-journal".into())
        .spawn(move || {
            let _ = reply.send(f());
        })
        .map_err(|e| CampaignError::journal(format!("cannot start a journal thread: {e}")))?;
    answer
        .await
        .map_err(|_| CampaignError::journal("the journal thread stopped"))?
}

impl Campaign {
    /// Reads and checks every row (keys, duplicates, the core's field rules) without sending or keeping anything.
    pub fn check(&self) -> Result<CheckReport> {
        let mut journal = SqliteJournal::temporary()?;
        load(self, &mut journal, false)
    }

    /// Opens this campaign's journal: the SQLite file, or the PostgreSQL database its URL names. Blocks: call it
    /// from a plain thread, not from async code.
    pub fn open_journal(&self) -> Result<Box<dyn Journal>> {
        self.check_journal_setting()?;
        match self.journal.as_deref() {
            Some(url) if is_postgres_url(url) => {
                Ok(Box::new(PgJournal::open(url, &self.id, self.lease)?))
            }
            _ => Ok(Box::new(SqliteJournal::open(&self.journal_path())?)),
        }
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
        let campaign = self.clone();
        let journal = off_runtime(move || campaign.prepare_journal()).await?;
        let status = run(self, client, journal, progress, stop).await?;
        let campaign = self.clone();
        let summary = off_runtime(move || campaign.write_outputs()).await?;
        Ok((status, summary))
    }

    /// The journal, loaded (first run) or checked against this campaign (resume). With a shared journal, the
    /// workers starting together take turns: the first loads, the others check what it loaded.
    fn prepare_journal(&self) -> Result<Box<dyn Journal>> {
        let mut journal = self.open_journal()?;
        journal.lock_setup()?;
        let prepared = match journal.meta()? {
            Some(meta) => check_fingerprint(self, &meta, &self.journal_location()),
            None => load(self, journal.as_mut(), true).and_then(|report| {
                if !report.is_clean() && !self.skip_invalid {
                    Err(report.refusal(&self.input))
                } else {
                    Ok(())
                }
            }),
        };
        journal.unlock_setup()?;
        prepared.map(|()| journal)
    }

    /// The method this campaign's journal was loaded with (its id and output folder, or its journal setting,
    /// decide where the journal is): how `status` and `report` know the method when neither a campaign file nor
    /// the caller names it. `None` when there is no journal, or no campaign loaded in it (a first run refused or
    /// stopped before its rows were loaded).
    pub fn journal_method(&self) -> Result<Option<crate::Method>> {
        if !self.journal_exists() {
            return Ok(None);
        }
        let Some(meta) = self.open_journal()?.meta()? else {
            return Ok(None);
        };
        let settings: serde_json::Value = serde_json::from_str(&meta.settings).unwrap_or_default();
        crate::Method::parse(settings["method"].as_str().unwrap_or_default()).map(Some)
    }

    /// The error for a campaign that is not in its journal (no journal there, or none loaded in it): where it
    /// looked and what to give.
    pub fn not_in_journal(&self) -> CampaignError {
        if !self.journal_exists() {
            return self.no_journal();
        }
        CampaignError::journal(format!(
            "no campaign {:?} in the journal {}: its first run was refused or stopped before the rows were \
             loaded; run the campaign first (or give the same id / output folder / journal / campaign file as the \
             run)",
            self.id,
            self.journal_location()
        ))
    }

    /// Whether the journal can be there: the SQLite file exists, or the journal is a database.
    pub fn journal_exists(&self) -> bool {
        self.journal.as_deref().is_some_and(is_postgres_url) || self.journal_path().exists()
    }

    fn no_journal(&self) -> CampaignError {
        CampaignError::journal(format!(
            "no journal at {}: run the campaign first (or give the same id / output folder / journal / campaign \
             file as the run)",
            self.journal_location()
        ))
    }

    /// The summary from the journal, without sending anything.
    pub fn status(&self) -> Result<Summary> {
        if !self.journal_exists() {
            return Err(self.no_journal());
        }
        let mut journal = self.open_journal()?;
        Summary::from_journal(journal.as_mut(), &self.id, self.method.short_name())
    }

    /// Writes the results, rejects and summary files from the journal.
    pub fn write_outputs(&self) -> Result<Summary> {
        let mut journal = self.open_journal()?;
        let journal = journal.as_mut();
        write_results(journal, &self.results_path(), self.results_format)?;
        write_rejects(journal, &self.rejects_path(), self.results_format)?;
        let summary = Summary::from_journal(journal, &self.id, self.method.short_name())?;
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
