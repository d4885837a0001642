//! The gateway checks: common parameters, app, timestamp, signature (wrong key, tampered, RSA and RSA2, GBK),
//! parameters in the query or in the body, and the envelope of errors.

use std::time::{Duration, SystemTime};

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::sign::sign_content;
use alipay_marketing::{Client, ErrorKind, Gateway, SignType};
use alipay_marketing_sandbox::{Config, DEFAULT_APP_ID, Sandbox};

use crate::common::*;

const BIZ: &str =
    r#"{"out_biz_no":"g-1","template_id":"TPL-FIXED-10","user_id":"2088000000000001"}"#;

fn node<'a>(body: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    assert!(
        body["sign"].as_str().is_some_and(|s| !s.is_empty()),
        "every answer is signed: {body}"
    );
    &body[key]
}

#[tokio::test]
async fn wrong_key_is_invalid_signature_echoing_the_sign_string() {
    let (sandbox, _client) = start().await;
    let client = sandbox
        .client_builder()
        .private_key(stranger_key().clone())
        .build()
        .expect("client");
    let request = VoucherSendRequest::new("TPL-FIXED-10", "w-1").user_id(DEMO_USER);
    let e = client.send_voucher(&request).await.expect_err("wrong key");
    assert_eq!(
        gateway_codes(&e),
        ("40002".into(), "isv.invalid-signature".into())
    );
    // The echoed sign string stays out of the message and sub_msg; the explainer holds it.
    let sub_msg = e
        .gateway_error()
        .and_then(|g| g.sub_msg.clone())
        .expect("sub_msg");
    assert!(!sub_msg.contains("app_id="), "{sub_msg}");
    let echoed = e
        .signature_mismatch()
        .expect("the explainer's echo")
        .gateways_unmasked()
        .to_owned();
    // What the sandbox verified is exactly what the client signed (same params, same timestamp second or the next).
    let ours = client.prepare(&request).expect("prepare").sign_content;
    let strip_ts = |s: &str| {
        s.split('&')
            .filter(|p| !p.starts_with("timestamp="))
            .collect::<Vec<_>>()
            .join("&")
    };
    assert_eq!(strip_ts(&echoed), strip_ts(&ours));
    assert!(echoed.contains("&timestamp="), "{echoed}");
    assert_eq!(sandbox.state()["vouchers"]["count"], 0);
}

#[tokio::test]
async fn tampered_parameter_is_invalid_signature() {
    let (sandbox, client) = start().await;
    let prepared = client
        .prepare(&VoucherSendRequest::new("TPL-FIXED-10", "t-1").user_id(DEMO_USER))
        .expect("prepare");
    let tampered: Vec<(String, String)> = prepared
        .form
        .iter()
        .map(|(k, v)| (k.clone(), v.replace("t-1", "t-2")))
        .collect();
    let query = prepared.url.split_once('?').expect("query").1;
    let body = post_raw(&sandbox, query, form(&tampered), FORM).await;
    let n = node(&body, "alipay_marketing_voucher_send_response");
    assert_eq!(n["sub_code"], "isv.invalid-signature");
    assert!(
        n["sub_msg"].as_str().expect("sub_msg").contains("t-2"),
        "echoes what arrived: {n}"
    );
    // Untampered, the same request goes through.
    let body = post_raw(&sandbox, query, form(&prepared.form), FORM).await;
    assert_eq!(
        node(&body, "alipay_marketing_voucher_send_response")["code"],
        "10000"
    );
}

