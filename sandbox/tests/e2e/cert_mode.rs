//! Certificate mode end to end: the core client with the sandbox's certificates, SNs checked on every request,
//! answers naming the Alipay certificate, rotation mid-run (downloaded once, chain-checked), an untrusted rotation
//! refused every time, SN mismatches, and the binary's certificate files.

use std::collections::HashMap;
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::cert::{Certificate, root_cert_sn};
use alipay_marketing::sign::{beijing_timestamp, sign_content};
use alipay_marketing::{Client, ErrorKind, Gateway, PrivateKey, RetryPolicy, SignType};
use alipay_marketing_sandbox::{CERT_DOWNLOAD_METHOD, DEFAULT_APP_ID, Sandbox, Scenario};
use base64::Engine as _;
use rcgen::{CertificateParams, DnType, KeyPair, PKCS_RSA_SHA256};

use crate::common::*;

/// The root CA key, generated once per test binary.
fn root_key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate().expect("root key"))
}

async fn start_with(scenario: Scenario) -> Sandbox {
    Sandbox::start(config().scenario(scenario).root_ca_key(root_key().clone()))
        .await
        .expect("sandbox starts")
}

async fn start_cert() -> (Sandbox, Client) {
    let sandbox = start_with(Scenario::default()).await;
    let client = sandbox
        .client_builder_cert_mode()
        .expect("certificates")
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("a certificate-mode client");
    (sandbox, client)
}

fn voucher(out_biz_no: &str) -> VoucherSendRequest {
    VoucherSendRequest::new("TPL-FIXED-10", out_biz_no).user_id(DEMO_USER)
}

/// Calls of the certificate download, per the sandbox.
fn downloads(sandbox: &Sandbox) -> u64 {
    sandbox.state()["calls"][CERT_DOWNLOAD_METHOD]["total"]
        .as_u64()
        .unwrap_or(0)
}

fn sn_of(pem: &str) -> String {
    Certificate::parse_pem_bundle("certificate", pem).expect("certificate")[0]
        .sn()
        .to_owned()
}

