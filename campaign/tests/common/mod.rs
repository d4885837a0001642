//! What the command-line tests share: a sandbox on its own thread with its key files written out, and the
//! `alipay-marketing` program pointed at it through the same environment variables the sandbox's env file sets.

#![allow(dead_code)]

pub mod pg;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use alipay_marketing_sandbox::{Config, Sandbox, Scenario};

pub struct Gateway {
    pub sandbox: Sandbox,
    pub dir: tempfile::TempDir,
    env: Vec<(&'static str, String)>,
}

impl Gateway {
    /// Starts a sandbox with `scenario` and writes its key files into a fresh folder.
    pub fn start(scenario: Scenario) -> Gateway {
        let sandbox = Sandbox::start_blocking(Config::default().scenario(scenario)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let private = dir.path().join("app_private_key.pem");
        let public = dir.path().join("alipay_public_key.pem");
        std::fs::write(&private, sandbox.app_private_key_pem()).unwrap();
        std::fs::write(&public, sandbox.alipay_public_key_pem()).unwrap();
        let env = vec![
            ("ALIPAY_GATEWAY_URL", sandbox.url()),
            ("ALIPAY_APP_ID", sandbox.app_id().to_owned()),
            ("ALIPAY_APP_PRIVATE_KEY_FILE", path_text(&private)),
            ("ALIPAY_PUBLIC_KEY_FILE", path_text(&public)),
        ];
        Gateway { sandbox, dir, env }
    }

    /// A path in the test's folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `alipay-marketing campaign <args>`, run in the test's folder with the sandbox's settings in the environment.
    pub fn cli(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_alipay-marketing"));
        c.arg("campaign").args(args).current_dir(self.dir.path());
        for name in [
            "ALIPAY_GATEWAY_URL",
            "ALIPAY_APP_ID",
            "ALIPAY_APP_PRIVATE_KEY_FILE",
            "ALIPAY_PUBLIC_KEY_FILE",
            "ALIPAY_APP_CERT_FILE",
            "ALIPAY_CERT_FILE",
            "ALIPAY_ROOT_CERT_FILE",
            "ALIPAY_APP_AUTH_TOKEN",
            "ALIPAY_CAMPAIGN_JOURNAL",
        ] {
            c.env_remove(name);
        }
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    /// Runs the program to the end.
    pub fn run(&self, args: &[&str]) -> Outcome {
        Outcome(self.cli(args).output().unwrap())
    }

    /// Calls the sandbox answered for `method` so far.
    pub fn calls(&self, method: &str) -> u64 {
        self.sandbox.state()["calls"][method]["total"]
            .as_u64()
            .unwrap_or(0)
    }
}

/// A finished run of the program.
pub struct Outcome(pub Output);

impl Outcome {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    /// Both streams, for assertion messages.
    pub fn text(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code(),
            self.stdout(),
            self.stderr()
        )
    }
}

fn path_text(p: &Path) -> String {
    p.display().to_string()
}

/// `2088` and 12 digits: a user id for row `i`.
pub fn user(i: usize) -> String {
    format!("2088{:012}", 700_000_000 + i)
}

/// A sandbox with `rows` registered users and `users.csv` listing them (one `user_id` column).
pub fn users_gateway(rows: usize) -> Gateway {
    let mut scenario = Scenario::default();
    let mut text = String::from("user_id\n");
    for i in 0..rows {
        add_user(&mut scenario, &user(i));
        text.push_str(&format!("{}\n", user(i)));
    }
    let gw = Gateway::start(scenario);
    std::fs::write(gw.path("users.csv"), text).unwrap();
    gw
}

/// Adds a registered, normal user to the scenario.
pub fn add_user(scenario: &mut Scenario, user_id: &str) {
    scenario
        .users
        .push(serde_json::from_value(serde_json::json!({ "user_id": user_id })).unwrap());
}

/// Adds a stamp-card account with `available` points to the scenario.
pub fn add_account(scenario: &mut Scenario, activity_account: &str, user_id: &str, available: u64) {
    scenario.accounts.push(
        serde_json::from_value(serde_json::json!({
            "activity_account": activity_account,
            "user_id": user_id,
            "available": available,
            "frozen": 0,
        }))
        .unwrap(),
    );
}

/// A small deterministic generator (xorshift) for the kill moments; the seed is printed so a failure can be replayed.
pub struct Rng(u64);

impl Rng {
    pub fn from_env_or_clock() -> Rng {
        let seed = std::env::var("CAMPAIGN_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
        eprintln!("kill moments seed: {seed} (set CAMPAIGN_TEST_SEED={seed} to replay)");
        Rng(seed | 1)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x % n.max(1)
    }
}

/// Rows in `state` in the journal at `path` (0 while it does not exist or holds no rows yet).
pub fn journal_count(path: &Path, state: &str) -> u64 {
    if !path.exists() {
        return 0;
    }
    let Ok(conn) =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return 0;
    };
    let _ = conn.busy_timeout(std::time::Duration::from_secs(5));
    conn.query_row("SELECT COUNT(*) FROM rows WHERE state = ?1", [state], |r| {
        r.get::<_, i64>(0)
    })
    .map_or(0, |n| n as u64)
}

/// Reads a CSV file into a header and records.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}
