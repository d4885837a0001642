//! Compiling and running the C programs of `tests/c` (and `bench/c`) against the library cargo just built, with
//! a sandbox's URL and keys handed over in the environment variables the sandbox's env file also uses.
#![allow(dead_code)] // each test binary that includes this module uses part of it

pub mod relay;
pub mod suite;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use alipay_marketing::PrivateKey;
use alipay_marketing_sandbox::Sandbox;

/// The flags every C source of the project compiles with.
pub const C_FLAGS: &[&str] = &[
    "-std=c99",
    "-Wall",
    "-Wextra",
    "-Wpedantic",
    "-Werror",
    "-g",
];
/// The flags of the C++ compile of the header.
pub const CXX_FLAGS: &[&str] = &[
    "-std=c++17",
    "-Wall",
    "-Wextra",
    "-Wpedantic",
    "-Werror",
    "-g",
];
/// What a program linked with the static library needs besides it (see docs/c.md).
pub const STATIC_LINK_LIBS: &[&str] = &["-lpthread", "-ldl", "-lm"];

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("ffi/ has a parent")
        .to_path_buf()
}

/// The profile directory holding `libalipay_marketing.{so,a}` (the test binary lives in its `deps/`), with the
/// libraries brought up to date first: cargo builds a crate's cdylib and staticlib only when asked, never for its
/// integration tests, so the first call runs `cargo build` for this profile.
pub fn lib_dir() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().expect("current_exe");
            let deps = exe.parent().expect("the test binary is in a directory");
            let dir = deps.parent().expect("deps/ has a parent").to_path_buf();
            let release = dir.file_name().is_some_and(|n| n == "release");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let mut build = Command::new(cargo);
            build.current_dir(repo()).args([
                "build",
                "--quiet",
                "-p",
                "alipay-marketing-ffi",
                "--lib",
            ]);
            if release {
                build.arg("--release");
            }
            let status = build.status().expect("run cargo build for the C libraries");
            assert!(
                status.success(),
                "cargo build -p alipay-marketing-ffi failed"
            );
            assert!(
                dir.join("libalipay_marketing.so").exists()
                    && dir.join("libalipay_marketing.a").exists(),
                "libalipay_marketing.so/.a not found in {}",
                dir.display()
            );
            link_soname(&dir);
            dir
        })
        .clone()
}

/// The soname the shared library records (ffi/build.rs), which programs linked against it look for at run time.
pub fn soname() -> String {
    format!("libalipay_marketing.so.{}", env!("CARGO_PKG_VERSION_MAJOR"))
}

/// Puts the soname beside `libalipay_marketing.so` in cargo's output directory as a symlink (an install does the
/// same, see `make install-c`), so that programs linked there find the library.
fn link_soname(dir: &Path) {
    let link = dir.join(soname());
    let points_to_the_library =
        std::fs::read_link(&link).is_ok_and(|to| to == Path::new("libalipay_marketing.so"));
    if points_to_the_library {
        return;
    }
    let _ = std::fs::remove_file(&link);
    match std::os::unix::fs::symlink("libalipay_marketing.so", &link) {
        // Another test binary made the same link at the same moment.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        result => result.unwrap_or_else(|e| panic!("cannot create {}: {e}", link.display())),
    }
}

