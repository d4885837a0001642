//! `/gateway.do`: the checks in the gateway's order, faults, the business rules, and the signed answer.
//!
//! Order of checks (each failure answers at once): charset and body format → `method` present (40001
//! `isv.missing-method`) and known (40002 `isv.invalid-method`) → `app_id` present and registered → `format` →
//! `timestamp` present, well formed and within the window of Beijing time → `version` → `sign_type` → `sign`
//! present → certificate SNs (certificate mode) → signature (40002 `isv.invalid-signature`, echoing the sign
//! string) → `encrypt_type` and decryption → `biz_content` → faults → business rules (40004 with the documented
//! sub_codes), or the certificate download.
//!
//! Answers are written in the request's charset, encrypted when the request was, and in certificate mode signed
//! by the current Alipay certificate, whose SN they carry.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alipay_marketing::{AesKey, PrivateKey, PublicKey, SignType};

use crate::checks::{Checked, Endpoint, Refusal, check};
use crate::envelope::{
    AnswerFormat, Forgery, GatewayError, body as forged_body, error_node, signed_body, success_node,
};
use crate::error::SandboxError;
use crate::faults::{ArmedFaults, Fault};
use crate::pki::{Pki, cert_content};
use crate::request;
use crate::rules::{self, Call, Outcome};
use crate::scenario::Scenario;
use crate::state::{Catalog, World};
use crate::state_file::{Change, StateFile};

/// One call as the sandbox saw it, handed to [`crate::Config::on_call`] (the binary prints it as one line).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallRecord {
    /// The method as sent (empty when missing).
    pub method: String,
    /// The app id as sent (empty when missing).
    pub app_id: String,
    /// The request's `app_auth_token` (the merchant, in ISV mode), when it carried a non-blank one. In clear:
    /// print it masked (the binary's log line shows `2024****0001`).
    pub app_auth_token: Option<String>,
    /// `10000`, `10000/OLD_AWARD_OVER_LIMIT` (invite results), `40004/TEMPLATE_NOT_EXIST`, `fault/http_502`…
    pub outcome: String,
    /// Time spent in the sandbox, including injected latency.
    pub elapsed: Duration,
}

/// A callback that receives every call.
pub type CallLogger = Arc<dyn Fn(&CallRecord) + Send + Sync>;

/// A registered app's verification key, AES content key and mode.
pub(crate) struct AppKey {
    pub(crate) public_key: PublicKey,
    pub(crate) sign_type: SignType,
    pub(crate) aes_key: Option<AesKey>,
    /// Certificate mode is required of this app.
    pub(crate) cert_mode: bool,
}

/// What every request handler shares.
pub(crate) struct Shared {
    pub(crate) scenario: Scenario,
    pub(crate) catalog: Catalog,
    pub(crate) apps: HashMap<String, AppKey>,
    pub(crate) alipay_key: PrivateKey,
    /// The key of the certificate-mode root CA, when configured.
    pub(crate) root_ca_key: Option<PrivateKey>,
    /// The certificate-mode world, made at start or on first use, replaced on rotation.
    pub(crate) pki: Mutex<Option<Arc<Pki>>>,
    pub(crate) world: Mutex<World>,
    pub(crate) faults: Mutex<ArmedFaults>,
    pub(crate) seed: u64,
    /// The `--state` file, locked after the world.
    pub(crate) state_file: Option<Mutex<StateFile>>,
    pub(crate) timestamp_window: Duration,
    /// See [`crate::Config::header_read_timeout`].
    pub(crate) header_read_timeout: Duration,
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

