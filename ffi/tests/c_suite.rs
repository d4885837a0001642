//! The C suite: the programs of `tests/c` compiled with `-std=c99 -Wall -Wextra -Wpedantic -Werror` (and the
//! header as C++17), run against an in-process sandbox — natively, and with `ALIPAY_VALGRIND=1` (as `make test-c`
//! runs it) also under valgrind memcheck with zero errors and zero leaks — with the sandbox's state checked after
//! every run.

mod c_support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use alipay_marketing::PrivateKey;
use alipay_marketing_sandbox::{
    CERT_DOWNLOAD_METHOD, Config, DEFAULT_APP_ID, Fault, FaultPlan, Sandbox, Scenario,
};
use c_support::{
    Mode, ProgramEnv, compile_c_shared, compile_cxx_static, modes, run, run_with_steps,
    scratch_dir, value,
};
use serde_json::Value;

const VOUCHER_SEND: &str = "alipay.marketing.voucher.send";

struct Programs {
    calls: PathBuf,
    errors: PathBuf,
    threads: PathBuf,
    resilience: PathBuf,
    cert_aes: PathBuf,
    hostile: PathBuf,
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
            resilience: dir.join("test_resilience"),
            cert_aes: dir.join("test_cert_aes"),
            hostile: dir.join("test_hostile"),
            cxx: dir.join("test_header_cpp"),
        };
        compile_c_shared(&["tests/c/test_calls.c"], &programs.calls);
        compile_c_shared(&["tests/c/test_errors.c"], &programs.errors);
        compile_c_shared(&["tests/c/test_threads.c"], &programs.threads);
        compile_c_shared(&["tests/c/test_resilience.c"], &programs.resilience);
        compile_c_shared(&["tests/c/test_cert_aes.c"], &programs.cert_aes);
        compile_c_shared(&["tests/c/test_hostile.c"], &programs.hostile);
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

/// A loopback server that answers every request with `head` (a status line and headers) and then, for a body
/// it announced, 64 KiB of it, then hangs up.
fn hostile_server(head: &'static str, body: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/gateway.do", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(16) {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 16 << 10];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&vec![b' '; body]);
        }
    });
    url
}

#[test]
fn hostile_answers_are_refused_and_secrets_never_echoed() {
    let (sandbox, mut env) = start_sandbox();
    env.set(
        "ALIPAY_TEST_HUGE_URL",
        hostile_server(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\n\r\n",
            64 << 10,
        ),
    );
    env.set(
        "ALIPAY_TEST_REDIRECT_URL",
        hostile_server(
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://evil.example/gateway.do\r\nContent-Length: 0\r\n\r\n",
            0,
        ),
    );
    each_mode(
        &sandbox,
        &env,
        &programs().errors,
        &["hostile"],
        no_faults,
        |_, _| {},
    );
}

#[test]
fn key_files_that_are_devices_fifos_or_too_big_are_refused_naming_the_key() {
    let (sandbox, mut env) = start_sandbox();
    // A FIFO nobody writes to: opening it for reading would block the build for good.
    let fifo = env.dir.join("fifo_key.pem");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(made.success(), "mkfifo {}", fifo.display());
    let big = env.dir.join("big_key.pem");
    std::fs::write(&big, vec![b'A'; 2 << 20]).expect("write a 2 MiB file");
    env.set("ALIPAY_TEST_FIFO_FILE", fifo.display().to_string());
    env.set("ALIPAY_TEST_BIG_KEY_FILE", big.display().to_string());
    each_mode(
        &sandbox,
        &env,
        &programs().hostile,
        &["key_files"],
        no_faults,
        |stdout, state| {
            assert!(
                value(stdout, "alipay_public_key_error")
                    .is_some_and(|m| m.contains("fifo_key.pem") && m.contains("not a regular file")),
                "{stdout}"
            );
            assert_eq!(state["total_calls"], 0);
        },
    );
}

