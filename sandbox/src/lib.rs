//! A local emulator of the Alipay OpenAPI v2 gateway (`gateway.do`) for the SDK's marketing methods (three sending
//! calls, five companion calls), so tests, demos
//! and integrations run offline against the real protocol: signed requests checked in the gateway's order, signed
//! answers in the real envelope, stateful business rules, and faults on demand.
//!
//! Depend on it as a dev-dependency next to the client crate (`alipay-marketing`, which makes the calls); the
//! `alipay-sandbox` binary (`cargo install alipay-marketing-sandbox`) serves C, Python or any other client.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use alipay_marketing::api::voucher::VoucherSendRequest;
//! use alipay_marketing_sandbox::{Config, Sandbox};
//!
//! let sandbox = Sandbox::start(Config::default()).await?;
//! let client = sandbox.client_builder().build()?;
//! let voucher = client
//!     .send_voucher(&VoucherSendRequest::new("TPL-FIXED-10", "order-1").user_id("2088000000000001"))
//!     .await?;
//! println!("{}", voucher.voucher_id);
//! sandbox.stop().await;
//! # Ok(()) }
//! ```
//!
//! Module map:
//! - [`Sandbox`] — the running sandbox (start, keys, client builder, state, faults, stop).
//! - [`config`] — [`Config`]: scenario, address, state file, seed, keys, call log.
//! - [`scenario`] — [`Scenario`]: the starting world, from TOML/JSON or the demo default.
//! - [`model`] — the entities: users, activities, templates, accounts, vouchers, freezes.
//! - [`faults`] — [`FaultPlan`] and [`Fault`]: what goes wrong, per method, by seeded rate or script.
//! - [`method`] — the gateway methods served (plus [`CERT_DOWNLOAD_METHOD`] in certificate mode).
//! - `request` — query + body merged, decoded in the request charset.
//! - `checks` — the gateway's checks, in its order, decryption included.
//! - `pki` — certificate mode: the test root CA, the Alipay and app certificates, rotation.
//! - `gateway` — one call: checks, faults, rules, the signed answer.
//! - `envelope` — response nodes and the signed envelope (charset, AES, `alipay_cert_sn`).
//! - `rules` — the business rules and idempotency.
//! - `state` — the catalog, the mutable world and its state file.
//! - `server` — the accept loop, routes, admin API and graceful stop.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod checks;
pub mod config;
mod envelope;
pub mod error;
pub mod faults;
mod gateway;
mod instance;
pub mod method;
pub mod model;
mod money;
mod pki;
mod request;
mod rules;
pub mod scenario;
mod server;
mod state;
mod state_file;

pub use checks::CERT_DOWNLOAD_METHOD;
pub use error::{SandboxError, SandboxErrorKind};
pub use faults::{Fault, FaultPlan, FaultRule};
pub use gateway::{CallLogger, CallRecord};
pub use instance::{Config, DEFAULT_TIMESTAMP_WINDOW, Sandbox};
pub use method::Method;
pub use scenario::{App, DEFAULT_APP_ID, Scenario};

/// Entry points for the fuzz targets (`fuzz/`) and the property tests, not part of the API: the gateway's request
/// parser on raw input, and the bytes it verifies a request's signature over.
#[doc(hidden)]
pub mod fuzzing {
    /// Parses a request as the gateway does (query string, `Content-Type`, form body): the merged parameters, each
    /// once, for the sign content; or the `sub_msg` the gateway answers with.
    pub fn parse_request(
        query: Option<&str>,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Vec<(String, String)>, String> {
        let params = crate::request::parse(query, content_type, body).map_err(|e| e.describe())?;
        // What the checks read first.
        let _ = (
            params.get("method"),
            params.get("sign"),
            params.raw("charset"),
        );
        Ok(params
            .unique()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect())
    }

    /// The sign content the gateway verifies a request's `sign` over (every parameter once but `sign`, blank
    /// values dropped, sorted), as bytes in the request's charset; or the `sub_msg` of a request it cannot read.
    pub fn signed_bytes(
        query: Option<&str>,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Vec<u8>, String> {
        let params = crate::request::parse(query, content_type, body).map_err(|e| e.describe())?;
        let content = alipay_marketing::sign::sign_content(params.unique());
        Ok(crate::checks::encode(&params, &content).into_owned())
    }
}
