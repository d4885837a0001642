//! The typed calls: one module per gateway method (the companion queries and template creation included), each with a request (validated before anything is sent)
//! and a typed response.
//!
//! Every request implements [`ApiRequest`]; [`crate::Client::call`] takes any of them.

pub mod invite;
pub mod points;
pub mod points_query;
mod rules;
pub mod template;
pub mod template_create;
pub mod voucher;
pub mod voucher_query;
mod wire;

use crate::Result;

/// A request the client can sign and send.
pub trait ApiRequest: Send + Sync {
    /// The typed result of a successful call.
    type Response: Send + 'static;

    /// The gateway method, e.g. `alipay.marketing.voucher.send`.
    fn method(&self) -> &str;

    /// Checks every field against the documented rules. The error names the field and what to do.
    fn validate(&self) -> Result<()>;

    /// The `biz_content` text: compact JSON, non-ASCII unescaped, absent fields omitted.
    fn biz_content(&self) -> Result<String>;

    /// The idempotency key of this request, if the method has one (for logs and retries).
    fn idempotency_key(&self) -> Option<&str> {
        None
    }

    /// A copy carrying a key from `generate`, when the method has an optional idempotency key the caller left
    /// empty (invite awards' `out_biz_no`), so that retries cannot apply the call twice.
    fn with_generated_key(&self, generate: &dyn Fn() -> String) -> Option<Self>
    where
        Self: Sized,
    {
        let _ = generate;
        None
    }

    /// Whether the method only reads (a query). A read changes nothing at the gateway, so the client retries it
    /// on the same failures as a call with an idempotency key.
    fn read_only(&self) -> bool {
        false
    }

    /// Builds the typed response from the verified text of a successful response node.
    fn parse_response(&self, node: &str) -> Result<Self::Response>;
}
