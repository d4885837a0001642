//! Each companion call against the sandbox: results over its state, bad input refused before sending (naming the
//! field), gateway refusals, signature failures both ways, and faults (reads are retried without a key).

use alipay_marketing::api::points::{PointsUpdateRequest, TransType};
use alipay_marketing::api::template::{TemplateStatus, VoucherType};
use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::api::voucher_query::{VoucherListQueryRequest, VoucherStatus};
use alipay_marketing::{ErrorKind, RetryPolicy};
use alipay_marketing_sandbox::{Fault, FaultPlan};

use crate::common::*;

const TEMPLATE_QUERY: &str = "alipay.marketing.voucher.templatedetail.query";
const LIST_QUERY: &str = "alipay.marketing.voucher.list.query";

fn total_calls(sandbox: &alipay_marketing_sandbox::Sandbox) -> u64 {
    sandbox.state()["total_calls"].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn voucher_query_reads_what_voucher_send_issued() {
    let (sandbox, client) = start().await;
    let sent = client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "q-1").user_id(USER))
        .await
        .unwrap();
    let v = client.query_voucher(&sent.voucher_id).await.unwrap();
    assert_eq!(v.voucher_id, sent.voucher_id);
    assert_eq!(v.status, VoucherStatus::Enabled);
    assert_eq!(v.template_id.as_deref(), Some("TPL-FIXED-10"));
    assert_eq!(v.total_amount.as_deref(), Some("10.00"));
    assert_eq!(v.user_id.as_deref(), Some(USER));
    assert_eq!((v.total_count, v.used_count), (Some(1), Some(0)));
    let issued = &sandbox.state()["vouchers"]["issued"][0];
    assert_eq!(v.gmt_create.as_deref(), issued["issued_at"].as_str());

    let e = client
        .query_voucher("20240101000000000000404")
        .await
        .unwrap_err();
    assert_eq!(
        gateway_codes(&e),
        ("40004".into(), "VOUCHER_NOT_EXIST".into())
    );
    sandbox.stop().await;
}

#[tokio::test]
async fn list_query_shows_the_users_vouchers_of_the_template() {
    let (sandbox, client) = start().await;
    let mut ids = Vec::new();
    for n in ["l-1", "l-2"] {
        let sent = client
            .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", n).user_id(USER))
            .await
            .unwrap();
        ids.push(sent.voucher_id);
    }
    let list = client
        .list_vouchers(&VoucherListQueryRequest::for_user_id("TPL-FIXED-10", USER))
        .await
        .unwrap();
    assert_eq!(list.vouchers.len(), 2);
    assert!(ids.iter().all(|id| list.contains(id)), "{list:?}");
    assert!(
        list.vouchers
            .iter()
            .all(|v| v.status == VoucherStatus::Enabled && v.send_time.is_some())
    );
    let other = client
        .list_vouchers(&VoucherListQueryRequest::for_user_id(
            "TPL-RED-PACKET",
            USER,
        ))
        .await
        .unwrap();
    assert!(other.vouchers.is_empty());
    // The raw node carries the list as a JSON array, as the gateway does.
    let raw = client
        .execute(
            LIST_QUERY,
            &format!(r#"{{"template_id":"TPL-FIXED-10","user_id":"{USER}"}}"#),
        )
        .await
        .unwrap();
    assert_eq!(
        raw.json().unwrap()["vouchers"].as_array().map(Vec::len),
        Some(2)
    );

    let e = client
        .list_vouchers(&VoucherListQueryRequest::for_user_id("TPL-NONE", USER))
        .await
        .unwrap_err();
    assert_eq!(gateway_codes(&e).1, "TEMPLATE_NOT_EXIST");
    sandbox.stop().await;
}

#[tokio::test]
async fn template_detail_reports_status_type_and_counts() {
    let (sandbox, client) = start().await;
    let before = client.query_template("TPL-FIXED-10").await.unwrap();
    assert_eq!(before.status, TemplateStatus::Active);
    assert_eq!(before.voucher_type, Some(VoucherType::FixVoucher));
    assert_eq!(before.publish_count, Some(0));
    assert_eq!(before.amount.as_deref(), Some("10.00"));
    client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "d-1").user_id(USER))
        .await
        .unwrap();
    let after = client.query_template("TPL-FIXED-10").await.unwrap();
    assert_eq!(after.publish_count, Some(1));
    assert_eq!(after.publish_amount.as_deref(), Some("10.00"));

    let expired = client.query_template("TPL-EXPIRED").await.unwrap();
    assert_eq!(expired.status, TemplateStatus::Expired);
    // A type the SDK does not know is kept as sent.
    let red = client.query_template("TPL-RED-PACKET").await.unwrap();
    assert_eq!(
        red.voucher_type,
        Some(VoucherType::Other("RED_PACKET".into()))
    );
    let e = client.query_template("TPL-NONE").await.unwrap_err();
    assert_eq!(
        gateway_codes(&e),
        ("40004".into(), "TEMPLATE_NOT_EXIST".into())
    );
    sandbox.stop().await;
}

