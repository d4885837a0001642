//! One campaign for several merchants: `app_auth_token` from a column (a merchant per row) or a constant
//! (`--app-auth-token`), passed as each call's per-call token, checked by the core's rule in `campaign check`, and
//! never written in clear into the logs, the summary or the report.

mod common;

use alipay_marketing_sandbox::Scenario;
use common::{Gateway, add_user, read_csv, user};
use serde_json::Value;

const VOUCHER: &str = "alipay.marketing.voucher.send";
const MERCHANT_A: &str = "202405BBmerchantA00000001";
const MERCHANT_B: &str = "202405BBmerchantB00000002";
const USAGE: i32 = 2;
const BAD_INPUT: i32 = 3;

fn gateway(users: usize) -> Gateway {
    let mut scenario = Scenario::default();
    for i in 0..users {
        add_user(&mut scenario, &user(i));
    }
    Gateway::start(scenario)
}

/// Voucher sends the sandbox counted for `token`.
fn sends_for(gw: &Gateway, token: &str) -> u64 {
    gw.sandbox.state()["app_auth_tokens"][token]["methods"][VOUCHER]
        .as_u64()
        .unwrap_or(0)
}

fn assert_not_in_clear(what: &str, text: &str) {
    for token in [MERCHANT_A, MERCHANT_B] {
        assert!(
            !text.contains(token),
            "{what} holds {token} in clear:\n{text}"
        );
    }
}

#[test]
fn a_two_merchant_file_sends_each_row_for_its_own_merchant() {
    let gw = gateway(4);
    let mut csv = String::from("user_id,merchant\n");
    for i in 0..4 {
        let token = if i % 2 == 0 { MERCHANT_A } else { MERCHANT_B };
        csv.push_str(&format!("{},{token}\n", user(i)));
    }
    std::fs::write(gw.path("two.csv"), csv).unwrap();
    let base = [
        "--method",
        "voucher.send",
        "--template-id",
        "TPL-FIXED-10",
        "--column",
        "app_auth_token=merchant",
        "two.csv",
    ];
    let check = gw.run(&[&["check"], &base[..]].concat());
    assert_eq!(check.code(), 0, "{}", check.text());
    assert_not_in_clear("check's output", &check.text());

    let run = gw.run(&[&["run", "--log-interval", "0.1"], &base[..]].concat());
    assert_eq!(run.code(), 0, "{}", run.text());
    assert_not_in_clear("run's output", &run.text());
    assert_eq!(sends_for(&gw, MERCHANT_A), 2);
    assert_eq!(sends_for(&gw, MERCHANT_B), 2);
    assert_eq!(gw.calls(VOUCHER), 4);
    // The token went as the call's parameter, not inside biz_content.
    for v in gw.sandbox.state()["vouchers"]["issued"].as_array().unwrap() {
        assert_not_in_clear("an issued voucher", &v.to_string());
    }

    let report = gw.run(&[&["report"], &base[..]].concat());
    assert_eq!(report.code(), 0, "{}", report.text());
    assert_not_in_clear(
        "the report",
        &std::fs::read_to_string(gw.path("two.report.html")).unwrap(),
    );
    assert_not_in_clear(
        "the summary",
        &std::fs::read_to_string(gw.path("two.summary.json")).unwrap(),
    );
    let status = gw.run(&[&["status"], &base[..]].concat());
    assert_not_in_clear("status", &status.text());
    // The results file keeps what the user supplied.
    let (header, rows) = read_csv(&gw.path("two.results.csv"));
    let merchant = header.iter().position(|h| h == "merchant").unwrap();
    let mut merchants: Vec<&str> = rows.iter().map(|r| r[merchant].as_str()).collect();
    merchants.sort_unstable();
    assert_eq!(merchants, [MERCHANT_A, MERCHANT_A, MERCHANT_B, MERCHANT_B]);

    // The same file resumed for the same merchants sends nothing again.
    let again = gw.run(&[&["run"], &base[..]].concat());
    assert_eq!(again.code(), 0, "{}", again.text());
    assert_eq!(gw.calls(VOUCHER), 4);
}

