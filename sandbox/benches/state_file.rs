//! What `--state` costs a call as the state grows: two in-process sandboxes over loopback, one with a state file and
//! one without, both filled with the same number of vouchers, then timed call by call (voucher.send, one in flight).
//!
//! Run: `cargo bench -p alipay-marketing-sandbox --bench state_file`
//! Knobs (environment): `BENCH_SIZES` (vouchers held when measuring, comma-separated; default
//! `0,2000,8000,32000`), `BENCH_CALLS` (calls timed per size and sandbox; default 300).
//!
//! Per size it prints the median and the 99th percentile of the wall time per call with the state file and without
//! it, the difference of the medians (what persisting costs a call: a line appended and flushed to the disk) and the
//! file's size. The two sandboxes take turns every 20 calls, so a slow stretch of a shared machine hits both alike.
//! A state file whose cost is independent of the state shows the same difference at every size; the occasional
//! compaction (the whole state rewritten once the changes outgrow it) shows in the 99th percentile only.

use std::time::Instant;

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::{Client, RetryPolicy};
use alipay_marketing_sandbox::{Config, Sandbox};

const USER: &str = "2088000000000001";

fn env_text(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let i = ((values.len() as f64 - 1.0) * p).round() as usize;
    values[i]
}

struct Side {
    name: &'static str,
    sandbox: Sandbox,
    client: Client,
    sent: u64,
}

impl Side {
    async fn send(&mut self) -> f64 {
        self.sent += 1;
        let request = VoucherSendRequest::new("TPL-FIXED-10", format!("state-bench-{}", self.sent))
            .user_id(USER);
        let started = Instant::now();
        self.client
            .send_voucher(&request)
            .await
            .unwrap_or_else(|e| panic!("{}: voucher {}: {e}", self.name, self.sent));
        started.elapsed().as_secs_f64() * 1e3
    }

    fn vouchers(&self) -> u64 {
        self.sandbox.state()["vouchers"]["count"]
            .as_u64()
            .expect("count")
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this too: keep that a quick smoke run.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let (sizes, calls) = if smoke {
        (vec![0, 30], 10)
    } else {
        let sizes = env_text("BENCH_SIZES", "0,2000,8000,32000")
            .split(',')
            .map(|s| s.trim().parse::<u64>().expect("BENCH_SIZES: whole numbers"))
            .collect();
        let calls = env_text("BENCH_CALLS", "300")
            .parse::<usize>()
            .expect("BENCH_CALLS: a whole number");
        (sizes, calls.max(20))
    };
    if smoke {
        println!(
            "smoke run (tiny sizes, probably a debug build): the numbers below mean nothing; use cargo bench"
        );
    }
    let dir =
        std::env::temp_dir().join(format!("alipay-sandbox-state-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let state_path = dir.join("state.json");
    let side = |name, config: Config| {
        let sandbox = Sandbox::start_blocking(config).expect("sandbox");
        let client = sandbox
            .client_builder()
            .retry_policy(RetryPolicy::none())
            .build()
            .expect("client");
        Side {
            name,
            sandbox,
            client,
            sent: 0,
        }
    };
    let mut with = side("with --state", Config::default().state_file(&state_path));
    let mut without = side("without --state", Config::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "{:>10}  {:>22}  {:>22}  {:>12}  {:>10}",
        "vouchers", "with --state ms p50/p99", "without ms p50/p99", "difference", "file"
    );
    runtime.block_on(async {
        for &size in &sizes {
            for s in [&mut with, &mut without] {
                for _ in s.vouchers()..size {
                    s.send().await;
                }
            }
            let (mut a, mut b) = (Vec::new(), Vec::new());
            while a.len() < calls {
                for _ in 0..20 {
                    a.push(with.send().await);
                }
                for _ in 0..20 {
                    b.push(without.send().await);
                }
            }
            let (a50, a99) = (percentile(&mut a, 0.5), percentile(&mut a, 0.99));
            let (b50, b99) = (percentile(&mut b, 0.5), percentile(&mut b, 0.99));
            let file = std::fs::metadata(&state_path).map(|m| m.len()).unwrap_or(0);
            println!(
                "{size:>10}  {:>22}  {:>22}  {:>9.3} ms  {:>7} KiB",
                format!("{a50:.3} / {a99:.3}"),
                format!("{b50:.3} / {b99:.3}"),
                a50 - b50,
                file / 1024
            );
        }
    });
    with.sandbox.stop_blocking();
    without.sandbox.stop_blocking();
    let _ = std::fs::remove_dir_all(&dir);
}
