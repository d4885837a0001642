//! The `alipay-sandbox` binary: spawn it, read its env file, make a call, stop it with SIGTERM.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alipay_marketing::api::invite::{BizResultCode, InviteAwardRequest};
use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::{Client, Gateway, RetryPolicy};

use crate::common::*;

fn read_env_file(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.trim_matches('\'').to_owned()))
        .collect()
}

/// Spawns the binary on a free port with its keys and env file in `dir` (and `extra` arguments); answers it once its
/// env file is written, with the env file's variables.
async fn spawn(dir: &Path, extra: &[&OsStr]) -> (Child, HashMap<String, String>) {
    let env_file = dir.join("sandbox.env");
    let _ = std::fs::remove_file(&env_file);
    let mut child = Command::new(env!("CARGO_BIN_EXE_alipay-sandbox"))
        .args(["--port", "0", "--keys-dir"])
        .arg(dir.join("keys"))
        .arg("--env-file")
        .arg(&env_file)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn alipay-sandbox");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(text) = std::fs::read_to_string(&env_file) {
            return (child, read_env_file(&text));
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
    }
}

fn client_from(env: &HashMap<String, String>) -> Client {
    Client::builder()
        .app_id(&env["ALIPAY_APP_ID"])
        .private_key_file(&env["ALIPAY_APP_PRIVATE_KEY_FILE"])
        .alipay_public_key_file(&env["ALIPAY_PUBLIC_KEY_FILE"])
        .gateway(Gateway::Url(env["ALIPAY_GATEWAY_URL"].clone()))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client from the env file")
}

#[tokio::test]
async fn the_binary_serves_writes_its_env_file_and_stops_on_sigterm() {
    let dir = temp_dir("cli");
    let state = dir.join("state.json");
    let (child, env) = spawn(&dir, &[OsStr::new("--state"), state.as_os_str()]).await;
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
    let client = client_from(&env);
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

/// kill -9 in the middle of a stream of calls: every voucher whose answer came back is in the state the restarted
/// sandbox loads, and sending its `out_biz_no` again gets the same voucher (nothing lost, nothing applied twice).
#[tokio::test]
async fn a_sandbox_killed_mid_stream_keeps_every_answered_call() {
    let dir = temp_dir("kill9");
    let state = dir.join("state.json");
    let args = [OsStr::new("--state"), state.as_os_str()];
    let (mut child, env) = spawn(&dir, &args).await;
    let client = client_from(&env);
    let send =
        |i: u32| VoucherSendRequest::new("TPL-FIXED-10", format!("kill9-{i}")).user_id(DEMO_USER);
    let mut answered = Vec::new();
    let mut in_flight = tokio::task::JoinSet::new();
    for i in 0..400u32 {
        let (client, request) = (client.clone(), send(i));
        in_flight.spawn(async move { (i, client.send_voucher(&request).await) });
        if in_flight.len() >= 8 {
            let (i, result) = in_flight.join_next().await.expect("a call").expect("task");
            if let Ok(v) = result {
                answered.push((i, v.voucher_id));
            }
        }
        if answered.len() == 150 {
            // Killed with calls in flight.
            child.kill().expect("kill -9");
            break;
        }
    }
    while let Some(joined) = in_flight.join_next().await {
        if let (i, Ok(v)) = joined.expect("task") {
            answered.push((i, v.voucher_id));
        }
    }
    child.wait().expect("reap");
    assert!(answered.len() >= 150, "{} answered", answered.len());

    let (mut child, env) = spawn(&dir, &args).await;
    let state = get_json(format!("{}/state", env["ALIPAY_ADMIN_URL"])).await;
    let held: Vec<&str> = state["vouchers"]["issued"]
        .as_array()
        .expect("issued")
        .iter()
        .map(|v| v["voucher_id"].as_str().expect("voucher_id"))
        .collect();
    for (_, id) in &answered {
        assert!(
            held.contains(&id.as_str()),
            "answered voucher {id} was lost"
        );
    }
    let client = client_from(&env);
    for (i, id) in &answered {
        let again = client.send_voucher(&send(*i)).await.expect("replay");
        assert_eq!(&again.voucher_id, id, "out_biz_no kill9-{i} applied twice");
    }
    let after = get_json(format!("{}/state", env["ALIPAY_ADMIN_URL"])).await;
    assert_eq!(after["vouchers"]["count"], state["vouchers"]["count"]);
    child.kill().expect("kill");
    child.wait().expect("reap");
    let _ = std::fs::remove_dir_all(&dir);
}
