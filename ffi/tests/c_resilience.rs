//! `tests/c/test_resilience.c` against an in-process sandbox and its fault injection: retries after a lost answer,
//! per-call options, many merchants through one client, stats, `close` and the shutdown order, values that used to
//! panic, the doctor, the explainer, and 4 threads × 100 vouchers exactly once under 20% mixed faults. How it runs:
//! `c_support::suite`.

mod c_support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use alipay_marketing_sandbox::{Fault, FaultPlan, Sandbox};
use c_support::relay::relay;
use c_support::suite::{
    VOUCHER_SEND, each_mode, issued, no_faults, script, start_sandbox, stat, voucher_lines,
};
use c_support::{compile_test_program, value};

/// `tests/c/test_resilience.c`, compiled once per test process.
fn program() -> &'static Path {
    static PROGRAM: OnceLock<PathBuf> = OnceLock::new();
    PROGRAM.get_or_init(|| compile_test_program("test_resilience"))
}

#[test]
fn a_retry_after_a_lost_answer_issues_exactly_one_voucher() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        program(),
        &["retry_once"],
        script([Fault::ErrorAfterEffect]),
        |stdout, state| {
            assert_eq!(issued(state).len(), 1, "one voucher, not two");
            assert_eq!(issued(state), voucher_lines(stdout));
            assert_eq!(state["calls"][VOUCHER_SEND]["total"], 2);
            assert_eq!(stat(stdout, "retries"), 1);
            assert_eq!(stat(stdout, "attempts"), 2);
        },
    );
}

#[test]
fn without_retries_a_lost_answer_is_an_unknown_outcome_with_its_key() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        program(),
        &["no_retry"],
        script([Fault::ErrorAfterEffect]),
        |stdout, state| {
            // The effect of the failed call is the voucher the second call learned.
            assert_eq!(issued(state).len(), 1);
            assert_eq!(issued(state), voucher_lines(stdout));
            assert_eq!(state["calls"][VOUCHER_SEND]["total"], 2);
            assert_eq!(stat(stdout, "retries"), 0);
        },
    );
}

#[test]
fn call_options_override_the_retry_policy_and_the_deadline() {
    let (sandbox, env) = start_sandbox();
    // The delayed call completes in the sandbox after the program gave up on it (a replay of the key by then).
    each_mode(
        &sandbox,
        &env,
        program(),
        &["call_options"],
        script([
            Fault::ErrorAfterEffect,
            Fault::Latency(Duration::from_secs(3)),
        ]),
        |stdout, state| {
            let vouchers = issued(state);
            let printed = voucher_lines(stdout);
            for key in ["c-options-0001", "c-options-0002"] {
                assert_eq!(vouchers.get(key), printed.get(key), "{key}");
                assert!(
                    printed.contains_key(key),
                    "{key} learned by sending it again"
                );
            }
            assert!(vouchers.contains_key("c-options-0003"), "execute sent it");
            assert_eq!(vouchers.len(), 3, "one voucher per key");
        },
    );
}

#[test]
fn one_client_serves_two_merchants_with_per_call_tokens() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        program(),
        &["merchants"],
        no_faults,
        |stdout, state| {
            let vouchers = issued(state);
            assert_eq!(vouchers, voucher_lines(stdout));
            assert_eq!(vouchers.len(), 4);
            let tokens = &state["app_auth_tokens"];
            assert_eq!(
                tokens["202405BBmerchantA00000001"]["methods"][VOUCHER_SEND], 2,
                "{tokens}"
            );
            assert_eq!(
                tokens["202405BBmerchantB00000002"]["methods"][VOUCHER_SEND], 1,
                "{tokens}"
            );
            assert_eq!(tokens.as_object().map(|t| t.len()), Some(2), "{tokens}");
            assert_eq!(state["calls"][VOUCHER_SEND]["total"], 4);
        },
    );
}

#[test]
fn a_merchants_unknown_outcome_is_settled_for_that_merchant() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        program(),
        &["merchant_settle"],
        script([Fault::ErrorAfterEffect]),
        |stdout, state| {
            let vouchers = issued(state);
            assert_eq!(vouchers.len(), 1, "one voucher, not two");
            assert_eq!(vouchers, voucher_lines(stdout));
            assert_eq!(
                state["app_auth_tokens"]["202405BBmerchantA00000001"]["methods"][VOUCHER_SEND], 2,
                "the send and its settlement, both for merchant A: {state}"
            );
        },
    );
}

#[test]
fn stats_count_calls_attempts_and_failures_by_kind() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        program(),
        &["stats"],
        no_faults,
        |stdout, state| {
            assert_eq!(issued(state), voucher_lines(stdout));
            assert_eq!(issued(state).len(), 1);
            assert_eq!(
                state["calls"][VOUCHER_SEND]["total"], 2,
                "the invalid request never reached the gateway"
            );
            assert_eq!(stat(stdout, "calls"), 3);
            assert_eq!(stat(stdout, "failed"), 2);
        },
    );
}

