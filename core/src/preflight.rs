//! The campaign preflight: before sending the first voucher, check that the template can issue them all — the
//! commonest way a campaign fails (`AFTER_VOUCHER_END_TIME`, `TEMPLATE_EXPIRED`, stock exhausted) after the first
//! thousand rows.
//!
//! A refusal is an [`Error`] of kind [`crate::ErrorKind::InvalidRequest`] on the field `template_id` (or
//! `quantity`), whose message says which check failed and what to do.

use std::time::SystemTime;

use crate::api::template::{TemplateDetail, TemplateStatus};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::sign::parse_beijing_timestamp;

impl TemplateDetail {
    /// Checks, at `now`, that `quantity` vouchers can be sent from this template: it is published (status `S`),
    /// inside its publish window, not expired, and has at least `quantity` vouchers left (when it has a count
    /// limit). The error names `template_id` and says which check failed and what to do.
    pub fn check_can_send(&self, quantity: u64, now: SystemTime) -> Result<()> {
        let id = &self.template_id;
        let refuse = |what: String| Err(Error::invalid_request("template_id", what));
        check_quantity(quantity)?;
        match &self.status {
            TemplateStatus::Active => {}
            TemplateStatus::Draft => {
                return refuse(format!(
                    "template {id} is not published (status I, a draft); publish it in the merchant console or \
                     use a published template"
                ));
            }
            TemplateStatus::Expired => {
                return refuse(format!(
                    "template {id} is expired (status E); create a new template for the campaign"
                ));
            }
            TemplateStatus::Deleted => {
                return refuse(format!(
                    "template {id} is deleted (status D); create a new template for the campaign"
                ));
            }
            other => {
                return refuse(format!(
                    "template {id} has status {other}, not S (published); check it in the merchant console"
                ));
            }
        }
        let time = |text: &Option<String>| text.as_deref().and_then(parse_beijing_timestamp);
        if let Some(start) = time(&self.publish_start_time) {
            if now < start {
                return refuse(format!(
                    "template {id} is outside its publish window: sending starts at {} (Beijing time); start the \
                     campaign then, or move the window",
                    self.publish_start_time.as_deref().unwrap_or_default()
                ));
            }
        }
        if let Some(end) = time(&self.publish_end_time) {
            if now >= end {
                return refuse(format!(
                    "template {id} is outside its publish window: sending ended at {} (Beijing time; the gateway \
                     would answer AFTER_VOUCHER_END_TIME); create a new template for the campaign",
                    self.publish_end_time.as_deref().unwrap_or_default()
                ));
            }
        }
        if let Some(left) = self.remaining() {
            if left < quantity {
                return refuse(format!(
                    "template {id} has not enough stock: {left} voucher(s) left of {} ({} issued), the campaign \
                     needs {quantity}; raise the template's quantity, send fewer, or use another template",
                    self.voucher_quantity.unwrap_or_default(),
                    self.publish_count.unwrap_or_default()
                ));
            }
        }
        Ok(())
    }
}

impl Client {
    /// The campaign preflight: reads the template (`alipay.marketing.voucher.templatedetail.query`) and refuses it
    /// unless `quantity` vouchers can be sent from it now — see [`TemplateDetail::check_can_send`]. Returns the
    /// template on success. Gateway and transport failures of the query come back as they are.
    ///
    /// ```
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // A local gateway emulator stands in for Alipay here; in production, build the client with your keys.
    /// let sandbox = alipay_marketing_sandbox::Sandbox::start(Default::default()).await?;
    /// let client = sandbox.client_builder().build()?;
    /// let template = client.check_template("TPL-FIXED-10", 500).await?;
    /// assert_eq!(template.template_id, "TPL-FIXED-10");
    /// let refused = client.check_template("TPL-EXPIRED", 1).await.unwrap_err();
    /// assert_eq!(refused.field(), Some("template_id"));
    /// assert!(refused.message().contains("expired"));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn check_template(&self, template_id: &str, quantity: u64) -> Result<TemplateDetail> {
        check_quantity(quantity)?;
        let detail = self.query_template(template_id).await?;
        detail.check_can_send(quantity, SystemTime::now())?;
        Ok(detail)
    }
}

/// A preflight for nothing is a mistake, refused before the template is queried.
fn check_quantity(quantity: u64) -> Result<()> {
    if quantity == 0 {
        return Err(Error::invalid_request(
            "quantity",
            "is 0; give the number of vouchers the campaign will send",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ApiRequest;
    use crate::api::template::TemplateDetailQueryRequest;

    fn detail(status: &str, quantity: Option<u64>, published: u64) -> TemplateDetail {
        let mut node = serde_json::json!({
            "template_id": "T1", "status": status, "publish_count": published,
            "publish_start_time": "2024-06-01 00:00:00", "publish_end_time": "2024-07-01 00:00:00",
        });
        if let Some(q) = quantity {
            node["voucher_quantity"] = q.into();
        }
        TemplateDetailQueryRequest::new("T1")
            .parse_response(&node.to_string())
            .unwrap()
    }

    fn at(text: &str) -> SystemTime {
        parse_beijing_timestamp(text).unwrap()
    }

    fn refusal(d: &TemplateDetail, quantity: u64, now: &str) -> String {
        let e = d.check_can_send(quantity, at(now)).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidRequest);
        e.to_string()
    }

    #[test]
    fn a_published_template_in_its_window_with_stock_passes() {
        let d = detail("S", Some(100), 40);
        assert!(d.check_can_send(60, at("2024-06-15 12:00:00")).is_ok());
        assert!(
            detail("S", None, 40)
                .check_can_send(1_000_000, at("2024-06-15 12:00:00"))
                .is_ok()
        );
    }

    #[test]
    fn each_refusal_says_which_check_failed_and_what_to_do() {
        let now = "2024-06-15 12:00:00";
        assert!(refusal(&detail("I", None, 0), 1, now).contains("not published"));
        assert!(refusal(&detail("E", None, 0), 1, now).contains("expired"));
        assert!(refusal(&detail("D", None, 0), 1, now).contains("deleted"));
        assert!(refusal(&detail("Q", None, 0), 1, now).contains("status Q"));
        let early = refusal(&detail("S", None, 0), 1, "2024-05-31 23:59:59");
        assert!(
            early.contains("outside its publish window: sending starts at 2024-06-01"),
            "{early}"
        );
        let late = refusal(&detail("S", None, 0), 1, "2024-07-01 00:00:00");
        assert!(
            late.contains("sending ended") && late.contains("AFTER_VOUCHER_END_TIME"),
            "{late}"
        );
        let stock = refusal(&detail("S", Some(100), 95), 6, now);
        assert!(
            stock.contains("not enough stock: 5 voucher(s) left of 100")
                && stock.contains("needs 6"),
            "{stock}"
        );
        assert!(
            stock.starts_with("invalid_request error: template_id:"),
            "{stock}"
        );
        let zero = detail("S", None, 0).check_can_send(0, at(now)).unwrap_err();
        assert_eq!(zero.field(), Some("quantity"));
    }
}
