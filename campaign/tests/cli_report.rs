//! `alipay-marketing campaign report`: the page is self-contained, and headless Chromium (Debian's `chromium`
//! package) shows the totals, the error codes, a drawn chart, the failed rows, and masked user ids only.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use alipay_marketing_sandbox::Scenario;
use common::{Gateway, user};

const FROZEN: &str = "2088000000000002";

fn browser() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
        .find(|p| p.is_file())
}

/// What the browser shows: the page's rendered text (`innerText`, so hidden text does not count), the chart's
/// drawn size and how many of its bars have a height on screen.
struct Shown {
    text: String,
    chart_width: f64,
    bars_drawn: usize,
}

/// Renders a copy of the page with a probe script appended (the report itself has no script) and reads back
/// what the probe saw, hex-encoded so that nothing in it needs unescaping (the markers are split in the script
/// so that only its output matches them).
fn render(chromium: &Path, report: &Path, dir: &Path) -> Shown {
    let html = std::fs::read_to_string(report).unwrap();
    let probe = "<script>(function(){var c=document.getElementById('rate-chart');\
        var r=c.getBoundingClientRect();var bars=Array.from(c.querySelectorAll('rect.bar'))\
        .filter(function(b){return b.getBoundingClientRect().height>0;}).length;\
        var out=JSON.stringify({text:document.body.innerText,w:r.width,bars:bars});\
        var hex=Array.from(new TextEncoder().encode(out)).map(function(b){return b.toString(16).padStart(2,'0');}).join('');\
        var p=document.createElement('pre');p.id='probe';p.textContent='PRO'+'BE:'+hex+':E'+'ND';document.body.appendChild(p);})();</script>";
    let probed = dir.join("probed.html");
    std::fs::write(&probed, html.replace("</body>", &format!("{probe}</body>"))).unwrap();
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1200,2000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", probed.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom.find("PROBE:").unwrap_or_else(|| {
        panic!(
            "the probe did not run: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    }) + 6;
    let end = start + dom[start..].find(":END").unwrap();
    let bytes: Vec<u8> = (start..end)
        .step_by(2)
        .map(|i| u8::from_str_radix(&dom[i..i + 2], 16).unwrap())
        .collect();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    Shown {
        text: v["text"].as_str().unwrap().to_owned(),
        chart_width: v["w"].as_f64().unwrap(),
        bars_drawn: v["bars"].as_u64().unwrap() as usize,
    }
}

#[test]
fn the_report_shows_totals_errors_chart_and_masked_failed_rows() {
    const N: usize = 40;
    let mut scenario = Scenario::default();
    for i in 0..N {
        common::add_user(&mut scenario, &user(i));
    }
    let gw = Gateway::start(scenario);
    let mut text = String::from("user_id,memo\n");
    for i in 0..N {
        text.push_str(&format!("{},spring\n", user(i)));
    }
    // The frozen user fails for good; a row without a recipient is rejected before sending.
    text.push_str(&format!("{FROZEN},spring\n,spring\n"));
    std::fs::write(gw.path("promo.csv"), text).unwrap();
    let run = gw.run(&[
        "run",
        "--method",
        "voucher.send",
        "--template-id",
        "TPL-FIXED-10",
        "--skip-invalid",
        "promo.csv",
    ]);
    assert_eq!(run.code(), 4, "one row failed: {}", run.text());
    let report = gw.run(&["report", "promo.csv"]);
    assert_eq!(report.code(), 0, "{}", report.text());
    let page = gw.path("promo.report.html");
    assert!(
        report.stdout().contains("promo.report.html"),
        "{}",
        report.text()
    );
    let html = std::fs::read_to_string(&page).unwrap();

    // Self-contained: nothing to fetch, nothing to run.
    for needle in ["<script", "<link", " src=", "http://", "https://", "url("] {
        assert!(!html.contains(needle), "the report has {needle:?}");
    }
    // Masked: no user id of the campaign appears whole.
    assert!(!html.contains(FROZEN), "the frozen user's id is masked");
    assert!(!html.contains(&user(0)), "user ids are masked");

    let Some(chromium) = browser() else {
        // CI installs the browser (`make deps`), so there the check cannot be skipped.
        assert!(
            std::env::var_os("CI").is_none(),
            "headless Chromium not found with CI set: run `make deps` (Debian's chromium package) or set CHROMIUM"
        );
        // The page's own text still has to say the same things; the browser check needs `apt-get install chromium`.
        eprintln!(
            "headless Chromium not found (install Debian's chromium package, or set CHROMIUM): checking the HTML only"
        );
        for words in [
            "Campaign promo",
            "40004/USER_STATUS_ERROR",
            "Failed rows (1)",
            "208*********0002",
        ] {
            assert!(html.contains(words), "{words:?}");
        }
        return;
    };
    let shown = render(&chromium, &page, gw.dir.path());
    let t = &shown.text;
    for words in [
        "Campaign promo",
        "voucher.send (alipay.marketing.voucher.send)",
        "Totals",
        "40\ndone",
        "1\nfailed",
        "1\nrejected",
        "42\nrows",
        "Error codes",
        "40004/USER_STATUS_ERROR",
        "Answers per second",
        "Slowest rows",
        "Failed rows (1)",
        "user_id: 208*********0002",
        "Runs",
        "completed",
    ] {
        assert!(t.contains(words), "the browser shows {words:?}:\n{t}");
    }
    assert!(!t.contains(FROZEN), "{t}");
    assert!(
        shown.chart_width > 300.0,
        "the chart is drawn wide: {}",
        shown.chart_width
    );
    assert!(shown.bars_drawn >= 1, "the chart has bars on screen");
}