#[test]
fn an_unsigned_refusal_is_a_gateway_error_with_the_outcome_unknown() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        &programs().hostile,
        &["unsigned"],
        script([Fault::UnsignedAnswer]),
        |stdout, state| {
            let outcomes = &state["calls"][VOUCHER_SEND]["outcomes"];
            assert_eq!(outcomes["fault/unsigned_answer"], 1, "{state}");
            assert_eq!(state["calls"][VOUCHER_SEND]["total"], 1, "one attempt");
            assert_eq!(issued(state).len(), 0);
            assert!(
                value(stdout, "message").is_some_and(|m| m.contains("c-unsigned-0001")),
                "the message names the key to resend with: {stdout}"
            );
        },
    );
}

#[test]
fn forged_answers_from_the_sandbox_are_signature_errors_and_the_resend_learns_the_voucher() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        &programs().hostile,
        &["forged"],
        script([
            Fault::TamperedAnswer,
            Fault::WrongSignature,
            Fault::UnsignedAnswer,
        ]),
        |stdout, state| {
            let outcomes = &state["calls"][VOUCHER_SEND]["outcomes"];
            for fault in ["tampered_answer", "wrong_signature", "unsigned_answer"] {
                assert_eq!(outcomes[format!("fault/{fault}")], 1, "{state}");
            }
            // Each forged call was applied once; its resend learned that voucher.
            let vouchers = issued(state);
            assert_eq!(vouchers.len(), 3);
            assert_eq!(vouchers, voucher_lines(stdout));
            assert_eq!(state["calls"][VOUCHER_SEND]["total"], 6);
        },
    );
}

#[test]
fn a_verified_answer_without_its_fields_is_a_decode_error_with_the_key_counted_as_a_failure() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        &programs().hostile,
        &["incomplete"],
        script([Fault::IncompleteAnswer]),
        |stdout, state| {
            // The gateway applied the call; only its answer was unreadable, and it was not resent.
            assert_eq!(
                issued(state).keys().collect::<Vec<_>>(),
                ["c-incomplete-0001"]
            );
            assert_eq!(state["calls"][VOUCHER_SEND]["total"], 1, "{state}");
            assert_eq!(value(stdout, "attempts"), Some("1"), "{stdout}");
            assert_eq!(stat(stdout, "successes"), 0);
            assert_eq!(stat(stdout, "failed"), 1);
            assert_eq!(stat(stdout, "failed_decode"), 1);
        },
    );
}

#[test]
fn a_tls_failure_shows_its_cause() {
    let (sandbox, mut env) = start_sandbox();
    // TLS to the sandbox's plain HTTP port: the handshake fails on the first bytes of the answer.
    env.set(
        "ALIPAY_TEST_TLS_URL",
        sandbox.url().replacen("http://", "https://", 1),
    );
    each_mode(
        &sandbox,
        &env,
        &programs().hostile,
        &["tls"],
        no_faults,
        |stdout, state| {
            assert!(
                value(stdout, "message").is_some_and(|m| m.contains("corrupt message")),
                "{stdout}"
            );
            assert_eq!(state["total_calls"], 0);
        },
    );
}

