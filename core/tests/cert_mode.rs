//! Certificate mode against the loopback gateway: SNs on every request, responses verified by the certificate
//! they name, a rotated certificate downloaded and trusted only when it chains to the root bundle.

mod support;

use alipay_marketing::cert::{Certificate, root_cert_sn};
use alipay_marketing::envelope::response_key;
use alipay_marketing::{Client, ErrorKind, Gateway, PrivateKey, SignType};
use base64::Engine as _;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, PKCS_RSA_SHA256};
use support::{Answer, Fixture, METHOD, SUCCESS};

/// A test CA issuing RSA certificates, as Alipay's certificate authority does.
struct TestCa {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn rsa_keypair(key: &PrivateKey) -> KeyPair {
    KeyPair::from_pkcs8_pem_and_sign_algo(&key.to_pkcs8_pem(), &PKCS_RSA_SHA256).unwrap()
}

impl TestCa {
    fn new(name: &str) -> TestCa {
        let key = rsa_keypair(&PrivateKey::generate().unwrap());
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params
            .distinguished_name
            .push(DnType::OrganizationName, "alipay-marketing tests");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).unwrap();
        TestCa {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    fn issue(&self, name: &str, key: &PrivateKey) -> String {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params
            .signed_by(&rsa_keypair(key), &self.issuer)
            .unwrap()
            .pem()
    }
}

fn sn(pem: &str) -> String {
    Certificate::parse_pem_bundle("cert", pem).unwrap()[0]
        .sn()
        .to_owned()
}

/// A response signed with `key`, naming the certificate `cert_sn`.
fn signed_with_sn(key: &PrivateKey, method: &str, node: &str, cert_sn: Option<&str>) -> String {
    let sign = key.sign(SignType::Rsa2, node.as_bytes()).unwrap();
    let sn = cert_sn
        .map(|s| format!(",\"alipay_cert_sn\":\"{s}\""))
        .unwrap_or_default();
    format!(
        "{{\"{}\":{node}{sn},\"sign\":\"{sign}\"}}",
        response_key(method)
    )
}

fn download_answer(cert_pem: &str) -> String {
    let content = base64::engine::general_purpose::STANDARD.encode(cert_pem);
    let node = format!(r#"{{"code":"10000","msg":"Success","alipay_cert_content":"{content}"}}"#);
    // The download answer's own signature is not what earns trust: the chain check is.
    format!(
        "{{\"{}\":{node},\"sign\":\"\"}}",
        response_key("alipay.open.app.alipaycert.download")
    )
}

struct Pki {
    ca: TestCa,
    app_key: PrivateKey,
    app_cert: String,
    alipay_key: PrivateKey,
    alipay_cert: String,
}

fn pki() -> Pki {
    let ca = TestCa::new("Test Alipay Root CA");
    let app_key = PrivateKey::generate().unwrap();
    let alipay_key = PrivateKey::generate().unwrap();
    Pki {
        app_cert: ca.issue("2021000000000001", &app_key),
        alipay_cert: ca.issue("Alipay (test) 1", &alipay_key),
        ca,
        app_key,
        alipay_key,
    }
}

async fn fixture(p: &Pki) -> (Fixture, Client) {
    let f = Fixture::start().await;
    let client = Client::builder()
        .app_id("2021000000000001")
        .private_key(p.app_key.clone())
        .app_cert_text(p.app_cert.clone())
        .alipay_cert_text(p.alipay_cert.clone())
        .alipay_root_cert_text(p.ca.pem.clone())
        .gateway(Gateway::Url(f.url.clone()))
        .build()
        .unwrap();
    (f, client)
}

fn voucher() -> alipay_marketing::api::voucher::VoucherSendRequest {
    alipay_marketing::api::voucher::VoucherSendRequest::new("TPL-FIXED-10", "cert-1")
        .user_id("2088000000000001")
}

#[tokio::test]
async fn requests_carry_both_sns_and_responses_verify_with_the_named_certificate() {
    let p = pki();
    let (f, client) = fixture(&p).await;
    f.answer(
        200,
        signed_with_sn(&p.alipay_key, METHOD, SUCCESS, Some(&sn(&p.alipay_cert))),
    );
    client.send_voucher(&voucher()).await.unwrap();
    let seen = &f.seen()[0];
    let roots = Certificate::parse_pem_bundle("root", &p.ca.pem).unwrap();
    assert!(
        seen.query
            .contains(&("app_cert_sn".into(), sn(&p.app_cert)))
    );
    assert!(
        seen.query
            .contains(&("alipay_root_cert_sn".into(), root_cert_sn(&roots)))
    );
}

#[tokio::test]
async fn a_signed_response_without_alipay_cert_sn_is_refused() {
    let p = pki();
    let (f, client) = fixture(&p).await;
    f.answer(200, signed_with_sn(&p.alipay_key, METHOD, SUCCESS, None));
    let error = client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Signature);
    assert!(error.to_string().contains("alipay_cert_sn"), "{error}");
}

#[tokio::test]
async fn a_rotated_certificate_is_downloaded_checked_against_the_root_and_cached() {
    let p = pki();
    let (f, client) = fixture(&p).await;
    let rotated_key = PrivateKey::generate().unwrap();
    let rotated_cert = p.ca.issue("Alipay (test) 2", &rotated_key);
    let rotated_sn = sn(&rotated_cert);
    let answer = signed_with_sn(&rotated_key, METHOD, SUCCESS, Some(&rotated_sn));
    f.script([
        Answer::new(200, answer.clone()),
        Answer::new(200, download_answer(&rotated_cert)),
        Answer::new(200, answer),
    ]);
    client.send_voucher(&voucher()).await.unwrap();
    let seen = f.seen();
    assert_eq!(seen.len(), 2, "the call, then the download");
    let download = &seen[1];
    assert!(download.query.contains(&(
        "method".into(),
        "alipay.open.app.alipaycert.download".into()
    )));
    assert_eq!(
        download.form[0].1,
        format!(r#"{{"alipay_cert_sn":"{rotated_sn}"}}"#)
    );
    // Cached: the next response naming it verifies without another download.
    client.send_voucher(&voucher()).await.unwrap();
    assert_eq!(f.seen().len(), 3);
}

#[tokio::test]
async fn a_rotated_certificate_from_another_authority_is_refused() {
    let p = pki();
    let (f, client) = fixture(&p).await;
    let impostor_ca = TestCa::new("Test Alipay Root CA"); // same name, different key
    let impostor_key = PrivateKey::generate().unwrap();
    let impostor_cert = impostor_ca.issue("Alipay (test) 2", &impostor_key);
    let answer = signed_with_sn(&impostor_key, METHOD, SUCCESS, Some(&sn(&impostor_cert)));
    f.script([
        Answer::new(200, answer),
        Answer::new(200, download_answer(&impostor_cert)),
    ]);
    let error = client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Signature, "{error}");
    assert!(error.to_string().contains("does not chain"), "{error}");
}

#[test]
fn certificate_mode_configuration_mistakes_are_named() {
    let p = pki();
    let base = || {
        Client::builder()
            .app_id("2021000000000001")
            .private_key(p.app_key.clone())
    };
    let error = base()
        .app_cert_text(p.app_cert.clone())
        .alipay_cert_text(p.alipay_cert.clone())
        .build()
        .unwrap_err();
    assert_eq!(error.field(), Some("alipay_root_cert"));
    let error = base()
        .app_cert_text(p.alipay_cert.clone())
        .alipay_cert_text(p.alipay_cert.clone())
        .alipay_root_cert_text(p.ca.pem.clone())
        .build()
        .unwrap_err();
    assert_eq!(error.field(), Some("app_cert"));
    assert!(
        error.to_string().contains("does not belong to private_key"),
        "{error}"
    );
    let error = base()
        .app_cert_text(p.app_cert.clone())
        .alipay_cert_text(p.alipay_cert.clone())
        .alipay_root_cert_text(p.ca.pem.clone())
        .alipay_public_key(p.alipay_key.public_key())
        .build()
        .unwrap_err();
    assert_eq!(error.field(), Some("alipay_public_key"));
}
