//! The C suite of the companion calls, the campaign preflight and settling: `tests/c/test_companion.c` compiled
//! like the rest of the suite and run against an in-process sandbox — natively, and with `ALIPAY_VALGRIND=1` (as
//! `make test-c` runs it) also under valgrind memcheck with zero errors and zero leaks — with the sandbox's state
//! checked after every run.

mod c_support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::OnceLock;

use alipay_marketing_sandbox::{Config, Fault, FaultPlan, Sandbox, Scenario};
use c_support::{ProgramEnv, compile_test_program, modes, run, run_with_steps, value};
use serde_json::{Value, json};

const VOUCHER_SEND: &str = "alipay.marketing.voucher.send";
const POINTS_UPDATE: &str = "koubei.marketing.tool.points.update";
const INVITE_AWARD: &str = "alipay.user.invite.award.receive";
const STAMP_CARD: &str = "STAMP-CARD-01";
/// The users the program's settle rows and its second preflight send use (`2088` and 12 digits from 700000000).
const SCALE_USERS: usize = 100;
const SETTLE_VOUCHERS: usize = 100;
const SETTLE_DEPOSITS: usize = 50;

/// The program, compiled once per test process.
fn program() -> &'static PathBuf {
    static PROGRAM: OnceLock<PathBuf> = OnceLock::new();
    PROGRAM.get_or_init(|| compile_test_program("test_companion"))
}

fn scale_user(i: usize) -> String {
    format!("2088{:012}", 700_000_000 + i)
}

/// The demo world plus the settle rows' users, each with a stamp card.
fn start_sandbox() -> (Sandbox, ProgramEnv) {
    let mut scenario = Scenario::default();
    for i in 0..SCALE_USERS {
        scenario
            .users
            .push(serde_json::from_value(json!({ "user_id": scale_user(i) })).expect("a user"));
        scenario.accounts.push(
            serde_json::from_value(
                json!({"activity_account": STAMP_CARD, "user_id": scale_user(i)}),
            )
            .expect("an account"),
        );
    }
    let sandbox =
        Sandbox::start_blocking(Config::default().scenario(scenario)).expect("start the sandbox");
    let env = ProgramEnv::for_sandbox(&sandbox);
    (sandbox, env)
}

/// The vouchers the sandbox issued, by `out_biz_no`; fails on an `out_biz_no` issued twice.
fn issued(state: &Value) -> BTreeMap<String, String> {
    let mut by_key = BTreeMap::new();
    for v in state["vouchers"]["issued"]
        .as_array()
        .expect("vouchers.issued is a list")
    {
        let key = v["out_biz_no"].as_str().unwrap().to_owned();
        let id = v["voucher_id"].as_str().unwrap().to_owned();
        assert!(
            by_key.insert(key.clone(), id).is_none(),
            "{key} issued twice"
        );
    }
    by_key
}

/// The `PREFIX KEY=VALUE` lines of a program's output.
fn keyed_lines(stdout: &str, prefix: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .map(|l| {
            let (key, id) = l.split_once('=').expect("PREFIX KEY=VALUE");
            (key.to_owned(), id.to_owned())
        })
        .collect()
}

/// How many templates were created through the API.
fn created_templates(state: &Value) -> usize {
    state["templates"]["created"]
        .as_object()
        .map_or(0, |t| t.len())
}

/// `POST /admin/templates` over loopback HTTP; returns the status and the body.
fn admin_templates(sandbox: &Sandbox, body: &Value) -> (u16, String) {
    let url = format!("{}/templates", sandbox.admin_url());
    let rest = url.strip_prefix("http://").expect("an http admin URL");
    let (host, path) = rest.split_at(rest.find('/').expect("a path"));
    let body = body.to_string();
    let mut stream = TcpStream::connect(host).expect("connect to the admin API");
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send the admin request");
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .expect("read the admin answer");
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (status, body)
}

