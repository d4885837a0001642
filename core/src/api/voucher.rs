//! `alipay.marketing.voucher.send`: send one voucher of a template to a user (docs/protocol.md §8.2).
//!
//! `template_id` + `out_biz_no` make the gateway's idempotency key: sending the same pair again returns the voucher
//! already sent instead of a second one.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{ApiRequest, rules};
use crate::mask::{mask_mobile, mask_user_id};
use crate::{Error, Result};

/// The only key the gateway allows in `extend_info`.
const MINI_APP_TOKEN_KEY: &str = "alipayMiniAppToken";

/// Request of `alipay.marketing.voucher.send`.
///
/// **Recipient.** Set at least one of `user_id`, `login_id`, `taobao_nick`, `open_id`. The gateway documents the
/// priority user_id > login_id > taobao_nick; this SDK puts `open_id` last. When several are set, only the
/// highest-priority one is sent in `biz_content`; every field that is set is still validated.
///
/// `Debug` masks the recipient fields and hides `extend_info` (it holds a token).
///
/// ```
/// use alipay_marketing::api::voucher::VoucherSendRequest;
/// let request = VoucherSendRequest::new("20240527000000123456", "order-0001")
///     .user_id("2088102146225135")
///     .memo("新客礼券");
/// ```
#[derive(Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct VoucherSendRequest {
    /// Amount in yuan, `#.00` (e.g. `"10.00"`), more than 0.00 and at most 8 integer digits. Only for red-packet
    /// (红包) templates; the gateway refuses it for others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    /// A JSON object text whose only allowed key is `alipayMiniAppToken`; see
    /// [`VoucherSendRequest::alipay_mini_app_token`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extend_info: Option<String>,
    /// Alipay login id (a mobile number or e-mail), at most 100 characters. Second in priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_id: Option<String>,
    /// Note shown with the voucher, at most 128 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    /// The user's open_id for your app, at most 128 characters. Last in priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
    /// Your business number, at most 64 characters; with `template_id`, the idempotency key. Required.
    pub out_biz_no: String,
    /// Taobao nickname, at most 100 characters. Third in priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taobao_nick: Option<String>,
    /// The voucher template id, at most 28 characters. Required.
    pub template_id: String,
    /// The Alipay user id: 16 digits starting with 2088. First in priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

impl VoucherSendRequest {
    /// The gateway method.
    pub const METHOD: &'static str = "alipay.marketing.voucher.send";

    /// A request for template `template_id` with business number `out_biz_no`; set a recipient before sending.
    pub fn new(template_id: impl Into<String>, out_biz_no: impl Into<String>) -> Self {
        VoucherSendRequest {
            template_id: template_id.into(),
            out_biz_no: out_biz_no.into(),
            ..Self::default()
        }
    }

    /// Sets the recipient's Alipay user id (highest priority).
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// Sets the recipient's Alipay login id (mobile or e-mail).
    pub fn login_id(mut self, login_id: impl Into<String>) -> Self {
        self.login_id = Some(login_id.into());
        self
    }

    /// Sets the recipient's Taobao nickname.
    pub fn taobao_nick(mut self, taobao_nick: impl Into<String>) -> Self {
        self.taobao_nick = Some(taobao_nick.into());
        self
    }

    /// Sets the recipient's open_id (lowest priority).
    pub fn open_id(mut self, open_id: impl Into<String>) -> Self {
        self.open_id = Some(open_id.into());
        self
    }

    /// Sets the amount in yuan, e.g. `"10.00"` (red-packet templates only).
    pub fn amount(mut self, amount: impl Into<String>) -> Self {
        self.amount = Some(amount.into());
        self
    }

    /// Sets the memo.
    pub fn memo(mut self, memo: impl Into<String>) -> Self {
        self.memo = Some(memo.into());
        self
    }

    /// Sets `extend_info` as given: a JSON object text with only the key `alipayMiniAppToken`.
    pub fn extend_info(mut self, extend_info: impl Into<String>) -> Self {
        self.extend_info = Some(extend_info.into());
        self
    }

    /// Sets `extend_info` to `{"alipayMiniAppToken":"<token>"}`.
    pub fn alipay_mini_app_token(mut self, token: impl Into<String>) -> Self {
        let object = serde_json::json!({ MINI_APP_TOKEN_KEY: token.into() });
        self.extend_info = Some(object.to_string());
        self
    }
}

impl fmt::Debug for VoucherSendRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VoucherSendRequest")
            .field("amount", &self.amount)
            .field(
                "extend_info",
                &self.extend_info.as_ref().map(|_| "<redacted>"),
            )
            .field("login_id", &self.login_id.as_deref().map(mask_mobile))
            .field("memo", &self.memo)
            .field("open_id", &self.open_id.as_deref().map(mask_user_id))
            .field("out_biz_no", &self.out_biz_no)
            .field(
                "taobao_nick",
                &self.taobao_nick.as_deref().map(mask_user_id),
            )
            .field("template_id", &self.template_id)
            .field("user_id", &self.user_id.as_deref().map(mask_user_id))
            .finish()
    }
}

