//! Each fault kind: what the client sees (ErrorKind) and what the sandbox did (state).

use std::time::{Duration, Instant};

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::{CallOptions, ErrorKind};
use alipay_marketing_sandbox::{Fault, FaultPlan, Sandbox};

use crate::common::*;

fn send(out_biz_no: &str) -> VoucherSendRequest {
    VoucherSendRequest::new("TPL-FIXED-10", out_biz_no).user_id(DEMO_USER)
}

fn vouchers(sandbox: &Sandbox) -> u64 {
    sandbox.state()["vouchers"]["count"]
        .as_u64()
        .expect("count")
}

fn once(fault: Fault) -> FaultPlan {
    FaultPlan::new().script(Some(VOUCHER), [fault])
}

#[tokio::test]
async fn error_before_effect_applies_nothing_and_a_retry_succeeds() {
    let (sandbox, client) = start().await;
    sandbox
        .arm_faults(once(Fault::ErrorBeforeEffect))
        .expect("arm");
    let e = client.send_voucher(&send("f-1")).await.expect_err("fault");
    assert_eq!(
        gateway_codes(&e),
        ("20000".into(), "isp.unknow-error".into())
    );
    assert!(e.is_retryable());
    assert_eq!(vouchers(&sandbox), 0);
    client.send_voucher(&send("f-1")).await.expect("retry");
    assert_eq!(vouchers(&sandbox), 1);
    assert_eq!(
        sandbox.state()["faults_hit"][VOUCHER]["error_before_effect"],
        1
    );
}