/// A fresh directory under cargo's target tmp dir.
pub fn scratch_dir(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

fn run_compiler(mut command: Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run the compiler for {what}: {e}"));
    assert!(
        output.status.success(),
        "compiling {what} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Compiles C sources (paths relative to the repository) against the shared library, with an rpath to it.
pub fn compile_c_shared(sources: &[&str], out: &Path) {
    let lib = lib_dir();
    let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "gcc".into()));
    cc.args(C_FLAGS)
        .arg("-pthread")
        .arg("-I")
        .arg(repo().join("include"))
        .arg("-I")
        .arg(repo().join("tests/c"))
        .args(sources.iter().map(|s| repo().join(s)))
        .arg("-o")
        .arg(out)
        .arg("-L")
        .arg(&lib)
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-lalipay_marketing")
        .args(STATIC_LINK_LIBS);
    run_compiler(cc, &sources.join(" "));
}

/// Compiles the test program `tests/c/NAME.c` against the shared library into a fresh scratch directory.
pub fn compile_test_program(name: &str) -> PathBuf {
    let out = scratch_dir(name).join(name);
    compile_c_shared(&[&format!("tests/c/{name}.c")], &out);
    out
}

/// Compiles C++ sources against the static library.
pub fn compile_cxx_static(sources: &[&str], out: &Path) {
    let mut cxx = Command::new(std::env::var("CXX").unwrap_or_else(|_| "g++".into()));
    cxx.args(CXX_FLAGS)
        .arg("-pthread")
        .arg("-I")
        .arg(repo().join("include"))
        .args(sources.iter().map(|s| repo().join(s)))
        .arg("-o")
        .arg(out)
        .arg(lib_dir().join("libalipay_marketing.a"))
        .args(STATIC_LINK_LIBS);
    run_compiler(cxx, &sources.join(" "));
}

/// Key files and the environment a C program needs to talk to `sandbox`.
pub struct ProgramEnv {
    pub vars: Vec<(String, String)>,
    pub dir: PathBuf,
}

impl ProgramEnv {
    /// Writes the sandbox's keys (and a few extra keys for the error cases) to files and lists the variables.
    pub fn for_sandbox(sandbox: &Sandbox) -> ProgramEnv {
        let dir = scratch_dir("keys");
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).expect("write a key file");
            path.display().to_string()
        };
        let app_private = write("app_private_key.pem", sandbox.app_private_key_pem());
        let alipay_public = write("alipay_public_key.pem", sandbox.alipay_public_key_pem());
        let app_key = PrivateKey::from_text(sandbox.app_private_key_pem())
            .expect("the sandbox's app key parses");
        let app_public = write("app_public_key.pem", &app_key.public_key().to_pem());
        let stranger = PrivateKey::generate().expect("generate a key");
        let wrong_public = write("wrong_public_key.pem", &stranger.public_key().to_pem());
        let stranger_private = write("stranger_private_key.pem", &stranger.to_pkcs8_pem());
        let vars = vec![
            ("ALIPAY_GATEWAY_URL".into(), sandbox.url()),
            ("ALIPAY_ADMIN_URL".into(), sandbox.admin_url()),
            ("ALIPAY_APP_ID".into(), sandbox.app_id().to_owned()),
            ("ALIPAY_APP_PRIVATE_KEY_FILE".into(), app_private),
            ("ALIPAY_PUBLIC_KEY_FILE".into(), alipay_public),
            ("ALIPAY_TEST_APP_PUBLIC_KEY_FILE".into(), app_public),
            ("ALIPAY_TEST_WRONG_PUBLIC_KEY_FILE".into(), wrong_public),
            (
                "ALIPAY_TEST_STRANGER_PRIVATE_KEY_FILE".into(),
                stranger_private,
            ),
        ];
        ProgramEnv { vars, dir }
    }

    /// Adds or replaces a variable.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.vars.retain(|(n, _)| n != name);
        self.vars.push((name.to_owned(), value.into()));
    }
}

/// How a program is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Native,
    Valgrind,
}

/// The ways each program runs: natively, and under valgrind memcheck when `ALIPAY_VALGRIND=1` (which `make test-c`
/// sets after installing valgrind if needed). Without it the suite stays quick for `cargo test --workspace`.
pub fn modes() -> Vec<Mode> {
    let wanted = std::env::var_os("ALIPAY_VALGRIND").is_some_and(|v| v == "1");
    if !wanted {
        return vec![Mode::Native];
    }
    let found = Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "ALIPAY_VALGRIND=1 but valgrind is not installed (make test-c installs it)"
    );
    vec![Mode::Native, Mode::Valgrind]
}

