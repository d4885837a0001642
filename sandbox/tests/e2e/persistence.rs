//! `state_file`: a restart loses nothing, idempotency included; a torn last line is ignored.

use alipay_marketing::api::points::{PointsUpdateRequest, TransType};
use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing_sandbox::{Fault, FaultPlan, Sandbox};

use crate::common::*;

#[tokio::test]
async fn a_restart_with_the_state_file_loses_nothing() {
    let dir = temp_dir("persist");
    let state_file = dir.join("state.json");
    let voucher = VoucherSendRequest::new("TPL-FIXED-10", "p-1").user_id(DEMO_USER);
    let freeze = PointsUpdateRequest::new("p-2", DEMO_USER, "STAMP-CARD-01", TransType::Freeze, 25);
    let (first_voucher, freeze_log, before) = {
        let sandbox = Sandbox::start(config().state_file(&state_file))
            .await
            .expect("start");
        let client = sandbox.client_builder().build().expect("client");
        let v = client.send_voucher(&voucher).await.expect("voucher");
        let f = client.update_points(&freeze).await.expect("freeze");
        let before = sandbox.state();
        sandbox.stop().await;
        (v.voucher_id, f.point_log_no, before)
    };
    assert!(state_file.exists());
    let sandbox = Sandbox::start(config().state_file(&state_file))
        .await
        .expect("restart");
    assert_eq!(sandbox.state(), before);
    let client = sandbox.client_builder().build().expect("client");
    assert_eq!(
        client
            .send_voucher(&voucher)
            .await
            .expect("replay")
            .voucher_id,
        first_voucher
    );
    let commit = PointsUpdateRequest::new("p-3", DEMO_USER, "STAMP-CARD-01", TransType::Commit, 25)
        .biz_no(&freeze_log);
    client
        .update_points(&commit)
        .await
        .expect("commit the freeze made before the restart");
    let state = sandbox.state();
    assert_eq!(state["vouchers"]["count"], 1);
    assert_eq!(state["points"]["accounts"][0]["available"], 75);
    assert_eq!(state["points"]["accounts"][0]["frozen"], 0);
    // No temporary file is left beside the state file.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers, [std::ffi::OsString::from("state.json")]);
    sandbox.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_broken_state_file_is_refused_with_the_path() {
    let dir = temp_dir("broken");
    let state_file = dir.join("state.json");
    std::fs::write(&state_file, "{ not json").expect("write");
    let e = Sandbox::start(config().state_file(&state_file))
        .await
        .expect_err("broken state");
    assert!(e.to_string().contains("state.json"), "{e}");
    assert!(e.to_string().contains("delete it"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn start_blocking_works_without_a_runtime() {
    let sandbox = Sandbox::start_blocking(config()).expect("start");
    let state = sandbox.state();
    assert_eq!(state["total_calls"], 0);
    let url = sandbox.url();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/gateway.do"),
        "{url}"
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let client = sandbox.client_builder().build().expect("client");
    runtime
        .block_on(
            client.send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "b-1").user_id(DEMO_USER)),
        )
        .expect("voucher");
    assert_eq!(sandbox.state()["vouchers"]["count"], 1);
    sandbox.stop_blocking();
    let refused = std::net::TcpStream::connect(
        url.trim_start_matches("http://")
            .trim_end_matches("/gateway.do"),
    );
    assert!(refused.is_err(), "the port is closed after stop");
}

#[tokio::test]
async fn start_blocking_also_works_from_async_code_and_drop_stops_it() {
    let sandbox = Sandbox::start_blocking(config()).expect("start");
    let url = sandbox.url();
    let client = sandbox.client_builder().build().expect("client");
    client
        .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "d-1").user_id(DEMO_USER))
        .await
        .expect("voucher");
    drop(sandbox);
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches("/gateway.do")
        .to_owned();
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "Drop stopped the server"
    );
}

/// Calls of every kind, faults, an admin change and a reset, then a restart: the world replayed from the file is
/// the world the calls made.
#[tokio::test]
async fn a_restart_replays_calls_faults_and_admin_changes_into_the_same_state() {
    let dir = temp_dir("replay");
    let state_file = dir.join("state.json");
    let before = {
        let sandbox = Sandbox::start(config().state_file(&state_file))
            .await
            .expect("start");
        let client = sandbox
            .client_builder()
            .retry_policy(alipay_marketing::RetryPolicy::none())
            .build()
            .expect("client");
        let voucher = |key: &str| VoucherSendRequest::new("TPL-FIXED-10", key).user_id(DEMO_USER);
        client.send_voucher(&voucher("r-0")).await.expect("voucher");
        sandbox.reset();
        client.send_voucher(&voucher("r-1")).await.expect("voucher");
        sandbox
            .arm_faults(FaultPlan::new().script(Some(VOUCHER), [Fault::ErrorAfterEffect]))
            .expect("arm");
        client
            .send_voucher(&voucher("r-2"))
            .await
            .expect_err("error after effect");
        client
            .receive_invite_award(
                &alipay_marketing::api::invite::InviteAwardRequest::new().mobile("13800000001"),
            )
            .await
            .expect("award");
        let freeze =
            PointsUpdateRequest::new("r-3", DEMO_USER, "STAMP-CARD-01", TransType::Freeze, 5);
        client.update_points(&freeze).await.expect("freeze");
        client
            .send_voucher(&VoucherSendRequest::new("TPL-NO-SUCH", "r-4").user_id(DEMO_USER))
            .await
            .expect_err("no such template");
        sandbox.expire_template("TPL-RED-PACKET").expect("expire");
        let before = sandbox.state();
        assert_eq!(before["vouchers"]["count"], 2, "{before}");
        sandbox.stop().await;
        before
    };
    let sandbox = Sandbox::start(config().state_file(&state_file))
        .await
        .expect("restart");
    let mut after = sandbox.state();
    let mut before = before;
    for s in [&mut before, &mut after] {
        s.as_object_mut().expect("object").remove("faults_armed");
    }
    assert_eq!(after, before);
    sandbox.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A process killed while writing leaves a torn last line: it is ignored (its call was never answered). A damaged
/// line before the last is refused with its number.
#[tokio::test]
async fn a_torn_last_line_is_ignored_and_a_damaged_line_before_it_is_refused() {
    let dir = temp_dir("torn");
    let state_file = dir.join("state.json");
    let before = {
        let sandbox = Sandbox::start(config().state_file(&state_file))
            .await
            .expect("start");
        let client = sandbox.client_builder().build().expect("client");
        client
            .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "t-1").user_id(DEMO_USER))
            .await
            .expect("voucher");
        let before = sandbox.state();
        sandbox.stop().await;
        before
    };
    let good = std::fs::read_to_string(&state_file).expect("read");
    assert!(
        good.lines().count() >= 2,
        "the call's changes follow the snapshot"
    );
    let torn = format!("{good}[{{\"change\":\"call\",\"app_id\":\"20");
    std::fs::write(&state_file, &torn).expect("write");
    let sandbox = Sandbox::start(config().state_file(&state_file))
        .await
        .expect("a torn last line is ignored");
    assert_eq!(sandbox.state()["vouchers"], before["vouchers"]);
    sandbox.stop().await;

    let mut damaged: Vec<&str> = good.lines().collect();
    damaged.insert(1, "[{\"change\":\"no such change\"}]");
    std::fs::write(&state_file, damaged.join("\n") + "\n").expect("write");
    let e = Sandbox::start(config().state_file(&state_file))
        .await
        .expect_err("damaged");
    assert!(e.to_string().contains("line 2"), "{e}");
    assert!(e.to_string().contains("state.json"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
