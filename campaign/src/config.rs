//! The campaign's settings: the [`Campaign`] struct every face builds, and the TOML campaign file that fills it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{CampaignError, Result};

/// Which gateway call each row becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Method {
    /// `alipay.marketing.voucher.send` (`voucher.send`): one voucher per row; key `out_biz_no`.
    #[serde(rename = "voucher.send")]
    VoucherSend,
    /// `koubei.marketing.tool.points.update` (`points.update`): one points movement per row; key `req_id`.
    #[serde(rename = "points.update")]
    PointsUpdate,
    /// `alipay.user.invite.award.receive` (`invite.award.receive`): one award per row; key `out_biz_no`.
    #[serde(rename = "invite.award.receive")]
    InviteAward,
}

impl Method {
    /// Every method.
    pub const ALL: [Method; 3] = [
        Method::VoucherSend,
        Method::PointsUpdate,
        Method::InviteAward,
    ];

    /// The short name used in campaign files and flags, e.g. `voucher.send`.
    pub fn short_name(self) -> &'static str {
        match self {
            Method::VoucherSend => "voucher.send",
            Method::PointsUpdate => "points.update",
            Method::InviteAward => "invite.award.receive",
        }
    }

    /// The gateway method name.
    pub fn gateway_name(self) -> &'static str {
        match self {
            Method::VoucherSend => alipay_marketing::api::voucher::VoucherSendRequest::METHOD,
            Method::PointsUpdate => alipay_marketing::api::points::PointsUpdateRequest::METHOD,
            Method::InviteAward => alipay_marketing::api::invite::InviteAwardRequest::METHOD,
        }
    }

    /// Parses a short or full gateway name.
    pub fn parse(text: &str) -> Result<Method> {
        let t = text.trim();
        Method::ALL
            .into_iter()
            .find(|m| m.short_name() == t || m.gateway_name() == t)
            .ok_or_else(|| {
                CampaignError::config(format!(
                    "method {t:?} is not a campaign method; use voucher.send, points.update or invite.award.receive"
                ))
            })
    }

    /// The request field that holds the idempotency key.
    pub fn key_field(self) -> &'static str {
        match self {
            Method::VoucherSend | Method::InviteAward => "out_biz_no",
            Method::PointsUpdate => "req_id",
        }
    }

    /// The documented length limit of the key field, in characters (the core's rule: `out_biz_no` and `req_id`
    /// are at most 64 characters for all three calls).
    pub fn key_max_chars(self) -> usize {
        64
    }

    /// The request fields a row or a constant can set (the key field excluded).
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Method::VoucherSend => &[
                "template_id",
                "user_id",
                "login_id",
                "taobao_nick",
                "open_id",
                "amount",
                "memo",
                "extend_info",
            ],
            Method::PointsUpdate => &[
                "user_id",
                "activity_account",
                "trans_type",
                "trans_amount",
                "biz_no",
                "shop_id",
                "memo",
                "ext_info",
            ],
            Method::InviteAward => &["mobile", "user_id", "out_biz_code"],
        }
    }

    /// The fields that hold personal data, masked in logs, the summary and the report.
    pub fn personal_fields(self) -> &'static [&'static str] {
        match self {
            Method::VoucherSend => &["user_id", "login_id", "taobao_nick", "open_id"],
            Method::PointsUpdate => &["user_id"],
            Method::InviteAward => &["mobile", "user_id"],
        }
    }
}

/// The input file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// The input file's text encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// A UTF-8 byte-order mark or valid UTF-8 means UTF-8; otherwise GB18030 (which reads GBK too).
    Auto,
    /// UTF-8, with or without a byte-order mark.
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
    /// GBK (Chinese Excel exports); read with the GB18030 decoder, its superset.
    Gbk,
    /// GB18030.
    Gb18030,
}

impl Encoding {
    /// Parses `auto`, `utf-8`, `gbk` or `gb18030` (any case).
    pub fn parse(text: &str) -> Result<Encoding> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Encoding::Auto),
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "gbk" | "cp936" => Ok(Encoding::Gbk),
            "gb18030" => Ok(Encoding::Gb18030),
            other => Err(CampaignError::config(format!(
                "encoding {other:?} is not supported; use auto, utf-8, gbk or gb18030"
            ))),
        }
    }
}

