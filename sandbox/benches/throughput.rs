//! Throughput and memory: the core client against the `alipay-sandbox` binary over loopback, RSA2, 64 calls in
//! flight. Every call costs two RSA-2048 signs (request, response) and two verifies.
//!
//! Run: `cargo bench -p alipay-marketing-sandbox --bench throughput`
//! Knobs (environment): `BENCH_CALLS` (timed calls, default 20000), `BENCH_MEMORY_CALLS` (calls over which the
//! sandbox's RSS is sampled, default 100000), `BENCH_CONCURRENCY` (default 64).
//!
//! The sandbox runs as its own process so that its memory (VmRSS from /proc) is measured apart from the client's.
//! The call is an invite award for a registered user (after the activity's limit it answers OLD_AWARD_OVER_LIMIT
//! with code 10000). In the throughput phase every call carries a new `out_biz_no` (the client makes one), so the
//! sandbox keeps one idempotency record per call: that is state it must keep, reported as bytes per record. In
//! the memory phase each of the 64 workers reuses one `out_biz_no`, so the state stays the same size and any RSS
//! growth over 100,000 calls would be a leak.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use alipay_marketing::api::invite::InviteAwardRequest;
use alipay_marketing::{Client, Gateway, PrivateKey, RetryPolicy, SignType};

const TARGET: f64 = 2000.0;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Server {
    child: Child,
    env: HashMap<String, String>,
    dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn spawn_sandbox() -> Server {
    let dir = std::env::temp_dir().join(format!("alipay-sandbox-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench dir");
    let env_file = dir.join("env");
    let child = Command::new(env!("CARGO_BIN_EXE_alipay-sandbox"))
        .args(["--quiet", "--keys-dir"])
        .arg(dir.join("keys"))
        .arg("--env-file")
        .arg(&env_file)
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn alipay-sandbox");
    // Owned by the guard at once, so the process is reaped whatever happens next.
    let mut server = Server {
        child,
        env: HashMap::new(),
        dir,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(text) = std::fs::read_to_string(&env_file) {
            server.env = text
                .lines()
                .filter_map(|l| l.strip_prefix("export "))
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.trim_matches('\'').to_owned()))
                .collect();
            return server;
        }
        assert!(
            Instant::now() < deadline,
            "the sandbox did not start within 60 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// CPU time (user + system) a process has used, from /proc/<pid>/stat (clock ticks of 10 ms on Linux).
fn cpu_time(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<u64> = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    Duration::from_millis(fields.iter().sum::<u64>() * 10)
}

/// `calls` invite awards with `concurrency` in flight; returns the elapsed time. With `fixed_keys`, worker `i`
/// always sends `out_biz_no` `bench-i` (replays after its first call); otherwise the client makes a new one per call.
async fn run(client: &Client, calls: u64, concurrency: u64, fixed_keys: bool) -> Duration {
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let client = client.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut request = InviteAwardRequest::new().user_id("2088000000000001");
            if fixed_keys {
                request = request.out_biz_no(format!("bench-{worker}"));
            }
            while next.fetch_add(1, Ordering::Relaxed) < calls {
                client
                    .receive_invite_award(&request)
                    .await
                    .expect("a verified call");
            }
        }));
    }
    for t in tasks {
        t.await.expect("worker");
    }
    started.elapsed()
}

/// The number of idempotency records the sandbox holds, from its admin API.
async fn idempotency_keys(admin_url: &str) -> u64 {
    let text = reqwest::get(format!("{admin_url}/state"))
        .await
        .expect("admin")
        .text()
        .await
        .expect("body");
    let state: serde_json::Value = serde_json::from_str(&text).expect("state JSON");
    state["idempotency_keys"]
        .as_u64()
        .expect("idempotency_keys")
}

