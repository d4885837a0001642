//! `alipay.marketing.voucher.query` (one voucher by `voucher_id`) and `alipay.marketing.voucher.list.query` (a
//! user's vouchers of one template). Both are reads: they change nothing, so the client retries them like keyed
//! calls.
//!
//! Fields and enum values follow the official SDKs' models: `AlipayMarketingVoucherQueryModel`,
//! `AlipayMarketingVoucherQueryResponse`, `AlipayMarketingVoucherListQueryModel`,
//! `AlipayMarketingVoucherListQueryResponse` and `VoucherLiteInfo` (alipay-sdk-java-all, `com.alipay.api.domain` /
//! `com.alipay.api.response`; alipay-sdk-python-all, `alipay/aop/api/domain` / `response`).

use std::fmt;

use serde::Serialize;

use super::wire::{self, wire_enum};
use super::{ApiRequest, rules};
use crate::mask::mask_user_id;
use crate::{Error, Result};

/// The longest voucher id this SDK sends. The official model gives no limit; the gateway's ids are 28 characters.
const MAX_VOUCHER_ID: usize = 64;

wire_enum! {
    /// A voucher's `status`, as `AlipayMarketingVoucherQueryResponse` documents it (`VoucherLiteInfo` documents
    /// `ENABLED` and `DISABLED` only).
    pub enum VoucherStatus {
        /// `ENABLED`: usable (可用).
        Enabled => "ENABLED",
        /// `DISABLED`: not usable (不可用).
        Disabled => "DISABLED",
        /// `DELETE`: deleted.
        Delete => "DELETE",
        /// `TRANS`: being issued (发放中).
        Trans => "TRANS",
        /// `TRANSFER`: given to someone else (已转赠).
        Transfer => "TRANSFER",
        /// `UNC`: not yet collected (未领取).
        Unc => "UNC",
        /// `USED`: used (已使用).
        Used => "USED",
        /// `USING`: being used (使用中).
        Using => "USING",
        /// `REFUNDED`: refunded.
        Refunded => "REFUNDED",
        /// `REFUNDING`: being refunded.
        Refunding => "REFUNDING",
        /// `UNACTIVE`: not activated yet (未激活).
        Unactive => "UNACTIVE",
        /// `EXPIRED`: expired (已过期).
        Expired => "EXPIRED",
    }
}

/// Request of `alipay.marketing.voucher.query`: one voucher by the id `voucher.send` returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct VoucherQueryRequest {
    /// The voucher id (券ID) returned by `alipay.marketing.voucher.send`. Required.
    pub voucher_id: String,
}

impl VoucherQueryRequest {
    /// The gateway method.
    pub const METHOD: &'static str = "alipay.marketing.voucher.query";

    /// A query for the voucher `voucher_id`.
    pub fn new(voucher_id: impl Into<String>) -> Self {
        VoucherQueryRequest {
            voucher_id: voucher_id.into(),
        }
    }
}

impl ApiRequest for VoucherQueryRequest {
    type Response = VoucherDetail;

    fn method(&self) -> &str {
        Self::METHOD
    }

    fn validate(&self) -> Result<()> {
        rules::identifier("voucher_id", &self.voucher_id, MAX_VOUCHER_ID)
    }

    fn biz_content(&self) -> Result<String> {
        rules::biz_json(self)
    }

    fn read_only(&self) -> bool {
        true
    }

    fn parse_response(&self, node: &str) -> Result<VoucherDetail> {
        VoucherDetail::from_node(node)
    }
}

