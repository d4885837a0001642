//! Bad input through the `alipay-marketing` program: each case gives a message naming the line and the field (or
//! the file, when there is no line), exits with the bad-input code, and sends nothing for a bad row.

mod common;

use alipay_marketing_sandbox::Scenario;
use common::{Gateway, read_csv};

const VOUCHER: &str = "alipay.marketing.voucher.send";
const INVITE: &str = "alipay.user.invite.award.receive";
const BAD_INPUT: i32 = 3;

fn voucher_args(file: &str) -> Vec<&str> {
    vec![
        "--method",
        "voucher.send",
        "--template-id",
        "TPL-FIXED-10",
        file,
    ]
}

/// `check` names every bad row; `run` refuses the file and sends nothing; `run --skip-invalid` sends only the good
/// rows and writes the bad ones, with line, field and reason, to the rejects file.
fn assert_rows_refused(
    gw: &Gateway,
    base: &[&str],
    method: &str,
    expected: &[(u64, &str, &str)],
    good_rows: u64,
) {
    let check = gw.run(&[&["check"], base].concat());
    assert_eq!(check.code(), BAD_INPUT, "{}", check.text());
    for (line, field, words) in expected {
        let wanted = format!("line {line}: {field}: ");
        let hit = check
            .stdout()
            .lines()
            .find(|l| l.contains(&wanted))
            .map(str::to_owned);
        let hit = hit.unwrap_or_else(|| panic!("no {wanted:?} in {}", check.text()));
        assert!(hit.contains(words), "{hit:?} should say {words:?}");
    }

    let run = gw.run(&[&["run"], base].concat());
    assert_eq!(run.code(), BAD_INPUT, "{}", run.text());
    assert!(run.stderr().contains("nothing was sent"), "{}", run.text());
    assert!(run.stderr().contains("--skip-invalid"), "{}", run.text());
    assert_eq!(
        gw.calls(method),
        0,
        "nothing is sent for a file with bad rows"
    );

    let skip = gw.run(&[&["run", "--skip-invalid"], base].concat());
    assert_eq!(skip.code(), 0, "{}", skip.text());
    assert_eq!(gw.calls(method), good_rows, "only the good rows are sent");
    let input = base.last().unwrap();
    let stem = input.trim_end_matches(".csv");
    let (header, rejects) = read_csv(&gw.path(&format!("{stem}.rejects.csv")));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(rejects.len(), expected.len(), "{rejects:?}");
    for ((line, field, _), row) in expected.iter().zip(&rejects) {
        assert_eq!(row[col("line")], line.to_string());
        assert_eq!(row[col("field")], *field);
        assert!(!row[col("reason")].is_empty());
    }
}

#[test]
fn malformed_mobiles_are_named_by_line_and_field() {
    let gw = Gateway::start(Scenario::default());
    std::fs::write(
        gw.path("invites.csv"),
        "mobile\n13900000001\n1390000000x\n12345\n13900000004\n",
    )
    .unwrap();
    assert_rows_refused(
        &gw,
        &["--method", "invite.award.receive", "invites.csv"],
        INVITE,
        &[(3, "mobile", "not a digit"), (4, "mobile", "11 digits")],
        2,
    );
}

#[test]
fn a_missing_user_id_is_named_by_line_and_field() {
    let gw = Gateway::start(Scenario::default());
    std::fs::write(
        gw.path("users.csv"),
        "user_id,memo\n2088000000000001,a\n,b\n",
    )
    .unwrap();
    assert_rows_refused(
        &gw,
        &voucher_args("users.csv"),
        VOUCHER,
        &[(3, "user_id", "no recipient")],
        1,
    );
}

#[test]
fn duplicate_keys_are_refused_before_anything_is_sent() {
    let gw = Gateway::start(Scenario::default());
    std::fs::write(
        gw.path("keys.csv"),
        "user_id,out_biz_no\n2088000000000001,k-1\n2088000000000001,k-2\n2088000000000001,k-1\n",
    )
    .unwrap();
    assert_rows_refused(
        &gw,
        &voucher_args("keys.csv"),
        VOUCHER,
        &[(4, "out_biz_no", "line 2 has the same key")],
        2,
    );
}

#[test]
fn an_over_long_memo_is_named_by_line_and_field() {
    let gw = Gateway::start(Scenario::default());
    let long = "长".repeat(300);
    std::fs::write(
        gw.path("memos.csv"),
        format!("user_id,memo\n2088000000000001,ok\n2088000000000001,{long}\n"),
    )
    .unwrap();
    assert_rows_refused(
        &gw,
        &voucher_args("memos.csv"),
        VOUCHER,
        &[(3, "memo", "at most 128")],
        1,
    );
}

/// A whole-file problem: `check` and `run` both refuse with `words` in the message, and nothing is sent.
fn assert_file_refused(gw: &Gateway, args: &[&str], words: &[&str]) {
    for command in ["check", "run"] {
        let out = gw.run(&[&[command], args].concat());
        assert_eq!(out.code(), BAD_INPUT, "{command}: {}", out.text());
        for w in words {
            assert!(
                out.stderr().contains(w),
                "{command}: {w:?} in {}",
                out.text()
            );
        }
    }
    assert_eq!(gw.calls(VOUCHER), 0);
}

