//! `alipay.marketing.cashlessvoucher.template.create`: create a cashless voucher template, so that a campaign can be
//! set up end to end. `out_biz_no` is the idempotency key (unique per merchant): creating again with the same one
//! returns the template already created.
//!
//! Fields and rules follow `AlipayMarketingCashlessvoucherTemplateCreateModel` and
//! `AlipayMarketingCashlessvoucherTemplateCreateResponse` (alipay-sdk-java-all `com.alipay.api.domain` /
//! `com.alipay.api.response`; alipay-sdk-python-all `alipay/aop/api/domain` / `response`).

use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::wire;
use super::{ApiRequest, rules};
use crate::sign::parse_beijing_timestamp;
use crate::{Error, Result};

/// The longest publish window the gateway accepts (发放结束时间和发放开始时间跨度不能大于90天).
const MAX_PUBLISH_SPAN: Duration = Duration::from_secs(90 * 24 * 3600);

/// The kind of template to create (`voucher_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum CashlessVoucherType {
    /// `CASHLESS_FIX_VOUCHER`: every voucher is worth `amount`; `voucher_quantity` is required.
    CashlessFixVoucher,
    /// `CASHLESS_RANDOM_VOUCHER`: each send names its amount; `total_amount` (the budget) is required.
    CashlessRandomVoucher,
}

impl CashlessVoucherType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            CashlessVoucherType::CashlessFixVoucher => "CASHLESS_FIX_VOUCHER",
            CashlessVoucherType::CashlessRandomVoucher => "CASHLESS_RANDOM_VOUCHER",
        }
    }
}

/// Request of `alipay.marketing.cashlessvoucher.template.create`.
///
/// Required: `out_biz_no`, `voucher_type`, `brand_name` (at most 12 characters), `publish_start_time` and
/// `publish_end_time` (Beijing `yyyy-MM-dd HH:mm:ss`, end after start, at most 90 days apart),
/// `voucher_valid_period` (JSON: `{"type":"ABSOLUTE","start":…,"end":…}` or
/// `{"type":"RELATIVE","duration":N,"unit":"MINUTE|HOUR|DAY"}`), `voucher_description` (a JSON array of at most 10
/// strings of at most 50 characters; `[]` by default), `amount` (1 to 999 yuan, at most two decimals) and
/// `floor_amount` (0 or more, at most two decimals). A fixed voucher needs `voucher_quantity` (> 0); a random one
/// needs `total_amount` (1 to 10,000,000 yuan). The gateway also refuses a publish start more than 15 days ahead.
///
/// ```
/// use alipay_marketing::api::template_create::TemplateCreateRequest;
/// let request = TemplateCreateRequest::fixed("tpl-2024-0001", "新客礼券", "10.00", 1000)
///     .publish_window("2024-06-01 00:00:00", "2024-06-30 23:59:59")
///     .valid_for(7, "DAY");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TemplateCreateRequest {
    /// Face value in yuan (1 to 999, at most two decimals). Required.
    pub amount: String,
    /// Brand name shown in the card wallet, at most 12 characters. Required.
    pub brand_name: String,
    /// Extension information, a JSON object text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension_info: Option<String>,
    /// Minimum order amount in yuan (0 or more, at most two decimals). Required; `"0.00"` by default.
    pub floor_amount: String,
    /// Where the gateway sends voucher change notifications: an `https://` or `http://` URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_uri: Option<String>,
    /// Your business number, at most 64 characters; the idempotency key. Required.
    pub out_biz_no: String,
    /// Vouchers cannot be sent after this time. Required.
    pub publish_end_time: String,
    /// Vouchers cannot be sent before this time. Required.
    pub publish_start_time: String,
    /// Who may redeem, a JSON object text such as `{"PID":"2088…","STORE":"…"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_conf: Option<String>,
    /// The budget of a random-amount template, yuan (1 to 10,000,000). Required for `CASHLESS_RANDOM_VOUCHER`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<String>,
    /// When the voucher may be used, a JSON array text (`[]` means any time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voucher_available_time: Option<String>,
    /// Usage notes: a JSON array of at most 10 strings of at most 50 characters. `[]` by default.
    pub voucher_description: String,
    /// How many vouchers to issue (> 0). Required for `CASHLESS_FIX_VOUCHER`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voucher_quantity: Option<u64>,
    /// Fixed or random amount.
    pub voucher_type: CashlessVoucherType,
    /// The validity of each voucher, a JSON object text. Required.
    pub voucher_valid_period: String,
}

