//! The core's `tracing` events → Python `logging`: events of the core go to the `alipay_marketing` logger, the
//! in-process sandbox's to `alipay_marketing.sandbox`.
//!
//! Every value is masked on the way: fields named like a mobile or an account id through the core's masks,
//! fields named like a key, a signature or a token are dropped, and any mobile-, user-id- or PEM-shaped text left
//! in a message is masked too. The level of the `alipay_marketing` logger is read on each client call (under the
//! GIL, cheaply) so that disabled events never take the GIL from a runtime thread.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use alipay_marketing::mask::{mask_mobile, mask_user_id};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

/// The most verbose Python level enabled on the `alipay_marketing` logger, as a tracing level rank
/// (0 = nothing, 1 = ERROR … 5 = TRACE). Starts at WARN, Python's default.
static ENABLED: AtomicU8 = AtomicU8::new(2);

static LOGGERS: PyOnceLock<(Py<PyAny>, Py<PyAny>)> = PyOnceLock::new();

const CORE_TARGET: &str = "alipay_marketing";
const SANDBOX_TARGET: &str = "alipay_marketing_sandbox";

fn loggers(py: Python<'_>) -> PyResult<&(Py<PyAny>, Py<PyAny>)> {
    LOGGERS.get_or_try_init(py, || {
        let logging = py.import("logging")?;
        Ok((
            logging
                .call_method1("getLogger", ("alipay_marketing",))?
                .unbind(),
            logging
                .call_method1("getLogger", ("alipay_marketing.sandbox",))?
                .unbind(),
        ))
    })
}

/// Installs the bridge as the process's tracing subscriber (unless another one already is).
pub fn install() {
    let _ = tracing::subscriber::set_global_default(Bridge);
}

/// Re-reads the effective level of the `alipay_marketing` logger.
pub fn refresh(py: Python<'_>) {
    let level = loggers(py)
        .and_then(|(core, _)| core.bind(py).call_method0("getEffectiveLevel"))
        .and_then(|l| l.extract::<i64>())
        .unwrap_or(30);
    let rank = match level {
        l if l <= 5 => 5,
        l if l <= 10 => 4,
        l if l <= 20 => 3,
        l if l <= 30 => 2,
        l if l <= 40 => 1,
        _ => 0,
    };
    ENABLED.store(rank, Ordering::Relaxed);
}

fn rank(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        Level::TRACE => 5,
    }
}

fn python_level(level: &Level) -> i64 {
    match *level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        Level::TRACE => 5,
    }
}

fn ours(target: &str) -> bool {
    target == CORE_TARGET
        || target.starts_with("alipay_marketing::")
        || target == SANDBOX_TARGET
        || target.starts_with("alipay_marketing_sandbox::")
}

/// The fields of the live spans (already masked), with their reference counts, so that an event can carry the
/// fields of the span it happened in (the core puts `method` and `idempotency_key` on its `alipay_call` span).
static SPANS: Mutex<Option<HashMap<u64, (String, usize)>>> = Mutex::new(None);
static NEXT_SPAN: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The spans entered on this thread, innermost last.
    static CURRENT: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

fn with_spans<T>(f: impl FnOnce(&mut HashMap<u64, (String, usize)>) -> T) -> T {
    let mut guard = SPANS.lock().unwrap_or_else(|p| p.into_inner());
    f(guard.get_or_insert_with(HashMap::new))
}

struct Bridge;

impl Subscriber for Bridge {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if ours(metadata.target()) {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        ours(metadata.target()) && rank(metadata.level()) <= ENABLED.load(Ordering::Relaxed)
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let id = NEXT_SPAN.fetch_add(1, Ordering::Relaxed);
        let mut line = MaskedLine::default();
        attributes.record(&mut line);
        with_spans(|spans| spans.insert(id, (line.fields, 1)));
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut line = MaskedLine::default();
        values.record(&mut line);
        with_spans(|spans| {
            if let Some((fields, _)) = spans.get_mut(&span.into_u64()) {
                fields.push_str(&line.fields);
            }
        });
    }

    fn clone_span(&self, span: &Id) -> Id {
        with_spans(|spans| {
            if let Some((_, count)) = spans.get_mut(&span.into_u64()) {
                *count += 1;
            }
        });
        span.clone()
    }

