use std::time::SystemTime;

use super::*;
use crate::scenario::Scenario;

fn call<'a>(method: Method, params: &'a BizParams) -> Call<'a> {
    Call {
        app_id: "2021000000000001",
        method,
        params,
        now: SystemTime::now(),
    }
}

fn params(json: &str) -> BizParams {
    BizParams::parse(Some(json)).expect("biz_content")
}

#[test]
fn biz_params_keep_numbers_as_text_and_drop_nulls() {
    let p = params(r#"{"trans_amount":12,"memo":null,"flag":true,"user_id":" "}"#);
    assert_eq!(p.get("trans_amount"), Some("12"));
    assert_eq!(p.get("flag"), Some("true"));
    assert!(!p.has("memo"));
    assert!(
        p.has("user_id") && p.get("user_id").is_none(),
        "blank counts as absent but was sent"
    );
    assert_eq!(
        BizParams::parse(Some("[1]")).expect_err("array"),
        "biz_content must be a JSON object"
    );
}

#[test]
fn a_replay_is_answered_from_the_record_without_touching_the_world() {
    let scenario = Scenario::default();
    let catalog = Catalog::new(&scenario);
    let mut world = World::from_scenario(&scenario);
    let p = params(
        r#"{"req_id":"r","user_id":"2088000000000001","activity_account":"STAMP-CARD-01","trans_type":"CONSUME","trans_amount":"10"}"#,
    );
    let first = apply(&mut world, &catalog, &call(Method::PointsUpdate, &p));
    let after_first = world.clone();
    let second = apply(&mut world, &catalog, &call(Method::PointsUpdate, &p));
    assert_eq!(first, second);
    assert_eq!(world, after_first);
    assert_eq!(
        world.balances["STAMP-CARD-01"]["2088000000000001"].available,
        90
    );
}

#[test]
fn a_failed_call_is_not_recorded_so_the_same_key_can_succeed_later() {
    let scenario = Scenario::default();
    let catalog = Catalog::new(&scenario);
    let mut world = World::from_scenario(&scenario);
    let big = params(
        r#"{"req_id":"r","user_id":"2088000000000001","activity_account":"STAMP-CARD-01","trans_type":"CONSUME","trans_amount":"500"}"#,
    );
    let refused = apply(&mut world, &catalog, &call(Method::PointsUpdate, &big));
    assert!(
        matches!(
            refused,
            Outcome::Business {
                sub_code: "BIZ_ERROR",
                ..
            }
        ),
        "{refused:?}"
    );
    assert!(world.replays.is_empty());
}

#[test]
fn a_deposit_that_would_overflow_is_refused() {
    let scenario = Scenario::default();
    let catalog = Catalog::new(&scenario);
    let mut world = World::from_scenario(&scenario);
    world
        .balances
        .get_mut("STAMP-CARD-01")
        .and_then(|u| u.get_mut("2088000000000001"))
        .expect("account")
        .available = u64::MAX - 1;
    let p = params(
        r#"{"req_id":"r","user_id":"2088000000000001","activity_account":"STAMP-CARD-01","trans_type":"DEPOSIT","trans_amount":"2","biz_no":"t"}"#,
    );
    let outcome = apply(&mut world, &catalog, &call(Method::PointsUpdate, &p));
    assert_eq!(
        outcome,
        Outcome::invalid("the deposit would overflow the account")
    );
}
