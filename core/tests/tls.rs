//! HTTPS with a private CA (a TLS-inspecting corporate proxy, or an emulator served over TLS): refused by default,
//! accepted once the CA is configured with `root_certificates_pem`.

mod support;

use std::sync::Arc;

use alipay_marketing::envelope::response_key;
use alipay_marketing::{Client, ErrorKind, Gateway, PrivateKey, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

/// Serves every TLS connection one fixed HTTP/1.1 answer, then closes it.
async fn serve_tls(config: Arc<rustls::ServerConfig>, body: String) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            let body = body.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Read the head, then as many body bytes as Content-Length says.
                loop {
                    let n = tls.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request);
                    if let Some(head_end) = text.find("\r\n\r\n") {
                        let length = text[..head_end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap())
                            })
                            .unwrap_or(0);
                        if request.len() >= head_end + 4 + length {
                            break;
                        }
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json;charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

#[tokio::test]
async fn a_private_ca_is_refused_by_default_and_trusted_once_configured() {
    let (ca_pem, server_config) = support::tls::localhost_pki();
    let alipay_key = PrivateKey::generate().unwrap();
    let body = support::signed(
        &alipay_key,
        &response_key(support::METHOD),
        support::SUCCESS,
    );
    let port = serve_tls(server_config, body).await;
    let builder = || {
        Client::builder()
            .app_id("2021000000000001")
            .private_key(PrivateKey::generate().unwrap())
            .alipay_public_key(alipay_key.public_key())
            .gateway(Gateway::Url(format!("https://localhost:{port}/gateway.do")))
            .retry_policy(RetryPolicy::none())
    };
    let biz = r#"{"template_id":"TPL-FIXED-10","out_biz_no":"tls-1","user_id":"2088000000000001"}"#;

    let error = builder()
        .build()
        .unwrap()
        .execute(support::METHOD, biz)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");

    let client = builder().root_certificates_pem(ca_pem).build().unwrap();
    let response = client.execute(support::METHOD, biz).await.unwrap();
    assert_eq!(
        response.json().unwrap()["voucher_id"],
        "2024052700826004000000000001"
    );
}

#[test]
fn a_root_certificate_option_that_is_not_pem_is_a_config_error() {
    let error = Client::builder()
        .app_id("2021000000000001")
        .private_key(PrivateKey::generate().unwrap())
        .alipay_public_key(PrivateKey::generate().unwrap().public_key())
        .root_certificates_pem("not a certificate")
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    assert_eq!(error.field(), Some("root_certificates"));
}
