//! `koubei.marketing.tool.points.update`: deposit, freeze, commit, cancel or consume points on a stamp-card
//! account (docs/protocol.md §8.3). `req_id` is the idempotency key.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

use super::{ApiRequest, rules};
use crate::mask::mask_user_id;
use crate::{Error, Result};

/// The largest `trans_amount` this SDK sends: the gateway's integer range (`i32::MAX`).
const MAX_TRANS_AMOUNT: u64 = i32::MAX as u64;

/// What a points update does (`trans_type`), sent as its upper-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum TransType {
    /// `DEPOSIT`: add points; `biz_no` is the trade no of the payment that earned them.
    Deposit,
    /// `FREEZE`: reserve points; the answer's `point_log_no` is the `biz_no` of the later COMMIT or CANCEL.
    Freeze,
    /// `COMMIT`: spend frozen points; `biz_no` is the `point_log_no` of the freeze.
    Commit,
    /// `CANCEL`: release frozen points; `biz_no` is the `point_log_no` of the freeze.
    Cancel,
    /// `CONSUME`: spend points directly.
    Consume,
}

impl TransType {
    /// Every trans type, in declaration order.
    pub const ALL: [TransType; 5] = [
        TransType::Deposit,
        TransType::Freeze,
        TransType::Commit,
        TransType::Cancel,
        TransType::Consume,
    ];

    /// The wire name, e.g. `"DEPOSIT"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TransType::Deposit => "DEPOSIT",
            TransType::Freeze => "FREEZE",
            TransType::Commit => "COMMIT",
            TransType::Cancel => "CANCEL",
            TransType::Consume => "CONSUME",
        }
    }
}

impl FromStr for TransType {
    type Err = Error;

    /// Parses a wire name, ignoring ASCII case (`"deposit"` is `Deposit`).
    fn from_str(s: &str) -> Result<Self> {
        TransType::ALL.into_iter().find(|t| t.as_str().eq_ignore_ascii_case(s)).ok_or_else(|| {
            Error::invalid_request(
                "trans_type",
                format!("{s:?} is not a trans type; use one of DEPOSIT, FREEZE, COMMIT, CANCEL, CONSUME"),
            )
        })
    }
}

impl fmt::Display for TransType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Request of `koubei.marketing.tool.points.update`.
///
/// `biz_no` depends on `trans_type`: required for DEPOSIT (the payment trade no) and for COMMIT and CANCEL (the
/// `point_log_no` of the freeze), and must be unset for FREEZE and CONSUME. `shop_id` is for DEPOSIT only.
/// `trans_amount` is a whole number of points from 1 to 2147483647 (`i32::MAX`), sent as a JSON string.
///
/// `Debug` masks the user id.
///
/// ```
/// use alipay_marketing::api::points::{PointsUpdateRequest, TransType};
/// let request = PointsUpdateRequest::new("req-0001", "2088102146225135", "stamp-card-01", TransType::Deposit, 10)
///     .biz_no("2024052722001400000000000001");
/// ```
#[derive(Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PointsUpdateRequest {
    /// The stamp-card (points) account of the activity, at most 64 characters. Required.
    pub activity_account: String,
    /// DEPOSIT: the payment trade no; COMMIT/CANCEL: the `point_log_no` of the freeze; at most 64 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub biz_no: Option<String>,
    /// Extension information, at most 2000 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ext_info: Option<String>,
    /// Note, at most 256 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    /// Your request id, at most 64 characters; the idempotency key. Required.
    pub req_id: String,
    /// The shop the points were earned in, at most 64 characters; DEPOSIT only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shop_id: Option<String>,
    /// Points to move: 1 to 2147483647. Sent as a string, as the gateway documents.
    #[serde(serialize_with = "decimal_string")]
    pub trans_amount: u64,
    /// What the update does.
    pub trans_type: TransType,
    /// The Alipay user id: 16 digits starting with 2088. Required.
    pub user_id: String,
}

/// Writes a number as a JSON string (`10` → `"10"`).
/// `trans_amount` from a whole number written in decimal digits, for a face whose integers are unbounded (Python):
/// any value out of range is refused with the number as given, never a clamped or wrapped one.
pub fn trans_amount_from_decimal(digits: &str) -> Result<u64> {
    let digits = digits.trim();
    if digits.starts_with('-') {
        return Err(Error::invalid_request(
            "trans_amount",
            format!(
                "is {digits}, a negative number; it must be a whole number of points from 1 to \
                 {MAX_TRANS_AMOUNT}"
            ),
        ));
    }
    let amount = match digits.parse::<u64>() {
        Ok(n) if n <= MAX_TRANS_AMOUNT => n,
        _ => {
            return Err(Error::invalid_request(
                "trans_amount",
                format!("is {digits}; this SDK allows at most {MAX_TRANS_AMOUNT} (i32::MAX)"),
            ));
        }
    };
    if amount == 0 {
        return Err(Error::invalid_request(
            "trans_amount",
            format!("is 0; it must be a whole number of points from 1 to {MAX_TRANS_AMOUNT}"),
        ));
    }
    Ok(amount)
}

