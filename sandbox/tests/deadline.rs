//! A gateway slower than the caller's deadline: the call fails on time, says its outcome is unknown and carries
//! its idempotency key — and the retry with that key finds the voucher the slow call did send.

use std::time::{Duration, Instant};

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::{CallOptions, ErrorKind};
use alipay_marketing_sandbox::{Config, Fault, FaultPlan, Sandbox};

const VOUCHER: &str = "alipay.marketing.voucher.send";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_latency_fault_longer_than_the_deadline_fails_the_call_on_time_with_the_key() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let deadline = Duration::from_millis(1000);
    // How late the call returns is measured by `cargo bench -p alipay-marketing --bench resilience`; this test checks
    // what the caller is told and that retrying with the key finds the one voucher the slow call sent.
    for round in 0..3 {
        sandbox
            .arm_faults(
                FaultPlan::new()
                    .script(Some(VOUCHER), [Fault::Latency(Duration::from_millis(3000))]),
            )
            .unwrap();
        let request = VoucherSendRequest::new("TPL-FIXED-10", format!("deadline-{round}"))
            .user_id("2088000000000001");
        let started = Instant::now();
        let error = client
            .call(&request, &CallOptions::with_timeout(deadline))
            .await
            .unwrap_err();
        let elapsed = started.elapsed();
        assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
        assert!(error.outcome_unknown());
        assert_eq!(
            error.idempotency_key(),
            Some(format!("deadline-{round}").as_str())
        );
        assert!(elapsed >= deadline, "{elapsed:?}");

        // The slow call goes on in the sandbox and sends the voucher; the retry with the key gets that voucher.
        let ours = || {
            let issued = sandbox.state()["vouchers"]["issued"].clone();
            issued
                .as_array()
                .unwrap()
                .iter()
                .filter(|v| v["out_biz_no"] == request.out_biz_no)
                .cloned()
                .collect::<Vec<_>>()
        };
        let waiting_since = Instant::now();
        while ours().is_empty() {
            assert!(
                waiting_since.elapsed() < Duration::from_secs(60),
                "the slow call never sent its voucher"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let sent = client.send_voucher(&request).await.unwrap();
        let ours = ours();
        assert_eq!(ours.len(), 1, "one voucher, not two");
        assert_eq!(ours[0]["voucher_id"], sent.voucher_id.as_str());
    }
    sandbox.stop().await;
}
