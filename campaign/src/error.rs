//! The campaign's own error: what went wrong before or around the calls (settings, input file, journal), written
//! for the operator who reads it in a terminal or a log.

use std::fmt;

/// What part of the campaign an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CampaignErrorKind {
    /// The campaign file, a flag or a mapping is wrong.
    Config,
    /// The input file cannot be read or parsed (encoding, truncated line, empty file).
    Input,
    /// Some rows break a field rule or repeat a key; nothing was sent.
    InvalidRows,
    /// The journal cannot be opened, read or written.
    Journal,
    /// The journal belongs to another input file or other settings.
    Mismatch,
    /// The client could not be used (its configuration is wrong).
    Client,
    /// Writing results, rejects, summary or report failed.
    Output,
    /// The circuit breaker or the template preflight paused a batch of rows ([`crate::Campaign::run_rows`]); the
    /// message says why and what to do.
    Paused,
}

impl CampaignErrorKind {
    /// A short stable name, e.g. `"input"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignErrorKind::Config => "config",
            CampaignErrorKind::Input => "input",
            CampaignErrorKind::InvalidRows => "invalid_rows",
            CampaignErrorKind::Journal => "journal",
            CampaignErrorKind::Mismatch => "mismatch",
            CampaignErrorKind::Client => "client",
            CampaignErrorKind::Output => "output",
            CampaignErrorKind::Paused => "paused",
        }
    }
}

/// An error of the campaign machinery. Its message says what, where (file, line, field) and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignError {
    kind: CampaignErrorKind,
    message: String,
}

impl CampaignError {
    /// An error of `kind` with `message`.
    pub fn new(kind: CampaignErrorKind, message: impl Into<String>) -> Self {
        CampaignError {
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::new(CampaignErrorKind::Config, message)
    }

    pub(crate) fn input(message: impl Into<String>) -> Self {
        Self::new(CampaignErrorKind::Input, message)
    }

    pub(crate) fn journal(message: impl Into<String>) -> Self {
        Self::new(CampaignErrorKind::Journal, message)
    }

    pub(crate) fn output(message: impl Into<String>) -> Self {
        Self::new(CampaignErrorKind::Output, message)
    }

    /// What part of the campaign failed.
    pub fn kind(&self) -> CampaignErrorKind {
        self.kind
    }

    /// The message, without the kind.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for CampaignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CampaignError {}

impl From<rusqlite::Error> for CampaignError {
    fn from(e: rusqlite::Error) -> Self {
        CampaignError::journal(format!("journal database error: {e}"))
    }
}

/// The campaign crate's result.
pub type Result<T, E = CampaignError> = std::result::Result<T, E>;
