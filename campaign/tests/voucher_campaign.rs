//! A voucher campaign against the sandbox over loopback, with injected faults (a fifth of the calls, half of
//! them applied with the answer lost): every row ends done, exactly one voucher per row in the sandbox, and the
//! results file's voucher ids are the sandbox's.

use std::time::Duration;

use alipay_marketing::RetryPolicy;
use alipay_marketing_campaign::{Campaign, Method, StopHandle};
use alipay_marketing_sandbox::{Config, Fault, FaultPlan, Sandbox, Scenario};
use serde_json::json;

fn user(i: usize) -> String {
    format!("2088{:012}", 700_000_000 + i)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voucher_campaign_under_faults_sends_each_row_once() {
    const N: usize = 500;
    let mut scenario = Scenario::default();
    for i in 0..N {
        scenario
            .users
            .push(serde_json::from_value(json!({"user_id": user(i)})).unwrap());
    }
    let sandbox = Sandbox::start(Config::default().scenario(scenario))
        .await
        .unwrap();
    let m = Some("alipay.marketing.voucher.send");
    sandbox
        .arm_faults(
            FaultPlan::new()
                .rate(m, Fault::ErrorAfterEffect, 0.10)
                .rate(m, Fault::Throttle, 0.05)
                .rate(m, Fault::DropConnection, 0.05)
                .seed(3),
        )
        .unwrap();
    let client = sandbox
        .client_builder()
        .attempt_timeout(Duration::from_millis(500))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(2)
                .backoff(Duration::from_millis(5), Duration::from_millis(20)),
        )
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("users.csv");
    let mut text = String::from("user_id,memo\n");
    for i in 0..N {
        text.push_str(&format!("{},新客礼券\n", user(i)));
    }
    std::fs::write(&input, text).unwrap();
    let mut campaign = Campaign::new(Method::VoucherSend, &input);
    campaign
        .constants
        .insert("template_id".into(), "TPL-FIXED-10".into());
    campaign.settle_rounds = 20;
    assert!(campaign.check().unwrap().is_clean());
    let (status, summary) = campaign
        .run(&client, &mut |_| {}, &StopHandle::new())
        .await
        .unwrap();
    assert_eq!(status.as_str(), "completed", "{summary:?}");
    assert_eq!(summary.done, N as u64, "{}", summary.to_text());

    let state = sandbox.state();
    let issued = state["vouchers"]["issued"].as_array().unwrap();
    assert_eq!(issued.len(), N, "exactly one voucher per row");
    let results = std::fs::read_to_string(campaign.results_path()).unwrap();
    let mut reader = csv::Reader::from_reader(results.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let voucher = &record[col("voucher_id")];
        let key = &record[col("key")];
        let found = issued
            .iter()
            .find(|v| v["out_biz_no"] == key)
            .expect("the key is in the sandbox");
        assert_eq!(found["voucher_id"], voucher);
        assert_eq!(found["user_id"], &record[col("user_id")]);
        rows += 1;
    }
    assert_eq!(rows, N);

    // A second run sends nothing: every row is done.
    let (_, again) = campaign
        .run(&client, &mut |_| {}, &StopHandle::new())
        .await
        .unwrap();
    assert_eq!(again.done, N as u64);
    assert_eq!(
        sandbox.state()["vouchers"]["issued"]
            .as_array()
            .unwrap()
            .len(),
        N
    );

    // The same journal with a changed file is refused.
    std::fs::write(&input, format!("user_id,memo\n{},x\n", user(0))).unwrap();
    let e = campaign
        .run(&client, &mut |_| {}, &StopHandle::new())
        .await
        .unwrap_err();
    assert!(e.message().contains("changed since the journal"), "{e}");
    sandbox.stop().await;
}
