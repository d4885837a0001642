use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use alipay_marketing_sandbox::{Config, Sandbox};

fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/status").unwrap().lines().find_map(|l| l.strip_prefix("VmRSS:")).unwrap().trim().trim_end_matches("kB").trim().parse().unwrap()
}

#[tokio::main]
async fn main() {
    let mode = std::env::args().nth(1).unwrap();
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let url = match mode.as_str() { "admin" => format!("{}/state", sandbox.admin_url()), _ => sandbox.url() };
    let http = reqwest::Client::new();
    for round in 0..6 {
        let next = Arc::new(AtomicU64::new(0));
        let mut tasks = vec![];
        for _ in 0..64 {
            let (http, url, next) = (http.clone(), url.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < 5000 {
                    let r = if url.ends_with("state") { http.get(&url).send().await } else { http.post(&url).body("").send().await };
                    r.unwrap().bytes().await.unwrap();
                }
            }));
        }
        for t in tasks { t.await.unwrap(); }
        println!("{mode} round {round}: rss {} KiB", rss());
    }
}