impl TemplateCreateRequest {
    /// The gateway method.
    pub const METHOD: &'static str = "alipay.marketing.cashlessvoucher.template.create";

    fn base(out_biz_no: String, brand_name: String, voucher_type: CashlessVoucherType) -> Self {
        TemplateCreateRequest {
            amount: String::new(),
            brand_name,
            extension_info: None,
            floor_amount: "0.00".to_owned(),
            notify_uri: None,
            out_biz_no,
            publish_end_time: String::new(),
            publish_start_time: String::new(),
            rule_conf: None,
            total_amount: None,
            voucher_available_time: None,
            voucher_description: "[]".to_owned(),
            voucher_quantity: None,
            voucher_type,
            voucher_valid_period: String::new(),
        }
    }

    /// A fixed-amount template of `quantity` vouchers worth `amount` yuan each; set the publish window and the
    /// validity before sending.
    pub fn fixed(
        out_biz_no: impl Into<String>,
        brand_name: impl Into<String>,
        amount: impl Into<String>,
        quantity: u64,
    ) -> Self {
        let mut r = Self::base(
            out_biz_no.into(),
            brand_name.into(),
            CashlessVoucherType::CashlessFixVoucher,
        );
        r.amount = amount.into();
        r.voucher_quantity = Some(quantity);
        r
    }

    /// A random-amount template with a budget of `total_amount` yuan and a face value of `amount` yuan.
    pub fn random(
        out_biz_no: impl Into<String>,
        brand_name: impl Into<String>,
        amount: impl Into<String>,
        total_amount: impl Into<String>,
    ) -> Self {
        let mut r = Self::base(
            out_biz_no.into(),
            brand_name.into(),
            CashlessVoucherType::CashlessRandomVoucher,
        );
        r.amount = amount.into();
        r.total_amount = Some(total_amount.into());
        r
    }

    /// Sets the publish window, Beijing time `yyyy-MM-dd HH:mm:ss`.
    pub fn publish_window(mut self, start: impl Into<String>, end: impl Into<String>) -> Self {
        self.publish_start_time = start.into();
        self.publish_end_time = end.into();
        self
    }

    /// Each voucher is valid for `duration` `unit`s (`MINUTE`, `HOUR` or `DAY`) from when it is sent.
    pub fn valid_for(mut self, duration: u32, unit: &str) -> Self {
        self.voucher_valid_period =
            serde_json::json!({"type": "RELATIVE", "duration": duration, "unit": unit}).to_string();
        self
    }

    /// Each voucher is valid from `start` to `end`, Beijing time `yyyy-MM-dd HH:mm:ss`.
    pub fn valid_between(mut self, start: &str, end: &str) -> Self {
        self.voucher_valid_period =
            serde_json::json!({"type": "ABSOLUTE", "start": start, "end": end}).to_string();
        self
    }

    /// Sets the minimum order amount, yuan.
    pub fn floor_amount(mut self, floor_amount: impl Into<String>) -> Self {
        self.floor_amount = floor_amount.into();
        self
    }

    /// Sets the usage notes from lines of text (at most 10, of at most 50 characters each).
    pub fn description_lines<I, S>(mut self, lines: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let lines: Vec<String> = lines.into_iter().map(Into::into).collect();
        self.voucher_description = serde_json::Value::from(lines).to_string();
        self
    }

    /// Sets the notification URL.
    pub fn notify_uri(mut self, uri: impl Into<String>) -> Self {
        self.notify_uri = Some(uri.into());
        self
    }

    /// Checks the publish window; the error names the field.
    fn check_publish_window(&self) -> Result<()> {
        let start = beijing_time("publish_start_time", &self.publish_start_time)?;
        let end = beijing_time("publish_end_time", &self.publish_end_time)?;
        let Ok(span) = end.duration_since(start) else {
            return Err(Error::invalid_request(
                "publish_end_time",
                "is before publish_start_time; the end must come after the start",
            ));
        };
        if span.is_zero() {
            return Err(Error::invalid_request(
                "publish_end_time",
                "equals publish_start_time; the end must come after the start",
            ));
        }
        if span > MAX_PUBLISH_SPAN {
            return Err(Error::invalid_request(
                "publish_end_time",
                "is more than 90 days after publish_start_time; the gateway allows a window of at most 90 days",
            ));
        }
        Ok(())
    }