/// What a derived key is computed from, when no key column is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Identity {
    /// The row's request fields: two identical rows get the same key and are refused as duplicates.
    Content,
    /// The row's position in the file: identical rows are sent once each.
    Line,
}

/// The format of the results and rejects files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResultsFormat {
    /// CSV, UTF-8 without BOM.
    Csv,
    /// JSON Lines.
    Jsonl,
}

/// The per-call option a constant or a column may set besides the request fields: the merchant each row's call is
/// made for (ISV mode). It is passed as the call's `app_auth_token`, never put into `biz_content`.
pub const APP_AUTH_TOKEN: &str = "app_auth_token";

/// A campaign: where the rows come from, what each becomes, and how fast to send. Every face builds one of these;
/// [`Campaign::from_file`] reads the TOML campaign file.
///
/// Its `Debug` output shows a constant `app_auth_token` masked.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct Campaign {
    /// The campaign id: part of every derived key, and of the output file names.
    pub id: String,
    /// The call each row becomes.
    pub method: Method,
    /// The input file.
    pub input: PathBuf,
    /// The input format (by default from the extension: `.jsonl`/`.ndjson` is JSON Lines, anything else CSV).
    pub format: InputFormat,
    /// The input encoding.
    pub encoding: Encoding,
    /// Fields with the same value on every row, e.g. `template_id`; also [`APP_AUTH_TOKEN`], the merchant of
    /// every row.
    pub constants: BTreeMap<String, String>,
    /// Request field (or [`APP_AUTH_TOKEN`]) → input column, for columns not named like the field.
    pub columns: BTreeMap<String, String>,
    /// The column that holds each row's idempotency key; by default the column named like the key field, if any.
    pub key_column: Option<String>,
    /// What derived keys are computed from.
    pub identity: Identity,
    /// Calls in flight at most (the window; throttling shrinks it for a while).
    pub concurrency: usize,
    /// Calls per second at most (the client's rate limiter); `None` for no limit.
    pub qps: Option<f64>,
    /// Where the journal, results, rejects, summary and report go.
    pub out_dir: PathBuf,
    /// The results and rejects format.
    pub results_format: ResultsFormat,
    /// Send the valid rows of a file that has bad ones (the bad ones go to the rejects file).
    pub skip_invalid: bool,
    /// How many campaign-level failures in a row pause the campaign.
    pub breaker_threshold: u32,
    /// How many times rows whose outcome stayed unknown are resent, with their same key, before the run ends.
    pub settle_rounds: u32,
    /// Before a voucher campaign sends, check its template (published, inside its publish window, not expired,
    /// enough stock for the rows left); a refusal pauses the campaign before anything is sent.
    pub preflight: bool,
    /// Where the journal is: `None` for the SQLite file beside the outputs ([`Campaign::journal_path`]), a file
    /// path for a SQLite file elsewhere, or a `postgres://user:password@host:port/db` URL for a journal several
    /// workers share.
    pub journal: Option<String>,
    /// How long a worker's lease on a merchant lasts without renewal, in a shared journal: after a worker dies,
    /// its rows are taken over this long after its last renewal.
    pub lease: std::time::Duration,
}

impl std::fmt::Debug for Campaign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Campaign")
            .field("id", &self.id)
            .field("method", &self.method)
            .field("input", &self.input)
            .field("format", &self.format)
            .field("encoding", &self.encoding)
            .field("constants", &self.constants_masked())
            .field("columns", &self.columns)
            .field("key_column", &self.key_column)
            .field("identity", &self.identity)
            .field("concurrency", &self.concurrency)
            .field("qps", &self.qps)
            .field("out_dir", &self.out_dir)
            .field("results_format", &self.results_format)
            .field("skip_invalid", &self.skip_invalid)
            .field("breaker_threshold", &self.breaker_threshold)
            .field("settle_rounds", &self.settle_rounds)
            .field("preflight", &self.preflight)
            .field("journal", &self.journal_location())
            .field("lease", &self.lease)
            .finish()
    }
}

impl Campaign {
    /// The constants with a constant `app_auth_token` replaced by `f(token)`.
    fn constants_with(&self, f: impl Fn(&str) -> String) -> BTreeMap<String, String> {
        let mut constants = self.constants.clone();
        if let Some(token) = constants.get_mut(APP_AUTH_TOKEN) {
            *token = f(token);
        }
        constants
    }

