//! GBK and GB18030 end to end: the client signs and percent-encodes in the charset, the sandbox verifies those
//! bytes and answers in the same charset, signed over the bytes it sends.

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::envelope::{ResponseContext, read_response_with};
use alipay_marketing::{Charset, Client, ErrorKind, PublicKey, RetryPolicy, SignType};
use alipay_marketing_sandbox::Sandbox;

use crate::common::*;

/// '乗' is 0x81 0x5C in GBK: its second byte is `\`, which breaks JSON scanners that read GBK as ASCII.
const MEMO: &str = "新客礼券乗，满100减10";

async fn client_in(sandbox: &Sandbox, charset: Charset) -> Client {
    sandbox
        .client_builder()
        .charset(charset)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client")
}

#[tokio::test]
async fn a_gbk_call_with_chinese_memo_succeeds_and_the_memo_is_stored_as_sent() {
    let (sandbox, _) = start().await;
    let client = client_in(&sandbox, Charset::Gbk).await;
    let sent = client
        .send_voucher(
            &VoucherSendRequest::new("TPL-FIXED-10", "gbk-memo-1")
                .user_id(DEMO_USER)
                .memo(MEMO),
        )
        .await
        .expect("a GBK call");
    let issued = &sandbox.state()["vouchers"]["issued"][0];
    assert_eq!(issued["voucher_id"], sent.voucher_id.as_str());
    assert_eq!(issued["memo"], MEMO);
}

#[tokio::test]
async fn gbk_answers_are_gbk_bytes_signed_over_those_bytes() {
    let (sandbox, _) = start().await;
    let client = client_in(&sandbox, Charset::Gbk).await;
    // An unknown template id is echoed in the answer's sub_msg, so the answer carries '乗' too.
    let request = VoucherSendRequest::new("TPL-乗", "gbk-echo-1").user_id(DEMO_USER);
    let prepared = client.prepare(&request).expect("prepare");
    let response = reqwest::Client::new()
        .post(&prepared.url)
        .header(
            "content-type",
            "application/x-www-form-urlencoded;charset=GBK",
        )
        .body(prepared.body.clone())
        .send()
        .await
        .expect("answer");
    assert_eq!(
        response.headers()["content-type"],
        "application/json;charset=GBK"
    );
    let body = response.bytes().await.expect("body");
    assert!(
        std::str::from_utf8(&body).is_err(),
        "the body is GBK, not UTF-8"
    );
    let (gbk_echo, _, _) = encoding_rs::GBK.encode("TPL-乗");
    assert!(
        body.windows(gbk_echo.len()).any(|w| w == &gbk_echo[..]),
        "the template id is in the body as GBK bytes"
    );
    let alipay = PublicKey::from_text(sandbox.alipay_public_key_pem()).expect("key");
    let context = ResponseContext {
        charset: Charset::Gbk,
        ..ResponseContext::new(&alipay, SignType::Rsa2)
    };
    let error = read_response_with(&body, VOUCHER, &context).expect_err("a business error");
    let gateway = error.gateway_error().expect("verified gateway error");
    assert_eq!(gateway.sub_code.as_deref(), Some("TEMPLATE_NOT_EXIST"));
    assert!(
        gateway.sub_msg.as_deref().unwrap_or("").contains("TPL-乗"),
        "{gateway:?}"
    );
    // A client that reads the answer as UTF-8 cannot use it: the body is GBK.
    let utf8 = ResponseContext::new(&alipay, SignType::Rsa2);
    assert!(read_response_with(&body, VOUCHER, &utf8).is_err());

    // The client does the same on its own.
    let error = client
        .send_voucher(&request)
        .await
        .expect_err("no template");
    assert_eq!(error.kind(), ErrorKind::Gateway);
    let gateway = error.gateway_error().expect("gateway error");
    assert!(
        gateway.sub_msg.as_deref().unwrap_or("").contains("TPL-乗"),
        "{gateway:?}"
    );
}

#[tokio::test]
async fn gb18030_carries_what_gbk_cannot() {
    let (sandbox, _) = start().await;
    let client = client_in(&sandbox, Charset::Gb18030).await;
    let memo = "礼券 🎁 乗";
    client
        .send_voucher(
            &VoucherSendRequest::new("TPL-FIXED-10", "gb18030-1")
                .user_id(DEMO_USER)
                .memo(memo),
        )
        .await
        .expect("a GB18030 call");
    assert_eq!(sandbox.state()["vouchers"]["issued"][0]["memo"], memo);
}

#[tokio::test]
async fn a_gbk_request_signed_with_the_wrong_key_echoes_its_gbk_sign_string() {
    let (sandbox, _) = start().await;
    let client = sandbox
        .client_builder()
        .charset(Charset::Gbk)
        .private_key(stranger_key().clone())
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    let error = client
        .send_voucher(
            &VoucherSendRequest::new("TPL-FIXED-10", "gbk-badkey-1")
                .user_id(DEMO_USER)
                .memo(MEMO),
        )
        .await
        .expect_err("wrong key");
    let gateway = error.gateway_error().expect("gateway error");
    assert_eq!(gateway.sub_code.as_deref(), Some("isv.invalid-signature"));
    // The echoed sign string came back through a GBK answer intact; it is held by the explainer only.
    let mismatch = error.signature_mismatch().expect("explained");
    assert!(mismatch.gateways_unmasked().contains(MEMO), "{mismatch:?}");
    assert_eq!(mismatch.gateways_unmasked(), mismatch.ours_unmasked());
}