/// The valgrind exit code that means "memcheck found errors or leaks", distinct from the program's own codes.
pub const VALGRIND_ERROR_EXIT: i32 = 99;

/// The command that runs `program` in `mode`, with `args` and `env`.
fn command(program: &Path, args: &[&str], env: &ProgramEnv, mode: Mode) -> Command {
    let mut command = match mode {
        Mode::Native => Command::new(program),
        Mode::Valgrind => {
            let mut v = Command::new("valgrind");
            v.arg("--quiet")
                .arg("--leak-check=full")
                .arg("--show-leak-kinds=definite,indirect,possible")
                .arg("--errors-for-leak-kinds=definite,indirect,possible")
                .arg(format!("--error-exitcode={VALGRIND_ERROR_EXIT}"))
                .arg(format!(
                    "--suppressions={}",
                    repo().join("tests/c/valgrind.supp").display()
                ))
                .arg(program);
            v
        }
    };
    command
        .args(args)
        .envs(env.vars.iter().map(|(k, v)| (k, v)));
    command
}

/// Fails the test unless the program exited with 0, showing its output.
fn assert_exited_ok(
    program: &Path,
    args: &[&str],
    mode: Mode,
    status: ExitStatus,
    stdout: &str,
    stderr: &str,
) {
    assert!(
        status.success(),
        "{} {args:?} ({mode:?}) exited with {:?}{}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        program.display(),
        status.code(),
        if status.code() == Some(VALGRIND_ERROR_EXIT) {
            " (valgrind found errors or leaks)"
        } else {
            ""
        },
    );
}

/// Runs a compiled program and returns its output; fails the test when it exits non-zero.
pub fn run(program: &Path, args: &[&str], env: &ProgramEnv, mode: Mode) -> String {
    let output: Output = command(program, args, env, mode)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_exited_ok(program, args, mode, output.status, &stdout, &stderr);
    stdout
}

/// Runs a program that stops at steps: each time it prints a line `await STEP` (and flushes), `step` is called
/// with STEP and the output so far, and the program then gets one line on its stdin and goes on. Returns the whole
/// output and the steps in order; fails the test when the program exits non-zero. Should `step` panic, the
/// program is ended.
pub fn run_with_steps(
    program: &Path,
    args: &[&str],
    env: &ProgramEnv,
    mode: Mode,
    mut step: impl FnMut(&str, &str),
) -> (String, Vec<String>) {
    let mut running = EndOnDrop(Some(
        command(program, args, env, mode)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display())),
    ));
    let child = running.0.as_mut().expect("the program runs");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut stderr_pipe = child.stderr.take().expect("piped stderr");
    // Drained on its own thread so that a chatty stderr never blocks the program.
    let stderr = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    });
    let mut output = String::new();
    let mut steps = Vec::new();
    for line in stdout.lines() {
        let line = line.expect("read the program's output");
        output.push_str(&line);
        output.push('\n');
        if let Some(name) = line.strip_prefix("await ") {
            step(name, &output);
            steps.push(name.to_owned());
            stdin
                .write_all(b"go\n")
                .and_then(|()| stdin.flush())
                .expect("answer the program");
        }
    }
    drop(stdin);
    let mut child = running.0.take().expect("the program runs");
    let status = child.wait().expect("wait for the program");
    let stderr = stderr.join().expect("the stderr reader");
    assert_exited_ok(program, args, mode, status, &output, &stderr);
    (output, steps)
}

/// Ends (kills and reaps) a program still held when a failed assertion unwinds past it, so that no test program
/// outlives its test.
struct EndOnDrop(Option<Child>);

impl Drop for EndOnDrop {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The value of the first `key=value` line of a program's output.
pub fn value<'a>(stdout: &'a str, key: &str) -> Option<&'a str> {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
}
