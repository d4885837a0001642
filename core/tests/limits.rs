//! Durations and rates that would overflow the clock arithmetic: refused by `build` with a `Config` error naming
//! the field, and reported by the doctor as problems with the same words.

use std::path::PathBuf;
use std::time::Duration;

use alipay_marketing::{Client, ClientBuilder, ErrorKind};

fn read(rel: &str) -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures")
            .join(rel),
    )
    .unwrap()
}

fn sound() -> ClientBuilder {
    Client::builder()
        .app_id("2021000000000001")
        .private_key_text(read("keys/node/app-private-key.pem"))
        .alipay_public_key_text(read("keys/node/alipay-public-key-no-wrapper.pem"))
        .gateway(alipay_marketing::Gateway::Url(
            "http://127.0.0.1:9/gateway.do".into(),
        ))
}

#[test]
fn values_that_used_to_panic_are_config_errors_naming_their_field_in_build_and_doctor() {
    let huge = Duration::from_secs_f64(1.8e19);
    let cases: Vec<(&str, ClientBuilder)> = vec![
        ("rate_limit", sound().rate_limit(1e-300, 1)),
        ("rate_limit", sound().rate_limit(1e-9, u32::MAX)),
        ("rate_limit", sound().rate_limit(f64::INFINITY, 1)),
        ("timeout", sound().timeout(huge)),
        ("connect_timeout", sound().connect_timeout(huge)),
        ("attempt_timeout", sound().attempt_timeout(huge)),
        ("pool_idle_timeout", sound().pool_idle_timeout(huge)),
        (
            "pool_idle_timeout",
            sound().pool_idle_timeout(Duration::ZERO),
        ),
        ("connect_timeout", sound().connect_timeout(Duration::ZERO)),
    ];
    for (field, builder) in cases {
        let report = builder.doctor();
        let error = builder.build().expect_err(field);
        assert_eq!(error.kind(), ErrorKind::Config);
        assert_eq!(error.field(), Some(field), "{error}");
        assert!(
            !report.is_healthy(),
            "{field}: the doctor called it healthy:\n{report}"
        );
        let finding = report
            .about(field)
            .find(|f| f.level == alipay_marketing::doctor::Level::Problem)
            .unwrap_or_else(|| panic!("no {field} problem in:\n{report}"));
        assert_eq!(format!("{field}: {}", finding.message), error.message());
    }
}

#[test]
fn the_extremes_accepted_build_a_client() {
    let day = alipay_marketing::limits::MAX_TIMEOUT;
    let client = sound()
        .timeout(day)
        .connect_timeout(day)
        .attempt_timeout(day)
        .pool_idle_timeout(day)
        .rate_limit(
            alipay_marketing::limits::MIN_QPS,
            alipay_marketing::limits::MAX_BURST,
        )
        .build();
    assert!(client.is_ok(), "{:?}", client.err());
}
