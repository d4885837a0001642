//! One client for many merchants: the per-call `app_auth_token`, against the gateway emulator.

use std::time::Duration;

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::limits::MIN_QPS;
use alipay_marketing::{CallOptions, ErrorKind, RetryPolicy};
use alipay_marketing_sandbox::Sandbox;
use serde_json::Value;

const MERCHANT_A: &str = "202405BBmerchantA00000001";
const MERCHANT_B: &str = "202405BBmerchantB00000002";
const OWN: &str = "202405BBclientsown0000003";

fn voucher(out_biz_no: &str) -> VoucherSendRequest {
    VoucherSendRequest::new("TPL-FIXED-10", out_biz_no).user_id("2088000000000001")
}

/// method → calls, per token, as the sandbox counted them.
fn calls_of(sandbox: &Sandbox, token: &str) -> Value {
    sandbox.state()["app_auth_tokens"][token]["methods"].clone()
}

#[tokio::test]
async fn each_call_carries_its_own_merchant_token_through_one_client() {
    let sandbox = Sandbox::start(Default::default()).await.unwrap();
    let client = sandbox
        .client_builder()
        .app_auth_token(OWN)
        .build()
        .unwrap();
    let a = CallOptions::for_merchant(MERCHANT_A);
    let b = CallOptions::default().app_auth_token(MERCHANT_B);
    client.call(&voucher("order-a-1"), &a).await.unwrap();
    client.call(&voucher("order-a-2"), &a).await.unwrap();
    client.call(&voucher("order-b-1"), &b).await.unwrap();
    client
        .execute_with(
            "alipay.marketing.voucher.templatedetail.query",
            r#"{"template_id":"TPL-FIXED-10"}"#,
            &b,
        )
        .await
        .unwrap();
    // No per-call token, or a blank one: the client's own.
    client.send_voucher(&voucher("order-own-1")).await.unwrap();
    client
        .call(&voucher("order-own-2"), &CallOptions::for_merchant("  "))
        .await
        .unwrap();

    assert_eq!(
        calls_of(&sandbox, MERCHANT_A),
        serde_json::json!({"alipay.marketing.voucher.send": 2})
    );
    assert_eq!(
        calls_of(&sandbox, MERCHANT_B),
        serde_json::json!({
            "alipay.marketing.voucher.send": 1,
            "alipay.marketing.voucher.templatedetail.query": 1
        })
    );
    assert_eq!(
        calls_of(&sandbox, OWN),
        serde_json::json!({"alipay.marketing.voucher.send": 2})
    );
    assert_eq!(client.stats().successes, 6);
}

#[tokio::test]
async fn the_dry_run_signs_the_per_call_token_in_place_of_the_clients() {
    let sandbox = Sandbox::start(Default::default()).await.unwrap();
    let client = sandbox
        .client_builder()
        .app_auth_token(OWN)
        .build()
        .unwrap();
    let prepared = client
        .prepare_with(&voucher("order-1"), &CallOptions::for_merchant(MERCHANT_A))
        .unwrap();
    let token: Vec<_> = prepared
        .form
        .iter()
        .filter(|(k, _)| k == "app_auth_token")
        .collect();
    assert_eq!(
        token,
        [&("app_auth_token".to_owned(), MERCHANT_A.to_owned())]
    );
    assert!(
        prepared
            .sign_content
            .contains(&format!("&app_auth_token={MERCHANT_A}&")),
        "{}",
        prepared.sign_content
    );
    assert!(!prepared.sign_content.contains(OWN));
    assert!(
        prepared
            .body
            .ends_with(&format!("app_auth_token={MERCHANT_A}"))
    );
    let own = client.prepare(&voucher("order-1")).unwrap();
    assert!(own.sign_content.contains(&format!("app_auth_token={OWN}&")));
    let execute = client
        .prepare_execute_with(
            "alipay.marketing.voucher.query",
            r#"{"voucher_id":"1"}"#,
            &CallOptions::for_merchant(MERCHANT_B),
        )
        .unwrap();
    assert!(execute.body.contains(MERCHANT_B));
}

/// A call with `options` fails as an `InvalidRequest` on `field`, before anything could have been sent.
async fn refused_before_sending(
    client: &alipay_marketing::Client,
    options: &CallOptions,
    field: &str,
) {
    let e = client.call(&voucher("order-1"), options).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.field()),
        (ErrorKind::InvalidRequest, Some(field)),
        "{e}"
    );
    assert!(!e.request_may_have_been_sent());
}

