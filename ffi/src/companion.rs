//! The companion calls in C: the voucher and template queries, template creation and the points balance, and the
//! campaign preflight `alipay_client_check_template`. Each call is the core's typed request sent with
//! `alipay_marketing::Client::call`, so validation, signing, verification, retries and errors are the core's;
//! this module converts.
//!
//! - [`voucher_query`] — `alipay.marketing.voucher.query` and `alipay.marketing.voucher.list.query`.
//! - [`template`] — `alipay.marketing.voucher.templatedetail.query` and the preflight.
//! - [`template_create`] — `alipay.marketing.cashlessvoucher.template.create`.
//! - [`points_query`] — `koubei.marketing.tool.points.query`.

pub mod points_query;
pub mod template;
pub mod template_create;
pub mod voucher_query;
