//! The admin HTTP API: state, faults as JSON, reset.

use alipay_marketing::ErrorKind;
use alipay_marketing::api::voucher::VoucherSendRequest;

use crate::common::*;

#[tokio::test]
async fn state_over_http_is_the_same_json_as_state() {
    let (sandbox, client) = start().await;
    client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "h-1").user_id(DEMO_USER))
        .await
        .expect("sent");
    let over_http = get_json(format!("{}/state", sandbox.admin_url())).await;
    assert_eq!(over_http, sandbox.state());
    assert_eq!(over_http["vouchers"]["count"], 1);
    assert_eq!(over_http["calls"][VOUCHER]["total"], 1);
}

#[tokio::test]
async fn faults_are_armed_and_cleared_over_http() {
    let (sandbox, client) = start().await;
    let http = reqwest::Client::new();
    let armed = http
        .post(format!("{}/faults", sandbox.admin_url()))
        .body(r#"{"rules":[{"method":"alipay.marketing.voucher.send","script":["http_502","drop_connection"]}]}"#)
        .send()
        .await
        .expect("arm");
    assert_eq!(armed.status(), 200);
    let e = client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "h-2").user_id(DEMO_USER))
        .await
        .expect_err("502");
    assert_eq!(e.kind(), ErrorKind::Http);
    let cleared = http
        .delete(format!("{}/faults", sandbox.admin_url()))
        .send()
        .await
        .expect("clear");
    assert_eq!(cleared.status(), 200);
    client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "h-2").user_id(DEMO_USER))
        .await
        .expect("no fault left");
}

#[tokio::test]
async fn a_bad_fault_plan_is_refused_with_the_reason() {
    let (sandbox, _client) = start().await;
    let response = reqwest::Client::new()
        .post(format!("{}/faults", sandbox.admin_url()))
        .body(r#"{"rules":[{"script":["explode"]}]}"#)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 400);
    let body: serde_json::Value =
        serde_json::from_str(&response.text().await.expect("body")).expect("JSON");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or("")
            .contains("unknown fault \"explode\""),
        "{body}"
    );
}

#[tokio::test]
async fn reset_returns_to_the_scenario() {
    let (sandbox, client) = start().await;
    client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "h-3").user_id(DEMO_USER))
        .await
        .expect("sent");
    let before_reset = sandbox.state();
    assert_eq!(before_reset["vouchers"]["count"], 1);
    let response = reqwest::Client::new()
        .post(format!("{}/reset", sandbox.admin_url()))
        .send()
        .await
        .expect("reset");
    assert_eq!(response.status(), 200);
    let state = sandbox.state();
    assert_eq!(state["vouchers"]["count"], 0);
    assert_eq!(state["total_calls"], 0);
    assert_eq!(state["points"]["accounts"][0]["available"], 100);
    // The idempotency key is forgotten too: the same request issues a new voucher.
    client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "h-3").user_id(DEMO_USER))
        .await
        .expect("sent again");
    assert_eq!(sandbox.state()["vouchers"]["count"], 1);
    sandbox.reset();
    assert_eq!(sandbox.state()["vouchers"]["count"], 0);
}
