//! Settling an unknown outcome: after a call ended with [`Error::outcome_unknown`] (a timeout, a connection lost
//! after sending, a 5xx, a gateway `20000`), learn whether it took effect — without ever applying it twice.
//!
//! **How.** The identical request is sent again with the same idempotency key (`out_biz_no`, `req_id`), with the
//! client's retry policy. The gateway's idempotency answers a key it has applied with the original result, and
//! applies a key it has not seen exactly once; so a settlement never creates a second voucher or points movement.
//! For vouchers, a refusal is cross-checked with `alipay.marketing.voucher.list.query`.
//!
//! **What each answer means.**
//! - [`Settlement::Sent`]: certain. The gateway returned a verified, signed success for the key: the original
//!   result (same `voucher_id` / `point_log_no`) if the first call took effect, or the result of this resend if it
//!   did not. Either way the operation is applied exactly once.
//! - [`Settlement::NotSent`]: certain under the gateway's documented idempotency. Either the request breaks a
//!   field rule (this SDK never sent it), or the gateway's business layer refused the key with a definite 40004
//!   answer (for example `TEMPLATE_EXPIRED`, insufficient points) on every attempt. For vouchers whose recipient
//!   is a `user_id` or `open_id`, the user's vouchers of the template were also listed and none was found. The
//!   error inside is that refusal.
//! - [`Settlement::StillUnknown`]: nothing certain was learned; the error says why. The resend itself ended
//!   unknown (faults persist, the gateway is down), or was refused before the business layer (signature,
//!   timestamp, permissions — the original may have passed those checks), or the response failed verification, or
//!   a voucher refusal came while the user holds vouchers of the template that cannot be told apart from this
//!   send. Settle again later with the same request.
//!
//! A voucher send whose recipient is a `login_id` or `taobao_nick` cannot be listed (the list query takes a
//! `user_id` or `open_id`): its `NotSent` rests on the gateway's refusal alone.

use std::fmt;

use crate::api::ApiRequest;
use crate::api::invite::{InviteAwardRequest, InviteAwardResponse};
use crate::api::points::{PointsUpdateRequest, PointsUpdateResponse};
use crate::api::voucher::{VoucherSendRequest, VoucherSendResponse};
use crate::api::voucher_query::VoucherListQueryRequest;
use crate::client::{CallOptions, Client};
use crate::error::{Error, ErrorKind, Result};

/// What settling an unknown outcome found.
#[must_use]
pub enum Settlement<T> {
    /// The operation is applied, exactly once; this is its result (the original one when the first call took
    /// effect).
    Sent(T),
    /// The operation was not applied and will not be by this request: the definite refusal.
    NotSent(Error),
    /// Still unknown: the last error, with what was learned. Settle again later with the same request.
    StillUnknown(Error),
}

impl<T> Settlement<T> {
    /// `"sent"`, `"not_sent"` or `"still_unknown"`: a stable name for logs and the C and Python faces.
    pub fn as_str(&self) -> &'static str {
        match self {
            Settlement::Sent(_) => "sent",
            Settlement::NotSent(_) => "not_sent",
            Settlement::StillUnknown(_) => "still_unknown",
        }
    }

    /// The result, when sent.
    pub fn sent(&self) -> Option<&T> {
        match self {
            Settlement::Sent(result) => Some(result),
            _ => None,
        }
    }

    /// The error, when not sent or still unknown.
    pub fn error(&self) -> Option<&Error> {
        match self {
            Settlement::Sent(_) => None,
            Settlement::NotSent(e) | Settlement::StillUnknown(e) => Some(e),
        }
    }

    /// Whether the operation is applied.
    pub fn is_sent(&self) -> bool {
        matches!(self, Settlement::Sent(_))
    }

    /// The result, or the error of `NotSent` / `StillUnknown` (tell them apart with [`Settlement::as_str`] first
    /// when it matters: only `StillUnknown` may still turn out applied).
    pub fn into_result(self) -> Result<T> {
        match self {
            Settlement::Sent(result) => Ok(result),
            Settlement::NotSent(e) | Settlement::StillUnknown(e) => Err(e),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Settlement<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Settlement::Sent(result) => f.debug_tuple("Sent").field(result).finish(),
            Settlement::NotSent(e) => f.debug_tuple("NotSent").field(e).finish(),
            Settlement::StillUnknown(e) => f.debug_tuple("StillUnknown").field(e).finish(),
        }
    }
}

