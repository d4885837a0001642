//! The business rules of the eight methods, applied to the [`World`] under one lock: pure functions of the call,
//! the catalog and the world, so that "apply, then lose the answer" faults and replays are exact.
//!
//! Idempotency is handled here for the keyed ones (the queries change nothing and have no key): a successful answer is stored under the method's key; the same key
//! with the same business parameters gets the stored answer back (nothing applied twice), the same key with other
//! parameters gets `INVALID_PARAMETER`.

mod invite;
mod points;
mod points_query;
pub(crate) mod templates;
mod voucher;
mod voucher_query;

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::method::Method;
use crate::state::{Catalog, Replay, World};

/// What a business call answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Code 10000 with these fields after `code` and `msg`.
    Success(Vec<(String, String)>),
    /// Code 40004 `Business Failed` with this sub_code and sub_msg.
    Business {
        sub_code: &'static str,
        sub_msg: String,
    },
}

impl Outcome {
    fn success<const N: usize>(fields: [(&str, String); N]) -> Self {
        Outcome::Success(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    fn invalid(sub_msg: impl Into<String>) -> Self {
        Outcome::Business {
            sub_code: "INVALID_PARAMETER",
            sub_msg: sub_msg.into(),
        }
    }
}

/// The fields of `biz_content`, as text: strings as they are, numbers and booleans as their JSON text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub(crate) struct BizParams(BTreeMap<String, String>);

impl BizParams {
    /// Parses `biz_content`; the error says what is wrong with it.
    pub(crate) fn parse(biz_content: Option<&str>) -> Result<Self, String> {
        let Some(text) = biz_content else {
            return Ok(BizParams(BTreeMap::new()));
        };
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| format!("biz_content is not valid JSON: {e}"))?;
        let serde_json::Value::Object(map) = value else {
            return Err("biz_content must be a JSON object".to_owned());
        };
        let mut out = BTreeMap::new();
        for (k, v) in map {
            let text = match v {
                serde_json::Value::Null => continue,
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                other => other.to_string(),
            };
            out.insert(k, text);
        }
        Ok(BizParams(out))
    }

    /// A field that is present and not blank.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// Fields that must be present and not blank; the error names the first one missing.
    pub(crate) fn require<const N: usize>(
        &self,
        names: [&'static str; N],
    ) -> Result<[&str; N], Outcome> {
        let mut out = [""; N];
        for (slot, name) in out.iter_mut().zip(names) {
            *slot = self
                .get(name)
                .ok_or_else(|| Outcome::invalid(format!("{name} is required")))?;
        }
        Ok(out)
    }

    /// Whether the field was sent at all (even blank).
    pub(crate) fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }
}

/// One authenticated call.
pub(crate) struct Call<'a> {
    pub(crate) app_id: &'a str,
    pub(crate) method: Method,
    pub(crate) params: &'a BizParams,
    pub(crate) now: SystemTime,
}

/// Applies a call: replays a stored answer, or runs the method's rule and stores a success under its key.
pub(crate) fn apply(world: &mut World, catalog: &Catalog, call: &Call<'_>) -> Outcome {
    let key = match idempotency_key(call) {
        Ok(key) => key,
        Err(outcome) => return outcome,
    };
    if let Some(key) = &key {
        if let Some(stored) = world.replays.get(key) {
            if stored.same_params(&call.params.0) {
                return Outcome::Success(stored.fields());
            }
            let (name, _) = key_fields(call.method).unwrap_or(("key", false));
            return Outcome::invalid(format!(
                "{name} was already used with different parameters; use a new {name} for a different request"
            ));
        }
    }
    let outcome = match call.method {
        Method::InviteAwardReceive => invite::receive(world, catalog, call),
        Method::VoucherSend => voucher::send(world, catalog, call),
        Method::PointsUpdate => points::update(world, call),
        Method::VoucherQuery => voucher_query::query(world, catalog, call),
        Method::VoucherListQuery => voucher_query::list(world, catalog, call),
        Method::TemplateDetailQuery => templates::detail(world, catalog, call),
        Method::CashlessTemplateCreate => templates::create(world, call),
        Method::PointsQuery => points_query::query(world, call),
    };
    if let (Some(key), Outcome::Success(fields)) = (key, &outcome) {
        world
            .replays
            .insert(key, Replay::new(&call.params.0, fields));
    }
    outcome
}

/// The name of a method's idempotency key and whether it is required; `None` for the queries, which change
/// nothing and so store no answer.
fn key_fields(method: Method) -> Option<(&'static str, bool)> {
    match method {
        Method::InviteAwardReceive => Some(("out_biz_no", false)),
        Method::VoucherSend | Method::CashlessTemplateCreate => Some(("out_biz_no", true)),
        Method::PointsUpdate => Some(("req_id", true)),
        Method::VoucherQuery
        | Method::VoucherListQuery
        | Method::TemplateDetailQuery
        | Method::PointsQuery => None,
    }
}

fn idempotency_key(call: &Call<'_>) -> Result<Option<String>, Outcome> {
    let Some((name, required)) = key_fields(call.method) else {
        return Ok(None);
    };
    let Some(value) = call.params.get(name) else {
        return if required {
            Err(Outcome::invalid(format!("{name} is required")))
        } else {
            Ok(None)
        };
    };
    let scope = match call.method {
        Method::VoucherSend => {
            let template = call
                .params
                .get("template_id")
                .ok_or_else(|| Outcome::invalid("template_id is required"))?;
            format!("{}|{template}", call.method)
        }
        _ => call.method.to_string(),
    };
    Ok(Some(format!("{scope}|{}|{value}", call.app_id)))
}

/// Beijing date `yyyyMMdd` of `now`, the prefix of generated ids.
fn date_prefix(now: SystemTime) -> String {
    alipay_marketing::sign::beijing_timestamp(now)[..10].replace('-', "")
}

#[cfg(test)]
mod tests;