/// A self-signed certificate for `key`: accepted by the client (the key matches), unknown to the sandbox.
fn self_signed(key: &PrivateKey, cn: &str) -> String {
    let pair = KeyPair::from_pkcs8_pem_and_sign_algo(&key.to_pkcs8_pem(), &PKCS_RSA_SHA256)
        .expect("rcgen key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.self_signed(&pair).expect("certificate").pem()
}

#[tokio::test]
async fn certificate_mode_calls_verify_with_the_certificate_the_answer_names() {
    let (sandbox, client) = start_cert().await;
    let sent = client
        .send_voucher(&voucher("cert-1"))
        .await
        .expect("a certificate-mode call");
    assert_eq!(
        sandbox.state()["vouchers"]["issued"][0]["voucher_id"],
        sent.voucher_id.as_str()
    );
    // What went over the wire: both SNs, and an answer that names the Alipay certificate.
    let prepared = client.prepare(&voucher("cert-2")).expect("prepare");
    let query: HashMap<_, _> = prepared.query.iter().cloned().collect();
    assert_eq!(
        query["app_cert_sn"],
        sandbox.app_cert_sn(DEFAULT_APP_ID).expect("sn")
    );
    assert_eq!(
        query["alipay_root_cert_sn"],
        sandbox.root_cert_sn().expect("sn")
    );
    let roots = Certificate::parse_pem_bundle("root", &sandbox.root_cert_pem().expect("root"))
        .expect("root bundle");
    assert_eq!(query["alipay_root_cert_sn"], root_cert_sn(&roots));
    let answer = reqwest::Client::new()
        .post(&prepared.url)
        .header("content-type", FORM)
        .body(prepared.body)
        .send()
        .await
        .expect("answer")
        .text()
        .await
        .expect("body");
    let json: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
    assert_eq!(
        json["alipay_marketing_voucher_send_response"]["code"], "10000",
        "{json}"
    );
    assert_eq!(
        json["alipay_cert_sn"],
        sandbox.alipay_cert_sn().expect("sn").as_str()
    );
    assert_eq!(
        sn_of(&sandbox.alipay_cert_pem().expect("pem")),
        sandbox.alipay_cert_sn().expect("sn")
    );
    assert_eq!(downloads(&sandbox), 0);
    // Public-key mode is untouched: no alipay_cert_sn, signed with the Alipay public key's pair.
    let (_plain_sandbox, plain) = start().await;
    plain
        .send_voucher(&voucher("plain-1"))
        .await
        .expect("public-key mode");
}

#[tokio::test]
async fn a_rotation_mid_run_is_downloaded_once_and_calls_keep_working() {
    let (sandbox, client) = start_cert().await;
    let first_sn = sandbox.alipay_cert_sn().expect("sn");
    let first_pem = sandbox.alipay_cert_pem().expect("pem");
    client
        .send_voucher(&voucher("rot-1"))
        .await
        .expect("before the rotation");
    let rotated_sn = sandbox.rotate_alipay_cert().expect("rotate");
    assert_ne!(rotated_sn, first_sn);
    assert_eq!(sandbox.alipay_cert_sn().expect("sn"), rotated_sn);
    for n in 2..=4 {
        client
            .send_voucher(&voucher(&format!("rot-{n}")))
            .await
            .expect("after the rotation");
    }
    assert_eq!(sandbox.state()["vouchers"]["count"], 4);
    assert_eq!(
        downloads(&sandbox),
        1,
        "the new certificate is downloaded once"
    );
    assert_eq!(calls(&sandbox, CERT_DOWNLOAD_METHOD, "10000"), 1);

    // The old certificate stays downloadable by its SN.
    let old = client
        .execute(
            CERT_DOWNLOAD_METHOD,
            &serde_json::json!({ "alipay_cert_sn": first_sn }).to_string(),
        )
        .await
        .expect("download the old certificate");
    let content = old.json().expect("JSON")["alipay_cert_content"]
        .as_str()
        .expect("content")
        .to_owned();
    let pem = base64::engine::general_purpose::STANDARD
        .decode(content)
        .expect("base64");
    assert_eq!(String::from_utf8(pem).expect("PEM"), first_pem);

    // A second rotation is one more download.
    sandbox.rotate_alipay_cert().expect("rotate again");
    client
        .send_voucher(&voucher("rot-5"))
        .await
        .expect("after the second rotation");
    assert_eq!(downloads(&sandbox), 3, "one more, besides the explicit one");
    // A client built now starts with the current certificate and needs no download.
    let fresh = sandbox
        .client_builder_cert_mode()
        .expect("certificates")
        .build()
        .expect("client");
    fresh
        .send_voucher(&voucher("rot-6"))
        .await
        .expect("fresh client");
    assert_eq!(downloads(&sandbox), 3);
}

#[tokio::test]
async fn an_untrusted_rotation_is_refused_every_time_and_never_cached() {
    let (sandbox, client) = start_cert().await;
    client
        .send_voucher(&voucher("untrusted-1"))
        .await
        .expect("before the rotation");
    // Through the admin API, as other languages do it.
    let response = reqwest::Client::new()
        .post(format!("{}/rotate-cert", sandbox.admin_url()))
        .header("content-type", "application/json")
        .body(r#"{"untrusted": true}"#)
        .send()
        .await
        .expect("admin answers");
    assert_eq!(response.status(), 200);
    let rotated: serde_json::Value =
        serde_json::from_str(&response.text().await.expect("body")).expect("JSON");
    assert_eq!(rotated["trusted"], false);
    let untrusted_sn = rotated["alipay_cert_sn"].as_str().expect("sn").to_owned();
    assert_eq!(sandbox.alipay_cert_sn().expect("sn"), untrusted_sn);

    for n in 2..=3 {
        let error = client
            .send_voucher(&voucher(&format!("untrusted-{n}")))
            .await
            .expect_err("the chain check refuses the certificate");
        assert_eq!(error.kind(), ErrorKind::Signature, "{error}");
        assert!(error.to_string().contains("does not chain"), "{error}");
    }
    // Not cached: each call downloaded it again and refused it again.
    assert_eq!(downloads(&sandbox), 2);

    // A trusted rotation afterwards is accepted.
    sandbox.rotate_alipay_cert().expect("rotate");
    client
        .send_voucher(&voucher("untrusted-4"))
        .await
        .expect("a trusted certificate again");
    assert_eq!(downloads(&sandbox), 3);
    let certs = get_json(format!("{}/certs", sandbox.admin_url())).await;
    assert_eq!(
        certs["alipay_cert_sns"].as_array().expect("sns").len(),
        3,
        "{certs}"
    );
    assert_eq!(
        certs["alipay_cert_sn"],
        sandbox.alipay_cert_sn().expect("sn").as_str()
    );
}

#[tokio::test]
async fn sn_mismatches_are_refused_with_the_gateways_codes() {
    let (sandbox, _) = start_cert().await;
    let (_, app) = keys();
    let base = || {
        Client::builder()
            .app_id(DEFAULT_APP_ID)
            .private_key(app.clone())
            .alipay_cert_text(sandbox.alipay_cert_pem().expect("pem"))
            .gateway(Gateway::Url(sandbox.url()))
            .retry_policy(RetryPolicy::none())
    };
    let root = sandbox.root_cert_pem().expect("root");
    // An app certificate the sandbox did not issue (the key is right, the SN is not).
    let client = base()
        .app_cert_text(self_signed(app, "not issued by the sandbox"))
        .alipay_root_cert_text(root.clone())
        .build()
        .expect("client");
    let error = client
        .send_voucher(&voucher("sn-1"))
        .await
        .expect_err("wrong app_cert_sn");
    assert_eq!(
        gateway_codes(&error),
        ("40002".into(), "isv.invalid-app-cert-sn".into())
    );
    // A root bundle with one more certificate: another alipay_root_cert_sn.
    let bundle = format!("{root}{}", self_signed(stranger_key(), "another root"));
    let client = base()
        .app_cert_text(sandbox.app_cert_pem(DEFAULT_APP_ID).expect("app cert"))
        .alipay_root_cert_text(bundle)
        .build()
        .expect("client");
    let error = client
        .send_voucher(&voucher("sn-2"))
        .await
        .expect_err("wrong alipay_root_cert_sn");
    assert_eq!(
        gateway_codes(&error),
        ("40002".into(), "isv.invalid-root-cert-sn".into())
    );
    assert_eq!(sandbox.state()["vouchers"]["count"], 0);

    // app_cert_sn without alipay_root_cert_sn, by hand.
    let mut params: Vec<(String, String)> = [
        ("app_id", DEFAULT_APP_ID),
        ("method", VOUCHER),
        ("charset", "utf-8"),
        ("sign_type", "RSA2"),
        ("timestamp", &beijing_timestamp(SystemTime::now())),
        ("version", "1.0"),
        (
            "app_cert_sn",
            &sandbox.app_cert_sn(DEFAULT_APP_ID).expect("sn"),
        ),
        (
            "biz_content",
            r#"{"out_biz_no":"sn-3","template_id":"TPL-FIXED-10","user_id":"2088000000000001"}"#,
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let content = sign_content(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    params.push((
        "sign".into(),
        app.sign(SignType::Rsa2, content.as_bytes()).expect("sign"),
    ));
    let body = post_raw(&sandbox, "", form(&params), FORM).await;
    let node = &body["alipay_marketing_voucher_send_response"];
    assert_eq!(node["code"], "40001", "{body}");
    assert_eq!(node["sub_code"], "isv.missing-root-cert-sn", "{body}");
    // Still a certificate-mode answer: it names the certificate that signed it.
    assert_eq!(
        body["alipay_cert_sn"],
        sandbox.alipay_cert_sn().expect("sn").as_str()
    );
}

#[tokio::test]
async fn an_app_in_cert_mode_must_send_its_sns() {
    let mut scenario = Scenario::default();
    scenario.apps[0].cert_mode = true;
    let sandbox = start_with(scenario).await;
    // client_builder gives a certificate-mode client for such an app.
    let client = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    client
        .send_voucher(&voucher("mode-1"))
        .await
        .expect("certificate mode");
    let (_, app) = keys();
    let public_key_mode = Client::builder()
        .app_id(DEFAULT_APP_ID)
        .private_key(app.clone())
        .alipay_public_key_text(sandbox.alipay_public_key_pem())
        .gateway(Gateway::Url(sandbox.url()))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    let error = public_key_mode
        .send_voucher(&voucher("mode-2"))
        .await
        .expect_err("no app_cert_sn");
    assert_eq!(
        gateway_codes(&error),
        ("40001".into(), "isv.missing-app-cert-sn".into())
    );
}

#[tokio::test]
async fn downloading_an_unknown_sn_is_a_business_error() {
    let (sandbox, client) = start_cert().await;
    let error = client
        .execute(
            CERT_DOWNLOAD_METHOD,
            r#"{"alipay_cert_sn":"0123456789abcdef"}"#,
        )
        .await
        .expect_err("unknown SN");
    assert_eq!(
        gateway_codes(&error),
        ("40004".into(), "ALIPAY_CERT_NOT_EXIST".into())
    );
    let error = client
        .execute(CERT_DOWNLOAD_METHOD, "{}")
        .await
        .expect_err("no SN");
    assert_eq!(
        gateway_codes(&error),
        ("40004".into(), "INVALID_PARAMETER".into())
    );
    assert_eq!(
        calls(
            &sandbox,
            CERT_DOWNLOAD_METHOD,
            "40004/ALIPAY_CERT_NOT_EXIST"
        ),
        1
    );
}

fn read_env_file(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.trim_matches('\'').to_owned()))
        .collect()
}

#[tokio::test]
async fn the_binary_writes_certificate_files_for_certificate_mode() {
    let dir = temp_dir("cert-cli");
    let env_file = dir.join("sandbox.env");
    let mut child = Command::new(env!("CARGO_BIN_EXE_alipay-sandbox"))
        .args(["--port", "0", "--quiet", "--keys-dir"])
        .arg(dir.join("keys"))
        .arg("--env-file")
        .arg(&env_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn alipay-sandbox");
    let deadline = Instant::now() + Duration::from_secs(60);
    let env = loop {
        if let Ok(text) = std::fs::read_to_string(&env_file) {
            break read_env_file(&text);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            let mut err = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                let _ = stderr.read_to_string(&mut err);
            }
            panic!("alipay-sandbox exited early ({status}): {err}");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("no env file after 60 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let client = Client::builder()
        .app_id(&env["ALIPAY_APP_ID"])
        .private_key_file(&env["ALIPAY_APP_PRIVATE_KEY_FILE"])
        .app_cert_file(&env["ALIPAY_APP_CERT_FILE"])
        .alipay_cert_file(&env["ALIPAY_CERT_FILE"])
        .alipay_root_cert_file(&env["ALIPAY_ROOT_CERT_FILE"])
        .gateway(Gateway::Url(env["ALIPAY_GATEWAY_URL"].clone()))
        .retry_policy(RetryPolicy::none())
        .build();
    let admin_url = env["ALIPAY_ADMIN_URL"].clone();
    let outcome = async move {
        let client = client.expect("a certificate-mode client from the files");
        client
            .send_voucher(&voucher("cli-cert-1"))
            .await
            .expect("call");
        let rotated = reqwest::Client::new()
            .post(format!("{admin_url}/rotate-cert"))
            .header("content-type", "application/json")
            .send()
            .await
            .expect("rotate");
        assert_eq!(rotated.status(), 200);
        client
            .send_voucher(&voucher("cli-cert-2"))
            .await
            .expect("after the rotation");
        let state = get_json(format!("{admin_url}/state")).await;
        assert_eq!(state["calls"][CERT_DOWNLOAD_METHOD]["total"], 1, "{state}");
        assert_eq!(state["vouchers"]["count"], 2);
    };
    // Stop the child whatever the outcome.
    let result = tokio::spawn(outcome).await;
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let output = child.wait_with_output().expect("exit");
    if let Err(panic) = result {
        std::panic::resume_unwind(panic.into_panic());
    }
    assert!(output.status.success(), "{:?}", output.status);
    let keys = dir.join("keys");
    for file in [
        "alipay_root_cert.crt",
        "alipay_cert.crt",
        "app_cert.crt",
        "alipay_root_private_key.pem",
    ] {
        assert!(keys.join(file).exists(), "{file} written");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn aes_and_certificate_mode_together_survive_a_rotation() {
    let mut scenario = Scenario::default();
    scenario.apps[0].aes_key = Some("aa4BtZ4tspm2wnXLb1ThQA==".to_owned());
    let sandbox = start_with(scenario).await;
    let client = sandbox
        .client_builder_cert_mode()
        .expect("certificates")
        .aes_key_text("aa4BtZ4tspm2wnXLb1ThQA==")
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("a certificate-mode AES client");
    client
        .send_voucher(&voucher("cert-aes-1"))
        .await
        .expect("before the rotation");
    sandbox.rotate_alipay_cert().expect("rotation");
    // The download goes out in clear (as the official SDKs send it) and its answer is read in clear.
    client
        .send_voucher(&voucher("cert-aes-2"))
        .await
        .expect("after the rotation");
    assert_eq!(downloads(&sandbox), 1);
    assert_eq!(sandbox.state()["vouchers"]["count"], 2);
}
