//! The C suite: the programs of `tests/c` compiled with `-std=c99 -Wall -Wextra -Wpedantic -Werror` (and the
//! header as C++17), run against an in-process sandbox — natively, and with `ALIPAY_VALGRIND=1` (as `make test-c`
//! runs it) also under valgrind memcheck with zero errors and zero leaks — with the sandbox's state checked after
//! every run.

mod c_support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use alipay_marketing_sandbox::{Config, Fault, FaultPlan, Sandbox};
use c_support::{ProgramEnv, compile_c_shared, compile_cxx_static, modes, run, scratch_dir, value};
use serde_json::Value;

const VOUCHER_SEND: &str = "alipay.marketing.voucher.send";

struct Programs {
    calls: PathBuf,
    errors: PathBuf,
    threads: PathBuf,
    cxx: PathBuf,
}

/// Every program, compiled once per test process.
fn programs() -> &'static Programs {
    static PROGRAMS: OnceLock<Programs> = OnceLock::new();
    PROGRAMS.get_or_init(|| {
        let dir = scratch_dir("c-suite");
        let programs = Programs {
            calls: dir.join("test_calls"),
            errors: dir.join("test_errors"),
            threads: dir.join("test_threads"),
            cxx: dir.join("test_header_cpp"),
        };
        compile_c_shared(&["tests/c/test_calls.c"], &programs.calls);
        compile_c_shared(&["tests/c/test_errors.c"], &programs.errors);
        compile_c_shared(&["tests/c/test_threads.c"], &programs.threads);
        compile_cxx_static(&["tests/c/test_header.cpp"], &programs.cxx);
        programs
    })
}

fn start_sandbox() -> (Sandbox, ProgramEnv) {
    let sandbox = Sandbox::start_blocking(Config::default()).expect("start the sandbox");
    let env = ProgramEnv::for_sandbox(&sandbox);
    (sandbox, env)
}

/// Runs one case natively and then under valgrind, from a fresh sandbox world each time, and hands each run's
/// output and the sandbox's state afterwards to `check`.
fn each_mode(
    sandbox: &Sandbox,
    env: &ProgramEnv,
    program: &Path,
    args: &[&str],
    arm: impl Fn(&Sandbox),
    check: impl Fn(&str, &Value),
) {
    for mode in modes() {
        sandbox.reset();
        arm(sandbox);
        let stdout = run(program, args, env, mode);
        sandbox.clear_faults();
        check(&stdout, &sandbox.state());
    }
}

fn no_faults(_: &Sandbox) {}

/// The vouchers the sandbox issued, by `out_biz_no`.
fn issued(state: &Value) -> BTreeMap<String, String> {
    state["vouchers"]["issued"]
        .as_array()
        .expect("vouchers.issued is a list")
        .iter()
        .map(|v| {
            (
                v["out_biz_no"].as_str().unwrap().to_owned(),
                v["voucher_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn voucher_lines(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("voucher "))
        .map(|l| {
            let (key, id) = l.split_once(['=', ' ']).expect("voucher OUT_BIZ_NO=ID");
            (key.to_owned(), id.to_owned())
        })
        .collect()
}

#[test]
fn invite_award_new_old_and_paused() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        &programs().calls,
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
        &programs().calls,
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
        &programs().calls,
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
        &programs().calls,
        &["gbk"],
        no_faults,
        |stdout, state| {
            assert_eq!(issued(state), voucher_lines(stdout));
            assert_eq!(issued(state).len(), 1);
        },
    );
}

#[test]
fn execute_returns_the_verified_response_json() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        &programs().calls,
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

#[test]
fn null_and_invalid_utf8_arguments_give_statuses() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        &programs().errors,
        &["boundary"],
        no_faults,
        |_, state| {
            assert_eq!(issued(state).len(), 1, "only the final valid call was sent");
        },
    );
}

