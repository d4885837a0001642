//! Slow and stalled connections are closed by the sandbox (the header read timeout); slow answers are not.

use std::time::Duration;

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing_sandbox::{Fault, FaultPlan, Sandbox, SandboxErrorKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::*;

const HEADER_TIMEOUT: Duration = Duration::from_millis(300);
/// Far beyond the header timeout: reaching it means the sandbox kept the connection open.
const GENEROUS: Duration = Duration::from_secs(30);

async fn start_with_timeout() -> Sandbox {
    Sandbox::start(config().header_read_timeout(HEADER_TIMEOUT))
        .await
        .expect("sandbox starts")
}

/// Connects, sends `bytes`, then reads until the sandbox closes the connection; returns what was answered.
async fn send_then_wait_for_close(sandbox: &Sandbox, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(sandbox.local_addr())
        .await
        .expect("connect");
    stream.write_all(bytes).await.expect("send");
    let mut answer = Vec::new();
    match tokio::time::timeout(GENEROUS, stream.read_to_end(&mut answer)).await {
        Err(_) => panic!(
            "the sandbox still holds the connection after {GENEROUS:?} (sent {:?})",
            String::from_utf8_lossy(bytes)
        ),
        // A reset is a close too.
        Ok(Ok(_)) | Ok(Err(_)) => answer,
    }
}

#[tokio::test]
async fn half_a_request_line_is_closed() {
    let sandbox = start_with_timeout().await;
    let answer = send_then_wait_for_close(&sandbox, b"POST /gateway.do HT").await;
    // Whatever hyper answers (nothing, or a 408), it is not a gateway answer.
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"));
    assert_eq!(sandbox.state()["total_calls"], 0);
}

#[tokio::test]
async fn headers_that_never_end_are_closed() {
    let sandbox = start_with_timeout().await;
    send_then_wait_for_close(
        &sandbox,
        b"POST /gateway.do HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl",
    )
    .await;
}

#[tokio::test]
async fn silence_and_half_an_http2_preface_are_closed() {
    let sandbox = start_with_timeout().await;
    send_then_wait_for_close(&sandbox, b"").await;
    send_then_wait_for_close(&sandbox, b"PRI * HTTP/2.0\r\n").await;
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_its_answer() {
    let sandbox = start_with_timeout().await;
    let port = sandbox.local_addr().port();
    let answer = send_then_wait_for_close(
        &sandbox,
        format!("GET /admin/state HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes(),
    )
    .await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"vouchers\""), "{answer}");
}

#[tokio::test]
async fn a_call_slower_than_the_header_timeout_is_still_answered() {
    let sandbox = start_with_timeout().await;
    let client = sandbox
        .client_builder()
        .retry_policy(alipay_marketing::RetryPolicy::none())
        .build()
        .expect("client");
    sandbox
        .arm_faults(FaultPlan::new().script(Some(VOUCHER), [Fault::Latency(HEADER_TIMEOUT * 3)]))
        .expect("arm");
    client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "slow-1").user_id(DEMO_USER))
        .await
        .expect("the timeout bounds reading headers, not handling the call");
    assert_eq!(sandbox.state()["faults_hit"][VOUCHER]["latency"], 1);
}

#[tokio::test]
async fn a_header_read_timeout_of_zero_or_beyond_an_hour_is_refused() {
    for timeout in [Duration::ZERO, Duration::from_secs(3601)] {
        let e = Sandbox::start(config().header_read_timeout(timeout))
            .await
            .expect_err("refused");
        assert_eq!(e.kind(), SandboxErrorKind::Config);
        assert!(e.to_string().contains("header_read_timeout"), "{e}");
    }
}
