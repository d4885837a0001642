//! What the harness files of the C suite share. Each file `ffi/tests/c_NAME.rs` drives the program
//! `tests/c/test_NAME.c` (compiled with `-std=c99 -Wall -Wextra -Wpedantic -Werror`, once per test binary and only
//! by the binary that runs it) against an in-process sandbox — natively, and with `ALIPAY_VALGRIND=1` (as
//! `make test-c` runs it) also under valgrind memcheck with zero errors and zero leaks — with the sandbox's state
//! checked after every run.

use std::collections::BTreeMap;
use std::path::Path;

use alipay_marketing_sandbox::{Config, Fault, FaultPlan, Sandbox};
use serde_json::Value;

use super::{ProgramEnv, modes, run, value};

/// The voucher send, the method the faults are armed on.
pub const VOUCHER_SEND: &str = "alipay.marketing.voucher.send";

/// A sandbox with the demo world, and the environment a program needs to reach it.
pub fn start_sandbox() -> (Sandbox, ProgramEnv) {
    let sandbox = Sandbox::start_blocking(Config::default()).expect("start the sandbox");
    let env = ProgramEnv::for_sandbox(&sandbox);
    (sandbox, env)
}

/// Runs one case natively and then under valgrind, from a fresh sandbox world each time, and hands each run's
/// output and the sandbox's state afterwards to `check`.
pub fn each_mode(
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

/// The `arm` of a case run without faults.
pub fn no_faults(_: &Sandbox) {}

/// The vouchers the sandbox issued, by `out_biz_no`.
pub fn issued(state: &Value) -> BTreeMap<String, String> {
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

/// The `voucher OUT_BIZ_NO=ID` (or `voucher OUT_BIZ_NO ID`) lines a program printed, by `out_biz_no`.
pub fn voucher_lines(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("voucher "))
        .map(|l| {
            let (key, id) = l.split_once(['=', ' ']).expect("voucher OUT_BIZ_NO=ID");
            (key.to_owned(), id.to_owned())
        })
        .collect()
}

/// The `stat_NAME=VALUE` counter a program printed.
pub fn stat(stdout: &str, name: &str) -> u64 {
    value(stdout, &format!("stat_{name}"))
        .unwrap_or_else(|| panic!("no stat_{name} line in:\n{stdout}"))
        .parse()
        .expect("a counter is a number")
}

/// The `arm` under which the next voucher sends meet `faults`, in order.
pub fn script(faults: impl IntoIterator<Item = Fault>) -> impl Fn(&Sandbox) {
    let faults: Vec<Fault> = faults.into_iter().collect();
    move |s: &Sandbox| {
        s.arm_faults(FaultPlan::new().script(Some(VOUCHER_SEND), faults.clone()))
            .expect("arm faults")
    }
}
