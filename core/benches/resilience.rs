//! Resilience benchmarks against the local sandbox, in one run:
//! 1. the client-wide rate limit holds its QPS over 30 s with 8 OS threads sharing one client through the blocking
//!    runtime, as the C and Python faces use it (target ±5%);
//! 2. retries cost nothing when nothing fails: calls/s with the default retry policy vs with retries off
//!    (target ratio ≤ 1.02 in time per call);
//! 3. deadlines end calls on time: how late a call against a gateway slower than its deadline returns, and how soon
//!    a slow attempt is abandoned at its attempt timeout (target: median lateness ≤ 100 ms).
//!
//! `cargo bench -p alipay-marketing --bench resilience` (BENCH_SECONDS shortens the rate-limit run).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::{CallOptions, Client, ErrorKind, RetryPolicy};
use alipay_marketing_sandbox::{Config, Fault, FaultPlan, Sandbox};

const TASKS: usize = 8;

async fn hammer(
    client: &Client,
    tasks: usize,
    until: impl Fn(usize, Instant) -> bool + Send + Sync + 'static,
) -> (usize, Duration) {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let done = Arc::new(AtomicUsize::new(0));
    let until = Arc::new(until);
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let (client, done, until) = (client.clone(), done.clone(), until.clone());
        handles.push(tokio::spawn(async move {
            while !until(done.load(Ordering::Relaxed), started) {
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                let request = VoucherSendRequest::new("TPL-FIXED-10", format!("bench-{n}"))
                    .user_id("2088000000000001");
                client
                    .send_voucher(&request)
                    .await
                    .expect("no faults are armed");
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    (done.load(Ordering::Relaxed), started.elapsed())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);

    // 1. Rate limit accuracy: 8 threads, each making blocking calls on the shared runtime.
    let qps = 200.0;
    let limited = sandbox.client_builder().rate_limit(qps, 1).build().unwrap();
    let window = Duration::from_secs(seconds);
    let (calls, elapsed) = tokio::task::spawn_blocking(move || {
        let done = AtomicUsize::new(0);
        let started = Instant::now();
        std::thread::scope(|scope| {
            for t in 0..TASKS {
                let (client, done) = (&limited, &done);
                scope.spawn(move || {
                    let mut n = 0;
                    while started.elapsed() < window {
                        let request =
                            VoucherSendRequest::new("TPL-FIXED-10", format!("rate-{t}-{n}"))
                                .user_id("2088000000000001");
                        alipay_marketing::blocking::block_on(client.send_voucher(&request))
                            .expect("outside any runtime")
                            .expect("no faults are armed");
                        done.fetch_add(1, Ordering::Relaxed);
                        n += 1;
                    }
                });
            }
        });
        (done.load(Ordering::Relaxed), started.elapsed())
    })
    .await
    .unwrap();
    let measured = calls as f64 / elapsed.as_secs_f64();
    println!(
        "rate limit: configured {qps:.0} qps, measured {measured:.1} qps over {:.1} s with {TASKS} threads ({:+.2}%, target ±5%)",
        elapsed.as_secs_f64(),
        (measured / qps - 1.0) * 100.0
    );

    // 2. Retry overhead without faults: alternate rounds so both modes see the same machine noise.
    let with_retries = sandbox.client_builder().build().unwrap();
    let without = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let per_round = 2_000;
    let (mut on, mut off) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        for (client, out) in [(&with_retries, &mut on), (&without, &mut off)] {
            let (calls, elapsed) = hammer(client, TASKS, move |done, _| done >= per_round).await;
            out.push(elapsed.as_secs_f64() * 1e6 / calls as f64);
        }
    }
    let (on, off) = (median(on), median(off));
    println!(
        "retries on, no faults: {on:.1} µs/call; retries off: {off:.1} µs/call; ratio {:.3} (target ≤ 1.02)",
        on / off
    );

    // 3. Deadline lateness: the gateway answers after 3 s; the call's deadline is 300 ms, or its attempt timeout is
    // 300 ms with a retry that is answered at once.
    let deadline = Duration::from_millis(300);
    let client = sandbox.client_builder().build().unwrap();
    let slow = |faults: usize| {
        FaultPlan::new().script(
            Some("alipay.marketing.voucher.send"),
            vec![Fault::Latency(Duration::from_secs(3)); faults],
        )
    };
    let (mut call_late, mut attempt_late) = (Vec::new(), Vec::new());
    for round in 0..7 {
        sandbox.arm_faults(slow(1)).unwrap();
        let request = VoucherSendRequest::new("TPL-FIXED-10", format!("deadline-{round}"))
            .user_id("2088000000000001");
        let started = Instant::now();
        let error = client
            .call(&request, &CallOptions::with_timeout(deadline))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
        call_late.push((started.elapsed() - deadline).as_secs_f64() * 1e3);

        let hurried = sandbox
            .client_builder()
            .attempt_timeout(deadline)
            .build()
            .unwrap();
        sandbox.arm_faults(slow(1)).unwrap();
        let request = VoucherSendRequest::new("TPL-FIXED-10", format!("attempt-{round}"))
            .user_id("2088000000000001");
        let started = Instant::now();
        hurried.send_voucher(&request).await.unwrap();
        attempt_late.push((started.elapsed() - deadline).as_secs_f64() * 1e3);
    }
    println!(
        "deadline 300 ms against a 3 s gateway: returned a median {:.1} ms late; attempt timeout 300 ms then a retry: \
         answered a median {:.1} ms after the timeout (target ≤ 100 ms)",
        median(call_late),
        median(attempt_late)
    );
    sandbox.stop().await;
}