    /// The constants as `Debug` and messages show them: the token masked as the core masks it.
    fn constants_masked(&self) -> BTreeMap<String, String> {
        self.constants_with(alipay_marketing::mask::mask_token)
    }

    /// A campaign of `method` over `input` with the defaults: id from the file name, CSV unless the file ends in
    /// `.jsonl`, encoding detected, 16 in flight, no QPS limit, outputs beside the input.
    pub fn new(method: Method, input: impl Into<PathBuf>) -> Campaign {
        let input = input.into();
        let id = default_id(&input);
        let format = format_from_extension(&input);
        let out_dir = input
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Campaign {
            id,
            method,
            results_format: match format {
                InputFormat::Csv => ResultsFormat::Csv,
                InputFormat::Jsonl => ResultsFormat::Jsonl,
            },
            input,
            format,
            encoding: Encoding::Auto,
            constants: BTreeMap::new(),
            columns: BTreeMap::new(),
            key_column: None,
            identity: Identity::Content,
            concurrency: 16,
            qps: None,
            out_dir,
            skip_invalid: false,
            breaker_threshold: 3,
            settle_rounds: 3,
            preflight: true,
            journal: None,
            lease: crate::journal::DEFAULT_LEASE,
        }
    }

    /// Reads a TOML campaign file; `input` overrides the file's `input` (relative paths are from the file's folder).
    pub fn from_file(path: &Path, input: Option<&Path>) -> Result<Campaign> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CampaignError::config(format!("cannot read campaign file {}: {e}", path.display()))
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::from_toml_str(&text, base, input).map_err(|e| {
            CampaignError::config(format!("campaign file {}: {}", path.display(), e.message()))
        })
    }

    /// Parses campaign-file text; relative paths in it are taken from `base`.
    pub fn from_toml_str(text: &str, base: &Path, input: Option<&Path>) -> Result<Campaign> {
        let file: CampaignFile =
            toml::from_str(text).map_err(|e| CampaignError::config(e.to_string()))?;
        let method = Method::parse(&file.method)?;
        let input = match (input, &file.input) {
            (Some(i), _) => i.to_path_buf(),
            (None, Some(i)) => base.join(i),
            (None, None) => {
                return Err(CampaignError::config(
                    "no input file: set input = \"users.csv\" or name the file on the command line",
                ));
            }
        };
        let mut c = Campaign::new(method, input);
        if let Some(id) = file.id {
            c.id = id;
        }
        if let Some(f) = file.format {
            c.format = f;
            c.results_format = match f {
                InputFormat::Csv => ResultsFormat::Csv,
                InputFormat::Jsonl => ResultsFormat::Jsonl,
            };
        }
        if let Some(e) = file.encoding {
            c.encoding = Encoding::parse(&e)?;
        }
        c.constants = file.fields;
        c.columns = file.columns;
        c.key_column = file.key_column;
        if let Some(i) = file.identity {
            c.identity = i;
        }
        if let Some(n) = file.concurrency {
            c.concurrency = n;
        }
        c.qps = file.qps.or(c.qps);
        if let Some(d) = file.out_dir {
            c.out_dir = base.join(d);
        }
        if let Some(f) = file.results_format {
            c.results_format = f;
        }
        c.skip_invalid = file.skip_invalid.unwrap_or(false);
        if let Some(n) = file.breaker_threshold {
            c.breaker_threshold = n;
        }
        if let Some(n) = file.settle_rounds {
            c.settle_rounds = n;
        }
        if let Some(p) = file.preflight {
            c.preflight = p;
        }
        if let Some(j) = file.journal {
            c.journal = Some(j);
        }
        if let Some(seconds) = file.lease_seconds {
            c.lease = lease_from_seconds(seconds)?;
        }
        Ok(c)
    }

    /// Checks the `journal` setting: a PostgreSQL URL or a file path, nothing else (a URL of another database is
    /// not mistaken for a file name, nor its password shown).
    pub(crate) fn check_journal_setting(&self) -> Result<()> {
        if let Some(journal) = self.journal.as_deref()
            && journal.contains("://")
            && !crate::journal::is_postgres_url(journal)
        {
            return Err(CampaignError::config(format!(
                "journal: {} is neither a PostgreSQL URL nor a file: a shared journal is \
                 postgres://USER:PASSWORD@HOST:PORT/DATABASE, a SQLite journal a file path",
                crate::journal::redact_url(journal)
            )));
        }
        Ok(())
    }

    /// Checks a campaign that runs through a client its caller built rather than the one the command line builds:
    /// `qps` cannot apply to such a client, whose own rate limit sets the pace.
    pub fn check_for_callers_client(&self) -> Result<()> {
        if self.qps.is_some() {
            return Err(CampaignError::config(
                "qps: a campaign sent through a client you built takes its calls per second from that client's \
                 rate limit; remove qps from the campaign and give the client a rate limit \
                 (ClientBuilder::rate_limit in Rust, rate_limit=RateLimit(...) in Python)",
            ));
        }
        Ok(())
    }

    /// Checks the settings themselves (not the rows): the id, the field names, the numbers.
    pub fn check_settings(&self) -> Result<()> {
        self.check_journal_setting()?;
        if self.id.trim().is_empty() || self.id.chars().any(char::is_control) {
            return Err(CampaignError::config(
                "id: the campaign id is empty or has control characters; give a short name such as \"spring-2025\"",
            ));
        }
        let known = self.method.fields();
        let key = self.method.key_field();
        for (table, field) in self
            .constants
            .keys()
            .map(|k| ("fields", k))
            .chain(self.columns.keys().map(|k| ("columns", k)))
        {
            if field == key {
                return Err(CampaignError::config(format!(
                    "{table}.{field}: the idempotency key cannot be a constant or a mapped field; \
                     set key_column = \"<column>\" or leave it out to derive keys"
                )));
            }
            if !known.contains(&field.as_str()) && field != APP_AUTH_TOKEN {
                return Err(CampaignError::config(format!(
                    "{table}.{field}: {} has no field {field:?}; its fields are {} (and {APP_AUTH_TOKEN}, \
                     the merchant of each call)",
                    self.method.short_name(),
                    known.join(", ")
                )));
            }
        }
        if let Some(token) = self.constants.get(APP_AUTH_TOKEN) {
            // The core's rule for a per-call token; the message never holds the token.
            alipay_marketing::CallOptions::for_merchant(token.as_str())
                .validate()
                .map_err(|e| {
                    CampaignError::config(format!(
                        "fields.{APP_AUTH_TOKEN}: {}",
                        e.message()
                            .strip_prefix("app_auth_token: ")
                            .unwrap_or(e.message())
                    ))
                })?;
        }
        if self.concurrency == 0 || self.concurrency > 4096 {
            return Err(CampaignError::config(format!(
                "concurrency: {} is out of range; use 1 to 4096",
                self.concurrency
            )));
        }
        if let Some(q) = self.qps {
            if !(q.is_finite() && q > 0.0) {
                return Err(CampaignError::config(format!(
                    "qps: {q} is not a positive number of calls per second"
                )));
            }
        }
        if self.breaker_threshold == 0 {
            return Err(CampaignError::config(
                "breaker_threshold: must be at least 1",
            ));
        }
        Ok(())
    }

    /// The SQLite journal file (configured, or beside the outputs); unused with a PostgreSQL journal.
    pub fn journal_path(&self) -> PathBuf {
        if let Some(path) = self
            .journal
            .as_deref()
            .filter(|j| !crate::journal::is_postgres_url(j))
        {
            return PathBuf::from(path);
        }
        self.out_dir
            .join(format!("{}.journal.sqlite", self.file_stem()))
    }

    /// Where the journal is, for messages: the SQLite file, or the PostgreSQL URL without its password.
    pub fn journal_location(&self) -> String {
        match self.journal.as_deref() {
            Some(url) if crate::journal::is_postgres_url(url) => crate::journal::redact_url(url),
            _ => self.journal_path().display().to_string(),
        }
    }

    /// The results file.
    pub fn results_path(&self) -> PathBuf {
        self.out_dir.join(format!(
            "{}.results.{}",
            self.file_stem(),
            self.results_ext()
        ))
    }

    /// The rejects file.
    pub fn rejects_path(&self) -> PathBuf {
        self.out_dir.join(format!(
            "{}.rejects.{}",
            self.file_stem(),
            self.results_ext()
        ))
    }

    /// The summary file (JSON).
    pub fn summary_path(&self) -> PathBuf {
        self.out_dir
            .join(format!("{}.summary.json", self.file_stem()))
    }

    /// The HTML report.
    pub fn report_path(&self) -> PathBuf {
        self.out_dir
            .join(format!("{}.report.html", self.file_stem()))
    }

    fn results_ext(&self) -> &'static str {
        match self.results_format {
            ResultsFormat::Csv => "csv",
            ResultsFormat::Jsonl => "jsonl",
        }
    }

    /// The id made safe for a file name.
    fn file_stem(&self) -> String {
        self.id
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }

    /// The settings that decide what is sent, as canonical JSON: part of the journal's fingerprint. Speed settings
    /// (concurrency, qps) and places (out_dir) are not in it: they may change between runs.
    pub(crate) fn settings_fingerprint_text(&self) -> String {
        serde_json::json!({
            "id": self.id,
            "method": self.method,
            "format": self.format,
            "encoding": self.encoding,
            // A constant token is kept as its digest: the journal and a mismatch message never hold it.
            "constants": self.constants_with(|t| crate::journal::merchant_key(Some(t))),
            "columns": self.columns,
            "key_column": self.key_column,
            "identity": self.identity,
            "skip_invalid": self.skip_invalid,
        })
        .to_string()
    }
}

