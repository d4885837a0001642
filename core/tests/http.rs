//! The client against a small loopback server: the exact HTTP request it sends, and how it treats each kind of
//! answer. (End-to-end tests against the full gateway emulator live in the sandbox crate.)

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::envelope::response_key;
use alipay_marketing::sign::{parse_beijing_timestamp, sign_content};
use alipay_marketing::{CallOptions, Client, ErrorKind, Gateway, PrivateKey, SignType};
use support::{Answer, Fixture, METHOD, SUCCESS, signed};

fn voucher() -> VoucherSendRequest {
    VoucherSendRequest::new("TPL-FIXED-10", "order 0001")
        .user_id("2088000000000001")
        .memo("新客 礼券")
}

#[tokio::test]
async fn the_request_on_the_wire_is_exactly_what_prepare_describes_and_what_was_signed() {
    let f = Fixture::start().await;
    f.answer_signed(SUCCESS);
    let response = f.client.send_voucher(&voucher()).await.unwrap();
    assert_eq!(response.voucher_id, "2024052700826004000000000001");

    let seen = f.seen();
    assert_eq!(seen.len(), 1);
    let seen = &seen[0];
    assert_eq!(
        seen.headers["content-type"],
        "application/x-www-form-urlencoded;charset=utf-8"
    );

    let query: BTreeMap<&str, &str> = seen
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let keys: Vec<&str> = query.keys().copied().collect();
    assert_eq!(
        keys,
        [
            "alipay_sdk",
            "app_id",
            "charset",
            "format",
            "method",
            "sign",
            "sign_type",
            "timestamp",
            "version"
        ]
    );
    assert_eq!(query["app_id"], "2021000000000001");
    assert_eq!(query["method"], METHOD);
    assert_eq!(query["charset"], "utf-8");
    assert_eq!(query["format"], "json");
    assert_eq!(query["sign_type"], "RSA2");
    assert_eq!(query["version"], "1.0");
    let sent_at = parse_beijing_timestamp(query["timestamp"]).expect("yyyy-MM-dd HH:mm:ss");
    let skew = std::time::SystemTime::now()
        .duration_since(sent_at)
        .unwrap_or_default();
    assert!(
        skew < Duration::from_secs(60),
        "timestamp {} is not now in Beijing time",
        query["timestamp"]
    );

    // The body is the form-encoded biz_content, '+' for spaces, non-ASCII as UTF-8 percent-escapes.
    let body = std::str::from_utf8(&seen.raw_body).unwrap();
    assert!(body.starts_with("biz_content=%7B%22"), "{body}");
    assert!(body.contains("order+0001"), "{body}");
    assert!(!body.contains(' '));
    assert_eq!(seen.form.len(), 1);
    let biz_content = &seen.form[0].1;
    assert_eq!(
        biz_content,
        r#"{"memo":"新客 礼券","out_biz_no":"order 0001","template_id":"TPL-FIXED-10","user_id":"2088000000000001"}"#
    );

    // The gateway's view: every parameter except sign, sorted, verifies with the app's public key.
    let all = seen
        .query
        .iter()
        .chain(seen.form.iter())
        .map(|(k, v)| (k.as_str(), v.as_str()));
    let content = sign_content(all);
    assert!(
        f.app_key
            .public_key()
            .verify(SignType::Rsa2, content.as_bytes(), query["sign"])
    );

    // prepare() at the same instant describes the same request, byte for byte.
    let prepared = f.client.prepare_at(&voucher(), sent_at).unwrap();
    assert_eq!(prepared.sign_content, content);
    assert_eq!(prepared.body, body);
    assert_eq!(prepared.form, seen.form);
    let mut prepared_query = prepared.query.clone();
    prepared_query.sort();
    let mut seen_query = seen.query.clone();
    seen_query.sort();
    assert_eq!(prepared_query, seen_query);
}

