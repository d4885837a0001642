//! `tests/c/test_calls.c` against an in-process sandbox: the invite award for a new user, an old user and a paused
//! activity; a voucher send and its replay on the same `out_biz_no`; a points deposit, freeze and commit; a GBK app;
//! `alipay_client_execute`. How it runs: `c_support::suite`.

mod c_support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use c_support::compile_test_program;
use c_support::suite::{each_mode, issued, no_faults, start_sandbox, voucher_lines};
use c_support::value;
use serde_json::Value;

/// `tests/c/test_calls.c`, compiled once per test process.
fn program() -> &'static Path {
    static PROGRAM: OnceLock<PathBuf> = OnceLock::new();
    PROGRAM.get_or_init(|| compile_test_program("test_calls"))
}

#[test]
fn invite_award_new_old_and_paused() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        program(),
        &["invite"],
        no_faults,
        |stdout, state| {
            assert_eq!(value(stdout, "new_user"), Some("NEW_AWARD_SUCESS"));
            assert_eq!(value(stdout, "old_user"), Some("OLD_AWARD_SUCCESS"));
            assert_eq!(value(stdout, "paused"), Some("ACTIVITY_PAUSE"));
            let activities = state["invite"]["activities"].as_object().unwrap();
            let new_mobiles: Vec<&str> = activities
                .values()
                .flat_map(|a| {
                    a["new_awarded_mobiles"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|m| m.as_str().unwrap())
                })
                .collect();
            assert_eq!(
                new_mobiles,
                ["13912345678"],
                "only the open activity awarded the new user"
            );
            let old: u64 = activities
                .values()
                .map(|a| a["old_awards"].as_u64().unwrap())
                .sum();
            assert_eq!(old, 1);
        },
    );
}

#[test]
fn voucher_send_is_idempotent_on_out_biz_no() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        program(),
        &["voucher"],
        no_faults,
        |stdout, state| {
            let printed = voucher_lines(stdout);
            assert_eq!(printed.len(), 2);
            assert_eq!(
                issued(state),
                printed,
                "the replay issued no second voucher"
            );
            assert_eq!(state["vouchers"]["by_template"]["TPL-RED-PACKET"], 1);
        },
    );
}

#[test]
fn points_deposit_then_freeze_and_commit() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        program(),
        &["points"],
        no_faults,
        |stdout, state| {
            let account = state["points"]["accounts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| {
                    a["activity_account"] == "STAMP-CARD-01" && a["user_id"] == "2088000000000001"
                })
                .expect("the stamp card of the test user");
            assert_eq!(
                account["available"], 80,
                "100 + 10 deposited - 30 committed"
            );
            assert_eq!(account["frozen"], 0);
            let freeze_log_no =
                value(stdout, "freeze_point_log_no").expect("the freeze's point_log_no");
            let freeze = state["points"]["freezes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["point_log_no"] == freeze_log_no)
                .expect("the freeze is in the sandbox");
            assert_eq!(freeze["status"], "COMMITTED");
            assert_eq!(freeze["amount"], 30);
        },
    );
}

#[test]
fn a_gbk_app_signs_and_sends_in_gbk() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        program(),
        &["gbk"],
        no_faults,
        |stdout, state| {
            assert_eq!(issued(state), voucher_lines(stdout));
            assert_eq!(issued(state).len(), 1);
            // Stored as sent: the GBK bytes decoded back, `乗` (GBK 81 5C, a backslash trail byte) included.
            assert_eq!(state["vouchers"]["issued"][0]["memo"], "新客礼券乗");
        },
    );
}

#[test]
fn execute_returns_the_verified_response_json() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        program(),
        &["execute"],
        no_faults,
        |stdout, state| {
            let body: Value = serde_json::from_str(value(stdout, "execute_body").unwrap())
                .expect("the body is JSON");
            let vouchers = issued(state);
            assert_eq!(vouchers.len(), 1, "the invalid calls sent nothing");
            assert_eq!(
                body["voucher_id"].as_str(),
                vouchers.get("c-execute-0001").map(String::as_str)
            );
        },
    );
}
