//! `koubei.marketing.tool.points.update`: DEPOSIT adds points; FREEZE holds them and returns the `point_log_no`
//! that a later COMMIT (spend) or CANCEL (release) names as its `biz_no`; CONSUME spends directly.

use super::{Call, Outcome, date_prefix};
use crate::model::{Freeze, FreezeStatus};
use crate::state::World;

const TRANS_TYPES: [&str; 5] = ["DEPOSIT", "FREEZE", "COMMIT", "CANCEL", "CONSUME"];

pub(super) fn update(world: &mut World, call: &Call<'_>) -> Outcome {
    let p = call.params;
    let [account, user_id, trans_type, amount_text] =
        match p.require(["activity_account", "user_id", "trans_type", "trans_amount"]) {
            Ok(fields) => fields,
            Err(outcome) => return outcome,
        };
    if !TRANS_TYPES.contains(&trans_type) {
        return Outcome::invalid(format!(
            "trans_type {trans_type:?} is not one of DEPOSIT, FREEZE, COMMIT, CANCEL, CONSUME"
        ));
    }
    let amount = match amount_text.parse::<u64>() {
        Ok(n)
            if n > 0 && n <= i32::MAX as u64 && amount_text.bytes().all(|b| b.is_ascii_digit()) =>
        {
            n
        }
        _ => {
            return Outcome::invalid(format!(
                "trans_amount {amount_text:?} is not a whole number of points from 1 to 2147483647"
            ));
        }
    };
    let biz_no = p.get("biz_no");
    match (trans_type, biz_no) {
        ("DEPOSIT" | "COMMIT" | "CANCEL", None) => {
            let what = if trans_type == "DEPOSIT" {
                "the payment trade no"
            } else {
                "the point_log_no of the FREEZE"
            };
            return Outcome::invalid(format!("biz_no is required for {trans_type}: give {what}"));
        }
        ("FREEZE" | "CONSUME", Some(_)) => {
            return Outcome::invalid(format!("biz_no must be absent for {trans_type}"));
        }
        _ => {}
    }
    if p.get("shop_id").is_some() && trans_type != "DEPOSIT" {
        return Outcome::invalid(format!("shop_id is only for DEPOSIT, not {trans_type}"));
    }
    let Some(balance) = world
        .balances
        .get(account)
        .and_then(|users| users.get(user_id))
        .copied()
    else {
        return Outcome::invalid(format!(
            "no stamp-card account {account:?} for this user_id"
        ));
    };
    let mut balance = balance;
    let insufficient = || Outcome::Business {
        sub_code: "BIZ_ERROR",
        sub_msg: format!(
            "insufficient points: {amount} requested, {} available",
            balance.available
        ),
    };
    let mut settle: Option<(String, FreezeStatus)> = None;
    match trans_type {
        "DEPOSIT" => match balance.available.checked_add(amount) {
            Some(v) => balance.available = v,
            None => return Outcome::invalid("the deposit would overflow the account"),
        },
        "FREEZE" | "CONSUME" => {
            if balance.available < amount {
                return insufficient();
            }
            balance.available -= amount;
            if trans_type == "FREEZE" {
                balance.frozen += amount;
            }
        }
        _ => {
            // COMMIT or CANCEL of a freeze of this account.
            let log_no = biz_no.unwrap_or_default();
            let Some(freeze) = world
                .freezes
                .get(log_no)
                .filter(|f| f.activity_account == account && f.user_id == user_id)
            else {
                return Outcome::invalid(format!(
                    "biz_no {log_no:?} is not the point_log_no of a FREEZE on this account"
                ));
            };
            if freeze.status != FreezeStatus::Frozen {
                return Outcome::Business {
                    sub_code: "BIZ_ERROR",
                    sub_msg: format!(
                        "the freeze {log_no} is already {}",
                        status_word(freeze.status)
                    ),
                };
            }
            if freeze.amount != amount {
                return Outcome::invalid(format!(
                    "trans_amount {amount} differs from the {} points of the freeze {log_no}",
                    freeze.amount
                ));
            }
            balance.frozen -= amount;
            let status = if trans_type == "COMMIT" {
                FreezeStatus::Committed
            } else {
                balance.available += amount;
                FreezeStatus::Cancelled
            };
            settle = Some((log_no.to_owned(), status));
        }
    }
    let seq = world.next_seq();
    let point_log_no = format!("PL{}{:012}", date_prefix(call.now), seq);
    world.point_moves.push((
        point_log_no.clone(),
        p.get("req_id").unwrap_or_default().to_owned(),
        trans_type.to_owned(),
        amount,
    ));
    if let Some((log_no, status)) = settle {
        if let Some(f) = world.freezes.get_mut(&log_no) {
            f.status = status;
        }
    }
    if trans_type == "FREEZE" {
        world.freezes.insert(
            point_log_no.clone(),
            Freeze {
                activity_account: account.to_owned(),
                user_id: user_id.to_owned(),
                amount,
                status: FreezeStatus::Frozen,
            },
        );
    }
    if let Some(slot) = world
        .balances
        .get_mut(account)
        .and_then(|users| users.get_mut(user_id))
    {
        *slot = balance;
    }
    Outcome::success([("point_log_no", point_log_no)])
}

fn status_word(status: FreezeStatus) -> &'static str {
    match status {
        FreezeStatus::Frozen => "frozen",
        FreezeStatus::Committed => "committed",
        FreezeStatus::Cancelled => "cancelled",
    }
}