/// Result of `alipay.marketing.voucher.query`. Amounts are yuan text as sent (`"10.00"`); times are Beijing time
/// `yyyy-MM-dd HH:mm:ss` as sent. `Debug` masks `user_id` and `open_id`.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VoucherDetail {
    /// The voucher id (the one asked for).
    pub voucher_id: String,
    /// The template the voucher was issued from.
    pub template_id: Option<String>,
    /// The name the user sees.
    pub name: Option<String>,
    /// Where the voucher stands.
    pub status: VoucherStatus,
    /// Face value (券面额), yuan.
    pub total_amount: Option<String>,
    /// Remaining value (券余额), yuan.
    pub available_amount: Option<String>,
    /// The owner's Alipay user id.
    pub user_id: Option<String>,
    /// The owner's open_id, when the gateway returns it.
    pub open_id: Option<String>,
    /// When it was issued (券创建时间).
    pub gmt_create: Option<String>,
    /// When it becomes usable (券激活时间).
    pub gmt_active: Option<String>,
    /// When it stops being usable (券过期时间).
    pub gmt_expired: Option<String>,
    /// How many uses the voucher allows in all (newer models), when sent.
    pub total_count: Option<u64>,
    /// How many uses are left, when sent.
    pub available_count: Option<u64>,
    /// How many uses were made, when sent.
    pub used_count: Option<u64>,
    /// Usage notes, when sent.
    pub voucher_description: Option<String>,
    /// Extension information, a JSON text.
    pub extend_info: Option<String>,
}

impl VoucherDetail {
    fn from_node(node: &str) -> Result<Self> {
        let method = VoucherQueryRequest::METHOD;
        let n = wire::object(node, method)?;
        let status = wire::required_text(&n, "status", method)?;
        Ok(VoucherDetail {
            voucher_id: wire::required_text(&n, "voucher_id", method)?,
            template_id: wire::text(&n, "template_id"),
            name: wire::text(&n, "name"),
            status: VoucherStatus::from(status.as_str()),
            total_amount: wire::text(&n, "total_amount"),
            available_amount: wire::text(&n, "available_amount"),
            user_id: wire::text(&n, "user_id"),
            open_id: wire::text(&n, "open_id"),
            gmt_create: wire::text(&n, "gmt_create"),
            gmt_active: wire::text(&n, "gmt_active"),
            gmt_expired: wire::text(&n, "gmt_expired"),
            total_count: wire::count(&n, "total_count", method)?,
            available_count: wire::count(&n, "available_count", method)?,
            used_count: wire::count(&n, "used_count", method)?,
            voucher_description: wire::text(&n, "voucher_description"),
            extend_info: wire::text(&n, "extend_info"),
        })
    }
}

impl fmt::Debug for VoucherDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VoucherDetail")
            .field("voucher_id", &self.voucher_id)
            .field("template_id", &self.template_id)
            .field("name", &self.name)
            .field("status", &self.status)
            .field("total_amount", &self.total_amount)
            .field("available_amount", &self.available_amount)
            .field("user_id", &self.user_id.as_deref().map(mask_user_id))
            .field("open_id", &self.open_id.as_deref().map(mask_user_id))
            .field("gmt_create", &self.gmt_create)
            .field("gmt_active", &self.gmt_active)
            .field("gmt_expired", &self.gmt_expired)
            .field("total_count", &self.total_count)
            .field("available_count", &self.available_count)
            .field("used_count", &self.used_count)
            .finish_non_exhaustive()
    }
}

/// Request of `alipay.marketing.voucher.list.query`: the vouchers of template `template_id` that one user holds.
///
/// Give exactly one of `user_id` and `open_id` (the newer, app-scoped id). `Debug` masks both.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct VoucherListQueryRequest {
    /// The user's open_id for your app, at most 128 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
    /// The voucher template id, at most 28 characters. Required.
    pub template_id: String,
    /// The Alipay user id: 16 digits starting with 2088.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

impl VoucherListQueryRequest {
    /// The gateway method.
    pub const METHOD: &'static str = "alipay.marketing.voucher.list.query";

    /// The vouchers of `template_id` held by the Alipay user `user_id`.
    pub fn for_user_id(template_id: impl Into<String>, user_id: impl Into<String>) -> Self {
        VoucherListQueryRequest {
            template_id: template_id.into(),
            user_id: Some(user_id.into()),
            open_id: None,
        }
    }

    /// The vouchers of `template_id` held by the user with `open_id`.
    pub fn for_open_id(template_id: impl Into<String>, open_id: impl Into<String>) -> Self {
        VoucherListQueryRequest {
            template_id: template_id.into(),
            user_id: None,
            open_id: Some(open_id.into()),
        }
    }
}

