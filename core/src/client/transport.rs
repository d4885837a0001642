//! Sending: retries, deadlines, the rate limit and the verified answer of each attempt.

use std::cell::RefCell;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use super::prepare::RawRequest;
use super::{CallOptions, Client, Inner, Prepared, cert_mode};
use crate::api::ApiRequest;
use crate::blocking::ForkLocal;
use crate::envelope;
use crate::error::{Error, Result};
use crate::retry;
use crate::stats::Counters;
use tracing::Instrument as _;

/// A thread's own connection pools, one per client, for the calls it runs on its own runtime
/// ([`crate::blocking`]).
type ThreadPools = Vec<(Weak<Inner>, reqwest::Client)>;

thread_local! {
    static THREAD_POOLS: RefCell<ForkLocal<ThreadPools>> = const { RefCell::new(ForkLocal::new(Vec::new())) };
}

impl Client {
    /// The HTTP client for a call starting now: the client's shared pool, or on a thread that runs calls on its
    /// own runtime, that thread's pool for this client (made on first use; those of dropped clients go then).
    pub(super) fn http(&self) -> Result<reqwest::Client> {
        if !crate::blocking::on_own_runtime() {
            return Ok(self.inner.http.clone());
        }
        THREAD_POOLS
            .try_with(|pools| {
                let mut pools = pools.borrow_mut();
                let pools = pools.get();
                let own = Arc::as_ptr(&self.inner);
                if let Some((_, http)) = pools.iter().find(|(client, _)| client.as_ptr() == own) {
                    return Ok(http.clone());
                }
                pools.retain(|(client, _)| client.strong_count() > 0);
                let http = self.inner.connection.client()?;
                pools.push((Arc::downgrade(&self.inner), http.clone()));
                Ok(http)
            })
            .map_err(|_| Error::config("a call was made while its thread was ending"))?
    }

    /// Sends `request` and reads the verified node with `parse`. Every call ends in exactly one of the counters
    /// `successes`, `failures` (by kind) or `cancelled`, and a failure to read a verified node is a failure.
    pub(super) async fn send<R: ApiRequest, T>(
        &self,
        request: &R,
        options: &CallOptions,
        parse: impl FnOnce(String, Option<String>) -> Result<T>,
    ) -> Result<T> {
        let inner = &*self.inner;
        Counters::bump(&inner.counters.calls);
        let _in_flight = InFlight::enter(inner);
        let mut settled = Settled::new(inner, request.method(), request.idempotency_key());
        // The span follows the future across threads and awaits (entering it here would not).
        let span = tracing::info_span!(
            "alipay_call",
            method = request.method(),
            idempotency_key = request.idempotency_key()
        );
        let key = request.idempotency_key();
        let result = async {
            if std::process::id() != inner.pid {
                return Err(forked_error());
            }
            let (node, trace_id, attempts) = self.send_with_retries(request, options).await?;
            // The node verified, so the gateway did answer: a node this client cannot read leaves the outcome
            // unknown, and the error says which key to retry with.
            parse(node, trace_id).map_err(|e| e.finish(attempts, key, false))
        }
        .instrument(span)
        .await;
        settled.done = true;
        match &result {
            Ok(_) => Counters::bump(&inner.counters.successes),
            Err(e) => inner.counters.failed(e.kind()),
        }
        result
    }

    /// The verified node, the trace id and the number of attempts made.
    async fn send_with_retries<R: ApiRequest>(
        &self,
        request: &R,
        options: &CallOptions,
    ) -> Result<(String, Option<String>, u32)> {
        let inner = &*self.inner;
        let started = Instant::now();
        let timeout = match options.timeout {
            Some(timeout) => crate::limits::check_call_timeout(timeout)?,
            None => inner.timeout,
        };
        let deadline = instant_after(started, timeout);
        let policy = options.retry.unwrap_or(inner.retry);
        let key = request.idempotency_key();
        if self.is_closed() {
            return Err(closed_error());
        }
        let prepared = self.prepare_with(request, options)?;
        // The rate-limit bucket: the client's own (its token or none), or the per-call token's.
        let bucket = self
            .app_auth_token_for(options)?
            .filter(|token| Some(*token) != inner.app_auth_token.as_deref());
        let mut attempt = 0;
        let mut unknown_so_far = false;
        loop {
            attempt += 1;
            let result = self.attempt(&prepared, bucket, deadline, attempt).await;
            let error = match result {
                Ok((node, trace_id)) => {
                    tracing::debug!(
                        attempt,
                        elapsed_ms = ms(started.elapsed()),
                        "call succeeded"
                    );
                    return Ok((node, trace_id, attempt));
                }
                Err(error) => error,
            };
            // A read changes nothing, so it may be repeated like a keyed call.
            let repeatable = key.is_some() || request.read_only();
            let wait = (attempt < policy.attempts() && retry::should_retry(&error, repeatable))
                .then(|| policy.delay(attempt, error.retry_after()))
                .filter(|wait| instant_after(Instant::now(), *wait) < deadline);
            tracing::info!(
                attempt,
                elapsed_ms = ms(started.elapsed()),
                kind = %error.kind(),
                code = error.gateway_error().map_or("", |g| g.code.as_str()),
                sub_code = error.gateway_error().and_then(|g| g.sub_code.as_deref()).unwrap_or(""),
                retry_in_ms = wait.map(ms),
                "attempt failed"
            );
            let Some(wait) = wait else {
                return Err(error.finish(attempt, key, unknown_so_far));
            };
            // Sleep, unless the client is closed meanwhile.
            let closed = inner.drained.notified();
            if self.is_closed() {
                return Err(error.finish(attempt, key, unknown_so_far));
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = closed => return Err(error.finish(attempt, key, unknown_so_far)),
            }
            if self.is_closed() {
                return Err(error.finish(attempt, key, unknown_so_far));
            }
            unknown_so_far |= error.outcome_unknown();
            Counters::bump(&inner.counters.retries);
        }
    }

