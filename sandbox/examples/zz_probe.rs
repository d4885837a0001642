use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use alipay_marketing_sandbox::{Config, Sandbox};

fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/status").unwrap().lines().find_map(|l| l.strip_prefix("VmRSS:")).unwrap().trim().trim_end_matches("kB").trim().parse().unwrap()
}

#[tokio::main]
async fn main() {
    let mode = std::env::args().nth(1).unwrap();
    if mode == "mtverify" {
        let key = alipay_marketing::PrivateKey::generate().unwrap();
        let public = key.public_key();
        let msg = "app_id=2021000000000001&biz_content={\"user_id\":\"2088000000000001\"}&charset=utf-8&method=alipay.user.invite.award.receive&sign_type=RSA2&timestamp=2026-11-25 04:00:00&version=1.0";
        let sig = key.sign(alipay_marketing::SignType::Rsa2, msg.as_bytes()).unwrap();
        for round in 0..6 {
            let hs: Vec<_> = (0..2).map(|_| { let (p, s) = (public.clone(), sig.clone()); std::thread::spawn(move || for _ in 0..20000 { assert!(p.verify(alipay_marketing::SignType::Rsa2, msg.as_bytes(), &s)); }) }).collect();
            for h in hs { h.join().unwrap(); }
            println!("{mode} round {round}: rss {} KiB", rss());
        }
        return;
    }
    if mode == "verify" || mode == "sign" {
        let key = alipay_marketing::PrivateKey::generate().unwrap();
        let public = key.public_key();
        let sig = key.sign(alipay_marketing::SignType::Rsa2, b"hello").unwrap();
        for round in 0..6 {
            for _ in 0..20000 {
                if mode == "verify" { assert!(public.verify(alipay_marketing::SignType::Rsa2, b"hello", &sig)); }
                else { key.sign(alipay_marketing::SignType::Rsa2, b"hello").unwrap(); }
            }
            println!("{mode} round {round}: rss {} KiB", rss());
        }
        return;
    }
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    if mode == "valid" {
        let client = sandbox.client_builder().build().unwrap();
        for round in 0..6 {
            let next = Arc::new(AtomicU64::new(0));
            let mut tasks = vec![];
            for _ in 0..64 {
                let (client, next) = (client.clone(), next.clone());
                tasks.push(tokio::spawn(async move {
                    let req = alipay_marketing::api::invite::InviteAwardRequest::new().user_id("2088000000000001");
                    while next.fetch_add(1, Ordering::Relaxed) < 2000 {
                        client.receive_invite_award(&req).await.unwrap();
                    }
                }));
            }
            for t in tasks { t.await.unwrap(); }
            println!("{mode} round {round}: rss {} KiB", rss());
        }
        return;
    }
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