/// Whether a resend's error proves the key was not applied: a field rule this SDK enforces before sending, or a
/// business refusal (40004, not a system error) on an attempt whose earlier attempts were not unknown.
fn definite_refusal(error: &Error) -> bool {
    match error.kind() {
        ErrorKind::InvalidRequest => true,
        ErrorKind::Gateway => {
            error.gateway_error().is_some_and(|g| g.is_business())
                && !error.is_retryable()
                && !error.outcome_unknown()
        }
        _ => false,
    }
}

fn classify<T>(result: Result<T>) -> Settlement<T> {
    match result {
        Ok(result) => Settlement::Sent(result),
        Err(e) if definite_refusal(&e) => Settlement::NotSent(e),
        Err(e) => Settlement::StillUnknown(e),
    }
}

/// The key field of a request, for messages.
fn key_field<R: ApiRequest>(request: &R) -> &'static str {
    if request.method() == PointsUpdateRequest::METHOD {
        "req_id"
    } else {
        "out_biz_no"
    }
}

/// The error given belongs to another request when its key differs from the request's.
fn other_request<R: ApiRequest>(request: &R, error: &Error) -> Option<Error> {
    let (Some(theirs), Some(ours)) = (error.idempotency_key(), request.idempotency_key()) else {
        return None;
    };
    (theirs != ours).then(|| {
        Error::invalid_request(
            key_field(request),
            format!(
                "the error is of another call (its key is {theirs:?}, this request's is {ours:?}); settle with the \
                 request that failed"
            ),
        )
    })
}

impl Client {
    /// Resends `request` with its key (and the original call's options) and classifies the answer. The request
    /// must carry its key.
    async fn resend<R: ApiRequest>(
        &self,
        request: &R,
        options: &CallOptions,
    ) -> Settlement<R::Response> {
        if request.idempotency_key().is_none() {
            return Settlement::StillUnknown(Error::invalid_request(
                key_field(request),
                "is not set, so the call cannot be settled: settling resends the request with the key the \
                 original call used; set it (the key generated for a call is in Error::idempotency_key)",
            ));
        }
        classify(self.call(request, options).await)
    }

    /// Settles a voucher send whose outcome is unknown: `Sent` with the voucher (the same `voucher_id` the first
    /// call created, if it did), `NotSent` with the refusal, or `StillUnknown`. See the [module
    /// docs](crate::settle) for when each answer is certain.
    pub async fn settle_voucher(
        &self,
        request: &VoucherSendRequest,
    ) -> Settlement<VoucherSendResponse> {
        self.settle_voucher_with(request, &CallOptions::default())
            .await
    }

