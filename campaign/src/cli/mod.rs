//! The command line, as a library function: `alipay-marketing campaign check|run|status|report` runs bulk sends
//! from a file; see docs/campaign.md for every option and the exit codes. [`run`] is the whole program: the
//! `alipay-marketing` binary and `python -m alipay_marketing campaign` both call it with their arguments.

mod client;
mod progress;

use std::ffi::OsString;
use std::path::PathBuf;

use crate::config::{Encoding, Identity, InputFormat, ResultsFormat};
use crate::{Campaign, CampaignError, CampaignErrorKind, Method, RunStatus};
use crate::{StopHandle, Summary};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit codes, documented in docs/campaign.md.
pub mod exit {
    /// Checked clean; the run completed with every row done; status and report written.
    pub const OK: u8 = 0;
    /// Something else failed: the journal, an output file, the client's settings, the runtime.
    pub const ERROR: u8 = 1;
    /// Wrong flags or campaign file.
    pub const USAGE: u8 = 2;
    /// The input is bad (bad rows, unreadable file); nothing was sent.
    pub const BAD_INPUT: u8 = 3;
    /// The run completed, but some rows failed or their outcome stayed unknown.
    pub const ROWS_NOT_DONE: u8 = 4;
    /// The circuit breaker paused the campaign: fix the cause, run again.
    pub const PAUSED: u8 = 5;
    /// The journal belongs to another file or other settings; nothing was sent.
    pub const MISMATCH: u8 = 6;
    /// Stopped or aborted by Ctrl-C: run again to resume.
    pub const INTERRUPTED: u8 = 130;
}

#[derive(Debug, Parser)]
#[command(
    name = "alipay-marketing",
    version,
    about = "Alipay marketing calls from the command line: campaigns (bulk sends from a file, exactly once)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Bulk sends from a CSV or JSON Lines file, with a durable journal.
    #[command(subcommand)]
    Campaign(CampaignCommand),
}

#[derive(Debug, Subcommand)]
enum CampaignCommand {
    /// Reads and checks every row (keys, duplicates, field rules) without sending anything; lists every bad row.
    Check(CampaignArgs),
    /// Sends every row once (resuming from the journal if there is one); writes results, rejects and summary.
    Run(Box<RunArgs>),
    /// Prints the campaign's state from its journal, without sending anything.
    Status(StatusArgs),
    /// Writes a self-contained HTML report from the journal.
    Report(ReportArgs),
}

/// What is sent, and from where: a campaign file, flags, or both (flags win).
#[derive(Debug, Args)]
struct CampaignArgs {
    /// The input file (CSV or JSON Lines); may be left out when the campaign file names it.
    input: Option<PathBuf>,
    /// A TOML campaign file (see docs/campaign.md).
    #[arg(short = 'c', long = "campaign", value_name = "FILE")]
    campaign_file: Option<PathBuf>,
    /// The call each row becomes: voucher.send, points.update or invite.award.receive (needed without a campaign file).
    #[arg(short, long)]
    method: Option<String>,
    /// The campaign id: part of every derived key and of the output names (default: the input's file name).
    #[arg(long)]
    id: Option<String>,
    /// Constant `template_id` (voucher.send).
    #[arg(long, value_name = "ID")]
    template_id: Option<String>,
    /// Constant `activity_account` (points.update).
    #[arg(long, value_name = "ACCOUNT")]
    activity_account: Option<String>,
    /// Constant `trans_type` (points.update): DEPOSIT or WITHDRAW.
    #[arg(long, value_name = "TYPE")]
    trans_type: Option<String>,
    /// Constant `memo`.
    #[arg(long)]
    memo: Option<String>,
    /// The merchant every row is sent for (ISV mode), passed as each call's `app_auth_token`. For one merchant per
    /// row, use a column named `app_auth_token` (or `--column app_auth_token=COLUMN`) instead; not both.
    #[arg(
        long,
        env = "ALIPAY_APP_AUTH_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    app_auth_token: Option<String>,
    /// Any other constant field, e.g. `--field amount=5.00` (repeatable).
    #[arg(long = "field", value_name = "NAME=VALUE")]
    fields: Vec<String>,
    /// Reads a field from a column of another name, e.g. `--column user_id=uid` (repeatable).
    #[arg(long = "column", value_name = "FIELD=COLUMN")]
    columns: Vec<String>,
    /// The column holding each row's idempotency key (default: the column named like the key field, else derived).
    #[arg(long, value_name = "COLUMN")]
    key_column: Option<String>,
    /// What derived keys are computed from.
    #[arg(long, value_enum)]
    identity: Option<IdentityArg>,
    /// The input format (default: from the extension; .jsonl and .ndjson are JSON Lines).
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// The input encoding: auto, utf-8, gbk or gb18030.
    #[arg(long)]
    encoding: Option<String>,
    /// Where the journal, results, rejects, summary and report go (default: beside the input).
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// The results and rejects format (default: that of the input).
    #[arg(long, value_enum)]
    results_format: Option<FormatArg>,
    /// The journal: a SQLite file (default: `<id>.journal.sqlite` beside the outputs), or a
    /// `postgres://USER:PASSWORD@HOST:PORT/DB` URL for a journal several workers share.
    #[arg(
        long,
        value_name = "FILE|URL",
        env = "ALIPAY_CAMPAIGN_JOURNAL",
        hide_env_values = true
    )]
    journal: Option<String>,
}

