//! A campaign set up end to end: a template created through the API (idempotent by out_biz_no), checked by the
//! preflight, used by voucher sends, then expired or emptied through the admin API — after which the preflight
//! refuses it, naming the reason, and sends answer the gateway's codes.

use std::time::{Duration, SystemTime};

use alipay_marketing::api::template::TemplateStatus;
use alipay_marketing::api::template_create::TemplateCreateRequest;
use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::sign::{beijing_timestamp, parse_beijing_timestamp};
use alipay_marketing::{Client, ErrorKind};
use serde_json::json;

use crate::common::*;

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

fn at(offset_from_now: i64) -> String {
    let now = SystemTime::now();
    let t = if offset_from_now >= 0 {
        now + Duration::from_secs(offset_from_now as u64)
    } else {
        now - Duration::from_secs(offset_from_now.unsigned_abs())
    };
    beijing_timestamp(t)
}

/// A fixed template of `quantity` vouchers whose window runs from an hour ago to ten days ahead.
fn fixed(out_biz_no: &str, quantity: u64) -> TemplateCreateRequest {
    TemplateCreateRequest::fixed(out_biz_no, "新客礼券", "10.00", quantity)
        .publish_window(
            at(-(HOUR.as_secs() as i64)),
            at((10 * DAY).as_secs() as i64),
        )
        .valid_for(7, "DAY")
}

async fn send(client: &Client, template_id: &str, n: &str) -> alipay_marketing::Result<String> {
    let r = VoucherSendRequest::new(template_id, n).user_id(USER);
    Ok(client.send_voucher(&r).await?.voucher_id)
}

#[tokio::test]
async fn created_template_is_checked_used_then_expired_and_refused_naming_the_reason() {
    let (sandbox, client) = start().await;
    let request = fixed("campaign-1", 3);
    let created = client.create_template(&request).await.unwrap();
    // The same out_biz_no again: the same template, not a second one.
    let again = client.create_template(&request).await;
    assert_eq!(again.unwrap().template_id, created.template_id);
    assert_eq!(
        sandbox.state()["templates"]["created"]
            .as_object()
            .unwrap()
            .len(),
        1
    );
    // The same key with other content is refused.
    let e = client
        .create_template(&fixed("campaign-1", 4))
        .await
        .unwrap_err();
    assert_eq!(gateway_codes(&e).1, "INVALID_PARAMETER");

    let id = created.template_id.as_str();
    let detail = client.check_template(id, 3).await.unwrap();
    assert_eq!(detail.status, TemplateStatus::Active);
    assert_eq!(
        (detail.voucher_quantity, detail.publish_count),
        (Some(3), Some(0))
    );
    assert_eq!(detail.voucher_name.as_deref(), Some("10.00元代金券"));
    let too_many = client.check_template(id, 4).await.unwrap_err();
    assert!(
        too_many
            .message()
            .contains("not enough stock: 3 voucher(s) left of 3"),
        "{too_many}"
    );

    let voucher_id = send(&client, id, "c1-order-1").await.unwrap();
    let voucher = client.query_voucher(&voucher_id).await.unwrap();
    assert_eq!(voucher.template_id.as_deref(), Some(id));
    assert_eq!(voucher.total_amount.as_deref(), Some("10.00"));
    let issued = parse_beijing_timestamp(voucher.gmt_create.as_deref().unwrap()).unwrap();
    let expires = parse_beijing_timestamp(voucher.gmt_expired.as_deref().unwrap()).unwrap();
    assert_eq!(expires.duration_since(issued).unwrap(), 7 * DAY);
    assert!(client.check_template(id, 2).await.is_ok());

    let (status, answer) =
        admin_templates(&sandbox, json!({"template_id": id, "expire": true})).await;
    assert_eq!(status, 200, "{answer}");
    let refused = client.check_template(id, 1).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidRequest);
    assert_eq!(refused.field(), Some("template_id"));
    assert!(
        refused
            .message()
            .contains("is expired (status E); create a new template"),
        "{refused}"
    );
    let e = send(&client, id, "c1-order-2").await.unwrap_err();
    assert_eq!(gateway_codes(&e).1, "TEMPLATE_EXPIRED");

    // Lifting the expiry puts the template back in effect; the refused key was not used and now sends.
    let (status, answer) =
        admin_templates(&sandbox, json!({"template_id": id, "expire": false})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["expired_at"], serde_json::Value::Null, "{answer}");
    assert_eq!(
        client.check_template(id, 1).await.unwrap().status,
        TemplateStatus::Active
    );
    send(&client, id, "c1-order-2").await.unwrap();
    sandbox.stop().await;
}

