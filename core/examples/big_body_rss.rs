//! Peak memory of a call answered with a 1 GiB body: it must stay under the response cap plus a small constant,
//! whether the body announces its size (`Content-Length`, refused before reading) or streams without one (chunked,
//! counted and cut at the cap).
//!
//! `bench/big_body.sh` (in `make bench`) runs it; alone: `cargo run -p alipay-marketing --example big_body_rss`.
//! It prints the peak resident set (VmHWM) before and after the calls and exits 1 if the growth exceeds
//! `max_response_bytes` + `ALLOWANCE`.

use std::io::{Read, Write};
use std::net::TcpListener;

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::client::DEFAULT_MAX_RESPONSE_BYTES;
use alipay_marketing::{Client, Gateway, PrivateKey, RetryPolicy};

/// The body the gateway pretends to send.
const BODY: u64 = 1 << 30;
/// What the client may use beyond the cap: buffers, a connection, TLS-free HTTP state, allocator slack.
const ALLOWANCE: u64 = 16 << 20;
const CHUNK: usize = 64 << 10;

/// A gateway that answers every request with a 1 GiB body of spaces, written in 64 KiB pieces from one buffer
/// (so the server's own memory stays small): with `Content-Length` when `sized`, chunked otherwise.
fn serve(sized: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let url = format!("http://{}/gateway.do", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let piece = vec![b' '; CHUNK];
        for stream in listener.incoming() {
            let Ok(mut tcp) = stream else { continue };
            let mut request = [0u8; 16 << 10];
            let _ = tcp.read(&mut request);
            let head = if sized {
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {BODY}\r\n\r\n"
                )
            } else {
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
                    .to_owned()
            };
            if tcp.write_all(head.as_bytes()).is_err() {
                continue;
            }
            let mut sent = 0u64;
            while sent < BODY {
                let ok = if sized {
                    tcp.write_all(&piece).is_ok()
                } else {
                    tcp.write_all(format!("{CHUNK:x}\r\n").as_bytes()).is_ok()
                        && tcp.write_all(&piece).is_ok()
                        && tcp.write_all(b"\r\n").is_ok()
                };
                if !ok {
                    break; // the client hung up, as it should
                }
                sent += CHUNK as u64;
            }
            if !sized {
                let _ = tcp.write_all(b"0\r\n\r\n");
            }
        }
    });
    url
}

/// The process's peak resident set so far, in bytes (`VmHWM` of /proc/self/status).
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status (Linux)");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmHWM line");
    kib * 1024
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

#[tokio::main]
async fn main() {
    let sized = serve(true);
    let chunked = serve(false);
    let key = PrivateKey::generate().expect("a key");
    let alipay_key = PrivateKey::generate().expect("a key").public_key();
    let build = |url: &str| {
        Client::builder()
            .app_id("2021000000000001")
            .private_key(key.clone())
            .alipay_public_key(alipay_key.clone())
            .gateway(Gateway::Url(url.to_owned()))
            .allow_insecure_http(true)
            .retry_policy(RetryPolicy::none())
            .build()
            .expect("a client")
    };
    let request =
        VoucherSendRequest::new("TPL-FIXED-10", "order-rss-1").user_id("2088000000000001");
    let clients = [
        ("content-length", build(&sized)),
        ("chunked", build(&chunked)),
    ];
    let before = peak_rss();
    let mut failed = false;
    for (form, client) in &clients {
        let error = client
            .send_voucher(&request)
            .await
            .expect_err("a 1 GiB body is refused");
        let after = peak_rss();
        let growth = after.saturating_sub(before);
        let limit = DEFAULT_MAX_RESPONSE_BYTES as u64 + ALLOWANCE;
        println!(
            "1 GiB body ({form}): peak RSS {} -> {} (+{}), limit +{} (cap {} + {}); {}",
            mib(before),
            mib(after),
            mib(growth),
            mib(limit),
            mib(DEFAULT_MAX_RESPONSE_BYTES as u64),
            mib(ALLOWANCE),
            error.kind().as_str(),
        );
        failed |= growth > limit;
    }
    if failed {
        eprintln!(
            "peak RSS grew beyond the response cap plus {}",
            mib(ALLOWANCE)
        );
        std::process::exit(1);
    }
}