#[test]
fn each_companion_call_answers_what_the_sandbox_holds() {
    let (sandbox, env) = start_sandbox();
    for mode in modes() {
        sandbox.reset();
        let stdout = run(program(), &["calls"], &env, mode);
        let state = sandbox.state();
        let vouchers = issued(&state);
        assert_eq!(keyed_lines(&stdout, "voucher "), vouchers, "{mode:?}");
        assert_eq!(value(&stdout, "voucher_status"), Some("ENABLED"));
        assert_eq!(value(&stdout, "listed"), Some("1"));
        assert_eq!(value(&stdout, "template_status"), Some("S"));
        assert_eq!(value(&stdout, "template_publish_count"), Some("1"));
        let account = state["points"]["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["activity_account"] == STAMP_CARD && a["user_id"] == "2088000000000001")
            .expect("the demo user's stamp card");
        assert_eq!(
            value(&stdout, "available_points"),
            Some(account["available"].to_string().as_str())
        );
        assert_eq!(
            value(&stdout, "freezed_points"),
            Some(account["frozen"].to_string().as_str())
        );
        let created = value(&stdout, "created_template").expect("the created template's id");
        assert_eq!(
            created_templates(&state),
            1,
            "created twice with one out_biz_no: one template"
        );
        assert!(
            state["templates"]["created"].to_string().contains(created),
            "{created} not in {}",
            state["templates"]
        );
    }
}

#[test]
fn bad_input_is_refused_naming_the_field_before_sending() {
    let (sandbox, env) = start_sandbox();
    for mode in modes() {
        sandbox.reset();
        run(program(), &["bad_input"], &env, mode);
        assert_eq!(sandbox.state()["total_calls"], 0, "{mode:?}");
    }
}

#[test]
fn signature_failures_both_ways() {
    let (sandbox, env) = start_sandbox();
    for mode in modes() {
        sandbox.reset();
        let stdout = run(program(), &["signature"], &env, mode);
        let state = sandbox.state();
        assert_eq!(
            value(&stdout, "stranger_sub_code"),
            Some("isv.invalid-signature")
        );
        assert_eq!(
            created_templates(&state),
            1,
            "the gateway created the template whose answer the client refused"
        );
        assert!(issued(&state).is_empty());
    }
}

#[test]
fn a_created_template_is_checked_used_expired_and_refused_naming_the_reason() {
    let (sandbox, env) = start_sandbox();
    for mode in modes() {
        sandbox.reset();
        let (stdout, steps) =
            run_with_steps(program(), &["preflight"], &env, mode, |step, stdout| {
                assert_eq!(step, "expire");
                let id = value(stdout, "template_id").expect("the template id");
                let (status, answer) =
                    admin_templates(&sandbox, &json!({"template_id": id, "expire": true}));
                assert_eq!(status, 200, "{answer}");
            });
        assert_eq!(steps, ["expire"], "{mode:?}");
        let state = sandbox.state();
        let vouchers = issued(&state);
        assert_eq!(
            vouchers,
            keyed_lines(&stdout, "voucher "),
            "one voucher sent before the expiry, none after"
        );
        assert!(
            value(&stdout, "refusal").is_some_and(|m| m.contains("expired")),
            "{stdout}"
        );
        assert_eq!(
            value(&stdout, "expired_send_settled"),
            Some("ALIPAY_SETTLEMENT_STATUS_NOT_SENT")
        );
    }
}

/// 20% of the settling calls of the voucher sends and deposits fail: answers lost after the effect, dropped
/// connections, 502 pages.
fn settling_faults() -> FaultPlan {
    let mut plan = FaultPlan::new();
    for method in [VOUCHER_SEND, POINTS_UPDATE] {
        plan = plan
            .rate(Some(method), Fault::ErrorAfterEffect, 0.10)
            .rate(Some(method), Fault::DropConnection, 0.05 / 0.90)
            .rate(Some(method), Fault::Http502, 0.05 / 0.85);
    }
    plan.seed(12)
}

#[test]
fn lost_sends_and_deposits_each_settle_as_sent_with_what_the_sandbox_recorded() {
    let (sandbox, env) = start_sandbox();
    let (vouchers, deposits) = (SETTLE_VOUCHERS.to_string(), SETTLE_DEPOSITS.to_string());
    for mode in modes() {
        sandbox.reset();
        // Every first answer is lost after the effect.
        let mut lost = FaultPlan::new();
        for method in [VOUCHER_SEND, POINTS_UPDATE, INVITE_AWARD] {
            lost = lost.rate(Some(method), Fault::ErrorAfterEffect, 1.0);
        }
        sandbox.arm_faults(lost).expect("arm faults");
        let (stdout, steps) = run_with_steps(
            program(),
            &["settle", &vouchers, &deposits],
            &env,
            mode,
            |step, _| {
                assert_eq!(step, "settle");
                let state = sandbox.state();
                assert_eq!(
                    issued(&state).len(),
                    SETTLE_VOUCHERS,
                    "each send took effect once"
                );
                assert_eq!(
                    state["points"]["moves"].as_array().map(Vec::len),
                    Some(SETTLE_DEPOSITS),
                    "each deposit took effect once"
                );
                sandbox.arm_faults(settling_faults()).expect("arm faults");
            },
        );
        sandbox.clear_faults();
        assert_eq!(steps, ["settle"], "{mode:?}");
        let state = sandbox.state();

        let settled = keyed_lines(&stdout, "settled_voucher ");
        assert_eq!(settled.len(), SETTLE_VOUCHERS, "every send settled as sent");
        assert_eq!(
            issued(&state),
            settled,
            "each with the voucher the sandbox issued"
        );
        assert_eq!(
            state["vouchers"]["count"], SETTLE_VOUCHERS,
            "no second voucher"
        );

        let moves = state["points"]["moves"].as_array().unwrap();
        assert_eq!(moves.len(), SETTLE_DEPOSITS, "no second points movement");
        let by_req: BTreeMap<String, String> = moves
            .iter()
            .map(|m| {
                (
                    m["req_id"].as_str().unwrap().to_owned(),
                    m["point_log_no"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            keyed_lines(&stdout, "settled_points "),
            by_req,
            "each deposit with the point_log_no the sandbox recorded"
        );

        assert_eq!(value(&stdout, "settled_invite"), Some("NEW_AWARD_SUCESS"));
        let awarded: usize = state["invite"]["activities"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|a| a["new_awarded_mobiles"].as_array().unwrap())
            .filter(|m| *m == "13912340077")
            .count();
        assert_eq!(awarded, 1, "the invite award applied once");

        let hit = &state["faults_hit"][VOUCHER_SEND]["error_after_effect"];
        assert!(
            hit.as_u64().unwrap_or(0) > SETTLE_VOUCHERS as u64,
            "settling met faults: {}",
            state["faults_hit"]
        );
    }
}
