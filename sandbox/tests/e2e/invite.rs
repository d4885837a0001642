//! alipay.user.invite.award.receive: NEW/OLD users, limits, activity states, parameters, idempotency.

use alipay_marketing::api::invite::{BizResultCode, InviteAwardRequest, UserAttr};

use crate::common::*;

#[tokio::test]
async fn new_user_is_awarded_once_then_already_awarded() {
    let (sandbox, client) = start().await;
    let request = InviteAwardRequest::new().mobile("13912345678");
    let first = client.receive_invite_award(&request).await.expect("first");
    assert_eq!(first.biz_result_code, BizResultCode::NewAwardSuccess);
    assert_eq!(first.user_attr, Some(UserAttr::New));
    assert_eq!(first.mobile.as_deref(), Some("13912345678"));
    assert!(first.alipay_account_no.is_empty());
    let second = client.receive_invite_award(&request).await.expect("second");
    assert_eq!(second.biz_result_code, BizResultCode::NewAlreadyAward);
    let state = sandbox.state();
    assert_eq!(
        state["invite"]["activities"]["INVITE-DEFAULT"]["new_awards"],
        1
    );
    assert_eq!(
        state["invite"]["activities"]["INVITE-DEFAULT"]["new_awarded_mobiles"][0],
        "13912345678"
    );
    assert_eq!(calls(&sandbox, INVITE, "10000/NEW_ALREADY_AWARD"), 1);
}

#[tokio::test]
async fn old_user_is_awarded_up_to_the_limit_with_masked_accounts() {
    let (sandbox, client) = start().await;
    let request = InviteAwardRequest::new().mobile("13800000001");
    for _ in 0..3 {
        let award = client.receive_invite_award(&request).await.expect("award");
        assert_eq!(award.biz_result_code, BizResultCode::OldAwardSuccess);
        assert_eq!(award.user_attr, Some(UserAttr::Old));
        assert_eq!(
            award.alipay_account_no,
            ["de***@example.com", "138****0001"]
        );
    }
    let over = client
        .receive_invite_award(&request)
        .await
        .expect("over limit is a result, not an error");
    assert_eq!(over.biz_result_code, BizResultCode::OldAwardOverLimit);
    let state = sandbox.state();
    assert_eq!(
        state["invite"]["activities"]["INVITE-DEFAULT"]["old_awards_by_user"][DEMO_USER],
        3
    );
    assert_eq!(calls(&sandbox, INVITE, "10000/OLD_AWARD_OVER_LIMIT"), 1);
}

#[tokio::test]
async fn user_id_wins_over_mobile() {
    let (_sandbox, client) = start().await;
    let award = client
        .receive_invite_award(
            &InviteAwardRequest::new()
                .user_id(DEMO_USER)
                .mobile("13999999999"),
        )
        .await
        .expect("award");
    assert_eq!(award.user_attr, Some(UserAttr::Old));
    assert_eq!(award.biz_result_code, BizResultCode::OldAwardSuccess);
}

#[tokio::test]
async fn paused_and_closed_activities_award_nothing() {
    let (sandbox, client) = start().await;
    let paused = InviteAwardRequest::new()
        .mobile("13912340000")
        .out_biz_code("PAUSED-ACT");
    assert_eq!(
        client
            .receive_invite_award(&paused)
            .await
            .expect("paused")
            .biz_result_code,
        BizResultCode::ActivityPause
    );
    let closed = InviteAwardRequest::new()
        .mobile("13912340000")
        .out_biz_code("CLOSED-ACT");
    assert_eq!(
        client
            .receive_invite_award(&closed)
            .await
            .expect("closed")
            .biz_result_code,
        BizResultCode::ActivityClose
    );
    let state = sandbox.state();
    assert_eq!(state["invite"]["activities"]["PAUSED-ACT"]["new_awards"], 0);
    assert_eq!(state["invite"]["activities"]["CLOSED-ACT"]["new_awards"], 0);
    // The same person is still NEW for the open default activity.
    let open = InviteAwardRequest::new().mobile("13912340000");
    assert_eq!(
        client
            .receive_invite_award(&open)
            .await
            .expect("open")
            .biz_result_code,
        BizResultCode::NewAwardSuccess
    );
}

#[tokio::test]
async fn unknown_activity_is_invalid_parameter() {
    let (_sandbox, client) = start().await;
    let e = client
        .receive_invite_award(
            &InviteAwardRequest::new()
                .mobile("13912340000")
                .out_biz_code("NO-SUCH-ACT"),
        )
        .await
        .expect_err("unknown activity");
    assert_eq!(
        gateway_codes(&e),
        ("40004".into(), "INVALID_PARAMETER".into())
    );
    assert!(
        e.gateway_error()
            .and_then(|g| g.sub_msg.as_deref())
            .unwrap_or("")
            .contains("NO-SUCH-ACT")
    );
}

#[tokio::test]
async fn malformed_or_empty_mobile_is_invalid_parameter() {
    // The client refuses these before sending, so they go through execute.
    let (sandbox, client) = start().await;
    for (biz, says) in [
        (
            r#"{"mobile":"1380000"}"#,
            "mobile must be a mainland-China mobile number",
        ),
        (
            r#"{"mobile":"23800000001"}"#,
            "mobile must be a mainland-China mobile number",
        ),
        (r#"{"mobile":""}"#, "mobile is empty"),
        (r#"{"out_biz_no":"x"}"#, "mobile or user_id is required"),
    ] {
        let e = client.execute(INVITE, biz).await.expect_err(biz);
        assert_eq!(
            gateway_codes(&e),
            ("40004".into(), "INVALID_PARAMETER".into()),
            "{biz}"
        );
        let sub_msg = e
            .gateway_error()
            .and_then(|g| g.sub_msg.clone())
            .unwrap_or_default();
        assert!(sub_msg.contains(says), "{biz}: {sub_msg}");
    }
    assert_eq!(calls(&sandbox, INVITE, "40004/INVALID_PARAMETER"), 4);
}

#[tokio::test]
async fn same_out_biz_no_replays_and_different_parameters_are_refused() {
    let (sandbox, client) = start().await;
    let request = InviteAwardRequest::new()
        .mobile("13800000001")
        .out_biz_no("inv-1");
    let first = client.receive_invite_award(&request).await.expect("first");
    let replay = client.receive_invite_award(&request).await.expect("replay");
    assert_eq!(first, replay);
    assert_eq!(
        sandbox.state()["invite"]["activities"]["INVITE-DEFAULT"]["old_awards_by_user"][DEMO_USER],
        1
    );
    let other = InviteAwardRequest::new()
        .mobile("13912345678")
        .out_biz_no("inv-1");
    let e = client
        .receive_invite_award(&other)
        .await
        .expect_err("key reused");
    assert_eq!(
        gateway_codes(&e),
        ("40004".into(), "INVALID_PARAMETER".into())
    );
    assert!(
        e.to_string()
            .contains("out_biz_no was already used with different parameters"),
        "{e}"
    );
    assert_eq!(
        sandbox.state()["invite"]["activities"]["INVITE-DEFAULT"]["new_awards"],
        0
    );
}
