//! `alipay.user.invite.award.receive`: a registered user is OLD, anyone else NEW; NEW users get one award per
//! activity, OLD users up to the activity's limit; paused and closed activities award nothing.

use alipay_marketing::mask::mask_mobile;

use super::{Call, Outcome};
use crate::model::{ActivityStatus, User};
use crate::state::{Catalog, World};

pub(super) fn receive(world: &mut World, catalog: &Catalog, call: &Call<'_>) -> Outcome {
    let p = call.params;
    let user_id = p.get("user_id");
    let mobile = p.get("mobile");
    // user_id wins when both are given, as the official model documents.
    let person: Person<'_> = match (user_id, mobile) {
        (Some(id), _) => {
            if !is_user_id(id) {
                return Outcome::invalid("user_id must be 16 digits starting with 2088");
            }
            match catalog.user_by_id(id).filter(|u| u.registered) {
                Some(user) => Person::Old(user),
                None => {
                    return Outcome::invalid(
                        "user_id is not a registered Alipay user; give the mobile instead",
                    );
                }
            }
        }
        (None, Some(m)) => {
            if !is_mobile(m) {
                return Outcome::invalid(
                    "mobile must be a mainland-China mobile number: 11 digits starting with 13-19",
                );
            }
            match catalog.user_by_mobile(m).filter(|u| u.registered) {
                Some(user) => Person::Old(user),
                None => Person::New(m),
            }
        }
        (None, None) if p.has("mobile") => return Outcome::invalid("mobile is empty"),
        (None, None) => return Outcome::invalid("mobile or user_id is required"),
    };
    let out_biz_code = p.get("out_biz_code");
    let Some(activity) = catalog.activity(call.app_id, out_biz_code) else {
        return match out_biz_code {
            Some(code) => Outcome::invalid(format!(
                "out_biz_code {code:?} names no invite activity of this app"
            )),
            None => Outcome::invalid("this app has no default invite activity; give out_biz_code"),
        };
    };
    let (code, desc) = match activity.status {
        ActivityStatus::Paused => ("ACTIVITY_PAUSE", "活动已暂停"),
        ActivityStatus::Closed => ("ACTIVITY_CLOSE", "活动已结束"),
        ActivityStatus::Open => match person {
            Person::New(m) => {
                let awarded = world
                    .new_awarded
                    .entry(activity.activity_id.clone())
                    .or_default();
                if awarded.insert(m.to_owned()) {
                    ("NEW_AWARD_SUCESS", "新用户领奖成功")
                } else {
                    ("NEW_ALREADY_AWARD", "新用户已领过奖励")
                }
            }
            Person::Old(user) => {
                let id = user.user_id.clone().unwrap_or_default();
                let count = world
                    .old_awards
                    .entry(activity.activity_id.clone())
                    .or_default()
                    .entry(id)
                    .or_default();
                if *count < activity.old_user_limit {
                    *count += 1;
                    ("OLD_AWARD_SUCCESS", "老用户领奖成功")
                } else {
                    ("OLD_AWARD_OVER_LIMIT", "老用户领奖已达上限")
                }
            }
        },
    };
    let mut fields = vec![
        ("biz_result_code".to_owned(), code.to_owned()),
        ("biz_result_desc".to_owned(), desc.to_owned()),
        ("user_attr".to_owned(), person.attr().to_owned()),
    ];
    if let Person::Old(user) = person {
        fields.push(("alipay_account_no".to_owned(), masked_accounts(user)));
    }
    if let Some(m) = mobile.filter(|_| user_id.is_none()) {
        fields.push(("mobile".to_owned(), m.to_owned()));
    }
    Outcome::Success(fields)
}

enum Person<'a> {
    New(&'a str),
    Old(&'a User),
}

impl Person<'_> {
    fn attr(&self) -> &'static str {
        match self {
            Person::New(_) => "NEW",
            Person::Old(_) => "OLD",
        }
    }
}

/// A mainland-China mobile: 11 ASCII digits, `1` then `3`–`9`.
fn is_mobile(m: &str) -> bool {
    m.len() == 11
        && m.bytes().all(|b| b.is_ascii_digit())
        && m.starts_with('1')
        && matches!(m.as_bytes()[1], b'3'..=b'9')
}

fn is_user_id(id: &str) -> bool {
    id.len() == 16 && id.bytes().all(|b| b.is_ascii_digit()) && id.starts_with("2088")
}

/// The user's account names as the gateway shows them: masked, comma-separated.
fn masked_accounts(user: &User) -> String {
    let mut names = Vec::new();
    if let Some(login) = &user.login_id {
        names.push(match login.split_once('@') {
            Some((local, domain)) => {
                format!("{}***@{domain}", local.chars().take(2).collect::<String>())
            }
            None => mask_mobile(login),
        });
    }
    if let Some(m) = &user.mobile {
        let masked = mask_mobile(m);
        if !names.contains(&masked) {
            names.push(masked);
        }
    }
    names.join(",")
}
