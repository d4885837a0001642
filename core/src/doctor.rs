//! The configuration doctor: every common setup mistake, reported line by line instead of failing at the first
//! (`ClientBuilder::doctor`, offline; `Client::check_config`, which also measures the clock skew to the gateway).

use std::fmt;
use std::time::{Duration, SystemTime};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Checked and fine.
    Ok,
    /// Works, but probably not what you want.
    Warning,
    /// Calls will fail until this is fixed.
    Problem,
}

impl Level {
    /// `"ok"`, `"warning"` or `"problem"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warning => "warning",
            Level::Problem => "problem",
        }
    }
}

/// One line of a [`DoctorReport`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How serious it is.
    pub level: Level,
    /// The option or subject it is about (`private_key`, `alipay_public_key`, `gateway`, `clock`…).
    pub topic: String,
    /// What was found, and what to do about it.
    pub message: String,
}

/// The doctor's findings, in the order checked. `Display` prints one line each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DoctorReport {
    /// Every finding.
    pub findings: Vec<Finding>,
}

impl DoctorReport {
    pub(crate) fn add(&mut self, level: Level, topic: &str, message: impl Into<String>) {
        self.findings.push(Finding {
            level,
            topic: topic.to_owned(),
            message: message.into(),
        });
    }

    /// A broken rule as a [`Level::Problem`] about the error's field, worded as `build` words it (without the
    /// leading field name, which the finding already carries).
    pub fn problem(&mut self, error: &crate::Error) {
        let topic = error.field().unwrap_or("config").to_owned();
        let message = crate::limits::strip_field(error.message(), &topic).to_owned();
        self.findings.push(Finding {
            level: Level::Problem,
            topic,
            message,
        });
    }

    /// No finding is a [`Level::Problem`].
    pub fn is_healthy(&self) -> bool {
        self.findings.iter().all(|f| f.level != Level::Problem)
    }

    /// The findings about `topic`.
    pub fn about<'a>(&'a self, topic: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| f.topic == topic)
    }

    /// Adds the clock-skew finding from the gateway's `Date` header.
    pub(crate) fn clock(&mut self, gateway_date: Option<SystemTime>, local: SystemTime) {
        let Some(remote) = gateway_date else {
            self.add(
                Level::Warning,
                "clock",
                "the gateway sent no Date header; clock skew not measured",
            );
            return;
        };
        let (skew, ahead) = match local.duration_since(remote) {
            Ok(d) => (d, "ahead of"),
            Err(e) => (e.duration(), "behind"),
        };
        // The gateway refuses timestamps more than 15 minutes off; warn well before that.
        let level = if skew > Duration::from_secs(15 * 60) {
            Level::Problem
        } else if skew > Duration::from_secs(60) {
            Level::Warning
        } else {
            Level::Ok
        };
        self.add(
            level,
            "clock",
            format!(
                "this machine is {} s {ahead} the gateway (the gateway refuses timestamps more than 15 min off; \
                 sync the clock with NTP if this grows)",
                skew.as_secs()
            ),
        );
    }
}

impl fmt::Display for DoctorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in &self.findings {
            writeln!(
                f,
                "{:<8} {}: {}",
                finding.level.as_str(),
                finding.topic,
                finding.message
            )?;
        }
        let problems = self
            .findings
            .iter()
            .filter(|f| f.level == Level::Problem)
            .count();
        let warnings = self
            .findings
            .iter()
            .filter(|f| f.level == Level::Warning)
            .count();
        write!(f, "{problems} problem(s), {warnings} warning(s)")
    }
}

/// Parses an HTTP `Date` header (IMF-fixdate, e.g. `Tue, 24 Nov 2026 12:00:00 GMT`).
pub(crate) fn parse_http_date(text: &str) -> Option<SystemTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let parsed = time::PrimitiveDateTime::parse(text.trim(), &format).ok()?;
    Some(parsed.assume_utc().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_skew_levels_follow_the_gateways_window() {
        let now = SystemTime::now();
        let mut report = DoctorReport::default();
        report.clock(Some(now - Duration::from_secs(5)), now);
        report.clock(Some(now + Duration::from_secs(300)), now);
        report.clock(Some(now - Duration::from_secs(3600)), now);
        report.clock(None, now);
        let levels: Vec<Level> = report.findings.iter().map(|f| f.level).collect();
        assert_eq!(
            levels,
            [Level::Ok, Level::Warning, Level::Problem, Level::Warning]
        );
        assert!(
            report.findings[1].message.contains("behind"),
            "{}",
            report.findings[1].message
        );
        assert!(!report.is_healthy());
        assert!(report.to_string().ends_with("1 problem(s), 2 warning(s)"));
    }

    #[test]
    fn http_dates_parse() {
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(),
            784_111_777
        );
        assert!(parse_http_date("yesterday").is_none());
    }
}
