//! What the sandbox knows: the fixed [`Catalog`] built from the scenario, and the [`World`] that calls change
//! (awards, vouchers, balances, freezes, idempotency records, call counts), which is what `--state` persists.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::method::Method;
use crate::model::{Activity, Balance, Freeze, Template, User, Voucher};
use crate::rules::templates::{CreatedTemplate, TemplateOverride};
use crate::scenario::Scenario;

/// The scenario's fixed facts, indexed for lookups.
#[derive(Debug)]
pub(crate) struct Catalog {
    pub(crate) users: Vec<User>,
    by_user_id: HashMap<String, usize>,
    by_mobile: HashMap<String, usize>,
    by_login_id: HashMap<String, usize>,
    by_taobao_nick: HashMap<String, usize>,
    by_open_id: HashMap<String, usize>,
    pub(crate) activities: Vec<Activity>,
    pub(crate) templates: BTreeMap<String, Template>,
}

impl Catalog {
    pub(crate) fn new(scenario: &Scenario) -> Self {
        let users = scenario.users.clone();
        let index = |get: fn(&User) -> Option<&String>| {
            users
                .iter()
                .enumerate()
                .filter_map(|(i, u)| get(u).map(|k| (k.clone(), i)))
                .collect::<HashMap<_, _>>()
        };
        Catalog {
            by_user_id: index(|u| u.user_id.as_ref()),
            by_mobile: index(|u| u.mobile.as_ref()),
            by_login_id: index(|u| u.login_id.as_ref()),
            by_taobao_nick: index(|u| u.taobao_nick.as_ref()),
            by_open_id: index(|u| u.open_id.as_ref()),
            users,
            activities: scenario.activities.clone(),
            templates: scenario
                .templates
                .iter()
                .map(|t| (t.template_id.clone(), t.clone()))
                .collect(),
        }
    }

    pub(crate) fn user_by_id(&self, user_id: &str) -> Option<&User> {
        self.by_user_id.get(user_id).map(|&i| &self.users[i])
    }

    pub(crate) fn user_by_mobile(&self, mobile: &str) -> Option<&User> {
        self.by_mobile.get(mobile).map(|&i| &self.users[i])
    }

    pub(crate) fn user_by_login_id(&self, login_id: &str) -> Option<&User> {
        self.by_login_id.get(login_id).map(|&i| &self.users[i])
    }

    pub(crate) fn user_by_taobao_nick(&self, nick: &str) -> Option<&User> {
        self.by_taobao_nick.get(nick).map(|&i| &self.users[i])
    }

    pub(crate) fn user_by_open_id(&self, open_id: &str) -> Option<&User> {
        self.by_open_id.get(open_id).map(|&i| &self.users[i])
    }

    /// The activity a call uses: the one named by `out_biz_code`, else the app's default.
    pub(crate) fn activity(&self, app_id: &str, out_biz_code: Option<&str>) -> Option<&Activity> {
        let for_app = |a: &&Activity| a.app_id.as_deref().is_none_or(|x| x == app_id);
        match out_biz_code {
            Some(code) => self
                .activities
                .iter()
                .filter(for_app)
                .find(|a| a.activity_id == code),
            None => self.activities.iter().filter(for_app).find(|a| a.default),
        }
    }
}

/// A stored successful answer, replayed when the same idempotency key comes back with the same parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Replay {
    /// The business parameters of the first call, as canonical JSON (keys sorted).
    pub(crate) params: String,
    /// The response node's fields after `code` and `msg`, as a JSON array of `[name, value]` pairs.
    pub(crate) fields: String,
}

impl Replay {
    /// Stored as two compact strings: one record is a few hundred bytes, whatever the method.
    pub(crate) fn new(params: &BTreeMap<String, String>, fields: &[(String, String)]) -> Self {
        Replay {
            params: canonical(params),
            fields: compact(&serde_json::to_string(fields).unwrap_or_default()),
        }
    }

    /// Whether a call's parameters are those of the stored call.
    pub(crate) fn same_params(&self, params: &BTreeMap<String, String>) -> bool {
        self.params == canonical(params)
    }

    /// The stored answer's fields.
    pub(crate) fn fields(&self) -> Vec<(String, String)> {
        serde_json::from_str(&self.fields).unwrap_or_default()
    }
}

fn canonical(params: &BTreeMap<String, String>) -> String {
    compact(&serde_json::to_string(params).unwrap_or_default())
}

fn compact(text: &str) -> String {
    let mut s = text.to_owned();
    s.shrink_to_fit();
    s
}

