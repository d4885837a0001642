//! The HTTP server: an accept loop serving each connection with hyper (so a fault can close one connection without
//! answering), the `/gateway.do` route, the loopback-only `/admin` routes, and graceful shutdown.

use std::borrow::Cow;
use std::future::Future as _;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};
use tower::ServiceExt;

use crate::faults::{ArmedFaults, FaultPlan};
use crate::gateway::{self, Answer, Shared};
use crate::state::World;
use crate::state_file::Change;

mod admin_guard;
mod preface_deadline;

/// How long a graceful stop waits for calls in flight before closing their connections.
const GRACE: Duration = Duration::from_secs(5);

/// The connection a request arrived on.
#[derive(Clone)]
struct Conn {
    peer: SocketAddr,
    kill: Arc<Notify>,
    /// The port the connection was accepted on (the admin API's `Host` must name it).
    local_port: Option<u16>,
}

fn routes(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/gateway.do", any(gateway_do))
        .route("/admin/state", get(admin_state))
        .route("/admin/faults", post(admin_arm).delete(admin_clear))
        .route("/admin/reset", post(admin_reset))
        .route("/admin/rotate-cert", post(admin_rotate_cert))
        .route("/admin/certs", get(admin_certs))
        .route("/admin/templates", post(admin_templates))
        .with_state(shared)
        .layer(axum::middleware::from_fn(admin_guard::admin_guard))
}

/// Serves until `shutdown` fires, then stops accepting, lets calls in flight finish (up to [`GRACE`]) and returns.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let header_read_timeout = shared.header_read_timeout;
    let router = routes(shared);
    let graceful = GracefulShutdown::new();
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    // A slow or stalled client cannot hold a connection: HTTP/1 headers (and the idle wait for the next request)
    // within the header read timeout, HTTP/2 peers answering pings; the protocol itself is told within it too
    // (see `preface_deadline`).
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(header_read_timeout)
        .keep_alive_timeout(header_read_timeout);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let conn = Conn {
            peer,
            kill: Arc::new(Notify::new()),
            local_port: stream.local_addr().ok().map(|a| a.port()),
        };
        let kill = conn.kill.clone();
        let service = router.clone().map_request(
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(conn.clone());
                req
            },
        );
        let connection = builder
            .serve_connection(
                TokioIo::new(preface_deadline::PrefaceDeadline::new(
                    stream,
                    header_read_timeout,
                )),
                TowerToHyperService::new(service),
            )
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            tokio::select! {
                _ = connection => {}
                // Dropping the connection closes the socket without a response.
                _ = kill.notified() => {}
            }
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(GRACE, graceful.shutdown()).await;
}

async fn gateway_do(
    State(shared): State<Arc<Shared>>,
    Extension(conn): Extension<Conn>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // A client that hangs up (a timeout) must not cancel a call that is already being processed, as at a real
    // gateway: a delayed call still takes effect. A call waits only on an injected latency, so it is first run
    // here, where it nearly always finishes within one poll (no await point is reached, so nothing can cancel
    // it); only a call that has to wait moves to a task of its own, which a hang-up does not cancel. (A task for
    // every call would hand each one to another worker thread and back, which costs more CPU than the call's
    // own work apart from the crypto.)
    let mut call = Box::pin(async move {
        gateway::handle(&shared, query.as_deref(), content_type.as_deref(), &body).await
    });
    let first = std::future::poll_fn(|cx| {
        Poll::Ready(std::panic::catch_unwind(AssertUnwindSafe(|| {
            call.as_mut().poll(cx)
        })))
    })
    .await;
    let finished = match first {
        Ok(Poll::Ready(answer)) => Ok(answer),
        Ok(Poll::Pending) => tokio::spawn(call).await.map_err(|e| e.to_string()),
        Err(_) => Err("it panicked".to_owned()),
    };
    let answer = match finished {
        Ok(answer) => answer,
        Err(e) => {
            tracing::error!("a gateway call failed: {e}");
            return json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the sandbox failed while handling this call".into(),
            );
        }
    };
    match answer {
        Answer::Reply {
            status,
            content_type,
            body,
            trace_id,
        } => {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            if let Ok(v) = HeaderValue::from_str(&trace_id) {
                headers.insert("trace_id", v);
            }
            response
        }
        Answer::Drop => {
            conn.kill.notify_one();
            // The connection task drops this future with the connection.
            std::future::pending::<Response>().await
        }
    }
}

/// Admin routes answer only loopback peers, whatever address the gateway is bound to.
/// `Some(refusal)` for a peer that is not on loopback.
fn refuse_remote(conn: &Conn) -> Option<Response> {
    if conn.peer.ip().is_loopback() {
        return None;
    }
    Some(json_error(
        StatusCode::FORBIDDEN,
        format!(
            "the admin API answers loopback clients only, not {}",
            conn.peer.ip()
        ),
    ))
}