#[tokio::test]
async fn error_after_effect_applies_once_and_the_retry_gets_the_same_voucher() {
    let (sandbox, client) = start().await;
    sandbox
        .arm_faults(once(Fault::ErrorAfterEffect))
        .expect("arm");
    let e = client.send_voucher(&send("f-2")).await.expect_err("fault");
    assert_eq!(
        gateway_codes(&e),
        ("20000".into(), "isp.unknow-error".into())
    );
    // The effect happened although the client was told otherwise.
    let state = sandbox.state();
    assert_eq!(state["vouchers"]["count"], 1);
    let issued = state["vouchers"]["issued"][0]["voucher_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let retry = client
        .send_voucher(&send("f-2"))
        .await
        .expect("retry with the same key");
    assert_eq!(retry.voucher_id, issued);
    assert_eq!(vouchers(&sandbox), 1);
}

#[tokio::test]
async fn dropped_connection_is_a_transport_error_and_applies_nothing() {
    let (sandbox, client) = start().await;
    sandbox
        .arm_faults(once(Fault::DropConnection))
        .expect("arm");
    let e = client
        .send_voucher(&send("f-3"))
        .await
        .expect_err("dropped");
    assert_eq!(e.kind(), ErrorKind::Transport, "{e:?}");
    assert!(e.request_may_have_been_sent());
    assert_eq!(vouchers(&sandbox), 0);
    assert_eq!(calls(&sandbox, VOUCHER, "fault/drop_connection"), 1);
    client
        .send_voucher(&send("f-3"))
        .await
        .expect("the next call goes through");
}

#[tokio::test]
async fn http_502_is_an_http_error_and_applies_nothing() {
    let (sandbox, client) = start().await;
    sandbox.arm_faults(once(Fault::Http502)).expect("arm");
    let e = client.send_voucher(&send("f-4")).await.expect_err("502");
    assert_eq!(e.kind(), ErrorKind::Http, "{e:?}");
    assert_eq!(e.http_status(), Some(502));
    assert!(e.to_string().contains("502 Bad Gateway"), "{e}");
    assert_eq!(vouchers(&sandbox), 0);
    assert_eq!(calls(&sandbox, VOUCHER, "fault/http_502"), 1);
}

#[tokio::test]
async fn throttling_is_40005_and_applies_nothing() {
    let (sandbox, client) = start().await;
    sandbox.arm_faults(once(Fault::Throttle)).expect("arm");
    let e = client
        .send_voucher(&send("f-5"))
        .await
        .expect_err("throttled");
    assert_eq!(
        gateway_codes(&e),
        ("40005".into(), "isv.app-call-limited".into())
    );
    assert!(e.is_retryable());
    assert_eq!(vouchers(&sandbox), 0);
}

#[tokio::test]
async fn latency_beyond_the_client_deadline_is_a_timeout_and_the_call_still_lands() {
    let (sandbox, client) = start().await;
    sandbox
        .arm_faults(once(Fault::Latency(Duration::from_millis(1500))))
        .expect("arm");
    let e = client
        .call(
            &send("f-6"),
            &CallOptions::with_timeout(Duration::from_millis(200)),
        )
        .await
        .expect_err("timeout");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    // The delayed call is applied once it wakes up; the retry with the same key returns the same voucher.
    let retry = client.send_voucher(&send("f-6")).await.expect("retry");
    let deadline = Instant::now() + Duration::from_secs(10);
    while sandbox.state()["calls"][VOUCHER]["total"].as_u64() != Some(2) {
        assert!(
            Instant::now() < deadline,
            "the delayed call never completed: {}",
            sandbox.state()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let state = sandbox.state();
    assert_eq!(state["vouchers"]["count"], 1);
    assert_eq!(
        state["vouchers"]["issued"][0]["voucher_id"],
        retry.voucher_id.as_str()
    );
    assert_eq!(state["faults_hit"][VOUCHER]["latency"], 1);
}

#[tokio::test]
async fn faults_are_per_method_and_scripts_run_in_order() {
    let (sandbox, client) = start().await;
    sandbox
        .arm_faults(FaultPlan::new().script(
            Some(POINTS),
            [Fault::Throttle, Fault::Pass, Fault::ErrorBeforeEffect],
        ))
        .expect("arm");
    client
        .send_voucher(&send("m-1"))
        .await
        .expect("other methods are untouched");
    let points = |id: &str| {
        alipay_marketing::api::points::PointsUpdateRequest::new(
            id,
            DEMO_USER,
            "STAMP-CARD-01",
            alipay_marketing::api::points::TransType::Consume,
            1,
        )
    };
    assert_eq!(
        gateway_codes(&client.update_points(&points("m-2")).await.expect_err("1st")).0,
        "40005"
    );
    client
        .update_points(&points("m-3"))
        .await
        .expect("2nd passes");
    assert_eq!(
        gateway_codes(&client.update_points(&points("m-4")).await.expect_err("3rd")).0,
        "20000"
    );
    client
        .update_points(&points("m-5"))
        .await
        .expect("script used up");
    assert_eq!(
        sandbox.state()["faults_armed"].as_array().map(Vec::len),
        Some(0)
    );
}

#[tokio::test]
async fn a_rate_of_one_hits_every_call_until_cleared() {
    let (sandbox, client) = start().await;
    sandbox
        .arm_faults(FaultPlan::new().rate(None, Fault::Throttle, 1.0).seed(3))
        .expect("arm");
    for i in 0..3 {
        let e = client
            .send_voucher(&send(&format!("r-{i}")))
            .await
            .expect_err("throttled");
        assert_eq!(gateway_codes(&e).0, "40005");
    }
    sandbox.clear_faults();
    client.send_voucher(&send("r-9")).await.expect("cleared");
    assert_eq!(calls(&sandbox, VOUCHER, "40005/isv.app-call-limited"), 3);
}

#[tokio::test]
async fn seeded_rates_repeat_across_sandboxes() {
    let mut outcomes = Vec::new();
    for _ in 0..2 {
        let (sandbox, client) = start().await;
        sandbox
            .arm_faults(
                FaultPlan::new()
                    .rate(Some(VOUCHER), Fault::ErrorBeforeEffect, 0.5)
                    .seed(11),
            )
            .expect("arm");
        let mut run = Vec::new();
        for i in 0..12 {
            run.push(client.send_voucher(&send(&format!("s-{i}"))).await.is_ok());
        }
        assert!(
            run.contains(&true) && run.contains(&false),
            "rate 0.5 over 12 calls: {run:?}"
        );
        outcomes.push(run);
    }
    assert_eq!(outcomes[0], outcomes[1]);
}

/// The answer faults apply the call; the client must refuse the forged answer and the retry with the same key
/// must return the voucher that was issued.
async fn forged_success_is_refused(fault: Fault, out_biz_no: &str) -> alipay_marketing::Error {
    let (sandbox, client) = start().await;
    sandbox.arm_faults(once(fault)).expect("arm");
    let e = client
        .send_voucher(&send(out_biz_no))
        .await
        .expect_err("a forged answer is never a success");
    assert!(e.outcome_unknown(), "{e:?}");
    let state = sandbox.state();
    assert_eq!(state["vouchers"]["count"], 1, "the call was applied");
    assert_eq!(state["faults_hit"][VOUCHER][fault.name()], 1);
    assert_eq!(
        calls(&sandbox, VOUCHER, &format!("fault/{}", fault.name())),
        1
    );
    let issued = state["vouchers"]["issued"][0]["voucher_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let retry = client
        .send_voucher(&send(out_biz_no))
        .await
        .expect("the retry with the same key gets the genuine answer");
    assert_eq!(retry.voucher_id, issued);
    assert_eq!(vouchers(&sandbox), 1);
    e
}

#[tokio::test]
async fn a_tampered_success_is_a_signature_error() {
    let e = forged_success_is_refused(Fault::TamperedAnswer, "forged-1").await;
    assert_eq!(e.kind(), ErrorKind::Signature, "{e:?}");
}

#[tokio::test]
async fn a_wrongly_signed_success_is_a_signature_error() {
    let e = forged_success_is_refused(Fault::WrongSignature, "forged-2").await;
    assert_eq!(e.kind(), ErrorKind::Signature, "{e:?}");
}

#[tokio::test]
async fn an_unsigned_success_is_never_a_success() {
    let e = forged_success_is_refused(Fault::UnsignedAnswer, "forged-3").await;
    assert_eq!(e.kind(), ErrorKind::Signature, "{e:?}");
    assert!(e.to_string().contains("unsigned"), "{e}");
}

#[tokio::test]
async fn an_unsigned_business_error_leaves_the_outcome_unknown() {
    let (sandbox, client) = start().await;
    sandbox
        .arm_faults(once(Fault::UnsignedAnswer))
        .expect("arm");
    let e = client
        .send_voucher(&VoucherSendRequest::new("TPL-NO-SUCH", "forged-4").user_id(DEMO_USER))
        .await
        .expect_err("refused");
    assert!(
        e.outcome_unknown(),
        "an unsigned refusal settles nothing: {e:?}"
    );
    assert_eq!(calls(&sandbox, VOUCHER, "fault/unsigned_answer"), 1);
}

#[tokio::test]
async fn answer_faults_are_armed_over_http_as_json() {
    let (sandbox, client) = start().await;
    let armed = reqwest::Client::new()
        .post(format!("{}/faults", sandbox.admin_url()))
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"rules":[{{"method":"{VOUCHER}","script":["tampered_answer","wrong_signature","unsigned_answer"]}}]}}"#
        ))
        .send()
        .await
        .expect("arm");
    assert_eq!(armed.status(), 200);
    for (i, name) in ["tampered_answer", "wrong_signature", "unsigned_answer"]
        .into_iter()
        .enumerate()
    {
        let e = client
            .send_voucher(&send(&format!("forged-http-{i}")))
            .await
            .expect_err(name);
        assert_eq!(e.kind(), ErrorKind::Signature, "{name}: {e:?}");
        assert_eq!(calls(&sandbox, VOUCHER, &format!("fault/{name}")), 1);
    }
    client
        .send_voucher(&send("forged-http-9"))
        .await
        .expect("script used up");
}

#[tokio::test]
async fn a_signed_success_without_its_fields_is_unreadable_with_the_key_and_counted_as_a_failure() {
    let e = forged_success_is_refused(Fault::IncompleteAnswer, "incomplete-1").await;
    assert_eq!(e.kind(), ErrorKind::Decode, "{e:?}");
    assert_eq!(e.idempotency_key(), Some("incomplete-1"), "{e:?}");
    assert!(e.attempts() >= 1, "{e:?}");
    assert!(e.to_string().contains("voucher_id"), "{e}");
}

#[tokio::test]
async fn an_incomplete_answer_counts_as_a_failure_in_the_client_stats() {
    let (sandbox, client) = start().await;
    sandbox
        .arm_faults(once(Fault::IncompleteAnswer))
        .expect("arm");
    client
        .send_voucher(&send("incomplete-2"))
        .await
        .expect_err("unreadable");
    let stats = client.stats();
    assert_eq!(stats.calls, 1);
    assert_eq!(stats.successes, 0);
    let failed: Vec<_> = stats.failures.into_iter().filter(|(_, n)| *n > 0).collect();
    assert_eq!(failed, vec![(ErrorKind::Decode, 1)]);
}