/// Natively only, also with `ALIPAY_VALGRIND=1`: the child abandons the parent's runtime by design (its threads do
/// not exist after fork, see `core/src/blocking.rs`), and memcheck reports all the runtime held as lost in the child.
#[test]
fn after_fork_a_carried_client_is_a_config_error_and_a_new_client_works() {
    let (sandbox, env) = start_sandbox();
    let stdout = run(&programs().hostile, &["fork"], &env, Mode::Native);
    let state = sandbox.state();
    assert_eq!(value(&stdout, "child_exit"), Some("0"), "{stdout}");
    assert!(
        value(&stdout, "carried_error").is_some_and(|m| m.contains("fork")),
        "{stdout}"
    );
    let vouchers = issued(&state);
    assert_eq!(
        vouchers.keys().collect::<Vec<_>>(),
        [
            "c-fork-child-0001",
            "c-fork-parent-0001",
            "c-fork-parent-0002"
        ],
        "the carried client sent nothing"
    );
    assert_eq!(vouchers, voucher_lines(&stdout));
    assert_eq!(state["calls"][VOUCHER_SEND]["total"], 3);
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
        let calls = state["calls"][VOUCHER_SEND]["total"]
            .as_u64()
            .expect("total");
        let attempts = stat(&stdout, "attempts");
        assert!(
            (1000..=attempts).contains(&calls),
            "one gateway call per voucher, plus at most the retries: {calls} calls, {attempts} attempts ({mode:?})"
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

/// The `stat_NAME=VALUE` counter a program printed.
fn stat(stdout: &str, name: &str) -> u64 {
    value(stdout, &format!("stat_{name}"))
        .unwrap_or_else(|| panic!("no stat_{name} line in:\n{stdout}"))
        .parse()
        .expect("a counter is a number")
}

fn script(faults: impl IntoIterator<Item = Fault>) -> impl Fn(&Sandbox) {
    let faults: Vec<Fault> = faults.into_iter().collect();
    move |s: &Sandbox| {
        s.arm_faults(FaultPlan::new().script(Some(VOUCHER_SEND), faults.clone()))
            .expect("arm faults")
    }
}

#[test]
fn a_retry_after_a_lost_answer_issues_exactly_one_voucher() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        &programs().resilience,
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
        &programs().resilience,
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
        &programs().resilience,
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
        &programs().resilience,
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
        &programs().resilience,
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
        &programs().resilience,
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
        &programs().resilience,
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
        &programs().resilience,
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
        &programs().resilience,
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
        &programs().resilience,
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

/// What went through a relay: each request as it reached the gateway, with the answer it got, as text.
type Exchanges = Arc<Mutex<Vec<(String, String)>>>;

/// A loopback gateway URL whose requests reach `upstream` — with `rewrite`'s first string replaced by its second
/// (same length), as a misbehaving middlebox would — and are recorded with their answers; one request per
/// connection.
fn relay(
    upstream: SocketAddr,
    rewrite: Option<(&'static str, &'static str)>,
) -> (String, Exchanges) {
    if let Some((from, to)) = rewrite {
        assert_eq!(
            from.len(),
            to.len(),
            "the rewrite keeps Content-Length right"
        );
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/gateway.do", listener.local_addr().unwrap());
    let exchanges = Exchanges::default();
    let recorded = Arc::clone(&exchanges);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut client) = stream else { continue };
            let Some(request) = read_request(&mut client) else {
                continue;
            };
            let mut text = String::from_utf8_lossy(&request).into_owned();
            if let Some((from, to)) = rewrite {
                text = text.replace(from, to);
            }
            // One request per upstream connection: the answer ends when upstream closes it.
            let text = text.replacen("\r\n", "\r\nConnection: close\r\n", 1);
            let Ok(mut up) = TcpStream::connect(upstream) else {
                continue;
            };
            let mut answer = Vec::new();
            if up.write_all(text.as_bytes()).is_ok() && up.read_to_end(&mut answer).is_ok() {
                recorded
                    .lock()
                    .unwrap()
                    .push((text, String::from_utf8_lossy(&answer).into_owned()));
                let _ = client.write_all(&answer);
            }
        }
    });
    (url, exchanges)
}

/// Reads one HTTP request: the head and the body announced by Content-Length.
fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut request = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
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
                return Some(request);
            }
        }
    }
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
        &programs().resilience,
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
        &programs().resilience,
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

/// The memo a voucher was stored with, by `out_biz_no`.
fn memo<'a>(state: &'a Value, out_biz_no: &str) -> Option<&'a str> {
    state["vouchers"]["issued"]
        .as_array()?
        .iter()
        .find(|v| v["out_biz_no"] == out_biz_no)?["memo"]
        .as_str()
}

const AES_KEY: &str = "aa4BtZ4tspm2wnXLb1ThQA==";
const OTHER_AES_KEY: &str = "vEARwBsVE8dBrk0tiaNQtQ==";
const DEMO_USER: &str = "2088000000000001";

