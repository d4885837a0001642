//! The `isv.invalid-signature` explainer end to end: the sandbox echoes the string it verified, and the client
//! names what went wrong — the key, or the parameter a proxy rewrote.

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::{Client, ErrorKind, Gateway, PrivateKey};
use alipay_marketing_sandbox::{Config, Sandbox};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::IntoResponse;

fn voucher() -> VoucherSendRequest {
    VoucherSendRequest::new("TPL-FIXED-10", "explain-1").user_id("2088000000000001")
}

#[tokio::test]
async fn a_request_signed_with_the_wrong_key_is_explained_as_a_key_problem() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox
        .client_builder()
        .private_key(PrivateKey::generate().unwrap())
        .build()
        .unwrap();
    let error = client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Gateway);
    assert_eq!(
        error.gateway_error().unwrap().sub_code.as_deref(),
        Some("isv.invalid-signature")
    );
    let mismatch = error
        .signature_mismatch()
        .expect("the sandbox echoes its sign string");
    assert_eq!(
        mismatch.gateways, mismatch.ours,
        "the gateway verified exactly what was signed"
    );
    assert_eq!(mismatch.first_difference, None);
    assert!(
        mismatch.likely_cause.contains("private key does not match"),
        "{}",
        mismatch.likely_cause
    );
    assert_eq!(sandbox.state()["vouchers"]["count"], 0);
    sandbox.stop().await;
}

/// A proxy that rewrites one thing in every request body, as a misbehaving middlebox would.
async fn tamper(
    State(upstream): State<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let body = String::from_utf8(body.to_vec())
        .unwrap()
        .replace("explain-1", "explain-2");
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!("{upstream}?{}", uri.query().unwrap_or("")))
        .header("content-type", headers["content-type"].clone())
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn a_parameter_rewritten_in_transit_is_named() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let app = axum::Router::new()
        .fallback(tamper)
        .with_state(sandbox.url());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let client: Client = sandbox
        .client_builder()
        .gateway(Gateway::Url("http://gateway.invalid/gateway.do".into()))
        .allow_insecure_http(true)
        .proxy(proxy)
        .build()
        .unwrap();
    let error = client.send_voucher(&voucher()).await.unwrap_err();
    let mismatch = error.signature_mismatch().expect("explained");
    assert_eq!(
        mismatch.first_difference.as_deref(),
        Some("biz_content"),
        "{error}"
    );
    assert!(mismatch.gateways.contains("explain-2"));
    assert!(
        mismatch.likely_cause.contains("tampered or rewritten"),
        "{}",
        mismatch.likely_cause
    );
    assert!(
        error
            .to_string()
            .contains("first differing parameter: biz_content"),
        "{error}"
    );
    sandbox.stop().await;
}
