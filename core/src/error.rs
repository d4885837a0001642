//! One error type for every call, with a [`ErrorKind`] that says how far the call got.

use std::fmt;

/// Declares [`ErrorKind`], its list [`ErrorKind::ALL`] and its names from one list of variants, so a kind cannot be
/// added without appearing in `ALL` — which the C and Python faces' exhaustive-mapping tests walk.
macro_rules! error_kinds {
    ($($(#[$doc:meta])* $kind:ident => $name:literal,)*) => {
        /// How far a call got before it failed. Every face (Rust, C, Python) maps these one to one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $($(#[$doc])* $kind,)*
        }

        impl ErrorKind {
            /// Every kind, in declaration order (for exhaustive mapping tests in the faces).
            pub const ALL: [ErrorKind; [$($name),*].len()] = [$(ErrorKind::$kind),*];

            /// A short stable name, e.g. `"invalid_request"`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorKind::$kind => $name,)*
                }
            }
        }
    };
}

error_kinds! {
    /// A bad key, certificate, URL or option, caught when the client was built.
    Config => "config",
    /// A request field breaks a documented rule. Nothing was sent.
    InvalidRequest => "invalid_request",
    /// Connect, TLS or I/O failure. See [`Error::request_may_have_been_sent`].
    Transport => "transport",
    /// The call outlived its deadline; the outcome is unknown.
    Timeout => "timeout",
    /// The gateway (or something in front of it) answered a non-200 status or a body that is not JSON.
    Http => "http",
    /// The body is JSON but not a valid gateway envelope.
    Decode => "decode",
    /// The response signature is missing on a success, or does not verify. Treat it as an attack.
    Signature => "signature",
    /// The gateway answered an error code; see [`Error::gateway_error`].
    Gateway => "gateway",
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error details the gateway sent: `code`, `msg`, `sub_code`, `sub_msg`, and the trace id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GatewayError {
    /// Gateway code, e.g. `"40004"`.
    pub code: String,
    /// Gateway message, e.g. `"Business Failed"`.
    pub msg: String,
    /// Detailed code, e.g. `"TEMPLATE_NOT_EXIST"` or `"isv.invalid-signature"`.
    pub sub_code: Option<String>,
    /// Detailed message.
    pub sub_msg: Option<String>,
    /// The `trace_id` response header, when the gateway sent one.
    pub trace_id: Option<String>,
}

impl GatewayError {
    /// Whether the same request may be sent again with the same idempotency key:
    /// code 20000, any `isp.*` sub_code, a `SYSTEM_ERROR`, or 40005 throttling.
    pub fn is_retryable(&self) -> bool {
        let sub = self.sub_code.as_deref().unwrap_or("");
        self.code == "20000"
            || self.code == "40005"
            || sub.starts_with("isp.")
            || sub.ends_with("SYSTEM_ERROR")
    }

    /// Whether this is the business-failure family (code 40004).
    pub fn is_business(&self) -> bool {
        self.code == "40004"
    }
}

/// Why a signature check failed at the gateway: our sign content beside the gateway's, and the first difference.
///
/// Both strings carry the request's parameters, so they are masked: the `app_auth_token` value and the personal
/// fields of `biz_content` (mobile, user id, login id…) keep only their ends. The clear text, for a developer at a
/// terminal, is behind [`SignatureMismatch::ours_unmasked`] and [`SignatureMismatch::gateways_unmasked`]; neither
/// string ever appears in the error's message.
#[derive(Clone, PartialEq, Eq)]
pub struct SignatureMismatch {
    /// The string this client signed, masked.
    pub ours: String,
    /// The string the gateway says it verified (parsed from `sub_msg`), masked.
    pub gateways: String,
    /// The first parameter whose value differs, when both strings parse as `k=v&…`.
    pub first_difference: Option<String>,
    /// A likely cause, in words.
    pub likely_cause: String,
    pub(crate) ours_clear: String,
    pub(crate) gateways_clear: String,
}

impl SignatureMismatch {
    /// The string this client signed, in clear (it holds the `app_auth_token` and personal values: never log it).
    pub fn ours_unmasked(&self) -> &str {
        &self.ours_clear
    }

    /// The string the gateway verified, in clear (it holds the `app_auth_token` and personal values: never log it).
    pub fn gateways_unmasked(&self) -> &str {
        &self.gateways_clear
    }
}

impl fmt::Debug for SignatureMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureMismatch")
            .field("ours", &self.ours)
            .field("gateways", &self.gateways)
            .field("first_difference", &self.first_difference)
            .field("likely_cause", &self.likely_cause)
            .finish()
    }
}

