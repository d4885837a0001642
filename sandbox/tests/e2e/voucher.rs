//! alipay.marketing.voucher.send: templates, recipients, amounts, idempotency.

use alipay_marketing::api::voucher::VoucherSendRequest;

use crate::common::*;

#[tokio::test]
async fn fixed_voucher_is_issued_and_recorded() {
    let (sandbox, client) = start().await;
    let sent = client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "order-1").user_id(DEMO_USER))
        .await
        .expect("sent");
    assert_eq!(sent.user_id.as_deref(), Some(DEMO_USER));
    let state = sandbox.state();
    assert_eq!(state["vouchers"]["count"], 1);
    let issued = &state["vouchers"]["issued"][0];
    assert_eq!(issued["voucher_id"], sent.voucher_id.as_str());
    assert_eq!(issued["amount"], "10.00");
    assert_eq!(issued["out_biz_no"], "order-1");
    assert_eq!(state["vouchers"]["by_template"]["TPL-FIXED-10"], 1);
}

#[tokio::test]
async fn replay_returns_the_same_voucher_and_a_changed_request_is_refused() {
    let (sandbox, client) = start().await;
    let request = VoucherSendRequest::new("TPL-FIXED-10", "order-2").user_id(DEMO_USER);
    let first = client.send_voucher(&request).await.expect("first");
    let replay = client.send_voucher(&request).await.expect("replay");
    assert_eq!(first.voucher_id, replay.voucher_id);
    assert_eq!(sandbox.state()["vouchers"]["count"], 1);
    let changed = VoucherSendRequest::new("TPL-FIXED-10", "order-2")
        .user_id(DEMO_USER)
        .memo("other");
    let e = client
        .send_voucher(&changed)
        .await
        .expect_err("same key, other params");
    assert_eq!(
        gateway_codes(&e),
        ("40004".into(), "INVALID_PARAMETER".into())
    );
    assert_eq!(sandbox.state()["vouchers"]["count"], 1);
    // The key is (template_id, out_biz_no): another template with the same out_biz_no is a new voucher.
    let other_template = VoucherSendRequest::new("TPL-RED-PACKET", "order-2")
        .user_id(DEMO_USER)
        .amount("1.00");
    let other = client
        .send_voucher(&other_template)
        .await
        .expect("other template");
    assert_ne!(other.voucher_id, first.voucher_id);
    assert_eq!(sandbox.state()["vouchers"]["count"], 2);
}

#[tokio::test]
async fn template_errors() {
    let (sandbox, client) = start().await;
    let e = client
        .send_voucher(&VoucherSendRequest::new("TPL-NOPE", "o-1").user_id(DEMO_USER))
        .await
        .expect_err("unknown template");
    assert_eq!(
        gateway_codes(&e),
        ("40004".into(), "TEMPLATE_NOT_EXIST".into())
    );
    let e = client
        .send_voucher(&VoucherSendRequest::new("TPL-EXPIRED", "o-2").user_id(DEMO_USER))
        .await
        .expect_err("expired template");
    assert_eq!(
        gateway_codes(&e),
        ("40004".into(), "TEMPLATE_EXPIRED".into())
    );
    assert_eq!(sandbox.state()["vouchers"]["count"], 0);
    assert_eq!(calls(&sandbox, VOUCHER, "40004/TEMPLATE_EXPIRED"), 1);
}

#[tokio::test]
async fn recipient_errors() {
    let (sandbox, client) = start().await;
    let e = client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "o-1").user_id("2088000000000099"))
        .await
        .expect_err("unknown user");
    assert_eq!(gateway_codes(&e), ("40004".into(), "USER_NOT_EXIST".into()));
    let e = client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "o-2").user_id(FROZEN_USER))
        .await
        .expect_err("frozen user");
    assert_eq!(
        gateway_codes(&e),
        ("40004".into(), "USER_STATUS_ERROR".into())
    );
    let e = client
        .send_voucher(
            &VoucherSendRequest::new("TPL-FIXED-10", "o-3").login_id("nobody@example.com"),
        )
        .await
        .expect_err("unknown login");
    assert_eq!(gateway_codes(&e), ("40004".into(), "USER_NOT_EXIST".into()));
    assert_eq!(sandbox.state()["vouchers"]["count"], 0);
}

