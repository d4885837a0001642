//! What the blocking C API costs over the Rust async API: the same voucher call, on the same in-process sandbox,
//! in the same run, one call at a time (one thread).
//!
//! `cargo bench -p alipay-marketing-ffi --bench c_overhead` (or `make bench-c`). Rounds alternate a batch of
//! Rust async calls with a batch of calls from `bench/c/voucher_latency.c`, so drift in the machine's load hits
//! both sides alike; the medians of all samples are compared. Both clients run in their own process (the Rust
//! one is this binary started again with `ALIPAY_BENCH_RUST_CLIENT=1`) and the sandbox in this one, so the two
//! sides differ only in the API they go through. Environment: `ALIPAY_BENCH_CALLS` (per batch, default 200),
//! `ALIPAY_BENCH_ROUNDS` (default 5).
//!
//! `cargo test --all-targets` runs this binary without `--bench`: it then makes a 3-call smoke run.

#[path = "../tests/c_support/mod.rs"]
mod c_support;

use std::time::Instant;

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::{Client, Gateway};
use alipay_marketing_sandbox::{Config, Sandbox};
use c_support::{Mode, ProgramEnv, compile_c_shared, run, scratch_dir};

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    let n = samples.len();
    if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]) / 2.0
    }
}

/// A percentile of samples already sorted by [`median`].
fn percentile(samples: &[f64], p: f64) -> f64 {
    let rank = ((samples.len() - 1) as f64 * p).round() as usize;
    samples[rank]
}

fn samples(stdout: &str) -> Vec<f64> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("sample_ns=")?.parse::<f64>().ok())
        .collect()
}

/// The Rust side, in its own process: `calls` sequential async sends after 20 warm-up calls, one `sample_ns=N`
/// line per call, configured from the same environment variables as the C program.
fn rust_client(calls: usize, prefix: &str) {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let client = Client::builder()
        .app_id(var("ALIPAY_APP_ID"))
        .private_key_file(var("ALIPAY_APP_PRIVATE_KEY_FILE"))
        .alipay_public_key_file(var("ALIPAY_PUBLIC_KEY_FILE"))
        .gateway(Gateway::Url(var("ALIPAY_GATEWAY_URL")))
        .build()
        .expect("a Rust client");
    runtime.block_on(async {
        for i in 0..20 + calls {
            // The request value is built outside the timer, while the C side's timer includes its request object
            // and setters: if anything, the comparison favours Rust.
            let key = format!("{prefix}-{i:06}");
            let request = VoucherSendRequest::new("TPL-FIXED-10", key).user_id("2088000000000001");
            let started = Instant::now();
            client
                .send_voucher(&request)
                .await
                .expect("a Rust voucher call");
            if i >= 20 {
                println!("sample_ns={}", started.elapsed().as_nanos());
            }
        }
    });
}

fn main() {
    if std::env::var_os("ALIPAY_BENCH_RUST_CLIENT").is_some() {
        let prefix = std::env::var("ALIPAY_BENCH_PREFIX").unwrap_or_else(|_| "rust".into());
        rust_client(setting("ALIPAY_BENCH_CALLS", 200), &prefix);
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let measuring = args.iter().any(|a| a == "--bench");
    let calls = if measuring {
        setting("ALIPAY_BENCH_CALLS", 200)
    } else {
        3
    };
    let rounds = if measuring {
        setting("ALIPAY_BENCH_ROUNDS", 5)
    } else {
        1
    };

    let sandbox = Sandbox::start_blocking(Config::default()).expect("start the sandbox");
    let env = ProgramEnv::for_sandbox(&sandbox);
    let program = scratch_dir("bench").join("voucher_latency");
    compile_c_shared(&["bench/c/voucher_latency.c"], &program);
    let myself = std::env::current_exe().expect("current_exe");

    let (mut rust, mut c) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let mut rust_env = ProgramEnv {
            vars: env.vars.clone(),
            dir: env.dir.clone(),
        };
        rust_env.set("ALIPAY_BENCH_RUST_CLIENT", "1");
        rust_env.set("ALIPAY_BENCH_CALLS", calls.to_string());
        rust_env.set("ALIPAY_BENCH_PREFIX", format!("rust-{round}"));
        rust.extend(samples(&run(&myself, &[], &rust_env, Mode::Native)));
        c.extend(samples(&run(
            &program,
            &[&calls.to_string(), &format!("c-{round}")],
            &env,
            Mode::Native,
        )));
        sandbox.reset();
    }
    assert_eq!(
        rust.len(),
        calls * rounds,
        "every Rust call reported a sample"
    );
    assert_eq!(c.len(), calls * rounds, "every C call reported a sample");

    let (rust_median, c_median) = (median(&mut rust), median(&mut c));
    let overhead = (c_median - rust_median) / rust_median * 100.0;
    println!(
        "voucher send, 1 thread, {} calls per side ({rounds} rounds of {calls})",
        rust.len()
    );
    println!(
        "  rust async : median {:>8.1} µs   p90 {:>8.1} µs",
        rust_median / 1e3,
        percentile(&rust, 0.9) / 1e3
    );
    println!(
        "  C blocking : median {:>8.1} µs   p90 {:>8.1} µs",
        c_median / 1e3,
        percentile(&c, 0.9) / 1e3
    );
    println!(
        "  overhead of the C call: {overhead:+.1}% of the median ({:+.1} µs); target ≤ 5%",
        (c_median - rust_median) / 1e3
    );
    sandbox.stop_blocking();
}
