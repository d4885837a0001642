//! The `alipay-sandbox` binary: spawn it, read its env file, make a call, stop it with SIGTERM.

use std::collections::HashMap;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use alipay_marketing::api::invite::{BizResultCode, InviteAwardRequest};
use alipay_marketing::{Client, Gateway};

use crate::common::*;

fn read_env_file(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.trim_matches('\'').to_owned()))
        .collect()
}

#[tokio::test]
async fn the_binary_serves_writes_its_env_file_and_stops_on_sigterm() {
    let dir = temp_dir("cli");
    let env_file = dir.join("sandbox.env");
    let mut child = Command::new(env!("CARGO_BIN_EXE_alipay-sandbox"))
        .args(["--port", "0", "--keys-dir"])
        .arg(dir.join("keys"))
        .arg("--env-file")
        .arg(&env_file)
        .arg("--state")
        .arg(dir.join("state.json"))
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
            child
                .stderr
                .take()
                .expect("stderr")
                .read_to_string(&mut err)
                .expect("read");
            panic!("alipay-sandbox exited early ({status}): {err}");
        }
        assert!(Instant::now() < deadline, "no env file after 60 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for name in [
        "ALIPAY_GATEWAY_URL",
        "ALIPAY_ADMIN_URL",
        "ALIPAY_APP_ID",
        "ALIPAY_APP_PRIVATE_KEY_FILE",
        "ALIPAY_PUBLIC_KEY_FILE",
    ] {
        assert!(env.contains_key(name), "{name} missing from {env:?}");
    }
    assert_eq!(env["ALIPAY_APP_ID"], "2021000000000001");
    let client = Client::builder()
        .app_id(&env["ALIPAY_APP_ID"])
        .private_key_file(&env["ALIPAY_APP_PRIVATE_KEY_FILE"])
        .alipay_public_key_file(&env["ALIPAY_PUBLIC_KEY_FILE"])
        .gateway(Gateway::Url(env["ALIPAY_GATEWAY_URL"].clone()))
        .build()
        .expect("client from the env file");
    let award = client
        .receive_invite_award(&InviteAwardRequest::new().mobile("13800000001"))
        .await
        .expect("call");
    assert_eq!(award.biz_result_code, BizResultCode::OldAwardSuccess);
    let state = get_json(format!("{}/state", env["ALIPAY_ADMIN_URL"])).await;
    assert_eq!(state["calls"][INVITE]["total"], 1);

    let killed = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill");
    assert!(killed.success());
    let output = child.wait_with_output().expect("exit");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "graceful exit on SIGTERM: {:?}\n{stdout}",
        output.status
    );
    assert!(
        stdout.contains("alipay-sandbox listening: http://127.0.0.1:"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "alipay.user.invite.award.receive app_id=2021000000000001 10000/OLD_AWARD_SUCCESS"
        ),
        "{stdout}"
    );
    assert!(
        !stdout.contains("PRIVATE KEY"),
        "no key material in the output"
    );
    assert!(dir.join("keys").join("app_private_key.pem").exists());
    assert!(dir.join("keys").join("alipay_public_key.pem").exists());
    assert!(dir.join("state.json").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unknown_options_are_refused_with_usage_advice() {
    let output = Command::new(env!("CARGO_BIN_EXE_alipay-sandbox"))
        .arg("--prot")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("unknown option \"--prot\"; see --help"),
        "{err}"
    );
}