#[test]
fn aes_encrypts_requests_and_answers_and_a_wrong_key_gets_40003() {
    let mut scenario = Scenario::default();
    scenario.apps[0].aes_key = Some(AES_KEY.to_owned());
    let sandbox =
        Sandbox::start_blocking(Config::default().scenario(scenario)).expect("start the sandbox");
    let mut env = ProgramEnv::for_sandbox(&sandbox);
    // Every call goes through a recording relay, to see what travelled.
    let (url, exchanges) = relay(sandbox.local_addr(), None);
    env.set("ALIPAY_GATEWAY_URL", url);
    env.set("ALIPAY_TEST_AES_KEY", AES_KEY);
    env.set("ALIPAY_TEST_WRONG_AES_KEY", OTHER_AES_KEY);
    each_mode(
        &sandbox,
        &env,
        &programs().cert_aes,
        &["aes"],
        |_| exchanges.lock().unwrap().clear(),
        |stdout, state| {
            let vouchers = issued(state);
            let printed = voucher_lines(stdout);
            assert_eq!(
                vouchers.keys().collect::<Vec<_>>(),
                ["c-aes-0001", "c-aes-0002", "c-aes-gbk-0001"],
                "the wrong key issued nothing"
            );
            for key in ["c-aes-0001", "c-aes-gbk-0001"] {
                assert_eq!(printed.get(key), vouchers.get(key), "{key}");
            }
            let body: Value = serde_json::from_str(value(stdout, "execute_body").unwrap())
                .expect("execute's body is JSON");
            assert_eq!(
                body["voucher_id"].as_str(),
                vouchers.get("c-aes-0002").map(String::as_str)
            );
            assert_eq!(memo(state, "c-aes-0001"), Some("新客礼券 AES"));
            assert_eq!(memo(state, "c-aes-gbk-0001"), Some("新客礼券乗"));
            let calls = &state["calls"][VOUCHER_SEND];
            assert_eq!(calls["total"], 5, "no call was retried");
            assert_eq!(calls["outcomes"]["40003/isv.decryption-error-unknown"], 1);
            assert_eq!(
                value(stdout, "wrong_key_sub_code"),
                Some("isv.decryption-error-unknown")
            );

            // On the wire: every request encrypted, no business value in clear either way.
            let exchanges = exchanges.lock().unwrap();
            assert_eq!(exchanges.len(), 5);
            for (request, answer) in exchanges.iter() {
                assert!(request.contains("encrypt_type=AES"), "{request}");
                assert!(
                    !request.contains("c-aes-"),
                    "biz_content in clear: {request}"
                );
                assert!(
                    !request.contains(DEMO_USER),
                    "biz_content in clear: {request}"
                );
                assert!(!answer.contains("voucher_id"), "answer in clear: {answer}");
            }
            assert_eq!(
                exchanges
                    .iter()
                    .filter(|(request, _)| request.contains("charset=GBK"))
                    .count(),
                1
            );
            assert_eq!(
                exchanges
                    .iter()
                    .filter(|(_, answer)| answer.contains("isv.decryption-error-unknown"))
                    .count(),
                1,
                "the decryption error is the one plain answer"
            );
        },
    );
}

/// The certificate-mode root CA key, generated once per test process.
fn root_ca_key() -> PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate().expect("generate the root CA key"))
        .clone()
}

/// Calls of the Alipay certificate download, per the sandbox.
fn downloads(sandbox: &Sandbox) -> u64 {
    sandbox.state()["calls"][CERT_DOWNLOAD_METHOD]["total"]
        .as_u64()
        .unwrap_or(0)
}

