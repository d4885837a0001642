//! Verifying asynchronous notifications (callbacks) that Alipay posts to your `notify_url`.
//!
//! Two sign-content rules exist (docs/protocol.md §2.4): payment notifications (`trade_status_sync`) are signed without
//! `sign` and `sign_type` (the "v1" rule); gateway-style notifications carrying a `method` keep `sign_type` ("v2").

use crate::keys::{PublicKey, SignType};
use crate::sign::sign_content;

/// Which parameters a notification's signature leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyRule {
    /// Drop `sign` and `sign_type` (payment notifications, Java `rsaCheckV1`).
    V1,
    /// Drop only `sign` (Java `rsaCheckV2`).
    V2,
}

/// The string a notification's signature covers, from its URL-decoded form values.
pub fn notify_sign_content<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    rule: NotifyRule,
) -> String {
    sign_content(
        params
            .into_iter()
            .filter(|(k, _)| rule == NotifyRule::V2 || *k != "sign_type"),
    )
}

/// Verifies a notification's `sign` with the Alipay public key. `sign_type` is read from the parameters
/// (`RSA2` when absent). With `rule = None`, the v1 rule is tried and then v2, as the Node SDK does.
pub fn verify_notification(
    params: &[(&str, &str)],
    key: &PublicKey,
    rule: Option<NotifyRule>,
) -> bool {
    let Some(sign) = params.iter().find(|(k, _)| *k == "sign").map(|(_, v)| *v) else {
        return false;
    };
    let sign_type = match params
        .iter()
        .find(|(k, _)| *k == "sign_type")
        .map(|(_, v)| *v)
    {
        None => SignType::Rsa2,
        Some(t) => match t.parse() {
            Ok(t) => t,
            Err(_) => return false,
        },
    };
    let rules: &[NotifyRule] = match &rule {
        Some(r) => std::slice::from_ref(r),
        None => &[NotifyRule::V1, NotifyRule::V2],
    };
    rules.iter().any(|&r| {
        let content = notify_sign_content(params.iter().copied(), r);
        key.verify(sign_type, content.as_bytes(), sign)
    })
}