#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    campaign: CampaignArgs,
    #[command(flatten)]
    client: client::ClientArgs,
    /// Checks like `campaign check` and stops; nothing is sent and no journal is written.
    #[arg(long)]
    dry_run: bool,
    /// Sends the valid rows of a file that has bad ones; the bad ones go to the rejects file.
    #[arg(long)]
    skip_invalid: bool,
    /// Calls in flight at most.
    #[arg(long, value_name = "N")]
    concurrency: Option<usize>,
    /// Calls per second at most (the client's rate limiter).
    #[arg(long, value_name = "N")]
    qps: Option<f64>,
    /// Campaign-level failures in a row that pause the campaign.
    #[arg(long, value_name = "N")]
    breaker_threshold: Option<u32>,
    /// Rounds of resending rows whose outcome stayed unknown, before the run ends.
    #[arg(long, value_name = "N")]
    settle_rounds: Option<u32>,
    /// Sends without checking the voucher template first (published, in its window, not expired, enough stock).
    #[arg(long)]
    no_preflight: bool,
    /// With a shared journal: seconds a worker's lease on a merchant lasts without renewal (a dead worker's rows
    /// are taken over this long after its last renewal).
    #[arg(long, value_name = "SECONDS")]
    lease_seconds: Option<f64>,
    /// Seconds between progress log lines when standard error is not a terminal.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    log_interval: f64,
    /// No progress bar and no progress lines.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Debug, Args)]
struct StatusArgs {
    #[command(flatten)]
    campaign: CampaignArgs,
    /// Prints the summary as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ReportArgs {
    #[command(flatten)]
    campaign: CampaignArgs,
    /// Where to write the page (default: `<id>.report.html` beside the journal).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Csv,
    Jsonl,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum IdentityArg {
    /// The row's request fields: identical rows are refused as duplicates.
    Content,
    /// The row's line: identical rows are sent once each.
    Line,
}

/// A failure, with the exit code it maps to.
struct Failure {
    code: u8,
    message: String,
}

impl From<CampaignError> for Failure {
    fn from(e: CampaignError) -> Self {
        let code = match e.kind() {
            CampaignErrorKind::Config => exit::USAGE,
            CampaignErrorKind::Input | CampaignErrorKind::InvalidRows => exit::BAD_INPUT,
            CampaignErrorKind::Mismatch => exit::MISMATCH,
            CampaignErrorKind::Paused => exit::PAUSED,
            _ => exit::ERROR,
        };
        Failure {
            code,
            message: e.to_string(),
        }
    }
}

impl Failure {
    fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: exit::USAGE,
            message: message.into(),
        }
    }
}

/// Runs the program with `args` (the program's name first, as in `std::env::args_os`) and returns its exit code.
/// Help and usage errors are printed as clap prints them; failures are printed on standard error. During `campaign
/// run` the first Ctrl-C stops taking rows and lets the calls in flight finish, the second aborts them.
pub fn run(args: Vec<OsString>) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // Printing can only fail when the terminal is gone; the exit code still says what happened.
            let _ = e.print();
            return u8::try_from(e.exit_code()).unwrap_or(exit::USAGE);
        }
    };
    let result = match cli.command {
        Command::Campaign(c) => campaign(c),
    };
    match result {
        Ok(code) => code,
        Err(f) => {
            eprintln!("alipay-marketing: {}", f.message);
            f.code
        }
    }
}