#[test]
fn a_constant_token_sends_every_row_for_one_merchant_and_a_change_of_merchant_is_refused_on_resume()
{
    let gw = gateway(3);
    let csv: String = std::iter::once("user_id\n".to_owned())
        .chain((0..3).map(|i| format!("{}\n", user(i))))
        .collect();
    std::fs::write(gw.path("one.csv"), csv).unwrap();
    let args = |token: &'static str| {
        vec![
            "run",
            "--method",
            "voucher.send",
            "--template-id",
            "TPL-FIXED-10",
            "--app-auth-token",
            token,
            "one.csv",
        ]
    };
    let run = gw.run(&args(MERCHANT_A));
    assert_eq!(run.code(), 0, "{}", run.text());
    assert_not_in_clear("run's output", &run.text());
    assert_eq!(sends_for(&gw, MERCHANT_A), 3);

    // The journal was made for merchant A: resuming for merchant B is another campaign.
    let other = gw.run(&args(MERCHANT_B));
    assert_eq!(other.code(), 6, "{}", other.text());
    assert!(other.stderr().contains("constants"), "{}", other.text());
    assert_not_in_clear("the mismatch message", &other.text());
    assert_eq!(sends_for(&gw, MERCHANT_B), 0);

    // The environment variable is the same constant.
    let mut from_env = gw.cli(&[
        "check",
        "--method",
        "voucher.send",
        "--template-id",
        "TPL-FIXED-10",
        "one.csv",
    ]);
    from_env.env("ALIPAY_APP_AUTH_TOKEN", "bad\ttoken");
    let out = common::Outcome(from_env.output().unwrap());
    assert_eq!(out.code(), USAGE, "{}", out.text());
    assert!(
        out.stderr()
            .contains("fields.app_auth_token: contains a control character"),
        "{}",
        out.text()
    );
}

#[test]
fn a_bad_token_in_a_row_is_named_by_line_and_field() {
    let gw = gateway(3);
    std::fs::write(
        gw.path("bad.csv"),
        format!(
            "user_id,app_auth_token\n{},{MERCHANT_A}\n{},\" {MERCHANT_B}\"\n{},\"2024\tmerchant\"\n",
            user(0),
            user(1),
            user(2)
        ),
    )
    .unwrap();
    let base = [
        "--method",
        "voucher.send",
        "--template-id",
        "TPL-FIXED-10",
        "bad.csv",
    ];
    let check = gw.run(&[&["check"], &base[..]].concat());
    assert_eq!(check.code(), BAD_INPUT, "{}", check.text());
    let stdout = check.stdout();
    assert!(
        stdout.contains("line 3: app_auth_token: has leading or trailing whitespace"),
        "{}",
        check.text()
    );
    assert!(
        stdout.contains("line 4: app_auth_token: contains a control character"),
        "{}",
        check.text()
    );
    assert_not_in_clear("check's output", &check.text());
    let run = gw.run(&[&["run"], &base[..]].concat());
    assert_eq!(run.code(), BAD_INPUT, "{}", run.text());
    assert_eq!(gw.calls(VOUCHER), 0);
}

#[test]
fn a_constant_and_a_token_column_together_are_refused() {
    let gw = gateway(1);
    std::fs::write(
        gw.path("both.csv"),
        format!("user_id,app_auth_token\n{},{MERCHANT_A}\n", user(0)),
    )
    .unwrap();
    let check = gw.run(&[
        "check",
        "--method",
        "voucher.send",
        "--template-id",
        "TPL-FIXED-10",
        "--app-auth-token",
        MERCHANT_B,
        "both.csv",
    ]);
    assert_eq!(check.code(), USAGE, "{}", check.text());
    assert!(check.stderr().contains("keep one"), "{}", check.text());
    assert_not_in_clear("the refusal", &check.text());
}

#[test]
fn a_campaign_file_can_name_the_token_column() {
    let gw = gateway(2);
    std::fs::write(
        gw.path("users.csv"),
        format!(
            "uid,shop\n{},{MERCHANT_A}\n{},{MERCHANT_B}\n",
            user(0),
            user(1)
        ),
    )
    .unwrap();
    std::fs::write(
        gw.path("campaign.toml"),
        "method = \"voucher.send\"\ninput = \"users.csv\"\n[fields]\ntemplate_id = \"TPL-FIXED-10\"\n\
         [columns]\nuser_id = \"uid\"\napp_auth_token = \"shop\"\n",
    )
    .unwrap();
    let run = gw.run(&["run", "-c", "campaign.toml"]);
    assert_eq!(run.code(), 0, "{}", run.text());
    assert_eq!(
        (sends_for(&gw, MERCHANT_A), sends_for(&gw, MERCHANT_B)),
        (1, 1)
    );
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(gw.path("users.summary.json")).unwrap())
            .unwrap();
    assert_not_in_clear("the summary", &summary.to_string());
}
