//! `tests/c/test_hostile.c` against an in-process sandbox: the hostile-input findings from C (key files that are a
//! device, a FIFO or too big; unsigned, forged and incomplete answers; a TLS failure's cause; a client carried
//! across fork), see docs/hardening.md. How it runs: `c_support::suite`.

mod c_support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use alipay_marketing_sandbox::Fault;
use c_support::suite::{
    VOUCHER_SEND, each_mode, issued, no_faults, script, start_sandbox, stat, voucher_lines,
};
use c_support::{Mode, compile_test_program, run, value};

/// `tests/c/test_hostile.c`, compiled once per test process.
fn program() -> &'static Path {
    static PROGRAM: OnceLock<PathBuf> = OnceLock::new();
    PROGRAM.get_or_init(|| compile_test_program("test_hostile"))
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
        program(),
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
        program(),
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
        program(),
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
        program(),
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
        program(),
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
    let stdout = run(program(), &["fork"], &env, Mode::Native);
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