#[tokio::test]
async fn app_auth_token_is_sent_in_the_body_and_signed() {
    let f = Fixture::start().await;
    let client = Client::builder()
        .app_id("2021000000000001")
        .private_key(f.app_key.clone())
        .alipay_public_key(f.alipay_key.public_key())
        .gateway(Gateway::Url(f.client.gateway_url().to_owned()))
        .app_auth_token("202405BBd0a1b2c3")
        .build()
        .unwrap();
    f.answer_signed(SUCCESS);
    client.send_voucher(&voucher()).await.unwrap();
    let seen = &f.seen()[0];
    assert!(
        seen.form
            .contains(&("app_auth_token".into(), "202405BBd0a1b2c3".into()))
    );
    let prepared = client.prepare(&voucher()).unwrap();
    assert!(
        prepared
            .sign_content
            .contains("&app_auth_token=202405BBd0a1b2c3&"),
        "{}",
        prepared.sign_content
    );
}

#[tokio::test]
async fn a_tampered_response_is_a_signature_error_never_data() {
    let f = Fixture::start().await;
    let body = signed(&f.alipay_key, &response_key(METHOD), SUCCESS).replace("0001\"", "0002\"");
    f.answer(200, body);
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Signature, "{error}");
}

#[tokio::test]
async fn a_response_signed_by_another_key_is_a_signature_error() {
    let f = Fixture::start().await;
    let stranger = PrivateKey::generate().unwrap();
    f.answer(200, signed(&stranger, &response_key(METHOD), SUCCESS));
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Signature, "{error}");
    assert!(error.to_string().contains("alipay_public_key"), "{error}");
}

#[tokio::test]
async fn an_unsigned_success_is_refused_but_an_unsigned_error_is_reported() {
    let f = Fixture::start().await;
    f.answer(200, format!("{{\"{}\":{SUCCESS}}}", response_key(METHOD)));
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Signature, "{error}");

    let node = r#"{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-app-id","sub_msg":"无效的AppID参数"}"#;
    f.answer(200, format!("{{\"error_response\":{node}}}"));
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Gateway, "{error}");
    let gateway = error.gateway_error().unwrap();
    assert_eq!(gateway.code, "40002");
    assert_eq!(gateway.sub_code.as_deref(), Some("isv.invalid-app-id"));
    assert_eq!(
        gateway.trace_id.as_deref(),
        Some("0b8f1c2d17000000000000001")
    );
    // Unsigned, so it settles nothing: marked unverified, outcome unknown, safe to resend with the same key.
    assert!(error.is_unverified() && error.outcome_unknown() && error.is_retryable());
}

#[tokio::test]
async fn a_signed_business_error_is_a_gateway_error_with_every_field() {
    let f = Fixture::start().await;
    let node = r#"{"code":"40004","msg":"Business Failed","sub_code":"TEMPLATE_NOT_EXIST","sub_msg":"模板不存在"}"#;
    f.answer_signed(node);
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Gateway);
    let gateway = error.gateway_error().unwrap();
    assert_eq!(
        (gateway.code.as_str(), gateway.msg.as_str()),
        ("40004", "Business Failed")
    );
    assert_eq!(gateway.sub_code.as_deref(), Some("TEMPLATE_NOT_EXIST"));
    assert_eq!(gateway.sub_msg.as_deref(), Some("模板不存在"));
    assert!(gateway.is_business());
}

#[tokio::test]
async fn code_10000_with_a_sub_code_is_not_a_success() {
    let f = Fixture::start().await;
    f.answer_signed(
        r#"{"code":"10000","msg":"Success","sub_code":"ACQ.SYSTEM_ERROR","voucher_id":"1"}"#,
    );
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Gateway, "{error}");
}

#[tokio::test]
async fn http_failures_and_html_pages_are_http_errors() {
    let f = Fixture::start().await;
    f.answer(502, "<html><body>502 Bad Gateway</body></html>");
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Http);
    assert_eq!(error.http_status(), Some(502));
    assert!(error.to_string().contains("502 Bad Gateway"), "{error}");

    f.answer(200, "<html>maintenance</html>");
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Http, "{error}");
}

