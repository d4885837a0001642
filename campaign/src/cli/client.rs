//! The client a run sends through: app id, keys and gateway from flags or the same environment variables the
//! sandbox's env file exports (`ALIPAY_GATEWAY_URL`, `ALIPAY_APP_ID`, `ALIPAY_APP_PRIVATE_KEY_FILE`, …).

use std::path::PathBuf;
use std::time::Duration;

use crate::Campaign;
use alipay_marketing::{Client, Gateway, RetryPolicy};
use clap::Args;

use super::{Failure, exit};

#[derive(Debug, Args)]
pub(crate) struct ClientArgs {
    /// The app id.
    #[arg(long, env = "ALIPAY_APP_ID", value_name = "ID")]
    app_id: Option<String>,
    /// The app's private key, PEM (PKCS#8 or PKCS#1). The key itself is never printed.
    #[arg(long, env = "ALIPAY_APP_PRIVATE_KEY_FILE", value_name = "FILE")]
    private_key_file: Option<PathBuf>,
    /// The Alipay public key, PEM (public-key mode).
    #[arg(long, env = "ALIPAY_PUBLIC_KEY_FILE", value_name = "FILE")]
    alipay_public_key_file: Option<PathBuf>,
    /// The app's certificate (certificate mode, with --alipay-cert-file and --alipay-root-cert-file).
    #[arg(long, env = "ALIPAY_APP_CERT_FILE", value_name = "FILE")]
    app_cert_file: Option<PathBuf>,
    /// The Alipay certificate (certificate mode).
    #[arg(long, env = "ALIPAY_CERT_FILE", value_name = "FILE")]
    alipay_cert_file: Option<PathBuf>,
    /// The Alipay root certificate bundle (certificate mode).
    #[arg(long, env = "ALIPAY_ROOT_CERT_FILE", value_name = "FILE")]
    alipay_root_cert_file: Option<PathBuf>,
    /// Use certificate mode even when an Alipay public key is given too.
    #[arg(long)]
    cert_mode: bool,
    /// `production`, `sandbox`, or a gateway URL.
    #[arg(
        long,
        env = "ALIPAY_GATEWAY_URL",
        value_name = "URL",
        default_value = "production"
    )]
    gateway: String,
    /// Seconds one attempt may take.
    #[arg(long, value_name = "SECONDS")]
    attempt_timeout: Option<f64>,
    /// Attempts per call inside the client (the campaign resends unknown rows on top of that).
    #[arg(long, value_name = "N")]
    max_attempts: Option<u32>,
}

fn need<'a, T>(value: &'a Option<T>, flag: &str, env: &str) -> Result<&'a T, Failure> {
    value.as_ref().ok_or_else(|| Failure {
        code: exit::USAGE,
        message: format!("{flag} is needed (or set {env}); a sandbox's --env-file exports it"),
    })
}

/// A core rule's error, as a usage error about the command-line `flag`.
fn flag_error(flag: &str, e: &alipay_marketing::Error) -> Failure {
    Failure::usage(format!("{flag}: {}", e.reason()))
}

/// A timeout in seconds, by the core's rule for the client option `field`.
fn seconds(value: f64, flag: &str, field: &str) -> Result<Duration, Failure> {
    alipay_marketing::limits::seconds(field, value)
        .and_then(|d| alipay_marketing::limits::check_timeout(field, d))
        .map_err(|e| flag_error(flag, &e))
}

/// Builds the client for `campaign`: its QPS goes to the client's rate limiter.
pub(crate) fn build(args: &ClientArgs, campaign: &Campaign) -> Result<Client, Failure> {
    let app_id = need(&args.app_id, "--app-id", "ALIPAY_APP_ID")?;
    let key = need(
        &args.private_key_file,
        "--private-key-file",
        "ALIPAY_APP_PRIVATE_KEY_FILE",
    )?;
    let mut builder = Client::builder()
        .app_id(app_id)
        .private_key_file(key)
        .gateway(Gateway::parse(&args.gateway));
    let certificates = (
        &args.app_cert_file,
        &args.alipay_cert_file,
        &args.alipay_root_cert_file,
    );
    match (&args.alipay_public_key_file, certificates, args.cert_mode) {
        (Some(public), _, false) => builder = builder.alipay_public_key_file(public),
        (_, (Some(app), Some(alipay), Some(root)), _) => {
            builder = builder
                .app_cert_file(app)
                .alipay_cert_file(alipay)
                .alipay_root_cert_file(root);
        }
        (_, _, true) => {
            return Err(Failure::usage(
                "--cert-mode needs --app-cert-file, --alipay-cert-file and --alipay-root-cert-file (or \
                 ALIPAY_APP_CERT_FILE, ALIPAY_CERT_FILE, ALIPAY_ROOT_CERT_FILE)",
            ));
        }
        (None, _, false) => {
            return Err(Failure::usage(
                "the Alipay key is needed: --alipay-public-key-file (or ALIPAY_PUBLIC_KEY_FILE), or the three \
                 certificate files for certificate mode",
            ));
        }
    }
    // A constant merchant (`--app-auth-token`) is the client's own too, so that the template preflight asks about
    // that merchant's template; every row's call carries it as its per-call token as well.
    if let Some(token) = campaign.constants.get(crate::config::APP_AUTH_TOKEN) {
        builder = builder.app_auth_token(token);
    }
    if let Some(t) = args.attempt_timeout {
        builder = builder.attempt_timeout(seconds(t, "--attempt-timeout", "attempt_timeout")?);
    }
    if let Some(n) = args.max_attempts {
        let n = RetryPolicy::check_attempts(i128::from(n))
            .map_err(|e| flag_error("--max-attempts", &e))?;
        let policy = builder.configured_retry_policy().max_attempts(n);
        builder = builder.retry_policy(policy);
    }
    if let Some(qps) = campaign.qps {
        let burst = u32::try_from(campaign.concurrency)
            .unwrap_or(u32::MAX)
            .max(1);
        builder = builder.rate_limit(qps, burst);
    }
    builder.build().map_err(|e| Failure {
        code: exit::USAGE,
        message: format!("the client's settings: {e}"),
    })
}
