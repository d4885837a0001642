//! `alipay.marketing.voucher.query` and `alipay.marketing.voucher.list.query` over the vouchers `voucher.send`
//! issued. An app sees only the vouchers it sent. A voucher is `ENABLED` until the end of its validity (from the
//! template's `voucher_valid_period`, when it has one), then `EXPIRED`.

use std::time::{Duration, SystemTime};

use alipay_marketing::sign::{beijing_timestamp, parse_beijing_timestamp};

use super::templates::view;
use super::{Call, Outcome};
use crate::envelope::RAW_JSON;
use crate::model::Voucher;
use crate::state::{Catalog, World};

/// When a voucher becomes usable and stops being usable, per its template's validity.
fn validity(period: Option<&str>, issued_at: &str) -> (Option<String>, Option<String>) {
    let issued = issued_at.to_owned();
    let Some(period) = period.and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
    else {
        return (Some(issued), None);
    };
    match period["type"].as_str() {
        Some("ABSOLUTE") => (
            period["start"].as_str().map(str::to_owned),
            period["end"].as_str().map(str::to_owned),
        ),
        Some("RELATIVE") => {
            let unit = match period["unit"].as_str() {
                Some("MINUTE") => 60,
                Some("HOUR") => 3600,
                _ => 86_400,
            };
            let length = Duration::from_secs(period["duration"].as_u64().unwrap_or(0) * unit);
            let end = parse_beijing_timestamp(issued_at).map(|at| beijing_timestamp(at + length));
            (Some(issued), end)
        }
        _ => (Some(issued), None),
    }
}

fn status(expires: Option<&str>, now: SystemTime) -> &'static str {
    match expires.and_then(parse_beijing_timestamp) {
        Some(end) if now >= end => "EXPIRED",
        _ => "ENABLED",
    }
}

pub(super) fn query(world: &mut World, catalog: &Catalog, call: &Call<'_>) -> Outcome {
    let [voucher_id] = match call.params.require(["voucher_id"]) {
        Ok(f) => f,
        Err(outcome) => return outcome,
    };
    let Some(v) = world
        .vouchers
        .iter()
        .find(|v| v.voucher_id == voucher_id && v.app_id == call.app_id)
    else {
        return Outcome::Business {
            sub_code: "VOUCHER_NOT_EXIST",
            sub_msg: format!("voucher {voucher_id:?} does not exist for this app"),
        };
    };
    let template = view(world, catalog, call.app_id, &v.template_id);
    let (active, expires) = validity(
        template.as_ref().and_then(|t| t.valid_period.as_deref()),
        &v.issued_at,
    );
    let mut fields: Vec<(String, String)> = vec![
        ("voucher_id".into(), v.voucher_id.clone()),
        ("template_id".into(), v.template_id.clone()),
        (
            "name".into(),
            template.map(|t| t.template.name).unwrap_or_default(),
        ),
        ("status".into(), status(expires.as_deref(), call.now).into()),
        ("total_amount".into(), v.amount.clone()),
        ("available_amount".into(), v.amount.clone()),
        ("user_id".into(), v.user_id.clone()),
        ("gmt_create".into(), v.issued_at.clone()),
    ];
    if let Some(open_id) = &v.open_id {
        fields.push(("open_id".into(), open_id.clone()));
    }
    if let Some(active) = active {
        fields.push(("gmt_active".into(), active));
    }
    if let Some(expires) = expires {
        fields.push(("gmt_expired".into(), expires));
    }
    for (name, value) in [
        ("total_count", 1),
        ("available_count", 1),
        ("used_count", 0),
    ] {
        fields.push((format!("{RAW_JSON}{name}"), value.to_string()));
    }
    Outcome::Success(fields)
}

pub(super) fn list(world: &mut World, catalog: &Catalog, call: &Call<'_>) -> Outcome {
    let p = call.params;
    let [template_id] = match p.require(["template_id"]) {
        Ok(f) => f,
        Err(outcome) => return outcome,
    };
    let Some(template) = view(world, catalog, call.app_id, template_id) else {
        return Outcome::Business {
            sub_code: "TEMPLATE_NOT_EXIST",
            sub_msg: format!("voucher template {template_id:?} does not exist"),
        };
    };
    let user_id = match (p.get("user_id"), p.get("open_id")) {
        (Some(user_id), _) => Some(user_id.to_owned()),
        (None, Some(open_id)) => catalog
            .user_by_open_id(open_id)
            .and_then(|u| u.user_id.clone()),
        (None, None) => return Outcome::invalid("user_id or open_id is required"),
    };
    let held: Vec<&Voucher> = world
        .vouchers
        .iter()
        .filter(|v| {
            v.app_id == call.app_id
                && v.template_id == template_id
                && Some(&v.user_id) == user_id.as_ref()
        })
        .collect();
    let items: Vec<serde_json::Value> = held
        .iter()
        .map(|v| {
            let (_, expires) = validity(template.valid_period.as_deref(), &v.issued_at);
            serde_json::json!({
                "voucher_id": v.voucher_id,
                "template_id": v.template_id,
                "status": status(expires.as_deref(), call.now),
                "send_time": v.issued_at,
            })
        })
        .collect();
    Outcome::Success(vec![(
        format!("{RAW_JSON}vouchers"),
        serde_json::Value::from(items).to_string(),
    )])
}
