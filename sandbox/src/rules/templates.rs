//! Voucher templates beyond the scenario's: `alipay.marketing.cashlessvoucher.template.create` makes them,
//! `alipay.marketing.voucher.templatedetail.query` reads any template with its counts, and the admin API expires a
//! template or sets its stock. `voucher.send` reads templates through [`view`], so created templates can be sent
//! from and the publish window, expiry and stock apply to every send.

use std::time::{Duration, SystemTime};

use alipay_marketing::sign::{beijing_timestamp, parse_beijing_timestamp};
use serde::{Deserialize, Serialize};

use super::{Call, Outcome, date_prefix};
use crate::envelope::RAW_JSON;
use crate::model::{Template, TemplateKind};
use crate::money::{format_fen, parse_fen};
use crate::state::{Catalog, World};

/// The longest publish window the gateway accepts.
const MAX_PUBLISH_SPAN: Duration = Duration::from_secs(90 * 24 * 3600);
/// How far ahead a publish window may start.
const MAX_START_AHEAD: Duration = Duration::from_secs(15 * 24 * 3600);

/// A template made through the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CreatedTemplate {
    pub(crate) app_id: String,
    pub(crate) out_biz_no: String,
    pub(crate) voucher_type: String,
    pub(crate) brand_name: String,
    pub(crate) amount: String,
    pub(crate) floor_amount: String,
    pub(crate) total_amount: Option<String>,
    pub(crate) voucher_quantity: Option<u64>,
    pub(crate) publish_start_time: String,
    pub(crate) publish_end_time: String,
    pub(crate) voucher_valid_period: String,
    pub(crate) voucher_description: String,
    pub(crate) created_at: String,
}

/// What the admin API changed on a template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TemplateOverride {
    /// Expired from this time on (Beijing time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) expired_at: Option<String>,
    /// The total number of vouchers the template may issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) quantity: Option<u64>,
}

/// A template as the gateway sees it now: the scenario's or a created one, with the admin's changes.
#[derive(Debug, Clone)]
pub(crate) struct TemplateView {
    /// The send rules (kind, amount, expiry) in the scenario's form.
    pub(crate) template: Template,
    pub(crate) voucher_type: String,
    pub(crate) floor_amount: Option<String>,
    /// The budget of a random-amount template, yuan.
    pub(crate) total_amount: Option<String>,
    pub(crate) quantity: Option<u64>,
    pub(crate) publish_start: Option<String>,
    pub(crate) publish_end: Option<String>,
    pub(crate) valid_period: Option<String>,
    pub(crate) description: Option<String>,
}

impl TemplateView {
    fn expired(&self, now: SystemTime) -> bool {
        self.template
            .expires_at
            .as_deref()
            .and_then(parse_beijing_timestamp)
            .is_some_and(|at| now >= at)
    }

    /// `S` (in effect) or `E` (expired).
    fn status(&self, now: SystemTime) -> &'static str {
        if self.expired(now) { "E" } else { "S" }
    }
}

/// The template `id` as `app_id` may use it: scenario templates serve every app, created ones their creator.
pub(crate) fn view(
    world: &World,
    catalog: &Catalog,
    app_id: &str,
    id: &str,
) -> Option<TemplateView> {
    let mut view = if let Some(t) = catalog.templates.get(id) {
        TemplateView {
            template: t.clone(),
            voucher_type: match t.kind {
                TemplateKind::Fixed => "FIX_VOUCHER",
                // Not an Alipay value: the sandbox's red packets are not one of the documented types.
                TemplateKind::RedPacket => "RED_PACKET",
            }
            .to_owned(),
            floor_amount: None,
            total_amount: None,
            quantity: None,
            publish_start: None,
            publish_end: None,
            valid_period: None,
            description: None,
        }
    } else {
        let c = world
            .created_templates
            .get(id)
            .filter(|c| c.app_id == app_id)?;
        let random = c.voucher_type == "CASHLESS_RANDOM_VOUCHER";
        TemplateView {
            template: Template {
                template_id: id.to_owned(),
                name: format!("{}元代金券", c.amount),
                kind: if random {
                    TemplateKind::RedPacket
                } else {
                    TemplateKind::Fixed
                },
                amount: (!random).then(|| c.amount.clone()),
                max_amount: None,
                expires_at: None,
            },
            voucher_type: c.voucher_type.clone(),
            floor_amount: Some(c.floor_amount.clone()),
            total_amount: c.total_amount.clone(),
            quantity: c.voucher_quantity,
            publish_start: Some(c.publish_start_time.clone()),
            publish_end: Some(c.publish_end_time.clone()),
            valid_period: Some(c.voucher_valid_period.clone()),
            description: Some(c.voucher_description.clone()),
        }
    };
    if let Some(o) = world.template_overrides.get(id) {
        if o.expired_at.is_some() {
            view.template.expires_at = o.expired_at.clone();
        }
        if o.quantity.is_some() {
            view.quantity = o.quantity;
        }
    }
    Some(view)
}