impl ApiRequest for VoucherSendRequest {
    type Response = VoucherSendResponse;

    fn method(&self) -> &str {
        Self::METHOD
    }

    fn validate(&self) -> Result<()> {
        rules::identifier("template_id", &self.template_id, 28)?;
        rules::identifier("out_biz_no", &self.out_biz_no, 64)?;
        if self.user_id.is_none()
            && self.login_id.is_none()
            && self.taobao_nick.is_none()
            && self.open_id.is_none()
        {
            return Err(Error::invalid_request(
                "user_id",
                "no recipient is set; give user_id, login_id, taobao_nick or open_id",
            ));
        }
        if let Some(user_id) = &self.user_id {
            rules::user_id("user_id", user_id)?;
        }
        rules::optional_identifier("login_id", self.login_id.as_deref(), 100)?;
        rules::optional_identifier("taobao_nick", self.taobao_nick.as_deref(), 100)?;
        rules::optional_identifier("open_id", self.open_id.as_deref(), 128)?;
        if let Some(amount) = &self.amount {
            check_amount(amount)?;
        }
        if let Some(memo) = &self.memo {
            rules::free_text("memo", memo, 128)?;
        }
        if let Some(extend_info) = &self.extend_info {
            check_extend_info(extend_info)?;
        }
        Ok(())
    }

    fn biz_content(&self) -> Result<String> {
        let mut sent = self.clone();
        // Keep only the highest-priority recipient: user_id > login_id > taobao_nick > open_id.
        if sent.user_id.is_some() {
            sent.login_id = None;
        }
        if sent.user_id.is_some() || sent.login_id.is_some() {
            sent.taobao_nick = None;
        }
        if sent.user_id.is_some() || sent.login_id.is_some() || sent.taobao_nick.is_some() {
            sent.open_id = None;
        }
        rules::biz_json(&sent)
    }

    fn idempotency_key(&self) -> Option<&str> {
        Some(&self.out_biz_no)
    }

    fn parse_response(&self, node: &str) -> Result<VoucherSendResponse> {
        VoucherSendResponse::from_node(node)
    }
}

/// Yuan with exactly two decimals: `0.01` to `99999999.99`, no sign, no leading zeros.
fn check_amount(amount: &str) -> Result<()> {
    let well_formed = amount.split_once('.').is_some_and(|(int, frac)| {
        !int.is_empty()
            && int.bytes().all(|b| b.is_ascii_digit())
            && (int == "0" || !int.starts_with('0'))
            && frac.len() == 2
            && frac.bytes().all(|b| b.is_ascii_digit())
    });
    if !well_formed {
        return Err(Error::invalid_request(
            "amount",
            format!(
                "{amount:?} is not yuan with exactly two decimals; write it like \"10.00\" or \"0.50\" \
                 (no sign, no leading zeros)"
            ),
        ));
    }
    let integer_digits = amount.len() - 3;
    if integer_digits > 8 {
        return Err(Error::invalid_request(
            "amount",
            format!(
                "has {integer_digits} integer digits; this SDK allows at most 8 (99999999.99 yuan)"
            ),
        ));
    }
    if amount.bytes().all(|b| b == b'0' || b == b'.') {
        return Err(Error::invalid_request("amount", "must be more than 0.00"));
    }
    Ok(())
}

/// A JSON object text whose keys are all `alipayMiniAppToken`. The message never repeats the token.
fn check_extend_info(extend_info: &str) -> Result<()> {
    let parsed: Option<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_str(extend_info).ok();
    let Some(object) = parsed else {
        return Err(Error::invalid_request(
            "extend_info",
            "must be a JSON object text, e.g. {\"alipayMiniAppToken\":\"...\"}",
        ));
    };
    if let Some(key) = object.keys().find(|k| k.as_str() != MINI_APP_TOKEN_KEY) {
        return Err(Error::invalid_request(
            "extend_info",
            format!("has the key {key:?}; the gateway allows only {MINI_APP_TOKEN_KEY}"),
        ));
    }
    Ok(())
}

/// Result of `alipay.marketing.voucher.send`. `Debug` masks `user_id` and `open_id`.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct VoucherSendResponse {
    /// The id of the voucher sent (or, on a replay of the same `out_biz_no`, of the one sent before).
    pub voucher_id: String,
    /// The recipient's Alipay user id, when the gateway returns it.
    pub user_id: Option<String>,
    /// The recipient's open_id, when the gateway returns it.
    pub open_id: Option<String>,
}

