//! `/gateway.do`: the checks in the gateway's order, faults, the business rules, and the signed answer.
//!
//! Order of checks (each failure answers at once): charset and body format → `method` present (40001
//! `isv.missing-method`) and known (40002 `isv.invalid-method`) → `app_id` present and registered → `format` →
//! `timestamp` present, well formed and within the window of Beijing time → `version` → `sign_type` → `sign`
//! present → signature (40002 `isv.invalid-signature`, echoing the sign string) → `encrypt_type` → `biz_content`
//! → faults → business rules (40004 with the documented sub_codes).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alipay_marketing::{PrivateKey, PublicKey, SignType};

use crate::checks::{Checked, Refusal, check};
use crate::envelope::{GatewayError, error_node, signed_body, success_node};
use crate::faults::{ArmedFaults, Fault};
use crate::method::Method;
use crate::request;
use crate::rules::{self, Call, Outcome};
use crate::scenario::Scenario;
use crate::state::{Catalog, World};

/// One call as the sandbox saw it, handed to [`crate::Config::on_call`] (the binary prints it as one line).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallRecord {
    /// The method as sent (empty when missing).
    pub method: String,
    /// The app id as sent (empty when missing).
    pub app_id: String,
    /// `10000`, `10000/OLD_AWARD_OVER_LIMIT` (invite results), `40004/TEMPLATE_NOT_EXIST`, `fault/http_502`…
    pub outcome: String,
    /// Time spent in the sandbox, including injected latency.
    pub elapsed: Duration,
}

/// A callback that receives every call.
pub type CallLogger = Arc<dyn Fn(&CallRecord) + Send + Sync>;

/// A registered app's verification key.
pub(crate) struct AppKey {
    pub(crate) public_key: PublicKey,
    pub(crate) sign_type: SignType,
}

/// What every request handler shares.
pub(crate) struct Shared {
    pub(crate) scenario: Scenario,
    pub(crate) catalog: Catalog,
    pub(crate) apps: HashMap<String, AppKey>,
    pub(crate) alipay_key: PrivateKey,
    pub(crate) world: Mutex<World>,
    pub(crate) faults: Mutex<ArmedFaults>,
    pub(crate) seed: u64,
    pub(crate) state_file: Option<PathBuf>,
    pub(crate) timestamp_window: Duration,
    pub(crate) on_call: Option<CallLogger>,
    pub(crate) trace_seq: AtomicU64,
}

impl Shared {
    /// The world, even if a panicking thread poisoned the lock (the data is plain and always consistent between
    /// statements that hold it).
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn armed(&self) -> MutexGuard<'_, ArmedFaults> {
        self.faults.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Persists the world when a state file is configured; a failure is logged, never fatal to the call.
    pub(crate) fn persist(&self, world: &World) {
        if let Some(path) = &self.state_file {
            if let Err(e) = world.save(path) {
                tracing::error!("{e}");
            }
        }
    }

    /// The JSON of `GET /admin/state`.
    pub(crate) fn state_json(&self) -> serde_json::Value {
        let mut json = self.world().to_json(&self.catalog);
        let faults = self.armed().describe();
        if let serde_json::Value::Object(map) = &mut json {
            map.insert("faults_armed".into(), faults);
            map.insert(
                "faults_hit".into(),
                serde_json::to_value(&self.world().faults_hit).unwrap_or_default(),
            );
        }
        json
    }
}

/// What the HTTP layer does with a call.
pub(crate) enum Answer {
    /// HTTP status, content type and body.
    Reply {
        status: u16,
        content_type: &'static str,
        body: String,
        trace_id: String,
    },
    /// Close the connection without answering.
    Drop,
}