#[tokio::test]
async fn the_deadline_bounds_the_call_and_can_be_overridden_per_call() {
    let f = Fixture::start().await;
    f.script([Answer::new(200, f.signed(SUCCESS)).delayed(Duration::from_millis(1500))]);
    let options = CallOptions::with_timeout(Duration::from_millis(200));
    let error = f.client.call(&voucher(), &options).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    assert!(
        error.to_string().contains("order 0001"),
        "the idempotency key is named for the retry: {error}"
    );
    assert!(error.is_retryable());
    // Without the override the 5 s deadline leaves room for the slow answer.
    f.client.send_voucher(&voucher()).await.unwrap();
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error_that_sent_nothing() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder()
        .app_id("2021000000000001")
        .private_key(PrivateKey::generate().unwrap())
        .alipay_public_key(PrivateKey::generate().unwrap().public_key())
        .gateway(Gateway::Url(format!("http://{addr}/gateway.do")))
        .build()
        .unwrap();
    let error = client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
    assert!(!error.request_may_have_been_sent());
}

#[tokio::test]
async fn invalid_requests_fail_before_anything_is_sent() {
    let f = Fixture::start().await;
    f.answer_signed(SUCCESS);
    let error = f
        .client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", ""))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert_eq!(error.field(), Some("out_biz_no"));
    let error = f
        .client
        .execute("alipay.marketing.voucher.send", "[1,2]")
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{error}");
    assert!(f.seen().is_empty(), "nothing may reach the gateway");
}

#[tokio::test]
async fn execute_returns_the_verified_node_text() {
    let f = Fixture::start().await;
    f.answer_signed(SUCCESS);
    let response = f
        .client
        .execute(
            METHOD,
            r#"{"template_id":"TPL-FIXED-10","out_biz_no":"x","user_id":"2088000000000001"}"#,
        )
        .await
        .unwrap();
    assert_eq!(response.body, SUCCESS);
    assert_eq!(
        response.json().unwrap()["voucher_id"],
        "2024052700826004000000000001"
    );
    assert_eq!(
        response.trace_id.as_deref(),
        Some("0b8f1c2d17000000000000001")
    );
}

#[test]
fn plain_http_is_refused_for_non_loopback_hosts_unless_allowed() {
    let builder = || {
        Client::builder()
            .app_id("2021000000000001")
            .private_key(PrivateKey::generate().unwrap())
            .alipay_public_key(PrivateKey::generate().unwrap().public_key())
    };
    let error = builder()
        .gateway(Gateway::Url("http://gateway.example.com/gateway.do".into()))
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    assert_eq!(error.field(), Some("gateway"));
    builder()
        .gateway(Gateway::Url("http://gateway.example.com/gateway.do".into()))
        .allow_insecure_http(true)
        .build()
        .unwrap();
    builder()
        .gateway(Gateway::Url("http://localhost:8080/gateway.do".into()))
        .build()
        .unwrap();
    let client = builder().gateway(Gateway::Sandbox).build().unwrap();
    assert_eq!(
        client.gateway_url(),
        "https://openapi-sandbox.dl.alipaydev.com/gateway.do"
    );
    let client = builder().build().unwrap();
    assert_eq!(
        client.gateway_url(),
        "https://openapi.alipay.com/gateway.do"
    );
}

#[tokio::test]
async fn an_invalid_signature_answer_names_the_parameter_the_gateway_saw_differently() {
    let f = Fixture::start().await;
    let request = voucher();
    let now = std::time::SystemTime::now();
    // The gateway echoes the string it verified; here a proxy has rewritten `charset` (which sorts before
    // `timestamp`, so a second ticking between prepare and send cannot change the first difference).
    let ours = f.client.prepare_at(&request, now).unwrap().sign_content;
    let theirs = ours.replace("&charset=utf-8", "&charset=gbk");
    let node = serde_json::json!({
        "code": "40002",
        "msg": "Invalid Arguments",
        "sub_code": "isv.invalid-signature",
        "sub_msg": format!("验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：{theirs}"),
    });
    f.answer_signed(&node.to_string());
    let error = f.client.send_voucher(&request).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Gateway);
    let mismatch = error.signature_mismatch().expect("the explainer ran");
    assert_eq!(mismatch.first_difference.as_deref(), Some("charset"));
    assert!(
        error
            .to_string()
            .contains("first differing parameter: charset"),
        "{error}"
    );
}