/// A lease length from seconds, as a campaign file or a face gives it: 5 s to 1 hour.
pub fn lease_from_seconds(seconds: f64) -> Result<std::time::Duration> {
    if !(5.0..=3600.0).contains(&seconds) {
        return Err(CampaignError::config(format!(
            "lease_seconds: {seconds} is outside 5..=3600; a worker that dies is replaced this long after its \
             last renewal (30 by default)"
        )));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

fn default_id(input: &Path) -> String {
    input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "campaign".to_owned())
}

fn format_from_extension(input: &Path) -> InputFormat {
    match input.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("ndjson") => {
            InputFormat::Jsonl
        }
        _ => InputFormat::Csv,
    }
}

/// The campaign file as written (TOML). Unknown keys are refused, so a typo never goes unnoticed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CampaignFile {
    id: Option<String>,
    method: String,
    input: Option<PathBuf>,
    format: Option<InputFormat>,
    encoding: Option<String>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
    #[serde(default)]
    columns: BTreeMap<String, String>,
    key_column: Option<String>,
    identity: Option<Identity>,
    concurrency: Option<usize>,
    qps: Option<f64>,
    out_dir: Option<PathBuf>,
    results_format: Option<ResultsFormat>,
    skip_invalid: Option<bool>,
    journal: Option<String>,
    lease_seconds: Option<f64>,
    breaker_threshold: Option<u32>,
    settle_rounds: Option<u32>,
    preflight: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_campaign_file_fills_the_settings() {
        let c = Campaign::from_toml_str(
            r#"
            id = "spring"
            method = "points.update"
            input = "users.csv"
            concurrency = 8
            qps = 50
            [fields]
            activity_account = "STAMP-CARD-01"
            trans_type = "DEPOSIT"
            [columns]
            user_id = "uid"
            "#,
            Path::new("/data"),
            None,
        )
        .unwrap();
        assert_eq!(c.method, Method::PointsUpdate);
        assert_eq!(c.input, PathBuf::from("/data/users.csv"));
        assert_eq!(c.columns["user_id"], "uid");
        assert_eq!(c.qps, Some(50.0));
        c.check_settings().unwrap();
    }

    #[test]
    fn unknown_keys_and_fields_are_named() {
        let e = Campaign::from_toml_str(
            "method = \"voucher.send\"\nconcurency = 3",
            Path::new("."),
            Some(Path::new("a.csv")),
        )
        .unwrap_err();
        assert!(e.message().contains("concurency"), "{e}");
        let mut c = Campaign::new(Method::VoucherSend, "a.csv");
        c.constants.insert("tempalte_id".into(), "T".into());
        let e = c.check_settings().unwrap_err();
        assert!(
            e.message().contains("fields.tempalte_id") && e.message().contains("template_id"),
            "{e}"
        );
        let e = Method::parse("voucher.sned").unwrap_err();
        assert!(e.message().contains("voucher.send"), "{e}");
    }

    #[test]
    fn defaults_come_from_the_input_name() {
        let c = Campaign::new(Method::VoucherSend, "lists/users.jsonl");
        assert_eq!(c.id, "users");
        assert_eq!(c.format, InputFormat::Jsonl);
        assert_eq!(
            c.journal_path(),
            PathBuf::from("lists/users.journal.sqlite")
        );
        assert_eq!(c.results_path(), PathBuf::from("lists/users.results.jsonl"));
    }
}
