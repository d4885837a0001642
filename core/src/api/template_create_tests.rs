use super::*;
use crate::error::ErrorKind;

fn request() -> TemplateCreateRequest {
    TemplateCreateRequest::fixed("tpl-0001", "新客礼券", "10.00", 1000)
        .publish_window("2024-06-01 00:00:00", "2024-06-30 23:59:59")
        .valid_for(7, "DAY")
}

fn field(r: &TemplateCreateRequest) -> String {
    let e = r.validate().expect_err("expected a validation error");
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    e.field().unwrap_or_default().to_owned()
}

fn message(r: &TemplateCreateRequest) -> String {
    r.validate()
        .expect_err("expected a validation error")
        .to_string()
}

#[test]
fn a_complete_fixed_template_validates_and_is_keyed_by_out_biz_no() {
    let r = request();
    assert!(r.validate().is_ok(), "{:?}", r.validate());
    assert_eq!(
        r.method(),
        "alipay.marketing.cashlessvoucher.template.create"
    );
    assert_eq!(r.idempotency_key(), Some("tpl-0001"));
    assert!(!r.read_only());
    assert_eq!(
        r.biz_content().unwrap(),
        r#"{"amount":"10.00","brand_name":"新客礼券","floor_amount":"0.00","out_biz_no":"tpl-0001","publish_end_time":"2024-06-30 23:59:59","publish_start_time":"2024-06-01 00:00:00","voucher_description":"[]","voucher_quantity":1000,"voucher_type":"CASHLESS_FIX_VOUCHER","voucher_valid_period":"{\"duration\":7,\"type\":\"RELATIVE\",\"unit\":\"DAY\"}"}"#
    );
}

#[test]
fn brand_name_is_required_and_at_most_12_characters() {
    let mut r = request();
    r.brand_name = "券".repeat(12);
    assert!(r.validate().is_ok());
    r.brand_name = "券".repeat(13);
    assert!(message(&r).contains("brand_name: is 13 characters"));
    r.brand_name = String::new();
    assert_eq!(field(&r), "brand_name");
}

#[test]
fn publish_window_is_ordered_well_formed_and_at_most_90_days() {
    assert_eq!(
        field(&request().publish_window("2024-06-01", "2024-06-30 00:00:00")),
        "publish_start_time"
    );
    assert_eq!(
        field(&request().publish_window("", "2024-06-30 00:00:00")),
        "publish_start_time"
    );
    let reversed = request().publish_window("2024-06-30 00:00:00", "2024-06-01 00:00:00");
    assert!(message(&reversed).contains("publish_end_time: is before publish_start_time"));
    let long = request().publish_window("2024-01-01 00:00:00", "2024-04-01 00:00:01");
    assert!(message(&long).contains("at most 90 days"));
    assert!(
        request()
            .publish_window("2024-01-01 00:00:00", "2024-03-31 00:00:00")
            .validate()
            .is_ok()
    );
}

#[test]
fn valid_period_must_be_absolute_or_relative() {
    assert!(
        request()
            .valid_between("2024-06-01 00:00:00", "2024-07-01 00:00:00")
            .validate()
            .is_ok()
    );
    for bad in [
        request().valid_for(0, "DAY"),
        request().valid_for(1, "WEEK"),
        request().valid_between("2024-07-01 00:00:00", "2024-06-01 00:00:00"),
        request().valid_between("soon", "2024-06-01 00:00:00"),
    ] {
        assert_eq!(field(&bad), "voucher_valid_period", "{bad:?}");
    }
    let mut r = request();
    r.voucher_valid_period = "7 days".into();
    assert!(message(&r).contains("must be a JSON object"));
    r.voucher_valid_period = String::new();
    assert!(message(&r).contains("voucher_valid_period: is empty"));
}

#[test]
fn amounts_follow_the_documented_ranges() {
    assert!(request().validate().is_ok());
    let mut r = request();
    for ok in ["1", "999", "9.9", "0.00"] {
        r.floor_amount = ok.into();
        assert!(r.validate().is_ok(), "{ok}");
    }
    r.amount = "1000.00".into();
    assert!(message(&r).contains("1 to 999 yuan"));
    r.amount = "0.99".into();
    assert_eq!(field(&r), "amount");
    r.amount = "10.001".into();
    assert!(message(&r).contains("at most two decimals"));
    let mut r = request();
    r.floor_amount = "-1".into();
    assert_eq!(field(&r), "floor_amount");
}

#[test]
fn fixed_needs_a_quantity_and_random_needs_a_budget() {
    let mut r = request();
    r.voucher_quantity = None;
    assert!(message(&r).contains("voucher_quantity: is required for CASHLESS_FIX_VOUCHER"));
    r.voucher_quantity = Some(0);
    assert_eq!(field(&r), "voucher_quantity");
    let random = TemplateCreateRequest::random("tpl-2", "红包", "5.00", "1000.00")
        .publish_window("2024-06-01 00:00:00", "2024-06-30 23:59:59")
        .valid_for(1, "HOUR");
    assert!(random.validate().is_ok());
    let mut r = random.clone();
    r.total_amount = None;
    assert_eq!(field(&r), "total_amount");
    r.total_amount = Some("10000000.01".into());
    assert!(message(&r).contains("1 to 10,000,000 yuan"));
}

#[test]
fn description_is_a_short_json_array() {
    assert!(
        request()
            .description_lines(["不与其他优惠同享"])
            .validate()
            .is_ok()
    );
    assert_eq!(
        field(&request().description_lines(vec!["x"; 11])),
        "voucher_description"
    );
    assert!(
        message(&request().description_lines(["长".repeat(51)]))
            .contains("entry 0 is 51 characters")
    );
    let mut r = request();
    r.voucher_description = "none".into();
    assert_eq!(field(&r), "voucher_description");
}

#[test]
fn optional_json_fields_and_notify_uri_are_checked_when_set() {
    let mut r = request();
    r.rule_conf = Some("[1]".into());
    assert_eq!(field(&r), "rule_conf");
    let mut r = request();
    r.extension_info = Some("x".into());
    assert_eq!(field(&r), "extension_info");
    let mut r = request();
    r.voucher_available_time = Some("{}".into());
    assert_eq!(field(&r), "voucher_available_time");
    assert_eq!(
        field(&request().notify_uri("ftp://example.com/n")),
        "notify_uri"
    );
    assert!(
        request()
            .notify_uri("https://example.com/n")
            .validate()
            .is_ok()
    );
}

#[test]
fn response_needs_the_template_id() {
    let r = request();
    let ok = r
        .parse_response(r#"{"code":"10000","msg":"Success","template_id":"20240601000000000001"}"#);
    assert_eq!(ok.unwrap().template_id, "20240601000000000001");
    let e = r.parse_response(r#"{"code":"10000"}"#).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("template_id"));
}
