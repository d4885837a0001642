//! The baseline of the campaign throughput benchmark (`bench/campaign/run.py`): the same voucher sends a campaign
//! makes, through one client at the same concurrency, with no journal, no input parsing and no outputs.
//!
//! `bare_loop USERS_CSV CONCURRENCY RUN_ID` sends one voucher of `TPL-FIXED-10` to the `user_id` of each row
//! (the first column) and prints `rows=N seconds=S`. The app and the gateway come from the variables a sandbox's
//! `--env-file` exports.

use std::sync::Arc;
use std::time::Instant;

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::{Client, Gateway};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

fn env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set; source a sandbox's --env-file"))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, concurrency, run] = args.as_slice() else {
        panic!("usage: bare_loop USERS_CSV CONCURRENCY RUN_ID");
    };
    let concurrency: usize = concurrency.parse().expect("CONCURRENCY is a number");
    let users: Vec<String> = std::fs::read_to_string(path)
        .expect("read USERS_CSV")
        .lines()
        .skip(1)
        .map(|line| line.split(',').next().unwrap_or_default().to_owned())
        .collect();
    let client = Client::builder()
        .app_id(env("ALIPAY_APP_ID"))
        .private_key_file(env("ALIPAY_APP_PRIVATE_KEY_FILE"))
        .alipay_public_key_file(env("ALIPAY_PUBLIC_KEY_FILE"))
        .gateway(Gateway::parse(&env("ALIPAY_GATEWAY_URL")))
        .build()
        .expect("a client from the sandbox's settings");
    let window = Arc::new(Semaphore::new(concurrency));
    let mut tasks = JoinSet::new();
    let started = Instant::now();
    for (n, user) in users.iter().enumerate() {
        let permit = window
            .clone()
            .acquire_owned()
            .await
            .expect("the window stays open");
        let client = client.clone();
        let request = VoucherSendRequest::new("TPL-FIXED-10", format!("bare-{run}-{n}"))
            .user_id(user.as_str());
        tasks.spawn(async move {
            let _permit = permit;
            client
                .send_voucher(&request)
                .await
                .expect("no faults are armed");
        });
        while let Some(done) = tasks.try_join_next() {
            done.expect("a send task");
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("a send task");
    }
    println!(
        "rows={} seconds={:.3}",
        users.len(),
        started.elapsed().as_secs_f64()
    );
}