#[test]
fn configuration_mistakes_are_config_errors() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        &programs().errors,
        &["config"],
        no_faults,
        |_, state| {
            assert_eq!(state["total_calls"], 0);
        },
    );
}

#[test]
fn invalid_requests_are_never_sent() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        &programs().errors,
        &["invalid_request"],
        no_faults,
        |_, state| {
            assert_eq!(state["total_calls"], 0);
        },
    );
}

#[test]
fn gateway_errors_carry_codes_and_issue_nothing() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        &programs().errors,
        &["gateway"],
        no_faults,
        |stdout, state| {
            assert_eq!(issued(state).len(), 0);
            assert!(
                value(stdout, "trace_id").is_some_and(|t| !t.is_empty()),
                "the gateway's trace id reaches C"
            );
        },
    );
}

#[test]
fn retryable_gateway_errors_then_the_retry_succeeds() {
    let (sandbox, env) = start_sandbox();
    let arm = |s: &Sandbox| {
        s.arm_faults(FaultPlan::new().script(
            Some(VOUCHER_SEND),
            [Fault::ErrorBeforeEffect, Fault::Throttle],
        ))
        .expect("arm faults")
    };
    each_mode(
        &sandbox,
        &env,
        &programs().errors,
        &["retryable"],
        arm,
        |stdout, state| {
            assert_eq!(
                issued(state),
                voucher_lines(stdout),
                "exactly one voucher, from the retry"
            );
        },
    );
}

#[test]
fn automatic_retries_reuse_the_key_and_issue_one_voucher() {
    let (sandbox, env) = start_sandbox();
    let arm = |s: &Sandbox| {
        s.arm_faults(FaultPlan::new().script(
            Some(VOUCHER_SEND),
            [Fault::ErrorAfterEffect, Fault::DropConnection],
        ))
        .unwrap()
    };
    each_mode(
        &sandbox,
        &env,
        &programs().errors,
        &["auto_retry"],
        arm,
        |stdout, state| {
            assert_eq!(
                issued(state),
                voucher_lines(stdout),
                "the effect applied once, replayed to the retries"
            );
            assert_eq!(state["calls"][VOUCHER_SEND]["total"], 3);
        },
    );
}

#[test]
fn refused_connections_are_transport_errors_sent_nowhere() {
    let (sandbox, mut env) = start_sandbox();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    env.set(
        "ALIPAY_TEST_DEAD_URL",
        format!("http://127.0.0.1:{port}/gateway.do"),
    );
    each_mode(
        &sandbox,
        &env,
        &programs().errors,
        &["transport_refused"],
        no_faults,
        |stdout, _| {
            assert_eq!(value(stdout, "http_status"), Some("0"));
        },
    );
}

#[test]
fn dropped_connections_are_transport_errors_that_may_have_been_sent() {
    let (sandbox, env) = start_sandbox();
    let arm = |s: &Sandbox| {
        s.arm_faults(FaultPlan::new().script(Some(VOUCHER_SEND), [Fault::DropConnection]))
            .unwrap()
    };
    each_mode(
        &sandbox,
        &env,
        &programs().errors,
        &["transport_dropped"],
        arm,
        |_, state| {
            assert_eq!(issued(state).len(), 0);
        },
    );
}

#[test]
fn a_slow_gateway_is_a_timeout() {
    let (sandbox, env) = start_sandbox();
    // Far beyond the 300 ms deadline the C program sets; the call itself then completes in the sandbox.
    let arm = |s: &Sandbox| {
        s.arm_faults(FaultPlan::new().script(
            Some(VOUCHER_SEND),
            [Fault::Latency(Duration::from_secs(20))],
        ))
        .unwrap()
    };
    each_mode(
        &sandbox,
        &env,
        &programs().errors,
        &["timeout"],
        arm,
        |stdout, _| {
            assert!(
                value(stdout, "message").is_some_and(|m| m.contains("c-timeout-0001")),
                "{stdout}"
            );
            assert_eq!(value(stdout, "attempts"), Some("1"));
        },
    );
}

