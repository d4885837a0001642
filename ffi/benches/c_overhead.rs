//! What the blocking C API costs over the Rust async API: the same voucher call, on the same in-process sandbox,
//! in the same run, one call at a time (one thread).
//!
//! `cargo bench -p alipay-marketing-ffi --bench c_overhead` (or `make bench-c`). Rounds alternate a batch of
//! Rust async calls with a batch of calls from `bench/c/voucher_latency.c`, so drift in the machine's load hits
//! both sides alike; the medians of all samples are compared. Environment: `ALIPAY_BENCH_CALLS` (per batch,
//! default 200), `ALIPAY_BENCH_ROUNDS` (default 5).

#[path = "../tests/c_support/mod.rs"]
mod c_support;

use std::time::Instant;

use alipay_marketing::api::voucher::VoucherSendRequest;
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

fn percentile(samples: &[f64], p: f64) -> f64 {
    // `samples` is sorted by `median`.
    let rank = ((samples.len() - 1) as f64 * p).round() as usize;
    samples[rank]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it, as a smoke test.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let measuring = args.iter().any(|a| a == "--bench");
    let calls = if measuring { setting("ALIPAY_BENCH_CALLS", 200) } else { 3 };
    let rounds = if measuring { setting("ALIPAY_BENCH_ROUNDS", 5) } else { 1 };

    let sandbox = Sandbox::start_blocking(Config::default()).expect("start the sandbox");
    let env = ProgramEnv::for_sandbox(&sandbox);
    let program = scratch_dir("bench").join("voucher_latency");
    compile_c_shared(&["bench/c/voucher_latency.c"], &program);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let client = sandbox.client_builder().build().expect("a Rust client");
    let send = |key: String| {
        let request = VoucherSendRequest::new("TPL-FIXED-10", key).user_id("2088000000000001");
        runtime.block_on(async {
            let started = Instant::now();
            client
                .send_voucher(&request)
                .await
                .expect("a Rust voucher call");
            started.elapsed().as_nanos() as f64
        })
    };
    for i in 0..20 {
        send(format!("rust-warm-{i}"));
    }

    let (mut rust, mut c) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // The Rust side measures only the awaited call; building the request value is outside the timer.
        rust.extend((0..calls).map(|i| send(format!("rust-{round}-{i:06}"))));
        let stdout = run(
            &program,
            &[&calls.to_string(), &format!("c-{round}")],
            &env,
            Mode::Native,
        );
        c.extend(
            stdout
                .lines()
                .filter_map(|l| l.strip_prefix("sample_ns=")?.parse::<f64>().ok()),
        );
        sandbox.reset();
    }
    assert_eq!(c.len(), rust.len(), "every C call reported a sample");

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
