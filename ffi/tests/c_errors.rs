//! `tests/c/test_errors.c` against an in-process sandbox and a few loopback servers of its own: every status, NULL
//! and non-UTF-8 arguments, configuration mistakes, invalid requests never sent, gateway errors, retries, refused
//! and dropped connections, timeouts, HTTP errors, signature and decode errors, and hostile answers. How it runs:
//! `c_support::suite`.

mod c_support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use alipay_marketing_sandbox::{Fault, FaultPlan, Sandbox};
use c_support::compile_test_program;
use c_support::suite::{VOUCHER_SEND, each_mode, issued, no_faults, start_sandbox, voucher_lines};
use c_support::value;

/// `tests/c/test_errors.c`, compiled once per test process.
fn program() -> &'static Path {
    static PROGRAM: OnceLock<PathBuf> = OnceLock::new();
    PROGRAM.get_or_init(|| compile_test_program("test_errors"))
}

#[test]
fn null_and_invalid_utf8_arguments_give_statuses() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        program(),
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
        program(),
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
        program(),
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
        program(),
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
        program(),
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
        program(),
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
        program(),
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
        program(),
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
    each_mode(&sandbox, &env, program(), &["timeout"], arm, |stdout, _| {
        assert!(
            value(stdout, "message").is_some_and(|m| m.contains("c-timeout-0001")),
            "{stdout}"
        );
        assert_eq!(value(stdout, "attempts"), Some("1"));
    });
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
        program(),
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
        program(),
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
    each_mode(&sandbox, &env, program(), &["decode"], no_faults, |_, _| {});
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
        program(),
        &["hostile"],
        no_faults,
        |_, _| {},
    );
}
