//! `examples/c/pos_checkout.c`, the POS example of docs/c.md, against an in-process sandbox. How it runs:
//! `c_support::suite`.

mod c_support;

use c_support::compile_c_shared;
use c_support::scratch_dir;
use c_support::suite::{each_mode, no_faults, start_sandbox};

#[test]
fn the_pos_example_checks_out_against_the_sandbox() {
    let (sandbox, env) = start_sandbox();
    let program = scratch_dir("pos").join("pos_checkout");
    compile_c_shared(&["examples/c/pos_checkout.c"], &program);
    each_mode(&sandbox, &env, &program, &[], no_faults, |stdout, state| {
        assert!(stdout.contains("checkout complete"), "{stdout}");
        let account = state["points"]["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| {
                a["activity_account"] == "STAMP-CARD-01" && a["user_id"] == "2088000000000001"
            })
            .expect("the stamp card of the test user");
        assert_eq!(account["available"], 86, "100 + 6 earned - 20 redeemed");
        assert_eq!(account["frozen"], 0);
        assert_eq!(state["vouchers"]["count"], 1);
    });
}