#[tokio::test]
async fn stale_or_malformed_timestamp_is_invalid_timestamp() {
    let (sandbox, client) = start().await;
    let request = VoucherSendRequest::new("TPL-FIXED-10", "s-1").user_id(DEMO_USER);
    for offset in [-20 * 60i64, 20 * 60] {
        let at = if offset < 0 {
            SystemTime::now() - Duration::from_secs(offset.unsigned_abs())
        } else {
            SystemTime::now() + Duration::from_secs(offset as u64)
        };
        let prepared = client.prepare_at(&request, at).expect("prepare");
        let query = prepared.url.split_once('?').expect("query").1;
        let body = post_raw(&sandbox, query, prepared.body.clone(), FORM).await;
        let n = node(&body, "alipay_marketing_voucher_send_response");
        assert_eq!(
            (n["code"].as_str(), n["sub_code"].as_str()),
            (Some("40002"), Some("isv.invalid-timestamp")),
            "{n}"
        );
        let sub_msg = n["sub_msg"].as_str().expect("sub_msg");
        assert!(
            sub_msg.contains(" s away from the gateway's Beijing time")
                && sub_msg.contains("±900 s"),
            "{n}"
        );
    }
    // Within the window (10 minutes off) it is accepted.
    let prepared = client
        .prepare_at(&request, SystemTime::now() - Duration::from_secs(600))
        .expect("prepare");
    let query = prepared.url.split_once('?').expect("query").1;
    let body = post_raw(&sandbox, query, prepared.body.clone(), FORM).await;
    assert_eq!(
        node(&body, "alipay_marketing_voucher_send_response")["code"],
        "10000"
    );
    // A timestamp in another format.
    let (_, app) = keys();
    let mut params = signed_params(VOUCHER, BIZ, SystemTime::now(), app);
    for (k, v) in &mut params {
        if k == "timestamp" {
            *v = v.replace(' ', "T");
        }
    }
    let body = post_raw(&sandbox, "", form(&params), FORM).await;
    assert_eq!(
        node(&body, "alipay_marketing_voucher_send_response")["sub_code"],
        "isv.invalid-timestamp"
    );
    assert_eq!(sandbox.state()["vouchers"]["count"], 1);
}

#[tokio::test]
async fn all_parameters_in_the_body_or_in_the_query_are_accepted() {
    let (sandbox, _client) = start().await;
    let (_, app) = keys();
    // Everything in the body (as the .NET and Go SDKs send it).
    let params = signed_params(VOUCHER, BIZ, SystemTime::now(), app);
    let body = post_raw(&sandbox, "", form(&params), FORM).await;
    assert_eq!(
        node(&body, "alipay_marketing_voucher_send_response")["code"],
        "10000",
        "{body}"
    );
    // Only the charset in the query, everything else in the body (.NET).
    let params = signed_params(VOUCHER, &BIZ.replace("g-1", "g-2"), SystemTime::now(), app);
    let body = post_raw(&sandbox, "charset=utf-8", form(&params), FORM).await;
    assert_eq!(
        node(&body, "alipay_marketing_voucher_send_response")["code"],
        "10000",
        "{body}"
    );
    // Everything in the query and an empty body.
    let params = signed_params(VOUCHER, &BIZ.replace("g-1", "g-3"), SystemTime::now(), app);
    let body = post_raw(&sandbox, &form(&params), String::new(), FORM).await;
    assert_eq!(
        node(&body, "alipay_marketing_voucher_send_response")["code"],
        "10000",
        "{body}"
    );
    assert_eq!(sandbox.state()["vouchers"]["count"], 3);
}