/// Vouchers issued from a template and their total in fen.
pub(crate) fn issued(world: &World, template_id: &str) -> (u64, u64) {
    world
        .vouchers
        .iter()
        .filter(|v| v.template_id == template_id)
        .fold((0, 0), |(n, fen), v| {
            (n + 1, fen + parse_fen(&v.amount).unwrap_or(0))
        })
}

/// The publish window and the stock, checked for a send of `amount_fen` (after the expiry check).
pub(crate) fn refuse_send(
    world: &World,
    view: &TemplateView,
    now: SystemTime,
    amount_fen: u64,
) -> Option<Outcome> {
    let id = &view.template.template_id;
    let time = |t: &Option<String>| t.as_deref().and_then(parse_beijing_timestamp);
    if time(&view.publish_start).is_some_and(|start| now < start) {
        return Some(Outcome::Business {
            sub_code: "BEFORE_VOUCHER_START_TIME",
            sub_msg: format!(
                "template {id:?} starts issuing at {}",
                view.publish_start.as_deref().unwrap_or_default()
            ),
        });
    }
    if time(&view.publish_end).is_some_and(|end| now >= end) {
        return Some(Outcome::Business {
            sub_code: "AFTER_VOUCHER_END_TIME",
            sub_msg: format!(
                "template {id:?} stopped issuing at {}",
                view.publish_end.as_deref().unwrap_or_default()
            ),
        });
    }
    if view.quantity.is_none() && view.total_amount.is_none() {
        return None;
    }
    let (count, fen) = issued(world, id);
    let no_count_left = view.quantity.is_some_and(|q| count >= q);
    let no_budget_left = view
        .total_amount
        .as_deref()
        .and_then(parse_fen)
        .is_some_and(|budget| fen + amount_fen > budget);
    (no_count_left || no_budget_left).then(|| Outcome::Business {
        sub_code: "TEMPLATE_STOCK_NOT_ENOUGH",
        sub_msg: format!("template {id:?} has no vouchers left ({count} issued)"),
    })
}

/// `alipay.marketing.voucher.templatedetail.query`.
pub(super) fn detail(world: &mut World, catalog: &Catalog, call: &Call<'_>) -> Outcome {
    let [template_id] = match call.params.require(["template_id"]) {
        Ok(f) => f,
        Err(outcome) => return outcome,
    };
    let Some(view) = view(world, catalog, call.app_id, template_id) else {
        return Outcome::Business {
            sub_code: "TEMPLATE_NOT_EXIST",
            sub_msg: format!("voucher template {template_id:?} does not exist"),
        };
    };
    let (count, fen) = issued(world, template_id);
    let t = &view.template;
    let mut fields: Vec<(String, String)> = vec![
        ("template_id".into(), template_id.to_owned()),
        ("voucher_name".into(), t.name.clone()),
        ("voucher_type".into(), view.voucher_type.clone()),
        ("status".into(), view.status(call.now).to_owned()),
    ];
    let mut optional = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            fields.push((name.to_owned(), v));
        }
    };
    optional("publish_start_time", view.publish_start.clone());
    optional(
        "publish_end_time",
        view.publish_end.clone().or_else(|| t.expires_at.clone()),
    );
    optional("voucher_valid_period", view.valid_period.clone());
    optional(
        &format!("{RAW_JSON}voucher_quantity"),
        view.quantity.map(|q| q.to_string()),
    );
    optional("amount", t.amount.clone().or_else(|| t.max_amount.clone()));
    optional("floor_amount", view.floor_amount.clone());
    optional("total_amount", view.total_amount.clone());
    optional("voucher_description", view.description.clone());
    fields.push((format!("{RAW_JSON}publish_count"), count.to_string()));
    fields.push((format!("{RAW_JSON}used_count"), "0".into()));
    fields.push(("publish_amount".into(), format_fen(fen)));
    fields.push(("used_amount".into(), "0.00".into()));
    fields.push(("recycle_amount".into(), "0.00".into()));
    Outcome::Success(fields)
}