pub(crate) async fn handle(
    shared: &Shared,
    query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Answer {
    let started = Instant::now();
    let now = SystemTime::now();
    let params = request::parse(query, content_type, body);
    let method_text = params
        .as_ref()
        .ok()
        .and_then(|p| p.raw("method"))
        .unwrap_or("")
        .to_owned();
    let app_id = params
        .as_ref()
        .ok()
        .and_then(|p| p.raw("app_id"))
        .unwrap_or("")
        .to_owned();
    let checked = match params {
        Ok(params) => check(shared, &params, now),
        Err(e) => Err(Refusal {
            error: GatewayError::new("40002", "isv.invalid-charset", e.describe()),
            method: None,
            sign_type: SignType::Rsa2,
        }),
    };
    let (answer, outcome) = match checked {
        Err(refusal) => {
            {
                let mut world = shared.world();
                world.count_call(&method_text, &refusal.error.label());
                shared.persist(&world);
            }
            let answer = reply(
                shared,
                refusal.method,
                &Err(refusal.error.clone()),
                refusal.sign_type,
            );
            (answer, refusal.error.label())
        }
        Ok(call) => run(shared, call, now).await,
    };
    if let Some(log) = &shared.on_call {
        log(&CallRecord {
            method: method_text,
            app_id,
            outcome,
            elapsed: started.elapsed(),
        });
    }
    answer
}

/// Faults, then the rules under the world lock, then the answer.
async fn run(shared: &Shared, call: Checked, now: SystemTime) -> (Answer, String) {
    let method = call.method;
    let mut fault = shared.armed().next(method);
    if let Some(f) = fault {
        let mut world = shared.world();
        *world
            .faults_hit
            .entry(method.to_string())
            .or_default()
            .entry(f.name().to_owned())
            .or_default() += 1;
    }
    if let Some(Fault::Latency(delay)) = fault {
        tokio::time::sleep(delay).await;
        fault = None;
    }
    let early = match fault {
        Some(Fault::DropConnection) => Some(("fault/drop_connection".to_owned(), Answer::Drop)),
        Some(Fault::Http502) => Some(("fault/http_502".to_owned(), bad_gateway_page(shared))),
        Some(Fault::Throttle) => {
            let e = GatewayError::new(
                "40005",
                "isv.app-call-limited",
                "应用调用频率超限 (sandbox fault: throttled)",
            );
            Some((
                e.label(),
                reply(shared, Some(method), &Err(e), call.sign_type),
            ))
        }
        Some(Fault::ErrorBeforeEffect) => {
            let e = GatewayError::unknown();
            Some((
                e.label(),
                reply(shared, Some(method), &Err(e), call.sign_type),
            ))
        }
        _ => None,
    };
    if let Some((label, answer)) = early {
        let mut world = shared.world();
        world.count_call(method.as_str(), &label);
        shared.persist(&world);
        return (answer, label);
    }
    let result = {
        let mut world = shared.world();
        let outcome = rules::apply(
            &mut world,
            &shared.catalog,
            &Call {
                app_id: &call.app_id,
                method,
                params: &call.biz,
                now,
            },
        );
        let result = match (fault, outcome) {
            (Some(Fault::ErrorAfterEffect), _) => Err(GatewayError::unknown()),
            (_, Outcome::Success(fields)) => Ok(fields),
            (_, Outcome::Business { sub_code, sub_msg }) => {
                Err(GatewayError::new("40004", sub_code, sub_msg))
            }
        };
        world.count_call(method.as_str(), &label_of(&result));
        shared.persist(&world);
        result
    };
    let label = label_of(&result);
    (reply(shared, Some(method), &result, call.sign_type), label)
}

/// `10000`, `10000/<biz_result_code>` for invite awards, or the error's `code/sub_code`.
fn label_of(result: &Result<Vec<(String, String)>, GatewayError>) -> String {
    match result {
        Ok(fields) => match fields.iter().find(|(k, _)| k == "biz_result_code") {
            Some((_, code)) => format!("10000/{code}"),
            None => "10000".to_owned(),
        },
        Err(e) => e.label(),
    }
}

/// A signed JSON answer. Known methods answer under their node; the rest under `error_response`.
fn reply(
    shared: &Shared,
    method: Option<Method>,
    result: &Result<Vec<(String, String)>, GatewayError>,
    sign_type: SignType,
) -> Answer {
    let node = match result {
        Ok(fields) => success_node(fields),
        Err(e) => error_node(e),
    };
    let key = method
        .map(Method::response_node)
        .unwrap_or("error_response");
    Answer::Reply {
        status: 200,
        content_type: "text/html;charset=utf-8",
        body: signed_body(key, &node, &shared.alipay_key, sign_type),
        trace_id: trace_id(shared),
    }
}

fn bad_gateway_page(shared: &Shared) -> Answer {
    Answer::Reply {
        status: 502,
        content_type: "text/html;charset=utf-8",
        body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n\
               <hr><center>sandbox fault: http_502</center>\r\n</body>\r\n</html>\r\n"
            .to_owned(),
        trace_id: trace_id(shared),
    }
}

/// A trace id like the gateway's: unique per answer, hex.
fn trace_id(shared: &Shared) -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let seq = shared.trace_seq.fetch_add(1, Ordering::Relaxed);
    format!("{millis:x}{seq:08x}")
}
