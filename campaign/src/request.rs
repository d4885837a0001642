//! A row becomes a core request: field values from columns and constants, the idempotency key from a column or
//! derived, then the core's own validation. No field rule lives here; the core decides.

use std::collections::BTreeMap;

use alipay_marketing::api::ApiRequest;
use alipay_marketing::api::invite::{BizResultCode, InviteAwardRequest};
use alipay_marketing::api::points::{PointsUpdateRequest, TransType};
use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::{CallOptions, Client};
use sha2::{Digest, Sha256};

use crate::config::{APP_AUTH_TOKEN, Campaign, Identity, Method};
use crate::error::{CampaignError, Result};
use crate::input::{InputRow, hex};

/// Why one row cannot be sent: the field and the reason (from the core's rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The line of the row in the input file.
    pub line: u64,
    /// The request field (or column) at fault.
    pub field: String,
    /// What is wrong and what to do.
    pub reason: String,
}

/// Where each request field's value comes from, resolved once against the input's columns.
#[derive(Debug, Clone)]
pub struct FieldMap {
    method: Method,
    /// field → column, for fields read from the row.
    from_column: BTreeMap<&'static str, String>,
    constants: BTreeMap<&'static str, String>,
    key_column: Option<String>,
    campaign_id: String,
    identity: Identity,
}

impl FieldMap {
    /// Resolves the campaign's mapping. `header` is the CSV header, or `None` for JSON Lines (columns are then
    /// looked up per row).
    pub fn new(campaign: &Campaign, header: Option<&[String]>) -> Result<FieldMap> {
        campaign.check_settings()?;
        let method = campaign.method;
        let has = |column: &str| header.is_none_or(|h| h.iter().any(|c| c == column));
        let mut from_column = BTreeMap::new();
        let mut constants = BTreeMap::new();
        if campaign.constants.contains_key(APP_AUTH_TOKEN) {
            let column = campaign
                .columns
                .get(APP_AUTH_TOKEN)
                .map(String::as_str)
                .or_else(|| {
                    header
                        .is_some_and(|_| has(APP_AUTH_TOKEN))
                        .then_some(APP_AUTH_TOKEN)
                });
            if let Some(column) = column {
                return Err(CampaignError::config(format!(
                    "{APP_AUTH_TOKEN} is given both as a constant (--app-auth-token, ALIPAY_APP_AUTH_TOKEN or \
                     fields.{APP_AUTH_TOKEN}) and by the column {column:?}; keep one: the constant for one merchant, \
                     the column for a merchant per row"
                )));
            }
        }
        for &field in method.fields().iter().chain([&APP_AUTH_TOKEN]) {
            if let Some(column) = campaign.columns.get(field) {
                if !has(column) {
                    return Err(CampaignError::config(format!(
                        "columns.{field} names column {column:?}, which the input's header does not have; its \
                         columns are {}",
                        header.unwrap_or_default().join(", ")
                    )));
                }
                from_column.insert(field, column.clone());
            } else if let Some(value) = campaign.constants.get(field) {
                constants.insert(field, value.clone());
            } else if header.is_none() || has(field) {
                from_column.insert(field, field.to_owned());
            }
        }
        let key_field = method.key_field();
        let key_column = match &campaign.key_column {
            Some(column) if !has(column) => {
                return Err(CampaignError::config(format!(
                    "key_column names column {column:?}, which the input's header does not have"
                )));
            }
            Some(column) => Some(column.clone()),
            None if header.is_some_and(|h| h.iter().any(|c| c == key_field)) => {
                Some(key_field.to_owned())
            }
            None => None,
        };
        Ok(FieldMap {
            method,
            from_column,
            constants,
            key_column,
            campaign_id: campaign.id.clone(),
            identity: campaign.identity,
        })
    }

    /// The value of a request field for `row`; empty means unset.
    fn value<'a>(&'a self, row: &'a InputRow, field: &str) -> Option<&'a str> {
        let v = match self.from_column.get(field) {
            Some(column) => row.get(column),
            None => self.constants.get(field).map(String::as_str),
        };
        v.filter(|v| !v.is_empty())
    }

    /// The merchant the row is sent for: [`crate::journal::merchant_key`] of its `app_auth_token` (column or
    /// constant); the journal's leases are per merchant.
    pub fn merchant(&self, row: &InputRow) -> String {
        crate::journal::merchant_key(self.value(row, APP_AUTH_TOKEN))
    }

