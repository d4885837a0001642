//! Settling at scale under faults: 2,000 voucher sends and 1,000 points deposits whose answers are lost after the
//! effect, each settled — while the gateway keeps failing a share of the settling calls — until every one is
//! `Sent` with the voucher_id / point_log_no the sandbox recorded, and the sandbox holds no duplicate. Then sends
//! that failed before the effect: each settles as sent once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use alipay_marketing::api::points::{PointsUpdateRequest, TransType};
use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::{Client, RetryPolicy, Settlement};
use alipay_marketing_sandbox::{Fault, FaultPlan, Sandbox, Scenario};
use serde_json::json;

use crate::common::*;

const SEND: &str = "alipay.marketing.voucher.send";
const POINTS: &str = "koubei.marketing.tool.points.update";
const CONCURRENCY: usize = 32;
/// Settling rounds before a test gives up on a `StillUnknown`; with 20% faults and 6 attempts per settle, one
/// round leaves about 6e-5 of the calls unknown.
const ROUNDS: usize = 5;

fn user(i: usize) -> String {
    format!("2088{:012}", 700_000_000 + i)
}

/// Runs `job(i)` for i in 0..n on `CONCURRENCY` tasks and collects the results in order.
async fn run_all<T, F, Fut>(n: usize, job: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let job = Arc::new(job);
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (next, job) = (next.clone(), job.clone());
        tasks.push(tokio::spawn(async move {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break done;
                }
                done.push((i, job(i).await));
            }
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

/// A client that retries through the settling faults.
fn settling_client(sandbox: &Sandbox) -> Client {
    sandbox
        .client_builder()
        .attempt_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(60))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(6)
                .backoff(Duration::from_millis(2), Duration::from_millis(20)),
        )
        .build()
        .unwrap()
}

/// 20% of the settling calls of `method` fail: answers lost after the effect, dropped connections, 502 pages.
fn settling_faults(method: &str) -> FaultPlan {
    let m = Some(method);
    let mut plan = FaultPlan::new()
        .rate(m, Fault::ErrorAfterEffect, 0.10)
        .rate(m, Fault::DropConnection, 0.05 / 0.90)
        .rate(m, Fault::Http502, 0.05 / 0.85);
    plan.seed = Some(12);
    plan
}