#[tokio::test]
async fn stock_set_through_the_admin_api_limits_sends_and_the_preflight() {
    let (sandbox, client) = start().await;
    send(&client, "TPL-FIXED-10", "s-0").await.unwrap();
    let (status, answer) =
        admin_templates(&sandbox, json!({"template_id": "TPL-FIXED-10", "stock": 1})).await;
    assert_eq!(
        (status, &answer["voucher_quantity"]),
        (200, &json!(2)),
        "{answer}"
    );
    assert!(client.check_template("TPL-FIXED-10", 1).await.is_ok());
    send(&client, "TPL-FIXED-10", "s-1").await.unwrap();
    let e = send(&client, "TPL-FIXED-10", "s-2").await.unwrap_err();
    assert_eq!(gateway_codes(&e).1, "TEMPLATE_STOCK_NOT_ENOUGH");
    // A replay of a voucher already sent is still answered: idempotency comes before stock.
    send(&client, "TPL-FIXED-10", "s-1").await.unwrap();
    let refused = client.check_template("TPL-FIXED-10", 1).await.unwrap_err();
    assert!(
        refused
            .message()
            .contains("not enough stock: 0 voucher(s) left of 2 (2 issued)"),
        "{refused}"
    );
    for bad in [
        json!({"expire": true}),
        json!({"template_id": "TPL-NONE", "expire": true}),
        json!({"template_id": "TPL-FIXED-10"}),
        json!({"template_id": "TPL-FIXED-10", "stock": -1}),
    ] {
        let (status, answer) = admin_templates(&sandbox, bad.clone()).await;
        assert_eq!(status, 400, "{bad} → {answer}");
        assert!(
            answer["error"].as_str().is_some_and(|m| !m.is_empty()),
            "{answer}"
        );
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn the_preflight_refuses_a_window_not_started_or_ended() {
    let (sandbox, client) = start().await;
    let later = fixed("window-later", 10)
        .publish_window(at(2 * DAY.as_secs() as i64), at(5 * DAY.as_secs() as i64));
    let later = client.create_template(&later).await.unwrap().template_id;
    let e = client.check_template(&later, 1).await.unwrap_err();
    assert!(
        e.message()
            .contains("outside its publish window: sending starts at"),
        "{e}"
    );
    assert_eq!(
        gateway_codes(&send(&client, &later, "w-1").await.unwrap_err()).1,
        "BEFORE_VOUCHER_START_TIME"
    );

    let ended = fixed("window-ended", 10)
        .publish_window(at(-3 * DAY.as_secs() as i64), at(-(DAY.as_secs() as i64)));
    let ended = client.create_template(&ended).await.unwrap().template_id;
    let e = client.check_template(&ended, 1).await.unwrap_err();
    assert!(
        e.message().contains("sending ended") && e.message().contains("AFTER_VOUCHER_END_TIME"),
        "{e}"
    );
    assert_eq!(
        gateway_codes(&send(&client, &ended, "w-2").await.unwrap_err()).1,
        "AFTER_VOUCHER_END_TIME"
    );

    // The gateway refuses a window starting more than 15 days ahead (the client cannot know the gateway's clock).
    let far = fixed("window-far", 10)
        .publish_window(at(20 * DAY.as_secs() as i64), at(30 * DAY.as_secs() as i64));
    let e = client.create_template(&far).await.unwrap_err();
    assert_eq!(gateway_codes(&e).1, "INVALID_PARAMETER");
    sandbox.stop().await;
}

#[tokio::test]
async fn a_random_template_spends_its_budget() {
    let (sandbox, client) = start().await;
    let random = TemplateCreateRequest::random("random-1", "红包", "10.00", "15.00")
        .publish_window(at(-60), at(DAY.as_secs() as i64))
        .valid_between(&at(-60), &at(30 * DAY.as_secs() as i64));
    let id = client.create_template(&random).await.unwrap().template_id;
    let r = |n: &str| {
        VoucherSendRequest::new(id.as_str(), n)
            .user_id(USER)
            .amount("8.00")
    };
    client.send_voucher(&r("b-1")).await.unwrap();
    let e = client.send_voucher(&r("b-2")).await.unwrap_err();
    assert_eq!(gateway_codes(&e).1, "TEMPLATE_STOCK_NOT_ENOUGH");
    let detail = client.query_template(&id).await.unwrap();
    assert_eq!(detail.publish_amount.as_deref(), Some("8.00"));
    assert_eq!(detail.total_amount.as_deref(), Some("15.00"));
    sandbox.stop().await;
}

#[tokio::test]
async fn create_refuses_bad_input_before_sending_naming_the_field() {
    let (sandbox, client) = start().await;
    let mut long_name = fixed("bad-1", 10);
    long_name.brand_name = "名".repeat(13);
    let long_window = fixed("bad-2", 10).publish_window(at(0), at(91 * DAY.as_secs() as i64));
    let mut no_quantity = fixed("bad-3", 10);
    no_quantity.voucher_quantity = None;
    let no_key = fixed("", 10);
    for (request, field) in [
        (long_name, "brand_name"),
        (long_window, "publish_end_time"),
        (no_quantity, "voucher_quantity"),
        (
            fixed("bad-4", 10).valid_for(1, "WEEK"),
            "voucher_valid_period",
        ),
        (no_key, "out_biz_no"),
    ] {
        let e = client.create_template(&request).await.unwrap_err();
        assert_eq!(invalid_field(&e), field, "{e}");
    }
    assert_eq!(sandbox.state()["total_calls"].as_u64(), Some(0));
    sandbox.stop().await;
}