    /// The row's idempotency key: its key column, or derived from the campaign id and the row's identity.
    pub fn key(&self, row: &InputRow) -> std::result::Result<String, RowProblem> {
        if let Some(column) = &self.key_column {
            return match row.get(column).filter(|v| !v.is_empty()) {
                Some(v) => Ok(v.to_owned()),
                None => Err(RowProblem {
                    line: row.line,
                    field: self.method.key_field().to_owned(),
                    reason: format!(
                        "the key column {column:?} is empty; every row needs its own key"
                    ),
                }),
            };
        }
        let identity = match self.identity {
            Identity::Line => row.line.to_string(),
            Identity::Content => {
                let mut fields: BTreeMap<&str, Option<&str>> = self
                    .method
                    .fields()
                    .iter()
                    .map(|&f| (f, self.value(row, f)))
                    .collect();
                // The same row for two merchants is two calls. Only when set, so that the keys of campaigns
                // without a token stay what they were.
                if let Some(token) = self.value(row, APP_AUTH_TOKEN) {
                    fields.insert(APP_AUTH_TOKEN, Some(token));
                }
                serde_json::to_string(&fields).unwrap_or_default()
            }
        };
        Ok(derive_key(
            &self.campaign_id,
            &identity,
            self.method.key_max_chars(),
        ))
    }

    /// The core request for `row` with `key`, checked by the core's rules.
    pub fn build(&self, row: &InputRow, key: &str) -> std::result::Result<CallRequest, RowProblem> {
        let problem = |e: alipay_marketing::Error| {
            let field = e.field().unwrap_or("row").to_owned();
            let reason = e.reason().to_owned();
            RowProblem {
                line: row.line,
                field,
                reason,
            }
        };
        let v = |f: &str| self.value(row, f).map(str::to_owned);
        // The merchant of this row's call: a per-call option, never a biz_content field.
        let mut options = CallOptions::default();
        options.app_auth_token = v(APP_AUTH_TOKEN);
        let request = match self.method {
            Method::VoucherSend => {
                let mut r = VoucherSendRequest::new(v("template_id").unwrap_or_default(), key);
                r.user_id = v("user_id");
                r.login_id = v("login_id");
                r.taobao_nick = v("taobao_nick");
                r.open_id = v("open_id");
                r.amount = v("amount");
                r.memo = v("memo");
                r.extend_info = v("extend_info");
                RowRequest::Voucher(r)
            }
            Method::PointsUpdate => {
                let trans_type: TransType = v("trans_type")
                    .unwrap_or_default()
                    .parse()
                    .map_err(problem)?;
                let amount_text = v("trans_amount").unwrap_or_default();
                let amount: u64 = amount_text.trim().parse().map_err(|_| RowProblem {
                    line: row.line,
                    field: "trans_amount".to_owned(),
                    reason: format!("{amount_text:?} is not a whole number of points"),
                })?;
                let mut r = PointsUpdateRequest::new(
                    key,
                    v("user_id").unwrap_or_default(),
                    v("activity_account").unwrap_or_default(),
                    trans_type,
                    amount,
                );
                r.biz_no = v("biz_no");
                r.shop_id = v("shop_id");
                r.memo = v("memo");
                r.ext_info = v("ext_info");
                RowRequest::Points(r)
            }
            Method::InviteAward => {
                let mut r = InviteAwardRequest::new().out_biz_no(key);
                r.mobile = v("mobile");
                r.user_id = v("user_id");
                r.out_biz_code = v("out_biz_code");
                RowRequest::Invite(r)
            }
        };
        let request = CallRequest { request, options };
        request.validate().map_err(problem)?;
        Ok(request)
    }
}

/// A derived key: a readable prefix (the campaign id, safe characters only, at most 31) and 32 hex digits of
/// SHA-256 over the campaign id and the row's identity; at most `max` characters.
pub fn derive_key(campaign_id: &str, identity: &str, max: usize) -> String {
    let mut hasher = Sha256::new();
    hasher.update(campaign_id.as_bytes());
    hasher.update([0x1f]);
    hasher.update(identity.as_bytes());
    let digest = hex(&hasher.finalize());
    let prefix: String = campaign_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(31)
        .collect();
    let key = if prefix.is_empty() {
        digest[..32].to_owned()
    } else {
        format!("{prefix}-{}", &digest[..32])
    };
    key.chars().take(max).collect()
}