    fn pki_slot(&self) -> MutexGuard<'_, Option<Arc<Pki>>> {
        self.pki.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The certificates, made the first time they are needed (which generates the root key unless one was
    /// configured).
    pub(crate) fn pki(&self) -> Result<Arc<Pki>, SandboxError> {
        let mut slot = self.pki_slot();
        if let Some(pki) = &*slot {
            return Ok(pki.clone());
        }
        let generated;
        let root_key = match &self.root_ca_key {
            Some(key) => key,
            None => {
                generated = PrivateKey::generate().map_err(|e| {
                    SandboxError::certificates(format!("cannot generate the root CA key: {e}"))
                })?;
                &generated
            }
        };
        let apps = self
            .apps
            .iter()
            .map(|(id, app)| (id.as_str(), &app.public_key));
        let pki = Arc::new(
            Pki::new(root_key, &self.alipay_key, apps).map_err(SandboxError::certificates)?,
        );
        *slot = Some(pki.clone());
        Ok(pki)
    }

    /// The certificates if they were made already.
    pub(crate) fn pki_if_made(&self) -> Option<Arc<Pki>> {
        self.pki_slot().clone()
    }

    /// A new Alipay key and certificate, from the root (`trusted`) or from another authority. Returns the previous
    /// and the new SN.
    pub(crate) fn rotate(&self, trusted: bool) -> Result<(String, String), SandboxError> {
        let base = self.pki()?;
        let mut slot = self.pki_slot();
        // Another rotation may have landed meanwhile: rotate what is current.
        let base = slot.clone().unwrap_or(base);
        let next = Arc::new(base.rotated(trusted).map_err(SandboxError::certificates)?);
        let previous = base.current().sn.clone();
        let new = next.current().sn.clone();
        *slot = Some(next);
        tracing::info!(
            previous_alipay_cert_sn = previous.as_str(),
            alipay_cert_sn = new.as_str(),
            trusted,
            "the sandbox's Alipay certificate was rotated"
        );
        Ok((previous, new))
    }

    /// Records a change just made to the world (held locked by the caller), when a state file is configured.
    pub(crate) fn record(&self, change: Change<'_>) {
        if let Some(file) = &self.state_file {
            file.lock()
                .unwrap_or_else(|p| p.into_inner())
                .record(&change);
        }
    }

    /// Writes the changes recorded since the last call to the state file, when one is configured; a failure is
    /// logged, never fatal to the call.
    pub(crate) fn persist(&self, world: &World) {
        if let Some(file) = &self.state_file {
            let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
            if let Err(e) = file.flush(world) {
                tracing::error!("{e}");
            }
        }
    }

    /// Counts a call under its outcome, and records that.
    pub(crate) fn count_call(
        &self,
        world: &mut World,
        method: &str,
        outcome: &str,
        app_auth_token: Option<&str>,
    ) {
        world.count_call(method, outcome, app_auth_token);
        self.record(Change::Counted {
            method: method.into(),
            outcome: outcome.into(),
            app_auth_token: app_auth_token.map(Into::into),
        });
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
    /// HTTP status, content type and body (in the request's charset).
    Reply {
        status: u16,
        content_type: &'static str,
        body: Vec<u8>,
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
    let app_auth_token = params.as_ref().ok().and_then(crate::checks::app_auth_token);
    let checked = match params {
        Ok(params) => check(shared, &params, now),
        Err(e) => Err(Refusal {
            error: GatewayError::new("40002", "isv.invalid-charset", e.describe()),
            node: "error_response",
            answer_format: AnswerFormat::plain(SignType::Rsa2),
        }),
    };
    let (answer, outcome) = match checked {
        Err(refusal) => {
            {
                let mut world = shared.world();
                shared.count_call(
                    &mut world,
                    &method_text,
                    &refusal.error.label(),
                    app_auth_token.as_deref(),
                );
                shared.persist(&world);
            }
            let answer = reply(
                shared,
                refusal.node,
                &Err(refusal.error.clone()),
                &refusal.answer_format,
            );
            (answer, refusal.error.label())
        }
        Ok(call) => run(shared, call, now).await,
    };
    if let Some(log) = &shared.on_call {
        log(&CallRecord {
            method: method_text,
            app_id,
            app_auth_token,
            outcome,
            elapsed: started.elapsed(),
        });
    }
    answer
}

/// Faults, then the rules under the world lock, then the answer.
async fn run(shared: &Shared, call: Checked, now: SystemTime) -> (Answer, String) {
    let method = match call.endpoint {
        Endpoint::Business(method) => method,
        Endpoint::CertDownload => return download(shared, &call),
    };
    let node = call.endpoint.node();
    let mut fault = shared.armed().next(method);
    if let Some(f) = fault {
        let mut world = shared.world();
        world.count_fault(method, f.name());
        // Written with the call's other changes.
        shared.record(Change::FaultHit {
            method,
            fault: f.name().into(),
        });
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
            Some((e.label(), reply(shared, node, &Err(e), &call.answer_format)))
        }
        Some(Fault::ErrorBeforeEffect) => {
            let e = GatewayError::unknown();
            Some((e.label(), reply(shared, node, &Err(e), &call.answer_format)))
        }
        _ => None,
    };
    if let Some((label, answer)) = early {
        let mut world = shared.world();
        shared.count_call(
            &mut world,
            method.as_str(),
            &label,
            call.app_auth_token.as_deref(),
        );
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
        shared.record(Change::Call {
            app_id: Cow::Borrowed(&call.app_id),
            method,
            params: Cow::Borrowed(&call.biz),
            now,
        });
        let result = match (fault, outcome) {
            (Some(Fault::ErrorAfterEffect), _) => Err(GatewayError::unknown()),
            (Some(Fault::IncompleteAnswer), Outcome::Success(_)) => Ok(Vec::new()),
            (_, Outcome::Success(fields)) => Ok(fields),
            (_, Outcome::Business { sub_code, sub_msg }) => {
                Err(GatewayError::new("40004", sub_code, sub_msg))
            }
        };
        let label = match fault {
            Some(f) if f.forges_answer() => format!("fault/{}", f.name()),
            _ => label_of(&result),
        };
        shared.count_call(
            &mut world,
            method.as_str(),
            &label,
            call.app_auth_token.as_deref(),
        );
        shared.persist(&world);
        (result, label)
    };
    let (result, label) = result;
    if let Some(forged) =
        fault.and_then(|f| forged_reply(shared, node, &result, &call.answer_format, f))
    {
        return forged;
    }
    (reply(shared, node, &result, &call.answer_format), label)
}

/// The answer faults: the call's real answer, tampered with after signing, unsigned, or signed by another key.
/// `None` for every other fault.
fn forged_reply(
    shared: &Shared,
    node_key: &str,
    result: &Result<Vec<(String, String)>, GatewayError>,
    answer_format: &AnswerFormat,
    fault: Fault,
) -> Option<(Answer, String)> {
    let other_key;
    let forgery = match fault {
        Fault::TamperedAnswer => Forgery::Tampered,
        Fault::UnsignedAnswer => Forgery::Unsigned,
        Fault::WrongSignature => match stranger_key() {
            Some(key) => {
                other_key = key;
                Forgery::SignedBy(other_key)
            }
            // Still an answer whose sign does not verify.
            None => Forgery::Tampered,
        },
        _ => return None,
    };
    let node = match result {
        Ok(fields) => success_node(fields),
        Err(e) => error_node(e),
    };
    let answer = Answer::Reply {
        status: 200,
        content_type: answer_format.content_type(),
        body: forged_body(node_key, &node, answer_format, &shared.alipay_key, forgery),
        trace_id: trace_id(shared),
    };
    Some((answer, format!("fault/{}", fault.name())))
}

/// A key no client trusts, made on first use (`None` if it cannot be made: the wrong-signature fault then
/// tampers with the answer instead, so its sign still does not verify).
fn stranger_key() -> Option<&'static PrivateKey> {
    static KEY: OnceLock<Option<PrivateKey>> = OnceLock::new();
    KEY.get_or_init(|| match PrivateKey::generate() {
        Ok(key) => Some(key),
        Err(e) => {
            tracing::error!("cannot make a key for the wrong_signature fault: {e}");
            None
        }
    })
    .as_ref()
}

/// `alipay.open.app.alipaycert.download`: `{"alipay_cert_sn": …}` → `alipay_cert_content`, base64 of the PEM of
/// any Alipay certificate the sandbox issued (rotated ones included). No faults apply.
fn download(shared: &Shared, call: &Checked) -> (Answer, String) {
    let result = match shared.pki() {
        Err(e) => Err(GatewayError::new(
            "20000",
            "isp.unknow-error",
            format!("the sandbox could not make its certificates: {e}"),
        )),
        Ok(pki) => match call.biz.get("alipay_cert_sn") {
            None => Err(GatewayError::new(
                "40004",
                "INVALID_PARAMETER",
                "alipay_cert_sn is required in biz_content",
            )),
            Some(sn) => match pki.alipay_cert_by_sn(sn) {
                Some(pem) => Ok(vec![("alipay_cert_content".to_owned(), cert_content(pem))]),
                None => Err(GatewayError::new(
                    "40004",
                    "ALIPAY_CERT_NOT_EXIST",
                    format!("支付宝公钥证书不存在: no Alipay certificate has SN {sn}"),
                )),
            },
        },
    };
    let label = label_of(&result);
    {
        let mut world = shared.world();
        shared.count_call(
            &mut world,
            call.endpoint.as_str(),
            &label,
            call.app_auth_token.as_deref(),
        );
        shared.persist(&world);
    }
    (
        reply(shared, call.endpoint.node(), &result, &call.answer_format),
        label,
    )
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

/// A signed JSON answer under `node_key` (the method's node, or `error_response` when the method is unknown),
/// written as `answer_format` says.
fn reply(
    shared: &Shared,
    node_key: &str,
    result: &Result<Vec<(String, String)>, GatewayError>,
    answer_format: &AnswerFormat,
) -> Answer {
    let node = match result {
        Ok(fields) => success_node(fields),
        Err(e) => error_node(e),
    };
    Answer::Reply {
        status: 200,
        content_type: answer_format.content_type(),
        body: signed_body(node_key, &node, answer_format, &shared.alipay_key),
        trace_id: trace_id(shared),
    }
}

fn bad_gateway_page(shared: &Shared) -> Answer {
    Answer::Reply {
        status: 502,
        content_type: "text/html;charset=utf-8",
        body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n\
               <hr><center>sandbox fault: http_502</center>\r\n</body>\r\n</html>\r\n"
            .as_bytes()
            .to_vec(),
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