fn decimal_string<S: Serializer>(
    value: &u64,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

impl Default for PointsUpdateRequest {
    /// An empty DEPOSIT of 0 points; it fails validation until the required fields are set.
    fn default() -> Self {
        PointsUpdateRequest {
            activity_account: String::new(),
            biz_no: None,
            ext_info: None,
            memo: None,
            req_id: String::new(),
            shop_id: None,
            trans_amount: 0,
            trans_type: TransType::Deposit,
            user_id: String::new(),
        }
    }
}

impl PointsUpdateRequest {
    /// The gateway method.
    pub const METHOD: &'static str = "koubei.marketing.tool.points.update";

    /// A request with every required field; add `biz_no` for DEPOSIT, COMMIT and CANCEL.
    pub fn new(
        req_id: impl Into<String>,
        user_id: impl Into<String>,
        activity_account: impl Into<String>,
        trans_type: TransType,
        trans_amount: u64,
    ) -> Self {
        PointsUpdateRequest {
            req_id: req_id.into(),
            user_id: user_id.into(),
            activity_account: activity_account.into(),
            trans_type,
            trans_amount,
            ..Self::default()
        }
    }

    /// Sets `biz_no`: the payment trade no (DEPOSIT) or the `point_log_no` of the freeze (COMMIT, CANCEL).
    pub fn biz_no(mut self, biz_no: impl Into<String>) -> Self {
        self.biz_no = Some(biz_no.into());
        self
    }

    /// Sets the shop id (DEPOSIT only).
    pub fn shop_id(mut self, shop_id: impl Into<String>) -> Self {
        self.shop_id = Some(shop_id.into());
        self
    }

    /// Sets the memo.
    pub fn memo(mut self, memo: impl Into<String>) -> Self {
        self.memo = Some(memo.into());
        self
    }

    /// Sets the extension information.
    pub fn ext_info(mut self, ext_info: impl Into<String>) -> Self {
        self.ext_info = Some(ext_info.into());
        self
    }

    /// Checks `biz_no` against `trans_type`.
    fn check_biz_no(&self) -> Result<()> {
        let t = self.trans_type;
        let what = match t {
            TransType::Deposit => "the trade no of the payment that earned the points",
            TransType::Commit | TransType::Cancel => "the point_log_no returned by the FREEZE",
            TransType::Freeze | TransType::Consume => {
                if self.biz_no.is_some() {
                    return Err(Error::invalid_request(
                        "biz_no",
                        format!(
                            "must be unset for {t}; it is only for DEPOSIT (the payment trade no) and \
                             COMMIT/CANCEL (the point_log_no of the freeze)"
                        ),
                    ));
                }
                return Ok(());
            }
        };
        match self.biz_no.as_deref() {
            None => Err(Error::invalid_request(
                "biz_no",
                format!("is required for {t}: give {what}"),
            )),
            Some(biz_no) => rules::optional_identifier("biz_no", Some(biz_no), 64),
        }
    }
}

impl fmt::Debug for PointsUpdateRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PointsUpdateRequest")
            .field("activity_account", &self.activity_account)
            .field("biz_no", &self.biz_no)
            .field("ext_info", &self.ext_info)
            .field("memo", &self.memo)
            .field("req_id", &self.req_id)
            .field("shop_id", &self.shop_id)
            .field("trans_amount", &self.trans_amount)
            .field("trans_type", &self.trans_type)
            .field("user_id", &mask_user_id(&self.user_id))
            .finish()
    }
}

impl ApiRequest for PointsUpdateRequest {
    type Response = PointsUpdateResponse;

    fn method(&self) -> &str {
        Self::METHOD
    }

