//! `alipay.marketing.voucher.templatedetail.query`: a voucher template's status, publish window, quantity and
//! publish/used counts. A read: the client retries it like a keyed call. [`crate::Client::check_template`] builds
//! the campaign preflight on it.
//!
//! Fields and enum values follow `AlipayMarketingVoucherTemplatedetailQueryModel` and
//! `AlipayMarketingVoucherTemplatedetailQueryResponse` (alipay-sdk-java-all `com.alipay.api.domain` /
//! `com.alipay.api.response`; alipay-sdk-python-all `alipay/aop/api/domain` / `response`).

use serde::Serialize;

use super::wire::{self, wire_enum};
use super::{ApiRequest, rules};
use crate::Result;

wire_enum! {
    /// A template's `status`: 草稿 `I`, 生效 `S`, 删除 `D`, 过期 `E`.
    pub enum TemplateStatus {
        /// `I`: a draft, not published yet.
        Draft => "I",
        /// `S`: in effect (published): vouchers can be sent inside the publish window.
        Active => "S",
        /// `D`: deleted.
        Deleted => "D",
        /// `E`: expired.
        Expired => "E",
    }
}

wire_enum! {
    /// A template's `voucher_type`: the values the detail response documents, plus the two that
    /// `alipay.marketing.cashlessvoucher.template.create` makes.
    pub enum VoucherType {
        /// `FIX_VOUCHER`: a fixed-amount voucher (代金券).
        FixVoucher => "FIX_VOUCHER",
        /// `ITEM_CASHLESS_FIX_VOUCHER`: a cashless single-item voucher.
        ItemCashlessFixVoucher => "ITEM_CASHLESS_FIX_VOUCHER",
        /// `ITEM_CASHLESS_DISCOUNT_VOUCHER`: a cashless single-item discount.
        ItemCashlessDiscountVoucher => "ITEM_CASHLESS_DISCOUNT_VOUCHER",
        /// `ITEM_CASHLESS_SPE_VOUCHER`: a cashless single-item special price.
        ItemCashlessSpeVoucher => "ITEM_CASHLESS_SPE_VOUCHER",
        /// `CASHLESS_FIX_VOUCHER`: a cashless fixed-amount voucher (定额代金券).
        CashlessFixVoucher => "CASHLESS_FIX_VOUCHER",
        /// `CASHLESS_RANDOM_VOUCHER`: a cashless random-amount voucher (不定额代金券).
        CashlessRandomVoucher => "CASHLESS_RANDOM_VOUCHER",
    }
}

/// Request of `alipay.marketing.voucher.templatedetail.query`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TemplateDetailQueryRequest {
    /// The voucher template id, at most 28 characters. Required.
    pub template_id: String,
}

impl TemplateDetailQueryRequest {
    /// The gateway method.
    pub const METHOD: &'static str = "alipay.marketing.voucher.templatedetail.query";

    /// A query for the template `template_id`.
    pub fn new(template_id: impl Into<String>) -> Self {
        TemplateDetailQueryRequest {
            template_id: template_id.into(),
        }
    }
}

impl ApiRequest for TemplateDetailQueryRequest {
    type Response = TemplateDetail;

    fn method(&self) -> &str {
        Self::METHOD
    }

    fn validate(&self) -> Result<()> {
        rules::identifier("template_id", &self.template_id, 28)
    }

    fn biz_content(&self) -> Result<String> {
        rules::biz_json(self)
    }

    fn read_only(&self) -> bool {
        true
    }

    fn parse_response(&self, node: &str) -> Result<TemplateDetail> {
        TemplateDetail::from_node(node)
    }
}

/// Result of `alipay.marketing.voucher.templatedetail.query`. Amounts are yuan text as sent; times are Beijing
/// time `yyyy-MM-dd HH:mm:ss` as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TemplateDetail {
    /// The template id.
    pub template_id: String,
    /// The voucher name (券名称).
    pub voucher_name: Option<String>,
    /// The voucher type.
    pub voucher_type: Option<VoucherType>,
    /// Draft, active, deleted or expired.
    pub status: TemplateStatus,
    /// Vouchers can be sent from this time on (发放开始时间).
    pub publish_start_time: Option<String>,
    /// Vouchers can be sent until this time (发放结束时间).
    pub publish_end_time: Option<String>,
    /// The validity of each voucher, a JSON text (`ABSOLUTE` start/end or `RELATIVE` duration/unit).
    pub voucher_valid_period: Option<String>,
    /// How many vouchers the template may issue in all (拟发行券的数量), when it has a count limit.
    pub voucher_quantity: Option<u64>,
    /// How many were issued (已发放张数).
    pub publish_count: Option<u64>,
    /// How many were used (已使用张数).
    pub used_count: Option<u64>,
    /// Face value of each voucher (面额), yuan.
    pub amount: Option<String>,
    /// Minimum order amount (最低额度), yuan.
    pub floor_amount: Option<String>,
    /// Total budget (总金额), yuan.
    pub total_amount: Option<String>,
    /// Amount issued so far (已发放总金额), yuan.
    pub publish_amount: Option<String>,
    /// Amount used so far (已使用总金额), yuan.
    pub used_amount: Option<String>,
    /// Amount returned (退回金额), yuan.
    pub recycle_amount: Option<String>,
    /// Usage notes (券使用说明).
    pub voucher_description: Option<String>,
}

