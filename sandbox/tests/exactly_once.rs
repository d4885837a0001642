//! Exactly once under faults: thousands of calls with a fifth of them faulted — half of those "effect applied,
//! response lost", the rest latency spikes, dropped connections, 502 pages and throttling — all end as successes,
//! and the sandbox's own state shows every operation applied exactly once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use alipay_marketing::api::points::{PointsUpdateRequest, TransType};
use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::{Client, RetryPolicy};
use alipay_marketing_sandbox::{Config, Fault, FaultPlan, Sandbox, Scenario};
use serde_json::{Value, json};

const VOUCHER: &str = "alipay.marketing.voucher.send";
const POINTS: &str = "koubei.marketing.tool.points.update";
const CONCURRENCY: usize = 64;

/// 20% of the calls of `method` faulted: 10% effect-applied-then-lost, 2.5% each of the four other kinds. Rules
/// are checked in order, so each later rate is conditioned on the earlier ones not firing.
fn faults(method: &str, seed: u64) -> FaultPlan {
    let m = Some(method);
    let mut plan = FaultPlan::new().rate(m, Fault::ErrorAfterEffect, 0.10);
    let mut left = 0.90;
    for fault in [
        Fault::Latency(Duration::from_millis(400)),
        Fault::DropConnection,
        Fault::Http502,
        Fault::Throttle,
    ] {
        plan = plan.rate(m, fault, 0.025 / left);
        left -= 0.025;
    }
    plan.seed = Some(seed);
    plan
}

/// Patient enough that a call meets a fault-free attempt: 12 attempts at 20% faults leave ~4e-9 per call.
fn resilient_client(sandbox: &Sandbox) -> Client {
    sandbox
        .client_builder()
        .attempt_timeout(Duration::from_millis(250))
        .timeout(Duration::from_secs(60))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(12)
                .backoff(Duration::from_millis(5), Duration::from_millis(40)),
        )
        .build()
        .unwrap()
}

fn user(i: usize) -> String {
    format!("2088{:012}", 500_000_000 + i)
}