#[test]
fn a_proxy_error_page_is_an_http_error() {
    let (sandbox, env) = start_sandbox();
    let arm = |s: &Sandbox| {
        s.arm_faults(FaultPlan::new().script(Some(VOUCHER_SEND), [Fault::Http502]))
            .unwrap()
    };
    each_mode(
        &sandbox,
        &env,
        &programs().errors,
        &["http"],
        arm,
        |stdout, state| {
            assert_eq!(value(stdout, "http_status"), Some("502"));
            assert_eq!(issued(state).len(), 0);
        },
    );
}

#[test]
fn a_response_signed_by_another_key_is_a_signature_error() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        &programs().errors,
        &["signature"],
        no_faults,
        |_, state| {
            // The gateway did its part: the voucher exists, and the client refused to trust the answer.
            assert_eq!(issued(state).len(), 1);
        },
    );
}

/// A loopback server that answers every request with JSON that is no gateway envelope. The sandbox always
/// answers envelopes, so this is the one case that needs another server.
fn not_an_envelope_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/gateway.do", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(16) {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            // Read the head and the body announced by Content-Length.
            while let Ok(n) = stream.read(&mut buf) {
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request);
                if let Some(head_end) = text.find("\r\n\r\n") {
                    let length = text[..head_end]
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    if request.len() >= head_end + 4 + length {
                        break;
                    }
                }
            }
            let body = r#"{"greeting":"this is not an Alipay gateway"}"#;
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    url
}

#[test]
fn a_json_answer_that_is_no_envelope_is_a_decode_error() {
    let (sandbox, mut env) = start_sandbox();
    env.set("ALIPAY_TEST_DECODE_URL", not_an_envelope_server());
    each_mode(
        &sandbox,
        &env,
        &programs().errors,
        &["decode"],
        no_faults,
        |_, _| {},
    );
}

#[test]
fn sixteen_threads_share_one_client_for_1000_vouchers() {
    let (sandbox, env) = start_sandbox();
    for mode in modes() {
        sandbox.reset();
        let stdout = run(&programs().threads, &["16", "1000", "thread"], &env, mode);
        let printed = voucher_lines(&stdout);
        assert_eq!(printed.len(), 1000, "every call printed its voucher");
        let state = sandbox.state();
        assert_eq!(
            state["vouchers"]["count"], 1000,
            "no voucher lost or duplicated ({mode:?})"
        );
        assert_eq!(
            issued(&state),
            printed,
            "the sandbox issued exactly the vouchers the threads received"
        );
        assert_eq!(
            state["calls"][VOUCHER_SEND]["total"], 1000,
            "one gateway call per voucher"
        );
    }
}

#[test]
fn the_header_compiles_as_cxx17_and_links_statically() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        &programs().cxx,
        &[],
        no_faults,
        |stdout, state| {
            assert_eq!(issued(state).len(), 1);
            assert_eq!(issued(state), voucher_lines(stdout));
        },
    );
}

#[test]
fn the_pos_example_checks_out_against_the_sandbox() {
    let (sandbox, env) = start_sandbox();
    let program = scratch_dir("pos").join("pos_checkout");
    compile_c_shared(&["examples/c/pos_checkout.c"], &program);
    each_mode(&sandbox, &env, &program, &[], no_faults, |stdout, state| {
        assert!(stdout.contains("checkout complete"), "{stdout}");
        let account = state["points"]["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| {
                a["activity_account"] == "STAMP-CARD-01" && a["user_id"] == "2088000000000001"
            })
            .expect("the stamp card of the test user");
        assert_eq!(account["available"], 86, "100 + 6 earned - 20 redeemed");
        assert_eq!(account["frozen"], 0);
        assert_eq!(state["vouchers"]["count"], 1);
    });
}
