//! `alipay.marketing.voucher.send`: the template must exist, not be expired, be inside its publish window and have
//! stock left (see `templates`); a fixed template takes no amount,
//! a red packet needs one; the recipient is found by user_id > login_id > taobao_nick > open_id and must be a
//! registered, normal user.

use alipay_marketing::sign::{beijing_timestamp, parse_beijing_timestamp};

use super::{Call, Outcome, date_prefix};
use crate::model::{TemplateKind, User, UserStatus, Voucher};
use crate::money::{format_fen, parse_fen, parse_two_decimals};
use crate::state::{Catalog, World};

pub(super) fn send(world: &mut World, catalog: &Catalog, call: &Call<'_>) -> Outcome {
    let p = call.params;
    // Both are present: the idempotency key check ran first.
    let template_id = p.get("template_id").unwrap_or_default();
    let out_biz_no = p.get("out_biz_no").unwrap_or_default();
    // Scenario or created template, with the admin's expiry and stock.
    let Some(view) = super::templates::view(world, catalog, call.app_id, template_id) else {
        return Outcome::Business {
            sub_code: "TEMPLATE_NOT_EXIST",
            sub_msg: format!("voucher template {template_id:?} does not exist"),
        };
    };
    let template = &view.template;
    if let Some(expiry) = template
        .expires_at
        .as_deref()
        .and_then(parse_beijing_timestamp)
    {
        if call.now >= expiry {
            return Outcome::Business {
                sub_code: "TEMPLATE_EXPIRED",
                sub_msg: format!(
                    "voucher template {template_id:?} expired at {}",
                    template.expires_at.as_deref().unwrap_or("")
                ),
            };
        }
    }
    let amount_fen = match (template.kind, p.get("amount")) {
        (TemplateKind::Fixed, Some(_)) => {
            return Outcome::invalid(format!(
                "template {template_id:?} has a fixed amount; do not send amount"
            ));
        }
        (TemplateKind::Fixed, None) => template.amount.as_deref().and_then(parse_fen).unwrap_or(0),
        (TemplateKind::RedPacket, None) => {
            return Outcome::invalid(format!(
                "template {template_id:?} is a red packet; amount is required"
            ));
        }
        (TemplateKind::RedPacket, Some(a)) => {
            let Some(fen) = parse_two_decimals(a).filter(|&f| f > 0) else {
                return Outcome::invalid(format!(
                    "amount {a:?} is not yuan with two decimals, more than 0, like \"8.88\""
                ));
            };
            if let Some(max) = template.max_amount.as_deref().and_then(parse_fen) {
                if fen > max {
                    return Outcome::invalid(format!(
                        "amount {a} is more than the template's maximum of {}",
                        format_fen(max)
                    ));
                }
            }
            fen
        }
    };
    if let Some(refusal) = super::templates::refuse_send(world, &view, call.now, amount_fen) {
        return refusal;
    }
    if let Some(info) = p.get("extend_info") {
        let ok = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(info)
            .is_ok_and(|m| m.keys().all(|k| k == "alipayMiniAppToken"));
        if !ok {
            return Outcome::invalid(
                "extend_info must be a JSON object whose only key is alipayMiniAppToken",
            );
        }
    }
    let user = match find_recipient(catalog, p) {
        Ok(user) => user,
        Err(outcome) => return outcome,
    };
    if user.status != UserStatus::Normal {
        return Outcome::Business {
            sub_code: "USER_STATUS_ERROR",
            sub_msg: "the user's account is frozen or closed and cannot receive vouchers"
                .to_owned(),
        };
    }
    let user_id = user.user_id.clone().unwrap_or_default();
    let seq = world.next_seq();
    let voucher_id = format!("{}{:016}", date_prefix(call.now), seq);
    let open_id = p.get("open_id").filter(|_| {
        p.get("user_id").is_none() && p.get("login_id").is_none() && p.get("taobao_nick").is_none()
    });
    world.vouchers.push(Voucher {
        voucher_id: voucher_id.clone(),
        template_id: template_id.to_owned(),
        out_biz_no: out_biz_no.to_owned(),
        app_id: call.app_id.to_owned(),
        user_id: user_id.clone(),
        open_id: open_id.map(str::to_owned),
        amount: format_fen(amount_fen),
        memo: p.get("memo").map(str::to_owned),
        issued_at: beijing_timestamp(call.now),
    });
    let mut fields = vec![
        ("voucher_id".to_owned(), voucher_id),
        ("user_id".to_owned(), user_id),
    ];
    if let Some(open_id) = open_id {
        fields.push(("open_id".to_owned(), open_id.to_owned()));
    }
    Outcome::Success(fields)
}

/// The documented priority: user_id > login_id > taobao_nick (then open_id, the newer app-scoped id).
fn find_recipient<'c>(catalog: &'c Catalog, p: &super::BizParams) -> Result<&'c User, Outcome> {
    let (field, found) = if let Some(id) = p.get("user_id") {
        ("user_id", catalog.user_by_id(id))
    } else if let Some(login) = p.get("login_id") {
        ("login_id", catalog.user_by_login_id(login))
    } else if let Some(nick) = p.get("taobao_nick") {
        ("taobao_nick", catalog.user_by_taobao_nick(nick))
    } else if let Some(open_id) = p.get("open_id") {
        ("open_id", catalog.user_by_open_id(open_id))
    } else {
        return Err(Outcome::invalid(
            "no recipient: give user_id, login_id, taobao_nick or open_id",
        ));
    };
    found
        .filter(|u| u.registered && u.user_id.is_some())
        .ok_or_else(|| Outcome::Business {
            sub_code: "USER_NOT_EXIST",
            sub_msg: format!("no Alipay user matches the given {field}"),
        })
}