/// The error returned by every fallible call of this crate.
///
/// The message is written for the reader of a log: it says what was wrong, which field or key, and what to do.
/// It never contains private-key material.
pub struct Error(Box<Details>);

struct Details {
    kind: ErrorKind,
    message: String,
    field: Option<String>,
    gateway: Option<Box<GatewayError>>,
    mismatch: Option<Box<SignatureMismatch>>,
    http_status: Option<u16>,
    may_have_been_sent: bool,
    idempotency_key: Option<String>,
    attempts: u32,
    /// An earlier attempt of the same call ended with an unknown outcome.
    earlier_attempt_unknown: bool,
    retry_after: Option<std::time::Duration>,
    /// A gateway error that came without a valid sign: anyone on the path could have written it.
    unverified: bool,
    /// The sign string an `isv.invalid-signature` answer echoed, kept out of the message and `sub_msg`.
    echoed_sign_string: Option<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Box::new(Details {
            kind,
            message: message.into(),
            field: None,
            gateway: None,
            mismatch: None,
            http_status: None,
            may_have_been_sent: false,
            idempotency_key: None,
            attempts: 0,
            earlier_attempt_unknown: false,
            retry_after: None,
            unverified: false,
            echoed_sign_string: None,
            source: None,
        }))
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    /// A configuration error about one named option or key.
    pub(crate) fn config_field(field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new(ErrorKind::Config, format!("{field}: {}", message.into()));
        e.0.field = Some(field.to_owned());
        e
    }

    /// A request field breaks a documented rule.
    pub fn invalid_request(field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new(
            ErrorKind::InvalidRequest,
            format!("{field}: {}", message.into()),
        );
        e.0.field = Some(field.to_owned());
        e
    }

    pub(crate) fn transport(message: impl Into<String>, may_have_been_sent: bool) -> Self {
        let mut e = Self::new(ErrorKind::Transport, message);
        e.0.may_have_been_sent = may_have_been_sent;
        e
    }

    pub(crate) fn timeout(message: impl Into<String>) -> Self {
        let mut e = Self::new(ErrorKind::Timeout, message);
        e.0.may_have_been_sent = true;
        e
    }

    pub(crate) fn http(status: u16, message: impl Into<String>) -> Self {
        let mut e = Self::new(ErrorKind::Http, message);
        e.0.http_status = Some(status);
        e.0.may_have_been_sent = true;
        e
    }

    pub(crate) fn decode(message: impl Into<String>) -> Self {
        let mut e = Self::new(ErrorKind::Decode, message);
        e.0.may_have_been_sent = true;
        e
    }

    pub(crate) fn signature(message: impl Into<String>) -> Self {
        let mut e = Self::new(ErrorKind::Signature, message);
        e.0.may_have_been_sent = true;
        e
    }

    pub(crate) fn gateway(mut details: GatewayError) -> Self {
        // The echoed sign string holds the app_auth_token and personal values: it never goes into the message.
        let mut echoed = None;
        if let Some(sub_msg) = &details.sub_msg {
            if let Some((head, echo)) = crate::explain::split_echo(sub_msg) {
                details.sub_msg = Some(format!(
                    "{head}<sign string withheld: see the error's signature mismatch>"
                ));
                echoed = Some(echo);
            }
        }
        let mut message = format!("gateway answered {} {}", details.code, details.msg);
        if let Some(sub) = &details.sub_code {
            message.push_str(&format!(" ({sub}"));
            if let Some(sub_msg) = &details.sub_msg {
                message.push_str(&format!(": {sub_msg}"));
            }
            message.push(')');
        }
        let mut e = Self::new(ErrorKind::Gateway, message);
        e.0.gateway = Some(Box::new(details));
        e.0.may_have_been_sent = true;
        e.0.echoed_sign_string = echoed;
        e
    }

    /// A gateway error read from an answer without a valid sign (an `error_response` anyone on the path could
    /// have written, such as a proxy's error page shaped like the gateway's). It settles nothing: the outcome is
    /// unknown, and a resend with the same idempotency key is safe.
    pub(crate) fn unverified_gateway(details: GatewayError) -> Self {
        let mut e = Self::gateway(details);
        e.0.unverified = true;
        e.0.message.push_str(
            " [unsigned answer: not verified as the gateway's, so it does not prove the call was refused]",
        );
        e
    }

    /// The sign string an `isv.invalid-signature` answer echoed, for the explainer.
    pub(crate) fn echoed_sign_string(&self) -> Option<&str> {
        self.0.echoed_sign_string.as_deref()
    }

    /// Whether this gateway error came without a valid sign (see [`Error::outcome_unknown`]).
    pub fn is_unverified(&self) -> bool {
        self.0.unverified
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.0.source = Some(Box::new(source));
        self
    }

    /// Appends a sentence to the message (settlement explains what it found beside the error it got).
    pub(crate) fn with_note(mut self, note: &str) -> Self {
        self.0.message.push_str("; ");
        self.0.message.push_str(note);
        self
    }

    pub(crate) fn with_mismatch(mut self, mismatch: SignatureMismatch) -> Self {
        self.0.message.push_str(&format!(
            "; {}{}",
            mismatch.likely_cause,
            mismatch
                .first_difference
                .as_deref()
                .map(|p| format!(" (first differing parameter: {p})"))
                .unwrap_or_default()
        ));
        self.0.mismatch = Some(Box::new(mismatch));
        self
    }

    /// How far the call got.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The message, without the kind prefix.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The message without its leading `field: ` (when [`Error::field`] names one): what is wrong with the field,
    /// for a face or tool that names the field its own way (a C parameter, a command-line flag, a report's topic).
    pub fn reason(&self) -> &str {
        match self.field() {
            Some(field) => crate::limits::strip_field(self.message(), field),
            None => self.message(),
        }
    }

    /// The request field or configuration option at fault, for `InvalidRequest` and some `Config` errors.
    pub fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }

    /// The gateway's error details, for `Gateway` errors.
    pub fn gateway_error(&self) -> Option<&GatewayError> {
        self.0.gateway.as_deref()
    }

    /// For `isv.invalid-signature`: the comparison of our sign content with the gateway's.
    pub fn signature_mismatch(&self) -> Option<&SignatureMismatch> {
        self.0.mismatch.as_deref()
    }

    /// The HTTP status, for `Http` errors.
    pub fn http_status(&self) -> Option<u16> {
        self.0.http_status
    }

    /// Whether the request may have reached the gateway (and so may have taken effect).
    pub fn request_may_have_been_sent(&self) -> bool {
        self.0.may_have_been_sent
    }

    /// Whether sending the same request again, with the same idempotency key, is safe and may succeed.
    pub fn is_retryable(&self) -> bool {
        match self.0.kind {
            ErrorKind::Transport | ErrorKind::Timeout => true,
            ErrorKind::Http => self
                .0
                .http_status
                .is_none_or(|s| s == 200 || s == 429 || s >= 500),
            ErrorKind::Gateway => {
                self.0.unverified || self.0.gateway.as_ref().is_some_and(|g| g.is_retryable())
            }
            ErrorKind::Config
            | ErrorKind::InvalidRequest
            | ErrorKind::Decode
            | ErrorKind::Signature => false,
        }
    }
}