#[tokio::test]
async fn gbk_requests_are_verified_over_gbk_bytes() {
    let (sandbox, _client) = start().await;
    let (_, app) = keys();
    let biz = r#"{"memo":"中文备注","out_biz_no":"gbk-1","template_id":"TPL-FIXED-10","user_id":"2088000000000001"}"#;
    let mut params: Vec<(String, String)> = signed_params(VOUCHER, biz, SystemTime::now(), app)
        .into_iter()
        .filter(|(k, _)| k != "sign")
        .map(|(k, v)| {
            if k == "charset" {
                (k, "GBK".to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    let content = sign_content(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let (gbk, _, _) = encoding_rs::GBK.encode(&content);
    params.push(("sign".into(), app.sign(SignType::Rsa2, &gbk).expect("sign")));
    let encode = |s: &str| -> String {
        let (bytes, _, _) = encoding_rs::GBK.encode(s);
        form_urlencoded::byte_serialize(&bytes).collect()
    };
    let body: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    let body = post_raw(
        &sandbox,
        "charset=GBK",
        body.join("&"),
        "application/x-www-form-urlencoded;charset=GBK",
    )
    .await;
    assert_eq!(
        node(&body, "alipay_marketing_voucher_send_response")["code"],
        "10000",
        "{body}"
    );
    // The same request signed over its UTF-8 bytes fails: the gateway verifies the bytes of the declared charset.
    let mut utf8 = params.clone();
    let last = utf8.len() - 1;
    utf8[last].1 = app
        .sign(SignType::Rsa2, content.replace("gbk-1", "gbk-2").as_bytes())
        .expect("sign");
    let body: Vec<String> = utf8
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(&v.replace("gbk-1", "gbk-2"))))
        .collect();
    let body = post_raw(&sandbox, "charset=GBK", body.join("&"), FORM).await;
    assert_eq!(
        node(&body, "alipay_marketing_voucher_send_response")["sub_code"],
        "isv.invalid-signature"
    );
}

#[tokio::test]
async fn legacy_rsa_sign_type_works_both_ways() {
    let (sandbox, _client) = start().await;
    let client = sandbox
        .client_builder()
        .sign_type(SignType::Rsa)
        .build()
        .expect("client");
    let sent = client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "rsa-1").user_id(DEMO_USER))
        .await
        .expect("RSA request verified, RSA response verified");
    assert!(!sent.voucher_id.is_empty());
}

#[tokio::test]
async fn missing_common_parameters_are_40001_with_the_matching_sub_code() {
    let (sandbox, _client) = start().await;
    let (_, app) = keys();
    for (drop, sub_code) in [
        ("method", "isv.missing-method"),
        ("app_id", "isv.missing-app-id"),
        ("timestamp", "isv.missing-timestamp"),
        ("version", "isv.missing-version"),
        ("sign_type", "isv.missing-signature-type"),
        ("sign", "isv.missing-signature"),
    ] {
        let params: Vec<_> = signed_params(VOUCHER, BIZ, SystemTime::now(), app)
            .into_iter()
            .filter(|(k, _)| k != drop)
            .collect();
        let body = post_raw(&sandbox, "", form(&params), FORM).await;
        let key = if drop == "method" {
            "error_response"
        } else {
            "alipay_marketing_voucher_send_response"
        };
        let n = node(&body, key);
        assert_eq!(
            (n["code"].as_str(), n["sub_code"].as_str()),
            (Some("40001"), Some(sub_code)),
            "{drop}: {body}"
        );
        assert_eq!(n["msg"], "Missing Required Arguments");
    }
    assert_eq!(calls(&sandbox, "", "40001/isv.missing-method"), 1);
}

#[tokio::test]
async fn unknown_method_is_invalid_method_in_error_response() {
    let (_sandbox, client) = start().await;
    let e = client
        .execute("alipay.trade.pay", "{}")
        .await
        .expect_err("unknown method");
    assert_eq!(
        gateway_codes(&e),
        ("40002".into(), "isv.invalid-method".into())
    );
    assert!(
        e.to_string().contains("alipay.marketing.voucher.send"),
        "lists what is served: {e}"
    );
}

#[tokio::test]
async fn unknown_app_id_is_invalid_app_id() {
    let (sandbox, _client) = start().await;
    let (alipay, app) = keys();
    let client = Client::builder()
        .app_id("2021999999999999")
        .private_key(app.clone())
        .alipay_public_key(alipay.public_key())
        .gateway(Gateway::Url(sandbox.url()))
        .build()
        .expect("client");
    let e = client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "a-1").user_id(DEMO_USER))
        .await
        .expect_err("unknown app");
    assert_eq!(
        gateway_codes(&e),
        ("40002".into(), "isv.invalid-app-id".into())
    );
}