/// Settles with `settle` until no answer is `StillUnknown` (at most `ROUNDS` rounds); returns the final answers.
async fn settle_all<Req, T, F, Fut>(requests: Arc<Vec<Req>>, settle: F) -> Vec<Settlement<T>>
where
    Req: Send + Sync + 'static,
    T: Send + 'static,
    F: Fn(Arc<Vec<Req>>, usize) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = Settlement<T>> + Send,
{
    let n = requests.len();
    let mut answers: Vec<Option<Settlement<T>>> = (0..n).map(|_| None).collect();
    let mut pending: Vec<usize> = (0..n).collect();
    for _ in 0..ROUNDS {
        let indices = Arc::new(pending.clone());
        let (reqs, settle_one, idx) = (requests.clone(), settle.clone(), indices.clone());
        let round = run_all(indices.len(), move |k| settle_one(reqs.clone(), idx[k])).await;
        pending.clear();
        for (k, answer) in round.into_iter().enumerate() {
            let i = indices[k];
            if answer.as_str() == "still_unknown" {
                pending.push(i);
            }
            answers[i] = Some(answer);
        }
        if pending.is_empty() {
            break;
        }
    }
    answers.into_iter().map(|a| a.expect("settled")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_lost_voucher_sends_each_settle_as_sent_with_the_recorded_voucher() {
    const N: usize = 2_000;
    let mut scenario = Scenario::default();
    scenario
        .users
        .extend((0..N).map(|i| crate::common::user(&user(i))));
    let (sandbox, one_attempt) = start_with(scenario).await;
    let requests: Arc<Vec<VoucherSendRequest>> = Arc::new(
        (0..N)
            .map(|i| VoucherSendRequest::new("TPL-FIXED-10", format!("scale-{i}")).user_id(user(i)))
            .collect(),
    );
    // Every answer is lost after the voucher was issued.
    sandbox
        .arm_faults(FaultPlan::new().rate(Some(SEND), Fault::ErrorAfterEffect, 1.0))
        .unwrap();
    let (c, reqs) = (one_attempt.clone(), requests.clone());
    let lost = run_all(N, move |i| {
        let (c, reqs) = (c.clone(), reqs.clone());
        async move {
            c.send_voucher(&reqs[i])
                .await
                .map(|_| ())
                .unwrap_err()
                .outcome_unknown()
        }
    })
    .await;
    assert!(
        lost.iter().all(|&unknown| unknown),
        "every send ended unknown"
    );
    assert_eq!(
        issued_by_key(&sandbox).len(),
        N,
        "each send took effect once"
    );

    sandbox.arm_faults(settling_faults(SEND)).unwrap();
    let client = settling_client(&sandbox);
    let answers = settle_all(requests.clone(), move |reqs, i| {
        let client = client.clone();
        async move { client.settle_voucher(&reqs[i]).await }
    })
    .await;
    sandbox.clear_faults();
    let recorded = issued_by_key(&sandbox);
    assert_eq!(recorded.len(), N, "no second voucher for any out_biz_no");
    assert_eq!(
        sandbox.state()["vouchers"]["count"].as_u64(),
        Some(N as u64),
        "no duplicate"
    );
    for (request, answer) in requests.iter().zip(&answers) {
        let Settlement::Sent(voucher) = answer else {
            panic!("{} did not settle as Sent: {answer:?}", request.out_biz_no);
        };
        assert_eq!(recorded.get(&request.out_biz_no), Some(&voucher.voucher_id));
    }
    let faulted = &sandbox.state()["faults_hit"][SEND];
    assert!(
        faulted["error_after_effect"].as_u64() > Some(N as u64),
        "settling met faults: {faulted}"
    );
    sandbox.stop().await;
}

/// out_biz_no → voucher_id of every voucher the sandbox issued, failing on an out_biz_no issued twice.
fn issued_by_key(sandbox: &Sandbox) -> BTreeMap<String, String> {
    let state = sandbox.state();
    let mut by_key = BTreeMap::new();
    for v in state["vouchers"]["issued"].as_array().unwrap() {
        let key = v["out_biz_no"].as_str().unwrap().to_owned();
        let id = v["voucher_id"].as_str().unwrap().to_owned();
        assert!(
            by_key.insert(key.clone(), id).is_none(),
            "{key} issued twice"
        );
    }
    by_key
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_lost_deposits_each_settle_as_sent_with_the_recorded_log_no() {
    const N: usize = 1_000;
    let mut scenario = Scenario::default();
    for i in 0..N {
        scenario.accounts.push(
            serde_json::from_value(json!({"activity_account": STAMP_CARD, "user_id": user(i)}))
                .unwrap(),
        );
    }
    let (sandbox, one_attempt) = start_with(scenario).await;
    let amount = |i: usize| 1 + (i % 7) as u64;
    let requests: Arc<Vec<PointsUpdateRequest>> = Arc::new(
        (0..N)
            .map(|i| {
                PointsUpdateRequest::new(
                    format!("dep-{i}"),
                    user(i),
                    STAMP_CARD,
                    TransType::Deposit,
                    amount(i),
                )
                .biz_no(format!("trade-{i}"))
            })
            .collect(),
    );
    sandbox
        .arm_faults(FaultPlan::new().rate(Some(POINTS), Fault::ErrorAfterEffect, 1.0))
        .unwrap();
    let (c, reqs) = (one_attempt.clone(), requests.clone());
    let lost = run_all(N, move |i| {
        let (c, reqs) = (c.clone(), reqs.clone());
        async move {
            c.update_points(&reqs[i])
                .await
                .map(|_| ())
                .unwrap_err()
                .outcome_unknown()
        }
    })
    .await;
    assert!(lost.iter().all(|&unknown| unknown));

    sandbox.arm_faults(settling_faults(POINTS)).unwrap();
    let client = settling_client(&sandbox);
    let answers = settle_all(requests.clone(), move |reqs, i| {
        let client = client.clone();
        async move { client.settle_points(&reqs[i]).await }
    })
    .await;
    sandbox.clear_faults();
    let state = sandbox.state();
    let moves = state["points"]["moves"].as_array().unwrap();
    assert_eq!(moves.len(), N, "each deposit moved points once");
    let by_req: BTreeMap<&str, &str> = moves
        .iter()
        .map(|m| {
            (
                m["req_id"].as_str().unwrap(),
                m["point_log_no"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(by_req.len(), N, "no req_id moved twice");
    let log_nos: BTreeSet<&str> = by_req.values().copied().collect();
    assert_eq!(log_nos.len(), N);
    for (i, (request, answer)) in requests.iter().zip(&answers).enumerate() {
        let Settlement::Sent(moved) = answer else {
            panic!("{} did not settle as Sent: {answer:?}", request.req_id);
        };
        assert_eq!(
            by_req.get(request.req_id.as_str()),
            Some(&moved.point_log_no.as_str())
        );
        let balance = client_balance(&state, &user(i));
        assert_eq!(balance, amount(i), "user {i} got the deposit once");
    }
    sandbox.stop().await;
}

fn client_balance(state: &serde_json::Value, user_id: &str) -> u64 {
    state["points"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["user_id"] == user_id && a["activity_account"] == STAMP_CARD)
        .and_then(|a| a["available"].as_u64())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_that_failed_before_the_effect_settle_as_sent_once_or_not_sent() {
    const N: usize = 300;
    let mut scenario = Scenario::default();
    scenario
        .users
        .extend((0..N).map(|i| crate::common::user(&user(i))));
    let (sandbox, one_attempt) = start_with(scenario).await;
    // Every third send goes to the expired template: its settlement must be NotSent.
    let template = |i: usize| {
        if i % 3 == 0 {
            "TPL-EXPIRED"
        } else {
            "TPL-FIXED-10"
        }
    };
    let requests: Arc<Vec<VoucherSendRequest>> = Arc::new(
        (0..N)
            .map(|i| VoucherSendRequest::new(template(i), format!("early-{i}")).user_id(user(i)))
            .collect(),
    );
    let plan = FaultPlan::new()
        .rate(Some(SEND), Fault::ErrorBeforeEffect, 0.5)
        .rate(Some(SEND), Fault::Http502, 1.0);
    sandbox.arm_faults(plan).unwrap();
    let (c, reqs) = (one_attempt.clone(), requests.clone());
    let unknown = run_all(N, move |i| {
        let (c, reqs) = (c.clone(), reqs.clone());
        async move {
            c.send_voucher(&reqs[i])
                .await
                .unwrap_err()
                .outcome_unknown()
        }
    })
    .await;
    assert!(unknown.iter().all(|&u| u));
    assert!(issued_by_key(&sandbox).is_empty(), "nothing took effect");
    sandbox.clear_faults();
    let client = settling_client(&sandbox);
    let answers = settle_all(requests.clone(), move |reqs, i| {
        let client = client.clone();
        async move { client.settle_voucher(&reqs[i]).await }
    })
    .await;
    let recorded = issued_by_key(&sandbox);
    for (i, answer) in answers.iter().enumerate() {
        let key = format!("early-{i}");
        match (template(i), answer) {
            ("TPL-EXPIRED", Settlement::NotSent(refusal)) => {
                assert_eq!(gateway_codes(refusal).1, "TEMPLATE_EXPIRED");
                assert!(!recorded.contains_key(&key));
            }
            ("TPL-FIXED-10", Settlement::Sent(v)) => {
                assert_eq!(recorded.get(&key), Some(&v.voucher_id))
            }
            (t, other) => panic!("{key} ({t}) settled as {other:?}"),
        }
    }
    assert_eq!(
        recorded.len(),
        N - N.div_ceil(3),
        "each sendable one sent once"
    );
    sandbox.stop().await;
}
