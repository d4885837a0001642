//! The checks behind [`ClientBuilder::doctor`]: each option on its own, so every mistake is reported at once.

use std::time::{Duration, SystemTime};

use super::{
    ClientBuilder, KeySource, ProxySetting, cert_missing, check_app_auth_token, check_app_id,
    check_gateway_url, check_max_response_bytes, check_not_own_public_key, is_loopback,
    public_key_in_cert_mode,
};
use crate::aes::AesKey;
use crate::cert::{Certificate, root_cert_sn, verify_chain};
use crate::client::Gateway;
use crate::doctor::{DoctorReport, Level};
use crate::keys::{PrivateKey, PublicKey, SignType, describe_text};
use crate::limits::{PoolSettings, Timeouts};
use crate::rate_limit::RateLimit;

pub(super) fn examine(b: &ClientBuilder) -> DoctorReport {
    let mut report = DoctorReport::default();
    let now = SystemTime::now();

    match check_app_id(b.app_id.as_deref()) {
        Err(e) => report.problem(&e),
        Ok(id) if id.starts_with("9021") && b.gateway == Gateway::Production => report.add(
            Level::Warning,
            "app_id",
            format!("{id} looks like an Alipay sandbox app (9021…) but the gateway is production; use Gateway::Sandbox"),
        ),
        Ok(id) => report.add(Level::Ok, "app_id", id),
    }

    let private_key = key(
        &mut report,
        "private_key",
        &b.private_key,
        PrivateKey::from_text,
        |k| format!("RSA-{}", k.bits()),
    );
    let own_public = private_key.as_ref().map(PrivateKey::public_key);

    if !matches!(b.app_public_key, KeySource::Missing) {
        let app_public = key(
            &mut report,
            "app_public_key",
            &b.app_public_key,
            PublicKey::from_text,
            |k| format!("RSA-{}", k.bits()),
        );
        if let (Some(app_public), Some(own)) = (app_public, &own_public) {
            if app_public == *own {
                report.add(Level::Ok, "app_public_key", "matches private_key");
            } else {
                report.add(
                    Level::Problem,
                    "app_public_key",
                    "does not match private_key: one of the pair was regenerated; upload the public key that \
                     belongs to this private key in the console",
                );
            }
        }
    }

    let cert_mode = [&b.app_cert, &b.alipay_cert, &b.alipay_root_cert]
        .iter()
        .any(|c| !matches!(c, KeySource::Missing));
    if cert_mode {
        certificates(&mut report, b, own_public.as_ref(), now);
    } else {
        let alipay = key(
            &mut report,
            "alipay_public_key",
            &b.alipay_public_key,
            |t| PublicKey::from_text_for("alipay_public_key", t),
            |k| format!("RSA-{}", k.bits()),
        );
        if let (Some(alipay), Some(private_key)) = (alipay, &private_key) {
            // The rule `build()` applies, with its message.
            match check_not_own_public_key(private_key, &alipay) {
                Err(e) => report.problem(&e),
                Ok(()) => report.add(
                    Level::Ok,
                    "alipay_public_key",
                    "is not the app's own public key",
                ),
            }
        }
    }

    match check_gateway_url(b.gateway.url(), b.allow_insecure_http) {
        Ok(url) if url.scheme() == "http" && !is_loopback(&url) => report.add(
            Level::Warning,
            "gateway",
            format!("{url} is plain http on a non-loopback host: requests and keys' signatures travel unencrypted"),
        ),
        Ok(url) => report.add(Level::Ok, "gateway", url.to_string()),
        Err(e) => report.add(Level::Problem, "gateway", e.message().trim_start_matches("gateway: ").to_owned()),
    }
    limits(&mut report, b);
    connection(&mut report, b);
    if b.sign_type == SignType::Rsa {
        report.add(
            Level::Warning,
            "sign_type",
            "RSA (SHA1withRSA) is legacy; switch the app to RSA2 in the console",
        );
    }
    if b.charset != crate::charset::Charset::Utf8 {
        report.add(
            Level::Warning,
            "charset",
            format!(
                "{}: every value must be representable in it; utf-8 is the safe choice",
                b.charset
            ),
        );
    }
    if !matches!(b.aes_key, KeySource::Missing) {
        match &b.aes_key {
            KeySource::Key(k) => report.add(Level::Ok, "aes_key", format!("{k:?}")),
            source => match source
                .peek_text("aes_key")
                .and_then(|t| AesKey::from_base64(t.as_ref().map_or("", |t| t.as_str())))
            {
                Ok(k) => report.add(Level::Ok, "aes_key", format!("{k:?}")),
                Err(e) => report.add(Level::Problem, "aes_key", strip(e.message(), "aes_key")),
            },
        }
    }
    report
}

/// The timeouts, the pool and the rate limit, by the rules `build` applies.
/// The options `build()` checks beside the keys and limits, by the same rules: the client's `app_auth_token`, the
/// response size limit, the proxy URL and the extra root certificates. Silent when they are fine.
fn connection(report: &mut DoctorReport, b: &ClientBuilder) {
    let checks = [
        check_app_auth_token(b.app_auth_token.clone()).map(|_| ()),
        check_max_response_bytes(b.max_response_bytes).map(|_| ()),
        match &b.proxy {
            ProxySetting::Explicit(proxy) => super::http::explicit_proxy(proxy).map(|_| ()),
            ProxySetting::Environment | ProxySetting::None => Ok(()),
        },
        super::http::root_certificates(&b.root_certificates).map(|_| ()),
    ];
    for e in checks.iter().filter_map(|c| c.as_ref().err()) {
        report.problem(e);
    }
}