    /// One HTTP attempt, bounded by the attempt timeout and the overall deadline, after any rate-limit wait.
    async fn attempt(
        &self,
        prepared: &Prepared,
        bucket: Option<&str>,
        deadline: Instant,
        attempt: u32,
    ) -> Result<(String, Option<String>)> {
        let inner = &*self.inner;
        let timed_out = || {
            Error::timeout(format!(
                "{} did not complete within the deadline (attempt {attempt})",
                prepared.method
            ))
        };
        if let Some(limiter) = &inner.rate_limiter {
            let budget = deadline.saturating_duration_since(Instant::now());
            let wait = limiter
                .reserve(bucket, Instant::now(), budget)
                .ok_or_else(|| {
                    Error::transport(
                        format!(
                            "{} was not sent: the rate limit {} leaves no slot before the deadline",
                            prepared.method,
                            if bucket.is_some() {
                                "of this call's app_auth_token"
                            } else {
                                "of the client"
                            }
                        ),
                        false,
                    )
                })?;
            tokio::time::sleep(wait).await;
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(timed_out());
        }
        let limit = deadline.min(instant_after(now, inner.attempt_timeout));
        Counters::bump(&inner.counters.attempts);
        match tokio::time::timeout_at(limit.into(), self.round_trip(prepared)).await {
            Ok(Err(e)) => Err(explain_signature_error(e, prepared)),
            Ok(ok) => ok,
            Err(_) => Err(timed_out()),
        }
    }

    /// One request and its verified answer.
    async fn round_trip(&self, prepared: &Prepared) -> Result<(String, Option<String>)> {
        let inner = &*self.inner;
        let (body, trace_id) = self.post(prepared).await?;
        let method = prepared.method.as_str();
        let env = envelope::extract_in(&body, method, inner.charset)
            .map_err(|e| envelope::extract_error(e, method))?;
        let key = match &inner.cert_mode {
            None => inner.alipay_public_key.clone(),
            Some(mode) => match mode.known_key(&env, &inner.alipay_public_key)? {
                Some(key) => key,
                None => {
                    // Alipay rotated its certificate: fetch the one named, and trust it only if it chains to the
                    // configured root bundle.
                    let sn = env.alipay_cert_sn.clone().unwrap_or_default();
                    let biz_content = serde_json::json!({ "alipay_cert_sn": sn }).to_string();
                    let download = self.prepare_inner(
                        &RawRequest {
                            method: cert_mode::DOWNLOAD_METHOD,
                            biz_content: &biz_content,
                        },
                        std::time::SystemTime::now(),
                        false,
                        inner.app_auth_token.as_deref(),
                    )?;
                    let (download_body, _) = self.post(&download).await?;
                    mode.trust_download(&sn, &download_body)?
                }
            },
        };
        let context = envelope::ResponseContext {
            key: &key,
            sign_type: inner.sign_type,
            charset: inner.charset,
            aes: inner.aes.as_ref(),
            trace_id: trace_id.as_deref(),
        };
        let node = envelope::read_envelope(&env, &context)?;
        Ok((node.into_owned(), trace_id))
    }

