//! The companion calls a campaign needs beside the three sending calls: voucher and template queries, template
//! creation and the points balance. Each one is a thin [`Client::call`] of its typed request, with the same
//! validation, signing, verification, retries and errors.

use crate::api::points_query::{PointsBalance, PointsQueryRequest};
use crate::api::template::{TemplateDetail, TemplateDetailQueryRequest};
use crate::api::template_create::{TemplateCreateRequest, TemplateCreateResponse};
use crate::api::voucher_query::{
    VoucherDetail, VoucherList, VoucherListQueryRequest, VoucherQueryRequest,
};
use crate::client::{CallOptions, Client};
use crate::error::Result;

impl Client {
    /// `alipay.marketing.voucher.query`: one voucher (status, template, amounts, counts, dates) by its id.
    ///
    /// ```
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // A local gateway emulator stands in for Alipay here; in production, build the client with your keys.
    /// let sandbox = alipay_marketing_sandbox::Sandbox::start(Default::default()).await?;
    /// let client = sandbox.client_builder().build()?;
    /// use alipay_marketing::api::voucher::VoucherSendRequest;
    /// use alipay_marketing::api::voucher_query::VoucherStatus;
    ///
    /// let sent = client
    ///     .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "order-0001").user_id("2088000000000001"))
    ///     .await?;
    /// let voucher = client.query_voucher(&sent.voucher_id).await?;
    /// assert_eq!(voucher.status, VoucherStatus::Enabled);
    /// assert_eq!(voucher.template_id.as_deref(), Some("TPL-FIXED-10"));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn query_voucher(&self, voucher_id: &str) -> Result<VoucherDetail> {
        self.call(
            &VoucherQueryRequest::new(voucher_id),
            &CallOptions::default(),
        )
        .await
    }

    /// `alipay.marketing.voucher.list.query`: the vouchers of one template that one user holds (possibly none).
    pub async fn list_vouchers(&self, request: &VoucherListQueryRequest) -> Result<VoucherList> {
        self.call(request, &CallOptions::default()).await
    }

    /// `alipay.marketing.voucher.templatedetail.query`: a template's status, publish window, quantity and
    /// publish/used counts. See [`Client::check_template`] for the campaign preflight built on it.
    pub async fn query_template(&self, template_id: &str) -> Result<TemplateDetail> {
        self.call(
            &TemplateDetailQueryRequest::new(template_id),
            &CallOptions::default(),
        )
        .await
    }

    /// `alipay.marketing.cashlessvoucher.template.create`: create a cashless voucher template. `out_biz_no` makes
    /// it idempotent: the same `out_biz_no` again returns the template created the first time.
    pub async fn create_template(
        &self,
        request: &TemplateCreateRequest,
    ) -> Result<TemplateCreateResponse> {
        self.call(request, &CallOptions::default()).await
    }

    /// `koubei.marketing.tool.points.query`: available, frozen and accumulated points of a stamp-card account.
    pub async fn query_points(
        &self,
        activity_account: &str,
        user_id: &str,
    ) -> Result<PointsBalance> {
        self.call(
            &PointsQueryRequest::new(activity_account, user_id),
            &CallOptions::default(),
        )
        .await
    }
}
