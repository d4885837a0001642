//! A recording relay between a C program and the sandbox, for the harness files that need to see (or alter) what
//! travels between them.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// What went through a relay: each request as it reached the gateway, with the answer it got, as text.
pub type Exchanges = Arc<Mutex<Vec<(String, String)>>>;

/// A loopback gateway URL whose requests reach `upstream` — with `rewrite`'s first string replaced by its second
/// (same length), as a misbehaving middlebox would — and are recorded with their answers; one request per
/// connection.
pub fn relay(
    upstream: SocketAddr,
    rewrite: Option<(&'static str, &'static str)>,
) -> (String, Exchanges) {
    if let Some((from, to)) = rewrite {
        assert_eq!(
            from.len(),
            to.len(),
            "the rewrite keeps Content-Length right"
        );
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/gateway.do", listener.local_addr().unwrap());
    let exchanges = Exchanges::default();
    let recorded = Arc::clone(&exchanges);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut client) = stream else { continue };
            let Some(request) = read_request(&mut client) else {
                continue;
            };
            let mut text = String::from_utf8_lossy(&request).into_owned();
            if let Some((from, to)) = rewrite {
                text = text.replace(from, to);
            }
            // One request per upstream connection: the answer ends when upstream closes it.
            let text = text.replacen("\r\n", "\r\nConnection: close\r\n", 1);
            let Ok(mut up) = TcpStream::connect(upstream) else {
                continue;
            };
            let mut answer = Vec::new();
            if up.write_all(text.as_bytes()).is_ok() && up.read_to_end(&mut answer).is_ok() {
                recorded
                    .lock()
                    .unwrap()
                    .push((text, String::from_utf8_lossy(&answer).into_owned()));
                let _ = client.write_all(&answer);
            }
        }
    });
    (url, exchanges)
}

/// Reads one HTTP request: the head and the body announced by Content-Length.
fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut request = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        request.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&request);
        if let Some(head_end) = text.find("\r\n\r\n") {
            let length = text[..head_end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if request.len() >= head_end + 4 + length {
                return Some(request);
            }
        }
    }
}
