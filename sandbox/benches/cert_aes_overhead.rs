//! What certificate mode and AES add to a call: the core client against an in-process sandbox over loopback, one
//! call in flight, RSA2, in three modes — plain (public-key mode), certificate mode, and AES content encryption.
//! Issue 6's target: certificate mode and AES each add at most 10% to the per-call cost of the plain call.
//!
//! Run: `cargo bench -p alipay-marketing-sandbox --bench cert_aes_overhead`
//! Knobs (environment): `BENCH_ROUNDS` (default 15), `BENCH_CALLS_PER_ROUND` (default 200).
//!
//! The modes alternate: every round runs each mode once, the order rotating from round to round, so that a slow
//! stretch of a shared machine hits all three alike. Per mode it prints the median over rounds of the wall time per
//! call, and the CPU time per call of the whole process (client and sandbox, from /proc, summed over rounds), with
//! their ratios to the plain call. The calls are invite awards for a registered user (two RSA-2048 signs and two
//! verifies each, plus the AES work or the certificate checks); the certificate-mode client starts with the
//! current Alipay certificate, so no download happens while measuring.

use std::time::{Duration, Instant};

use alipay_marketing::api::invite::InviteAwardRequest;
use alipay_marketing::{Client, RetryPolicy};
use alipay_marketing_sandbox::{App, Config, Sandbox, Scenario};

const AES_APP_ID: &str = "2021000000000002";
const AES_KEY: &str = "aa4BtZ4tspm2wnXLb1ThQA==";
const TARGET: f64 = 1.10;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// User plus system CPU time of this process, from /proc/self/stat (Linux); `None` elsewhere.
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // The kernel reports clock ticks; USER_HZ is 100 on every mainstream Linux.
    Some(Duration::from_millis((utime + stime) * 10))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

struct Mode {
    name: &'static str,
    client: Client,
    wall_per_call: Vec<f64>,
    cpu: Option<Duration>,
    calls: u64,
}

async fn round(client: &Client, calls: u64) {
    for _ in 0..calls {
        // A new out_biz_no per call (the client makes one): the same work as a first call every time.
        client
            .receive_invite_award(&InviteAwardRequest::new().mobile("13800000001"))
            .await
            .expect("the call succeeds");
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this too: keep that a quick smoke run.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let (rounds, per_round) = if smoke {
        (3, 5)
    } else {
        (
            env_u64("BENCH_ROUNDS", 15).max(1),
            env_u64("BENCH_CALLS_PER_ROUND", 200).max(1),
        )
    };
    if smoke {
        println!(
            "smoke run (tiny sizes, probably a debug build): the numbers below mean nothing; use cargo bench"
        );
    }
    let mut scenario = Scenario::default();
    let mut aes_app: App = scenario.apps[0].clone();
    aes_app.app_id = AES_APP_ID.to_owned();
    aes_app.aes_key = Some(AES_KEY.to_owned());
    scenario.apps.push(aes_app);
    let sandbox = Sandbox::start_blocking(Config::default().scenario(scenario)).expect("sandbox");
    let build = |builder: alipay_marketing::ClientBuilder| {
        builder
            .retry_policy(RetryPolicy::none())
            .build()
            .expect("client")
    };
    let mode = |name, client| Mode {
        name,
        client,
        wall_per_call: Vec::new(),
        cpu: Some(Duration::ZERO),
        calls: 0,
    };
    let mut modes = [
        mode("plain RSA2", build(sandbox.client_builder())),
        mode(
            "certificate mode",
            build(sandbox.client_builder_cert_mode().expect("certificates")),
        ),
        mode("AES", build(sandbox.client_builder_for(AES_APP_ID))),
    ];
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        // Warm up: connections, the certificates, the allocator.
        for m in &modes {
            round(&m.client, per_round.min(20)).await;
        }
        for r in 0..rounds as usize {
            for i in 0..modes.len() {
                let m = &mut modes[(r + i) % 3];
                let cpu_before = process_cpu();
                let started = Instant::now();
                round(&m.client, per_round).await;
                let wall = started.elapsed();
                m.wall_per_call.push(wall.as_secs_f64() / per_round as f64);
                m.cpu = match (m.cpu, cpu_before, process_cpu()) {
                    (Some(total), Some(before), Some(after)) => {
                        Some(total + after.saturating_sub(before))
                    }
                    _ => None,
                };
                m.calls += per_round;
            }
        }
    });
    let downloads =
        sandbox.state()["calls"][alipay_marketing_sandbox::CERT_DOWNLOAD_METHOD]["total"]
            .as_u64()
            .unwrap_or(0);
    sandbox.stop_blocking();

    println!(
        "per-call cost, one call in flight, {rounds} alternating rounds of {per_round} calls per mode \
         (client and sandbox in one process):"
    );
    let walls: Vec<f64> = modes
        .iter_mut()
        .map(|m| median(&mut m.wall_per_call))
        .collect();
    let cpus: Vec<Option<f64>> = modes
        .iter()
        .map(|m| m.cpu.map(|c| c.as_secs_f64() / m.calls as f64))
        .collect();
    for (i, m) in modes.iter().enumerate() {
        let cpu = cpus[i].map_or("n/a".to_owned(), |c| format!("{:.3} ms", c * 1e3));
        println!(
            "  {:<17} median wall {:.3} ms/call, CPU {cpu}/call",
            m.name,
            walls[i] * 1e3
        );
    }
    for i in 1..modes.len() {
        let wall_ratio = walls[i] / walls[0];
        let verdict = |ratio: f64| {
            if ratio <= TARGET { "within" } else { "OVER" }
        };
        let cpu_ratio = match (cpus[i], cpus[0]) {
            (Some(c), Some(p)) if p > 0.0 => {
                let ratio = c / p;
                format!("{ratio:.3} ({} the {TARGET:.2} target)", verdict(ratio))
            }
            _ => "n/a".to_owned(),
        };
        println!(
            "  {} / plain: wall {wall_ratio:.3} ({} the {TARGET:.2} target), CPU {cpu_ratio}",
            modes[i].name,
            verdict(wall_ratio)
        );
    }
    println!("  certificate downloads while measuring: {downloads} (expected 0)");
}