    /// Sends a prepared request; returns the body of a 200 answer and the trace id.
    async fn post(&self, prepared: &Prepared) -> Result<(bytes::Bytes, Option<String>)> {
        let response = self
            .http()?
            .post(prepared.target.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                format!(
                    "application/x-www-form-urlencoded;charset={}",
                    self.inner.charset
                ),
            )
            .header(reqwest::header::ACCEPT, "application/json, text/plain, */*")
            .body(prepared.body.clone())
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status().as_u16();
        let trace_id = response
            .headers()
            .get("trace_id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
            .map(|secs| Duration::from_secs(secs.min(60)));
        if (300..400).contains(&status) {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .map(|v| crate::error::redact_userinfo(&String::from_utf8_lossy(v.as_bytes())));
            return Err(Error::http(
                status,
                format!(
                    "the gateway answered a redirect (HTTP {status}) to {}; the gateway never redirects, so it was \
                     not followed (following it could send the signed request to another host or over plain \
                     http): check the gateway URL and any proxy in the path",
                    location
                        .as_deref()
                        .map_or("no location".to_owned(), |l| format!("{l:?}")),
                ),
            ));
        }
        let body = read_capped(response, self.inner.max_response_bytes, status == 200).await?;
        if status != 200 {
            return Err(Error::http(
                status,
                format!("the gateway answered HTTP {status}: {}", snippet(&body)),
            )
            .with_retry_after(retry_after));
        }
        Ok((body, trace_id))
    }
}

/// Counts a call as in flight until dropped, and wakes [`Client::close`] when the last one ends.
struct InFlight<'a>(&'a Inner);

impl<'a> InFlight<'a> {
    fn enter(inner: &'a Inner) -> Self {
        inner.counters.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(inner)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.0.counters.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.drained.notify_waiters();
        }
    }
}

fn closed_error() -> Error {
    Error::config("the client was closed (Client::close); build a new client to make more calls")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Attaches the explainer's findings to an `isv.invalid-signature` answer.
fn explain_signature_error(error: Error, prepared: &Prepared) -> Error {
    let mismatch = error
        .gateway_error()
        .filter(|g| g.sub_code.as_deref() == Some("isv.invalid-signature"))
        .and_then(|_| error.echoed_sign_string())
        .map(|echo| crate::explain::explain_echo(&prepared.sign_content, echo));
    match mismatch {
        Some(m) => error.with_mismatch(m),
        None => error,
    }
}

fn transport_error(e: reqwest::Error) -> Error {
    let e = e.without_url();
    // The top-level text ("error sending request") hides the cause (a TLS, DNS or proxy failure): show the chain.
    let text = crate::error::with_causes(&e);
    if e.is_timeout() {
        return Error::timeout(format!("the gateway did not answer in time: {text}"))
            .with_source(e);
    }
    let sent = !e.is_connect();
    let what = if sent {
        "the connection failed after the request may have been sent; the outcome is unknown"
    } else {
        "could not connect to the gateway; nothing was sent"
    };
    Error::transport(format!("{what}: {text}"), sent).with_source(e)
}

/// `start + after`, or a point far enough ahead when that is beyond what the clock can represent (a deadline
/// of 1.8e19 seconds is "never", not a panic).
fn instant_after(start: Instant, after: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    start
        .checked_add(after)
        .or_else(|| start.checked_add(FAR))
        .unwrap_or(start)
}

fn forked_error() -> Error {
    Error::config(
        "this client was created before the process forked and cannot be used in the child (its connections \
         belong to the parent); create a new client in the child after fork",
    )
}

/// Records a call dropped before it finished (a cancelled task, a timeout around it, Ctrl-C in Python): it is
/// counted as cancelled and logged with its idempotency key, since the request may already have been applied.
struct Settled<'a> {
    inner: &'a Inner,
    method: &'a str,
    key: Option<&'a str>,
    done: bool,
}

impl<'a> Settled<'a> {
    fn new(inner: &'a Inner, method: &'a str, key: Option<&'a str>) -> Self {
        Settled {
            inner,
            method,
            key,
            done: false,
        }
    }
}

impl Drop for Settled<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        Counters::bump(&self.inner.counters.cancelled);
        tracing::warn!(
            method = self.method,
            idempotency_key = self.key.unwrap_or(""),
            outcome = "unknown",
            "call cancelled before it finished; the request may already have been applied: send it again with \
             the same idempotency key to learn the outcome"
        );
    }
}

/// Reads a body of at most `cap` bytes: refused from its `Content-Length`, else counted while it streams in, so a
/// huge answer never sits in memory. A 200 answer beyond the cap is an `Http` error with the outcome unknown;
/// of another answer (an error page) only the first `cap` bytes are kept, for the message.
async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
    must_fit: bool,
) -> Result<bytes::Bytes> {
    let too_large = |seen: String| {
        Error::http(
            200,
            format!(
                "the gateway's answer is larger than max_response_bytes ({cap} bytes; {seen}); a gateway \
                 envelope is a few KB, so it was not read: the request was sent and its outcome is unknown"
            ),
        )
    };
    if let Some(length) = response.content_length() {
        if length > cap as u64 && must_fit {
            return Err(too_large(format!("Content-Length is {length}")));
        }
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if chunk.len() > cap - body.len() {
            if must_fit {
                return Err(too_large(format!("more than {cap} bytes arrived")));
            }
            body.extend_from_slice(&chunk[..cap - body.len()]);
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.into())
}

/// The start of a body for an error message (HTML error pages can be long).
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}