    /// [`Client::settle_voucher`] with the per-call options of the original call — above all its
    /// `app_auth_token`: the resend and the cross-check are made for the same merchant.
    pub async fn settle_voucher_with(
        &self,
        request: &VoucherSendRequest,
        options: &CallOptions,
    ) -> Settlement<VoucherSendResponse> {
        let settlement = self.resend(request, options).await;
        let Settlement::NotSent(refusal) = settlement else {
            return settlement;
        };
        if refusal.kind() == ErrorKind::InvalidRequest {
            return Settlement::NotSent(refusal);
        }
        // The recipient the send used: user_id wins; open_id only when no other recipient was given.
        let list = match (
            &request.user_id,
            &request.login_id,
            &request.taobao_nick,
            &request.open_id,
        ) {
            (Some(user_id), ..) => {
                VoucherListQueryRequest::for_user_id(&request.template_id, user_id)
            }
            (None, None, None, Some(open_id)) => {
                VoucherListQueryRequest::for_open_id(&request.template_id, open_id)
            }
            _ => return Settlement::NotSent(refusal),
        };
        match self.call(&list, options).await {
            Ok(held) if held.vouchers.is_empty() => Settlement::NotSent(refusal),
            Ok(held) => Settlement::StillUnknown(refusal.with_note(&format!(
                "the gateway refused the resend, but the user holds {} voucher(s) of template {} that cannot be \
                 told apart from this send; check them against your records (voucher ids: {})",
                held.vouchers.len(),
                request.template_id,
                held.vouchers
                    .iter()
                    .map(|v| v.voucher_id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
            Err(e) => Settlement::StillUnknown(e.with_note(&format!(
                "the gateway refused the resend of out_biz_no {} ({}), but the cross-check with \
                 alipay.marketing.voucher.list.query failed; settle again later",
                request.out_biz_no,
                refusal.message()
            ))),
        }
    }

    /// [`Client::settle_voucher`] for the error the send returned: refuses an error of another request (a
    /// different `out_biz_no`) with `StillUnknown` naming the field.
    pub async fn settle_voucher_after(
        &self,
        request: &VoucherSendRequest,
        error: &Error,
    ) -> Settlement<VoucherSendResponse> {
        self.settle_voucher_after_with(request, error, &CallOptions::default())
            .await
    }

    /// [`Client::settle_voucher_after`] with the per-call options of the original call.
    pub async fn settle_voucher_after_with(
        &self,
        request: &VoucherSendRequest,
        error: &Error,
        options: &CallOptions,
    ) -> Settlement<VoucherSendResponse> {
        match other_request(request, error) {
            Some(mismatch) => Settlement::StillUnknown(mismatch),
            None => self.settle_voucher_with(request, options).await,
        }
    }

    /// Settles a points update whose outcome is unknown: `Sent` with the movement (the same `point_log_no` the
    /// first call made, if it did), `NotSent` with the refusal, or `StillUnknown`.
    pub async fn settle_points(
        &self,
        request: &PointsUpdateRequest,
    ) -> Settlement<PointsUpdateResponse> {
        self.resend(request, &CallOptions::default()).await
    }

    /// [`Client::settle_points`] with the per-call options of the original call (its `app_auth_token`).
    pub async fn settle_points_with(
        &self,
        request: &PointsUpdateRequest,
        options: &CallOptions,
    ) -> Settlement<PointsUpdateResponse> {
        self.resend(request, options).await
    }

    /// [`Client::settle_points`] for the error the update returned: refuses an error of another request (a
    /// different `req_id`) with `StillUnknown` naming the field.
    pub async fn settle_points_after(
        &self,
        request: &PointsUpdateRequest,
        error: &Error,
    ) -> Settlement<PointsUpdateResponse> {
        self.settle_points_after_with(request, error, &CallOptions::default())
            .await
    }

    /// [`Client::settle_points_after`] with the per-call options of the original call.
    pub async fn settle_points_after_with(
        &self,
        request: &PointsUpdateRequest,
        error: &Error,
        options: &CallOptions,
    ) -> Settlement<PointsUpdateResponse> {
        match other_request(request, error) {
            Some(mismatch) => Settlement::StillUnknown(mismatch),
            None => self.settle_points_with(request, options).await,
        }
    }

    /// Settles an invite award whose outcome is unknown. The request must carry the `out_biz_no` the original call
    /// used; without one the answer is `StillUnknown` with an `InvalidRequest` error naming `out_biz_no` (use
    /// [`Client::settle_invite_after`] when the client generated the key).
    pub async fn settle_invite(
        &self,
        request: &InviteAwardRequest,
    ) -> Settlement<InviteAwardResponse> {
        self.resend(request, &CallOptions::default()).await
    }

    /// [`Client::settle_invite`] with the per-call options of the original call (its `app_auth_token`).
    pub async fn settle_invite_with(
        &self,
        request: &InviteAwardRequest,
        options: &CallOptions,
    ) -> Settlement<InviteAwardResponse> {
        self.resend(request, options).await
    }

    /// [`Client::settle_invite`] for the error the award returned. When the request had no `out_biz_no`, the key
    /// the client generated for it is taken from the error.
    pub async fn settle_invite_after(
        &self,
        request: &InviteAwardRequest,
        error: &Error,
    ) -> Settlement<InviteAwardResponse> {
        self.settle_invite_after_with(request, error, &CallOptions::default())
            .await
    }

    /// [`Client::settle_invite_after`] with the per-call options of the original call.
    pub async fn settle_invite_after_with(
        &self,
        request: &InviteAwardRequest,
        error: &Error,
        options: &CallOptions,
    ) -> Settlement<InviteAwardResponse> {
        if let Some(mismatch) = other_request(request, error) {
            return Settlement::StillUnknown(mismatch);
        }
        match (&request.out_biz_no, error.idempotency_key()) {
            (None, Some(generated)) => {
                self.resend(&request.clone().out_biz_no(generated), options)
                    .await
            }
            _ => self.resend(request, options).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::GatewayError;

    fn gateway(code: &str, sub: &str) -> Error {
        Error::gateway(GatewayError {
            code: code.into(),
            sub_code: Some(sub.into()),
            ..Default::default()
        })
    }

    #[test]
    fn only_business_refusals_and_field_rules_are_definite() {
        assert!(definite_refusal(&gateway("40004", "TEMPLATE_EXPIRED")));
        assert!(definite_refusal(&Error::invalid_request("user_id", "bad")));
        for unknown in [
            gateway("40004", "SYSTEM_ERROR"),
            gateway("20000", "isp.unknow-error"),
            gateway("40005", "isv.app-call-limited"),
            gateway("40002", "isv.invalid-signature"),
            gateway("40002", "isv.invalid-timestamp"),
            Error::timeout("slow"),
            Error::signature("bad sign"),
            Error::http(502, "bad gateway"),
            Error::transport("refused", false),
        ] {
            assert!(!definite_refusal(&unknown), "{unknown}");
        }
        // A refusal after an attempt whose outcome was unknown proves nothing about that attempt.
        let after_unknown = gateway("40004", "TEMPLATE_EXPIRED").finish(2, Some("k"), true);
        assert!(!definite_refusal(&after_unknown));
    }

    #[test]
    fn settlement_names_and_accessors() {
        let sent: Settlement<u32> = Settlement::Sent(7);
        assert_eq!(
            (sent.as_str(), sent.sent(), sent.is_sent()),
            ("sent", Some(&7), true)
        );
        let not: Settlement<u32> = classify(Err(gateway("40004", "TEMPLATE_EXPIRED")));
        assert_eq!(not.as_str(), "not_sent");
        assert!(not.error().is_some());
        let unknown: Settlement<u32> = classify(Err(Error::timeout("slow")));
        assert_eq!(unknown.as_str(), "still_unknown");
        assert_eq!(
            unknown.into_result().unwrap_err().kind(),
            ErrorKind::Timeout
        );
    }

    #[test]
    fn an_error_of_another_request_is_refused_naming_the_key() {
        let request = VoucherSendRequest::new("T1", "order-1").user_id("2088102146225135");
        let theirs = Error::timeout("slow").finish(1, Some("order-2"), false);
        let e = other_request(&request, &theirs).expect("mismatch");
        assert_eq!(e.field(), Some("out_biz_no"));
        let ours = Error::timeout("slow").finish(1, Some("order-1"), false);
        assert!(other_request(&request, &ours).is_none());
    }
}
