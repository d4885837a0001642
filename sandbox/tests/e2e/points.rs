//! koubei.marketing.tool.points.update: DEPOSIT, FREEZE, COMMIT, CANCEL, CONSUME, biz_no rules, idempotency.

use alipay_marketing::Client;
use alipay_marketing::api::points::{PointsUpdateRequest, TransType};
use alipay_marketing_sandbox::Sandbox;

use crate::common::*;

const CARD: &str = "STAMP-CARD-01";

fn req(req_id: &str, t: TransType, amount: u64) -> PointsUpdateRequest {
    PointsUpdateRequest::new(req_id, DEMO_USER, CARD, t, amount)
}

fn balance(sandbox: &Sandbox) -> (u64, u64) {
    let state = sandbox.state();
    let account = state["points"]["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["activity_account"] == CARD && a["user_id"] == DEMO_USER)
        .expect("the demo account")
        .clone();
    (
        account["available"].as_u64().expect("available"),
        account["frozen"].as_u64().expect("frozen"),
    )
}

async fn freeze(client: &Client, req_id: &str, amount: u64) -> String {
    client
        .update_points(&req(req_id, TransType::Freeze, amount))
        .await
        .expect("freeze")
        .point_log_no
}

#[tokio::test]
async fn deposit_freeze_commit_moves_points() {
    let (sandbox, client) = start().await;
    assert_eq!(balance(&sandbox), (100, 0));
    client
        .update_points(
            &req("r1", TransType::Deposit, 10)
                .biz_no("trade-1")
                .shop_id("shop-1"),
        )
        .await
        .expect("deposit");
    assert_eq!(balance(&sandbox), (110, 0));
    let log_no = freeze(&client, "r2", 30).await;
    assert_eq!(balance(&sandbox), (80, 30));
    let state = sandbox.state();
    assert_eq!(
        state["points"]["freezes"][0]["point_log_no"],
        log_no.as_str()
    );
    assert_eq!(state["points"]["freezes"][0]["status"], "FROZEN");
    client
        .update_points(&req("r3", TransType::Commit, 30).biz_no(&log_no))
        .await
        .expect("commit");
    assert_eq!(balance(&sandbox), (80, 0));
    assert_eq!(
        sandbox.state()["points"]["freezes"][0]["status"],
        "COMMITTED"
    );
}

#[tokio::test]
async fn cancel_returns_frozen_points_and_a_settled_freeze_is_biz_error() {
    let (sandbox, client) = start().await;
    let log_no = freeze(&client, "c1", 40).await;
    client
        .update_points(&req("c2", TransType::Cancel, 40).biz_no(&log_no))
        .await
        .expect("cancel");
    assert_eq!(balance(&sandbox), (100, 0));
    let e = client
        .update_points(&req("c3", TransType::Commit, 40).biz_no(&log_no))
        .await
        .expect_err("commit after cancel");
    assert_eq!(gateway_codes(&e), ("40004".into(), "BIZ_ERROR".into()));
    assert!(e.to_string().contains("already cancelled"), "{e}");
    assert_eq!(balance(&sandbox), (100, 0));
}

#[tokio::test]
async fn consume_and_insufficient_points() {
    let (sandbox, client) = start().await;
    client
        .update_points(&req("s1", TransType::Consume, 60))
        .await
        .expect("consume");
    assert_eq!(balance(&sandbox), (40, 0));
    let e = client
        .update_points(&req("s2", TransType::Consume, 41))
        .await
        .expect_err("too many");
    assert_eq!(gateway_codes(&e), ("40004".into(), "BIZ_ERROR".into()));
    let e = client
        .update_points(&req("s3", TransType::Freeze, 41))
        .await
        .expect_err("too many to freeze");
    assert_eq!(gateway_codes(&e), ("40004".into(), "BIZ_ERROR".into()));
    assert_eq!(balance(&sandbox), (40, 0));
    assert_eq!(calls(&sandbox, POINTS, "40004/BIZ_ERROR"), 2);
}

#[tokio::test]
async fn biz_no_rules_and_unknown_accounts_are_invalid_parameter() {
    let (sandbox, client) = start().await;
    let e = client
        .update_points(&req("b1", TransType::Commit, 5).biz_no("PL-NOT-A-FREEZE"))
        .await
        .expect_err("unknown freeze");
    assert_eq!(
        gateway_codes(&e),
        ("40004".into(), "INVALID_PARAMETER".into())
    );
    let log_no = freeze(&client, "b2", 5).await;
    let e = client
        .update_points(&req("b3", TransType::Commit, 4).biz_no(&log_no))
        .await
        .expect_err("amount differs from the freeze");
    assert!(e.to_string().contains("differs from the 5 points"), "{e}");
    let e = client
        .update_points(&PointsUpdateRequest::new(
            "b4",
            DEMO_USER,
            "NO-SUCH-CARD",
            TransType::Consume,
            1,
        ))
        .await
        .expect_err("unknown account");
    assert_eq!(
        gateway_codes(&e),
        ("40004".into(), "INVALID_PARAMETER".into())
    );
    // Rules the client enforces too, sent raw to check the gateway side.
    let raw = [
        (
            r#"{"req_id":"b5","user_id":"2088000000000001","activity_account":"STAMP-CARD-01","trans_type":"FREEZE","trans_amount":"1","biz_no":"x"}"#,
            "biz_no must be absent for FREEZE",
        ),
        (
            r#"{"req_id":"b6","user_id":"2088000000000001","activity_account":"STAMP-CARD-01","trans_type":"DEPOSIT","trans_amount":"1"}"#,
            "biz_no is required for DEPOSIT",
        ),
        (
            r#"{"req_id":"b7","user_id":"2088000000000001","activity_account":"STAMP-CARD-01","trans_type":"CONSUME","trans_amount":"0"}"#,
            "not a whole number of points",
        ),
        (
            r#"{"req_id":"b8","user_id":"2088000000000001","activity_account":"STAMP-CARD-01","trans_type":"GIFT","trans_amount":"1"}"#,
            "trans_type \"GIFT\"",
        ),
        (
            r#"{"user_id":"2088000000000001","activity_account":"STAMP-CARD-01","trans_type":"CONSUME","trans_amount":"1"}"#,
            "req_id is required",
        ),
    ];
    for (biz, says) in raw {
        let e = client.execute(POINTS, biz).await.expect_err(biz);
        assert_eq!(
            gateway_codes(&e),
            ("40004".into(), "INVALID_PARAMETER".into()),
            "{biz}"
        );
        assert!(e.to_string().contains(says), "{says}: {e}");
    }
    assert_eq!(balance(&sandbox), (95, 5));
}

#[tokio::test]
async fn req_id_replays_and_is_never_applied_twice() {
    let (sandbox, client) = start().await;
    let deposit = req("i1", TransType::Deposit, 7).biz_no("trade-i1");
    let first = client.update_points(&deposit).await.expect("first");
    let replay = client.update_points(&deposit).await.expect("replay");
    assert_eq!(first.point_log_no, replay.point_log_no);
    assert_eq!(balance(&sandbox), (107, 0));
    let e = client
        .update_points(&req("i1", TransType::Deposit, 8).biz_no("trade-i1"))
        .await
        .expect_err("same req_id, other amount");
    assert_eq!(
        gateway_codes(&e),
        ("40004".into(), "INVALID_PARAMETER".into())
    );
    assert!(
        e.to_string()
            .contains("req_id was already used with different parameters"),
        "{e}"
    );
    assert_eq!(balance(&sandbox), (107, 0));
    assert_eq!(sandbox.state()["idempotency_keys"], 1);
}