/// `alipay.marketing.cashlessvoucher.template.create`: the gateway's checks, then a new template. The caller's
/// `out_biz_no` idempotency is handled by `rules::apply`.
pub(super) fn create(world: &mut World, call: &Call<'_>) -> Outcome {
    let p = call.params;
    let fields = p.require([
        "out_biz_no",
        "voucher_type",
        "brand_name",
        "publish_start_time",
        "publish_end_time",
        "voucher_valid_period",
        "amount",
        "floor_amount",
    ]);
    let [
        out_biz_no,
        voucher_type,
        brand_name,
        start_text,
        end_text,
        period,
        amount,
        floor,
    ] = match fields {
        Ok(f) => f,
        Err(outcome) => return outcome,
    };
    if let Err(problem) = check_create(
        call,
        voucher_type,
        brand_name,
        start_text,
        end_text,
        period,
        amount,
        floor,
    ) {
        return Outcome::invalid(problem);
    }
    let template_id = format!("{}{:012}", date_prefix(call.now), world.next_seq());
    world.created_templates.insert(
        template_id.clone(),
        CreatedTemplate {
            app_id: call.app_id.to_owned(),
            out_biz_no: out_biz_no.to_owned(),
            voucher_type: voucher_type.to_owned(),
            brand_name: brand_name.to_owned(),
            amount: amount.to_owned(),
            floor_amount: floor.to_owned(),
            total_amount: p.get("total_amount").map(str::to_owned),
            voucher_quantity: p.get("voucher_quantity").and_then(|q| q.parse().ok()),
            publish_start_time: start_text.to_owned(),
            publish_end_time: end_text.to_owned(),
            voucher_valid_period: period.to_owned(),
            voucher_description: p.get("voucher_description").unwrap_or("[]").to_owned(),
            created_at: beijing_timestamp(call.now),
        },
    );
    Outcome::success([("template_id", template_id)])
}

