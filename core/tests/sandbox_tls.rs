//! The client over HTTPS with a private CA, in front of the full gateway emulator: a TLS front (as a corporate
//! TLS-inspecting proxy or a load balancer would be) terminates TLS and forwards the bytes to the sandbox.

use std::sync::Arc;

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::{ErrorKind, Gateway, RetryPolicy};
use alipay_marketing_sandbox::{Config, Sandbox};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use tokio_rustls::rustls;

/// A test CA and a "localhost" server certificate it issued; returns the CA PEM and the server config.
fn tls_front_config() -> (String, Arc<rustls::ServerConfig>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "alipay-marketing test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_pem = ca_params.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let key = rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone()], key)
    .unwrap();
    (ca_pem, Arc::new(config))
}

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
    let (ca_pem, config) = tls_front_config();
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
