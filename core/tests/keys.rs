//! Key loading: every accepted encoding, and an error that names each common mistake.

use std::path::PathBuf;

use alipay_marketing::{Client, ErrorKind, Gateway, PrivateKey, PublicKey, SignType};

fn read(rel: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn java_key(name: &str) -> String {
    let doc: serde_json::Value = serde_json::from_str(&read("keys/java/privateKey.json")).unwrap();
    doc[name].as_str().unwrap().to_owned()
}

fn config_error(result: alipay_marketing::Result<impl std::fmt::Debug>) -> alipay_marketing::Error {
    let error = result.expect_err("expected a configuration error");
    assert_eq!(error.kind(), ErrorKind::Config, "{error}");
    error
}

#[test]
fn the_four_private_key_encodings_are_the_same_key() {
    let keys = [
        "keys/node/app-private-key.pem",
        "keys/node/app-private-key-no-wrapper.pem",
        "keys/node/app-private-key-pkcs8.pem",
        "keys/node/app-private-key-pkcs8-no-wrapper.pem",
    ]
    .map(|f| PrivateKey::from_text(&read(f)).unwrap_or_else(|e| panic!("{f}: {e}")));
    let public = PublicKey::from_text(&read("keys/node/app-public-key.pem")).unwrap();
    for key in &keys {
        assert_eq!(key.public_key(), public);
        assert_eq!(key.bits(), 2048);
    }
    let first = keys[0].sign(SignType::Rsa2, b"a=1").unwrap();
    for key in &keys[1..] {
        assert_eq!(
            key.sign(SignType::Rsa2, b"a=1").unwrap(),
            first,
            "RSA PKCS#1 v1.5 signatures are deterministic"
        );
    }
}

#[test]
fn public_keys_load_from_pem_and_bare_base64_spki_and_pkcs1() {
    let pem = PublicKey::from_text(&read("keys/node/alipay-public-key.pem")).unwrap();
    let bare = PublicKey::from_text(&read("keys/node/alipay-public-key-no-wrapper.pem")).unwrap();
    assert_eq!(pem, bare);
    let private = PrivateKey::generate().unwrap();
    let spki = private.public_key();
    assert_eq!(PublicKey::from_text(&spki.to_pem()).unwrap(), spki);
    // The same key as PKCS#1 "RSA PUBLIC KEY": for RSA-2048 the SPKI DER is a 24-byte header then the PKCS#1 DER.
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let spki_der = b64.decode(spki.to_base64()).unwrap();
    let pkcs1 = b64.encode(&spki_der[24..]);
    let pem = format!("-----BEGIN RSA PUBLIC KEY-----\n{pkcs1}\n-----END RSA PUBLIC KEY-----\n");
    assert_eq!(PublicKey::from_text(&pem).unwrap(), spki);
    assert_eq!(PublicKey::from_text(&pkcs1).unwrap(), spki);
    assert_eq!(PublicKey::from_text(&spki.to_base64()).unwrap(), spki);
}

#[test]
fn the_java_sdk_pkcs8_keys_load_and_small_keys_are_refused() {
    for name in ["ProdCert", "ProdLife", "Sandbox"] {
        let key = PrivateKey::from_text(&java_key(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(key.bits(), 2048);
    }
    let error = config_error(PrivateKey::from_text(&java_key("DevLoadTest")));
    assert!(error.to_string().contains("1024-bit"), "{error}");
    assert!(error.to_string().contains("2048"), "{error}");
    let error = config_error(PrivateKey::from_text(&java_key("DevSM2")));
    assert!(error.to_string().contains("non-RSA"), "{error}");
    assert_eq!(error.field(), Some("private_key"));
}

#[test]
fn a_public_key_given_as_the_private_key_is_named() {
    for file in [
        "keys/node/app-public-key.pem",
        "keys/node/app-public-key-no-wrapper.pem",
    ] {
        let error = config_error(PrivateKey::from_text(&read(file)));
        assert!(
            error.to_string().contains("this is a public key"),
            "{file}: {error}"
        );
        assert_eq!(error.field(), Some("private_key"));
    }
}

#[test]
fn a_private_key_given_as_the_public_key_is_named_without_echoing_it() {
    let text = read("keys/node/app-private-key.pem");
    let error = config_error(PublicKey::from_text_for("alipay_public_key", &text));
    let message = error.to_string();
    assert!(message.contains("PRIVATE key"), "{message}");
    assert_eq!(error.field(), Some("alipay_public_key"));
    let body_line = text.lines().nth(1).unwrap();
    assert!(
        !message.contains(&body_line[..40]),
        "the key material must not be echoed"
    );
}

#[test]
fn a_certificate_given_as_a_key_is_named() {
    let cert = read("certs/node/alipayCertPublicKey_RSA2.crt");
    let error = config_error(PrivateKey::from_text(&cert));
    assert!(error.to_string().contains("certificate"), "{error}");
    let error = config_error(PublicKey::from_text(&cert));
    assert!(error.to_string().contains("certificate"), "{error}");
}

#[test]
fn corrupt_base64_says_where() {
    let mut text = read("keys/node/app-private-key-no-wrapper.pem");
    text.replace_range(100..101, "*");
    let error = config_error(PrivateKey::from_text(&text));
    let message = error.to_string();
    assert!(message.contains("base64"), "{message}");
    assert!(message.contains("position 100"), "{message}");

    let truncated = &read("keys/node/app-private-key-no-wrapper.pem")[..800];
    let error = config_error(PrivateKey::from_text(truncated));
    assert_eq!(error.field(), Some("private_key"), "{error}");
}

#[test]
fn empty_and_garbage_inputs_are_refused() {
    assert!(
        config_error(PrivateKey::from_text("  \n"))
            .to_string()
            .contains("is empty")
    );
    let error = config_error(PrivateKey::from_text("-----BEGIN PRIVATE KEY-----\nMIIB\n"));
    assert!(error.to_string().contains("END"), "{error}");
    config_error(PublicKey::from_text("aGVsbG8gd29ybGQ="));
}

#[test]
fn the_apps_own_public_key_given_as_the_alipay_public_key_is_caught_at_build() {
    let error = config_error(
        Client::builder()
            .app_id("2021000000000001")
            .private_key_text(read("keys/node/app-private-key.pem"))
            .alipay_public_key_text(read("keys/node/app-public-key.pem"))
            .build(),
    );
    assert_eq!(error.field(), Some("alipay_public_key"));
    assert!(
        error.to_string().contains("your app's own public key"),
        "{error}"
    );

    Client::builder()
        .app_id("2021000000000001")
        .private_key_text(read("keys/node/app-private-key.pem"))
        .alipay_public_key_text(read("keys/node/alipay-public-key.pem"))
        .gateway(Gateway::Sandbox)
        .build()
        .expect("the real Alipay public key is accepted");
}

#[test]
fn private_keys_never_appear_in_debug_output() {
    let text = read("keys/node/app-private-key-pkcs8.pem");
    let key = PrivateKey::from_text(&text).unwrap();
    let body = text.lines().nth(1).unwrap();
    let debug = format!("{key:?}");
    assert!(!debug.contains(&body[..24]), "{debug}");
    assert!(
        debug.contains("2048"),
        "Debug should still say what the key is: {debug}"
    );

    let client = Client::builder()
        .app_id("2021000000000001")
        .private_key(key.clone())
        .alipay_public_key_text(read("keys/node/alipay-public-key.pem"))
        .build()
        .unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains(&body[..24]), "{debug}");
    let pkcs8 = key.to_pkcs8_pem();
    for line in pkcs8.lines().skip(1).take(3) {
        assert!(!debug.contains(line), "{debug}");
    }
}

#[test]
fn sign_type_parses_both_names_and_refuses_others() {
    assert_eq!("RSA2".parse::<SignType>().unwrap(), SignType::Rsa2);
    assert_eq!("RSA".parse::<SignType>().unwrap(), SignType::Rsa);
    let error = "SM2".parse::<SignType>().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    assert!(error.to_string().contains("RSA2"), "{error}");
}

#[test]
fn a_key_given_as_a_path_string_says_it_looks_like_a_path() {
    for path in [
        "./keys/app_private_key.pem",
        "keys/app_private_key.pem",
        "/etc/alipay/app.key",
        "~/alipay_public_key.txt",
        r"C:\keys\app.pem",
    ] {
        let error = config_error(PrivateKey::from_text(path));
        let message = error.to_string();
        assert!(
            message.contains("looks like a file path"),
            "{path}: {message}"
        );
        assert!(message.contains("pathlib.Path"), "{path}: {message}");
        assert!(!message.contains("base64"), "{path}: {message}");
        let error = config_error(PublicKey::from_text(path));
        assert!(
            error.to_string().contains("looks like a file path"),
            "{error}"
        );
    }
    let error = config_error(PrivateKey::from_text("keys/app_private_key.pem"));
    assert_eq!(error.field(), Some("private_key"), "{error}");
    // Key text itself is never taken for a path, with or without its PEM lines.
    PrivateKey::from_text(&read("keys/node/app-private-key-no-wrapper.pem")).unwrap();
    PrivateKey::from_text(&read("keys/node/app-private-key.pem")).unwrap();
}
