//! AES content encryption (`encrypt_type=AES`): the core client encrypts `biz_content` and signs the ciphertext;
//! the sandbox verifies, decrypts, and answers with the node encrypted, signed over the quoted ciphertext.

use std::time::SystemTime;

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::sign::sign_content;
use alipay_marketing::{AesKey, Charset, PrivateKey, RetryPolicy, SignType};
use alipay_marketing_sandbox::{Sandbox, Scenario};

use crate::common::*;

const AES_KEY: &str = "aa4BtZ4tspm2wnXLb1ThQA==";
const OTHER_AES_KEY: &str = "vEARwBsVE8dBrk0tiaNQtQ==";

fn aes_scenario() -> Scenario {
    let mut scenario = Scenario::default();
    scenario.apps[0].aes_key = Some(AES_KEY.to_owned());
    scenario
}

async fn start_aes() -> Sandbox {
    Sandbox::start(config().scenario(aes_scenario()))
        .await
        .expect("sandbox starts")
}

fn voucher(out_biz_no: &str, memo: &str) -> VoucherSendRequest {
    VoucherSendRequest::new("TPL-FIXED-10", out_biz_no)
        .user_id(DEMO_USER)
        .memo(memo)
}

/// Signs `params` (everything but `sign`) over their UTF-8 bytes and appends `sign`.
fn sign_all(mut params: Vec<(String, String)>, key: &PrivateKey) -> Vec<(String, String)> {
    let content = sign_content(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let sign = key.sign(SignType::Rsa2, content.as_bytes()).expect("sign");
    params.push(("sign".to_owned(), sign));
    params
}

/// A raw encrypted voucher request: `biz_content` replaced by its ciphertext, `encrypt_type` added, then signed.
fn encrypted_params(biz_content: &str, encrypt_type: &str) -> Vec<(String, String)> {
    let (_, app) = keys();
    let aes = AesKey::from_base64(AES_KEY).expect("key");
    let unsigned: Vec<(String, String)> =
        signed_params(VOUCHER, biz_content, SystemTime::now(), app)
            .into_iter()
            .filter(|(k, _)| k != "sign")
            .map(|(k, v)| {
                if k == "biz_content" {
                    (k, aes.encrypt(v.as_bytes()).expect("encrypt"))
                } else {
                    (k, v)
                }
            })
            .chain([("encrypt_type".to_owned(), encrypt_type.to_owned())])
            .collect();
    sign_all(unsigned, app)
}

#[tokio::test]
async fn an_encrypted_call_round_trips_and_the_voucher_is_issued_with_its_memo() {
    let sandbox = start_aes().await;
    // client_builder configures the scenario's AES key.
    let client = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    let sent = client
        .send_voucher(&voucher("aes-1", "新客礼券 encrypted"))
        .await
        .expect("an encrypted call succeeds");
    let state = sandbox.state();
    assert_eq!(state["vouchers"]["count"], 1);
    let issued = &state["vouchers"]["issued"][0];
    assert_eq!(issued["voucher_id"], sent.voucher_id.as_str());
    assert_eq!(issued["out_biz_no"], "aes-1");
    assert_eq!(issued["memo"], "新客礼券 encrypted");
    assert_eq!(calls(&sandbox, VOUCHER, "10000"), 1);
}

#[tokio::test]
async fn the_encrypted_answer_is_a_string_node_signed_with_its_quotes() {
    let sandbox = start_aes().await;
    let biz =
        r#"{"out_biz_no":"aes-raw-1","template_id":"TPL-FIXED-10","user_id":"2088000000000001"}"#;
    let response = reqwest::Client::new()
        .post(sandbox.url())
        .header("content-type", FORM)
        .body(form(&encrypted_params(biz, "AES")))
        .send()
        .await
        .expect("answer");
    let body = response.bytes().await.expect("body");
    let json: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    let ciphertext = json["alipay_marketing_voucher_send_response"]
        .as_str()
        .unwrap_or_else(|| panic!("the node is a string of ciphertext: {json}"));
    // The signature covers the node value exactly as sent: the quoted string.
    let quoted = serde_json::to_string(ciphertext).expect("quote");
    let text = std::str::from_utf8(&body).expect("utf-8");
    assert!(text.contains(&format!(":{quoted},")), "{text}");
    let alipay_public = sandbox.alipay_public_key_pem();
    let alipay_public =
        alipay_marketing::PublicKey::from_text(alipay_public).expect("alipay public key");
    assert!(alipay_public.verify(
        SignType::Rsa2,
        quoted.as_bytes(),
        json["sign"].as_str().expect("sign")
    ));
    let plain = AesKey::from_base64(AES_KEY)
        .expect("key")
        .decrypt(ciphertext)
        .expect("decrypts with the app's key");
    let node: serde_json::Value = serde_json::from_slice(&plain).expect("the node is JSON");
    assert_eq!(node["code"], "10000", "{node}");
    assert_eq!(node["user_id"], DEMO_USER);
    assert_eq!(sandbox.state()["vouchers"]["count"], 1);
}

#[tokio::test]
async fn a_wrong_aes_key_gets_the_gateways_plain_decryption_error() {
    let sandbox = start_aes().await;
    let client = sandbox
        .client_builder()
        .aes_key_text(OTHER_AES_KEY)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    let error = client
        .send_voucher(&voucher("aes-wrong-1", "x"))
        .await
        .expect_err("the sandbox cannot decrypt");
    assert_eq!(
        gateway_codes(&error),
        ("40003".into(), "isv.decryption-error-unknown".into())
    );
    assert_eq!(sandbox.state()["vouchers"]["count"], 0);
    assert_eq!(
        calls(&sandbox, VOUCHER, "40003/isv.decryption-error-unknown"),
        1
    );
}

#[tokio::test]
async fn encrypt_type_needs_an_app_key_and_the_aes_type() {
    // The default scenario's app has no AES key.
    let (sandbox, _) = start().await;
    let client = sandbox
        .client_builder()
        .aes_key_text(AES_KEY)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    let error = client
        .send_voucher(&voucher("aes-nokey-1", "x"))
        .await
        .expect_err("no key to decrypt with");
    assert_eq!(
        gateway_codes(&error),
        (
            "40002".into(),
            "isv.decryption-error-not-valid-encrypt-key".into()
        )
    );
    sandbox.stop().await;

    let sandbox = start_aes().await;
    let biz = r#"{"out_biz_no":"sm4-1","template_id":"TPL-FIXED-10","user_id":"2088000000000001"}"#;
    let body = post_raw(&sandbox, "", form(&encrypted_params(biz, "SM4")), FORM).await;
    let node = &body["alipay_marketing_voucher_send_response"];
    assert_eq!(node["code"], "40002", "{body}");
    assert_eq!(node["sub_code"], "isv.invalid-encrypt-type", "{body}");
    assert_eq!(sandbox.state()["vouchers"]["count"], 0);
}

#[tokio::test]
async fn plain_calls_still_work_for_an_app_with_an_aes_key() {
    let sandbox = start_aes().await;
    let (_, app) = keys();
    let client = alipay_marketing::Client::builder()
        .app_id(sandbox.app_id())
        .private_key(app.clone())
        .alipay_public_key_text(sandbox.alipay_public_key_pem())
        .gateway(alipay_marketing::Gateway::Url(sandbox.url()))
        .build()
        .expect("client without AES");
    client
        .send_voucher(&voucher("aes-plain-1", "plain"))
        .await
        .expect("an unencrypted call");
    assert_eq!(sandbox.state()["vouchers"]["issued"][0]["memo"], "plain");
}

#[tokio::test]
async fn encrypted_gbk_calls_decrypt_in_the_request_charset() {
    let sandbox = start_aes().await;
    let client = sandbox
        .client_builder()
        .charset(Charset::Gbk)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    client
        .send_voucher(&voucher("aes-gbk-1", "新客礼券乗"))
        .await
        .expect("an encrypted GBK call");
    assert_eq!(
        sandbox.state()["vouchers"]["issued"][0]["memo"],
        "新客礼券乗"
    );
}
