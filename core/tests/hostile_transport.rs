//! Hostile networks: huge bodies, redirects, TLS failures, proxies with passwords, answers that are not what they
//! seem, and calls dropped half-way. Each test failed before the fix it covers.

mod support;

use std::time::Duration;

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::client::DEFAULT_MAX_RESPONSE_BYTES;
use alipay_marketing::envelope::response_key;
use alipay_marketing::{CallOptions, Client, ErrorKind, Gateway, PrivateKey, RetryPolicy};
use support::{Answer, Fixture, METHOD, SUCCESS, signed};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn voucher() -> VoucherSendRequest {
    VoucherSendRequest::new("TPL-FIXED-10", "order-0001").user_id("2088000000000001")
}

async fn no_retries() -> Fixture {
    Fixture::start_with(|b| b.retry_policy(RetryPolicy::none())).await
}

#[tokio::test]
async fn a_body_whose_content_length_exceeds_the_cap_is_refused_with_the_outcome_unknown() {
    let f = no_retries().await;
    f.answer(200, vec![b' '; DEFAULT_MAX_RESPONSE_BYTES + 1]);
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Http, "{error}");
    assert!(error.outcome_unknown());
    assert_eq!(error.idempotency_key(), Some("order-0001"));
    let text = error.to_string();
    assert!(text.contains("max_response_bytes"), "{text}");
    assert!(text.contains("outcome unknown"), "{text}");
}

/// Answers every connection with an endless chunked body (no Content-Length): only counting stops it.
async fn serve_endless_chunks() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/gateway.do", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let (mut tcp, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                let _ = tcp.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if tcp.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("{:x}\r\n{}\r\n", 65536, " ".repeat(65536));
                // Stops when the client hangs up; never sends the terminating chunk.
                while tcp.write_all(chunk.as_bytes()).await.is_ok() {}
            });
        }
    });
    url
}

#[tokio::test]
async fn a_streamed_body_is_counted_and_cut_at_a_configured_cap() {
    let url = serve_endless_chunks().await;
    let client = Client::builder()
        .app_id("2021000000000001")
        .private_key(PrivateKey::generate().unwrap())
        .alipay_public_key(PrivateKey::generate().unwrap().public_key())
        .gateway(Gateway::Url(url))
        .retry_policy(RetryPolicy::none())
        .max_response_bytes(64 * 1024)
        .build()
        .unwrap();
    let error = client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Http, "{error}");
    assert!(error.outcome_unknown());
    assert!(error.to_string().contains("65536 bytes"), "{error}");
}

#[test]
fn a_cap_too_small_for_an_envelope_is_a_config_error() {
    let error = Client::builder()
        .app_id("2021000000000001")
        .private_key(PrivateKey::generate().unwrap())
        .alipay_public_key(PrivateKey::generate().unwrap().public_key())
        .max_response_bytes(10)
        .build()
        .unwrap_err();
    assert_eq!(error.field(), Some("max_response_bytes"), "{error}");
}

#[tokio::test]
async fn redirects_are_refused_naming_the_location_and_never_followed() {
    for status in [301, 302, 307, 308] {
        let f = no_retries().await;
        let target = format!(
            "{}?from=redirect",
            f.url.replace("127.0.0.1", "user:pw@127.0.0.1")
        );
        f.script([Answer::new(status, "").header("location", &target)]);
        let error = f.client.send_voucher(&voucher()).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Http, "{error}");
        assert_eq!(error.http_status(), Some(status));
        let text = error.to_string();
        assert!(
            text.contains("redirect") && text.contains("?from=redirect"),
            "{text}"
        );
        assert!(!text.contains("user:pw"), "{text}");
        // Following the redirect would have sent a second request to the same server.
        assert_eq!(f.seen().len(), 1, "HTTP {status} was followed");
    }
}

#[tokio::test]
async fn a_tls_failure_shows_its_cause() {
    let (_ca, server_config) = support::tls::localhost_pki();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor = tokio_rustls::TlsAcceptor::from(server_config);
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tokio::spawn(async move { drop(acceptor.accept(tcp).await) });
        }
    });
    let client = Client::builder()
        .app_id("2021000000000001")
        .private_key(PrivateKey::generate().unwrap())
        .alipay_public_key(PrivateKey::generate().unwrap().public_key())
        .gateway(Gateway::Url(format!("https://localhost:{port}/gateway.do")))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
    let text = error.to_string().to_ascii_lowercase();
    assert!(text.contains("certificate"), "{text}");
}

