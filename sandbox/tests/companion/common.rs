//! Shared helpers: keys generated once per test binary, a started sandbox, gateway codes, admin calls.

use std::sync::OnceLock;

use alipay_marketing::{Client, Error, ErrorKind, PrivateKey, RetryPolicy};
use alipay_marketing_sandbox::{Config, DEFAULT_APP_ID, Sandbox, Scenario};

pub const USER: &str = "2088000000000001";
pub const STAMP_CARD: &str = "STAMP-CARD-01";

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

pub fn config(scenario: Scenario) -> Config {
    let (alipay, app) = keys();
    Config::default()
        .scenario(scenario)
        .alipay_private_key(alipay.clone())
        .app_private_key(DEFAULT_APP_ID, app.clone())
}

/// A sandbox with `scenario` and a client that makes one attempt per call (these tests watch each answer).
pub async fn start_with(scenario: Scenario) -> (Sandbox, Client) {
    let sandbox = Sandbox::start(config(scenario))
        .await
        .expect("sandbox starts");
    let client = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client builds");
    (sandbox, client)
}

pub async fn start() -> (Sandbox, Client) {
    start_with(Scenario::default()).await
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

/// The field an `InvalidRequest` error names, failing the test on any other error.
pub fn invalid_field(e: &Error) -> String {
    assert_eq!(
        e.kind(),
        ErrorKind::InvalidRequest,
        "expected an invalid request, got {e:?}"
    );
    e.field().unwrap_or_default().to_owned()
}

/// `POST /admin/templates` over loopback HTTP; returns the status and the JSON answer.
pub async fn admin_templates(
    sandbox: &Sandbox,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/templates", sandbox.admin_url()))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("admin API answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("admin answer");
    (status, serde_json::from_str(&text).expect("admin JSON"))
}

/// A user with a user_id only, as scenario JSON.
pub fn user(user_id: &str) -> alipay_marketing_sandbox::model::User {
    serde_json::from_value(serde_json::json!({ "user_id": user_id })).expect("user")
}