    fn check_amounts(&self) -> Result<()> {
        let amount = yuan("amount", &self.amount)?;
        if !(100..=99_900).contains(&amount) {
            return Err(Error::invalid_request(
                "amount",
                format!("is {} yuan; the gateway allows 1 to 999 yuan", self.amount),
            ));
        }
        yuan("floor_amount", &self.floor_amount)?;
        match self.voucher_type {
            CashlessVoucherType::CashlessFixVoucher => match self.voucher_quantity {
                None => Err(Error::invalid_request(
                    "voucher_quantity",
                    "is required for CASHLESS_FIX_VOUCHER; give how many vouchers to issue",
                )),
                Some(0) => Err(Error::invalid_request(
                    "voucher_quantity",
                    "is 0; give a whole number of vouchers greater than 0",
                )),
                Some(_) => Ok(()),
            },
            CashlessVoucherType::CashlessRandomVoucher => {
                let Some(total) = &self.total_amount else {
                    return Err(Error::invalid_request(
                        "total_amount",
                        "is required for CASHLESS_RANDOM_VOUCHER; give the template's budget in yuan",
                    ));
                };
                let fen = yuan("total_amount", total)?;
                if !(100..=1_000_000_000).contains(&fen) {
                    return Err(Error::invalid_request(
                        "total_amount",
                        format!("is {total} yuan; the gateway allows 1 to 10,000,000 yuan"),
                    ));
                }
                if self.voucher_quantity == Some(0) {
                    return Err(Error::invalid_request(
                        "voucher_quantity",
                        "is 0; leave it unset or give a number greater than 0",
                    ));
                }
                Ok(())
            }
        }
    }
}

impl ApiRequest for TemplateCreateRequest {
    type Response = TemplateCreateResponse;

    fn method(&self) -> &str {
        Self::METHOD
    }

    fn validate(&self) -> Result<()> {
        rules::identifier("out_biz_no", &self.out_biz_no, 64)?;
        rules::required("brand_name", &self.brand_name)?;
        rules::max_chars("brand_name", &self.brand_name, 12)?;
        self.check_publish_window()?;
        check_valid_period(&self.voucher_valid_period)?;
        check_description(&self.voucher_description)?;
        self.check_amounts()?;
        json_text("rule_conf", self.rule_conf.as_deref(), JsonShape::Object)?;
        json_text(
            "extension_info",
            self.extension_info.as_deref(),
            JsonShape::Object,
        )?;
        json_text(
            "voucher_available_time",
            self.voucher_available_time.as_deref(),
            JsonShape::Array,
        )?;
        if let Some(uri) = &self.notify_uri {
            if !(uri.starts_with("https://") || uri.starts_with("http://")) || uri.trim() != uri {
                return Err(Error::invalid_request(
                    "notify_uri",
                    "must be an https:// (or http://) URL without surrounding whitespace",
                ));
            }
        }
        Ok(())
    }

    fn biz_content(&self) -> Result<String> {
        rules::biz_json(self)
    }

    fn idempotency_key(&self) -> Option<&str> {
        Some(&self.out_biz_no)
    }

    fn parse_response(&self, node: &str) -> Result<TemplateCreateResponse> {
        let method = Self::METHOD;
        let n = wire::object(node, method)?;
        Ok(TemplateCreateResponse {
            template_id: wire::required_text(&n, "template_id", method)?,
        })
    }
}

/// Result of `alipay.marketing.cashlessvoucher.template.create`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TemplateCreateResponse {
    /// The new template's id (on a replay of the same `out_biz_no`, the one created before).
    pub template_id: String,
}

fn beijing_time(field: &str, text: &str) -> Result<SystemTime> {
    rules::required(field, text)?;
    parse_beijing_timestamp(text).ok_or_else(|| {
        Error::invalid_request(
            field,
            format!("{text:?} is not Beijing time written yyyy-MM-dd HH:mm:ss, e.g. \"2024-06-01 00:00:00\""),
        )
    })
}

