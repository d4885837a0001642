//! Retries, deadlines, the rate limit, proxies and closing, against the loopback gateway of `support`.

mod support;

use std::time::{Duration, Instant};

use alipay_marketing::api::invite::InviteAwardRequest;
use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::envelope::response_key;
use alipay_marketing::{CallOptions, ErrorKind, Gateway, RetryPolicy};
use support::{Answer, Fixture, SUCCESS, signed};

fn voucher() -> VoucherSendRequest {
    VoucherSendRequest::new("TPL-FIXED-10", "order-0001").user_id("2088000000000001")
}

const UNKNOWN: &str = r#"{"code":"20000","msg":"Service Currently Unavailable","sub_code":"isp.unknow-error","sub_msg":"系统繁忙"}"#;
const THROTTLED: &str = r#"{"code":"40005","msg":"Call Limited","sub_code":"isv.app-call-limited","sub_msg":"调用频率超限"}"#;

#[tokio::test]
async fn a_keyed_call_is_retried_with_the_identical_signed_request_until_it_succeeds() {
    let f = Fixture::start().await;
    f.script([
        Answer::new(502, "<html>502 Bad Gateway</html>"),
        Answer::new(200, f.signed(UNKNOWN)),
        Answer::new(200, f.signed(SUCCESS)),
    ]);
    let sent = f.client.send_voucher(&voucher()).await.unwrap();
    assert_eq!(sent.voucher_id, "2024052700826004000000000001");
    let seen = f.seen();
    assert_eq!(seen.len(), 3);
    for retry in &seen[1..] {
        assert_eq!(retry.query, seen[0].query, "same timestamp, same sign");
        assert_eq!(retry.raw_body, seen[0].raw_body, "same out_biz_no");
    }
    let stats = f.client.stats();
    assert_eq!(
        (stats.calls, stats.attempts, stats.retries, stats.successes),
        (1, 3, 2, 1)
    );
    assert_eq!(stats.failed(), 0);
}

#[tokio::test]
async fn business_errors_and_bad_signatures_are_never_retried() {
    let f = Fixture::start().await;
    f.answer_signed(r#"{"code":"40004","msg":"Business Failed","sub_code":"TEMPLATE_NOT_EXIST","sub_msg":"模板不存在"}"#);
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Gateway);
    assert_eq!(error.attempts(), 1);
    assert!(!error.outcome_unknown());

    f.answer(200, f.signed(SUCCESS).replace("0001\"", "0009\""));
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Signature);
    assert_eq!(f.seen().len(), 2);
    assert_eq!(f.client.stats().failed_with(ErrorKind::Signature), 1);
}

#[tokio::test]
async fn the_last_failure_says_the_outcome_is_unknown_and_carries_the_key() {
    let f = Fixture::start().await;
    f.answer_signed(UNKNOWN);
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Gateway);
    assert_eq!(error.attempts(), 3);
    assert!(error.outcome_unknown());
    assert_eq!(error.idempotency_key(), Some("order-0001"));
    assert!(
        error
            .to_string()
            .contains("outcome unknown after 3 attempt(s)"),
        "{error}"
    );
    assert!(error.to_string().contains("order-0001"), "{error}");
}

#[tokio::test]
async fn execute_without_a_key_is_retried_only_when_nothing_can_have_happened() {
    let f = Fixture::start().await;
    let biz = r#"{"template_id":"TPL-FIXED-10","out_biz_no":"x","user_id":"2088000000000001"}"#;
    f.answer(502, "<html>502</html>");
    let error = f.client.execute(support::METHOD, biz).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Http);
    assert_eq!(
        error.attempts(),
        1,
        "a 502 may hide an applied effect: no blind retry without a key"
    );
    assert!(error.outcome_unknown());
    assert!(error.to_string().contains("no idempotency key"), "{error}");

    // Throttling (40005) happens before any effect: retried even without a key.
    f.script([
        Answer::new(200, f.signed(THROTTLED)),
        Answer::new(200, f.signed(SUCCESS)),
    ]);
    f.client.execute(support::METHOD, biz).await.unwrap();
    assert_eq!(f.seen().len(), 3);
}

#[tokio::test]
async fn a_refused_connection_is_retried_and_reported_as_never_sent() {
    let f = Fixture::start_with(|b| {
        b.gateway(Gateway::Url("http://127.0.0.1:9/gateway.do".into()))
            .retry_policy(
                RetryPolicy::default().backoff(Duration::from_millis(5), Duration::from_millis(10)),
            )
    })
    .await;
    let error = f.client.execute(support::METHOD, "{}").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
    assert_eq!(error.attempts(), 3);
    assert!(!error.request_may_have_been_sent());
    assert!(!error.outcome_unknown());
}

