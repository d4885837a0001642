//! Alipay OpenAPI v2 marketing calls for Rust: request signing (RSA2/RSA), verified responses, typed requests.
//!
//! Which crate to depend on: this one (`alipay-marketing`) to make the calls; `alipay-marketing-sandbox`, as a
//! dev-dependency, to test against a local emulator of the gateway; the C library `libalipay_marketing` is built
//! from `alipay-marketing-ffi`; Python programs install the `alipay-marketing` wheel. All share one version.
//!
//! Module map:
//! - [`charset`] — UTF-8 (default), GBK or GB18030 for signing, encoding and decoding.
//! - [`aes`] — AES content encryption (`encrypt_type=AES`).
//! - [`cert`] — certificate mode: certificate SNs and the chain check for downloaded Alipay certificates.
//! - [`key_file`] — reading key and certificate files (bounded, regular files only).
//! - [`keys`] — loading private and public keys, signing and verifying.
//! - [`sign`] — the sign content and Beijing timestamps (pure functions, clock passed in).
//! - [`envelope`] — finding the signed bytes of a gateway response and checking them.
//! - [`api`] — the three typed calls: [`api::invite`], [`api::voucher`], [`api::points`]; and the companion calls
//!   (see the `companion` methods on [`Client`]): [`api::voucher_query`], [`api::template`],
//!   [`api::template_create`], [`api::points_query`].
//! - [`settle`] — [`Settlement`]: settling an unknown outcome by resending with the same key
//!   (`Client::settle_voucher`, `settle_points`, `settle_invite`).
//! - `preflight` — `Client::check_template`: refuse a template that cannot issue a campaign's vouchers.
//! - [`client`] — [`Client`] and its builder: sending, `prepare` (dry run) and `execute` for any method.
//! - [`retry`] — [`RetryPolicy`]: which failures are retried, always with the same idempotency key.
//! - [`stats`] — [`ClientStats`], the counters a running client keeps.
//! - [`doctor`] — the configuration doctor's report (`ClientBuilder::doctor`, `Client::check_config`).
//! - [`blocking`] — the one process-wide runtime that the C and Python faces share.
//! - [`notify`] — verifying asynchronous notifications (callbacks).
//! - [`mask`] — masking mobiles and user ids for logs.
//! - [`error`] — [`Error`] and [`ErrorKind`].
#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod aes;
pub mod api;
pub mod blocking;
pub mod cert;
pub mod charset;
pub mod client;
mod companion;
pub mod doctor;
pub mod envelope;
pub mod error;
mod explain;
pub mod key_file;
pub mod keys;
mod legacy_sha1;
pub mod limits;
pub mod mask;
pub mod notify;
mod preflight;
pub mod rate_limit;
pub mod retry;
pub mod settle;
pub mod sign;
#[cfg(unix)]
mod sigpipe;
pub mod stats;

pub use aes::AesKey;
pub use charset::Charset;
pub use client::{CallOptions, Client, ClientBuilder, ExecuteResponse, Gateway, Prepared};
pub use error::{Error, ErrorKind, GatewayError, Result, SignatureMismatch};
pub use keys::{PrivateKey, PublicKey, SignType};
pub use limits::{PoolSettings, Timeouts};
pub use rate_limit::RateLimit;
pub use retry::RetryPolicy;
pub use settle::Settlement;
pub use stats::ClientStats;
