//! Campaign-level answers through the `alipay-marketing` program: throttling is absorbed without failed rows; the
//! template preflight refuses an expired template or one without stock for the rows before anything is sent; a
//! template that runs out of stock or expires mid-campaign pauses the campaign after a handful of rows (exit code 5,
//! with what to do), and once it is fixed the same command completes it.

mod common;

use alipay_marketing_sandbox::{Fault, FaultPlan};
use common::{Gateway, users_gateway as gateway};

const VOUCHER: &str = "alipay.marketing.voucher.send";

const ARGS: [&str; 8] = [
    "run",
    "--method",
    "voucher.send",
    "--template-id",
    "TPL-FIXED-10",
    "users.csv",
    "--concurrency",
    "8",
];

fn issued(gw: &Gateway) -> usize {
    gw.sandbox.state()["vouchers"]["issued"]
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn throttling_is_absorbed_without_failed_rows() {
    const N: usize = 300;
    let gw = gateway(N);
    gw.sandbox
        .arm_faults(
            FaultPlan::new()
                .rate(Some(VOUCHER), Fault::Throttle, 0.3)
                .seed(5),
        )
        .unwrap();
    let out = gw.run(&ARGS);
    assert_eq!(out.code(), 0, "{}", out.text());
    assert!(
        out.stderr()
            .contains(&format!("{N} rows — {N} done, 0 failed, 0 unknown")),
        "{}",
        out.text()
    );
    let state = gw.sandbox.state();
    let throttled: u64 = state["calls"][VOUCHER]["outcomes"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(label, _)| label.starts_with("40005"))
        .map(|(_, n)| n.as_u64().unwrap())
        .sum();
    assert!(throttled > 0, "the sandbox throttled some calls: {state}");
    assert_eq!(issued(&gw), N);
}

#[test]
fn an_empty_template_pauses_the_campaign_until_stock_is_added() {
    const N: usize = 100;
    const STOCK: usize = 30;
    let gw = gateway(N);
    gw.sandbox
        .set_template_stock("TPL-FIXED-10", STOCK as u64)
        .unwrap();
    // The preflight would refuse the template at once (30 left for 100 rows); without it the breaker catches the
    // stock running out mid-campaign, as when another campaign takes it after the preflight.
    let without_preflight: Vec<&str> = ARGS.iter().copied().chain(["--no-preflight"]).collect();
    let paused = gw.run(&without_preflight);
    assert_eq!(paused.code(), 5, "{}", paused.text());
    let err = paused.stderr();
    assert!(
        err.contains("the campaign is paused")
            && err.contains("out of stock")
            && err.contains("add stock"),
        "{}",
        paused.text()
    );
    assert_eq!(issued(&gw), STOCK);
    // A handful of rows hit the empty template before the breaker tripped, not the rest of the file.
    let calls = gw.calls(VOUCHER) as usize;
    assert!(
        calls <= STOCK + 3 + 8,
        "{calls} calls: the breaker stops after a few refusals (threshold 3, window 8)"
    );
    let status = gw.run(&["status", "users.csv"]);
    assert!(
        status.stdout().contains("last: paused"),
        "{}",
        status.text()
    );

    gw.sandbox
        .set_template_stock("TPL-FIXED-10", 1_000)
        .unwrap();
    let resumed = gw.run(&ARGS);
    assert_eq!(resumed.code(), 0, "{}", resumed.text());
    assert_eq!(issued(&gw), N, "every row once, across the pause");
}

#[test]
fn a_template_expired_mid_campaign_pauses_it_and_lifting_the_expiry_completes_it() {
    const N: usize = 400;
    const BEFORE: usize = 40;
    let gw = gateway(N);
    // Slow enough that the expiry lands while most rows are still to send.
    let slow: Vec<&str> = ARGS.iter().copied().chain(["--qps", "100"]).collect();
    let child = gw
        .cli(&slow)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    while issued(&gw) < BEFORE {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    gw.sandbox.expire_template("TPL-FIXED-10").unwrap();
    let at_expiry = issued(&gw);
    let paused = common::Outcome(child.wait_with_output().unwrap());
    assert_eq!(paused.code(), 5, "{}", paused.text());
    let err = paused.stderr();
    assert!(
        err.contains("the campaign is paused") && err.contains("TEMPLATE_EXPIRED"),
        "{}",
        paused.text()
    );
    let sent = issued(&gw);
    assert!(sent < N, "the campaign paused before the end");
    // After the expiry: the calls already in flight (window 8) and the breaker's threshold of refusals (3).
    let after = gw.calls(VOUCHER) as usize - sent;
    assert!(
        after <= 3 + 8,
        "{after} refused calls after the expiry: the breaker stops after a handful"
    );
    assert!(
        sent <= at_expiry + 8,
        "{sent} issued, {at_expiry} at the expiry"
    );

    gw.sandbox.unexpire_template("TPL-FIXED-10").unwrap();
    let resumed = gw.run(&ARGS);
    assert_eq!(resumed.code(), 0, "{}", resumed.text());
    assert_eq!(issued(&gw), N, "every row once, across the pause");
}

#[test]
fn the_preflight_refuses_a_template_without_stock_for_the_rows_before_sending() {
    const N: usize = 50;
    let gw = gateway(N);
    gw.sandbox.set_template_stock("TPL-FIXED-10", 20).unwrap();
    let paused = gw.run(&ARGS);
    assert_eq!(paused.code(), 5, "{}", paused.text());
    let err = paused.stderr();
    assert!(
        err.contains("the campaign is paused")
            && err.contains("preflight of template TPL-FIXED-10 for 50 rows")
            && err.contains("not enough stock: 20 voucher(s) left")
            && err.contains("nothing was sent"),
        "{}",
        paused.text()
    );
    assert_eq!(
        gw.calls(VOUCHER),
        0,
        "nothing is sent before the preflight passes"
    );

    gw.sandbox
        .set_template_stock("TPL-FIXED-10", N as u64)
        .unwrap();
    let resumed = gw.run(&ARGS);
    assert_eq!(resumed.code(), 0, "{}", resumed.text());
    assert_eq!(issued(&gw), N);
}

#[test]
fn the_preflight_refuses_an_expired_template_naming_the_reason() {
    let gw = gateway(10);
    let mut args = ARGS;
    args[4] = "TPL-EXPIRED";
    let paused = gw.run(&args);
    assert_eq!(paused.code(), 5, "{}", paused.text());
    assert!(
        paused.stderr().contains("template TPL-EXPIRED is expired"),
        "{}",
        paused.text()
    );
    assert_eq!(gw.calls(VOUCHER), 0);
}
