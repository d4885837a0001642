//! `alipay.user.invite.award.receive`: given a mobile number or an Alipay user id, the gateway decides whether the
//! user is new or old to Alipay and issues the matching award of an invite activity (docs/protocol.md §8.1).
//!
//! Business outcomes such as `OLD_AWARD_OVER_LIMIT` or `ACTIVITY_CLOSE` arrive with code 10000: they are results
//! ([`BizResultCode`]), not errors.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{ApiRequest, rules};
use crate::mask::{mask_mobile, mask_user_id};
use crate::{Error, Result};

/// Request of `alipay.user.invite.award.receive`.
///
/// Set `mobile` or `user_id`; at least one is required. **When both are set, `user_id` wins**, as the official
/// model documents: [`ApiRequest::biz_content`] then omits `mobile`. Every field that is set is validated, sent or
/// not.
///
/// `Debug` masks the mobile (`186****1111`) and the user id (`2088****5135`).
///
/// ```
/// use alipay_marketing::api::invite::InviteAwardRequest;
/// let request = InviteAwardRequest::new().mobile("18612341111").out_biz_no("invite-0001");
/// ```
#[derive(Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct InviteAwardRequest {
    /// The mobile number the user entered: a mainland-China number, 11 digits without country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// Code of the external business party (外部业务方代码), at most 64 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_biz_code: Option<String>,
    /// Your business number for this request (外部业务号), at most 64 characters; the idempotency key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_biz_no: Option<String>,
    /// The Alipay user id: 16 digits starting with 2088. Takes precedence over `mobile`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

impl InviteAwardRequest {
    /// The gateway method.
    pub const METHOD: &'static str = "alipay.user.invite.award.receive";

    /// An empty request; set `mobile` or `user_id` before sending.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the mobile number (11 digits, no country code).
    pub fn mobile(mut self, mobile: impl Into<String>) -> Self {
        self.mobile = Some(mobile.into());
        self
    }

    /// Sets the Alipay user id (16 digits starting with 2088); it wins over `mobile`.
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// Sets the business number, which is also the idempotency key.
    pub fn out_biz_no(mut self, out_biz_no: impl Into<String>) -> Self {
        self.out_biz_no = Some(out_biz_no.into());
        self
    }

    /// Sets the code of the external business party.
    pub fn out_biz_code(mut self, out_biz_code: impl Into<String>) -> Self {
        self.out_biz_code = Some(out_biz_code.into());
        self
    }
}

impl fmt::Debug for InviteAwardRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InviteAwardRequest")
            .field("mobile", &self.mobile.as_deref().map(mask_mobile))
            .field("out_biz_code", &self.out_biz_code)
            .field("out_biz_no", &self.out_biz_no)
            .field("user_id", &self.user_id.as_deref().map(mask_user_id))
            .finish()
    }
}

impl ApiRequest for InviteAwardRequest {
    type Response = InviteAwardResponse;

    fn method(&self) -> &str {
        Self::METHOD
    }

    fn validate(&self) -> Result<()> {
        rules::not_blank_if_set("mobile", self.mobile.as_deref())?;
        rules::not_blank_if_set("user_id", self.user_id.as_deref())?;
        if self.mobile.is_none() && self.user_id.is_none() {
            return Err(Error::invalid_request(
                "mobile",
                "is required when user_id is not set; give mobile or user_id",
            ));
        }
        if let Some(mobile) = &self.mobile {
            check_mobile(mobile)?;
        }
        if let Some(user_id) = &self.user_id {
            rules::user_id("user_id", user_id)?;
        }
        rules::optional_identifier("out_biz_no", self.out_biz_no.as_deref(), 64)?;
        rules::optional_identifier("out_biz_code", self.out_biz_code.as_deref(), 64)
    }

    fn biz_content(&self) -> Result<String> {
        let mut sent = self.clone();
        if sent.user_id.is_some() {
            sent.mobile = None;
        }
        rules::biz_json(&sent)
    }

    fn idempotency_key(&self) -> Option<&str> {
        self.out_biz_no.as_deref()
    }

    fn with_generated_key(&self, generate: &dyn Fn() -> String) -> Option<Self> {
        self.out_biz_no
            .is_none()
            .then(|| self.clone().out_biz_no(generate()))
    }

    fn parse_response(&self, node: &str) -> Result<InviteAwardResponse> {
        let mut response = InviteAwardResponse::from_node(node)?;
        response.out_biz_no = self.out_biz_no.clone();
        Ok(response)
    }
}

