//! Settling one unknown outcome at a time: each answer (`Sent`, `NotSent`, `StillUnknown`) in the situation that
//! produces it, checked against the sandbox's own record.

use alipay_marketing::api::invite::InviteAwardRequest;
use alipay_marketing::api::points::{PointsUpdateRequest, TransType};
use alipay_marketing::api::template_create::TemplateCreateRequest;
use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::sign::beijing_timestamp;
use alipay_marketing::{ErrorKind, Settlement};
use alipay_marketing_sandbox::{Fault, FaultPlan, Sandbox};
use serde_json::json;

use crate::common::*;

const SEND: &str = "alipay.marketing.voucher.send";

fn lose_next(sandbox: &Sandbox, method: &str, fault: Fault) {
    sandbox
        .arm_faults(FaultPlan::new().script(Some(method), [fault]))
        .unwrap();
}

fn issued(sandbox: &Sandbox) -> Vec<serde_json::Value> {
    sandbox.state()["vouchers"]["issued"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_send_applied_then_lost_settles_as_sent_with_the_recorded_voucher() {
    let (sandbox, client) = start().await;
    let request = VoucherSendRequest::new("TPL-FIXED-10", "lost-1").user_id(USER);
    lose_next(&sandbox, SEND, Fault::ErrorAfterEffect);
    let error = client.send_voucher(&request).await.unwrap_err();
    assert!(error.outcome_unknown(), "{error:?}");
    let settled = client.settle_voucher_after(&request, &error).await;
    let Settlement::Sent(voucher) = settled else {
        panic!("expected Sent, got {settled:?}");
    };
    let record = issued(&sandbox);
    assert_eq!(record.len(), 1, "no second voucher");
    assert_eq!(
        record[0]["voucher_id"].as_str(),
        Some(voucher.voucher_id.as_str())
    );
    // Settling again answers the same.
    let again = client.settle_voucher(&request).await;
    assert_eq!(
        again.sent().map(|v| v.voucher_id.clone()),
        Some(voucher.voucher_id)
    );
    assert_eq!(issued(&sandbox).len(), 1);
    sandbox.stop().await;
}

#[tokio::test]
async fn a_send_that_failed_before_the_effect_is_sent_once_by_settling() {
    let (sandbox, client) = start().await;
    let request = VoucherSendRequest::new("TPL-FIXED-10", "early-1").user_id(USER);
    lose_next(&sandbox, SEND, Fault::ErrorBeforeEffect);
    let error = client.send_voucher(&request).await.unwrap_err();
    assert!(error.outcome_unknown());
    assert!(issued(&sandbox).is_empty());
    let settled = client.settle_voucher(&request).await;
    assert_eq!(settled.as_str(), "sent", "{settled:?}");
    assert_eq!(issued(&sandbox).len(), 1);
    sandbox.stop().await;
}

#[tokio::test]
async fn a_send_the_gateway_refuses_settles_as_not_sent_after_the_cross_check() {
    let (sandbox, client) = start().await;
    let request = VoucherSendRequest::new("TPL-EXPIRED", "refused-1").user_id(USER);
    lose_next(&sandbox, SEND, Fault::ErrorBeforeEffect);
    let error = client.send_voucher(&request).await.unwrap_err();
    assert!(error.outcome_unknown());
    let settled = client.settle_voucher_after(&request, &error).await;
    let Settlement::NotSent(refusal) = settled else {
        panic!("expected NotSent, got {settled:?}");
    };
    assert_eq!(gateway_codes(&refusal).1, "TEMPLATE_EXPIRED");
    assert_eq!(
        sandbox.state()["calls"]["alipay.marketing.voucher.list.query"]["total"].as_u64(),
        Some(1),
        "the refusal was cross-checked"
    );
    assert!(issued(&sandbox).is_empty());
    sandbox.stop().await;
}

#[tokio::test]
async fn a_refusal_while_the_user_holds_vouchers_of_the_template_stays_unknown() {
    let (sandbox, client) = start().await;
    let now = std::time::SystemTime::now();
    let window = (
        beijing_timestamp(now - std::time::Duration::from_secs(60)),
        beijing_timestamp(now + std::time::Duration::from_secs(86_400)),
    );
    let template = TemplateCreateRequest::fixed("held-tpl", "礼券", "5.00", 10)
        .publish_window(window.0, window.1)
        .valid_for(1, "DAY");
    let id = client.create_template(&template).await.unwrap().template_id;
    let first = VoucherSendRequest::new(id.as_str(), "held-1").user_id(USER);
    client.send_voucher(&first).await.unwrap();
    let second = VoucherSendRequest::new(id.as_str(), "held-2").user_id(USER);
    lose_next(&sandbox, SEND, Fault::ErrorBeforeEffect);
    client.send_voucher(&second).await.unwrap_err();
    let (status, _) = admin_templates(&sandbox, json!({"template_id": id, "expire": true})).await;
    assert_eq!(status, 200);
    let settled = client.settle_voucher(&second).await;
    let Settlement::StillUnknown(e) = settled else {
        panic!("expected StillUnknown, got {settled:?}");
    };
    assert!(e.message().contains("cannot be told apart"), "{e}");
    assert_eq!(issued(&sandbox).len(), 1);
    sandbox.stop().await;
}

#[tokio::test]
async fn a_gateway_still_failing_leaves_the_outcome_unknown() {
    let (sandbox, client) = start().await;
    let request = VoucherSendRequest::new("TPL-FIXED-10", "down-1").user_id(USER);
    sandbox
        .arm_faults(FaultPlan::new().rate(Some(SEND), Fault::DropConnection, 1.0))
        .unwrap();
    let settled = client.settle_voucher(&request).await;
    let Settlement::StillUnknown(e) = settled else {
        panic!("expected StillUnknown, got {settled:?}");
    };
    assert_eq!(e.kind(), ErrorKind::Transport, "{e:?}");
    sandbox.clear_faults();
    assert!(client.settle_voucher(&request).await.is_sent());
    assert_eq!(issued(&sandbox).len(), 1);
    sandbox.stop().await;
}

#[tokio::test]
async fn settling_refuses_what_it_cannot_settle_naming_the_field() {
    let (sandbox, client) = start().await;
    let bad = VoucherSendRequest::new("TPL-FIXED-10", "bad-1").user_id("2088");
    let settled = client.settle_voucher(&bad).await;
    assert_eq!(settled.as_str(), "not_sent");
    assert_eq!(invalid_field(settled.error().unwrap()), "user_id");

    let one = VoucherSendRequest::new("TPL-FIXED-10", "one").user_id(USER);
    let other = VoucherSendRequest::new("TPL-FIXED-10", "other").user_id(USER);
    lose_next(&sandbox, SEND, Fault::ErrorAfterEffect);
    let error = client.send_voucher(&one).await.unwrap_err();
    let settled = client.settle_voucher_after(&other, &error).await;
    assert_eq!(settled.as_str(), "still_unknown");
    assert_eq!(invalid_field(settled.error().unwrap()), "out_biz_no");

    let unkeyed = client
        .settle_invite(&InviteAwardRequest::new().mobile("13800000009"))
        .await;
    assert_eq!(unkeyed.as_str(), "still_unknown");
    assert_eq!(invalid_field(unkeyed.error().unwrap()), "out_biz_no");
    sandbox.stop().await;
}

#[tokio::test]
async fn an_invite_settles_with_the_key_the_client_generated() {
    let (sandbox, client) = start().await;
    let request = InviteAwardRequest::new().mobile("13800000009");
    lose_next(
        &sandbox,
        "alipay.user.invite.award.receive",
        Fault::ErrorAfterEffect,
    );
    let error = client.receive_invite_award(&request).await.unwrap_err();
    let key = error.idempotency_key().expect("generated key").to_owned();
    let settled = client.settle_invite_after(&request, &error).await;
    let Settlement::Sent(award) = settled else {
        panic!("expected Sent, got {settled:?}");
    };
    assert_eq!(award.out_biz_no.as_deref(), Some(key.as_str()));
    assert!(award.biz_result_code.is_awarded(), "{award:?}");
    let activity = &sandbox.state()["invite"]["activities"]["INVITE-DEFAULT"];
    assert_eq!(activity["new_awards"].as_u64(), Some(1), "awarded once");
    sandbox.stop().await;
}

#[tokio::test]
async fn a_points_movement_applied_then_lost_settles_with_the_recorded_log_no() {
    let (sandbox, client) = start().await;
    let freeze = PointsUpdateRequest::new("freeze-1", USER, STAMP_CARD, TransType::Freeze, 40);
    lose_next(
        &sandbox,
        "koubei.marketing.tool.points.update",
        Fault::ErrorAfterEffect,
    );
    let error = client.update_points(&freeze).await.unwrap_err();
    let settled = client.settle_points_after(&freeze, &error).await;
    let Settlement::Sent(moved) = settled else {
        panic!("expected Sent, got {settled:?}");
    };
    let moves = sandbox.state()["points"]["moves"].clone();
    assert_eq!(moves.as_array().map(Vec::len), Some(1), "{moves}");
    assert_eq!(
        moves[0]["point_log_no"].as_str(),
        Some(moved.point_log_no.as_str())
    );
    let balance = client.query_points(STAMP_CARD, USER).await.unwrap();
    assert_eq!((balance.available_points, balance.freezed_points), (60, 40));
    sandbox.stop().await;
}