#[test]
fn close_waits_for_the_call_in_flight_then_refuses_new_calls() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        program(),
        &["close"],
        script([Fault::Latency(Duration::from_millis(1500))]),
        |stdout, state| {
            assert_eq!(issued(state), voucher_lines(stdout));
            assert_eq!(
                issued(state).keys().collect::<Vec<_>>(),
                ["c-close-0001"],
                "the call in flight completed; the call after close sent nothing"
            );
            assert_eq!(state["calls"][VOUCHER_SEND]["total"], 1);
        },
    );
}

#[test]
fn the_documented_shutdown_order_completes_every_call() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        program(),
        &["shutdown"],
        script([Fault::Latency(Duration::from_secs(1)); 4]),
        |stdout, state| {
            assert_eq!(issued(state).len(), 4);
            assert_eq!(issued(state), voucher_lines(stdout));
        },
    );
}

#[test]
fn values_that_used_to_panic_are_refused_naming_the_option_at_build_and_in_the_doctor() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        program(),
        &["limits"],
        no_faults,
        |stdout, state| {
            assert!(stdout.contains("limits ok"), "{stdout}");
            assert_eq!(state["vouchers"]["count"], 0);
        },
    );
}

#[test]
fn the_doctor_reports_every_mistake_of_a_wrong_configuration() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        program(),
        &["doctor"],
        no_faults,
        |stdout, state| {
            assert_eq!(state["vouchers"]["count"], 0);
            assert!(stdout.contains("3 problem(s)"), "{stdout}");
            let secret = std::fs::read_to_string(env.dir.join("app_private_key.pem")).unwrap();
            let body: String = secret.lines().filter(|l| !l.starts_with("-----")).collect();
            for chunk in body.as_bytes().chunks(32) {
                let chunk = std::str::from_utf8(chunk).unwrap();
                assert!(!stdout.contains(chunk), "key material in the report");
            }
        },
    );
}

#[test]
fn invalid_signature_answers_are_explained() {
    let (sandbox, mut env) = start_sandbox();
    env.set(
        "ALIPAY_TEST_TAMPER_URL",
        relay(sandbox.local_addr(), Some(("c-explain-1", "c-explain-2"))).0,
    );
    each_mode(
        &sandbox,
        &env,
        program(),
        &["explainer"],
        no_faults,
        |stdout, state| {
            assert_eq!(state["vouchers"]["count"], 0);
            assert!(
                value(stdout, "cause_tamper").is_some_and(|c| c.contains("biz_content")),
                "{stdout}"
            );
        },
    );
}

/// 20% of voucher calls faulted as in the sandbox's exactly-once test: 10% effect-applied-then-lost, 2.5% each of
/// a latency spike (longer than the program's 1.5 s attempt timeout), a dropped connection, a 502 page and
/// throttling.
fn mixed_faults(seed: u64) -> FaultPlan {
    let m = Some(VOUCHER_SEND);
    let mut plan = FaultPlan::new().rate(m, Fault::ErrorAfterEffect, 0.10);
    let mut left = 0.90;
    for fault in [
        Fault::Latency(Duration::from_secs(3)),
        Fault::DropConnection,
        Fault::Http502,
        Fault::Throttle,
    ] {
        plan = plan.rate(m, fault, 0.025 / left);
        left -= 0.025;
    }
    plan.seed(seed)
}

#[test]
fn four_threads_send_400_vouchers_exactly_once_under_faults() {
    const THREADS: usize = 4;
    const PER_THREAD: usize = 100;
    let (sandbox, env) = start_sandbox();
    let arm = |s: &Sandbox| s.arm_faults(mixed_faults(7)).expect("arm faults");
    each_mode(
        &sandbox,
        &env,
        program(),
        &[
            "exactly_once",
            &THREADS.to_string(),
            &PER_THREAD.to_string(),
        ],
        arm,
        |stdout, state| {
            let n = THREADS * PER_THREAD;
            let printed = voucher_lines(stdout);
            assert_eq!(printed.len(), n, "every call succeeded");
            assert_eq!(
                state["vouchers"]["count"], n,
                "no voucher lost or duplicated"
            );
            assert_eq!(
                issued(state),
                printed,
                "the sandbox issued exactly the vouchers received"
            );
            let outcomes = &state["calls"][VOUCHER_SEND]["outcomes"];
            for fault in [
                "20000/isp.unknow-error",
                "40005/isv.app-call-limited",
                "fault/drop_connection",
                "fault/http_502",
            ] {
                assert!(
                    outcomes[fault].as_u64().unwrap_or(0) > 0,
                    "{fault} never happened: {outcomes}"
                );
            }
            assert!(stat(stdout, "retries") > n as u64 / 10, "{stdout}");
            assert_eq!(stat(stdout, "successes"), n as u64);
        },
    );
}
