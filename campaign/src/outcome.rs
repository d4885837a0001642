//! What one call's answer means for its row and for the campaign: done, failed for good, unknown (resend with the
//! same key), not applied (throttled: send again, slower), or a campaign-level failure that must pause the
//! campaign (the circuit breaker).

use alipay_marketing::{Error, ErrorKind};

use crate::journal::{ErrorInfo, RowState};
use crate::request::CallSuccess;

/// A campaign-level failure: the same answer would come for every remaining row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Halt {
    /// What answered, e.g. `40004/TEMPLATE_EXPIRED`.
    pub code: String,
    /// What it means.
    pub why: String,
    /// What the operator should do.
    pub what_to_do: String,
}

/// The meaning of one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Applied.
    Done(CallSuccess),
    /// A definite answer for this row; sending again would not help.
    Failed(ErrorInfo),
    /// May or may not have been applied; resend with the same key.
    Unknown(ErrorInfo),
    /// Throttled, not applied: send again later, and slow down.
    Throttled(ErrorInfo),
    /// A campaign-level failure; the row goes back to `state` (pending when nothing was applied).
    Halt(Halt, ErrorInfo, RowState),
}

impl Verdict {
    /// The row's new state.
    pub fn state(&self) -> RowState {
        match self {
            Verdict::Done(_) => RowState::Done,
            Verdict::Failed(_) => RowState::Failed,
            Verdict::Unknown(_) => RowState::Unknown,
            Verdict::Throttled(_) => RowState::Pending,
            Verdict::Halt(_, _, state) => *state,
        }
    }

    /// Whether the gateway asked us to slow down.
    pub fn is_throttle(&self) -> bool {
        match self {
            Verdict::Throttled(_) => true,
            Verdict::Unknown(e) => e.sub_code.as_deref().is_some_and(|s| s.starts_with("isp.")),
            _ => false,
        }
    }
}

/// The error fields kept for a row.
pub fn error_info(e: &Error) -> ErrorInfo {
    let g = e.gateway_error();
    ErrorInfo {
        kind: e.kind().as_str().to_owned(),
        code: g.map(|g| g.code.clone()),
        sub_code: g.and_then(|g| g.sub_code.clone()),
        message: e.message().to_owned(),
    }
}

/// Classifies one call's result.
pub fn classify(result: Result<CallSuccess, Error>) -> Verdict {
    let e = match result {
        Ok(success) if success.activity_stopped => {
            let code = success.biz_result_code.clone().unwrap_or_default();
            let info = ErrorInfo {
                kind: "business".into(),
                code: Some("10000".into()),
                sub_code: Some(code.clone()),
                message: format!("the invite activity answered {code}"),
            };
            return Verdict::Halt(
                Halt {
                    code: format!("10000/{code}"),
                    why: "the invite activity is paused or closed".into(),
                    what_to_do: "reopen the activity (or fix the app's activity) in the Alipay console, then run \
                                 the campaign again: the remaining rows are sent with their same keys"
                        .into(),
                },
                info,
                RowState::Pending,
            );
        }
        Ok(success) => return Verdict::Done(success),
        Err(e) => e,
    };
    let info = error_info(&e);
    if let Some(halt) = halt_for(&e) {
        // A response that does not verify may still have been applied; anything else was refused as a whole.
        let state = if e.outcome_unknown() {
            RowState::Unknown
        } else {
            RowState::Pending
        };
        return Verdict::Halt(halt, info, state);
    }
    let g = e.gateway_error();
    let throttled = g.is_some_and(|g| {
        g.code == "40005"
            || g.sub_code
                .as_deref()
                .is_some_and(|s| s.contains("CALL_TOO_FREQUENCY") || s == "isv.app-call-limited")
    });
    if throttled {
        return Verdict::Throttled(info);
    }
    if e.outcome_unknown() {
        return Verdict::Unknown(info);
    }
    Verdict::Failed(info)
}

fn halt(code: String, why: &str, what_to_do: &str) -> Option<Halt> {
    Some(Halt {
        code,
        why: why.to_owned(),
        what_to_do: what_to_do.to_owned(),
    })
}

const RESUME: &str =
    "then run the campaign again: rows not yet sent keep their keys and are sent once";

/// The campaign-level failures: answers that would repeat for every remaining row.
fn halt_for(e: &Error) -> Option<Halt> {
    match e.kind() {
        ErrorKind::Signature => {
            return halt(
                "signature".into(),
                "the gateway's responses do not verify with the configured Alipay public key",
                &format!("check the Alipay public key (or certificates) of the app, {RESUME}"),
            );
        }
        ErrorKind::Config => {
            return halt(
                "config".into(),
                "the client refused the call (closed, or configured wrongly)",
                &format!("fix the client settings shown in the message, {RESUME}"),
            );
        }
        ErrorKind::Transport if !e.request_may_have_been_sent() => {
            return halt(
                "transport".into(),
                "the gateway cannot be reached",
                &format!("check the network and the gateway URL, {RESUME}"),
            );
        }
        _ => {}
    }
    let g = e.gateway_error()?;
    let sub = g.sub_code.as_deref().unwrap_or("");
    let code = format!("{}/{sub}", g.code);
    let upper = sub.to_ascii_uppercase();
    if sub == "TEMPLATE_EXPIRED" || sub == "TEMPLATE_NOT_EXIST" {
        return halt(
            code,
            "the voucher template is expired or does not exist",
            &format!("extend or replace the template in the Alipay console, {RESUME}"),
        );
    }
    if upper.contains("STOCK") || upper.contains("INVENTORY") {
        return halt(
            code,
            "the voucher template is out of stock",
            &format!("add stock to the template, {RESUME}"),
        );
    }
    if upper.contains("BUDGET") || upper.contains("BALANCE_NOT_ENOUGH") {
        return halt(
            code,
            "the activity's budget is exhausted",
            &format!("top up the budget, {RESUME}"),
        );
    }
    if upper.starts_with("ACTIVITY_")
        && (upper.contains("CLOSE")
            || upper.contains("PAUSE")
            || upper.contains("NOT_EXIST")
            || upper.contains("END"))
    {
        return halt(
            code,
            "the activity is paused, closed or gone",
            &format!("reopen the activity, {RESUME}"),
        );
    }
    let credentials = [
        "isv.invalid-signature",
        "isv.invalid-signature-type",
        "isv.missing-signature",
        "isv.invalid-app-id",
        "isv.missing-app-id",
        "isv.invalid-app-auth-token",
        "isv.app-unbind-partner",
        "aop.invalid-app-cert-sn",
    ];
    if credentials.contains(&sub) || g.code == "40006" {
        return halt(
            code,
            "the gateway refuses the app's credentials (app id, private key, signature type or permissions)",
            &format!("fix the app id / private key / permissions, {RESUME}"),
        );
    }
    None
}