#[tokio::test]
async fn a_bad_per_call_token_is_refused_before_anything_is_sent() {
    let sandbox = Sandbox::start(Default::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    for (bad, says) in [
        ("202405BB\nmerchant", "control character"),
        ("202405BB\0merchant", "control character"),
        (" 202405BBmerchant", "whitespace"),
    ] {
        let options = CallOptions::for_merchant(bad);
        let e = options.validate().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        assert_eq!(e.field(), Some("app_auth_token"));
        assert!(e.message().contains(says), "{e}");
        assert!(
            !e.to_string().contains("merchant"),
            "the token stays out: {e}"
        );
        refused_before_sending(&client, &options, "app_auth_token").await;
        let e = client
            .prepare_with(&voucher("order-1"), &options)
            .unwrap_err();
        assert_eq!(e.field(), Some("app_auth_token"));
    }
    assert_eq!(sandbox.state()["total_calls"], 0);
    assert!(CallOptions::for_merchant("").validate().is_ok());
}

#[tokio::test]
async fn a_per_call_deadline_out_of_range_is_refused_before_anything_is_sent() {
    let sandbox = Sandbox::start(Default::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    for (bad, says) in [
        (Duration::ZERO, "greater than zero"),
        (Duration::from_secs(2 * 86_400), "longer than"),
        (Duration::MAX, "longer than"),
    ] {
        let options = CallOptions::with_timeout(bad);
        let e = options.validate().unwrap_err();
        assert_eq!(
            (e.kind(), e.field()),
            (ErrorKind::InvalidRequest, Some("timeout"))
        );
        assert!(e.message().contains(says), "{e}");
        refused_before_sending(&client, &options, "timeout").await;
    }
    assert_eq!(sandbox.state()["total_calls"], 0);
}

#[tokio::test]
async fn the_rate_limit_keeps_one_bucket_per_merchant() {
    let sandbox = Sandbox::start(Default::default()).await.unwrap();
    // One call per hour, no burst: a second call in the same bucket cannot get a slot before its deadline.
    let client = sandbox
        .client_builder()
        .app_auth_token(OWN)
        .rate_limit(MIN_QPS, 1)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let deadline = Duration::from_secs(10);
    let a = CallOptions::for_merchant(MERCHANT_A).timeout(deadline);
    let b = CallOptions::for_merchant(MERCHANT_B).timeout(deadline);
    let own = CallOptions::with_timeout(deadline);
    client.call(&voucher("order-a-1"), &a).await.unwrap();
    let e = client.call(&voucher("order-a-2"), &a).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(!e.request_may_have_been_sent());
    assert!(e.message().contains("app_auth_token"), "{e}");
    // Merchant B and the client's own calls have buckets of their own.
    client.call(&voucher("order-b-1"), &b).await.unwrap();
    client.call(&voucher("order-own-1"), &own).await.unwrap();
    // The client's own token given per call is the client's own bucket.
    let e = client
        .call(
            &voucher("order-own-2"),
            &CallOptions::for_merchant(OWN).timeout(deadline),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert_eq!(sandbox.state()["total_calls"], 3);
}

#[test]
fn debug_output_masks_the_token() {
    let options = CallOptions::for_merchant(MERCHANT_A).retry(RetryPolicy::none());
    let shown = format!("{options:?}");
    assert!(shown.contains("2024****0001"), "{shown}");
    assert!(!shown.contains("merchantA"), "{shown}");
    assert_eq!(options.app_auth_token.as_deref(), Some(MERCHANT_A));
}

#[tokio::test]
async fn a_signature_mismatch_masks_the_per_call_token() {
    let sandbox = Sandbox::start(Default::default()).await.unwrap();
    let client = sandbox
        .client_builder()
        .private_key(alipay_marketing::PrivateKey::generate().unwrap())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client
        .call(&voucher("order-1"), &CallOptions::for_merchant(MERCHANT_A))
        .await
        .unwrap_err();
    let mismatch = error
        .signature_mismatch()
        .expect("the sandbox echoes its sign string");
    assert!(mismatch.ours_unmasked().contains(MERCHANT_A));
    for shown in [
        &mismatch.ours,
        &mismatch.gateways,
        &format!("{mismatch:?}"),
        &error.to_string(),
        &format!("{error:?}"),
    ] {
        assert!(!shown.contains("merchantA"), "{shown}");
    }
    assert!(
        mismatch.ours.contains("app_auth_token=2024****0001"),
        "{}",
        mismatch.ours
    );
}

#[tokio::test]
async fn settling_resends_for_the_same_merchant() {
    use alipay_marketing::Settlement;
    use alipay_marketing_sandbox::{Fault, FaultPlan};
    let sandbox = Sandbox::start(Default::default()).await.unwrap();
    let client = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    sandbox
        .arm_faults(FaultPlan::new().script(
            Some("alipay.marketing.voucher.send"),
            [Fault::ErrorAfterEffect],
        ))
        .unwrap();
    let a = CallOptions::for_merchant(MERCHANT_A);
    let request = voucher("order-settle-1");
    let error = client.call(&request, &a).await.unwrap_err();
    assert!(error.outcome_unknown(), "{error}");
    let Settlement::Sent(sent) = client.settle_voucher_after_with(&request, &error, &a).await
    else {
        panic!("the first call took effect");
    };
    assert!(!sent.voucher_id.is_empty());
    assert_eq!(sandbox.state()["vouchers"]["count"], 1);
    assert_eq!(
        calls_of(&sandbox, MERCHANT_A),
        serde_json::json!({"alipay.marketing.voucher.send": 2})
    );
}