fn campaign(command: CampaignCommand) -> Result<u8, Failure> {
    match command {
        CampaignCommand::Check(args) => {
            let campaign = build_campaign(&args, MethodNeed::Required)?;
            check(&campaign)
        }
        CampaignCommand::Run(args) => run_campaign(args),
        CampaignCommand::Status(args) => {
            let campaign = build_campaign(&args.campaign, MethodNeed::FromJournal)?;
            let summary = campaign.status()?;
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&summary).unwrap_or_default()
                );
            } else {
                print!("{}", summary.to_text());
            }
            Ok(exit::OK)
        }
        CampaignCommand::Report(args) => {
            let campaign = build_campaign(&args.campaign, MethodNeed::FromJournal)?;
            let path = args.output.unwrap_or_else(|| campaign.report_path());
            let summary = campaign.write_report(&path)?;
            println!(
                "report: {} ({} rows: {} done, {} failed, {} unknown, {} pending, {} rejected)",
                path.display(),
                summary.total,
                summary.done,
                summary.failed,
                summary.unknown,
                summary.pending,
                summary.rejected
            );
            Ok(exit::OK)
        }
    }
}

fn check(campaign: &Campaign) -> Result<u8, Failure> {
    let report = campaign.check()?;
    for p in &report.problems {
        println!(
            "{} line {}: {}: {}",
            campaign.input.display(),
            p.line,
            p.field,
            p.reason
        );
    }
    println!(
        "{}: {} rows, {} can be sent, {} cannot",
        campaign.input.display(),
        report.rows,
        report.valid,
        report.problems.len()
    );
    Ok(if report.is_clean() {
        exit::OK
    } else {
        exit::BAD_INPUT
    })
}

fn run_campaign(args: Box<RunArgs>) -> Result<u8, Failure> {
    let mut campaign = build_campaign(&args.campaign, MethodNeed::Required)?;
    if args.skip_invalid {
        campaign.skip_invalid = true;
    }
    if let Some(n) = args.concurrency {
        campaign.concurrency = n;
    }
    if let Some(q) = args.qps {
        campaign.qps = Some(q);
    }
    if let Some(n) = args.breaker_threshold {
        campaign.breaker_threshold = n;
    }
    if let Some(n) = args.settle_rounds {
        campaign.settle_rounds = n;
    }
    if args.no_preflight {
        campaign.preflight = false;
    }
    if let Some(seconds) = args.lease_seconds {
        campaign.lease = crate::config::lease_from_seconds(seconds)?;
    }
    campaign.check_settings()?;
    if args.dry_run {
        return check(&campaign);
    }
    if !(args.log_interval.is_finite() && args.log_interval > 0.0) {
        return Err(Failure::usage(format!(
            "--log-interval {}: give a positive number of seconds",
            args.log_interval
        )));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure {
            code: exit::ERROR,
            message: format!("cannot start the runtime: {e}"),
        })?;
    runtime.block_on(async {
        let client = client::build(&args.client, &campaign)?;
        let stop = StopHandle::new();
        tokio::spawn(watch_ctrl_c(stop.clone()));
        let mut reporter = progress::Reporter::new(
            args.quiet,
            std::time::Duration::from_secs_f64(args.log_interval),
        );
        let result = campaign
            .run(&client, &mut |p| reporter.update(p), &stop)
            .await;
        reporter.finish();
        let (status, summary) = result?;
        eprint!("{}", summary.to_text());
        eprintln!(
            "results: {}\nrejects: {}\nsummary: {}\njournal: {}",
            campaign.results_path().display(),
            campaign.rejects_path().display(),
            campaign.summary_path().display(),
            campaign.journal_location()
        );
        Ok(exit_code(&status, &summary))
    })
}

fn exit_code(status: &RunStatus, summary: &Summary) -> u8 {
    match status {
        RunStatus::Completed if summary.done == summary.total => exit::OK,
        RunStatus::Completed => {
            eprintln!(
                "alipay-marketing: {} rows failed and {} stayed unknown; see the results file. Unknown rows are \
                 resent with their same keys when you run the campaign again.",
                summary.failed, summary.unknown
            );
            exit::ROWS_NOT_DONE
        }
        RunStatus::Paused(h) => {
            eprintln!(
                "alipay-marketing: the campaign is paused: {} — {}. {}",
                h.code, h.why, h.what_to_do
            );
            exit::PAUSED
        }
        RunStatus::Stopped | RunStatus::Aborted => {
            eprintln!(
                "alipay-marketing: {}; run the same command again to resume",
                status.as_str()
            );
            exit::INTERRUPTED
        }
    }
}