#[tokio::test]
async fn an_invite_without_out_biz_no_gets_a_generated_key_that_every_retry_reuses() {
    let f = Fixture::start().await;
    let node = r#"{"code":"10000","msg":"Success","biz_result_code":"NEW_AWARD_SUCESS","user_attr":"NEW"}"#;
    let invite_key = response_key(InviteAwardRequest::METHOD);
    f.script([
        Answer::new(200, signed(&f.alipay_key, &invite_key, UNKNOWN)),
        Answer::new(200, signed(&f.alipay_key, &invite_key, node)),
    ]);
    let result = f
        .client
        .receive_invite_award(&InviteAwardRequest::new().mobile("13800000009"))
        .await
        .unwrap();
    let key = result
        .out_biz_no
        .clone()
        .expect("a generated out_biz_no is returned");
    let seen = f.seen();
    assert_eq!(seen.len(), 2);
    for request in &seen {
        let biz: serde_json::Value = serde_json::from_str(&request.form[0].1).unwrap();
        assert_eq!(biz["out_biz_no"], key.as_str());
    }
    // A caller's own key is kept as is.
    let result = f
        .client
        .receive_invite_award(
            &InviteAwardRequest::new()
                .mobile("13800000009")
                .out_biz_no("mine-1"),
        )
        .await
        .unwrap();
    assert_eq!(result.out_biz_no.as_deref(), Some("mine-1"));
}

#[tokio::test]
async fn a_slow_gateway_is_cut_at_the_attempt_timeout_and_the_call_at_its_deadline() {
    let f = Fixture::start_with(|b| b.attempt_timeout(Duration::from_millis(300))).await;
    f.script([Answer::new(200, f.signed(SUCCESS)).delayed(Duration::from_secs(3))]);
    let options = CallOptions::with_timeout(Duration::from_millis(1000));
    let started = Instant::now();
    let error = f.client.call(&voucher(), &options).await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    assert!(error.outcome_unknown());
    assert!(
        error.attempts() >= 2,
        "the 300 ms attempt timeout leaves room to retry: {error}"
    );
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_millis(2500),
        "the deadline bounds the call: {elapsed:?}"
    );
    // A slow first answer, then a fast one: the retry succeeds.
    f.script([
        Answer::new(200, f.signed(SUCCESS)).delayed(Duration::from_secs(3)),
        Answer::new(200, f.signed(SUCCESS)),
    ]);
    f.client.send_voucher(&voucher()).await.unwrap();
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let f = Fixture::start().await;
    f.script([
        Answer::new(503, "busy").header("retry-after", "1"),
        Answer::new(200, f.signed(SUCCESS)),
    ]);
    let started = Instant::now();
    f.client.send_voucher(&voucher()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn retries_can_be_turned_off_per_client_and_per_call() {
    let f = Fixture::start_with(|b| b.retry_policy(RetryPolicy::none())).await;
    f.answer_signed(UNKNOWN);
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.attempts(), 1);
    let options = CallOptions::default().retry(RetryPolicy::default().max_attempts(2));
    let error = f.client.call(&voucher(), &options).await.unwrap_err();
    assert_eq!(error.attempts(), 2);
    assert_eq!(f.seen().len(), 3);
}