/// A mainland-China mobile number: 11 ASCII digits, `1` then `3`–`9`. The message never repeats the number.
fn check_mobile(mobile: &str) -> Result<()> {
    if mobile.starts_with("+86")
        || mobile.starts_with("0086")
        || (mobile.starts_with("86") && mobile.chars().count() > 11)
    {
        return Err(Error::invalid_request(
            "mobile",
            "starts with the country code; drop the +86/86 and give the 11-digit number",
        ));
    }
    let len = mobile.chars().count();
    let problem = if !mobile.bytes().all(|b| b.is_ascii_digit()) {
        "it contains a character that is not a digit; remove spaces, dashes and the like".to_owned()
    } else if len != 11 {
        format!("it has {len} digits")
    } else if !(mobile.starts_with('1') && matches!(mobile.as_bytes()[1], b'3'..=b'9')) {
        "it does not start with 13-19".to_owned()
    } else {
        return Ok(());
    };
    Err(Error::invalid_request(
        "mobile",
        format!(
            "must be a mainland-China mobile number, 11 digits starting with 13-19 ({problem})"
        ),
    ))
}

/// The business result of an invite award (`biz_result_code`). Unknown codes are kept in [`BizResultCode::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BizResultCode {
    /// A new user's award was issued. On the wire `NEW_AWARD_SUCESS`: the typo is the gateway's own (it is in the
    /// official javadoc); the correct spelling `NEW_AWARD_SUCCESS` is accepted too.
    NewAwardSuccess,
    /// `NEW_ALREADY_AWARD`: this new user's award was already issued.
    NewAlreadyAward,
    /// `OLD_AWARD_SUCCESS`: an old user's award was issued.
    OldAwardSuccess,
    /// `OLD_AWARD_OVER_LIMIT`: the old user has reached the activity's award limit.
    OldAwardOverLimit,
    /// `ACTIVITY_PAUSE`: the activity is paused for now.
    ActivityPause,
    /// `ACTIVITY_CLOSE`: the activity has ended.
    ActivityClose,
    /// `INVALID_PARAMETER`: the gateway rejected a parameter.
    InvalidParameter,
    /// A code this version does not know, kept as sent.
    Other(String),
}

impl BizResultCode {
    /// The wire spelling (so `NEW_AWARD_SUCESS` for [`BizResultCode::NewAwardSuccess`]).
    pub fn as_str(&self) -> &str {
        match self {
            BizResultCode::NewAwardSuccess => "NEW_AWARD_SUCESS",
            BizResultCode::NewAlreadyAward => "NEW_ALREADY_AWARD",
            BizResultCode::OldAwardSuccess => "OLD_AWARD_SUCCESS",
            BizResultCode::OldAwardOverLimit => "OLD_AWARD_OVER_LIMIT",
            BizResultCode::ActivityPause => "ACTIVITY_PAUSE",
            BizResultCode::ActivityClose => "ACTIVITY_CLOSE",
            BizResultCode::InvalidParameter => "INVALID_PARAMETER",
            BizResultCode::Other(code) => code,
        }
    }

    /// Whether an award was issued by this call (`NEW_AWARD_SUCESS` or `OLD_AWARD_SUCCESS`).
    pub fn is_awarded(&self) -> bool {
        matches!(
            self,
            BizResultCode::NewAwardSuccess | BizResultCode::OldAwardSuccess
        )
    }
}