fn limits(report: &mut DoctorReport, b: &ClientBuilder) {
    for problem in Timeouts::problems(b.connect_timeout, b.timeout, b.attempt_timeout) {
        report.problem(&problem);
    }
    if let Err(e) = PoolSettings::new(b.pool_max_idle_per_host, b.pool_idle_timeout) {
        report.problem(&e);
    }
    if let Some((qps, burst)) = b.rate_limit {
        match RateLimit::new(qps, burst) {
            Ok(limit) => report.add(
                Level::Ok,
                "rate_limit",
                format!(
                    "{} requests per second, bursts of {}",
                    limit.qps(),
                    limit.burst()
                ),
            ),
            Err(e) => report.problem(&e),
        }
    }
}

/// Loads one key, reporting its format and what `summary` says of it, or the problem.
fn key<K>(
    report: &mut DoctorReport,
    field: &str,
    source: &KeySource<K>,
    parse: impl Fn(&str) -> crate::Result<K>,
    summary: impl Fn(&K) -> String,
) -> Option<K>
where
    K: Clone,
{
    if let KeySource::Key(k) = source {
        report.add(
            Level::Ok,
            field,
            format!("given as a loaded key, {}", summary(k)),
        );
        return Some(k.clone());
    }
    let text = match source.peek_text(field) {
        Ok(Some(text)) => text,
        Ok(None) => {
            report.add(Level::Problem, field, "is missing");
            return None;
        }
        Err(e) => {
            report.add(Level::Problem, field, strip(e.message(), field));
            return None;
        }
    };
    let format = describe_text(&text).ok();
    match parse(&text) {
        Ok(k) => {
            report.add(
                Level::Ok,
                field,
                format!("{}, {}", format.unwrap_or_default(), summary(&k)),
            );
            Some(k)
        }
        Err(e) => {
            report.add(Level::Problem, field, strip(e.message(), field));
            None
        }
    }
}

fn certificates(
    report: &mut DoctorReport,
    b: &ClientBuilder,
    own_public: Option<&PublicKey>,
    now: SystemTime,
) {
    let mut load = |field: &str, source: &KeySource<()>| -> Option<Vec<Certificate>> {
        let text = match source.peek_text(field) {
            Ok(Some(text)) => text,
            Ok(None) => {
                report.problem(&cert_missing(field));
                return None;
            }
            Err(e) => {
                report.add(Level::Problem, field, strip(e.message(), field));
                return None;
            }
        };
        match Certificate::parse_pem_bundle(field, &text) {
            Ok(certs) => Some(certs),
            Err(e) => {
                report.add(Level::Problem, field, strip(e.message(), field));
                None
            }
        }
    };
    let app = load("app_cert", &b.app_cert);
    let alipay = load("alipay_cert", &b.alipay_cert);
    let roots = load("alipay_root_cert", &b.alipay_root_cert);
    if !matches!(b.alipay_public_key, KeySource::Missing) {
        report.problem(&public_key_in_cert_mode());
    }
    for (field, certs) in [("app_cert", &app), ("alipay_cert", &alipay)] {
        let Some(cert) = certs.as_ref().and_then(|c| c.first()) else {
            continue;
        };
        let (level, when) = expiry(cert.not_after(), now);
        report.add(level, field, format!("SN {}, {when}", cert.sn()));
    }
    if let (Some(app), Some(own)) = (&app, own_public) {
        match app[0].public_key("app_cert") {
            Ok(k) if k == *own => {
                report.add(Level::Ok, "app_cert", "holds the public key of private_key")
            }
            Ok(_) => report.add(
                Level::Problem,
                "app_cert",
                "holds a public key that does not belong to private_key",
            ),
            Err(e) => report.add(Level::Problem, "app_cert", strip(e.message(), "app_cert")),
        }
    }
    if let Some(roots) = &roots {
        let sn = root_cert_sn(roots);
        if sn.is_empty() {
            report.add(
                Level::Problem,
                "alipay_root_cert",
                "contains no RSA-signed root certificate",
            );
        } else {
            report.add(
                Level::Ok,
                "alipay_root_cert",
                format!("{} certificates, root SN {sn}", roots.len()),
            );
        }
        if let Some(alipay) = &alipay {
            match verify_chain(alipay, roots, now) {
                Ok(()) => report.add(Level::Ok, "alipay_cert", "chains to alipay_root_cert"),
                Err(e) => report.add(
                    Level::Warning,
                    "alipay_cert",
                    format!(
                        "{} (fine if the file simply lacks its intermediate certificate)",
                        e.message()
                    ),
                ),
            }
        }
    }
}

fn expiry(not_after: SystemTime, now: SystemTime) -> (Level, String) {
    let date = time::OffsetDateTime::from(not_after).date();
    match not_after.duration_since(now) {
        Err(_) => (
            Level::Problem,
            format!("expired on {date}: download a new one from the console"),
        ),
        Ok(left) if left < Duration::from_secs(30 * 86_400) => (
            Level::Warning,
            format!("expires on {date}, in {} days", left.as_secs() / 86_400),
        ),
        Ok(_) => (Level::Ok, format!("valid until {date}")),
    }
}

/// Error messages start with "field: "; the report already names the field.
fn strip(message: &str, field: &str) -> String {
    message
        .strip_prefix(&format!("{field}: "))
        .unwrap_or(message)
        .to_owned()
}