#[tokio::test]
async fn bad_format_sign_type_charset_and_biz_content_are_40002() {
    let (sandbox, _client) = start().await;
    let (_, app) = keys();
    let with = |k: &str, v: &str| -> Vec<(String, String)> {
        signed_params(VOUCHER, BIZ, SystemTime::now(), app)
            .into_iter()
            .map(|(pk, pv)| {
                if pk == k {
                    (pk, v.to_owned())
                } else {
                    (pk, pv)
                }
            })
            .collect()
    };
    let cases = [
        (with("format", "xml"), "isv.invalid-format"),
        (with("sign_type", "SM2"), "isv.invalid-signature-type"),
        (with("charset", "latin1"), "isv.invalid-charset"),
    ];
    for (params, sub_code) in cases {
        let body = post_raw(
            &sandbox,
            "",
            form(&params),
            "application/x-www-form-urlencoded",
        )
        .await;
        let n = if sub_code == "isv.invalid-charset" {
            &body["error_response"]
        } else {
            node(&body, "alipay_marketing_voucher_send_response")
        };
        assert_eq!(
            (n["code"].as_str(), n["sub_code"].as_str()),
            (Some("40002"), Some(sub_code)),
            "{body}"
        );
    }
    let params = signed_params(VOUCHER, "not json", SystemTime::now(), app);
    let body = post_raw(&sandbox, "", form(&params), FORM).await;
    let n = node(&body, "alipay_marketing_voucher_send_response");
    assert_eq!(n["sub_code"], "isv.invalid-parameter");
    assert!(
        n["sub_msg"]
            .as_str()
            .unwrap_or("")
            .contains("biz_content is not valid JSON"),
        "{n}"
    );
}

#[tokio::test]
async fn a_scenario_app_with_its_own_public_key_verifies_with_it() {
    let key = stranger_key();
    let scenario = alipay_marketing_sandbox::Scenario::from_json_str(&format!(
        r#"{{"apps":[{{"app_id":"2021000000000777","public_key":{}}}],
            "users":[{{"user_id":"2088000000000001","mobile":"13800000001"}}],
            "templates":[{{"template_id":"T1","kind":"fixed","amount":"1.00"}}]}}"#,
        serde_json::to_string(&key.public_key().to_pem()).expect("json")
    ))
    .expect("scenario");
    let (alipay, _) = keys();
    let sandbox = Sandbox::start(
        Config::default()
            .scenario(scenario)
            .alipay_private_key(alipay.clone()),
    )
    .await
    .expect("start");
    assert_eq!(
        sandbox.app_private_key_pem(),
        "",
        "the caller holds the private key"
    );
    let client = sandbox
        .client_builder()
        .private_key(key.clone())
        .build()
        .expect("client");
    let sent = client
        .send_voucher(&VoucherSendRequest::new("T1", "k-1").user_id(DEMO_USER))
        .await
        .expect("sent");
    assert!(!sent.voucher_id.is_empty());
    assert_ne!(DEFAULT_APP_ID, sandbox.app_id());
}

#[tokio::test]
async fn every_answer_is_signed_with_the_sandbox_key_and_carries_a_trace_id() {
    let (_sandbox, client) = start().await;
    let prepared = client
        .prepare(&VoucherSendRequest::new("TPL-NOPE", "x").user_id(DEMO_USER))
        .expect("prepare");
    let response = reqwest::Client::new()
        .post(&prepared.url)
        .header("content-type", FORM)
        .body(prepared.body.clone())
        .send()
        .await
        .expect("answer");
    assert!(response.headers().get("trace_id").is_some());
    let text = response.text().await.expect("body");
    let (alipay, _) = keys();
    let e = alipay_marketing::envelope::read_response(
        text.as_bytes(),
        VOUCHER,
        &alipay.public_key(),
        SignType::Rsa2,
        None,
    )
    .expect_err("a business error");
    assert_eq!(e.kind(), ErrorKind::Gateway, "signed and verified: {e:?}");
}
