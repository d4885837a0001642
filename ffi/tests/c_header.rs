//! `tests/c/test_header.cpp`: the header compiled as C++17 (`-std=c++17 -Wall -Wextra -Wpedantic -Werror`), linked
//! with the static library and run against an in-process sandbox. How it runs: `c_support::suite`; the header's
//! drift from the sources is checked by `ffi/tests/header.rs`.

mod c_support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use c_support::suite::{each_mode, issued, no_faults, start_sandbox, voucher_lines};
use c_support::{compile_cxx_static, scratch_dir};

/// `tests/c/test_header.cpp`, compiled once per test process.
fn program() -> &'static Path {
    static PROGRAM: OnceLock<PathBuf> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let out = scratch_dir("test_header_cpp").join("test_header_cpp");
        compile_cxx_static(&["tests/c/test_header.cpp"], &out);
        out
    })
}

#[test]
fn the_header_compiles_as_cxx17_and_links_statically() {
    let (sandbox, env) = start_sandbox();
    each_mode(
        &sandbox,
        &env,
        program(),
        &[],
        no_faults,
        |stdout, state| {
            assert_eq!(issued(state).len(), 1);
            assert_eq!(issued(state), voucher_lines(stdout));
        },
    );
}
