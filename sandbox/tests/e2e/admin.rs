//! The admin HTTP API: state, faults as JSON, reset.

use alipay_marketing::ErrorKind;
use alipay_marketing::api::voucher::VoucherSendRequest;

use alipay_marketing_sandbox::Sandbox;

use crate::common::*;

#[tokio::test]
async fn state_over_http_is_the_same_json_as_state() {
    let (sandbox, client) = start().await;
    client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "h-1").user_id(DEMO_USER))
        .await
        .expect("sent");
    let over_http = get_json(format!("{}/state", sandbox.admin_url())).await;
    assert_eq!(over_http, sandbox.state());
    assert_eq!(over_http["vouchers"]["count"], 1);
    assert_eq!(over_http["calls"][VOUCHER]["total"], 1);
}

#[tokio::test]
async fn faults_are_armed_and_cleared_over_http() {
    let (sandbox, client) = start().await;
    let http = reqwest::Client::new();
    let armed = http
        .post(format!("{}/faults", sandbox.admin_url()))
        .header("content-type", "application/json")
        .body(r#"{"rules":[{"method":"alipay.marketing.voucher.send","script":["http_502","drop_connection"]}]}"#)
        .send()
        .await
        .expect("arm");
    assert_eq!(armed.status(), 200);
    let e = client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "h-2").user_id(DEMO_USER))
        .await
        .expect_err("502");
    assert_eq!(e.kind(), ErrorKind::Http);
    let cleared = http
        .delete(format!("{}/faults", sandbox.admin_url()))
        .send()
        .await
        .expect("clear");
    assert_eq!(cleared.status(), 200);
    client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "h-2").user_id(DEMO_USER))
        .await
        .expect("no fault left");
}

#[tokio::test]
async fn a_bad_fault_plan_is_refused_with_the_reason() {
    let (sandbox, _client) = start().await;
    let response = reqwest::Client::new()
        .post(format!("{}/faults", sandbox.admin_url()))
        .header("content-type", "application/json")
        .body(r#"{"rules":[{"script":["explode"]}]}"#)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 400);
    let body: serde_json::Value =
        serde_json::from_str(&response.text().await.expect("body")).expect("JSON");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or("")
            .contains("unknown fault \"explode\""),
        "{body}"
    );
}

#[tokio::test]
async fn reset_returns_to_the_scenario() {
    let (sandbox, client) = start().await;
    client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "h-3").user_id(DEMO_USER))
        .await
        .expect("sent");
    let before_reset = sandbox.state();
    assert_eq!(before_reset["vouchers"]["count"], 1);
    let response = reqwest::Client::new()
        .post(format!("{}/reset", sandbox.admin_url()))
        .header("content-type", "application/json")
        .send()
        .await
        .expect("reset");
    assert_eq!(response.status(), 200);
    let state = sandbox.state();
    assert_eq!(state["vouchers"]["count"], 0);
    assert_eq!(state["total_calls"], 0);
    assert_eq!(state["points"]["accounts"][0]["available"], 100);
    // The idempotency key is forgotten too: the same request issues a new voucher.
    client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "h-3").user_id(DEMO_USER))
        .await
        .expect("sent again");
    assert_eq!(sandbox.state()["vouchers"]["count"], 1);
    sandbox.reset();
    assert_eq!(sandbox.state()["vouchers"]["count"], 0);
}

/// One raw HTTP/1.1 request to the admin API (so the Host header is exactly the one given); the status and body.
async fn raw_admin(sandbox: &Sandbox, request_head: &str, body: &str) -> (u16, serde_json::Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = sandbox
        .admin_url()
        .strip_prefix("http://")
        .and_then(|rest| rest.split('/').next())
        .expect("an http admin URL")
        .to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let request = format!(
        "{request_head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let answer = String::from_utf8(answer).expect("text");
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or_default())
}

fn port_of(sandbox: &Sandbox) -> String {
    let url = sandbox.admin_url();
    let rest = url.strip_prefix("http://127.0.0.1:").expect("loopback URL");
    rest.split('/').next().expect("port").to_owned()
}

const PLAN: &str = r#"{"rules":[{"script":["http_502"]}]}"#;

#[tokio::test]
async fn a_cross_origin_text_plain_post_is_refused_and_arms_nothing() {
    let (sandbox, client) = start().await;
    let port = port_of(&sandbox);
    for content_type in [
        "Content-Type: text/plain",
        "Content-Type: application/x-www-form-urlencoded",
        "X-No-Content-Type: 1",
    ] {
        let (status, body) = raw_admin(
            &sandbox,
            &format!("POST /admin/faults HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{content_type}"),
            PLAN,
        )
        .await;
        assert_eq!(status, 415, "{content_type}: {body}");
        assert!(
            body["error"]
                .as_str()
                .unwrap_or("")
                .contains("Content-Type: application/json"),
            "{body}"
        );
    }
    let (status, _) = raw_admin(
        &sandbox,
        &format!(
            "POST /admin/reset HTTP/1.1\r\nHost: localhost:{port}\r\nContent-Type: text/plain"
        ),
        "",
    )
    .await;
    assert_eq!(status, 415, "an empty-bodied POST needs JSON too");
    assert_eq!(sandbox.state()["faults_armed"], serde_json::json!([]));
    client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "g-1").user_id(DEMO_USER))
        .await
        .expect("no fault was armed");
    // The same request as JSON is taken.
    let (status, body) = raw_admin(
        &sandbox,
        &format!(
            "POST /admin/faults HTTP/1.1\r\nHost: [::1]:{port}\r\nContent-Type: application/json; charset=utf-8"
        ),
        PLAN,
    )
    .await;
    assert_eq!((status, body["armed"].as_u64()), (200, Some(1)), "{body}");
}

#[tokio::test]
async fn a_request_not_addressed_to_loopback_is_refused() {
    let (sandbox, client) = start().await;
    let port = port_of(&sandbox);
    for host in [
        format!("Host: evil.example:{port}"),
        format!("Host: localhost:{}", port.parse::<u32>().expect("port") + 1),
        "Host: localhost".to_owned(),
    ] {
        for head in [
            format!("GET /admin/state HTTP/1.1\r\n{host}"),
            format!("POST /admin/faults HTTP/1.1\r\n{host}\r\nContent-Type: application/json"),
        ] {
            let (status, body) = raw_admin(&sandbox, &head, PLAN).await;
            assert_eq!(status, 403, "{head}: {body}");
            assert!(
                body["error"]
                    .as_str()
                    .unwrap_or("")
                    .contains(&format!("127.0.0.1:{port}")),
                "{body}"
            );
        }
    }
    assert_eq!(sandbox.state()["faults_armed"], serde_json::json!([]));
    // The gateway itself is not the admin API: any Host reaches it.
    client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "g-2").user_id(DEMO_USER))
        .await
        .expect("the gateway answers");
    let (status, body) = raw_admin(
        &sandbox,
        &format!("GET /admin/state HTTP/1.1\r\nHost: localhost:{port}"),
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["vouchers"]["count"], 1);
}
