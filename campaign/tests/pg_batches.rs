//! `Campaign::run_rows` from Rust against a real PostgreSQL server and the sandbox: a batch sends each row once
//! and a repeat of it (a retried task) answers from the journal; bad rows are answered `rejected`, naming the
//! field; a column named like a result field and a journal that is not shared are refused.

mod common;

use alipay_marketing_campaign::input::InputRow;
use alipay_marketing_campaign::{Campaign, CampaignErrorKind, Method, RunStatus, StopHandle};
use alipay_marketing_sandbox::Scenario;
use common::pg::PgServer;
use common::{Gateway, user};

const VOUCHER: &str = "alipay.marketing.voucher.send";

fn rows(users: &[String]) -> Vec<InputRow> {
    users
        .iter()
        .enumerate()
        .map(|(i, u)| InputRow {
            line: i as u64 + 1,
            values: vec![
                ("user_id".into(), u.clone()),
                ("memo".into(), format!("row {i}")),
            ],
        })
        .collect()
}

fn campaign(journal: Option<String>) -> Campaign {
    let mut c = Campaign::new(Method::VoucherSend, "");
    c.id = "batch-job".into();
    c.journal = journal;
    c.constants
        .insert("template_id".into(), "TPL-FIXED-10".into());
    c
}

#[test]
fn a_batch_sends_once_and_its_repeat_answers_from_the_journal() {
    let Some(pg) = PgServer::start() else { return };
    let url = pg.database("batches");
    let mut scenario = Scenario::default();
    let users: Vec<String> = (0..30).map(user).collect();
    for u in &users {
        common::add_user(&mut scenario, u);
    }
    let gw = Gateway::start(scenario);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = runtime
        .block_on(async { gw.sandbox.client_builder().build() })
        .unwrap();
    let campaign = campaign(Some(url));
    let stop = StopHandle::new();

    let mut batch = rows(&users);
    batch.push(InputRow {
        line: 31,
        values: vec![
            ("user_id".into(), "not-a-user".into()),
            ("memo".into(), "bad".into()),
        ],
    });
    let (status, first) = runtime
        .block_on(campaign.run_rows(&client, batch.clone(), &mut |_| {}, &stop))
        .unwrap();
    assert_eq!(status, RunStatus::Completed);
    assert_eq!(first.len(), 31);
    assert!(
        first[..30]
            .iter()
            .all(|r| r.status == "done" && r.voucher_id.is_some()),
        "{first:#?}"
    );
    let bad = &first[30];
    assert_eq!(bad.status, "rejected");
    assert!(
        bad.error.as_ref().unwrap().message.starts_with("user_id: "),
        "{bad:?}"
    );
    assert_eq!(gw.calls(VOUCHER), 30);

    // The same rows again (a retried task): nothing sent, the same answers.
    let (_, again) = runtime
        .block_on(campaign.run_rows(&client, batch, &mut |_| {}, &stop))
        .unwrap();
    assert_eq!(gw.calls(VOUCHER), 30, "a repeat sends nothing");
    let ids = |rows: &[alipay_marketing_campaign::BatchRow]| -> Vec<Option<String>> {
        rows.iter().map(|r| r.voucher_id.clone()).collect()
    };
    assert_eq!(ids(&again), ids(&first));

    // The command line reads a campaign of batches by its id and journal alone.
    let status = gw.run(&[
        "status",
        "--id",
        "batch-job",
        "--journal",
        campaign.journal.as_deref().unwrap(),
    ]);
    assert_eq!(status.code(), 0, "{}", status.text());
    assert!(
        status.stdout().contains("30 rows — 30 done"),
        "{}",
        status.text()
    );

    // A column named like a result field would be hidden by the answer: refused, naming it.
    let mut clash = rows(&users[..1]);
    clash[0].values.push(("status".into(), "vip".into()));
    let e = runtime
        .block_on(campaign.run_rows(&client, clash, &mut |_| {}, &stop))
        .unwrap_err();
    assert_eq!(e.kind(), CampaignErrorKind::Config);
    assert!(e.message().contains("column \"status\""), "{e}");

    // A batch needs the shared journal.
    let e = runtime
        .block_on(self::campaign(None).run_rows(&client, rows(&users[..1]), &mut |_| {}, &stop))
        .unwrap_err();
    assert!(
        e.message()
            .starts_with("journal: a batch of rows needs a shared journal"),
        "{e}"
    );
}