impl Error {
    /// Whether the request may have taken effect although no verified answer came back: a timeout, a connection
    /// lost after sending, a 5xx or garbled answer, or a gateway `20000`/`isp.*`/`SYSTEM_ERROR`. Retry later with
    /// [`Error::idempotency_key`] to learn the outcome without applying the operation twice.
    pub fn outcome_unknown(&self) -> bool {
        if self.0.earlier_attempt_unknown || self.0.unverified {
            return true;
        }
        match self.0.kind {
            ErrorKind::Timeout => true,
            // An answer that could not be verified or read still means the gateway got the request.
            ErrorKind::Transport | ErrorKind::Decode | ErrorKind::Signature => {
                self.0.may_have_been_sent
            }
            ErrorKind::Http => self.0.http_status.is_none_or(|s| s == 200 || s >= 500),
            ErrorKind::Gateway => self
                .0
                .gateway
                .as_ref()
                .is_some_and(|g| g.is_retryable() && g.code != "40005"),
            ErrorKind::Config | ErrorKind::InvalidRequest => false,
        }
    }

    /// The idempotency key of the failed call (`out_biz_no`, `req_id`…), to retry with later.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.0.idempotency_key.as_deref()
    }

    /// How many attempts were made before giving up (0 when the call failed before sending).
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }

    /// A back-off the server asked for (`Retry-After`), if any.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.0.retry_after
    }

    pub(crate) fn with_retry_after(mut self, after: Option<std::time::Duration>) -> Self {
        self.0.retry_after = after;
        self
    }

    /// Records how the call ended: attempts made and the key; says so in the message when the outcome is unknown.
    /// `earlier_unknown`: an earlier attempt's outcome was unknown, so this call's is too, whatever this error.
    pub(crate) fn finish(
        mut self,
        attempts: u32,
        key: Option<&str>,
        earlier_unknown: bool,
    ) -> Self {
        self.0.attempts = attempts;
        self.0.earlier_attempt_unknown = earlier_unknown;
        self.0.idempotency_key = key.map(str::to_owned);
        if self.outcome_unknown() {
            let retry = match key {
                Some(key) => {
                    format!("retry later with the same idempotency key ({key}) to learn it")
                }
                None => "this method has no idempotency key: check the effect before sending again"
                    .to_owned(),
            };
            self.0.message.push_str(&format!(
                "; outcome unknown after {attempts} attempt(s): {retry}"
            ));
        }
        self
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.0.kind)
            .field("message", &self.0.message);
        if let Some(field) = &self.0.field {
            d.field("field", field);
        }
        if let Some(g) = &self.0.gateway {
            d.field("gateway", g);
        }
        if let Some(status) = self.0.http_status {
            d.field("http_status", &status);
        }
        if self.0.unverified {
            d.field("unverified", &true);
        }
        if let Some(source) = &self.0.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} error: {}", self.0.kind, self.0.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// Hides the userinfo (`user:password@`) of every URL in `text`: a proxy URL's password must not reach a log.