impl TemplateDetail {
    /// Vouchers that can still be issued by count: `voucher_quantity − publish_count`, or `None` when the
    /// template has no count limit.
    pub fn remaining(&self) -> Option<u64> {
        self.voucher_quantity
            .map(|q| q.saturating_sub(self.publish_count.unwrap_or(0)))
    }

    fn from_node(node: &str) -> Result<Self> {
        let method = TemplateDetailQueryRequest::METHOD;
        let n = wire::object(node, method)?;
        let status = wire::required_text(&n, "status", method)?;
        Ok(TemplateDetail {
            template_id: wire::required_text(&n, "template_id", method)?,
            voucher_name: wire::text(&n, "voucher_name"),
            voucher_type: wire::text(&n, "voucher_type").map(|t| VoucherType::from(t.as_str())),
            status: TemplateStatus::from(status.as_str()),
            publish_start_time: wire::text(&n, "publish_start_time"),
            publish_end_time: wire::text(&n, "publish_end_time"),
            voucher_valid_period: wire::text(&n, "voucher_valid_period"),
            voucher_quantity: wire::count(&n, "voucher_quantity", method)?,
            publish_count: wire::count(&n, "publish_count", method)?,
            used_count: wire::count(&n, "used_count", method)?,
            amount: wire::text(&n, "amount"),
            floor_amount: wire::text(&n, "floor_amount"),
            total_amount: wire::text(&n, "total_amount"),
            publish_amount: wire::text(&n, "publish_amount"),
            used_amount: wire::text(&n, "used_amount"),
            recycle_amount: wire::text(&n, "recycle_amount"),
            voucher_description: wire::text(&n, "voucher_description"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn request_is_a_read_of_one_template() {
        let r = TemplateDetailQueryRequest::new("20240527000000123456");
        assert!(r.validate().is_ok() && r.read_only());
        assert_eq!(r.method(), "alipay.marketing.voucher.templatedetail.query");
        assert_eq!(
            r.biz_content().unwrap(),
            r#"{"template_id":"20240527000000123456"}"#
        );
        let e = TemplateDetailQueryRequest::new("t".repeat(29))
            .validate()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        assert_eq!(e.field(), Some("template_id"));
    }

    #[test]
    fn detail_reads_counts_as_numbers_or_strings_and_keeps_unknown_values() {
        let node = r#"{"code":"10000","msg":"Success","template_id":"T1","voucher_name":"10元代金券",
            "voucher_type":"CASHLESS_FIX_VOUCHER","status":"S","publish_start_time":"2024-05-01 00:00:00",
            "publish_end_time":"2024-06-01 00:00:00","voucher_quantity":100,"publish_count":"40","used_count":3,
            "amount":"10.00","floor_amount":"0.00"}"#;
        let d = TemplateDetailQueryRequest::new("T1")
            .parse_response(node)
            .unwrap();
        assert_eq!(d.status, TemplateStatus::Active);
        assert_eq!(d.voucher_type, Some(VoucherType::CashlessFixVoucher));
        assert_eq!(d.remaining(), Some(60));
        let odd = TemplateDetailQueryRequest::new("T1")
            .parse_response(r#"{"template_id":"T1","status":"P","voucher_type":"NEW_KIND"}"#)
            .unwrap();
        assert_eq!(odd.status, TemplateStatus::Other("P".into()));
        assert_eq!(
            odd.voucher_type,
            Some(VoucherType::Other("NEW_KIND".into()))
        );
        assert_eq!(odd.remaining(), None);
        let e = TemplateDetailQueryRequest::new("T1")
            .parse_response(r#"{"template_id":"T1","status":"S","publish_count":"many"}"#)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.message().contains("publish_count"), "{e}");
    }
}
