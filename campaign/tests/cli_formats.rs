//! A JSON Lines campaign through the `alipay-marketing` program: JSON Lines in, JSON Lines results and rejects out,
//! with the input's own fields kept as supplied.

mod common;

use alipay_marketing_sandbox::Scenario;
use common::Gateway;

fn lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn json_lines_in_gives_json_lines_results_and_rejects() {
    let gw = Gateway::start(Scenario::default());
    std::fs::write(
        gw.path("promo.jsonl"),
        concat!(
            "{\"user_id\": \"2088000000000001\", \"memo\": \"新客\"}\n",
            "{\"login_id\": \"demo@example.com\", \"memo\": \"second\"}\n",
            "{\"memo\": \"nobody\"}\n",
        ),
    )
    .unwrap();
    let run = gw.run(&[
        "run",
        "--method",
        "voucher.send",
        "--template-id",
        "TPL-FIXED-10",
        "--skip-invalid",
        "promo.jsonl",
    ]);
    assert_eq!(run.code(), 0, "{}", run.text());
    let results = lines(&std::fs::read_to_string(gw.path("promo.results.jsonl")).unwrap());
    assert_eq!(results.len(), 2, "{results:?}");
    assert_eq!(results[0]["user_id"], "2088000000000001");
    assert_eq!(results[0]["memo"], "新客");
    assert_eq!(results[1]["login_id"], "demo@example.com");
    let issued = gw.sandbox.state()["vouchers"]["issued"].clone();
    for r in &results {
        assert_eq!(r["status"], "done", "{r}");
        let v = issued
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["out_biz_no"] == r["key"])
            .unwrap_or_else(|| panic!("{r} is not in the sandbox"));
        assert_eq!(r["voucher_id"], v["voucher_id"], "{r}");
    }
    let rejects = lines(&std::fs::read_to_string(gw.path("promo.rejects.jsonl")).unwrap());
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert_eq!(rejects[0]["line"], "3");
    assert_eq!(rejects[0]["field"], "user_id");
    assert_eq!(rejects[0]["memo"], "nobody");
}
