//! Several workers on one campaign: three `alipay-marketing campaign run` processes share a PostgreSQL journal
//! (a real server the test starts) for a file of three merchants × 3,000 voucher rows, with 20% injected faults
//! (half of them "applied, response lost"); one worker is SIGKILLed mid-run. The others take its merchant over when
//! its lease expires, and the campaign ends with exactly 9,000 vouchers, none twice, each merchant's rows sent
//! for that merchant, and a results file whose every voucher id is the sandbox's.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use alipay_marketing_sandbox::{Fault, FaultPlan, Scenario};
use common::pg::PgServer;
use common::{Gateway, read_csv, user};

const VOUCHER: &str = "alipay.marketing.voucher.send";
const MERCHANTS: [&str; 3] = [
    "202405BBmerchantA00000001",
    "202405BBmerchantB00000002",
    "202405BBmerchantC00000003",
];
const ROWS_PER_MERCHANT: usize = 3_000;

fn done_rows(url: &str) -> i64 {
    let Ok(mut client) = postgres::Client::connect(url, postgres::NoTls) else {
        return 0;
    };
    client
        .query_one(
            "SELECT COUNT(*) FROM alipay_campaign_rows WHERE state = 'done'",
            &[],
        )
        .map_or(0, |r| r.get(0))
}

/// The rows not done, for assertion messages.
fn not_done(url: &str) -> Vec<String> {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client
        .query(
            "SELECT seq, merchant, state, attempts, owner, error_kind, error_message FROM alipay_campaign_rows \
             WHERE state <> 'done' ORDER BY seq",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {} attempts={} owner={:?} {:?} {:?}",
                r.get::<_, i64>(0),
                r.get::<_, String>(1),
                r.get::<_, String>(2),
                r.get::<_, i32>(3),
                r.get::<_, Option<String>>(4),
                r.get::<_, Option<String>>(5),
                r.get::<_, Option<String>>(6)
            )
        })
        .collect()
}

fn spawn_worker(gw: &Gateway, url: &str, n: usize) -> Child {
    let out_dir = format!("worker-{n}");
    gw.cli(&[
        "run",
        "--method",
        "voucher.send",
        "--template-id",
        "TPL-FIXED-10",
        "--column",
        "app_auth_token=merchant",
        "merchants.csv",
        "--concurrency",
        "8",
        "--journal",
        url,
        "--lease-seconds",
        "5",
        "--out-dir",
        &out_dir,
        "--quiet",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap()
}

#[test]
fn three_workers_share_a_campaign_and_a_killed_one_is_taken_over() {
    let Some(pg) = PgServer::start() else { return };
    let url = pg.database("workers");
    let mut scenario = Scenario::default();
    for i in 0..ROWS_PER_MERCHANT {
        common::add_user(&mut scenario, &user(i));
    }
    let gw = Gateway::start(scenario);
    let mut csv = String::from("user_id,merchant\n");
    for i in 0..ROWS_PER_MERCHANT {
        for merchant in MERCHANTS {
            csv.push_str(&format!("{},{merchant}\n", user(i)));
        }
    }
    std::fs::write(gw.path("merchants.csv"), csv).unwrap();
    gw.sandbox
        .arm_faults(
            FaultPlan::new()
                .rate(Some(VOUCHER), Fault::ErrorAfterEffect, 0.10)
                .rate(Some(VOUCHER), Fault::ErrorBeforeEffect, 0.05)
                .rate(Some(VOUCHER), Fault::DropConnection, 0.05)
                .seed(14),
        )
        .unwrap();

    let mut workers: Vec<Child> = (0..3).map(|n| spawn_worker(&gw, &url, n)).collect();
    let started = Instant::now();
    while done_rows(&url) < 1_500 {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the workers made no progress:\n{}",
            pg.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let victim = workers.remove(0);
    let ok = std::process::Command::new("kill")
        .args(["-KILL", &victim.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -9 a worker");
    let killed = victim.wait_with_output().unwrap();
    assert!(!killed.status.success(), "the worker was killed");

    for (n, worker) in workers.into_iter().enumerate() {
        let out = common::Outcome(worker.wait_with_output().unwrap());
        assert_eq!(
            out.code(),
            0,
            "worker {}: {}\nrows not done: {:#?}",
            n + 1,
            out.text(),
            not_done(&url)
        );
    }

    let total = MERCHANTS.len() * ROWS_PER_MERCHANT;
    let state = gw.sandbox.state();
    let vouchers = state["vouchers"]["issued"].as_array().unwrap();
    assert_eq!(vouchers.len(), total, "every row once across the kill");
    let keys: BTreeSet<&str> = vouchers
        .iter()
        .map(|v| v["out_biz_no"].as_str().unwrap())
        .collect();
    assert_eq!(keys.len(), total, "no key was applied twice");
    let mut per_user: BTreeMap<&str, usize> = BTreeMap::new();
    for v in vouchers {
        *per_user.entry(v["user_id"].as_str().unwrap()).or_default() += 1;
    }
    assert!(
        per_user.values().all(|&n| n == MERCHANTS.len()),
        "each user got one voucher per merchant"
    );
    for merchant in MERCHANTS {
        let sends = state["app_auth_tokens"][merchant]["methods"][VOUCHER]
            .as_u64()
            .unwrap_or(0);
        assert!(
            sends >= ROWS_PER_MERCHANT as u64,
            "{merchant}: {sends} sends for its {ROWS_PER_MERCHANT} rows"
        );
    }
    let sent_for_someone: u64 = MERCHANTS
        .iter()
        .map(|m| {
            state["app_auth_tokens"][*m]["methods"][VOUCHER]
                .as_u64()
                .unwrap_or(0)
        })
        .sum();
    assert_eq!(
        sent_for_someone,
        gw.calls(VOUCHER),
        "every call carried its row's merchant"
    );

    // Each worker writes the results of the whole campaign when it ends; the last one to end saw every row done.
    let by_key: BTreeMap<&str, &str> = vouchers
        .iter()
        .map(|v| {
            (
                v["out_biz_no"].as_str().unwrap(),
                v["voucher_id"].as_str().unwrap(),
            )
        })
        .collect();
    let results = (1..3)
        .map(|n| read_csv(&gw.path(&format!("worker-{n}/merchants.results.csv"))))
        .max_by_key(|(header, rows)| {
            let status = header.iter().position(|h| h == "status").unwrap();
            rows.iter().filter(|r| r[status] == "done").count()
        })
        .unwrap();
    let (header, rows) = results;
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (status, key, voucher_id) = (col("status"), col("key"), col("voucher_id"));
    assert_eq!(rows.len(), total);
    for row in &rows {
        assert_eq!(row[status], "done", "{row:?}");
        assert_eq!(by_key[row[key].as_str()], row[voucher_id], "{row:?}");
    }
}