impl fmt::Debug for VoucherListQueryRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VoucherListQueryRequest")
            .field("open_id", &self.open_id.as_deref().map(mask_user_id))
            .field("template_id", &self.template_id)
            .field("user_id", &self.user_id.as_deref().map(mask_user_id))
            .finish()
    }
}

impl ApiRequest for VoucherListQueryRequest {
    type Response = VoucherList;

    fn method(&self) -> &str {
        Self::METHOD
    }

    fn validate(&self) -> Result<()> {
        rules::identifier("template_id", &self.template_id, 28)?;
        match (&self.user_id, &self.open_id) {
            (None, None) => Err(Error::invalid_request(
                "user_id",
                "no user is set; give user_id or open_id (exactly one)",
            )),
            (Some(_), Some(_)) => Err(Error::invalid_request(
                "open_id",
                "both user_id and open_id are set; give exactly one of them",
            )),
            (Some(user_id), None) => rules::user_id("user_id", user_id),
            (None, Some(open_id)) => rules::identifier("open_id", open_id, 128),
        }
    }

    fn biz_content(&self) -> Result<String> {
        rules::biz_json(self)
    }

    fn read_only(&self) -> bool {
        true
    }

    fn parse_response(&self, node: &str) -> Result<VoucherList> {
        VoucherList::from_node(node)
    }
}

/// One entry of a voucher list (`VoucherLiteInfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VoucherLite {
    /// The voucher id.
    pub voucher_id: String,
    /// The template it was issued from.
    pub template_id: Option<String>,
    /// `ENABLED` or `DISABLED` (other values kept as sent).
    pub status: VoucherStatus,
    /// When it was issued, Beijing time `yyyy-MM-dd HH:mm:ss`.
    pub send_time: Option<String>,
}

/// Result of `alipay.marketing.voucher.list.query`: the user's vouchers of the template, possibly none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct VoucherList {
    /// The vouchers, as the gateway listed them.
    pub vouchers: Vec<VoucherLite>,
}

impl VoucherList {
    /// Whether the list holds the voucher `voucher_id`.
    pub fn contains(&self, voucher_id: &str) -> bool {
        self.vouchers.iter().any(|v| v.voucher_id == voucher_id)
    }

