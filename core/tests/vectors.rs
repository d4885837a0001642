//! Known-answer tests against the vectors published by Alipay's official SDKs (tests/fixtures, see its README).

use std::path::PathBuf;

use alipay_marketing::envelope::{self, ExtractError, NodeKey};
use alipay_marketing::notify::{NotifyRule, notify_sign_content, verify_notification};
use alipay_marketing::sign::sign_content;
use alipay_marketing::{PrivateKey, PublicKey, SignType};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(fixtures().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn cases(file: &str) -> Vec<Value> {
    let doc: Value = serde_json::from_str(&read(file)).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

fn sign_type(v: &Value) -> SignType {
    v.as_str().unwrap().parse().unwrap()
}

fn private_key_of(case: &Value) -> PrivateKey {
    let text = read(case["key_file"].as_str().unwrap());
    let text = match case["key_json_field"].as_str() {
        Some(field) => serde_json::from_str::<Value>(&text).unwrap()[field]
            .as_str()
            .unwrap()
            .to_owned(),
        None => text,
    };
    PrivateKey::from_text(&text).unwrap_or_else(|e| panic!("{}: {e}", case["id"]))
}

fn string_params(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn sign_vectors_reproduce_the_published_signatures() {
    let all = cases("sign.json");
    assert!(all.len() >= 8);
    for case in &all {
        let id = case["id"].as_str().unwrap();
        let params = string_params(&case["params"]);
        let content = sign_content(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert_eq!(
            content,
            case["sign_content"].as_str().unwrap(),
            "{id}: sign content"
        );
        let key = private_key_of(case);
        let st = sign_type(&case["sign_type"]);
        let sign = key.sign(st, content.as_bytes()).unwrap();
        assert_eq!(
            sign,
            case["expected_sign"].as_str().unwrap(),
            "{id}: signature"
        );
        assert!(
            key.public_key().verify(st, content.as_bytes(), &sign),
            "{id}: verify with own public key"
        );
        if let Some(pub_file) = case["public_key_file"].as_str() {
            let public = PublicKey::from_text(&read(pub_file)).unwrap();
            assert_eq!(
                public,
                key.public_key(),
                "{id}: published public key matches the private key"
            );
            assert!(
                public.verify(st, content.as_bytes(), &sign),
                "{id}: verify with published key"
            );
        }
    }
}

#[test]
fn the_four_encodings_of_one_key_sign_identically() {
    let all = cases("sign.json");
    let signs: Vec<&str> = all
        .iter()
        .filter(|c| c["id"].as_str().unwrap().starts_with("node-app-key-"))
        .map(|c| c["expected_sign"].as_str().unwrap())
        .collect();
    assert_eq!(signs.len(), 4);
    assert!(signs.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn response_vectors_verify_as_published() {
    for case in cases("response.json") {
        let id = case["id"].as_str().unwrap();
        let key =
            PublicKey::from_text(&read(case["alipay_public_key_file"].as_str().unwrap())).unwrap();
        let body = case["raw_body"].as_str().unwrap();
        let env = envelope::extract(body.as_bytes(), case["method"].as_str().unwrap()).unwrap();
        assert_eq!(
            env.node,
            case["expected_signed_text"].as_str().unwrap().as_bytes(),
            "{id}"
        );
        assert_eq!(env.sign.as_deref(), case["expected_sign"].as_str(), "{id}");
        let valid = envelope::verify_node(
            env.node,
            env.sign.as_deref().unwrap(),
            &key,
            sign_type(&case["sign_type"]),
        );
        assert_eq!(valid, case["valid"].as_bool().unwrap(), "{id}");
        // The full decision: a valid success yields the node; anything else is a Signature error.
        let opened = envelope::read_response(
            body.as_bytes(),
            case["method"].as_str().unwrap(),
            &key,
            sign_type(&case["sign_type"]),
            None,
        );
        match (valid, opened) {
            (true, Ok(node)) => assert_eq!(node.as_bytes(), env.node),
            (false, Err(e)) => assert_eq!(e.kind(), alipay_marketing::ErrorKind::Signature, "{id}"),
            (v, r) => panic!("{id}: valid={v} but open gave {r:?}"),
        }
    }
}

#[test]
fn extraction_vectors_give_the_exact_signed_text() {
    let all = cases("extract.json");
    assert!(all.len() >= 21);
    for case in all {
        let id = case["id"].as_str().unwrap();
        let body = case["raw_body"].as_str().unwrap();
        let result = envelope::extract(body.as_bytes(), case["method"].as_str().unwrap());
        if case["expected_error"].as_str() == Some("duplicate_response_node") {
            assert_eq!(result, Err(ExtractError::DuplicateNode), "{id}");
            continue;
        }
        let env = result.unwrap_or_else(|e| panic!("{id}: {e:?}"));
        assert_eq!(
            std::str::from_utf8(env.node).unwrap(),
            case["expected_signed_text"].as_str().unwrap(),
            "{id}"
        );
        assert_eq!(
            env.sign.as_deref(),
            case["expected_sign"].as_str(),
            "{id}: sign"
        );
        assert_eq!(
            env.alipay_cert_sn.as_deref(),
            case["expected_alipay_cert_sn"].as_str(),
            "{id}: cert sn"
        );
        let fallback = case["expected_response_key_used"].as_str() == Some("error_response");
        assert_eq!(
            env.node_key == NodeKey::ErrorResponse,
            fallback,
            "{id}: node key"
        );
    }
}

#[test]
fn notification_vectors_verify_under_the_published_rule_only() {
    for case in cases("notify.json") {
        let id = case["id"].as_str().unwrap();
        let key =
            PublicKey::from_text(&read(case["alipay_public_key_file"].as_str().unwrap())).unwrap();
        let params = string_params(&case["params"]);
        let params: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        for (rule, name) in [(NotifyRule::V1, "v1"), (NotifyRule::V2, "v2")] {
            assert_eq!(
                notify_sign_content(params.iter().copied(), rule),
                case["expected_sign_content"][name].as_str().unwrap(),
                "{id} {name}"
            );
            assert_eq!(
                verify_notification(&params, &key, Some(rule)),
                case["expected_valid"][name].as_bool().unwrap(),
                "{id} {name}"
            );
        }
        let any = case["expected_valid"]["v1"].as_bool().unwrap()
            || case["expected_valid"]["v2"].as_bool().unwrap();
        assert_eq!(
            verify_notification(&params, &key, None),
            any,
            "{id} either rule"
        );
    }
}

#[test]
fn aes_vectors_encrypt_and_decrypt_as_the_official_sdks() {
    use alipay_marketing::AesKey;
    for case in cases("aes.json") {
        let id = case["id"].as_str().unwrap();
        let key = AesKey::from_base64(case["key_b64"].as_str().unwrap()).unwrap();
        let plaintext = case["plaintext"].as_str().unwrap();
        let ciphertext = case["ciphertext_b64"].as_str().unwrap();
        match case["type"].as_str().unwrap() {
            "AES" => {
                assert_eq!(
                    key.encrypt(plaintext.as_bytes()).unwrap(),
                    ciphertext,
                    "{id}"
                );
                assert_eq!(
                    key.decrypt(ciphertext).unwrap(),
                    plaintext.as_bytes(),
                    "{id}"
                );
            }
            // AES_V2 (a random IV in front) is a Java-only variant this SDK does not speak: it must not decrypt
            // to the plaintext by accident.
            "AES_V2" => {
                let decrypted = key.decrypt(ciphertext);
                assert!(
                    decrypted.map_or(true, |d| d != plaintext.as_bytes()),
                    "{id}"
                );
            }
            other => panic!("{id}: unknown type {other}"),
        }
    }
}

#[test]
fn certificate_sn_vectors_match_the_official_sdks() {
    use alipay_marketing::cert::{Certificate, root_cert_sn};
    for case in cases("cert_sn.json") {
        let id = case["id"].as_str().unwrap();
        let certs =
            Certificate::parse_pem_bundle("cert", &read(case["cert_file"].as_str().unwrap()))
                .unwrap();
        assert_eq!(
            certs.len() as u64,
            case["certs_in_file"].as_u64().unwrap(),
            "{id}"
        );
        match case["kind"].as_str().unwrap() {
            "cert" => {
                assert_eq!(
                    certs[0].issuer_dn(),
                    case["issuer_dn"].as_str().unwrap(),
                    "{id}"
                );
                assert_eq!(
                    certs[0].serial_decimal(),
                    case["serial_decimal"].as_str().unwrap(),
                    "{id}"
                );
                assert_eq!(certs[0].sn(), case["expected_sn"].as_str().unwrap(), "{id}");
                if let Some(expected) = case["expected_public_key_b64"].as_str() {
                    assert_eq!(
                        certs[0].public_key("alipay_cert").unwrap().to_base64(),
                        expected,
                        "{id}"
                    );
                }
            }
            "root" => assert_eq!(
                root_cert_sn(&certs),
                case["expected_sn"].as_str().unwrap(),
                "{id}"
            ),
            other => panic!("{id}: unknown kind {other}"),
        }
    }
}

#[test]
fn a_published_alipay_certificate_chains_to_the_published_root_bundle_only_while_valid() {
    use alipay_marketing::cert::{Certificate, verify_chain};
    let chain = Certificate::parse_pem_bundle(
        "alipay_cert",
        &read("certs/net/alipayCertPublicKey_RSA2.crt"),
    )
    .unwrap();
    let roots =
        Certificate::parse_pem_bundle("alipay_root_cert", &read("certs/net/alipayRootCert.crt"))
            .unwrap();
    let during = chain[0].not_after() - std::time::Duration::from_secs(86_400);
    verify_chain(&chain, &roots, during).expect("leaf → Class 2 R1 → root R1");

    let after = chain[0].not_after() + std::time::Duration::from_secs(86_400);
    let error = verify_chain(&chain, &roots, after).unwrap_err();
    assert!(error.to_string().contains("validity"), "{error}");

    // Without its intermediate the leaf does not reach a root; an app certificate is not an Alipay root either.
    let error = verify_chain(&chain[..1], &roots, during).unwrap_err();
    assert!(error.to_string().contains("does not chain"), "{error}");
    let app = Certificate::parse_pem_bundle(
        "app_cert",
        &read("certs/net/appCertPublicKey_2021003102616019.crt"),
    )
    .unwrap();
    assert!(verify_chain(&chain, &app, during).is_err());
}