#[test]
fn a_gbk_file_read_as_utf8_names_the_line_the_column_and_the_fix() {
    let gw = Gateway::start(Scenario::default());
    let (gbk, _, _) =
        encoding_rs::GBK.encode("user_id,memo\n2088000000000001,ok\n2088000000000001,新客礼券\n");
    std::fs::write(gw.path("gbk.csv"), &gbk).unwrap();
    let mut args = voucher_args("gbk.csv");
    args.extend(["--encoding", "utf-8"]);
    assert_file_refused(
        &gw,
        &args,
        &["gbk.csv line 3", "column \"memo\"", "--encoding gbk"],
    );
    // Detected, the same file reads fine.
    let check = gw.run(&[&["check"], voucher_args("gbk.csv").as_slice()].concat());
    assert_eq!(check.code(), 0, "{}", check.text());
}

#[test]
fn a_truncated_last_line_names_the_line_and_the_missing_column() {
    let gw = Gateway::start(Scenario::default());
    std::fs::write(
        gw.path("cut.csv"),
        "user_id,memo,amount\n2088000000000001,a,\n2088000000000001,b",
    )
    .unwrap();
    assert_file_refused(
        &gw,
        &voucher_args("cut.csv"),
        &["cut.csv line 3", "no value for \"amount\"", "truncated"],
    );
}

#[test]
fn an_empty_file_and_a_header_only_file_are_refused() {
    let gw = Gateway::start(Scenario::default());
    std::fs::write(gw.path("empty.csv"), "").unwrap();
    assert_file_refused(
        &gw,
        &voucher_args("empty.csv"),
        &["empty.csv is empty", "header line"],
    );
    std::fs::write(gw.path("header.csv"), "user_id,memo\n").unwrap();
    assert_file_refused(
        &gw,
        &voucher_args("header.csv"),
        &["header.csv has no rows"],
    );
}

#[test]
fn a_file_that_changed_between_runs_is_refused_on_resume() {
    let gw = Gateway::start(Scenario::default());
    std::fs::write(
        gw.path("list.csv"),
        "user_id,memo\n2088000000000001,a\n2088000000000001,b\n",
    )
    .unwrap();
    let first = gw.run(&[&["run"], voucher_args("list.csv").as_slice()].concat());
    assert_eq!(first.code(), 0, "{}", first.text());
    assert_eq!(gw.calls(VOUCHER), 2);
    std::fs::write(
        gw.path("list.csv"),
        "user_id,memo\n2088000000000001,a\n2088000000000001,c\n",
    )
    .unwrap();
    let again = gw.run(&[&["run"], voucher_args("list.csv").as_slice()].concat());
    assert_eq!(again.code(), 6, "{}", again.text());
    assert!(
        again
            .stderr()
            .contains("list.csv changed since the journal")
            && again.stderr().contains("nothing was sent"),
        "{}",
        again.text()
    );
    assert_eq!(gw.calls(VOUCHER), 2, "nothing more was sent");
    // Other settings on the same journal are refused too, naming what changed.
    std::fs::write(
        gw.path("list.csv"),
        "user_id,memo\n2088000000000001,a\n2088000000000001,b\n",
    )
    .unwrap();
    let changed = gw.run(&[
        "run",
        "--method",
        "voucher.send",
        "--template-id",
        "TPL-RED-PACKET",
        "list.csv",
    ]);
    assert_eq!(changed.code(), 6, "{}", changed.text());
    assert!(
        changed.stderr().contains("constants") && changed.stderr().contains("TPL-RED-PACKET"),
        "{}",
        changed.text()
    );
}

#[test]
fn client_flags_out_of_range_are_refused_by_the_cores_rules_naming_the_flag() {
    let gw = Gateway::start(Scenario::default());
    std::fs::write(gw.path("users.csv"), "user_id\n2088000000000001\n").unwrap();
    for (flag, value, says) in [
        (
            "--max-attempts",
            "0",
            "--max-attempts: 0 must be at least 1",
        ),
        (
            "--max-attempts",
            "101",
            "--max-attempts: 101 is more than the maximum",
        ),
        (
            "--attempt-timeout",
            "0",
            "--attempt-timeout: must be greater than zero",
        ),
        ("--attempt-timeout", "172800", "--attempt-timeout: 172800"),
    ] {
        let mut args = vec!["run"];
        args.extend(voucher_args("users.csv"));
        args.extend([flag, value, "--quiet"]);
        let out = gw.run(&args);
        assert_eq!(out.code(), 2, "{flag} {value}: {}", out.text());
        assert!(
            out.stderr().contains(says),
            "{flag} {value}: {}",
            out.text()
        );
    }
    assert_eq!(gw.calls(VOUCHER), 0, "nothing was sent");
}
