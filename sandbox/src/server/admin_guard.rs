//! What every `/admin` request must show before a handler sees it: a `Host` naming a loopback address and the
//! sandbox's port (a page whose name was re-pointed at 127.0.0.1 sends its own name, so DNS rebinding gets
//! nowhere), and for a `POST` the JSON content type (a page of another origin can POST `text/plain` without
//! asking, never `application/json`).

use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::{Conn, json_error};

/// The middleware: passes every request outside `/admin`, and admin requests that pass [`check`].
pub(super) async fn admin_guard(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path != "/admin" && !path.starts_with("/admin/") {
        return next.run(request).await;
    }
    let local_port = request
        .extensions()
        .get::<Conn>()
        .and_then(|conn| conn.local_port);
    match check(&request, local_port) {
        Ok(()) => next.run(request).await,
        Err((status, message)) => json_error(status, message),
    }
}

/// `Err((status, message))` when the request must be refused.
pub(super) fn check<B>(
    request: &axum::http::Request<B>,
    local_port: Option<u16>,
) -> Result<(), (StatusCode, String)> {
    let authority = match request.uri().authority() {
        Some(authority) => Some(authority.as_str().to_owned()),
        None => request
            .headers()
            .get(header::HOST)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
    };
    let port_text = local_port.map_or_else(|| "its port".to_owned(), |p| p.to_string());
    let Some(authority) = authority else {
        return Err((
            StatusCode::BAD_REQUEST,
            format!(
                "the admin API needs a Host header: 127.0.0.1:{port_text}, localhost:{port_text} or \
                 [::1]:{port_text}"
            ),
        ));
    };
    if !is_loopback_authority(&authority, local_port) {
        return Err((
            StatusCode::FORBIDDEN,
            format!(
                "the admin API answers requests addressed to 127.0.0.1:{port_text}, localhost:{port_text} or \
                 [::1]:{port_text} only, not Host {authority:?}; address it by one of those"
            ),
        ));
    }
    if request.method() == Method::POST {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let is_json = content_type.as_deref().is_some_and(|ct| {
            ct.split(';')
                .next()
                .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
        });
        if !is_json {
            let got = match &content_type {
                Some(ct) => format!("Content-Type {ct:?}"),
                None => "no Content-Type".to_owned(),
            };
            return Err((
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "POST {} needs the header Content-Type: application/json (even with an empty body), \
                     got {got}; other types are refused because any web page can send them",
                    request.uri().path()
                ),
            ));
        }
    }
    Ok(())
}

/// `127.0.0.1`, `localhost` or `[::1]`, with the sandbox's port (or without one when it listens on 80).
fn is_loopback_authority(authority: &str, local_port: Option<u16>) -> bool {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let Some((host, after)) = rest.split_once(']') else {
            return false;
        };
        let port = match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => return false,
            },
        };
        (host, port)
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let loopback = host == "127.0.0.1" || host.eq_ignore_ascii_case("localhost") || host == "::1";
    let port_matches = match (port, local_port) {
        (Some(port), Some(local)) => port.parse::<u16>().ok() == Some(local),
        (Some(port), None) => port.parse::<u16>().is_ok(),
        (None, local) => local.is_none_or(|l| l == 80),
    };
    loopback && port_matches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, host: Option<&str>, content_type: Option<&str>) -> Request {
        let mut builder = axum::http::Request::builder()
            .method(method)
            .uri("/admin/faults");
        if let Some(host) = host {
            builder = builder.header(header::HOST, host);
        }
        if let Some(ct) = content_type {
            builder = builder.header(header::CONTENT_TYPE, ct);
        }
        builder.body(axum::body::Body::empty()).expect("request")
    }

    #[test]
    fn loopback_hosts_with_the_port_pass() {
        for host in [
            "127.0.0.1:4000",
            "localhost:4000",
            "LocalHost:4000",
            "[::1]:4000",
        ] {
            assert_eq!(
                check(&request("GET", Some(host), None), Some(4000)),
                Ok(()),
                "{host}"
            );
        }
        assert_eq!(
            check(&request("GET", Some("localhost"), None), Some(80)),
            Ok(())
        );
    }

    #[test]
    fn other_hosts_and_ports_are_refused() {
        for host in [
            "evil.example:4000",
            "127.0.0.1.evil.example:4000",
            "localhost:4001",
            "localhost",
            "[::1]",
            "[::1]x:4000",
            "10.0.0.1:4000",
            "127.0.0.1:",
        ] {
            let (status, message) =
                check(&request("GET", Some(host), None), Some(4000)).expect_err(host);
            assert_eq!(status, StatusCode::FORBIDDEN, "{host}");
            assert!(message.contains("127.0.0.1:4000"), "{message}");
        }
        let (status, message) =
            check(&request("GET", None, None), Some(4000)).expect_err("no Host");
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(message.contains("needs a Host header"), "{message}");
    }

    #[test]
    fn posts_need_the_json_content_type() {
        let host = Some("127.0.0.1:4000");
        for ct in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
        ] {
            assert_eq!(
                check(&request("POST", host, Some(ct)), Some(4000)),
                Ok(()),
                "{ct}"
            );
        }
        for ct in [
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            Some("application/jsonp"),
            None,
        ] {
            let (status, message) =
                check(&request("POST", host, ct), Some(4000)).expect_err("not JSON");
            assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct:?}");
            assert!(
                message.contains("Content-Type: application/json"),
                "{message}"
            );
        }
        // Only POSTs carry a body worth guarding; a DELETE needs a preflight across origins anyway.
        assert_eq!(check(&request("DELETE", host, None), Some(4000)), Ok(()));
    }
}