#[tokio::test]
async fn points_query_reflects_movements() {
    let (sandbox, client) = start().await;
    let start = client.query_points(STAMP_CARD, USER).await.unwrap();
    assert_eq!(
        (
            start.available_points,
            start.freezed_points,
            start.total_points
        ),
        (100, 0, 100)
    );
    client
        .update_points(&PointsUpdateRequest::new(
            "pq-1",
            USER,
            STAMP_CARD,
            TransType::Freeze,
            30,
        ))
        .await
        .unwrap();
    client
        .update_points(
            &PointsUpdateRequest::new("pq-2", USER, STAMP_CARD, TransType::Deposit, 5)
                .biz_no("trade-1"),
        )
        .await
        .unwrap();
    let now = client.query_points(STAMP_CARD, USER).await.unwrap();
    assert_eq!(
        (now.available_points, now.freezed_points, now.total_points),
        (75, 30, 105)
    );
    let e = client.query_points("NO-SUCH-CARD", USER).await.unwrap_err();
    assert_eq!(gateway_codes(&e).1, "INVALID_PARAMETER");
    sandbox.stop().await;
}

#[tokio::test]
async fn bad_input_is_refused_before_sending_naming_the_field() {
    let (sandbox, client) = start().await;
    let before = total_calls(&sandbox);
    assert_eq!(
        invalid_field(&client.query_voucher("").await.unwrap_err()),
        "voucher_id"
    );
    assert_eq!(
        invalid_field(&client.query_voucher("v\n1").await.unwrap_err()),
        "voucher_id"
    );
    let mut both = VoucherListQueryRequest::for_user_id("TPL-FIXED-10", USER);
    both.open_id = Some("074a1CcTG1".into());
    assert_eq!(
        invalid_field(&client.list_vouchers(&both).await.unwrap_err()),
        "open_id"
    );
    let bad_user = VoucherListQueryRequest::for_user_id("TPL-FIXED-10", "13800000001");
    let e = client.list_vouchers(&bad_user).await.unwrap_err();
    assert_eq!(invalid_field(&e), "user_id");
    assert!(e.message().contains("16 digits starting with 2088"), "{e}");
    let e = client.query_template(&"T".repeat(29)).await.unwrap_err();
    assert!(e.message().contains("template_id: is 29 characters"), "{e}");
    assert_eq!(
        invalid_field(&client.query_points("", USER).await.unwrap_err()),
        "activity_account"
    );
    assert_eq!(
        invalid_field(&client.query_points(STAMP_CARD, "2088").await.unwrap_err()),
        "user_id"
    );
    assert_eq!(total_calls(&sandbox), before, "nothing reached the gateway");
    sandbox.stop().await;
}

#[tokio::test]
async fn a_request_signed_with_an_unknown_key_is_refused_by_the_gateway() {
    let (sandbox, _) = start().await;
    let stranger = sandbox
        .client_builder()
        .private_key(stranger_key().clone())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let e = stranger.query_template("TPL-FIXED-10").await.unwrap_err();
    assert_eq!(
        gateway_codes(&e),
        ("40002".into(), "isv.invalid-signature".into())
    );
    let e = stranger.query_points(STAMP_CARD, USER).await.unwrap_err();
    assert_eq!(gateway_codes(&e).1, "isv.invalid-signature");
    sandbox.stop().await;
}

#[tokio::test]
async fn an_answer_signed_by_another_key_is_never_a_success() {
    let (sandbox, _) = start().await;
    let fooled = sandbox
        .client_builder()
        .alipay_public_key(stranger_key().public_key())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let sent = fooled
        .list_vouchers(&VoucherListQueryRequest::for_user_id("TPL-FIXED-10", USER))
        .await
        .unwrap_err();
    assert_eq!(sent.kind(), ErrorKind::Signature, "{sent:?}");
    for e in [
        fooled.query_template("TPL-FIXED-10").await.unwrap_err(),
        fooled.query_points(STAMP_CARD, USER).await.unwrap_err(),
        fooled
            .query_voucher("20240101000000000000001")
            .await
            .unwrap_err(),
    ] {
        // A refusal is signed too: an error answer that fails verification is a signature error, not a gateway one.
        assert!(
            matches!(e.kind(), ErrorKind::Signature | ErrorKind::Gateway),
            "{e:?}"
        );
        assert_ne!(
            e.kind(),
            ErrorKind::Gateway,
            "unverified answer taken at face value: {e:?}"
        );
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn faults_apply_to_reads_and_reads_are_retried_without_a_key() {
    let (sandbox, one_attempt) = start().await;
    let script = [Fault::Http502, Fault::DropConnection];
    sandbox
        .arm_faults(FaultPlan::new().script(Some(TEMPLATE_QUERY), script))
        .unwrap();
    let e = one_attempt
        .query_template("TPL-FIXED-10")
        .await
        .unwrap_err();
    assert_eq!(e.http_status(), Some(502), "{e:?}");
    sandbox
        .arm_faults(FaultPlan::new().script(Some(TEMPLATE_QUERY), script))
        .unwrap();
    let patient = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::default().max_attempts(3))
        .build()
        .unwrap();
    let detail = patient.query_template("TPL-FIXED-10").await.unwrap();
    assert_eq!(detail.status, TemplateStatus::Active);
    assert_eq!(patient.stats().retries, 2);
    let hit = &sandbox.state()["faults_hit"][TEMPLATE_QUERY];
    assert_eq!(hit["http_502"].as_u64(), Some(2), "{hit}");
    assert_eq!(hit["drop_connection"].as_u64(), Some(1), "{hit}");
    sandbox.stop().await;
}
