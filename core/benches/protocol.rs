//! The protocol's hot path: RSA2 sign and verify, a full request preparation, a response parse + verify.
//!
//! `bench/protocol.sh` runs these beside `openssl speed rsa2048` and prints the ratios the README quotes.

use std::hint::black_box;
use std::time::SystemTime;

use alipay_marketing::api::ApiRequest;
use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::envelope::{self, response_key};
use alipay_marketing::{Client, PrivateKey, SignType};
use criterion::{Criterion, criterion_group, criterion_main};

/// The sign content of a typical voucher.send request (about 400 bytes).
const SIGN_CONTENT: &str = "alipay_sdk=alipay-marketing-rust-0.1.0&app_id=2021000000000001&biz_content={\"memo\":\"新客礼券\",\
\"out_biz_no\":\"order-20240527-000001\",\"template_id\":\"20240527000000123456\",\"user_id\":\"2088102146225135\"}\
&charset=utf-8&format=json&method=alipay.marketing.voucher.send&sign_type=RSA2&timestamp=2024-05-27 16:53:20&version=1.0";

const NODE: &str = r#"{"code":"10000","msg":"Success","voucher_id":"2024052700826004000000000001","user_id":"2088102146225135"}"#;

fn benches(c: &mut Criterion) {
    let app_key = PrivateKey::generate().unwrap();
    let alipay_key = PrivateKey::generate().unwrap();
    let alipay_public = alipay_key.public_key();

    c.bench_function("rsa2_sign", |b| {
        b.iter(|| app_key.sign(SignType::Rsa2, black_box(SIGN_CONTENT.as_bytes())))
    });

    let signature = app_key
        .sign(SignType::Rsa2, SIGN_CONTENT.as_bytes())
        .unwrap();
    let app_public = app_key.public_key();
    c.bench_function("rsa2_verify", |b| {
        b.iter(|| {
            assert!(app_public.verify(
                SignType::Rsa2,
                black_box(SIGN_CONTENT.as_bytes()),
                &signature
            ))
        })
    });

    let client = Client::builder()
        .app_id("2021000000000001")
        .private_key(app_key.clone())
        .alipay_public_key(alipay_public.clone())
        .build()
        .unwrap();
    let request = VoucherSendRequest::new("20240527000000123456", "order-20240527-000001")
        .user_id("2088102146225135")
        .memo("新客礼券");
    let now = SystemTime::now();
    c.bench_function("prepare_voucher_send", |b| {
        b.iter(|| client.prepare_at(black_box(&request), now).unwrap())
    });

    let method = VoucherSendRequest::METHOD;
    let sign = alipay_key.sign(SignType::Rsa2, NODE.as_bytes()).unwrap();
    let body = format!(
        "{{\"{}\":{NODE},\"sign\":\"{sign}\"}}",
        response_key(method)
    );
    c.bench_function("parse_verify_voucher_send", |b| {
        b.iter(|| {
            let node = envelope::read_response(
                black_box(body.as_bytes()),
                method,
                &alipay_public,
                SignType::Rsa2,
                None,
            )
            .unwrap();
            request.parse_response(&node).unwrap()
        })
    });
}

criterion_group!(protocol, benches);
criterion_main!(protocol);