/// Everything calls change: what the `--state` file holds (see `state_file.rs`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct World {
    /// activity_id → mobiles of NEW users already awarded.
    pub(crate) new_awarded: BTreeMap<String, BTreeSet<String>>,
    /// activity_id → user_id → awards an OLD user received.
    pub(crate) old_awards: BTreeMap<String, BTreeMap<String, u32>>,
    /// Vouchers issued, in order.
    pub(crate) vouchers: Vec<Voucher>,
    /// activity_account → user_id → points.
    pub(crate) balances: BTreeMap<String, BTreeMap<String, Balance>>,
    /// point_log_no of a FREEZE → the freeze.
    pub(crate) freezes: BTreeMap<String, Freeze>,
    /// `method|app_id|key` → the stored answer.
    pub(crate) replays: BTreeMap<String, Replay>,
    /// method → outcome → number of calls.
    pub(crate) calls: BTreeMap<String, BTreeMap<String, u64>>,
    /// app_auth_token → method → number of calls made with that token (ISV calls on a merchant's behalf).
    #[serde(default)]
    pub(crate) calls_by_app_auth_token: BTreeMap<String, BTreeMap<String, u64>>,
    /// method → fault → number of calls it hit.
    #[serde(default)]
    pub(crate) faults_hit: BTreeMap<String, BTreeMap<String, u64>>,
    /// Every points movement applied, in order: `[point_log_no, req_id, trans_type, amount]`, so that tests can see
    /// that each request moved points once.
    #[serde(default)]
    pub(crate) point_moves: Vec<(String, String, String, u64)>,
    /// Templates made by `alipay.marketing.cashlessvoucher.template.create`, by template id.
    #[serde(default)]
    pub(crate) created_templates: BTreeMap<String, CreatedTemplate>,
    /// Expiry and stock set through the admin API, by template id.
    #[serde(default)]
    pub(crate) template_overrides: BTreeMap<String, TemplateOverride>,
    /// The last sequence number handed out (voucher ids, point log numbers).
    pub(crate) seq: u64,
}

impl World {
    /// The starting world of a scenario.
    pub(crate) fn from_scenario(scenario: &Scenario) -> Self {
        let mut world = World::default();
        for a in &scenario.accounts {
            world
                .balances
                .entry(a.activity_account.clone())
                .or_default()
                .insert(
                    a.user_id.clone(),
                    Balance {
                        available: a.available,
                        frozen: a.frozen,
                    },
                );
        }
        world
    }

    /// The next sequence number.
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Counts a call by method and outcome, and by the merchant's `app_auth_token` when it carried one.
    pub(crate) fn count_call(&mut self, method: &str, outcome: &str, app_auth_token: Option<&str>) {
        *self
            .calls
            .entry(method.to_owned())
            .or_default()
            .entry(outcome.to_owned())
            .or_default() += 1;
        if let Some(token) = app_auth_token {
            *self
                .calls_by_app_auth_token
                .entry(token.to_owned())
                .or_default()
                .entry(method.to_owned())
                .or_default() += 1;
        }
    }

    /// Counts a fault that hit a call of a method.
    pub(crate) fn count_fault(&mut self, method: Method, fault: &str) {
        *self
            .faults_hit
            .entry(method.to_string())
            .or_default()
            .entry(fault.to_owned())
            .or_default() += 1;
    }

    /// The JSON of `GET /admin/state`.
    pub(crate) fn to_json(&self, catalog: &Catalog) -> serde_json::Value {
        use serde_json::json;
        let mut activities = serde_json::Map::new();
        for a in &catalog.activities {
            let new: Vec<_> = self
                .new_awarded
                .get(&a.activity_id)
                .map(|s| s.iter().collect())
                .unwrap_or_default();
            let old = self
                .old_awards
                .get(&a.activity_id)
                .cloned()
                .unwrap_or_default();
            activities.insert(
                a.activity_id.clone(),
                json!({
                    "status": a.status,
                    "default": a.default,
                    "old_user_limit": a.old_user_limit,
                    "new_awards": new.len(),
                    "new_awarded_mobiles": new,
                    "old_awards": old.values().map(|&n| u64::from(n)).sum::<u64>(),
                    "old_awards_by_user": old,
                }),
            );
        }
        let mut by_template: BTreeMap<&str, u64> =
            catalog.templates.keys().map(|k| (k.as_str(), 0)).collect();
        for v in &self.vouchers {
            *by_template.entry(v.template_id.as_str()).or_default() += 1;
        }
        let accounts: Vec<_> = self
            .balances
            .iter()
            .flat_map(|(acct, users)| {
                users.iter().map(move |(user, b)| {
                    json!({"activity_account": acct, "user_id": user, "available": b.available, "frozen": b.frozen})
                })
            })
            .collect();
        let freezes: Vec<_> = self
            .freezes
            .iter()
            .map(|(log_no, f)| {
                json!({"point_log_no": log_no, "activity_account": f.activity_account, "user_id": f.user_id,
                       "amount": f.amount, "status": f.status})
            })
            .collect();
        let calls: serde_json::Map<String, serde_json::Value> = self
            .calls
            .iter()
            .map(|(m, outcomes)| {
                let total: u64 = outcomes.values().sum();
                (m.clone(), json!({"total": total, "outcomes": outcomes}))
            })
            .collect();
        json!({
            "invite": {"activities": activities},
            "vouchers": {"issued": self.vouchers, "count": self.vouchers.len(), "by_template": by_template},
            "points": {"accounts": accounts, "freezes": freezes, "moves": self.point_moves.iter().map(|(log, req, kind, amount)| {
                json!({"point_log_no": log, "req_id": req, "trans_type": kind, "trans_amount": amount})
            }).collect::<Vec<_>>()},
            "templates": {"created": self.created_templates, "changed": self.template_overrides},
            "idempotency_keys": self.replays.len(),
            "calls": calls,
            "app_auth_tokens": self.calls_by_app_auth_token.iter().map(|(token, methods)| {
                (token.clone(), json!({"total": methods.values().sum::<u64>(), "methods": methods}))
            }).collect::<serde_json::Map<String, serde_json::Value>>(),
            "total_calls": self.calls.values().flat_map(|o| o.values()).sum::<u64>(),
        })
    }
}
