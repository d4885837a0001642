use super::*;
use crate::input::InputRow;

fn meta() -> JournalMeta {
    JournalMeta {
        campaign_id: "c".into(),
        settings: "{}".into(),
        input_digest: String::new(),
        header: vec!["user_id".into()],
    }
}

fn input(line: u64, user: &str) -> InputRow {
    InputRow {
        line,
        values: vec![("user_id".into(), user.into())],
    }
}

fn loaded(n: u64) -> (tempfile::TempDir, SqliteJournal) {
    let dir = tempfile::tempdir().unwrap();
    let mut j = SqliteJournal::open(&dir.path().join("j.sqlite")).unwrap();
    j.begin_load(&meta()).unwrap();
    for i in 0..n {
        let row = input(i + 2, &format!("u{i}"));
        let key = format!("k{i}");
        assert_eq!(
            j.add_row(&NewRow {
                row: &row,
                key: &key,
                merchant: "",
            })
            .unwrap(),
            None
        );
    }
    j.commit_load("digest").unwrap();
    (dir, j)
}

fn outcome(seq: i64, state: RowState) -> RowOutcome {
    RowOutcome {
        seq,
        state,
        voucher_id: Some(format!("v{seq}")),
        point_log_no: None,
        biz_result_code: None,
        error: None,
        finished_at_ms: 1_000,
        latency_ms: seq as u64,
    }
}

#[test]
fn duplicate_keys_name_the_earlier_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = SqliteJournal::open(&dir.path().join("j.sqlite")).unwrap();
    j.begin_load(&meta()).unwrap();
    let (a, b) = (input(2, "x"), input(9, "y"));
    assert_eq!(
        j.add_row(&NewRow {
            row: &a,
            key: "same",
            merchant: "",
        })
        .unwrap(),
        None
    );
    assert_eq!(
        j.add_row(&NewRow {
            row: &b,
            key: "same",
            merchant: "",
        })
        .unwrap(),
        Some(2)
    );
}

#[test]
fn an_unfinished_load_leaves_no_campaign() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite");
    {
        let mut j = SqliteJournal::open(&path).unwrap();
        j.begin_load(&meta()).unwrap();
        j.add_row(&NewRow {
            row: &input(2, "x"),
            key: "k",
            merchant: "",
        })
        .unwrap();
        // Dropped without commit_load, as a crash would.
    }
    let mut j = SqliteJournal::open(&path).unwrap();
    assert_eq!(j.meta().unwrap(), None);
    assert_eq!(j.counts().unwrap().total(), 0);
}

#[test]
fn claims_are_durable_and_recovered_as_unknown_then_pending() {
    let (dir, mut j) = loaded(5);
    let claimed = j.claim(3, 10).unwrap();
    assert_eq!(
        claimed.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(),
        ["k0", "k1", "k2"]
    );
    assert_eq!(
        claimed[0].input,
        vec![("user_id".to_owned(), "u0".to_owned())]
    );
    j.record(&[outcome(claimed[0].seq, RowState::Done)])
        .unwrap();
    drop(j);
    let mut j = SqliteJournal::open(&dir.path().join("j.sqlite")).unwrap();
    let c = j.counts().unwrap();
    assert_eq!((c.done, c.in_flight, c.pending), (1, 2, 2));
    assert_eq!(j.recover_in_flight().unwrap(), 2);
    assert_eq!(j.requeue_unknown().unwrap(), 2);
    let again = j.claim(10, 20).unwrap();
    assert_eq!(
        again.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(),
        ["k1", "k2", "k3", "k4"]
    );
    assert_eq!(again[0].attempts, 2, "the same key, a second attempt");
    let mut seen = Vec::new();
    j.for_each_row(&mut |r| {
        seen.push((r.key, r.state));
        Ok(())
    })
    .unwrap();
    assert_eq!(seen[0], ("k0".to_owned(), RowState::Done));
}

#[test]
fn an_outcome_for_a_row_not_in_flight_changes_nothing() {
    let (_dir, mut j) = loaded(1);
    j.record(&[outcome(1, RowState::Done)]).unwrap();
    assert_eq!(j.counts().unwrap().pending, 1);
}

#[test]
fn percentiles_and_timeline_come_from_recorded_outcomes() {
    let (_dir, mut j) = loaded(10);
    let claimed = j.claim(10, 0).unwrap();
    let outcomes: Vec<_> = claimed
        .iter()
        .map(|c| outcome(c.seq, RowState::Done))
        .collect();
    j.record(&outcomes).unwrap();
    assert_eq!(
        j.latency_percentiles(&[0.0, 50.0, 100.0]).unwrap(),
        [1, 6, 10]
    );
    assert_eq!(j.timeline().unwrap(), [(1, 10)]);
    assert_eq!(j.slowest(1).unwrap()[0].latency_ms, Some(10));
}
