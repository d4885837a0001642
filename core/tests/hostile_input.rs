//! Hostile input: what a gateway echoes back, what a dry run shows, control characters, and key paths that are
//! not key files. Each test failed before the fix it covers.

mod support;

use alipay_marketing::api::invite::InviteAwardRequest;
use alipay_marketing::api::points::{PointsUpdateRequest, TransType};
use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::{Client, ErrorKind, Gateway, PrivateKey, RetryPolicy};
use support::Fixture;

const TOKEN: &str = "202405BBd0a1b2c3d4e5f6a7b8";
const MOBILE: &str = "13812345678";

#[tokio::test]
async fn an_invalid_signature_message_never_carries_the_echoed_sign_string() {
    let f =
        Fixture::start_with(|b| b.app_auth_token(TOKEN).retry_policy(RetryPolicy::none())).await;
    let request = InviteAwardRequest::new()
        .mobile(MOBILE)
        .out_biz_no("invite-0001");
    let prepared = f.client.prepare(&request).unwrap();
    assert!(prepared.sign_content.contains(TOKEN) && prepared.sign_content.contains(MOBILE));
    // The gateway echoes the string it verified, HTML-escaped, inside sub_msg.
    let echoed = prepared
        .sign_content
        .replace('&', "&amp;")
        .replace('"', "&quot;");
    let node = serde_json::json!({
        "code": "40002",
        "msg": "Invalid Arguments",
        "sub_code": "isv.invalid-signature",
        "sub_msg": format!("验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：{echoed}"),
    });
    f.answer(200, format!("{{\"error_response\":{node}}}"));
    let error = f.client.receive_invite_award(&request).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Gateway, "{error}");
    let gateway = error.gateway_error().unwrap();
    for shown in [
        error.to_string(),
        format!("{error:?}"),
        gateway.sub_msg.clone().unwrap_or_default(),
    ] {
        assert!(!shown.contains(TOKEN), "{shown}");
        assert!(!shown.contains(MOBILE), "{shown}");
    }
    // The explainer still works, masked by default and in clear only on request.
    let mismatch = error.signature_mismatch().expect("explained");
    assert!(!mismatch.ours.contains(TOKEN) && !mismatch.gateways.contains(MOBILE));
    assert!(mismatch.ours.contains("138****5678"), "{}", mismatch.ours);
    assert!(
        mismatch.likely_cause.contains("private key"),
        "{}",
        mismatch.likely_cause
    );
    assert!(mismatch.ours_unmasked().contains(TOKEN));
    assert!(mismatch.gateways_unmasked().contains(MOBILE));
}

#[tokio::test]
async fn prepare_shows_the_generated_invite_key_the_call_sends() {
    let f = Fixture::start().await;
    let request = InviteAwardRequest::new().mobile(MOBILE);
    let prepared = f.client.prepare(&request).unwrap();
    let key = prepared.idempotency_key.clone().expect("a generated key");
    let biz: serde_json::Value = serde_json::from_str(&prepared.form[0].1).unwrap();
    assert_eq!(biz["out_biz_no"], key.as_str());
    assert!(prepared.sign_content.contains(&key));

    // The call itself sends a key of the same form.
    let node = r#"{"code":"10000","msg":"Success","biz_result_code":"NEW_AWARD_SUCESS"}"#;
    let key_name = alipay_marketing::envelope::response_key("alipay.user.invite.award.receive");
    f.answer(200, support::signed(&f.alipay_key, &key_name, node));
    f.client.receive_invite_award(&request).await.unwrap();
    let sent: serde_json::Value = serde_json::from_str(&f.seen()[0].form[0].1).unwrap();
    assert_eq!(sent["out_biz_no"].as_str().unwrap().len(), key.len());
}

#[tokio::test]
async fn control_characters_in_free_text_are_refused_naming_the_field() {
    let f = Fixture::start().await;
    for bad in ["a\0b", "two\nlines", "cr\r"] {
        let voucher = VoucherSendRequest::new("TPL-FIXED-10", "order-1")
            .user_id("2088000000000001")
            .memo(bad);
        let error = f.client.send_voucher(&voucher).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidRequest);
        assert_eq!(error.field(), Some("memo"), "{error}");

        let points = PointsUpdateRequest::new(
            "req-1",
            "2088000000000001",
            "card-01",
            TransType::Deposit,
            10,
        )
        .biz_no("trade-1");
        let error = f
            .client
            .update_points(&points.clone().memo(bad))
            .await
            .unwrap_err();
        assert_eq!(error.field(), Some("memo"), "{error}");
        let error = f
            .client
            .update_points(&points.ext_info(bad))
            .await
            .unwrap_err();
        assert_eq!(error.field(), Some("ext_info"), "{error}");
    }
    assert!(f.seen().is_empty(), "nothing may be sent");
}

fn builder() -> alipay_marketing::ClientBuilder {
    Client::builder()
        .app_id("2021000000000001")
        .private_key(PrivateKey::generate().unwrap())
        .alipay_public_key(PrivateKey::generate().unwrap().public_key())
        .gateway(Gateway::Url("http://127.0.0.1:9/gateway.do".into()))
}

#[test]
fn control_characters_in_the_app_auth_token_are_a_config_error() {
    for bad in ["tok\0en", "token\n", "tok\ren"] {
        let error = builder().app_auth_token(bad).build().unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Config);
        assert_eq!(error.field(), Some("app_auth_token"), "{error}");
        assert!(error.to_string().contains("control character"), "{error}");
    }
}

#[test]
fn a_key_path_to_a_device_is_refused_without_reading_it() {
    let error = Client::builder()
        .app_id("2021000000000001")
        .private_key_file("/dev/zero")
        .build()
        .unwrap_err();
    assert_eq!(error.field(), Some("private_key"), "{error}");
    assert!(error.to_string().contains("not a regular file"), "{error}");
}

#[test]
fn a_key_path_to_a_fifo_is_refused_instead_of_blocking() {
    let dir = std::env::temp_dir().join(format!("alipay-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("key.pem");
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let error = builder().alipay_public_key_file(&fifo).build().unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(error.field(), Some("alipay_public_key"), "{error}");
    assert!(error.to_string().contains("not a regular file"), "{error}");
}

#[test]
fn an_oversized_key_file_is_refused() {
    let dir = std::env::temp_dir().join(format!("alipay-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("key.pem");
    std::fs::write(&big, vec![b'A'; 2 * 1024 * 1024]).unwrap();
    let error = builder().root_certificates_file(&big).build().unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(error.field(), Some("root_certificates"), "{error}");
    assert!(error.to_string().contains("larger than"), "{error}");
}
