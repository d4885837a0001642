//! `tests/c/valgrind.supp` covers both forms of the runtime threads' TLS block, the named `Spawner::spawn_thread`
//! frame and the inlined bare `spawn_thread`, and nothing beyond them: `tests/c/valgrind_supp_shapes.c` makes the
//! inlined shape under a tokio-named caller (suppressed) and under another caller (still reported).
//!
//! Runs with `ALIPAY_VALGRIND=1`, as `make test-c` sets (like the C suite's valgrind runs).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The shapes program built with `caller` as the name of the frame that starts the threads.
fn build(caller: &str) -> PathBuf {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("valgrind_supp_{caller}"));
    let status = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".to_owned()))
        .args(["-std=c99", "-g", "-O0", "-Wall", "-Werror"])
        .arg(format!("-DCALLER={caller}"))
        .arg(repo().join("tests/c/valgrind_supp_shapes.c"))
        .arg("-o")
        .arg(&out)
        .arg("-lpthread")
        .status()
        .expect("the C compiler runs");
    assert!(status.success(), "building the shapes program failed");
    out
}

/// Valgrind's exit code and report for the program built with `caller`, with the shipped suppressions.
fn memcheck(caller: &str) -> (Option<i32>, String) {
    let program = build(caller);
    let output = Command::new("valgrind")
        .args([
            "--quiet",
            "--leak-check=full",
            "--show-leak-kinds=definite,indirect,possible",
            "--errors-for-leak-kinds=definite,indirect,possible",
            "--error-exitcode=99",
        ])
        .arg(format!(
            "--suppressions={}",
            repo().join("tests/c/valgrind.supp").display()
        ))
        .arg(&program)
        .output()
        .expect("valgrind runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn wanted() -> bool {
    std::env::var_os("ALIPAY_VALGRIND").is_some_and(|v| v == "1")
}

#[test]
fn the_inlined_spawn_thread_form_under_tokio_is_suppressed() {
    if !wanted() {
        return;
    }
    let (code, report) = memcheck("tokio_runtime_blocking_pool_spawner");
    assert_eq!(code, Some(0), "{report}");
    assert!(!report.contains("possibly lost"), "{report}");
}

#[test]
fn a_spawn_thread_outside_tokio_is_still_reported() {
    if !wanted() {
        return;
    }
    let (code, report) = memcheck("other_thread_pool");
    assert_eq!(code, Some(99), "{report}");
    assert!(report.contains("possibly lost"), "{report}");
    assert!(report.contains("spawn_thread"), "{report}");
}