/// One certificate-mode client through three rotations made while the program waits between phases: trusted (the
/// new certificate downloaded once, calls going on), untrusted (refused with a signature error on every call,
/// downloaded each time: nothing cached), trusted again. A fresh sandbox per mode: rotations outlive `reset`.
#[test]
fn one_certificate_mode_client_survives_rotations_and_refuses_an_untrusted_one() {
    for mode in modes() {
        let sandbox = Sandbox::start_blocking(Config::default().root_ca_key(root_ca_key()))
            .expect("start the sandbox");
        let mut env = ProgramEnv::for_sandbox(&sandbox);
        let write = |name: &str, pem: String| {
            let path = env.dir.join(name);
            std::fs::write(&path, pem).expect("write a certificate");
            path.display().to_string()
        };
        let app_cert = write(
            "appCertPublicKey.crt",
            sandbox.app_cert_pem(DEFAULT_APP_ID).expect("app cert"),
        );
        let alipay_cert = write(
            "alipayCertPublicKey_RSA2.crt",
            sandbox.alipay_cert_pem().expect("alipay cert"),
        );
        let root_cert = write(
            "alipayRootCert.crt",
            sandbox.root_cert_pem().expect("root cert"),
        );
        env.set("ALIPAY_TEST_APP_CERT_FILE", app_cert);
        env.set("ALIPAY_TEST_ALIPAY_CERT_FILE", alipay_cert);
        env.set("ALIPAY_TEST_ALIPAY_ROOT_CERT_FILE", root_cert);
        let first_sn = sandbox.alipay_cert_sn().expect("sn");

        let (stdout, steps) = run_with_steps(
            &programs().cert_aes,
            &["cert_rotation"],
            &env,
            mode,
            |step, stdout| {
                let state = sandbox.state();
                match step {
                    "rotate" => {
                        assert_eq!(issued(&state), voucher_lines(stdout));
                        assert_eq!(issued(&state).len(), 1);
                        assert_eq!(memo(&state, "c-cert-0001"), Some("证书模式"));
                        assert_eq!(
                            downloads(&sandbox),
                            0,
                            "the configured certificate sufficed"
                        );
                        sandbox.rotate_alipay_cert().expect("rotate");
                    }
                    "rotate_untrusted" => {
                        assert_eq!(issued(&state), voucher_lines(stdout));
                        assert_eq!(issued(&state).len(), 3);
                        assert_eq!(
                            downloads(&sandbox),
                            1,
                            "the new certificate downloaded once"
                        );
                        sandbox.rotate_alipay_cert_untrusted().expect("rotate");
                    }
                    "rotate_trusted" => {
                        // The gateway applied both calls; the client refused both answers.
                        assert_eq!(issued(&state).len(), 5);
                        assert_eq!(voucher_lines(stdout).len(), 3);
                        assert_eq!(
                            downloads(&sandbox),
                            3,
                            "each refused call downloaded the certificate again"
                        );
                        sandbox.rotate_alipay_cert().expect("rotate");
                    }
                    other => panic!("unexpected step {other}"),
                }
            },
        );
        assert_eq!(
            steps,
            ["rotate", "rotate_untrusted", "rotate_trusted"],
            "{mode:?}"
        );
        let state = sandbox.state();
        let vouchers = issued(&state);
        let printed = voucher_lines(&stdout);
        assert_eq!(
            printed.keys().collect::<Vec<_>>(),
            ["c-cert-0001", "c-cert-0002", "c-cert-0003", "c-cert-0006"]
        );
        for (key, id) in &printed {
            assert_eq!(vouchers.get(key), Some(id), "{key}");
        }
        assert_eq!(vouchers.len(), 6);
        assert_eq!(downloads(&sandbox), 4, "one download for the last rotation");
        assert_eq!(
            state["calls"][CERT_DOWNLOAD_METHOD]["outcomes"]["10000"], 4,
            "{state}"
        );
        for untrusted in ["untrusted_4", "untrusted_5"] {
            assert!(
                value(&stdout, untrusted).is_some_and(|m| m.contains("does not chain")),
                "{stdout}"
            );
        }
        // The doctor named each certificate by its SN.
        for sn in [
            sandbox.app_cert_sn(DEFAULT_APP_ID).expect("sn"),
            first_sn,
            sandbox.root_cert_sn().expect("sn"),
        ] {
            assert!(stdout.contains(&sn), "SN {sn} not in:\n{stdout}");
        }
        assert!(stdout.contains("0 problem(s)"), "{stdout}");
        sandbox.stop_blocking();
    }
}
