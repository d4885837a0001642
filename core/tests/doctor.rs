//! The configuration doctor: each finding triggered by a deliberately wrong configuration.

mod support;

use std::path::PathBuf;

use alipay_marketing::doctor::Level;
use alipay_marketing::{Client, Gateway, PrivateKey, SignType};
use support::Fixture;

fn read(rel: &str) -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures")
            .join(rel),
    )
    .unwrap()
}

fn level(report: &alipay_marketing::doctor::DoctorReport, topic: &str, needle: &str) -> Level {
    report
        .about(topic)
        .find(|f| f.message.contains(needle))
        .unwrap_or_else(|| panic!("no {topic} finding containing {needle:?} in:\n{report}"))
        .level
}

#[test]
fn a_sound_configuration_is_healthy_and_says_what_it_found() {
    let report = Client::builder()
        .app_id("2021000000000001")
        .private_key_text(read("keys/node/app-private-key.pem"))
        .app_public_key_text(read("keys/node/app-public-key.pem"))
        .alipay_public_key_text(read("keys/node/alipay-public-key-no-wrapper.pem"))
        .doctor();
    assert!(report.is_healthy(), "{report}");
    assert_eq!(
        level(
            &report,
            "private_key",
            "PKCS#1 private key, PEM \"RSA PRIVATE KEY\", RSA-2048"
        ),
        Level::Ok
    );
    assert_eq!(
        level(&report, "app_public_key", "matches private_key"),
        Level::Ok
    );
    assert_eq!(
        level(&report, "alipay_public_key", "SPKI public key, bare base64"),
        Level::Ok
    );
}

#[test]
fn every_mistake_is_reported_at_once() {
    let report = Client::builder()
        .app_id("9021000100000001")
        .private_key_text(read("keys/node/app-private-key-pkcs8.pem"))
        .app_public_key_text(read("keys/node/alipay-public-key.pem"))
        .alipay_public_key_text(read("keys/node/app-public-key.pem"))
        .sign_type(SignType::Rsa)
        .aes_key_text("not-a-key")
        .doctor();
    assert!(!report.is_healthy());
    assert_eq!(level(&report, "app_id", "sandbox app"), Level::Warning);
    assert_eq!(
        level(&report, "private_key", "PKCS#8 private key"),
        Level::Ok
    );
    assert_eq!(
        level(&report, "app_public_key", "does not match private_key"),
        Level::Problem
    );
    assert_eq!(
        level(&report, "alipay_public_key", "your app's own public key"),
        Level::Problem
    );
    assert_eq!(level(&report, "sign_type", "legacy"), Level::Warning);
    assert_eq!(level(&report, "aes_key", "base64"), Level::Problem);
    let text = report.to_string();
    assert!(
        text.contains("problem  alipay_public_key: is your app's own public key"),
        "{text}"
    );

    let report = Client::builder()
        .app_id("20210000x")
        .private_key_text(read("keys/node/app-public-key.pem"))
        .gateway(Gateway::Url("http://gateway.example.com/gateway.do".into()))
        .doctor();
    assert_eq!(level(&report, "app_id", "only digits"), Level::Problem);
    assert_eq!(
        level(&report, "private_key", "this is a public key"),
        Level::Problem
    );
    assert_eq!(
        level(&report, "alipay_public_key", "missing"),
        Level::Problem
    );
    assert_eq!(level(&report, "gateway", "plain http"), Level::Problem);
}

#[test]
fn certificate_mode_reports_sns_expiry_and_the_chain() {
    let private_key = PrivateKey::generate().unwrap();
    let report = Client::builder()
        .app_id("2021003102616019")
        .private_key(private_key)
        .app_cert_text(read("certs/net/appCertPublicKey_2021003102616019.crt"))
        .alipay_cert_text(read("certs/net/alipayCertPublicKey_RSA2.crt"))
        .alipay_root_cert_text(read("certs/net/alipayRootCert.crt"))
        .doctor();
    // Expiry depends on today's date, so only the SNs are fixed; the key mismatch and the root are not.
    level(&report, "app_cert", "SN 47a27aac8ae3b5c589576f371da36dc2");
    level(
        &report,
        "alipay_cert",
        "SN 4538e7d736df316c15435d5f9d3a8a1f",
    );
    assert_eq!(
        level(&report, "app_cert", "does not belong to private_key"),
        Level::Problem
    );
    assert_eq!(
        level(
            &report,
            "alipay_root_cert",
            "687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6"
        ),
        Level::Ok
    );
    let report = Client::builder()
        .app_id("2021003102616019")
        .private_key(PrivateKey::generate().unwrap())
        .app_cert_text(read("certs/net/appCertPublicKey_2021003102616019.crt"))
        .doctor();
    assert_eq!(
        level(&report, "alipay_root_cert", "missing"),
        Level::Problem
    );
}

#[tokio::test]
async fn check_config_measures_the_clock_against_the_gateway() {
    let f = Fixture::start().await;
    let report = f.client.check_config().await;
    assert_eq!(
        level(&report, "clock", "the gateway"),
        Level::Ok,
        "{report}"
    );
    assert!(report.is_healthy(), "{report}");
}

#[test]
fn the_connection_options_build_refuses_are_problems_of_the_doctor_too() {
    let sound = || {
        Client::builder()
            .app_id("2021000000000001")
            .private_key_text(read("keys/node/app-private-key.pem"))
            .alipay_public_key_text(read("keys/node/alipay-public-key-no-wrapper.pem"))
    };
    for (builder, topic, says) in [
        (
            sound().app_auth_token("202405BB\nmerchant"),
            "app_auth_token",
            "control character",
        ),
        (
            sound().max_response_bytes(10),
            "max_response_bytes",
            "too small",
        ),
        (
            sound().proxy("http://user:secret@[::1"),
            "proxy",
            "not a usable proxy URL",
        ),
        (
            sound().root_certificates_pem("not a certificate"),
            "root_certificates",
            "PEM",
        ),
    ] {
        let report = builder.clone().doctor();
        assert!(!report.is_healthy(), "{topic}: {report}");
        assert_eq!(level(&report, topic, says), Level::Problem, "{report}");
        assert!(!report.to_string().contains("secret"), "{report}");
        let e = builder.build().unwrap_err();
        assert_eq!(e.field(), Some(topic), "{e}");
        assert!(e.message().contains(says), "{e}");
    }
    assert!(sound().doctor().is_healthy());
}
