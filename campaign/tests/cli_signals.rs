//! Ctrl-C on `alipay-marketing campaign run`: the first stops taking rows and lets the calls in flight finish; a
//! second aborts them (their rows become unknown). Either way the exit code says "interrupted" and running the
//! same command again completes the campaign with each row sent once.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use alipay_marketing_sandbox::{Fault, FaultPlan, Scenario};
use common::{Gateway, journal_count, user};

const N: usize = 120;
const INTERRUPTED: i32 = 130;

fn setup(latency: Duration) -> Gateway {
    let mut scenario = Scenario::default();
    for i in 0..N {
        common::add_user(&mut scenario, &user(i));
    }
    let gw = Gateway::start(scenario);
    gw.sandbox
        .arm_faults(FaultPlan::new().rate(
            Some("alipay.marketing.voucher.send"),
            Fault::Latency(latency),
            1.0,
        ))
        .unwrap();
    let mut text = String::from("user_id\n");
    for i in 0..N {
        text.push_str(&format!("{}\n", user(i)));
    }
    std::fs::write(gw.path("users.csv"), text).unwrap();
    gw
}

const ARGS: [&str; 8] = [
    "run",
    "--method",
    "voucher.send",
    "--template-id",
    "TPL-FIXED-10",
    "users.csv",
    "--concurrency",
    "4",
];

fn interrupt(child: &Child) {
    let ok = Command::new("kill")
        .arg("-INT")
        .arg(child.id().to_string())
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -INT");
}

/// Spawns a run with its standard error read line by line into a channel.
fn spawn(gw: &Gateway) -> (Child, mpsc::Receiver<String>) {
    let mut child = gw
        .cli(&ARGS)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// Waits until the journal shows `rows` done rows (polling what the journal says).
fn wait_for_done(gw: &Gateway, rows: u64) {
    let journal = gw.path("users.journal.sqlite");
    while journal_count(&journal, "done") < rows {
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn wait_for_line(rx: &mpsc::Receiver<String>, words: &str) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no line with {words:?}; saw {seen:#?}"));
        let hit = line.contains(words);
        seen.push(line);
        if hit {
            return seen;
        }
    }
}

fn finish_and_check(gw: &Gateway) {
    gw.sandbox.clear_faults();
    let last = gw.run(&ARGS);
    assert_eq!(last.code(), 0, "{}", last.text());
    let issued = gw.sandbox.state()["vouchers"]["issued"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        issued, N,
        "each row sent once across the interrupted run and the resumed one"
    );
}

#[test]
fn the_first_ctrl_c_drains_the_calls_in_flight() {
    let gw = setup(Duration::from_millis(100));
    let (mut child, rx) = spawn(&gw);
    wait_for_done(&gw, 8);
    interrupt(&child);
    let status = child.wait().unwrap();
    let lines: Vec<String> = rx.iter().collect();
    let text = lines.join("\n");
    assert_eq!(status.code(), Some(INTERRUPTED), "{text}");
    assert!(text.contains("stopping: no new rows are sent"), "{text}");
    assert!(
        text.contains("stopped; run the same command again to resume"),
        "{text}"
    );
    let journal = gw.path("users.journal.sqlite");
    assert_eq!(journal_count(&journal, "in_flight"), 0, "drained: {text}");
    assert_eq!(journal_count(&journal, "unknown"), 0, "drained: {text}");
    assert!(
        journal_count(&journal, "pending") > 0,
        "stopped early: {text}"
    );
    finish_and_check(&gw);
}

#[test]
fn a_second_ctrl_c_aborts_and_the_rows_in_flight_become_unknown() {
    // Calls slow enough that the second Ctrl-C lands while they are in flight.
    let gw = setup(Duration::from_secs(3));
    let (mut child, rx) = spawn(&gw);
    wait_for_done(&gw, 4);
    interrupt(&child);
    wait_for_line(&rx, "stopping:");
    interrupt(&child);
    let status = child.wait().unwrap();
    let text: Vec<String> = rx.iter().collect();
    let text = text.join("\n");
    assert_eq!(status.code(), Some(INTERRUPTED), "{text}");
    assert!(
        text.contains("aborted; run the same command again to resume"),
        "{text}"
    );
    let journal = gw.path("users.journal.sqlite");
    assert_eq!(journal_count(&journal, "in_flight"), 0, "{text}");
    assert!(
        journal_count(&journal, "unknown") > 0,
        "the aborted calls' rows are unknown: {text}"
    );
    finish_and_check(&gw);
}
