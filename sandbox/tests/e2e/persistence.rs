//! `state_file`: a restart loses nothing, idempotency included.

use alipay_marketing::api::points::{PointsUpdateRequest, TransType};
use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing_sandbox::Sandbox;

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
