//! Campaigns through the `alipay-marketing` program against the sandbox with a fifth of the calls faulted (half of
//! those applied with the answer lost), killed with SIGKILL at random moments while the journal shows progress,
//! and resumed each time: every row is applied exactly once, and the results file agrees with the sandbox.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use alipay_marketing_sandbox::{Fault, FaultPlan, Scenario};
use common::{Gateway, Rng, journal_count, read_csv, user};

/// A fifth of the calls of `method` fail: half applied with the answer lost, the rest refused or cut off before
/// the effect. (Throttling has its own test: the window it shrinks would only make this one slow.)
fn arm_faults(gw: &Gateway, method: &str) {
    let m = Some(method);
    gw.sandbox
        .arm_faults(
            FaultPlan::new()
                .rate(m, Fault::ErrorAfterEffect, 0.10)
                .rate(m, Fault::ErrorBeforeEffect, 0.05)
                .rate(m, Fault::DropConnection, 0.05)
                .seed(11),
        )
        .unwrap();
}

/// Runs `args` again and again, each time killing the program with SIGKILL once the journal shows that this run
/// got at least one more row done and at least the next randomly drawn number of rows are done; then runs it to
/// the end. Returns the last run's output.
fn run_with_kills(
    gw: &Gateway,
    args: &[&str],
    journal: &Path,
    rows: u64,
    kills: usize,
) -> common::Outcome {
    let mut rng = Rng::from_env_or_clock();
    let mut moments: Vec<u64> = (0..kills)
        .map(|_| rows / 20 + rng.below(rows * 17 / 20))
        .collect();
    moments.sort_unstable();
    for (i, moment) in moments.iter().enumerate() {
        let done_before = journal_count(journal, "done");
        let mut child = gw
            .cli(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let done = journal_count(journal, "done");
            if done > done_before && done >= *moment {
                child.kill().unwrap();
                let status = child.wait().unwrap();
                assert!(!status.success(), "kill {} came after the run ended", i + 1);
                eprintln!(
                    "kill {} of {kills}: SIGKILL at {done} done (aimed at {moment})",
                    i + 1
                );
                break;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "run {} ended ({status}) before the kill at {moment} done rows (it had {done})",
                    i + 1
                );
            }
            assert!(Instant::now() < deadline, "no progress to {moment} rows");
            // Polling the journal, not waiting for a guessed time: the kill follows what the journal shows.
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let last = gw.run(args);
    assert_eq!(last.code(), 0, "the resumed run completes: {}", last.text());
    last
}

fn csv_col(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap()
}

#[test]
fn a_killed_and_resumed_voucher_campaign_issues_each_voucher_once() {
    const N: usize = 10_000;
    let mut scenario = Scenario::default();
    for i in 0..N {
        common::add_user(&mut scenario, &user(i));
    }
    let gw = Gateway::start(scenario);
    let method = "alipay.marketing.voucher.send";
    arm_faults(&gw, method);
    let mut text = String::from("user_id,memo\n");
    for i in 0..N {
        text.push_str(&format!("{},新客礼券\n", user(i)));
    }
    std::fs::write(gw.path("users.csv"), text).unwrap();
    let args = [
        "run",
        "--method",
        "voucher.send",
        "--template-id",
        "TPL-FIXED-10",
        "users.csv",
        "--concurrency",
        "16",
        "--settle-rounds",
        "40",
        "--attempt-timeout",
        "5",
        "--max-attempts",
        "2",
    ];
    let last = run_with_kills(&gw, &args, &gw.path("users.journal.sqlite"), N as u64, 5);
    assert!(
        last.stderr()
            .contains(&format!("{N} rows — {N} done, 0 failed")),
        "{}",
        last.text()
    );

    let state = gw.sandbox.state();
    let issued = state["vouchers"]["issued"].as_array().unwrap();
    assert_eq!(issued.len(), N, "exactly {N} vouchers in the sandbox");
    let by_key: BTreeMap<&str, &serde_json::Value> = issued
        .iter()
        .map(|v| (v["out_biz_no"].as_str().unwrap(), v))
        .collect();
    assert_eq!(by_key.len(), N, "no out_biz_no issued twice");
    let users: BTreeSet<&str> = issued
        .iter()
        .map(|v| v["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(users.len(), N, "no user got two vouchers");

    let (header, rows) = read_csv(&gw.path("users.results.csv"));
    assert_eq!(rows.len(), N);
    let (key, status, voucher, uid) = (
        csv_col(&header, "key"),
        csv_col(&header, "status"),
        csv_col(&header, "voucher_id"),
        csv_col(&header, "user_id"),
    );
    for row in &rows {
        assert_eq!(row[status], "done", "{row:?}");
        let found = by_key
            .get(row[key].as_str())
            .unwrap_or_else(|| panic!("key {} is not in the sandbox", row[key]));
        assert_eq!(found["voucher_id"], row[voucher].as_str(), "{row:?}");
        assert_eq!(found["user_id"], row[uid].as_str(), "{row:?}");
    }

    let status = gw.run(&["status", "users.csv"]);
    assert_eq!(status.code(), 0, "{}", status.text());
    assert!(
        status.stdout().contains("runs: 6,") && status.stdout().contains(&format!("{N} done")),
        "{}",
        status.text()
    );
}

#[test]
fn a_killed_and_resumed_points_deposit_campaign_leaves_exact_balances() {
    const N: usize = 2_000;
    const CARD: &str = "STAMP-CARD-01";
    let mut scenario = Scenario::default();
    for i in 0..N {
        common::add_user(&mut scenario, &user(i));
        common::add_account(&mut scenario, CARD, &user(i), 100);
    }
    let gw = Gateway::start(scenario);
    arm_faults(&gw, "koubei.marketing.tool.points.update");
    let amount = |i: usize| (i % 50 + 1) as u64;
    let mut text = String::from("user_id,trans_amount,biz_no\n");
    for i in 0..N {
        text.push_str(&format!("{},{},trade-{i:06}\n", user(i), amount(i)));
    }
    std::fs::write(gw.path("deposits.csv"), text).unwrap();
    let args = [
        "run",
        "--method",
        "points.update",
        "--activity-account",
        CARD,
        "--trans-type",
        "DEPOSIT",
        "deposits.csv",
        "--settle-rounds",
        "40",
        "--attempt-timeout",
        "5",
        "--max-attempts",
        "2",
    ];
    run_with_kills(&gw, &args, &gw.path("deposits.journal.sqlite"), N as u64, 3);

    let state = gw.sandbox.state();
    let balances: BTreeMap<String, u64> = state["points"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["activity_account"] == CARD)
        .map(|a| {
            (
                a["user_id"].as_str().unwrap().to_owned(),
                a["available"].as_u64().unwrap(),
            )
        })
        .collect();
    for i in 0..N {
        assert_eq!(
            balances[&user(i)],
            100 + amount(i),
            "balance of row {i}: each deposit applied exactly once"
        );
    }
    let moves = state["points"]["moves"].as_array().unwrap();
    assert_eq!(moves.len(), N, "one points movement per row");
    let (header, rows) = read_csv(&gw.path("deposits.results.csv"));
    let (key, log) = (csv_col(&header, "key"), csv_col(&header, "point_log_no"));
    let by_req: BTreeMap<&str, &str> = moves
        .iter()
        .map(|m| {
            (
                m["req_id"].as_str().unwrap(),
                m["point_log_no"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows.len(), N);
    for row in &rows {
        assert_eq!(
            by_req.get(row[key].as_str()),
            Some(&row[log].as_str()),
            "{row:?}"
        );
    }
}

#[test]
fn a_killed_and_resumed_invite_campaign_awards_each_new_user_once() {
    const N: usize = 1_000;
    let gw = Gateway::start(Scenario::default());
    arm_faults(&gw, "alipay.user.invite.award.receive");
    let mobile = |i: usize| format!("139{i:08}");
    let mut text = String::from("mobile\n");
    for i in 0..N {
        text.push_str(&format!("{}\n", mobile(i)));
    }
    std::fs::write(gw.path("invites.csv"), text).unwrap();
    let args = [
        "run",
        "--method",
        "invite.award.receive",
        "invites.csv",
        "--settle-rounds",
        "40",
        "--attempt-timeout",
        "5",
        "--max-attempts",
        "2",
    ];
    run_with_kills(&gw, &args, &gw.path("invites.journal.sqlite"), N as u64, 2);
    let state = gw.sandbox.state();
    let activity = &state["invite"]["activities"]["INVITE-DEFAULT"];
    assert_eq!(activity["new_awards"], N, "{activity}");
    let awarded: BTreeSet<&str> = activity["new_awarded_mobiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    let expected: BTreeSet<String> = (0..N).map(mobile).collect();
    assert_eq!(
        awarded,
        expected.iter().map(String::as_str).collect::<BTreeSet<_>>()
    );
    let (header, rows) = read_csv(&gw.path("invites.results.csv"));
    let (status, code) = (
        csv_col(&header, "status"),
        csv_col(&header, "biz_result_code"),
    );
    assert_eq!(rows.len(), N);
    for row in &rows {
        assert_eq!(row[status], "done", "{row:?}");
        assert!(!row[code].is_empty(), "{row:?}");
    }
}