/// Yuan, at least 0, at most two decimals (`"10"`, `"10.5"`, `"10.50"`); returns fen.
fn yuan(field: &str, text: &str) -> Result<u64> {
    let bad = || {
        Error::invalid_request(
            field,
            format!("{text:?} is not an amount in yuan with at most two decimals, like \"10.00\""),
        )
    };
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || int.len() > 12 || !digits(int) || frac.len() > 2 || !digits(frac) {
        return Err(bad());
    }
    if text.ends_with('.') {
        return Err(bad());
    }
    let fen_text = format!("{frac:0<2}");
    let whole: u64 = int.parse().map_err(|_| bad())?;
    let fen: u64 = fen_text.parse().map_err(|_| bad())?;
    Ok(whole * 100 + fen)
}

fn check_valid_period(text: &str) -> Result<()> {
    const FIELD: &str = "voucher_valid_period";
    rules::required(FIELD, text)?;
    let example = "{\"type\":\"RELATIVE\",\"duration\":7,\"unit\":\"DAY\"} or \
                   {\"type\":\"ABSOLUTE\",\"start\":\"2024-06-01 00:00:00\",\"end\":\"2024-06-30 23:59:59\"}";
    let Ok(serde_json::Value::Object(period)) = serde_json::from_str(text) else {
        return Err(Error::invalid_request(
            FIELD,
            format!("must be a JSON object such as {example}"),
        ));
    };
    match period.get("type").and_then(|t| t.as_str()) {
        Some("ABSOLUTE") => {
            let time = |key: &str| {
                period
                    .get(key)
                    .and_then(|v| v.as_str())
                    .and_then(parse_beijing_timestamp)
                    .ok_or_else(|| {
                        Error::invalid_request(
                            FIELD,
                            format!("an ABSOLUTE period needs \"{key}\" in Beijing time yyyy-MM-dd HH:mm:ss"),
                        )
                    })
            };
            if time("end")? <= time("start")? {
                return Err(Error::invalid_request(
                    FIELD,
                    "the ABSOLUTE period ends before it starts",
                ));
            }
            Ok(())
        }
        Some("RELATIVE") => {
            let duration = period.get("duration").and_then(|d| d.as_u64());
            if duration.is_none_or(|d| d == 0) {
                return Err(Error::invalid_request(
                    FIELD,
                    "a RELATIVE period needs \"duration\": a whole number greater than 0",
                ));
            }
            match period.get("unit").and_then(|u| u.as_str()) {
                Some("MINUTE" | "HOUR" | "DAY") => Ok(()),
                _ => Err(Error::invalid_request(
                    FIELD,
                    "a RELATIVE period needs \"unit\": MINUTE, HOUR or DAY",
                )),
            }
        }
        _ => Err(Error::invalid_request(
            FIELD,
            format!("needs \"type\": ABSOLUTE or RELATIVE, as in {example}"),
        )),
    }
}

fn check_description(text: &str) -> Result<()> {
    const FIELD: &str = "voucher_description";
    let Ok(serde_json::Value::Array(lines)) = serde_json::from_str(text) else {
        return Err(Error::invalid_request(
            FIELD,
            "must be a JSON array of strings, e.g. [\"Not valid with other offers\"]; use [] for none",
        ));
    };
    if lines.len() > 10 {
        return Err(Error::invalid_request(
            FIELD,
            format!("has {} entries; the gateway allows at most 10", lines.len()),
        ));
    }
    for (i, line) in lines.iter().enumerate() {
        let Some(line) = line.as_str() else {
            return Err(Error::invalid_request(
                FIELD,
                format!("entry {i} is not a string"),
            ));
        };
        let len = line.chars().count();
        if len > 50 {
            return Err(Error::invalid_request(
                FIELD,
                format!("entry {i} is {len} characters; the gateway allows at most 50"),
            ));
        }
    }
    Ok(())
}

enum JsonShape {
    Object,
    Array,
}

fn json_text(field: &str, text: Option<&str>, shape: JsonShape) -> Result<()> {
    let Some(text) = text else { return Ok(()) };
    let parsed: Option<serde_json::Value> = serde_json::from_str(text).ok();
    let (ok, what) = match shape {
        JsonShape::Object => (
            parsed.as_ref().is_some_and(|v| v.is_object()),
            "a JSON object text",
        ),
        JsonShape::Array => (
            parsed.as_ref().is_some_and(|v| v.is_array()),
            "a JSON array text",
        ),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_request(
            field,
            format!("must be {what}; leave it unset when not needed"),
        ))
    }
}

#[cfg(test)]
#[path = "template_create_tests.rs"]
mod tests;