    fn try_close(&self, span: Id) -> bool {
        with_spans(|spans| {
            let id = span.into_u64();
            match spans.get_mut(&id) {
                Some((_, count)) if *count > 1 => {
                    *count -= 1;
                    false
                }
                Some(_) => {
                    spans.remove(&id);
                    true
                }
                None => false,
            }
        })
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let metadata = event.metadata();
        let mut line = MaskedLine::default();
        event.record(&mut line);
        let span = if event.is_contextual() {
            CURRENT.with(|c| c.borrow().last().copied())
        } else {
            event.parent().map(Id::into_u64)
        };
        if let Some(span) = span {
            with_spans(|spans| {
                if let Some((fields, _)) = spans.get(&span) {
                    line.fields.insert_str(0, fields);
                }
            });
        }
        let text = mask_text(&line.finish());
        let sandbox = metadata.target().starts_with(SANDBOX_TARGET);
        let level = python_level(metadata.level());
        // try_attach: nothing is logged while the interpreter shuts down.
        Python::try_attach(|py| {
            if let Ok((core, sandbox_logger)) = loggers(py) {
                let logger = if sandbox { sandbox_logger } else { core };
                if logger.bind(py).call_method1("log", (level, text)).is_err() {
                    // A failing handler must not unwind into the runtime thread.
                    PyErr::take(py);
                }
            }
        });
    }

    fn enter(&self, span: &Id) {
        // A span entered on one thread and exited on another (a guard held across an await) would stay on the
        // first thread's stack: entries of closed spans are dropped here.
        with_spans(|spans| {
            CURRENT.with(|c| {
                let mut stack = c.borrow_mut();
                stack.retain(|id| spans.contains_key(id));
            })
        });
        CURRENT.with(|c| c.borrow_mut().push(span.into_u64()));
    }

    fn exit(&self, span: &Id) {
        let id = span.into_u64();
        CURRENT.with(|c| {
            let mut stack = c.borrow_mut();
            if let Some(at) = stack.iter().rposition(|s| *s == id) {
                stack.remove(at);
            }
        });
    }
}

/// The message, then `name=value` for each field, with personal data masked and secrets left out.
#[derive(Default)]
struct MaskedLine {
    message: String,
    fields: String,
}

impl MaskedLine {
    fn push(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
            return;
        }
        let name = field.name();
        let lower = name.to_ascii_lowercase();
        let secret = ["private", "secret", "password", "token", "pem"]
            .iter()
            .any(|s| lower.contains(s))
            || lower == "sign"
            || (lower.ends_with("key") && lower != "idempotency_key");
        let shown = if secret {
            "<redacted>".to_owned()
        } else if ["mobile", "phone", "login_id"]
            .iter()
            .any(|s| lower.contains(s))
        {
            mask_mobile(value)
        } else if ["user_id", "open_id", "taobao_nick", "account"]
            .iter()
            .any(|s| lower.contains(s))
        {
            mask_user_id(value)
        } else {
            value.to_owned()
        };
        let _ = write!(self.fields, " {name}={shown}");
    }

    fn finish(self) -> String {
        self.message + &self.fields
    }
}

impl Visit for MaskedLine {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.push(field, value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.push(field, &format!("{value:?}"));
    }
}

/// Masks what still looks like personal data or key material in free text: PEM blocks, 16-digit `2088` user
/// ids and 11-digit mainland mobiles (whole digit runs only, so order numbers are left alone).
fn mask_text(text: &str) -> String {
    let text = redact_pem(text);
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    for c in text.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            let is_user_id = digits.len() == 16 && digits.starts_with("2088");
            let is_mobile = digits.len() == 11
                && digits.starts_with('1')
                && matches!(digits.as_bytes()[1], b'3'..=b'9');
            if is_user_id {
                out.push_str(&mask_user_id(&digits));
            } else if is_mobile {
                out.push_str(&mask_mobile(&digits));
            } else {
                out.push_str(&digits);
            }
            digits.clear();
        }
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

fn redact_pem(text: &str) -> String {
    let mut rest = text;
    let mut out = String::new();
    while let Some(start) = rest.find("-----BEGIN") {
        out.push_str(&rest[..start]);
        out.push_str("<redacted key>");
        let after = &rest[start..];
        rest = match after.find("-----END") {
            Some(end) => {
                let tail = &after[end + "-----END".len()..];
                match tail.find("-----") {
                    Some(close) => &tail[close + 5..],
                    None => "",
                }
            }
            None => "",
        };
    }
    out.push_str(rest);
    out
}