pub(crate) fn redact_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let authority_end = tail
            .find(['/', '?', '#', '"', '\'', '>'])
            .unwrap_or(tail.len());
        // Whitespace ends a URL, but a password may contain spaces: an `@` before the delimiter still counts.
        let authority_end = match tail[..authority_end].rfind('@') {
            Some(_) => authority_end,
            None => tail[..authority_end]
                .find(char::is_whitespace)
                .unwrap_or(authority_end),
        };
        let authority = &tail[..authority_end];
        match authority.rfind('@') {
            Some(user_end) => {
                out.push_str("***@");
                out.push_str(&authority[user_end + 1..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}

/// An error and every cause below it, `outer: inner: innermost` (the HTTP stack's top-level message alone, such
/// as "error sending request", says nothing about a TLS or DNS failure), with URL userinfo hidden.
pub(crate) fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let line = inner.to_string();
        // Some layers repeat their cause in their own message.
        if !line.is_empty() && !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        cause = inner.source();
    }
    redact_userinfo(&text)
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_name() {
        let names: std::collections::HashSet<_> =
            ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), ErrorKind::ALL.len());
        for kind in ErrorKind::ALL {
            assert_eq!(kind.to_string(), kind.as_str());
        }
    }

    #[test]
    fn retryable_follows_the_gateway_code_families() {
        let g = |code: &str, sub: &str| GatewayError {
            code: code.into(),
            msg: String::new(),
            sub_code: Some(sub.into()),
            ..Default::default()
        };
        assert!(Error::gateway(g("20000", "isp.unknow-error")).is_retryable());
        assert!(Error::gateway(g("40005", "isv.app-call-limited")).is_retryable());
        assert!(Error::gateway(g("40004", "SYSTEM_ERROR")).is_retryable());
        assert!(!Error::gateway(g("40004", "TEMPLATE_NOT_EXIST")).is_retryable());
        assert!(!Error::gateway(g("40002", "isv.invalid-signature")).is_retryable());
        assert!(Error::timeout("slow").is_retryable());
        assert!(!Error::signature("bad").is_retryable());
        assert!(!Error::invalid_request("mobile", "bad").is_retryable());
    }

    #[test]
    fn userinfo_is_hidden_in_every_url() {
        assert_eq!(
            redact_userinfo("proxy \"http://bob:s3cret@proxy.internal:3128\" failed"),
            "proxy \"http://***@proxy.internal:3128\" failed"
        );
        assert_eq!(
            redact_userinfo("socks5://u@h/x and https://a:b@c:1/"),
            "socks5://***@h/x and https://***@c:1/"
        );
        assert_eq!(redact_userinfo("no url here"), "no url here");
        assert_eq!(
            redact_userinfo("\"http://u:pa ss@proxy:1\" is not"),
            "\"http://***@proxy:1\" is not"
        );
        assert_eq!(redact_userinfo("see http://h:1 now"), "see http://h:1 now");
        assert_eq!(redact_userinfo("http://host/p@th"), "http://host/p@th");
    }

    #[test]
    fn the_cause_chain_is_shown() {
        #[derive(Debug)]
        struct Layer(&'static str, Option<Box<Layer>>);
        impl fmt::Display for Layer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0)
            }
        }
        impl std::error::Error for Layer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                self.1.as_deref().map(|l| l as _)
            }
        }
        let e = Layer(
            "error sending request",
            Some(Box::new(Layer(
                "invalid peer certificate: UnknownIssuer",
                None,
            ))),
        );
        assert_eq!(
            with_causes(&e),
            "error sending request: invalid peer certificate: UnknownIssuer"
        );
    }

    #[test]
    fn invalid_request_names_the_field() {
        let e = Error::invalid_request("template_id", "is longer than 28 characters");
        assert_eq!(e.field(), Some("template_id"));
        assert!(e.to_string().contains("template_id"));
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    }
}
