//! The Rust client's side of `make bench-cpu` (`bench/cpu/run.py`): voucher.send against a running sandbox.
//!
//! Usage: `bench_cpu SECONDS CONCURRENCY PREFIX`, with the sandbox's `ALIPAY_*` variables in the environment.
//! Makes warm-up calls, prints `ready`, waits for a line on stdin, then keeps CONCURRENCY calls in flight for
//! SECONDS and prints `done calls=N wall_ns=W`; it exits at the next line or end of stdin. The runner reads the
//! CPU time of this process and of the sandbox from /proc between `ready` and `done`, so this program measures
//! nothing but the calls and the wall time.

use std::io::BufRead as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::{Client, Gateway};

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

fn env(name: &str) -> BenchResult<String> {
    std::env::var(name)
        .map_err(|_| format!("{name} is not set (source the sandbox's env file)").into())
}

async fn send(client: &Client, prefix: &str, n: u64) -> BenchResult<()> {
    let request = VoucherSendRequest::new("TPL-FIXED-10", format!("{prefix}-{n}"))
        .user_id("2088000000000001");
    let sent = client.send_voucher(&request).await?;
    if sent.voucher_id.is_empty() {
        return Err("a voucher.send answer without a voucher_id".into());
    }
    Ok(())
}

fn main() -> BenchResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [seconds, concurrency, prefix] = args.as_slice() else {
        return Err("usage: bench_cpu SECONDS CONCURRENCY PREFIX".into());
    };
    let seconds: f64 = seconds.parse().map_err(|_| "SECONDS must be a number")?;
    let concurrency: u64 = concurrency
        .parse()
        .map_err(|_| "CONCURRENCY must be a whole number")?;
    let prefix: Arc<str> = prefix.as_str().into();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let client = Client::builder()
        .app_id(env("ALIPAY_APP_ID")?)
        .private_key_file(env("ALIPAY_APP_PRIVATE_KEY_FILE")?)
        .alipay_public_key_file(env("ALIPAY_PUBLIC_KEY_FILE")?)
        .gateway(Gateway::Url(env("ALIPAY_GATEWAY_URL")?))
        .build()?;

    runtime.block_on(async {
        for n in 0..concurrency.max(20) {
            send(&client, &format!("{prefix}-warm"), n).await?;
        }
        BenchResult::Ok(())
    })?;
    println!("ready");
    let mut stdin = std::io::stdin().lock();
    let mut line = String::new();
    stdin.read_line(&mut line)?;

    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds);
    let calls = runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let (client, next, prefix) = (client.clone(), next.clone(), prefix.clone());
            tasks.push(tokio::spawn(async move {
                let mut made = 0u64;
                while Instant::now() < deadline {
                    send(&client, &prefix, next.fetch_add(1, Ordering::Relaxed))
                        .await
                        .map_err(|e| e.to_string())?;
                    made += 1;
                }
                Ok::<u64, String>(made)
            }));
        }
        let mut calls = 0;
        for task in tasks {
            calls += task.await??;
        }
        BenchResult::Ok(calls)
    })?;
    println!(
        "done calls={calls} wall_ns={}",
        started.elapsed().as_nanos()
    );
    line.clear();
    stdin.read_line(&mut line)?;
    Ok(())
}
