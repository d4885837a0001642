//! End-to-end tests: the core `alipay_marketing::Client` (and raw HTTP requests) against a real sandbox over
//! loopback, asserting both what the client sees and the sandbox's own state.

mod admin;
mod aes;
mod cert_mode;
mod charsets;
mod cli;
mod common;
mod faults;
mod gateway;
mod invite;
mod persistence;
mod points;
mod timeouts;
mod voucher;