#[allow(clippy::too_many_arguments)]
fn check_create(
    call: &Call<'_>,
    voucher_type: &str,
    brand_name: &str,
    start_text: &str,
    end_text: &str,
    period: &str,
    amount: &str,
    floor: &str,
) -> Result<(), String> {
    let p = call.params;
    if !matches!(
        voucher_type,
        "CASHLESS_FIX_VOUCHER" | "CASHLESS_RANDOM_VOUCHER"
    ) {
        return Err(format!(
            "voucher_type {voucher_type:?} is not CASHLESS_FIX_VOUCHER or CASHLESS_RANDOM_VOUCHER"
        ));
    }
    if brand_name.chars().count() > 12 {
        return Err("brand_name is longer than 12 characters".into());
    }
    let time = |name: &str, text: &str| {
        parse_beijing_timestamp(text)
            .ok_or_else(|| format!("{name} {text:?} is not yyyy-MM-dd HH:mm:ss"))
    };
    let (start, end) = (
        time("publish_start_time", start_text)?,
        time("publish_end_time", end_text)?,
    );
    match end.duration_since(start) {
        Ok(span) if !span.is_zero() && span <= MAX_PUBLISH_SPAN => {}
        Ok(span) if !span.is_zero() => {
            return Err("the publish window is longer than 90 days".into());
        }
        _ => return Err("publish_end_time must be after publish_start_time".into()),
    }
    if start
        .duration_since(call.now)
        .is_ok_and(|ahead| ahead > MAX_START_AHEAD)
    {
        return Err("publish_start_time is more than 15 days from now".into());
    }
    let valid = serde_json::from_str::<serde_json::Value>(period)
        .ok()
        .is_some_and(|v| matches!(v["type"].as_str(), Some("ABSOLUTE" | "RELATIVE")));
    if !valid {
        return Err(
            "voucher_valid_period must be a JSON object with type ABSOLUTE or RELATIVE".into(),
        );
    }
    let fen = |name: &str, text: &str| {
        parse_fen(text).ok_or_else(|| format!("{name} {text:?} is not an amount in yuan"))
    };
    if !(100..=99_900).contains(&fen("amount", amount)?) {
        return Err("amount must be from 1 to 999 yuan".into());
    }
    fen("floor_amount", floor)?;
    if voucher_type == "CASHLESS_FIX_VOUCHER" {
        let quantity = p
            .get("voucher_quantity")
            .and_then(|q| q.parse::<u64>().ok());
        if quantity.is_none_or(|q| q == 0) {
            return Err(
                "voucher_quantity must be a whole number greater than 0 for CASHLESS_FIX_VOUCHER"
                    .into(),
            );
        }
    } else {
        let total = p.get("total_amount").and_then(parse_fen);
        if !total.is_some_and(|t| (100..=1_000_000_000).contains(&t)) {
            return Err(
                "total_amount must be from 1 to 10000000 yuan for CASHLESS_RANDOM_VOUCHER".into(),
            );
        }
    }
    if let Some(d) = p.get("voucher_description") {
        if !serde_json::from_str::<serde_json::Value>(d).is_ok_and(|v| v.is_array()) {
            return Err("voucher_description must be a JSON array".into());
        }
    }
    Ok(())
}

/// `POST /admin/templates` with `{"template_id": …, "expire": true}` and/or `{"stock": N}` (vouchers left from now
/// on). Answers the template's new state, or what is wrong with the request.
pub(crate) fn admin_change(
    world: &mut World,
    catalog: &Catalog,
    body: &serde_json::Value,
    now: SystemTime,
) -> Result<serde_json::Value, String> {
    let id = body["template_id"].as_str().ok_or(
        "give \"template_id\" (a string), e.g. {\"template_id\":\"TPL-FIXED-10\",\"expire\":true}",
    )?;
    let exists = catalog.templates.contains_key(id) || world.created_templates.contains_key(id);
    if !exists {
        return Err(format!("template {id:?} does not exist"));
    }
    let expire = match &body["expire"] {
        serde_json::Value::Null => None,
        serde_json::Value::Bool(b) => Some(*b),
        _ => return Err("\"expire\" must be true or false".into()),
    };
    let stock = match &body["stock"] {
        serde_json::Value::Null => None,
        v => Some(
            v.as_u64()
                .ok_or("\"stock\" must be a whole number of vouchers left")?,
        ),
    };
    if expire.is_none() && stock.is_none() {
        return Err(
            "nothing to change: give \"expire\": true (or false) and/or \"stock\": N".into(),
        );
    }
    let (count, _) = issued(world, id);
    let change = world.template_overrides.entry(id.to_owned()).or_default();
    match expire {
        Some(true) => change.expired_at = Some(beijing_timestamp(now)),
        // Back in effect: the admin's expiry is lifted (a scenario's own `expires_at` stays).
        Some(false) => change.expired_at = None,
        None => {}
    }
    if let Some(left) = stock {
        change.quantity = Some(count + left);
    }
    Ok(serde_json::json!({
        "template_id": id,
        "expired_at": change.expired_at,
        "voucher_quantity": change.quantity,
        "publish_count": count,
    }))
}
