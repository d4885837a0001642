//! A small loopback gateway for the client's tests: it records every request and answers from a script.
#![allow(dead_code)] // each test file uses its own subset

pub mod tls;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alipay_marketing::envelope::response_key;
use alipay_marketing::{Client, ClientBuilder, Gateway, PrivateKey, SignType};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

pub const METHOD: &str = "alipay.marketing.voucher.send";

pub const SUCCESS: &str = r#"{"code":"10000","msg":"Success","voucher_id":"2024052700826004000000000001","user_id":"2088000000000001"}"#;

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub query: Vec<(String, String)>,
    pub form: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub raw_body: Bytes,
}

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Vec<u8>,
    pub delay: Duration,
    pub headers: Vec<(&'static str, String)>,
}

impl Answer {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            body: body.into(),
            delay: Duration::ZERO,
            headers: vec![("trace_id", "0b8f1c2d17000000000000001".to_owned())],
        }
    }

    pub fn delayed(mut self, delay: Duration) -> Answer {
        self.delay = delay;
        self
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Answer {
        self.headers.push((name, value.to_owned()));
        self
    }
}

/// What the server saw, and the answers still to give (the last one repeats).
#[derive(Default)]
struct Shared {
    seen: Vec<Seen>,
    answers: VecDeque<Answer>,
}

type Server = Arc<Mutex<Shared>>;

async fn gateway(
    State(server): State<Server>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = {
        let mut shared = server.lock().unwrap();
        shared.seen.push(Seen {
            query: form_pairs(query.unwrap_or_default().as_bytes()),
            form: form_pairs(&body),
            headers,
            raw_body: body,
        });
        let answer = if shared.answers.len() > 1 {
            shared.answers.pop_front()
        } else {
            shared.answers.front().cloned()
        };
        answer.expect("the test scripts an answer")
    };
    tokio::time::sleep(answer.delay).await;
    let mut response = (answer.status, answer.body).into_response();
    for (name, value) in answer.headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

pub fn form_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(bytes)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub struct Fixture {
    server: Server,
    pub url: String,
    pub client: Client,
    pub app_key: PrivateKey,
    pub alipay_key: PrivateKey,
}

impl Fixture {
    pub async fn start() -> Fixture {
        Self::start_with(|b| b).await
    }

    /// Starts the server and builds a client, letting the test adjust the builder.
    pub async fn start_with(configure: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Fixture {
        let server = Server::default();
        let app = axum::Router::new()
            .route("/gateway.do", axum::routing::post(gateway))
            .with_state(server.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let app_key = PrivateKey::generate().unwrap();
        let alipay_key = PrivateKey::generate().unwrap();
        let url = format!("http://{addr}/gateway.do");
        let builder = Client::builder()
            .app_id("2021000000000001")
            .private_key(app_key.clone())
            .alipay_public_key(alipay_key.public_key())
            .gateway(Gateway::Url(url.clone()))
            .timeout(Duration::from_secs(5));
        let client = configure(builder).build().unwrap();
        Fixture {
            server,
            url,
            client,
            app_key,
            alipay_key,
        }
    }

    /// Answers every following request this way.
    pub fn answer(&self, status: u16, body: impl Into<Vec<u8>>) {
        self.script([Answer::new(status, body)]);
    }

    /// Answers the next requests in order; the last answer repeats.
    pub fn script(&self, answers: impl IntoIterator<Item = Answer>) {
        self.server.lock().unwrap().answers = answers.into_iter().collect();
    }

    pub fn answer_signed(&self, node: &str) {
        self.answer(200, self.signed(node));
    }

    /// A response body for `METHOD` signed with the fixture's Alipay key.
    pub fn signed(&self, node: &str) -> String {
        signed(&self.alipay_key, &response_key(METHOD), node)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.server.lock().unwrap().seen.clone()
    }
}

pub fn signed(key: &PrivateKey, node_key: &str, node: &str) -> String {
    let sign = key.sign(SignType::Rsa2, node.as_bytes()).unwrap();
    format!("{{\"{node_key}\":{node},\"sign\":\"{sign}\"}}")
}
