//! The world a sandbox starts from: apps, users, invite activities, voucher templates and stamp-card accounts,
//! read from TOML or JSON (or [`Scenario::default`], the demo world listed in the README).

use std::collections::BTreeSet;
use std::path::Path;

use alipay_marketing::sign::parse_beijing_timestamp;
use alipay_marketing::{AesKey, PublicKey, SignType};
use serde::{Deserialize, Serialize};

use crate::error::SandboxError;
use crate::model::{Account, Activity, ActivityStatus, Template, TemplateKind, User, UserStatus};
use crate::money::parse_fen;

/// The app id of the default scenario.
pub const DEFAULT_APP_ID: &str = "2021000000000001";

/// An app registered with the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    /// The app id (digits).
    pub app_id: String,
    /// The sign type the app is configured for; [`crate::Sandbox::client_builder`] uses it. Requests are verified
    /// with whichever of `RSA2`/`RSA` they declare, against the same key.
    #[serde(default = "default_sign_type")]
    pub sign_type: String,
    /// The app's public key (PEM or bare base64). Absent: the sandbox generates a key pair at start and hands out
    /// the private half ([`crate::Sandbox::app_private_key_pem`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// The app's AES content key (base64, 16 bytes for AES-128 as the console gives it; 24 or 32 also work).
    /// Present: requests with `encrypt_type=AES` are decrypted and answered encrypted, and
    /// [`crate::Sandbox::client_builder_for`] configures the key. Absent: `encrypt_type=AES` is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aes_key: Option<String>,
    /// The app uses certificate mode: its requests must carry `app_cert_sn` (and `alipay_root_cert_sn`), and
    /// [`crate::Sandbox::client_builder_for`] configures the certificates instead of the Alipay public key. Any
    /// app may use certificate mode by sending `app_cert_sn`; this makes it required.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cert_mode: bool,
}

fn default_sign_type() -> String {
    "RSA2".to_owned()
}

impl App {
    /// The parsed sign type.
    pub fn sign_type(&self) -> Result<SignType, SandboxError> {
        self.sign_type.parse().map_err(|_| {
            SandboxError::scenario(format!(
                "app {}: sign_type {:?} is not RSA2 or RSA",
                self.app_id, self.sign_type
            ))
        })
    }

    /// The parsed AES content key, if the app has one.
    pub fn aes_key(&self) -> Result<Option<AesKey>, SandboxError> {
        self.aes_key
            .as_deref()
            .map(|text| {
                AesKey::from_base64(text).map_err(|e| {
                    SandboxError::scenario(format!("app {}: aes_key {}", self.app_id, e.message()))
                })
            })
            .transpose()
    }
}

/// Everything a sandbox starts from. The first app is the default one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Registered apps; the first is the default app.
    pub apps: Vec<App>,
    /// Known people: registered Alipay users (OLD for invite awards) and mobile-only people.
    #[serde(default)]
    pub users: Vec<User>,
    /// Invite activities; one per app (or one shared) is the default.
    #[serde(default)]
    pub activities: Vec<Activity>,
    /// Voucher templates.
    #[serde(default)]
    pub templates: Vec<Template>,
    /// Stamp-card accounts with their starting points.
    #[serde(default)]
    pub accounts: Vec<Account>,
}

impl Default for Scenario {
    /// The demo world: app `2021000000000001`, two users (one frozen), an open default invite activity with a limit
    /// of 3 awards per old user plus a paused and a closed one, three voucher templates and one stamp card.
    fn default() -> Self {
        let demo = User {
            login_id: Some("demo@example.com".into()),
            taobao_nick: Some("demo_nick".into()),
            ..User::registered("2088000000000001", "13800000001")
        };
        let frozen = User {
            status: UserStatus::Frozen,
            ..User::registered("2088000000000002", "13800000002")
        };
        let activity = |id: &str, status, default| Activity {
            activity_id: id.into(),
            app_id: None,
            status,
            old_user_limit: 3,
            default,
        };
        let template = |id: &str,
                        name: &str,
                        kind,
                        amount: Option<&str>,
                        max: Option<&str>,
                        expires: Option<&str>| {
            Template {
                template_id: id.into(),
                name: name.into(),
                kind,
                amount: amount.map(Into::into),
                max_amount: max.map(Into::into),
                expires_at: expires.map(Into::into),
            }
        };
        Scenario {
            apps: vec![App {
                app_id: DEFAULT_APP_ID.into(),
                sign_type: default_sign_type(),
                public_key: None,
                aes_key: None,
                cert_mode: false,
            }],
            users: vec![demo, frozen],
            activities: vec![
                activity("INVITE-DEFAULT", ActivityStatus::Open, true),
                activity("PAUSED-ACT", ActivityStatus::Paused, false),
                activity("CLOSED-ACT", ActivityStatus::Closed, false),
            ],
            templates: vec![
                template(
                    "TPL-FIXED-10",
                    "10 yuan off",
                    TemplateKind::Fixed,
                    Some("10.00"),
                    None,
                    None,
                ),
                template(
                    "TPL-RED-PACKET",
                    "red packet",
                    TemplateKind::RedPacket,
                    None,
                    Some("200.00"),
                    None,
                ),
                template(
                    "TPL-EXPIRED",
                    "expired 5 yuan",
                    TemplateKind::Fixed,
                    Some("5.00"),
                    None,
                    Some("2020-01-01 00:00:00"),
                ),
            ],
            accounts: vec![Account {
                activity_account: "STAMP-CARD-01".into(),
                user_id: "2088000000000001".into(),
                available: 100,
                frozen: 0,
            }],
        }
    }
}