fn json_error(status: StatusCode, message: String) -> Response {
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

async fn admin_state(
    State(shared): State<Arc<Shared>>,
    Extension(conn): Extension<Conn>,
) -> Response {
    if let Some(refusal) = refuse_remote(&conn) {
        return refusal;
    }
    axum::Json(shared.state_json()).into_response()
}

async fn admin_arm(
    State(shared): State<Arc<Shared>>,
    Extension(conn): Extension<Conn>,
    body: Bytes,
) -> Response {
    if let Some(refusal) = refuse_remote(&conn) {
        return refusal;
    }
    let text = String::from_utf8_lossy(&body);
    match FaultPlan::from_json_str(&text) {
        Ok(plan) => {
            arm(&shared, &plan);
            axum::Json(serde_json::json!({ "armed": plan.rules.len() })).into_response()
        }
        Err(e) => json_error(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

async fn admin_clear(
    State(shared): State<Arc<Shared>>,
    Extension(conn): Extension<Conn>,
) -> Response {
    if let Some(refusal) = refuse_remote(&conn) {
        return refusal;
    }
    clear(&shared);
    axum::Json(serde_json::json!({ "armed": 0 })).into_response()
}

async fn admin_reset(
    State(shared): State<Arc<Shared>>,
    Extension(conn): Extension<Conn>,
) -> Response {
    if let Some(refusal) = refuse_remote(&conn) {
        return refusal;
    }
    reset(&shared);
    axum::Json(shared.state_json()).into_response()
}

/// `POST /admin/templates`, body `{"template_id": …, "expire": true | false}` and/or `"stock": N` (vouchers left).
async fn admin_templates(
    State(shared): State<Arc<Shared>>,
    Extension(conn): Extension<Conn>,
    body: Bytes,
) -> Response {
    if let Some(refusal) = refuse_remote(&conn) {
        return refusal;
    }
    let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&body);
    let Ok(body) = parsed else {
        return json_error(
            StatusCode::BAD_REQUEST,
            "the body must be a JSON object".into(),
        );
    };
    match change_template(&shared, &body) {
        Ok(state) => axum::Json(state).into_response(),
        Err(e) => json_error(StatusCode::BAD_REQUEST, e),
    }
}

/// Expires a template (or lifts that), or sets its stock (see `POST /admin/templates`); persisted like a call.
pub(crate) fn change_template(
    shared: &Shared,
    body: &serde_json::Value,
) -> Result<serde_json::Value, String> {
    let mut world = shared.world();
    let now = std::time::SystemTime::now();
    let state = crate::rules::templates::admin_change(&mut world, &shared.catalog, body, now)?;
    shared.record(Change::TemplateChanged {
        body: Cow::Borrowed(body),
        now,
    });
    shared.persist(&world);
    Ok(state)
}

/// `POST /admin/rotate-cert`, body empty or `{"untrusted": true}` (a certificate from another authority).
async fn admin_rotate_cert(
    State(shared): State<Arc<Shared>>,
    Extension(conn): Extension<Conn>,
    body: Bytes,
) -> Response {
    if let Some(refusal) = refuse_remote(&conn) {
        return refusal;
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Rotation {
        #[serde(default)]
        untrusted: bool,
    }
    let rotation = if body.iter().all(u8::is_ascii_whitespace) {
        Rotation { untrusted: false }
    } else {
        match serde_json::from_slice::<Rotation>(&body) {
            Ok(r) => r,
            Err(e) => {
                return json_error(
                    StatusCode::BAD_REQUEST,
                    format!("the body must be empty or {{\"untrusted\": true|false}}: {e}"),
                );
            }
        }
    };
    let trusted = !rotation.untrusted;
    // Key generation takes a while: off the async workers.
    let rotated = tokio::task::spawn_blocking(move || shared.rotate(trusted)).await;
    match rotated {
        Ok(Ok((previous, new))) => axum::Json(serde_json::json!({
            "alipay_cert_sn": new,
            "previous_alipay_cert_sn": previous,
            "trusted": trusted,
        }))
        .into_response(),
        Ok(Err(e)) => json_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the rotation failed: {e}"),
        ),
    }
}

/// `GET /admin/certs`: the certificate-mode SNs and PEMs.
async fn admin_certs(
    State(shared): State<Arc<Shared>>,
    Extension(conn): Extension<Conn>,
) -> Response {
    if let Some(refusal) = refuse_remote(&conn) {
        return refusal;
    }
    let made = tokio::task::spawn_blocking(move || shared.pki()).await;
    let pki = match made {
        Ok(Ok(pki)) => pki,
        Ok(Err(e)) => return json_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => {
            return json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the certificates could not be made: {e}"),
            );
        }
    };
    let apps: serde_json::Map<String, serde_json::Value> = pki
        .apps()
        .iter()
        .map(|(id, c)| (id.clone(), serde_json::json!({"sn": c.sn, "pem": c.pem})))
        .collect();
    axum::Json(serde_json::json!({
        "root_cert_sn": pki.root_sn(),
        "root_cert": pki.root_pem(),
        "alipay_cert_sn": pki.current().sn,
        "alipay_cert": pki.current().pem,
        "app_certs": apps,
        "alipay_cert_sns": pki.archive().keys().collect::<Vec<_>>(),
    }))
    .into_response()
}

/// Replaces the armed faults.
pub(crate) fn arm(shared: &Shared, plan: &FaultPlan) {
    *shared.armed() = ArmedFaults::arm(plan, shared.seed);
}

/// Disarms every fault.
pub(crate) fn clear(shared: &Shared) {
    *shared.armed() = ArmedFaults::none(shared.seed);
}

/// Back to the scenario's starting world, with no faults armed.
pub(crate) fn reset(shared: &Shared) {
    clear(shared);
    let mut world = shared.world();
    *world = World::from_scenario(&shared.scenario);
    shared.record(Change::Reset);
    shared.persist(&world);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(ip: &str) -> Conn {
        Conn {
            peer: SocketAddr::new(ip.parse().expect("ip"), 5000),
            kill: Arc::new(Notify::new()),
            local_port: Some(4000),
        }
    }

    #[test]
    fn admin_answers_loopback_peers_only() {
        assert!(refuse_remote(&conn("127.0.0.1")).is_none());
        assert!(refuse_remote(&conn("::1")).is_none());
        let refusal = refuse_remote(&conn("10.1.2.3")).expect("a remote peer is refused");
        assert_eq!(refusal.status(), StatusCode::FORBIDDEN);
    }
}