#[tokio::test]
async fn recipient_priority_is_user_id_then_login_id_then_taobao_nick() {
    let (sandbox, client) = start().await;
    let by_login = client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "p-1").login_id("demo@example.com"))
        .await
        .expect("by login_id");
    assert_eq!(by_login.user_id.as_deref(), Some(DEMO_USER));
    let by_nick = client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "p-2").taobao_nick("demo_nick"))
        .await
        .expect("by taobao_nick");
    assert_eq!(by_nick.user_id.as_deref(), Some(DEMO_USER));
    // user_id wins: the frozen user's id beats the demo user's login.
    let e = client
        .send_voucher(
            &VoucherSendRequest::new("TPL-FIXED-10", "p-3")
                .user_id(FROZEN_USER)
                .login_id("demo@example.com"),
        )
        .await
        .expect_err("user_id wins");
    assert_eq!(
        gateway_codes(&e),
        ("40004".into(), "USER_STATUS_ERROR".into())
    );
    // login_id wins over taobao_nick (sent raw: the client drops the lower-priority fields itself).
    let e = client
        .execute(VOUCHER, r#"{"template_id":"TPL-FIXED-10","out_biz_no":"p-4","login_id":"nobody@x.com","taobao_nick":"demo_nick"}"#)
        .await
        .expect_err("login_id wins");
    assert_eq!(gateway_codes(&e), ("40004".into(), "USER_NOT_EXIST".into()));
    assert_eq!(sandbox.state()["vouchers"]["count"], 2);
}

#[tokio::test]
async fn amount_rules_for_fixed_and_red_packet_templates() {
    let (sandbox, client) = start().await;
    let e = client
        .send_voucher(
            &VoucherSendRequest::new("TPL-FIXED-10", "a-1")
                .user_id(DEMO_USER)
                .amount("5.00"),
        )
        .await
        .expect_err("amount on a fixed template");
    assert_eq!(
        gateway_codes(&e),
        ("40004".into(), "INVALID_PARAMETER".into())
    );
    let e = client
        .send_voucher(&VoucherSendRequest::new("TPL-RED-PACKET", "a-2").user_id(DEMO_USER))
        .await
        .expect_err("red packet without amount");
    assert_eq!(
        gateway_codes(&e),
        ("40004".into(), "INVALID_PARAMETER".into())
    );
    let e = client
        .send_voucher(
            &VoucherSendRequest::new("TPL-RED-PACKET", "a-3")
                .user_id(DEMO_USER)
                .amount("200.01"),
        )
        .await
        .expect_err("above the template's maximum");
    assert!(e.to_string().contains("maximum of 200.00"), "{e}");
    let sent = client
        .send_voucher(
            &VoucherSendRequest::new("TPL-RED-PACKET", "a-4")
                .user_id(DEMO_USER)
                .amount("8.88"),
        )
        .await
        .expect("red packet");
    let state = sandbox.state();
    assert_eq!(state["vouchers"]["count"], 1);
    assert_eq!(
        state["vouchers"]["issued"][0]["voucher_id"],
        sent.voucher_id.as_str()
    );
    assert_eq!(state["vouchers"]["issued"][0]["amount"], "8.88");
}

#[tokio::test]
async fn missing_template_or_out_biz_no_is_invalid_parameter() {
    let (_sandbox, client) = start().await;
    for biz in [
        r#"{"template_id":"TPL-FIXED-10","user_id":"2088000000000001"}"#,
        r#"{"out_biz_no":"x","user_id":"2088000000000001"}"#,
    ] {
        let e = client.execute(VOUCHER, biz).await.expect_err(biz);
        assert_eq!(
            gateway_codes(&e),
            ("40004".into(), "INVALID_PARAMETER".into()),
            "{biz}"
        );
        assert!(e.to_string().contains("is required"), "{e}");
    }
}
