//! End-to-end tests of the companion calls, settlement and the template preflight: the core client against a real
//! sandbox over loopback, asserting both what the client sees and the sandbox's own state.

mod calls;
mod common;
mod create_and_preflight;
mod settle;
mod settle_at_scale;