#[test]
fn a_bad_proxy_url_does_not_echo_its_password() {
    let error = Client::builder()
        .app_id("2021000000000001")
        .private_key(PrivateKey::generate().unwrap())
        .alipay_public_key(PrivateKey::generate().unwrap().public_key())
        .gateway(Gateway::Production)
        .proxy("http://bob:s3cret-pa55@proxy.internal:notaport")
        .build()
        .unwrap_err();
    assert_eq!(error.field(), Some("proxy"), "{error}");
    let text = format!("{error} {error:?}");
    assert!(!text.contains("s3cret-pa55"), "{text}");
    assert!(text.contains("proxy.internal"), "{text}");
}

#[tokio::test]
async fn a_failing_proxy_does_not_echo_its_password() {
    // A closed loopback port: the proxy connection is refused at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let client = Client::builder()
        .app_id("2021000000000001")
        .private_key(PrivateKey::generate().unwrap())
        .alipay_public_key(PrivateKey::generate().unwrap().public_key())
        .gateway(Gateway::Production)
        .proxy(format!("http://bob:s3cret-pa55@127.0.0.1:{port}"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.send_voucher(&voucher()).await.unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(!text.contains("s3cret-pa55"), "{text}");
}

#[tokio::test]
async fn a_verified_node_that_cannot_be_read_carries_the_key_and_attempts_and_counts_as_a_failure()
{
    let f = no_retries().await;
    for node in [
        r#"{"code":"10000","msg":"Success","user_id":"2088000000000001"}"#,
        r#"{"code":"10000","msg":"Success","voucher_id":12}"#,
        r#"{"code":"10000","msg":"Success","voucher_id":"1","voucher_id":"2"}"#,
    ] {
        f.answer_signed(node);
        let error = f.client.send_voucher(&voucher()).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Decode, "{node}: {error}");
        assert!(error.outcome_unknown());
        assert_eq!(error.idempotency_key(), Some("order-0001"));
        assert_eq!(error.attempts(), 1);
        assert!(error.to_string().contains("order-0001"), "{error}");
    }
    let stats = f.client.stats();
    assert_eq!(stats.successes, 0, "{stats:?}");
    assert_eq!(stats.failed_with(ErrorKind::Decode), 3, "{stats:?}");
}

#[tokio::test]
async fn a_signed_error_response_with_code_10000_is_never_a_success() {
    let f = no_retries().await;
    f.answer(200, signed(&f.alipay_key, "error_response", SUCCESS));
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert!(error.outcome_unknown(), "{error}");
    assert!(error.to_string().contains("error_response"), "{error}");
    assert_eq!(f.client.stats().successes, 0);
}

#[tokio::test]
async fn an_unsigned_error_response_is_unverified_and_leaves_the_outcome_unknown() {
    let f = no_retries().await;
    let node = r#"{"code":"40004","msg":"Business Failed","sub_code":"TEMPLATE_NOT_EXIST","sub_msg":"模板不存在"}"#;
    f.answer(200, format!("{{\"error_response\":{node}}}"));
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Gateway, "{error}");
    assert!(error.is_unverified());
    assert!(error.outcome_unknown());
    assert!(error.is_retryable(), "a resend with the same key is safe");
    assert_eq!(error.idempotency_key(), Some("order-0001"));
    assert!(error.to_string().contains("unsigned"), "{error}");

    // The same node signed settles the outcome: a definite business failure.
    f.answer(200, signed(&f.alipay_key, &response_key(METHOD), node));
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert!(!error.is_unverified());
    assert!(!error.outcome_unknown());
}

#[tokio::test]
async fn a_dropped_call_is_counted_as_cancelled() {
    let f = no_retries().await;
    f.script([Answer::new(200, f.signed(SUCCESS)).delayed(Duration::from_secs(30))]);
    let request = voucher();
    let call = f.client.send_voucher(&request);
    let arrived = async {
        while f.seen().is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::select! {
        _ = call => panic!("the call finished although the gateway holds its answer"),
        _ = arrived => {}
    }
    let stats = f.client.stats();
    assert_eq!(stats.cancelled, 1, "{stats:?}");
    assert_eq!(stats.in_flight, 0, "{stats:?}");
    assert_eq!(
        stats.calls,
        stats.successes + stats.failed() + stats.cancelled
    );
}

#[tokio::test]
async fn a_deadline_of_1e19_seconds_is_refused_naming_the_timeout_rather_than_a_panic() {
    let f = Fixture::start().await;
    f.answer_signed(SUCCESS);
    let huge = CallOptions::with_timeout(Duration::from_secs(u64::MAX));
    let e = f.client.call(&voucher(), &huge).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.field()),
        (ErrorKind::InvalidRequest, Some("timeout")),
        "{e}"
    );
    assert!(e.message().contains("longer than the maximum"), "{e}");
    assert!(!e.request_may_have_been_sent());
    assert!(f.seen().is_empty(), "nothing was sent");
}