    fn validate(&self) -> Result<()> {
        rules::identifier("req_id", &self.req_id, 64)?;
        rules::user_id("user_id", &self.user_id)?;
        rules::identifier("activity_account", &self.activity_account, 64)?;
        if self.trans_amount == 0 {
            return Err(Error::invalid_request(
                "trans_amount",
                "is 0; it must be a whole number of points from 1 to 2147483647",
            ));
        }
        if self.trans_amount > MAX_TRANS_AMOUNT {
            return Err(Error::invalid_request(
                "trans_amount",
                format!(
                    "is {}; this SDK allows at most {MAX_TRANS_AMOUNT} (i32::MAX)",
                    self.trans_amount
                ),
            ));
        }
        self.check_biz_no()?;
        if self.shop_id.is_some() && self.trans_type != TransType::Deposit {
            return Err(Error::invalid_request(
                "shop_id",
                format!(
                    "is only for DEPOSIT; leave it unset for {}",
                    self.trans_type
                ),
            ));
        }
        rules::optional_identifier("shop_id", self.shop_id.as_deref(), 64)?;
        if let Some(memo) = &self.memo {
            rules::free_text("memo", memo, 256)?;
        }
        if let Some(ext_info) = &self.ext_info {
            rules::free_text("ext_info", ext_info, 2000)?;
        }
        Ok(())
    }

    fn biz_content(&self) -> Result<String> {
        rules::biz_json(self)
    }

    fn idempotency_key(&self) -> Option<&str> {
        Some(&self.req_id)
    }

    fn parse_response(&self, node: &str) -> Result<PointsUpdateResponse> {
        PointsUpdateResponse::from_node(node)
    }
}

/// Result of `koubei.marketing.tool.points.update`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PointsUpdateResponse {
    /// The number of this points movement; after a FREEZE, the `biz_no` of its COMMIT or CANCEL.
    pub point_log_no: String,
}

/// The response node as sent: every field optional, unknown fields ignored.
#[derive(Deserialize)]
struct PointsUpdateNode {
    point_log_no: Option<String>,
}

impl PointsUpdateResponse {
    fn from_node(node: &str) -> Result<Self> {
        let method = PointsUpdateRequest::METHOD;
        let n: PointsUpdateNode = serde_json::from_str(node).map_err(|e| {
            Error::decode(format!(
                "{method} response node is not the documented object: {e}"
            ))
        })?;
        let point_log_no = n
            .point_log_no
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::decode(format!("{method} response has no point_log_no")))?;
        Ok(PointsUpdateResponse { point_log_no })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    const USER_ID: &str = "2088102146225135";

    fn request(trans_type: TransType) -> PointsUpdateRequest {
        let r = PointsUpdateRequest::new("req-0001", USER_ID, "card-01", trans_type, 10);
        match trans_type {
            TransType::Deposit | TransType::Commit | TransType::Cancel => r.biz_no("biz-0001"),
            _ => r,
        }
    }

    fn error(r: &PointsUpdateRequest) -> Error {
        let e = r.validate().expect_err("expected a validation error");
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        e
    }

    #[test]
    fn method_is_the_gateway_method() {
        assert_eq!(
            request(TransType::Deposit).method(),
            "koubei.marketing.tool.points.update"
        );
    }

    #[test]
    fn every_trans_type_validates_with_its_biz_no_rule() {
        for t in TransType::ALL {
            assert!(request(t).validate().is_ok(), "{t}");
        }
    }

    #[test]
    fn biz_no_is_required_for_deposit_commit_and_cancel() {
        for t in [TransType::Deposit, TransType::Commit, TransType::Cancel] {
            let mut r = request(t);
            r.biz_no = None;
            let e = error(&r);
            assert_eq!(e.field(), Some("biz_no"));
            assert!(e.message().contains(&format!("is required for {t}")), "{e}");
        }
        assert!(
            error(&request(TransType::Commit).biz_no(""))
                .message()
                .contains("leave it unset")
        );
    }

    #[test]
    fn biz_no_is_forbidden_for_freeze_and_consume() {
        for t in [TransType::Freeze, TransType::Consume] {
            let e = error(&request(t).biz_no("biz-0001"));
            assert_eq!(e.field(), Some("biz_no"));
            assert!(
                e.message().contains(&format!("must be unset for {t}")),
                "{e}"
            );
        }
    }

    #[test]
    fn biz_no_allows_at_most_64_characters() {
        assert!(
            request(TransType::Deposit)
                .biz_no("b".repeat(64))
                .validate()
                .is_ok()
        );
        assert_eq!(
            error(&request(TransType::Deposit).biz_no("b".repeat(65))).field(),
            Some("biz_no")
        );
    }

    #[test]
    fn shop_id_is_only_for_deposit_and_at_most_64_characters() {
        assert!(
            request(TransType::Deposit)
                .shop_id("s".repeat(64))
                .validate()
                .is_ok()
        );
        assert_eq!(
            error(&request(TransType::Deposit).shop_id("s".repeat(65))).field(),
            Some("shop_id")
        );
        let e = error(&request(TransType::Consume).shop_id("s1"));
        assert_eq!(e.field(), Some("shop_id"));
        assert!(
            e.message().contains("only for DEPOSIT") && e.message().contains("CONSUME"),
            "{e}"
        );
    }