/// One row's core request and its per-call options (the row's merchant, when it has one). `Debug` masks the
/// token.
#[derive(Debug, Clone)]
pub struct CallRequest {
    /// The request.
    pub request: RowRequest,
    /// The per-call options: `app_auth_token` from the row's column or the campaign's constant.
    pub options: CallOptions,
}

/// The core request of a row, by method.
#[derive(Debug, Clone)]
pub enum RowRequest {
    /// `alipay.marketing.voucher.send`.
    Voucher(VoucherSendRequest),
    /// `koubei.marketing.tool.points.update`.
    Points(PointsUpdateRequest),
    /// `alipay.user.invite.award.receive`.
    Invite(InviteAwardRequest),
}

/// What a successful call returned, in the fields the results file keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallSuccess {
    /// `voucher_id` of a voucher send.
    pub voucher_id: Option<String>,
    /// `point_log_no` of a points update.
    pub point_log_no: Option<String>,
    /// `biz_result_code` of an invite award.
    pub biz_result_code: Option<String>,
    /// For invite awards: the activity is paused or closed (a campaign-level answer, not the row's).
    pub activity_stopped: bool,
}

impl CallRequest {
    /// The core's validation of the request and of its per-call options (the `app_auth_token` rule).
    pub fn validate(&self) -> alipay_marketing::Result<()> {
        match &self.request {
            RowRequest::Voucher(r) => r.validate(),
            RowRequest::Points(r) => r.validate(),
            RowRequest::Invite(r) => r.validate(),
        }?;
        self.options.validate()
    }

