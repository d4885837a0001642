//! The HTML report: one self-contained page (inline CSS, an inline SVG chart, no script, no link to anything)
//! with the totals, the outcome and error-code breakdown, the answers per second over time, the runs, and the
//! slowest and failed rows. Mobiles and user ids are masked; so are long digit runs in error messages.

use std::fmt::Write as _;
use std::path::Path;

use crate::config::{Campaign, Method};
use crate::error::{CampaignError, Result};
use crate::journal::{Journal, RowRecord, RowState, RunRecord};
use crate::summary::Summary;

/// How many rows each table lists at most.
const SLOWEST: usize = 10;
const LISTED: usize = 50;

/// Everything the page shows, read from the journal first so that rendering cannot fail half-way.
struct ReportData {
    summary: Summary,
    timeline: Vec<(i64, u64)>,
    runs: Vec<RunRecord>,
    slowest: Vec<RowRecord>,
    failed: Vec<RowRecord>,
    unknown: Vec<RowRecord>,
    /// Input columns that hold personal data.
    personal_columns: Vec<String>,
}

impl Campaign {
    /// Writes the HTML report to `path` (atomically) from the journal; returns the summary it shows.
    pub fn write_report(&self, path: &Path) -> Result<Summary> {
        let mut journal = self.open_journal()?;
        let html = render_report(journal.as_mut(), self)?;
        let tmp = path.with_extension("html.partial");
        let fail = |e: std::io::Error| {
            CampaignError::output(format!("cannot write {}: {e}", path.display()))
        };
        std::fs::write(&tmp, html.as_bytes()).map_err(fail)?;
        std::fs::rename(&tmp, path).map_err(fail)?;
        Summary::from_journal(journal.as_mut(), &self.id, self.method.short_name())
    }
}

/// The report page for `campaign` from `journal`.
pub fn render_report(journal: &mut dyn Journal, campaign: &Campaign) -> Result<String> {
    let summary = Summary::from_journal(journal, &campaign.id, campaign.method.short_name())?;
    let data = ReportData {
        summary,
        timeline: journal.timeline()?,
        runs: journal.runs()?,
        slowest: journal.slowest(SLOWEST)?,
        failed: journal.rows_in_state(RowState::Failed, LISTED)?,
        unknown: journal.rows_in_state(RowState::Unknown, LISTED)?,
        personal_columns: personal_columns(campaign),
    };
    Ok(render(&data, campaign.method))
}

fn personal_columns(campaign: &Campaign) -> Vec<String> {
    campaign
        .method
        .personal_fields()
        .iter()
        .map(|f| {
            campaign
                .columns
                .get(*f)
                .cloned()
                .unwrap_or_else(|| (*f).to_owned())
        })
        .collect()
}

/// Masks a personal value: a mobile `13800000001` shows as `138****0001`, a user id keeps 3 leading and 4
/// trailing characters, short values are starred out.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let (head, tail) = match n {
        0 => return String::new(),
        1..=4 => (0, 0),
        5..=10 => (1, 2),
        _ => (3, 4),
    };
    let mut out: String = chars[..head].iter().collect();
    out.extend(std::iter::repeat_n('*', n - head - tail));
    out.extend(&chars[n - tail..]);
    out
}

/// Masks every run of 11 or more digits (mobiles, user ids) in free text such as an error message.
pub fn mask_digit_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 11 {
            out.push_str(&mask(run));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `YYYY-MM-DD HH:MM:SS` UTC for milliseconds since the Unix epoch.
fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

fn pct(n: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        n as f64 * 100.0 / total as f64
    }
}