/// First Ctrl-C: stop taking rows, finish those in flight. Second: abort (rows in flight become unknown).
async fn watch_ctrl_c(stop: StopHandle) {
    let mut presses = 0;
    while tokio::signal::ctrl_c().await.is_ok() {
        presses += 1;
        stop.interrupt();
        if presses == 1 {
            eprintln!(
                "\nalipay-marketing: stopping: no new rows are sent, the calls in flight finish. Ctrl-C again to \
                 abort them (their rows become unknown and are resent with the same keys next time)."
            );
        } else {
            eprintln!("\nalipay-marketing: aborting");
            break;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MethodNeed {
    /// `--method` or a campaign file must say.
    Required,
    /// Read it from the journal when neither says (status, report).
    FromJournal,
}

fn build_campaign(args: &CampaignArgs, need: MethodNeed) -> Result<Campaign, Failure> {
    let method = args.method.as_deref().map(Method::parse).transpose()?;
    // A campaign of batches (no file) in a shared journal is named by its id alone, for status and report.
    let batches = need == MethodNeed::FromJournal
        && args.campaign_file.is_none()
        && args.input.is_none()
        && args.id.is_some()
        && args
            .journal
            .as_deref()
            .is_some_and(crate::journal::is_postgres_url);
    let input = if batches {
        Some(PathBuf::new())
    } else {
        args.input.clone()
    };
    let mut campaign = match (&args.campaign_file, method, &input) {
        (Some(file), _, input) => Campaign::from_file(file, input.as_deref())?,
        (None, _, None) => {
            return Err(Failure::usage(
                "no input file: name it (e.g. `users.csv`) or give a campaign file with -c FILE (status and \
                 report of batches in a shared journal: --id ID --journal postgres://…)",
            ));
        }
        (None, Some(m), Some(input)) => Campaign::new(m, input),
        (None, None, Some(input)) => match need {
            MethodNeed::Required => {
                return Err(Failure::usage(
                    "--method is needed without a campaign file: voucher.send, points.update or \
                     invite.award.receive",
                ));
            }
            MethodNeed::FromJournal => {
                // The journal's place depends on the id and the output folder, not on the method.
                let mut probe = Campaign::new(Method::VoucherSend, input);
                apply_places(&mut probe, args);
                match probe.journal_method()? {
                    Some(method) => Campaign::new(method, input),
                    None => return Err(probe.not_in_journal().into()),
                }
            }
        },
    };
    if let Some(m) = method {
        campaign.method = m;
    }
    if let Some(id) = &args.id {
        campaign.id = id.clone();
    }
    for (field, value) in [
        ("template_id", &args.template_id),
        ("activity_account", &args.activity_account),
        ("trans_type", &args.trans_type),
        ("memo", &args.memo),
        (crate::config::APP_AUTH_TOKEN, &args.app_auth_token),
    ] {
        if let Some(v) = value {
            campaign.constants.insert(field.to_owned(), v.clone());
        }
    }
    for pair in &args.fields {
        let (k, v) = split_pair(pair, "--field", "NAME=VALUE")?;
        campaign.constants.insert(k, v);
    }
    for pair in &args.columns {
        let (k, v) = split_pair(pair, "--column", "FIELD=COLUMN")?;
        campaign.columns.insert(k, v);
    }
    if let Some(k) = &args.key_column {
        campaign.key_column = Some(k.clone());
    }
    if let Some(i) = args.identity {
        campaign.identity = match i {
            IdentityArg::Content => Identity::Content,
            IdentityArg::Line => Identity::Line,
        };
    }
    if let Some(f) = args.format {
        campaign.format = match f {
            FormatArg::Csv => InputFormat::Csv,
            FormatArg::Jsonl => InputFormat::Jsonl,
        };
    }
    if let Some(e) = &args.encoding {
        campaign.encoding = Encoding::parse(e)?;
    }
    apply_places(&mut campaign, args);
    if need == MethodNeed::FromJournal && !campaign.journal_exists() {
        return Err(campaign.not_in_journal().into());
    }
    campaign.check_settings()?;
    Ok(campaign)
}

/// The id, output folder and results format: what decides where the files are.
fn apply_places(campaign: &mut Campaign, args: &CampaignArgs) {
    if let Some(id) = &args.id {
        campaign.id = id.clone();
    }
    if let Some(d) = &args.out_dir {
        campaign.out_dir = d.clone();
    }
    if let Some(j) = &args.journal {
        campaign.journal = Some(j.clone());
    }
    if let Some(f) = args.results_format {
        campaign.results_format = match f {
            FormatArg::Csv => ResultsFormat::Csv,
            FormatArg::Jsonl => ResultsFormat::Jsonl,
        };
    }
}

fn split_pair(pair: &str, flag: &str, shape: &str) -> Result<(String, String), Failure> {
    match pair.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        _ => Err(Failure::usage(format!(
            "{flag} {pair:?}: write it as {shape}"
        ))),
    }
}
