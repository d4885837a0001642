//! The client over HTTPS with a private CA, in front of the full gateway emulator: a TLS front (as a corporate
//! TLS-inspecting proxy or a load balancer would be) terminates TLS and forwards the bytes to the sandbox.

mod support;

use std::sync::Arc;

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::{ErrorKind, Gateway, RetryPolicy};
use alipay_marketing_sandbox::{Config, Sandbox};
use tokio_rustls::rustls;

/// Accepts TLS on a loopback port and pipes each connection to `upstream`.
async fn start_tls_front(config: Arc<rustls::ServerConfig>, upstream: std::net::SocketAddr) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut backend = tokio::net::TcpStream::connect(upstream).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut backend).await;
            });
        }
    });
    port
}

#[tokio::test]
async fn the_sandbox_behind_tls_with_a_private_ca_works_only_once_the_ca_is_trusted() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let (ca_pem, config) = support::tls::localhost_pki();
    let port = start_tls_front(config, sandbox.local_addr()).await;
    let gateway = Gateway::Url(format!("https://localhost:{port}/gateway.do"));
    let request = VoucherSendRequest::new("TPL-FIXED-10", "tls-1").user_id("2088000000000001");

    let untrusting = sandbox
        .client_builder()
        .gateway(gateway.clone())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = untrusting.send_voucher(&request).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
    assert_eq!(
        sandbox.state()["vouchers"]["count"],
        0,
        "nothing reached the gateway"
    );

    let trusting = sandbox
        .client_builder()
        .gateway(gateway)
        .root_certificates_pem(ca_pem)
        .build()
        .unwrap();
    let sent = trusting.send_voucher(&request).await.unwrap();
    assert_eq!(
        sandbox.state()["vouchers"]["issued"][0]["voucher_id"],
        sent.voucher_id.as_str()
    );
    sandbox.stop().await;
}
