//! Campaigns: a file of rows sent as gateway calls, exactly once per row across crashes, with a durable journal,
//! results, a summary and an HTML report.
#![warn(missing_docs)]
#![deny(unsafe_code)]

mod api;
#[cfg(feature = "cli")]
pub mod cli;
pub mod config;
pub mod error;
pub mod input;
pub mod journal;
pub mod request;

pub use config::{Campaign, Encoding, Identity, InputFormat, Method, ResultsFormat};
pub use error::{CampaignError, CampaignErrorKind, Result};

pub mod control;
pub mod load;
pub mod outcome;
pub mod output;
pub mod report;
pub mod rows;
pub mod runner;
pub mod summary;
mod window;
mod worker;

pub use control::{Progress, StopHandle};
pub use load::CheckReport;
pub use rows::{BatchRow, RESULT_FIELDS};
pub use runner::RunStatus;
pub use summary::Summary;