/// The response node as sent: every field optional, unknown fields ignored.
#[derive(Deserialize)]
struct VoucherSendNode {
    voucher_id: Option<String>,
    user_id: Option<String>,
    open_id: Option<String>,
}

impl VoucherSendResponse {
    fn from_node(node: &str) -> Result<Self> {
        let method = VoucherSendRequest::METHOD;
        let n: VoucherSendNode = serde_json::from_str(node).map_err(|e| {
            Error::decode(format!(
                "{method} response node is not the documented object: {e}"
            ))
        })?;
        let voucher_id = n
            .voucher_id
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::decode(format!("{method} response has no voucher_id")))?;
        Ok(VoucherSendResponse {
            voucher_id,
            user_id: n.user_id.filter(|v| !v.is_empty()),
            open_id: n.open_id.filter(|v| !v.is_empty()),
        })
    }
}

impl fmt::Debug for VoucherSendResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VoucherSendResponse")
            .field("voucher_id", &self.voucher_id)
            .field("user_id", &self.user_id.as_deref().map(mask_user_id))
            .field("open_id", &self.open_id.as_deref().map(mask_user_id))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    const USER_ID: &str = "2088102146225135";
    const OPEN_ID: &str = "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo";

    fn request() -> VoucherSendRequest {
        VoucherSendRequest::new("20240527000000123456", "order-0001").user_id(USER_ID)
    }

    fn invalid_field(request: &VoucherSendRequest) -> String {
        let e = request.validate().expect_err("expected a validation error");
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        e.field().unwrap_or_default().to_owned()
    }

    fn message(request: &VoucherSendRequest) -> String {
        request
            .validate()
            .expect_err("expected a validation error")
            .to_string()
    }

    #[test]
    fn method_is_the_gateway_method() {
        assert_eq!(request().method(), "alipay.marketing.voucher.send");
        assert!(request().validate().is_ok());
    }

    #[test]
    fn template_id_is_required_and_at_most_28_characters() {
        let mut r = request();
        r.template_id = "t".repeat(28);
        assert!(r.validate().is_ok());
        r.template_id = "t".repeat(29);
        assert!(
            message(&r).contains("template_id: is 29 characters; the gateway allows at most 28")
        );
        r.template_id = "  ".into();
        assert!(message(&r).contains("template_id: is empty"));
    }

    #[test]
    fn out_biz_no_is_required_and_at_most_64_characters() {
        let mut r = request();
        r.out_biz_no = "n".repeat(64);
        assert!(r.validate().is_ok());
        r.out_biz_no = "n".repeat(65);
        assert_eq!(invalid_field(&r), "out_biz_no");
        r.out_biz_no = String::new();
        assert!(message(&r).contains("out_biz_no: is empty"));
        r.out_biz_no = "order-1 ".into();
        assert_eq!(invalid_field(&r), "out_biz_no");
    }

    #[test]
    fn a_recipient_is_required() {
        let r = VoucherSendRequest::new("t1", "n1");
        assert!(message(&r).contains("give user_id, login_id, taobao_nick or open_id"));
        for r in [
            VoucherSendRequest::new("t1", "n1").login_id("someone@example.com"),
            VoucherSendRequest::new("t1", "n1").taobao_nick("淘宝用户"),
            VoucherSendRequest::new("t1", "n1").open_id(OPEN_ID),
        ] {
            assert!(r.validate().is_ok(), "{r:?}");
        }
        assert_eq!(
            invalid_field(&VoucherSendRequest::new("t1", "n1").login_id("")),
            "login_id"
        );
    }

    #[test]
    fn recipient_limits_are_checked_on_both_sides() {
        let base = VoucherSendRequest::new("t1", "n1");
        assert!(base.clone().login_id("l".repeat(100)).validate().is_ok());
        assert_eq!(
            invalid_field(&base.clone().login_id("l".repeat(101))),
            "login_id"
        );
        assert!(
            base.clone()
                .taobao_nick("昵".repeat(100))
                .validate()
                .is_ok()
        );
        assert_eq!(
            invalid_field(&base.clone().taobao_nick("昵".repeat(101))),
            "taobao_nick"
        );
        assert!(base.clone().open_id("o".repeat(128)).validate().is_ok());
        assert_eq!(
            invalid_field(&base.clone().open_id("o".repeat(129))),
            "open_id"
        );
        assert_eq!(invalid_field(&base.user_id("2088")), "user_id");
    }

    #[test]
    fn lower_priority_recipients_are_validated_even_when_not_sent() {
        assert_eq!(
            invalid_field(&request().open_id("o".repeat(129))),
            "open_id"
        );
    }

    #[test]
    fn amount_must_be_yuan_with_two_decimals() {
        for ok in ["0.01", "0.50", "10.00", "99999999.99"] {
            assert!(request().amount(ok).validate().is_ok(), "{ok}");
        }
        for bad in [
            "10", "10.0", "10.000", ".50", "010.00", "00.50", "-1.00", "+1.00", "1,00", "1.0a",
            " 1.00", "１.00",
        ] {
            let m = message(&request().amount(bad));
            assert!(
                m.contains("amount: ") && m.contains("exactly two decimals"),
                "{bad}: {m}"
            );
        }
        assert!(message(&request().amount("0.00")).contains("more than 0.00"));
        assert!(message(&request().amount("100000000.00")).contains("at most 8"));
    }

    #[test]
    fn memo_allows_at_most_128_characters() {
        assert!(request().memo("券".repeat(128)).validate().is_ok());
        assert!(message(&request().memo("券".repeat(129))).contains("memo: is 129 characters"));
    }

    #[test]
    fn extend_info_allows_only_the_mini_app_token_key() {
        assert!(
            request()
                .extend_info(r#"{"alipayMiniAppToken":"tok"}"#)
                .validate()
                .is_ok()
        );
        assert!(request().alipay_mini_app_token("tok").validate().is_ok());
        let m = message(&request().extend_info(r#"{"alipayMiniAppToken":"tok","other":1}"#));
        assert!(m.contains(r#"has the key "other""#), "{m}");
        for bad in ["", "tok", "[1]", r#""alipayMiniAppToken""#] {
            assert!(
                message(&request().extend_info(bad)).contains("must be a JSON object"),
                "{bad}"
            );
        }
    }

    #[test]
    fn biz_content_is_compact_alphabetical_and_keeps_chinese_and_slashes() {
        let r = request().memo("新客礼券/满100减10").amount("10.00");
        assert_eq!(
            r.biz_content().unwrap(),
            r#"{"amount":"10.00","memo":"新客礼券/满100减10","out_biz_no":"order-0001","template_id":"20240527000000123456","user_id":"2088102146225135"}"#
        );
    }

    #[test]
    fn biz_content_sends_only_the_highest_priority_recipient() {
        let all = request()
            .login_id("a@b.com")
            .taobao_nick("nick")
            .open_id(OPEN_ID);
        let sent = |r: &VoucherSendRequest| {
            let v: serde_json::Value = serde_json::from_str(&r.biz_content().unwrap()).unwrap();
            let keys = ["user_id", "login_id", "taobao_nick", "open_id"];
            keys.into_iter()
                .filter(|k| v.get(k).is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(sent(&all), ["user_id"]);
        let mut r = all.clone();
        r.user_id = None;
        assert_eq!(sent(&r), ["login_id"]);
        r.login_id = None;
        assert_eq!(sent(&r), ["taobao_nick"]);
        r.taobao_nick = None;
        assert_eq!(sent(&r), ["open_id"]);
    }

    #[test]
    fn mini_app_token_setter_writes_the_documented_object() {
        let r = request().alipay_mini_app_token("a\"b");
        assert_eq!(
            r.extend_info.as_deref(),
            Some(r#"{"alipayMiniAppToken":"a\"b"}"#)
        );
    }

    #[test]
    fn idempotency_key_is_out_biz_no() {
        assert_eq!(request().idempotency_key(), Some("order-0001"));
    }

    #[test]
    fn debug_masks_recipients_and_hides_extend_info() {
        let r = request()
            .login_id("18612341111")
            .open_id(OPEN_ID)
            .alipay_mini_app_token("secret-token");
        let text = format!("{r:?}");
        for hidden in [USER_ID, "18612341111", OPEN_ID, "secret-token"] {
            assert!(!text.contains(hidden), "{hidden} in {text}");
        }
        assert!(
            text.contains("2088****5135") && text.contains("186****1111"),
            "{text}"
        );
    }

    #[test]
    fn response_parses_voucher_id_user_id_and_open_id() {
        let node = r#"{"code":"10000","msg":"Success","voucher_id":"2016101200073002586200000001","user_id":"2088102146225135","open_id":"","new_field":{}}"#;
        let r = request().parse_response(node).unwrap();
        assert_eq!(r.voucher_id, "2016101200073002586200000001");
        assert_eq!(r.user_id.as_deref(), Some(USER_ID));
        assert_eq!(r.open_id, None);
        assert!(!format!("{r:?}").contains(USER_ID));
    }

    #[test]
    fn response_without_voucher_id_is_a_decode_error() {
        for node in [
            r#"{"code":"10000","msg":"Success"}"#,
            r#"{"voucher_id":""}"#,
        ] {
            let e = request().parse_response(node).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Decode);
            assert!(e.message().contains("voucher_id"), "{e}");
        }
        let e = request().parse_response(r#"{"voucher_id":7}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
    }
}