impl From<&str> for BizResultCode {
    fn from(code: &str) -> Self {
        match code {
            "NEW_AWARD_SUCESS" | "NEW_AWARD_SUCCESS" => BizResultCode::NewAwardSuccess,
            "NEW_ALREADY_AWARD" => BizResultCode::NewAlreadyAward,
            "OLD_AWARD_SUCCESS" => BizResultCode::OldAwardSuccess,
            "OLD_AWARD_OVER_LIMIT" => BizResultCode::OldAwardOverLimit,
            "ACTIVITY_PAUSE" => BizResultCode::ActivityPause,
            "ACTIVITY_CLOSE" => BizResultCode::ActivityClose,
            "INVALID_PARAMETER" => BizResultCode::InvalidParameter,
            other => BizResultCode::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for BizResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the user is new or old to Alipay (`user_attr`). Unknown values are kept in [`UserAttr::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UserAttr {
    /// `NEW`: a new user.
    New,
    /// `OLD`: an existing user.
    Old,
    /// A value this version does not know, kept as sent.
    Other(String),
}

impl UserAttr {
    /// The wire spelling, e.g. `NEW`.
    pub fn as_str(&self) -> &str {
        match self {
            UserAttr::New => "NEW",
            UserAttr::Old => "OLD",
            UserAttr::Other(value) => value,
        }
    }

    /// Whether the user is new to Alipay.
    pub fn is_new(&self) -> bool {
        matches!(self, UserAttr::New)
    }
}

impl From<&str> for UserAttr {
    fn from(value: &str) -> Self {
        match value {
            "NEW" => UserAttr::New,
            "OLD" => UserAttr::Old,
            other => UserAttr::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for UserAttr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Result of `alipay.user.invite.award.receive`. `Debug` masks the echoed mobile.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct InviteAwardResponse {
    /// What happened; check [`BizResultCode::is_awarded`].
    pub biz_result_code: BizResultCode,
    /// The gateway's description of the result, in Chinese.
    pub biz_result_desc: Option<String>,
    /// Whether the user is new or old to Alipay.
    pub user_attr: Option<UserAttr>,
    /// The Alipay account names bound to an old user's mobile, already masked by the gateway (sent as one
    /// comma-separated string; split, trimmed, empty parts dropped).
    pub alipay_account_no: Vec<String>,
    /// The mobile number echoed back.
    pub mobile: Option<String>,
    /// Extension information, raw as sent; see [`InviteAwardResponse::ext_info_json`].
    pub ext_info: Option<String>,
    /// The request's `out_biz_no`: the caller's, or the one the client generated when none was given (log it;
    /// retrying with it never awards twice).
    pub out_biz_no: Option<String>,
}

/// The response node as sent: every field optional, unknown fields ignored.
#[derive(Deserialize)]
struct InviteAwardNode {
    alipay_account_no: Option<String>,
    biz_result_code: Option<String>,
    biz_result_desc: Option<String>,
    // Documented as a string; an object is tolerated and kept as its JSON text.
    ext_info: Option<serde_json::Value>,
    mobile: Option<String>,
    user_attr: Option<String>,
}

impl InviteAwardResponse {
    /// `ext_info` parsed as JSON; `None` when it is absent or not JSON.
    pub fn ext_info_json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(self.ext_info.as_deref()?).ok()
    }

    fn from_node(node: &str) -> Result<Self> {
        let method = InviteAwardRequest::METHOD;
        let n: InviteAwardNode = serde_json::from_str(node).map_err(|e| {
            Error::decode(format!(
                "{method} response node is not the documented object: {e}"
            ))
        })?;
        let code = n
            .biz_result_code
            .filter(|c| !c.is_empty())
            .ok_or_else(|| Error::decode(format!("{method} response has no biz_result_code")))?;
        let ext_info = match n.ext_info {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s),
            Some(other) => Some(other.to_string()),
        };
        Ok(InviteAwardResponse {
            biz_result_code: BizResultCode::from(code.as_str()),
            biz_result_desc: non_empty(n.biz_result_desc),
            user_attr: non_empty(n.user_attr).map(|a| UserAttr::from(a.as_str())),
            alipay_account_no: n
                .alipay_account_no
                .as_deref()
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            mobile: non_empty(n.mobile),
            ext_info: non_empty(ext_info),
            out_biz_no: None,
        })
    }
}

/// An empty string on the wire means the same as an absent field.
fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

impl fmt::Debug for InviteAwardResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InviteAwardResponse")
            .field("biz_result_code", &self.biz_result_code)
            .field("biz_result_desc", &self.biz_result_desc)
            .field("user_attr", &self.user_attr)
            .field("alipay_account_no", &self.alipay_account_no)
            .field("mobile", &self.mobile.as_deref().map(mask_mobile))
            .field("ext_info", &self.ext_info)
            .field("out_biz_no", &self.out_biz_no)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    const MOBILE: &str = "18612341111";
    const USER_ID: &str = "2088102146225135";

    fn invalid(request: &InviteAwardRequest) -> Error {
        let e = request.validate().expect_err("expected a validation error");
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        e
    }

    #[test]
    fn method_is_the_gateway_method() {
        assert_eq!(
            InviteAwardRequest::new().method(),
            "alipay.user.invite.award.receive"
        );
    }

    #[test]
    fn mobile_or_user_id_is_required() {
        let e = invalid(&InviteAwardRequest::new().out_biz_no("n1"));
        assert_eq!(e.field(), Some("mobile"));
        assert!(e.message().contains("give mobile or user_id"), "{e}");
        assert!(InviteAwardRequest::new().mobile(MOBILE).validate().is_ok());
        assert!(
            InviteAwardRequest::new()
                .user_id(USER_ID)
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn blank_mobile_or_user_id_is_rejected_not_ignored() {
        assert_eq!(
            invalid(&InviteAwardRequest::new().mobile(" ")).field(),
            Some("mobile")
        );
        let e = invalid(&InviteAwardRequest::new().mobile(MOBILE).user_id(""));
        assert_eq!(e.field(), Some("user_id"));
    }

    #[test]
    fn mobile_must_be_eleven_digits_starting_13_to_19() {
        for ok in ["13000000000", "19999999999", "18612341111"] {
            assert!(
                InviteAwardRequest::new().mobile(ok).validate().is_ok(),
                "{ok}"
            );
        }
        for (bad, why) in [
            ("1861234111", "it has 10 digits"),
            ("186123411112", "it has 12 digits"),
            ("12612341111", "does not start with 13-19"),
            ("28612341111", "does not start with 13-19"),
            ("186 1234 1111", "not a digit"),
            ("186-1234-1111", "not a digit"),
            ("１8612341111", "not a digit"),
        ] {
            let e = invalid(&InviteAwardRequest::new().mobile(bad));
            assert_eq!(e.field(), Some("mobile"));
            assert!(e.message().contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn mobile_with_country_code_says_to_drop_it() {
        for bad in ["+8618612341111", "8618612341111", "008618612341111"] {
            let e = invalid(&InviteAwardRequest::new().mobile(bad));
            assert!(e.message().contains("drop the +86"), "{bad}: {e}");
        }
    }

    #[test]
    fn validation_errors_never_repeat_the_mobile() {
        let e = invalid(&InviteAwardRequest::new().mobile("12612341111"));
        assert!(!e.to_string().contains("12612341111"));
    }

    #[test]
    fn user_id_must_be_an_alipay_user_id() {
        let e = invalid(&InviteAwardRequest::new().user_id("1088102146225135"));
        assert_eq!(e.field(), Some("user_id"));
        assert!(e.message().contains("16 digits starting with 2088"), "{e}");
    }

    #[test]
    fn invalid_mobile_is_rejected_even_when_user_id_wins() {
        let e = invalid(&InviteAwardRequest::new().user_id(USER_ID).mobile("123"));
        assert_eq!(e.field(), Some("mobile"));
    }

    #[test]
    fn out_biz_no_and_out_biz_code_allow_at_most_64_characters() {
        let base = InviteAwardRequest::new().mobile(MOBILE);
        assert!(
            base.clone()
                .out_biz_no("n".repeat(64))
                .out_biz_code("c".repeat(64))
                .validate()
                .is_ok()
        );
        let e = invalid(&base.clone().out_biz_no("n".repeat(65)));
        assert_eq!(e.field(), Some("out_biz_no"));
        assert!(
            e.message()
                .contains("is 65 characters; the gateway allows at most 64"),
            "{e}"
        );
        assert_eq!(
            invalid(&base.clone().out_biz_code("c".repeat(65))).field(),
            Some("out_biz_code")
        );
    }

    #[test]
    fn out_biz_no_must_be_trimmed_and_printable() {
        let base = InviteAwardRequest::new().mobile(MOBILE);
        assert_eq!(
            invalid(&base.clone().out_biz_no(" n1")).field(),
            Some("out_biz_no")
        );
        assert_eq!(
            invalid(&base.clone().out_biz_no("n1\t")).field(),
            Some("out_biz_no")
        );
        assert_eq!(
            invalid(&base.clone().out_biz_code("a\u{0}b")).field(),
            Some("out_biz_code")
        );
        assert_eq!(invalid(&base.out_biz_no("")).field(), Some("out_biz_no"));
    }

    #[test]
    fn biz_content_is_compact_alphabetical_and_omits_absent_fields() {
        let r = InviteAwardRequest::new()
            .out_biz_no("邀请/0001")
            .mobile(MOBILE);
        assert_eq!(
            r.biz_content().unwrap(),
            r#"{"mobile":"18612341111","out_biz_no":"邀请/0001"}"#
        );
    }

    #[test]
    fn biz_content_omits_mobile_when_user_id_wins() {
        let r = InviteAwardRequest::new()
            .mobile(MOBILE)
            .user_id(USER_ID)
            .out_biz_code("c1");
        assert_eq!(
            r.biz_content().unwrap(),
            r#"{"out_biz_code":"c1","user_id":"2088102146225135"}"#
        );
    }

    #[test]
    fn idempotency_key_is_out_biz_no() {
        assert_eq!(InviteAwardRequest::new().idempotency_key(), None);
        assert_eq!(
            InviteAwardRequest::new().out_biz_no("n1").idempotency_key(),
            Some("n1")
        );
    }

    #[test]
    fn debug_masks_mobile_and_user_id() {
        let text = format!(
            "{:?}",
            InviteAwardRequest::new().mobile(MOBILE).user_id(USER_ID)
        );
        assert!(
            text.contains("186****1111") && text.contains("2088****5135"),
            "{text}"
        );
        assert!(!text.contains(MOBILE) && !text.contains(USER_ID), "{text}");
    }

    #[test]
    fn response_parses_every_documented_field() {
        let node = r#"{"code":"10000","msg":"Success","biz_result_code":"NEW_AWARD_SUCESS",
            "biz_result_desc":"新用户凭证发放成功","user_attr":"NEW","alipay_account_no":"a**@x.com, 186****1111,,",
            "mobile":"18612341111","ext_info":"{\"k\":1}","future_field":"ignored"}"#;
        let r = InviteAwardRequest::new().parse_response(node).unwrap();
        assert_eq!(r.biz_result_code, BizResultCode::NewAwardSuccess);
        assert!(r.biz_result_code.is_awarded());
        assert_eq!(r.biz_result_desc.as_deref(), Some("新用户凭证发放成功"));
        assert_eq!(r.user_attr, Some(UserAttr::New));
        assert_eq!(r.alipay_account_no, ["a**@x.com", "186****1111"]);
        assert_eq!(r.mobile.as_deref(), Some(MOBILE));
        assert_eq!(r.ext_info.as_deref(), Some(r#"{"k":1}"#));
        assert_eq!(r.ext_info_json(), Some(serde_json::json!({"k": 1})));
        assert!(!format!("{r:?}").contains(MOBILE));
    }

    #[test]
    fn response_keeps_unknown_codes_and_attributes() {
        let node =
            r#"{"code":"10000","msg":"Success","biz_result_code":"RISK_REJECT","user_attr":"VIP"}"#;
        let r = InviteAwardRequest::new().parse_response(node).unwrap();
        assert_eq!(
            r.biz_result_code,
            BizResultCode::Other("RISK_REJECT".into())
        );
        assert_eq!(r.biz_result_code.to_string(), "RISK_REJECT");
        assert!(!r.biz_result_code.is_awarded());
        assert_eq!(r.user_attr, Some(UserAttr::Other("VIP".into())));
        assert!(r.alipay_account_no.is_empty());
        assert_eq!(r.ext_info_json(), None);
    }

    #[test]
    fn ext_info_json_is_none_when_not_json() {
        let node = r#"{"biz_result_code":"OLD_AWARD_SUCCESS","ext_info":"not json"}"#;
        let r = InviteAwardRequest::new().parse_response(node).unwrap();
        assert_eq!(r.ext_info.as_deref(), Some("not json"));
        assert_eq!(r.ext_info_json(), None);
    }

    #[test]
    fn response_without_biz_result_code_is_a_decode_error() {
        let e = InviteAwardRequest::new()
            .parse_response(r#"{"code":"10000","msg":"Success"}"#)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.message().contains("biz_result_code"), "{e}");
        let e = InviteAwardRequest::new().parse_response("[1]").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
    }

    #[test]
    fn biz_result_code_round_trips_the_wire_spelling() {
        for code in [
            "NEW_AWARD_SUCESS",
            "NEW_ALREADY_AWARD",
            "OLD_AWARD_SUCCESS",
            "OLD_AWARD_OVER_LIMIT",
            "ACTIVITY_PAUSE",
            "ACTIVITY_CLOSE",
            "INVALID_PARAMETER",
        ] {
            let parsed = BizResultCode::from(code);
            assert!(!matches!(parsed, BizResultCode::Other(_)), "{code}");
            assert_eq!(parsed.as_str(), code);
        }
    }

    #[test]
    fn correctly_spelled_new_award_success_is_accepted_and_written_with_the_typo() {
        let parsed = BizResultCode::from("NEW_AWARD_SUCCESS");
        assert_eq!(parsed, BizResultCode::NewAwardSuccess);
        assert_eq!(parsed.as_str(), "NEW_AWARD_SUCESS");
        assert!(BizResultCode::OldAwardSuccess.is_awarded());
        assert!(!BizResultCode::NewAlreadyAward.is_awarded());
    }

    #[test]
    fn user_attr_round_trips() {
        assert_eq!(UserAttr::from("OLD"), UserAttr::Old);
        assert_eq!(UserAttr::Old.to_string(), "OLD");
        assert!(UserAttr::New.is_new() && !UserAttr::Old.is_new());
    }
}
