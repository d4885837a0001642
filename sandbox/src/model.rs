//! The entities a scenario seeds and the gateway keeps: users, invite activities, voucher templates, issued
//! vouchers, stamp-card balances and point freezes. Plain data with serde; the rules live in `rules`.

use serde::{Deserialize, Serialize};

/// An Alipay user's account status. Only `NORMAL` users can receive vouchers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserStatus {
    /// A normal, usable account.
    #[default]
    Normal,
    /// Frozen by risk control: vouchers are refused with `USER_STATUS_ERROR`.
    Frozen,
    /// Closed (cancelled) account: vouchers are refused with `USER_STATUS_ERROR`.
    Closed,
}

/// A person known to the sandbox. A registered user has an Alipay account (and a `user_id`); an unregistered one
/// is only a mobile number, and counts as a NEW user for invite awards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The Alipay user id (16 digits starting with 2088). Required for registered users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The mobile number (11 digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// The Alipay login name (an e-mail address or a mobile number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_id: Option<String>,
    /// The Taobao nickname bound to the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taobao_nick: Option<String>,
    /// The user's open_id (the app-scoped id that newer apps receive instead of user_id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
    /// Account status; `NORMAL` unless said otherwise.
    #[serde(default)]
    pub status: UserStatus,
    /// Whether the person has an Alipay account (an OLD user). Default `true`.
    #[serde(default = "yes")]
    pub registered: bool,
}

fn yes() -> bool {
    true
}

impl User {
    /// A registered, normal user with a user id and a mobile.
    pub fn registered(user_id: &str, mobile: &str) -> Self {
        User {
            user_id: Some(user_id.to_owned()),
            mobile: Some(mobile.to_owned()),
            login_id: None,
            taobao_nick: None,
            open_id: None,
            status: UserStatus::Normal,
            registered: true,
        }
    }

    /// A person without an Alipay account, known only by mobile (a NEW user for invite awards).
    pub fn unregistered(mobile: &str) -> Self {
        User {
            user_id: None,
            mobile: Some(mobile.to_owned()),
            login_id: None,
            taobao_nick: None,
            open_id: None,
            status: UserStatus::Normal,
            registered: false,
        }
    }

    /// Checks that the record can be looked up: registered users need a user_id, everyone needs some id.
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.registered && self.user_id.is_none() {
            return Err("a registered user needs a user_id (set registered = false for a mobile-only person)".into());
        }
        if self.user_id.is_none() && self.mobile.is_none() {
            return Err("a user needs a user_id or a mobile".into());
        }
        Ok(())
    }
}

/// Whether an invite activity hands out awards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActivityStatus {
    /// Awards are handed out.
    #[default]
    Open,
    /// Calls answer `ACTIVITY_PAUSE`.
    Paused,
    /// Calls answer `ACTIVITY_CLOSE`.
    Closed,
}

/// An invite ("拉新") activity. Each app uses its default activity unless `out_biz_code` names another one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Activity {
    /// The activity's id; a request's `out_biz_code` equal to it selects it.
    pub activity_id: String,
    /// The app the activity belongs to; absent means every app may use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// Open, paused or closed.
    #[serde(default)]
    pub status: ActivityStatus,
    /// How many awards one OLD user may receive before `OLD_AWARD_OVER_LIMIT`.
    #[serde(default = "default_old_user_limit")]
    pub old_user_limit: u32,
    /// Whether this is the app's default activity.
    #[serde(default)]
    pub default: bool,
}

fn default_old_user_limit() -> u32 {
    3
}

/// A voucher template's amount rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateKind {
    /// A red packet (红包): each send names its `amount`, up to `max_amount` when set.
    RedPacket,
    /// A fixed voucher: the template carries the amount; a send that names one is refused.
    Fixed,
}

/// A voucher template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// The template id a send names.
    pub template_id: String,
    /// A display name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Red packet or fixed amount.
    pub kind: TemplateKind,
    /// The face value of a fixed template, in yuan (`"5.00"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    /// The largest amount one red-packet send may name, in yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_amount: Option<String>,
    /// When the template stops issuing, Beijing time `yyyy-MM-dd HH:mm:ss`. Absent: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// A stamp-card account's points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Balance {
    /// Points that can be frozen or consumed.
    pub available: u64,
    /// Points held by open freezes.
    pub frozen: u64,
}

/// A stamp-card account seeded by a scenario: the balance of one user in one activity account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The activity (stamp-card) account.
    pub activity_account: String,
    /// The Alipay user id.
    pub user_id: String,
    /// Available points.
    #[serde(default)]
    pub available: u64,
    /// Frozen points.
    #[serde(default)]
    pub frozen: u64,
}

/// A voucher the sandbox issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voucher {
    /// The voucher id returned to the caller.
    pub voucher_id: String,
    /// The template it was issued from.
    pub template_id: String,
    /// The caller's idempotency key (with `template_id`).
    pub out_biz_no: String,
    /// The app that sent it.
    pub app_id: String,
    /// The recipient.
    pub user_id: String,
    /// The recipient's open_id, when the request named the user by open_id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
    /// The amount in yuan.
    pub amount: String,
    /// The request's `memo`, as received (decoded from the request charset, decrypted when encrypted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    /// When it was issued, Beijing time.
    pub issued_at: String,
}

/// Where a point freeze stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FreezeStatus {
    /// Points held; waiting for COMMIT or CANCEL.
    Frozen,
    /// Consumed by a COMMIT.
    Committed,
    /// Returned to the available balance by a CANCEL.
    Cancelled,
}

/// A FREEZE operation, found later by its `point_log_no`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Freeze {
    /// The activity account.
    pub activity_account: String,
    /// The user.
    pub user_id: String,
    /// Points held.
    pub amount: u64,
    /// Open, committed or cancelled.
    pub status: FreezeStatus,
}