#[tokio::test]
async fn the_rate_limit_spaces_calls_across_clones_and_tasks() {
    let f = Fixture::start_with(|b| b.rate_limit(20.0, 1)).await;
    f.answer_signed(SUCCESS);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let client = f.client.clone();
        tasks.push(tokio::spawn(async move {
            client.send_voucher(&voucher()).await.unwrap()
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    // Ten calls at 20/s with no burst need at least 9 intervals of 50 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(450),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_rate_limit_wait_beyond_the_deadline_fails_without_sending() {
    let f = Fixture::start_with(|b| b.rate_limit(0.5, 1)).await;
    f.answer_signed(SUCCESS);
    f.client.send_voucher(&voucher()).await.unwrap();
    let options = CallOptions::with_timeout(Duration::from_millis(200));
    let error = f.client.call(&voucher(), &options).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
    assert!(!error.request_may_have_been_sent());
    assert_eq!(f.seen().len(), 1);
}

#[tokio::test]
async fn closing_lets_calls_in_flight_finish_and_refuses_new_ones() {
    let f = Fixture::start().await;
    f.script([Answer::new(200, f.signed(SUCCESS)).delayed(Duration::from_millis(300))]);
    let client = f.client.clone();
    let in_flight = tokio::spawn(async move { client.send_voucher(&voucher()).await });
    wait_until("the call is in flight", || f.client.stats().in_flight == 1).await;
    f.client.close().await;
    assert!(
        in_flight.is_finished(),
        "close waits for the call in flight"
    );
    in_flight
        .await
        .unwrap()
        .expect("the call in flight completes");
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    assert!(error.to_string().contains("closed"), "{error}");
    assert_eq!(f.seen().len(), 1);
}

#[tokio::test]
async fn closing_stops_a_call_waiting_to_retry() {
    let f = Fixture::start_with(|b| {
        b.retry_policy(
            RetryPolicy::default()
                .max_attempts(5)
                .backoff(Duration::from_secs(3_600), Duration::from_secs(3_600)),
        )
        .timeout(Duration::from_secs(7_200))
    })
    .await;
    f.answer_signed(UNKNOWN);
    let client = f.client.clone();
    let call = tokio::spawn(async move { client.send_voucher(&voucher()).await });
    wait_until("the first attempt is answered", || f.seen().len() == 1).await;
    // The backoff is an hour: close returns only if it interrupts the wait.
    tokio::time::timeout(Duration::from_secs(60), f.client.close())
        .await
        .expect("close interrupted the backoff sleep");
    let error = call.await.unwrap().unwrap_err();
    assert_eq!(f.seen().len(), 1, "no attempt after close");
    assert!(error.outcome_unknown());
    assert_eq!(error.idempotency_key(), Some("order-0001"));
}

#[tokio::test]
async fn an_explicit_proxy_carries_the_request() {
    // The gateway's host name does not resolve: only the proxy, which forwards to the loopback gateway, can reach it.
    let f = Fixture::start().await;
    f.answer_signed(SUCCESS);
    let proxy = support_proxy::start(f.url.clone()).await;
    let client = alipay_marketing::Client::builder()
        .app_id("2021000000000001")
        .private_key(f.app_key.clone())
        .alipay_public_key(f.alipay_key.public_key())
        .gateway(Gateway::Url("http://gateway.invalid/gateway.do".into()))
        .allow_insecure_http(true)
        .proxy(proxy.url.clone())
        .build()
        .unwrap();
    client.send_voucher(&voucher()).await.unwrap();
    let targets = proxy.targets();
    assert_eq!(targets.len(), 1);
    assert!(
        targets[0].starts_with("http://gateway.invalid/gateway.do?"),
        "{targets:?}"
    );
    assert_eq!(f.seen().len(), 1);

    let error = alipay_marketing::Client::builder()
        .app_id("2021000000000001")
        .private_key(f.app_key.clone())
        .alipay_public_key(f.alipay_key.public_key())
        .proxy("not a url")
        .build()
        .unwrap_err();
    assert_eq!(error.field(), Some("proxy"));
}

/// A forwarding HTTP proxy: records the absolute-form target of each request and replays it to one upstream.
mod support_proxy {
    use std::sync::{Arc, Mutex};

    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{HeaderMap, Uri};
    use axum::response::IntoResponse;

    pub struct Proxy {
        pub url: String,
        targets: Arc<Mutex<Vec<String>>>,
    }

    impl Proxy {
        pub fn targets(&self) -> Vec<String> {
            self.targets.lock().unwrap().clone()
        }
    }

    type Shared = (Arc<Mutex<Vec<String>>>, String);

    async fn forward(
        State((targets, upstream)): State<Shared>,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> impl IntoResponse {
        targets.lock().unwrap().push(uri.to_string());
        let url = format!("{upstream}?{}", uri.query().unwrap_or(""));
        let response = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .post(url)
            .header("content-type", headers["content-type"].clone())
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    pub async fn start(upstream: String) -> Proxy {
        let targets = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new()
            .fallback(forward)
            .with_state((targets.clone(), upstream));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Proxy {
            url: format!("http://{addr}"),
            targets,
        }
    }
}

#[tokio::test]
async fn an_unknown_outcome_on_an_earlier_attempt_is_never_forgotten() {
    let f = Fixture::start_with(|b| b.retry_policy(RetryPolicy::default().max_attempts(2))).await;
    // The first attempt may have sent the voucher; the last one was merely throttled.
    f.script([
        Answer::new(200, f.signed(UNKNOWN)),
        Answer::new(200, f.signed(THROTTLED)),
    ]);
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.gateway_error().unwrap().code, "40005");
    assert!(
        error.outcome_unknown(),
        "attempt 1 left the outcome unknown: {error}"
    );
    assert!(
        error
            .to_string()
            .contains("outcome unknown after 2 attempt(s)"),
        "{error}"
    );
}

#[tokio::test]
async fn an_answer_that_fails_verification_leaves_the_outcome_unknown() {
    // The gateway got the request (a wrong alipay_public_key makes every answer fail verification while the
    // vouchers are in fact sent), so the caller must not assume nothing happened.
    let f = Fixture::start().await;
    f.answer(200, f.signed(SUCCESS).replace("0001\"", "0002\""));
    let error = f.client.send_voucher(&voucher()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Signature);
    assert!(error.outcome_unknown());
    assert_eq!(error.idempotency_key(), Some("order-0001"));
}

/// Waits until `condition` holds, polling; fails the test after 60 s.
async fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