    #[test]
    fn required_fields_must_not_be_blank_and_respect_their_limits() {
        let mut r = request(TransType::Consume);
        r.req_id = "r".repeat(64);
        r.activity_account = "a".repeat(64);
        assert!(r.validate().is_ok());
        for (field, set) in [
            (
                "req_id",
                (|r: &mut PointsUpdateRequest| r.req_id = " ".into())
                    as fn(&mut PointsUpdateRequest),
            ),
            ("req_id", |r| r.req_id = "r".repeat(65)),
            ("activity_account", |r| r.activity_account = String::new()),
            ("activity_account", |r| r.activity_account = "a".repeat(65)),
            ("user_id", |r| r.user_id = String::new()),
            ("user_id", |r| r.user_id = "208810214622513".into()),
        ] {
            let mut r = request(TransType::Consume);
            set(&mut r);
            assert_eq!(error(&r).field(), Some(field));
        }
    }

    #[test]
    fn trans_amount_must_be_from_1_to_i32_max() {
        let mut r = request(TransType::Consume);
        for ok in [1, 2_147_483_647] {
            r.trans_amount = ok;
            assert!(r.validate().is_ok(), "{ok}");
        }
        r.trans_amount = 0;
        assert!(error(&r).message().contains("trans_amount: is 0"));
        r.trans_amount = 2_147_483_648;
        assert!(error(&r).message().contains("at most 2147483647"));
    }

    #[test]
    fn memo_and_ext_info_limits() {
        let r = request(TransType::Consume);
        assert!(
            r.clone()
                .memo("积".repeat(256))
                .ext_info("e".repeat(2000))
                .validate()
                .is_ok()
        );
        assert_eq!(
            error(&r.clone().memo("积".repeat(257))).field(),
            Some("memo")
        );
        assert_eq!(
            error(&r.ext_info("e".repeat(2001))).field(),
            Some("ext_info")
        );
    }

    #[test]
    fn biz_content_sends_trans_amount_as_a_string_and_omits_absent_fields() {
        let r = request(TransType::Deposit)
            .shop_id("shop-1")
            .memo("首单/加积分");
        assert_eq!(
            r.biz_content().unwrap(),
            r#"{"activity_account":"card-01","biz_no":"biz-0001","memo":"首单/加积分","req_id":"req-0001","shop_id":"shop-1","trans_amount":"10","trans_type":"DEPOSIT","user_id":"2088102146225135"}"#
        );
        assert_eq!(
            request(TransType::Freeze).biz_content().unwrap(),
            r#"{"activity_account":"card-01","req_id":"req-0001","trans_amount":"10","trans_type":"FREEZE","user_id":"2088102146225135"}"#
        );
    }

    #[test]
    fn idempotency_key_is_req_id() {
        assert_eq!(
            request(TransType::Freeze).idempotency_key(),
            Some("req-0001")
        );
    }

    #[test]
    fn debug_masks_user_id() {
        let text = format!("{:?}", request(TransType::Freeze));
        assert!(
            text.contains("2088****5135") && !text.contains(USER_ID),
            "{text}"
        );
    }

    #[test]
    fn trans_type_parses_any_case_and_displays_the_wire_name() {
        for t in TransType::ALL {
            assert_eq!(t.as_str().parse::<TransType>().unwrap(), t);
            assert_eq!(t.as_str().to_lowercase().parse::<TransType>().unwrap(), t);
            assert_eq!(t.to_string(), t.as_str());
        }
        let e = "REFUND".parse::<TransType>().unwrap_err();
        assert_eq!(e.field(), Some("trans_type"));
        assert!(
            e.message()
                .contains("DEPOSIT, FREEZE, COMMIT, CANCEL, CONSUME"),
            "{e}"
        );
    }

    #[test]
    fn response_parses_point_log_no_and_ignores_unknown_fields() {
        let node =
            r#"{"code":"10000","msg":"Success","point_log_no":"20161114000000010021","extra":1}"#;
        let r = request(TransType::Freeze).parse_response(node).unwrap();
        assert_eq!(r.point_log_no, "20161114000000010021");
    }

    #[test]
    fn response_without_point_log_no_is_a_decode_error() {
        let e = request(TransType::Freeze)
            .parse_response(r#"{"code":"10000","msg":"Success"}"#)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.message().contains("point_log_no"), "{e}");
    }
}