    /// Sends the request through `client` (its rate limiter and retry policy), for the row's merchant.
    pub async fn send(&self, client: &Client) -> alipay_marketing::Result<CallSuccess> {
        let options = &self.options;
        Ok(match &self.request {
            RowRequest::Voucher(r) => {
                let sent = client.call(r, options).await?;
                CallSuccess {
                    voucher_id: Some(sent.voucher_id),
                    ..CallSuccess::default()
                }
            }
            RowRequest::Points(r) => {
                let sent = client.call(r, options).await?;
                CallSuccess {
                    point_log_no: Some(sent.point_log_no),
                    ..CallSuccess::default()
                }
            }
            RowRequest::Invite(r) => {
                let sent = client.call(r, options).await?;
                CallSuccess {
                    activity_stopped: matches!(
                        sent.biz_result_code,
                        BizResultCode::ActivityClose | BizResultCode::ActivityPause
                    ),
                    biz_result_code: Some(sent.biz_result_code.as_str().to_owned()),
                    ..CallSuccess::default()
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(values: &[(&str, &str)]) -> InputRow {
        InputRow {
            line: 7,
            values: values
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        }
    }

    #[test]
    fn derived_keys_are_stable_distinct_and_within_the_limit() {
        let a = derive_key("spring-2025", "x", 64);
        assert_eq!(a, derive_key("spring-2025", "x", 64));
        assert_ne!(a, derive_key("spring-2025", "y", 64));
        assert_ne!(a, derive_key("autumn", "x", 64));
        assert!(a.starts_with("spring-2025-"));
        let long = derive_key(&"长".repeat(80), "x", 64);
        assert_eq!(long.chars().count(), 32);
        assert!(derive_key(&"a".repeat(80), "x", 64).chars().count() <= 64);
    }

    #[test]
    fn rows_are_checked_by_the_core_rules() {
        let mut c = Campaign::new(Method::VoucherSend, "u.csv");
        c.constants.insert("template_id".into(), "TPL".into());
        let header: Vec<String> = vec!["user_id".into(), "memo".into()];
        let map = FieldMap::new(&c, Some(&header)).unwrap();
        let good = row(&[("user_id", "2088000000000001"), ("memo", "hi")]);
        let key = map.key(&good).unwrap();
        assert!(map.build(&good, &key).is_ok());
        let bad = row(&[("user_id", "1234"), ("memo", "hi")]);
        let p = map.build(&bad, &key).unwrap_err();
        assert_eq!((p.line, p.field.as_str()), (7, "user_id"));
        assert!(p.reason.contains("16 digits"), "{p:?}");
        let long = row(&[("user_id", "2088000000000001"), ("memo", &"券".repeat(129))]);
        assert_eq!(map.build(&long, &key).unwrap_err().field, "memo");
        let missing = row(&[("user_id", ""), ("memo", "x")]);
        assert_eq!(map.build(&missing, &key).unwrap_err().field, "user_id");
    }

    #[test]
    fn a_mapped_column_must_exist() {
        let mut c = Campaign::new(Method::PointsUpdate, "u.csv");
        c.columns.insert("user_id".into(), "uid".into());
        let e = FieldMap::new(&c, Some(&["user".to_owned()])).unwrap_err();
        assert!(
            e.message().contains("columns.user_id") && e.message().contains("\"uid\""),
            "{e}"
        );
    }

    #[test]
    fn a_key_column_named_like_the_key_field_is_used() {
        let c = Campaign::new(Method::InviteAward, "u.csv");
        let header: Vec<String> = vec!["mobile".into(), "out_biz_no".into()];
        let map = FieldMap::new(&c, Some(&header)).unwrap();
        assert_eq!(
            map.key(&row(&[("mobile", "13800000001"), ("out_biz_no", "k-1")]))
                .unwrap(),
            "k-1"
        );
        assert_eq!(
            map.key(&row(&[("mobile", "13800000001"), ("out_biz_no", "")]))
                .unwrap_err()
                .field,
            "out_biz_no"
        );
    }

    #[test]
    fn the_token_is_a_per_call_option_and_part_of_the_row_identity_only_when_set() {
        let mut c = Campaign::new(Method::VoucherSend, "u.csv");
        c.constants.insert("template_id".into(), "TPL".into());
        let plain = FieldMap::new(&c, Some(&["user_id".to_owned()])).unwrap();
        let header: Vec<String> = vec!["user_id".into(), "app_auth_token".into()];
        let with_token = FieldMap::new(&c, Some(&header)).unwrap();
        let user = ("user_id", "2088000000000001");
        let no_token = row(&[user]);
        let blank = row(&[user, ("app_auth_token", "")]);
        let a = row(&[user, ("app_auth_token", "202405BBmerchantA00000001")]);
        let b = row(&[user, ("app_auth_token", "202405BBmerchantB00000002")]);
        // Keys of campaigns without a token are what they were; each merchant's row is its own call.
        assert_eq!(plain.key(&no_token), with_token.key(&blank));
        assert_ne!(with_token.key(&a), with_token.key(&b));
        assert_ne!(with_token.key(&a), with_token.key(&blank));
        let key = with_token.key(&a).unwrap();
        let built = with_token.build(&a, &key).unwrap();
        assert_eq!(
            built.options.app_auth_token.as_deref(),
            Some("202405BBmerchantA00000001")
        );
        let RowRequest::Voucher(request) = &built.request else {
            panic!("a voucher request");
        };
        assert!(!request.biz_content().unwrap().contains("merchantA"));
        assert!(!format!("{built:?}").contains("merchantA"));
        assert_eq!(
            with_token
                .build(&blank, &key)
                .unwrap()
                .options
                .app_auth_token,
            None
        );
        let bad = row(&[user, ("app_auth_token", "2024\nmerchant")]);
        let p = with_token.build(&bad, &key).unwrap_err();
        assert_eq!((p.line, p.field.as_str()), (7, "app_auth_token"));
        assert!(p.reason.contains("control character"), "{p:?}");
    }

    #[test]
    fn a_constant_token_is_checked_and_kept_out_of_debug_and_the_fingerprint() {
        let mut c = Campaign::new(Method::VoucherSend, "u.csv");
        c.constants.insert("template_id".into(), "TPL".into());
        c.constants
            .insert(APP_AUTH_TOKEN.into(), "202405BBmerchantA00000001".into());
        assert!(c.check_settings().is_ok());
        assert!(!format!("{c:?}").contains("merchantA"));
        assert!(!c.settings_fingerprint_text().contains("merchantA"));
        let mut other = c.clone();
        other
            .constants
            .insert(APP_AUTH_TOKEN.into(), "202405BBmerchantB00000002".into());
        assert_ne!(
            c.settings_fingerprint_text(),
            other.settings_fingerprint_text()
        );
        c.constants.insert(APP_AUTH_TOKEN.into(), " padded".into());
        let e = c.check_settings().unwrap_err();
        assert!(e.message().contains("fields.app_auth_token"), "{e}");
    }
}