/// Single-thread RSA-2048 sign and verify times, measured now on this machine.
fn crypto_costs() -> (Duration, Duration) {
    let key = PrivateKey::generate().expect("key");
    let public = key.public_key();
    let message = b"app_id=2021000000000001&biz_content={\"user_id\":\"2088000000000001\"}&method=x&sign_type=RSA2";
    let n = 300u32;
    let t = Instant::now();
    let mut sig = String::new();
    for _ in 0..n {
        sig = key.sign(SignType::Rsa2, message).expect("sign");
    }
    let sign = t.elapsed() / n;
    let t = Instant::now();
    for _ in 0..n {
        assert!(public.verify(SignType::Rsa2, message, &sig));
    }
    (sign, t.elapsed() / n)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this too: keep that a quick smoke run.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let calls = if smoke {
        200
    } else {
        env_u64("BENCH_CALLS", 20_000)
    };
    let memory_calls = if smoke {
        400
    } else {
        env_u64("BENCH_MEMORY_CALLS", 100_000)
    };
    let concurrency = env_u64("BENCH_CONCURRENCY", 64);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);

    if smoke {
        println!(
            "smoke run (tiny sizes, probably a debug build): the numbers below mean nothing; use cargo bench"
        );
    }
    let (sign, verify) = crypto_costs();
    let per_call = 2 * sign + 2 * verify;
    let ceiling = cores as f64 / per_call.as_secs_f64();

    let server = spawn_sandbox();
    let pid = server.child.id();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = Client::builder()
        .app_id(&server.env["ALIPAY_APP_ID"])
        .private_key_file(&server.env["ALIPAY_APP_PRIVATE_KEY_FILE"])
        .alipay_public_key_file(&server.env["ALIPAY_PUBLIC_KEY_FILE"])
        .gateway(Gateway::Url(server.env["ALIPAY_GATEWAY_URL"].clone()))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");

    let admin = server.env["ALIPAY_ADMIN_URL"].clone();
    runtime.block_on(run(&client, 500.min(calls), concurrency, false));
    let (rss_before, keys_before) = (rss_kib(pid), runtime.block_on(idempotency_keys(&admin)));
    let (server_cpu, client_cpu) = (cpu_time(&pid.to_string()), cpu_time("self"));
    let elapsed = runtime.block_on(run(&client, calls, concurrency, false));
    let server_cpu = cpu_time(&pid.to_string()).saturating_sub(server_cpu) / calls as u32;
    let client_cpu = cpu_time("self").saturating_sub(client_cpu) / calls as u32;
    let (rss_after, keys_after) = (rss_kib(pid), runtime.block_on(idempotency_keys(&admin)));
    let rate = calls as f64 / elapsed.as_secs_f64();
    println!(
        "alipay-sandbox throughput (core client + sandbox on loopback, RSA2, concurrency {concurrency}, {cores} cores)"
    );
    println!(
        "  RSA-2048 on this machine now: sign {:.0} µs, verify {:.0} µs (single thread)",
        sign.as_secs_f64() * 1e6,
        verify.as_secs_f64() * 1e6
    );
    println!("  crypto ceiling: {ceiling:.0} calls/s ({cores} cores / (2 signs + 2 verifies))");
    println!(
        "  {calls} calls in {:.2} s: {rate:.0} verified calls/s",
        elapsed.as_secs_f64()
    );
    println!("  ratio to the 2,000 calls/s bound: {:.2}", rate / TARGET);
    println!(
        "  share of the crypto ceiling: {:.0}%",
        100.0 * rate / ceiling
    );
    let total_cpu = (server_cpu + client_cpu).as_secs_f64();
    println!(
        "  CPU per call: sandbox {:.0} µs, client {:.0} µs (crypto alone: {:.0} µs each side); on {cores} idle cores \
         that is {:.0} calls/s, {:.2} of the bound",
        server_cpu.as_secs_f64() * 1e6,
        client_cpu.as_secs_f64() * 1e6,
        (sign + verify).as_secs_f64() * 1e6,
        cores as f64 / total_cpu,
        cores as f64 / total_cpu / TARGET
    );
    let new_keys = keys_after.saturating_sub(keys_before).max(1);
    println!(
        "  state kept: {new_keys} new idempotency records, RSS +{} KiB (about {} bytes per record)",
        rss_after as i64 - rss_before as i64,
        (rss_after as i64 - rss_before as i64) * 1024 / new_keys as i64
    );

    runtime.block_on(run(&client, concurrency, concurrency, true));
    let keys_start = runtime.block_on(idempotency_keys(&admin));
    let start_rss = rss_kib(pid);
    let step = (memory_calls / 10).max(1);
    let mut samples = vec![(0u64, start_rss)];
    let mut done = 0;
    while done < memory_calls {
        runtime.block_on(run(&client, step, concurrency, true));
        done += step;
        samples.push((done, rss_kib(pid)));
    }
    let keys_end = runtime.block_on(idempotency_keys(&admin));
    let listed: Vec<String> = samples.iter().map(|(n, r)| format!("{n}:{r}")).collect();
    println!(
        "  sandbox RSS over {memory_calls} calls with constant state ({keys_start} → {keys_end} records), KiB: {}",
        listed.join(" ")
    );
    let (first_half, second_half) = samples.split_at(samples.len() / 2);
    let max_first = first_half.iter().map(|s| s.1).max().unwrap_or(0);
    let max_second = second_half.iter().map(|s| s.1).max().unwrap_or(0);
    println!(
        "  RSS change start to end: {} KiB; peak of the second half minus peak of the first half: {} KiB",
        samples.last().map(|s| s.1).unwrap_or(0) as i64 - start_rss as i64,
        max_second as i64 - max_first as i64
    );
    drop(server);
}
