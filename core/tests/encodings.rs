//! AES content encryption and GBK requests on the wire, against the loopback gateway of `support`.

mod support;

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::envelope::response_key;
use alipay_marketing::sign::sign_content;
use alipay_marketing::{AesKey, Charset, ErrorKind, SignType};
use support::{Answer, Fixture, METHOD};

const AES_KEY: &str = "aa4BtZ4tspm2wnXLb1ThQA==";

fn voucher() -> VoucherSendRequest {
    VoucherSendRequest::new("TPL-FIXED-10", "order-0001")
        .user_id("2088000000000001")
        .memo("新客礼券")
}

#[tokio::test]
async fn aes_requests_are_encrypted_then_signed_and_responses_verified_then_decrypted() {
    let f = Fixture::start_with(|b| b.aes_key_text(AES_KEY)).await;
    let key = AesKey::from_base64(AES_KEY).unwrap();
    let node = r#"{"code":"10000","msg":"Success","voucher_id":"2024052700826004000000000007"}"#;
    let quoted = serde_json::to_string(&key.encrypt(node.as_bytes()).unwrap()).unwrap();
    // The signature covers the quoted ciphertext string, quotes included.
    f.answer(
        200,
        support::signed(&f.alipay_key, &response_key(METHOD), &quoted),
    );
    let sent = f.client.send_voucher(&voucher()).await.unwrap();
    assert_eq!(sent.voucher_id, "2024052700826004000000000007");

    let seen = &f.seen()[0];
    assert!(seen.query.contains(&("encrypt_type".into(), "AES".into())));
    let (_, ciphertext) = seen.form.iter().find(|(k, _)| k == "biz_content").unwrap();
    let plain = String::from_utf8(key.decrypt(ciphertext).unwrap()).unwrap();
    assert_eq!(
        plain,
        r#"{"memo":"新客礼券","out_biz_no":"order-0001","template_id":"TPL-FIXED-10","user_id":"2088000000000001"}"#
    );
    let content = sign_content(
        seen.query
            .iter()
            .chain(&seen.form)
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let sign = &seen.query.iter().find(|(k, _)| k == "sign").unwrap().1;
    assert!(
        f.app_key
            .public_key()
            .verify(SignType::Rsa2, content.as_bytes(), sign),
        "the ciphertext is signed"
    );
}

#[tokio::test]
async fn the_gateways_own_decryption_error_arrives_as_a_plain_object_and_is_reported() {
    let f = Fixture::start_with(|b| b.aes_key_text(AES_KEY)).await;
    f.answer_signed(r#"{"code":"40003","msg":"Insufficient Conditions","sub_code":"isv.decryption-error-unknown","sub_msg":"解密出错"}"#);
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Gateway);
    assert_eq!(
        error.gateway_error().unwrap().sub_code.as_deref(),
        Some("isv.decryption-error-unknown")
    );
}

#[tokio::test]
async fn an_encrypted_response_without_a_configured_key_is_a_decode_error() {
    let f = Fixture::start().await;
    let key = AesKey::from_base64(AES_KEY).unwrap();
    let quoted = serde_json::to_string(&key.encrypt(b"{\"code\":\"10000\"}").unwrap()).unwrap();
    f.answer(
        200,
        support::signed(&f.alipay_key, &response_key(METHOD), &quoted),
    );
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert!(error.to_string().contains("aes_key"), "{error}");
}

#[tokio::test]
async fn gbk_requests_sign_and_percent_encode_gbk_bytes_and_gbk_answers_are_read() {
    let f = Fixture::start_with(|b| b.charset(Charset::Gbk)).await;
    // '乗' is 0x81 0x5C in GBK: its trail byte is a backslash, which a byte-level JSON scanner must step over.
    let node = "{\"code\":\"10000\",\"msg\":\"Success\",\"voucher_id\":\"2024052700826004000000000008\",\"memo\":\"乗\"}";
    let gbk_node = encoding_rs::GBK.encode(node).0.into_owned();
    let sign = f.alipay_key.sign(SignType::Rsa2, &gbk_node).unwrap();
    let mut body = format!("{{\"{}\":", response_key(METHOD)).into_bytes();
    body.extend_from_slice(&gbk_node);
    body.extend_from_slice(format!(",\"sign\":\"{sign}\"}}").as_bytes());
    f.script([Answer::new(200, body)]);
    let sent = f.client.send_voucher(&voucher()).await.unwrap();
    assert_eq!(sent.voucher_id, "2024052700826004000000000008");

    let seen = &f.seen()[0];
    assert_eq!(
        seen.headers["content-type"],
        "application/x-www-form-urlencoded;charset=GBK"
    );
    assert!(seen.query.contains(&("charset".into(), "GBK".into())));
    let raw = std::str::from_utf8(&seen.raw_body).unwrap();
    assert!(
        raw.contains("%D0%C2%BF%CD%C0%F1%C8%AF"),
        "新客礼券 percent-encoded as GBK: {raw}"
    );
    // The gateway's view: decode the form as GBK, rebuild the sign content, verify over its GBK bytes.
    let form: Vec<(String, String)> = raw
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            (
                k.to_owned(),
                encoding_rs::GBK.decode(&percent_decode(v)).0.into_owned(),
            )
        })
        .collect();
    let content = sign_content(
        seen.query
            .iter()
            .chain(&form)
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    assert!(content.contains("新客礼券"));
    let sign = &seen.query.iter().find(|(k, _)| k == "sign").unwrap().1;
    let gbk_content = encoding_rs::GBK.encode(&content).0;
    assert!(
        f.app_key
            .public_key()
            .verify(SignType::Rsa2, &gbk_content, sign),
        "signed over GBK bytes"
    );
}

#[tokio::test]
async fn text_gbk_cannot_represent_is_refused_before_sending_naming_the_field() {
    let f = Fixture::start_with(|b| b.charset(Charset::Gbk)).await;
    let request = voucher().memo("礼券 🎁");
    let error = f.client.send_voucher(&request).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert_eq!(error.field(), Some("memo"));
    assert!(
        error.to_string().contains("GBK cannot represent"),
        "{error}"
    );
    assert!(f.seen().is_empty());
}

fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.replace('+', " ").into_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(
                u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap(), 16).unwrap(),
            );
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}
