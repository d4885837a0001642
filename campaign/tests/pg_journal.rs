//! The PostgreSQL journal through the `alipay-marketing` program, against a real server the test starts
//! (initdb in a temporary folder, 127.0.0.1, a free port): a campaign runs and resumes with the same guarantees as
//! with SQLite, and bad configuration — an unreachable server, a wrong password, a journal of another campaign, a
//! schema from a newer version — gives a clear error and sends nothing.

mod common;

use alipay_marketing_sandbox::{Fault, FaultPlan};
use common::pg::PgServer;
use common::{Gateway, users_gateway as gateway};

const VOUCHER: &str = "alipay.marketing.voucher.send";

fn run_args(journal: &str) -> Vec<String> {
    [
        "run",
        "--method",
        "voucher.send",
        "--template-id",
        "TPL-FIXED-10",
        "users.csv",
        "--concurrency",
        "8",
        "--quiet",
        "--journal",
        journal,
    ]
    .map(String::from)
    .to_vec()
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

fn issued(gw: &Gateway) -> Vec<serde_json::Value> {
    gw.sandbox.state()["vouchers"]["issued"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_campaign_journaled_in_postgres_survives_faults_resumes_and_reports() {
    let Some(pg) = PgServer::start() else { return };
    let url = pg.database("one_worker");
    const N: usize = 400;
    let gw = gateway(N);
    gw.sandbox
        .arm_faults(
            FaultPlan::new()
                .rate(Some(VOUCHER), Fault::ErrorAfterEffect, 0.1)
                .rate(Some(VOUCHER), Fault::ErrorBeforeEffect, 0.1)
                .seed(11),
        )
        .unwrap();
    let args = run_args(&url);
    let first = gw.run(&strs(&args));
    assert_eq!(first.code(), 0, "{}\n{}", first.text(), pg.log());
    assert!(
        !first.text().contains(common::pg::PASSWORD),
        "the password is never printed: {}",
        first.text()
    );
    assert!(
        first
            .stderr()
            .contains("journal: postgres://campaign:***@127.0.0.1"),
        "{}",
        first.text()
    );
    let vouchers = issued(&gw);
    assert_eq!(vouchers.len(), N, "each row once despite the faults");
    let users: std::collections::BTreeSet<_> =
        vouchers.iter().map(|v| v["user_id"].to_string()).collect();
    assert_eq!(users.len(), N, "no user got two vouchers");
    assert!(
        !gw.path("users.journal.sqlite").exists(),
        "no SQLite journal beside the outputs"
    );

    // A second run finds everything done and sends nothing.
    let calls = gw.calls(VOUCHER);
    let again = gw.run(&strs(&args));
    assert_eq!(again.code(), 0, "{}", again.text());
    assert_eq!(gw.calls(VOUCHER), calls);

    let status = gw.run(&["status", "users.csv", "--journal", &url]);
    assert_eq!(status.code(), 0, "{}", status.text());
    assert!(
        status.stdout().contains(&format!("{N} rows — {N} done")),
        "{}",
        status.text()
    );
    let report = gw.run(&["report", "users.csv", "--journal", &url]);
    assert_eq!(report.code(), 0, "{}", report.text());
    assert!(gw.path("users.report.html").exists());
    let results = std::fs::read_to_string(gw.path("users.results.csv")).unwrap();
    assert_eq!(results.lines().count(), N + 1, "{results}");
}

#[test]
fn bad_journal_configuration_is_refused_clearly_and_nothing_is_sent() {
    let Some(pg) = PgServer::start() else { return };
    let gw = gateway(20);

    // No server there.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let nowhere = format!("postgres://campaign:secret-pw@127.0.0.1:{closed}/postgres");
    let out = gw.run(&strs(&run_args(&nowhere)));
    assert_eq!(out.code(), 1, "{}", out.text());
    assert!(
        out.stderr()
            .contains("cannot connect to the journal database")
            && out.stderr().contains("postgres://campaign:***@127.0.0.1")
            && out.stderr().contains("nothing was sent"),
        "{}",
        out.text()
    );
    assert!(!out.text().contains("secret-pw"), "{}", out.text());

    // A wrong password.
    let wrong = format!(
        "postgres://campaign:not-the-password@127.0.0.1:{}/postgres",
        pg.port()
    );
    let out = gw.run(&strs(&run_args(&wrong)));
    assert_eq!(out.code(), 1, "{}", out.text());
    assert!(
        out.stderr().contains("password authentication failed"),
        "{}",
        out.text()
    );
    assert!(!out.text().contains("not-the-password"), "{}", out.text());

    // Not a URL the driver understands.
    let out = gw.run(&strs(&run_args("postgres://campaign@127.0.0.1:notaport/x")));
    assert_eq!(out.code(), 2, "{}", out.text());
    assert!(
        out.stderr().contains("is not a usable PostgreSQL URL"),
        "{}",
        out.text()
    );

    // A URL of another database is not taken for a file name, and its password is not shown.
    let out = gw.run(&strs(&run_args("mysql://campaign:secret-pw@127.0.0.1/x")));
    assert_eq!(out.code(), 2, "{}", out.text());
    assert!(
        out.stderr()
            .contains("mysql://campaign:***@127.0.0.1/x is neither a PostgreSQL URL nor a file"),
        "{}",
        out.text()
    );
    assert!(!out.text().contains("secret-pw"), "{}", out.text());

    // The journal of another campaign under the same id: other settings.
    let url = pg.database("shared");
    let other: Vec<String> = run_args(&url)
        .into_iter()
        .chain(["--memo".into(), "another campaign".into()])
        .collect();
    gw.sandbox.set_template_stock("TPL-FIXED-10", 0).unwrap();
    let paused = gw.run(&strs(&other));
    assert_eq!(
        paused.code(),
        5,
        "the preflight pauses it: {}",
        paused.text()
    );
    gw.sandbox.set_template_stock("TPL-FIXED-10", 1000).unwrap();
    let out = gw.run(&strs(&run_args(&url)));
    assert_eq!(out.code(), 6, "{}", out.text());
    assert!(
        out.stderr()
            .contains("was made with other campaign settings")
            && out.stderr().contains("constants"),
        "{}",
        out.text()
    );

    // A schema from a newer version.
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .batch_execute("UPDATE alipay_campaign_schema SET version = 99")
        .unwrap();
    let out = gw.run(&strs(&run_args(&url)));
    assert_eq!(out.code(), 1, "{}", out.text());
    assert!(
        out.stderr()
            .contains("journal schema version 99, newer than")
            && out.stderr().contains("upgrade alipay-marketing"),
        "{}",
        out.text()
    );

    assert_eq!(gw.calls(VOUCHER), 0, "nothing was sent in any of these");
}

#[test]
fn workers_opening_a_fresh_journal_at_the_same_moment_all_get_one_schema() {
    let Some(pg) = PgServer::start() else { return };
    // Several rounds on fresh databases: creating the schema concurrently is a race only some rounds would hit.
    for round in 0..10 {
        let url = pg.database(&format!("fresh_{round}"));
        let start = std::sync::Barrier::new(8);
        std::thread::scope(|s| {
            let openers: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        start.wait();
                        alipay_marketing_campaign::journal::PgJournal::open(
                            &url,
                            "fresh",
                            std::time::Duration::from_secs(30),
                        )
                        .map(|_| ())
                    })
                })
                .collect();
            for opener in openers {
                let opened = opener.join().unwrap();
                assert!(
                    opened.is_ok(),
                    "round {round}: {:?}\n{}",
                    opened.err(),
                    pg.log()
                );
            }
        });
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let rows = client
            .query("SELECT version FROM alipay_campaign_schema", &[])
            .unwrap();
        assert_eq!(rows.len(), 1, "one schema row");
    }
}