const CSS: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;
color:#1f2328;background:#fff}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de;
padding-bottom:.3rem}.sub{color:#59636e;margin-top:0}
.cards{display:flex;flex-wrap:wrap;gap:.75rem}.card{border:1px solid #d0d7de;border-radius:6px;padding:.6rem 1rem;
min-width:7rem}.card .n{font-size:1.4rem;font-weight:600}.card .l{color:#59636e;font-size:.85rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.3rem .5rem;
border-bottom:1px solid #eaeef2;vertical-align:top}th{background:#f6f8fa}td.num,th.num{text-align:right}
.done{color:#1a7f37}.failed{color:#cf222e}.unknown{color:#9a6700}.pending{color:#59636e}.rejected{color:#8250df}
.stack{display:flex;height:1.2rem;border-radius:4px;overflow:hidden;border:1px solid #d0d7de;margin:.5rem 0}
.stack span{display:block;height:100%}.s-done{background:#2da44e}.s-failed{background:#cf222e}
.s-unknown{background:#d4a72c}.s-pending{background:#afb8c1}.s-rejected{background:#8250df}
.note{color:#59636e;font-size:.85rem}svg text{font-size:11px;fill:#59636e}
";

fn render(d: &ReportData, method: Method) -> String {
    let s = &d.summary;
    let mut h = String::with_capacity(32 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Campaign {id} — report</title><style>{CSS}</style></head><body>\n\
         <h1>Campaign {id}</h1><p class=\"sub\">{method} ({gateway}) · {runs} run(s) · last run: {last}</p>\n",
        id = esc(&s.campaign_id),
        method = esc(&s.method),
        gateway = esc(method.gateway_name()),
        runs = s.runs,
        last = esc(s.last_run.as_deref().unwrap_or("none")),
    );
    if let Some(m) = &s.last_message {
        let _ = writeln!(h, "<p class=\"failed\" id=\"last-message\">{}</p>", esc(m));
    }

    h.push_str("<h2>Totals</h2><div class=\"cards\" id=\"totals\">");
    let outcomes = [
        ("rows", s.total + s.rejected, ""),
        ("done", s.done, "done"),
        ("failed", s.failed, "failed"),
        ("unknown", s.unknown, "unknown"),
        ("pending", s.pending, "pending"),
        ("rejected", s.rejected, "rejected"),
    ];
    for (label, n, class) in outcomes {
        let _ = write!(
            h,
            "<div class=\"card\"><div class=\"n {class}\">{n}</div><div class=\"l\">{label}</div></div>"
        );
    }
    let _ = writeln!(
        h,
        "<div class=\"card\"><div class=\"n\">{:.1}/s</div><div class=\"l\">throughput</div></div>\
         <div class=\"card\"><div class=\"n\">{:.1} s</div><div class=\"l\">running time</div></div></div>",
        s.throughput_per_s, s.duration_s
    );

    h.push_str("<h2>Outcomes</h2>");
    let all = s.total + s.rejected;
    h.push_str("<div class=\"stack\" aria-hidden=\"true\">");
    for (label, n, _) in &outcomes[1..] {
        if *n > 0 {
            let _ = write!(
                h,
                "<span class=\"s-{label}\" style=\"width:{:.3}%\" title=\"{label}: {n}\"></span>",
                pct(*n, all)
            );
        }
    }
    h.push_str("</div><table id=\"outcomes\"><tr><th>outcome</th><th class=\"num\">rows</th><th class=\"num\">share</th></tr>");
    for (label, n, class) in &outcomes[1..] {
        let _ = write!(
            h,
            "<tr><td class=\"{class}\">{label}</td><td class=\"num\">{n}</td><td class=\"num\">{:.1}%</td></tr>",
            pct(*n, all)
        );
    }
    h.push_str("</table>\n");

    h.push_str("<h2>Error codes</h2>");
    if s.error_codes.is_empty() {
        h.push_str("<p id=\"error-codes\">No row that is not done has an error.</p>\n");
    } else {
        h.push_str("<table id=\"error-codes\"><tr><th>code</th><th class=\"num\">rows</th></tr>");
        for (code, n) in &s.error_codes {
            let _ = write!(
                h,
                "<tr><td>{}</td><td class=\"num\">{n}</td></tr>",
                esc(code)
            );
        }
        h.push_str("</table>\n");
    }

    h.push_str("<h2>Answers per second</h2>");
    h.push_str(&chart(&d.timeline));
    let l = s.latency_ms;
    let _ = writeln!(
        h,
        "<p class=\"note\">Each row counts once, at the second its last answer came. Latency of each row's last \
         call: p50 {} ms, p90 {} ms, p99 {} ms, max {} ms.</p>",
        l.p50, l.p90, l.p99, l.max
    );

    h.push_str("<h2>Runs</h2><table id=\"runs\"><tr><th>#</th><th>started (UTC)</th><th>ended (UTC)</th><th>how it ended</th><th>message</th></tr>");
    for (i, r) in d.runs.iter().enumerate() {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            i + 1,
            utc(r.started_at_ms),
            r.ended_at_ms.map(utc).unwrap_or_else(|| "—".to_owned()),
            esc(r.status.as_deref().unwrap_or(crate::summary::NOT_ENDED)),
            esc(r.message.as_deref().unwrap_or(""))
        );
    }
    h.push_str("</table>\n");

    h.push_str("<h2>Slowest rows</h2>");
    rows_table(
        &mut h,
        "slowest",
        &d.slowest,
        &d.personal_columns,
        "No row was sent yet.",
    );
    let _ = write!(h, "<h2>Failed rows ({})</h2>", s.failed);
    rows_table(
        &mut h,
        "failed",
        &d.failed,
        &d.personal_columns,
        "No row failed.",
    );
    if s.failed as usize > d.failed.len() {
        let _ = writeln!(
            h,
            "<p class=\"note\">The first {} are listed; the results file has them all.</p>",
            d.failed.len()
        );
    }
    if s.unknown > 0 {
        let _ = write!(h, "<h2>Rows with an unknown outcome ({})</h2>", s.unknown);
        rows_table(&mut h, "unknown", &d.unknown, &d.personal_columns, "");
        h.push_str(
            "<p class=\"note\">Running the campaign again resends them with their same keys.</p>\n",
        );
    }
    h.push_str(
        "<p class=\"note\">Mobiles and user ids are masked in this page; the results file holds the values as \
         supplied.</p>\n</body></html>\n",
    );
    h
}

fn rows_table(h: &mut String, id: &str, rows: &[RowRecord], personal: &[String], empty: &str) {
    if rows.is_empty() {
        let _ = writeln!(h, "<p id=\"{id}\">{}</p>", esc(empty));
        return;
    }
    let _ = write!(
        h,
        "<table id=\"{id}\"><tr><th class=\"num\">line</th><th>key</th><th>who</th><th>state</th>\
         <th class=\"num\">attempts</th><th class=\"num\">latency</th><th>error</th></tr>"
    );
    for r in rows {
        let who: Vec<String> = r
            .input
            .iter()
            .filter(|(c, v)| personal.contains(c) && !v.is_empty())
            .map(|(c, v)| format!("{}: {}", esc(c), esc(&mask(v))))
            .collect();
        let error = r.error.as_ref().map_or_else(String::new, |e| {
            let code = match (&e.code, &e.sub_code) {
                (Some(c), Some(s)) => format!("{c}/{s}"),
                (Some(c), None) => c.clone(),
                _ => e.kind.clone(),
            };
            format!(
                "<b>{}</b> {}",
                esc(&code),
                esc(&mask_digit_runs(&e.message))
            )
        });
        let state = r.state.as_str();
        let _ = write!(
            h,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"{state}\">{state}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{error}</td></tr>",
            r.line,
            esc(&r.key),
            who.join("<br>"),
            r.attempts,
            r.latency_ms.map(|l| format!("{l} ms")).unwrap_or_default(),
        );
    }
    h.push_str("</table>\n");
}

/// The answers-per-second chart: bars over time, seconds grouped so that at most 240 bars are drawn.
fn chart(timeline: &[(i64, u64)]) -> String {
    const W: f64 = 960.0;
    const H: f64 = 240.0;
    const LEFT: f64 = 56.0;
    const BOTTOM: f64 = 28.0;
    const TOP: f64 = 12.0;
    let (Some(first), Some(last)) = (timeline.first(), timeline.last()) else {
        return "<p id=\"rate-chart\">No answers yet.</p>".to_owned();
    };
    let span = (last.0 - first.0 + 1).max(1);
    let width_s = (span + 239) / 240;
    let buckets = ((span + width_s - 1) / width_s) as usize;
    let mut per = vec![0u64; buckets];
    for (s, n) in timeline {
        per[((s - first.0) / width_s) as usize] += n;
    }
    let rates: Vec<f64> = per.iter().map(|n| *n as f64 / width_s as f64).collect();
    let peak = rates.iter().copied().fold(0.0_f64, f64::max).max(1.0);
    let top = nice_ceiling(peak);
    let plot_w = W - LEFT - 8.0;
    let plot_h = H - TOP - BOTTOM;
    let bar_w = plot_w / buckets as f64;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg id=\"rate-chart\" viewBox=\"0 0 {W} {H}\" width=\"100%\" \
         role=\"img\" aria-label=\"answers per second over time\"><title>Answers per second over time</title>"
    );
    for i in 0..=4 {
        let v = top * f64::from(i) / 4.0;
        let y = TOP + plot_h - plot_h * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#eaeef2\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            W - 8.0,
            LEFT - 6.0,
            y + 4.0,
            trim_number(v)
        );
    }
    for (i, r) in rates.iter().enumerate() {
        if *r <= 0.0 {
            continue;
        }
        let bh = plot_h * r / top;
        let _ = write!(
            svg,
            "<rect class=\"bar\" x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{bh:.2}\" fill=\"#2da44e\">\
             <title>{}: {:.1}/s</title></rect>",
            LEFT + bar_w * i as f64,
            TOP + plot_h - bh,
            (bar_w - 0.5).max(0.5),
            utc((first.0 + i as i64 * width_s) * 1000),
            r
        );
    }
    let baseline = TOP + plot_h;
    let _ = write!(
        svg,
        "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{baseline}\" y2=\"{baseline}\" stroke=\"#59636e\"/>\
         <text x=\"{LEFT}\" y=\"{:.1}\">{} UTC</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{} UTC</text>\
         </svg>",
        W - 8.0,
        H - 8.0,
        utc(first.0 * 1000),
        W - 8.0,
        H - 8.0,
        utc(last.0 * 1000),
    );
    let _ = write!(
        svg,
        "<p class=\"note\">Peak {:.1} answers/s; {} s per bar.</p>",
        peak, width_s
    );
    svg
}

/// 1, 2 or 5 times a power of ten, at least `v`.
fn nice_ceiling(v: f64) -> f64 {
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * p)
}

fn trim_number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_keeps_the_ends_only() {
        assert_eq!(mask("13800000001"), "138****0001");
        assert_eq!(mask("2088000000000001"), "208*********0001");
        assert_eq!(mask("abcd"), "****");
        assert_eq!(
            mask_digit_runs("user 2088000000000001 has no account; code 40004"),
            "user 208*********0001 has no account; code 40004"
        );
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(1_709_251_199_000), "2024-02-29 23:59:59");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(nice_ceiling(37.0), 50.0);
        assert_eq!(nice_ceiling(1.0), 1.0);
    }
}