impl Scenario {
    /// Reads a scenario file: TOML for `.toml`, JSON for `.json`.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, SandboxError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            SandboxError::scenario(format!("cannot read scenario file {}: {e}", path.display()))
        })?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let parsed = match ext.as_str() {
            "toml" => Self::from_toml_str(&text),
            "json" => Self::from_json_str(&text),
            _ => Err(SandboxError::scenario(
                "the scenario file name must end in .toml or .json".to_owned(),
            )),
        };
        parsed.map_err(|e| SandboxError::scenario(format!("{}: {}", path.display(), e.message())))
    }

    /// Parses a TOML scenario and checks it.
    pub fn from_toml_str(text: &str) -> Result<Self, SandboxError> {
        let scenario: Scenario = toml::from_str(text)
            .map_err(|e| SandboxError::scenario(format!("invalid TOML scenario: {e}")))?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Parses a JSON scenario and checks it.
    pub fn from_json_str(text: &str) -> Result<Self, SandboxError> {
        let scenario: Scenario = serde_json::from_str(text)
            .map_err(|e| SandboxError::scenario(format!("invalid JSON scenario: {e}")))?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Checks what serde cannot: ids present and unique, keys parse, amounts and dates well formed, one default
    /// activity per app.
    pub fn validate(&self) -> Result<(), SandboxError> {
        let fail = |m: String| Err(SandboxError::scenario(m));
        if self.apps.is_empty() {
            return fail(
                "the scenario has no apps; add at least one [[apps]] entry with an app_id".into(),
            );
        }
        let mut seen = BTreeSet::new();
        for app in &self.apps {
            if app.app_id.is_empty() || !app.app_id.bytes().all(|b| b.is_ascii_digit()) {
                return fail(format!("app_id {:?} must be digits only", app.app_id));
            }
            if !seen.insert(app.app_id.as_str()) {
                return fail(format!("app {} is listed twice", app.app_id));
            }
            app.sign_type()?;
            app.aes_key()?;
            if let Some(key) = &app.public_key {
                PublicKey::from_text_for("public_key", key).map_err(|e| {
                    SandboxError::scenario(format!("app {}: {}", app.app_id, e.message()))
                })?;
            }
        }
        let mut ids = BTreeSet::new();
        for (i, user) in self.users.iter().enumerate() {
            user.check()
                .map_err(|m| SandboxError::scenario(format!("users[{i}]: {m}")))?;
            if let Some(id) = &user.user_id {
                if !ids.insert(id.as_str()) {
                    return fail(format!("users[{i}]: user_id {id} is listed twice"));
                }
            }
        }
        let mut acts = BTreeSet::new();
        for a in &self.activities {
            if a.activity_id.is_empty() || !acts.insert(a.activity_id.as_str()) {
                return fail(format!(
                    "activity_id {:?} is empty or listed twice",
                    a.activity_id
                ));
            }
            if let Some(app) = &a.app_id {
                if !self.apps.iter().any(|x| &x.app_id == app) {
                    return fail(format!(
                        "activity {}: app_id {app} is not one of the scenario's apps",
                        a.activity_id
                    ));
                }
            }
        }
        for app in &self.apps {
            let defaults = self
                .activities
                .iter()
                .filter(|a| a.default && a.app_id.as_deref().is_none_or(|x| x == app.app_id))
                .count();
            if defaults > 1 {
                return fail(format!(
                    "app {} has {defaults} default activities; mark only one default = true",
                    app.app_id
                ));
            }
        }
        let mut tpls = BTreeSet::new();
        for t in &self.templates {
            if t.template_id.is_empty() || !tpls.insert(t.template_id.as_str()) {
                return fail(format!(
                    "template_id {:?} is empty or listed twice",
                    t.template_id
                ));
            }
            let money = |field: &str, v: &Option<String>| match v {
                Some(v) if parse_fen(v).is_none() => Err(SandboxError::scenario(format!(
                    "template {}: {field} {v:?} is not an amount like \"10.00\"",
                    t.template_id
                ))),
                _ => Ok(()),
            };
            money("amount", &t.amount)?;
            money("max_amount", &t.max_amount)?;
            if t.kind == TemplateKind::Fixed && t.amount.is_none() {
                return fail(format!(
                    "template {}: a fixed template needs an amount",
                    t.template_id
                ));
            }
            if let Some(at) = &t.expires_at {
                if parse_beijing_timestamp(at).is_none() {
                    return fail(format!(
                        "template {}: expires_at {at:?} is not Beijing time \"yyyy-MM-dd HH:mm:ss\"",
                        t.template_id
                    ));
                }
            }
        }
        let mut accounts = BTreeSet::new();
        for a in &self.accounts {
            if a.activity_account.is_empty() || a.user_id.is_empty() {
                return fail("an account needs an activity_account and a user_id".into());
            }
            if !accounts.insert((a.activity_account.as_str(), a.user_id.as_str())) {
                return fail(format!(
                    "account ({}, {}) is listed twice",
                    a.activity_account, a.user_id
                ));
            }
        }
        Ok(())
    }

    /// The default (first) app.
    pub fn default_app(&self) -> &App {
        &self.apps[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_scenario_is_valid_and_has_the_documented_ids() {
        let s = Scenario::default();
        s.validate().expect("default scenario");
        assert_eq!(s.default_app().app_id, DEFAULT_APP_ID);
        let ids: Vec<_> = s.templates.iter().map(|t| t.template_id.as_str()).collect();
        assert_eq!(ids, ["TPL-FIXED-10", "TPL-RED-PACKET", "TPL-EXPIRED"]);
    }

    #[test]
    fn the_example_file_is_the_default_scenario() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/default.toml");
        assert_eq!(
            Scenario::from_file(path).expect("example scenario"),
            Scenario::default()
        );
    }

    #[test]
    fn toml_and_json_round_trip() {
        let s = Scenario::default();
        let toml_text = toml::to_string(&s).expect("toml");
        assert_eq!(Scenario::from_toml_str(&toml_text).expect("parse toml"), s);
        let json_text = serde_json::to_string(&s).expect("json");
        assert_eq!(Scenario::from_json_str(&json_text).expect("parse json"), s);
    }

    #[test]
    fn errors_name_what_is_wrong() {
        let e = Scenario::from_toml_str("apps = []").expect_err("no apps");
        assert!(e.to_string().contains("no apps"), "{e}");
        let e = Scenario::from_toml_str(
            "[[apps]]\napp_id = \"1\"\n[[templates]]\ntemplate_id = \"T\"\nkind = \"fixed\"\n",
        )
        .expect_err("fixed without amount");
        assert!(
            e.to_string()
                .contains("template T: a fixed template needs an amount"),
            "{e}"
        );
        let e = Scenario::from_toml_str("[[apps]]\napp_id = \"1\"\nsurprise = 1\n")
            .expect_err("unknown field");
        assert!(e.to_string().contains("surprise"), "{e}");
    }

    #[test]
    fn aes_keys_and_cert_mode_are_read_and_checked() {
        let s = Scenario::from_toml_str(
            "[[apps]]\napp_id = \"1\"\naes_key = \"aa4BtZ4tspm2wnXLb1ThQA==\"\ncert_mode = true\n",
        )
        .expect("scenario");
        assert!(s.apps[0].cert_mode);
        assert!(s.apps[0].aes_key().expect("key").is_some());
        let e = Scenario::from_toml_str("[[apps]]\napp_id = \"1\"\naes_key = \"aGVsbG8=\"\n")
            .expect_err("5 bytes");
        assert!(e.to_string().contains("app 1: aes_key"), "{e}");
        // Absent fields stay absent when written back.
        let text = toml::to_string(&Scenario::default()).expect("toml");
        assert!(
            !text.contains("aes_key") && !text.contains("cert_mode"),
            "{text}"
        );
    }
}