/// Runs `job(i)` for i in 0..n on `CONCURRENCY` tasks.
async fn run_all<F, Fut>(n: usize, job: F)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let job = Arc::new(job);
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (next, job) = (next.clone(), job.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                job(i).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

fn fault_counts(state: &Value, method: &str) -> Value {
    state["calls"][method]["outcomes"].clone()
}

/// Checks the sandbox really met every kind of fault. Each request ends with exactly one `10000` seen by the
/// client; the extra `10000`s are latency spikes that the client abandoned at its attempt timeout but the sandbox
/// completed (their retries were idempotent replays).
fn assert_fault_mix(outcomes: &Value, calls: usize) {
    let count = |name: &str| outcomes[name].as_u64().unwrap_or(0);
    assert!(
        count("20000/isp.unknow-error") > calls as u64 / 20,
        "{outcomes}"
    );
    assert!(
        count("10000") > calls as u64,
        "no latency spike outlived an attempt: {outcomes}"
    );
    for fault in [
        "40005/isv.app-call-limited",
        "fault/drop_connection",
        "fault/http_502",
    ] {
        assert!(count(fault) > 0, "{fault} never happened: {outcomes}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_vouchers_under_faults_are_each_sent_exactly_once() {
    const N: usize = 10_000;
    let mut scenario = Scenario::default();
    for i in 0..N {
        scenario
            .users
            .push(serde_json::from_value(json!({"user_id": user(i)})).unwrap());
    }
    let sandbox = Sandbox::start(Config::default().scenario(scenario))
        .await
        .unwrap();
    sandbox.arm_faults(faults(VOUCHER, 7)).unwrap();
    let client = resilient_client(&sandbox);
    let stats_client = client.clone();

    let ids = Arc::new(std::sync::Mutex::new(Vec::with_capacity(N)));
    let sink = ids.clone();
    run_all(N, move |i| {
        let (client, sink) = (client.clone(), sink.clone());
        async move {
            let request =
                VoucherSendRequest::new("TPL-FIXED-10", format!("eo-{i}")).user_id(user(i));
            let sent = client
                .send_voucher(&request)
                .await
                .unwrap_or_else(|e| panic!("voucher {i}: {e}"));
            sink.lock().unwrap().push((i, sent.voucher_id));
        }
    })
    .await;

    let ids = ids.lock().unwrap().clone();
    assert_eq!(ids.len(), N, "every call reported success");
    let state = sandbox.state();
    let issued = state["vouchers"]["issued"].as_array().unwrap();
    let ours: Vec<&Value> = issued
        .iter()
        .filter(|v| v["out_biz_no"].as_str().unwrap().starts_with("eo-"))
        .collect();
    assert_eq!(
        ours.len(),
        N,
        "exactly one voucher per request in the sandbox"
    );
    let mut keys: Vec<&str> = ours
        .iter()
        .map(|v| v["out_biz_no"].as_str().unwrap())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), N, "no duplicated out_biz_no");
    let mut voucher_ids: Vec<&str> = ids.iter().map(|(_, id)| id.as_str()).collect();
    voucher_ids.sort_unstable();
    voucher_ids.dedup();
    assert_eq!(voucher_ids.len(), N, "the client saw N distinct vouchers");
    for v in &ours {
        let i: usize = v["out_biz_no"].as_str().unwrap()[3..].parse().unwrap();
        assert_eq!(v["user_id"], user(i).as_str());
        assert_eq!(
            v["voucher_id"],
            ids.iter().find(|(j, _)| *j == i).unwrap().1.as_str()
        );
    }

    let outcomes = fault_counts(&state, VOUCHER);
    let stats = stats_client.stats();
    eprintln!("voucher outcomes: {outcomes}\nclient: {stats:?}");
    assert_fault_mix(&outcomes, N);
    assert_eq!(stats.successes, N as u64);
    assert!(stats.retries > N as u64 / 10, "{stats:?}");
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_deposit_freeze_commit_sequences_under_faults_leave_exact_balances() {
    const SEQUENCES: usize = 5_000;
    const ACCOUNTS: usize = 100;
    let mut scenario = Scenario::default();
    for a in 0..ACCOUNTS {
        scenario
            .users
            .push(serde_json::from_value(json!({"user_id": user(a)})).unwrap());
        scenario.accounts.push(
            serde_json::from_value(
                json!({"activity_account": "STAMP-CARD-01", "user_id": user(a), "available": 0}),
            )
            .unwrap(),
        );
    }
    let sandbox = Sandbox::start(Config::default().scenario(scenario))
        .await
        .unwrap();
    sandbox.arm_faults(faults(POINTS, 11)).unwrap();
    let client = resilient_client(&sandbox);

    // Sequence k on account k % ACCOUNTS: deposit 10 + k % 7, freeze and commit 3 + k % 5 of them.
    let deposit = |k: usize| 10 + (k % 7) as u64;
    let spend = |k: usize| 3 + (k % 5) as u64;
    run_all(SEQUENCES, move |k| {
        let client = client.clone();
        async move {
            let who = user(k % ACCOUNTS);
            let call = |req: PointsUpdateRequest| {
                let client = client.clone();
                async move {
                    client
                        .update_points(&req)
                        .await
                        .unwrap_or_else(|e| panic!("sequence {k}: {e}"))
                }
            };
            call(
                PointsUpdateRequest::new(
                    format!("dep-{k}"),
                    &who,
                    "STAMP-CARD-01",
                    TransType::Deposit,
                    deposit(k),
                )
                .biz_no(format!("TRADE{k:08}")),
            )
            .await;
            let frozen = call(PointsUpdateRequest::new(
                format!("frz-{k}"),
                &who,
                "STAMP-CARD-01",
                TransType::Freeze,
                spend(k),
            ))
            .await;
            call(
                PointsUpdateRequest::new(
                    format!("com-{k}"),
                    &who,
                    "STAMP-CARD-01",
                    TransType::Commit,
                    spend(k),
                )
                .biz_no(frozen.point_log_no),
            )
            .await;
        }
    })
    .await;

    let state = sandbox.state();
    for a in 0..ACCOUNTS {
        let expected: u64 = (a..SEQUENCES)
            .step_by(ACCOUNTS)
            .map(|k| deposit(k) - spend(k))
            .sum();
        let account = state["points"]["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|acct| {
                acct["user_id"] == user(a).as_str() && acct["activity_account"] == "STAMP-CARD-01"
            })
            .unwrap_or_else(|| panic!("account {a} missing"));
        assert_eq!(account["available"], expected, "account {a}: {account}");
        assert_eq!(account["frozen"], 0, "account {a}: {account}");
    }
    let outcomes = fault_counts(&state, POINTS);
    eprintln!("points outcomes: {outcomes}");
    assert_fault_mix(&outcomes, SEQUENCES * 3);
    sandbox.stop().await;
}