    fn from_node(node: &str) -> Result<Self> {
        let method = VoucherListQueryRequest::METHOD;
        let n = wire::object(node, method)?;
        let items = match n.get("vouchers") {
            None | Some(serde_json::Value::Null) => return Ok(VoucherList::default()),
            Some(serde_json::Value::Array(items)) => items,
            Some(_) => {
                return Err(Error::decode(format!(
                    "{method} response field vouchers is not a list"
                )));
            }
        };
        let vouchers = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let what = format!("{method} vouchers[{i}]");
                if !item.is_object() {
                    return Err(Error::decode(format!("{what} is not an object")));
                }
                let status = wire::text(item, "status").unwrap_or_default();
                Ok(VoucherLite {
                    voucher_id: wire::required_text(item, "voucher_id", &what)?,
                    template_id: wire::text(item, "template_id"),
                    status: VoucherStatus::from(status.as_str()),
                    send_time: wire::text(item, "send_time"),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(VoucherList { vouchers })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    const USER_ID: &str = "2088102146225135";

    fn field(r: &impl ApiRequest) -> String {
        let e = r.validate().expect_err("expected a validation error");
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        e.field().unwrap_or_default().to_owned()
    }

    #[test]
    fn voucher_query_needs_a_printable_voucher_id() {
        let r = VoucherQueryRequest::new("2016101200073002586200000001");
        assert!(r.validate().is_ok());
        assert_eq!(r.method(), "alipay.marketing.voucher.query");
        assert!(r.read_only());
        assert_eq!(
            r.biz_content().unwrap(),
            r#"{"voucher_id":"2016101200073002586200000001"}"#
        );
        assert_eq!(field(&VoucherQueryRequest::new("")), "voucher_id");
        assert_eq!(
            field(&VoucherQueryRequest::new("v".repeat(65))),
            "voucher_id"
        );
        assert_eq!(field(&VoucherQueryRequest::new(" v")), "voucher_id");
    }

    #[test]
    fn voucher_detail_reads_documented_fields_and_keeps_unknown_status() {
        let node = r#"{"code":"10000","msg":"Success","voucher_id":"V1","template_id":"T1","name":"10元代金券",
            "status":"ENABLED","total_amount":"10.00","available_amount":"10.00","user_id":"2088102146225135",
            "gmt_create":"2024-05-27 10:00:00","total_count":1,"used_count":"0"}"#;
        let d = VoucherQueryRequest::new("V1").parse_response(node).unwrap();
        assert_eq!(d.status, VoucherStatus::Enabled);
        assert_eq!(d.total_count, Some(1));
        assert_eq!(d.used_count, Some(0));
        assert_eq!(d.open_id, None);
        assert!(!format!("{d:?}").contains(USER_ID));
        let odd = VoucherQueryRequest::new("V1")
            .parse_response(r#"{"voucher_id":"V1","status":"FROZEN_BY_RISK"}"#)
            .unwrap();
        assert_eq!(odd.status, VoucherStatus::Other("FROZEN_BY_RISK".into()));
        assert_eq!(odd.status.as_str(), "FROZEN_BY_RISK");
        let e = VoucherQueryRequest::new("V1")
            .parse_response(r#"{"voucher_id":"V1"}"#)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.message().contains("status"), "{e}");
    }

    #[test]
    fn list_query_needs_exactly_one_user() {
        let ok = VoucherListQueryRequest::for_user_id("T1", USER_ID);
        assert!(ok.validate().is_ok());
        assert!(ok.read_only());
        assert_eq!(
            ok.biz_content().unwrap(),
            r#"{"template_id":"T1","user_id":"2088102146225135"}"#
        );
        assert!(
            VoucherListQueryRequest::for_open_id("T1", "074a1CcTG1")
                .validate()
                .is_ok()
        );
        let mut none = ok.clone();
        none.user_id = None;
        assert_eq!(field(&none), "user_id");
        let mut both = ok.clone();
        both.open_id = Some("074a1CcTG1".into());
        assert_eq!(field(&both), "open_id");
        assert_eq!(
            field(&VoucherListQueryRequest::for_user_id("T1", "2088")),
            "user_id"
        );
        assert_eq!(
            field(&VoucherListQueryRequest::for_user_id(
                "t".repeat(29),
                USER_ID
            )),
            "template_id"
        );
        assert!(!format!("{ok:?}").contains(USER_ID));
    }

    #[test]
    fn list_reads_vouchers_and_an_empty_list() {
        let r = VoucherListQueryRequest::for_user_id("T1", USER_ID);
        let list = r
            .parse_response(
                r#"{"code":"10000","msg":"Success","vouchers":[{"voucher_id":"V1","template_id":"T1",
                "status":"ENABLED","send_time":"2024-05-27 10:00:00"},{"voucher_id":"V2","status":"NEW_STATE"}]}"#,
            )
            .unwrap();
        assert_eq!(list.vouchers.len(), 2);
        assert!(list.contains("V2") && !list.contains("V3"));
        assert_eq!(
            list.vouchers[1].status,
            VoucherStatus::Other("NEW_STATE".into())
        );
        assert!(
            r.parse_response(r#"{"vouchers":[]}"#)
                .unwrap()
                .vouchers
                .is_empty()
        );
        assert!(
            r.parse_response(r#"{"code":"10000"}"#)
                .unwrap()
                .vouchers
                .is_empty()
        );
        let e = r
            .parse_response(r#"{"vouchers":[{"status":"ENABLED"}]}"#)
            .unwrap_err();
        assert!(
            e.message().contains("vouchers[0]") && e.message().contains("voucher_id"),
            "{e}"
        );
        assert!(r.parse_response(r#"{"vouchers":"V1"}"#).is_err());
    }
}
