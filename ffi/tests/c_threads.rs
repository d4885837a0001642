//! `tests/c/test_threads.c` against an in-process sandbox: 16 threads sharing one client for 1,000 voucher calls,
//! with no voucher lost or duplicated. How it runs: `c_support::suite`.

mod c_support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use c_support::suite::{VOUCHER_SEND, issued, start_sandbox, stat, voucher_lines};
use c_support::{compile_test_program, modes, run};

/// `tests/c/test_threads.c`, compiled once per test process.
fn program() -> &'static Path {
    static PROGRAM: OnceLock<PathBuf> = OnceLock::new();
    PROGRAM.get_or_init(|| compile_test_program("test_threads"))
}

#[test]
fn sixteen_threads_share_one_client_for_1000_vouchers() {
    let (sandbox, env) = start_sandbox();
    for mode in modes() {
        sandbox.reset();
        let stdout = run(program(), &["16", "1000", "thread"], &env, mode);
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
