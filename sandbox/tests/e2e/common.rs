//! Shared helpers: keys generated once per test binary, a started sandbox, raw signed requests.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::SystemTime;

use alipay_marketing::sign::{beijing_timestamp, sign_content};
use alipay_marketing::{Client, Error, ErrorKind, PrivateKey, RetryPolicy, SignType};
use alipay_marketing_sandbox::{Config, DEFAULT_APP_ID, Sandbox};

/// (the sandbox's Alipay key, the default app's key), generated once: key generation is slow.
pub fn keys() -> &'static (PrivateKey, PrivateKey) {
    static KEYS: OnceLock<(PrivateKey, PrivateKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        (
            PrivateKey::generate().expect("alipay key"),
            PrivateKey::generate().expect("app key"),
        )
    })
}

/// A key that the sandbox does not know.
pub fn stranger_key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate().expect("stranger key"))
}

pub fn config() -> Config {
    let (alipay, app) = keys();
    Config::default()
        .alipay_private_key(alipay.clone())
        .app_private_key(DEFAULT_APP_ID, app.clone())
}

pub async fn start() -> (Sandbox, Client) {
    let sandbox = Sandbox::start(config()).await.expect("sandbox starts");
    // One attempt per call: these tests watch each answer (retries are tested on their own).
    let client = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client builds");
    (sandbox, client)
}

/// The gateway error's (code, sub_code), failing the test with the error when it is another kind.
pub fn gateway_codes(e: &Error) -> (String, String) {
    assert_eq!(
        e.kind(),
        ErrorKind::Gateway,
        "expected a gateway error, got {e:?}"
    );
    let g = e.gateway_error().expect("gateway details");
    (g.code.clone(), g.sub_code.clone().unwrap_or_default())
}

/// How many calls of `method` ended with `outcome`, per the sandbox.
pub fn calls(sandbox: &Sandbox, method: &str, outcome: &str) -> u64 {
    sandbox.state()["calls"][method]["outcomes"][outcome]
        .as_u64()
        .unwrap_or(0)
}

/// A fresh, empty directory under the system temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "sandbox-test-{name}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The common parameters of a request, signed with `key` over everything but `sign` (UTF-8).
pub fn signed_params(
    method: &str,
    biz_content: &str,
    at: SystemTime,
    key: &PrivateKey,
) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = [
        ("app_id", DEFAULT_APP_ID),
        ("method", method),
        ("format", "json"),
        ("charset", "utf-8"),
        ("sign_type", "RSA2"),
        ("timestamp", &beijing_timestamp(at)),
        ("version", "1.0"),
        ("biz_content", biz_content),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let content = sign_content(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let sign = key.sign(SignType::Rsa2, content.as_bytes()).expect("sign");
    params.push(("sign".to_owned(), sign));
    params
}

pub fn form(params: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter())
        .finish()
}

/// POSTs `query` in the URL and `body` as the form; returns the parsed JSON body.
pub async fn post_raw(
    sandbox: &Sandbox,
    query: &str,
    body: String,
    content_type: &str,
) -> serde_json::Value {
    let url = if query.is_empty() {
        sandbox.url()
    } else {
        format!("{}?{query}", sandbox.url())
    };
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("sandbox answers");
    assert_eq!(response.status(), 200);
    serde_json::from_str(&response.text().await.expect("body")).expect("JSON body")
}

pub const FORM: &str = "application/x-www-form-urlencoded;charset=utf-8";
pub const INVITE: &str = "alipay.user.invite.award.receive";
pub const VOUCHER: &str = "alipay.marketing.voucher.send";
pub const POINTS: &str = "koubei.marketing.tool.points.update";
pub const DEMO_USER: &str = "2088000000000001";
pub const FROZEN_USER: &str = "2088000000000002";

/// GETs a URL and parses the JSON body.
pub async fn get_json(url: String) -> serde_json::Value {
    let text = reqwest::get(url)
        .await
        .expect("answer")
        .text()
        .await
        .expect("body");
    serde_json::from_str(&text).expect("JSON body")
}
