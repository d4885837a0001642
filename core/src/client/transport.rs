//! Sending: retries, deadlines, the rate limit and the verified answer of each attempt.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::prepare::RawRequest;
use super::{CallOptions, Client, Inner, Prepared, cert_mode};
use crate::api::ApiRequest;
use crate::envelope;
use crate::error::{Error, Result};
use crate::retry;
use crate::stats::Counters;
use tracing::Instrument as _;

impl Client {
    pub(super) async fn send<R: ApiRequest>(
        &self,
        request: &R,
        options: &CallOptions,
    ) -> Result<(String, Option<String>)> {
        let inner = &*self.inner;
        Counters::bump(&inner.counters.calls);
        let _in_flight = InFlight::enter(inner);
        // The span follows the future across threads and awaits (entering it here would not).
        let span = tracing::info_span!(
            "alipay_call",
            method = request.method(),
            idempotency_key = request.idempotency_key()
        );
        let result = self
            .send_with_retries(request, options)
            .instrument(span)
            .await;
        match &result {
            Ok(_) => Counters::bump(&inner.counters.successes),
            Err(e) => inner.counters.failed(e.kind()),
        }
        result
    }

    async fn send_with_retries<R: ApiRequest>(
        &self,
        request: &R,
        options: &CallOptions,
    ) -> Result<(String, Option<String>)> {
        let inner = &*self.inner;
        let started = Instant::now();
        let timeout = options.timeout.unwrap_or(inner.timeout);
        // A per-call timeout beyond the clock's range would panic; no call needs more than a day.
        let deadline = started + timeout.min(crate::limits::MAX_TIMEOUT);
        let policy = options.retry.unwrap_or(inner.retry);
        let key = request.idempotency_key();
        if self.is_closed() {
            return Err(closed_error());
        }
        let prepared = self.prepare(request)?;
        let mut attempt = 0;
        let mut unknown_so_far = false;
        loop {
            attempt += 1;
            let result = self.attempt(&prepared, deadline, attempt).await;
            let error = match result {
                Ok(ok) => {
                    tracing::debug!(
                        attempt,
                        elapsed_ms = ms(started.elapsed()),
                        "call succeeded"
                    );
                    return Ok(ok);
                }
                Err(error) => error,
            };
            let wait = (attempt < policy.attempts() && retry::should_retry(&error, key.is_some()))
                .then(|| policy.delay(attempt, error.retry_after()))
                .filter(|wait| Instant::now() + *wait < deadline);
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
            let wait = limiter.reserve(Instant::now(), budget).ok_or_else(|| {
                Error::transport(
                    format!(
                        "{} was not sent: the client's rate limit leaves no slot before the deadline",
                        prepared.method
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
        let limit = deadline.min(now + inner.attempt_timeout);
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
                    )?;
                    let (download_body, _) = self.post(&download).await?;
                    mode.trust_download(&sn, &download_body)?
                }
            },
        };
        let reading = envelope::Reading {
            key: &key,
            sign_type: inner.sign_type,
            charset: inner.charset,
            aes: inner.aes.as_ref(),
            trace_id: trace_id.as_deref(),
        };
        let node = envelope::open_envelope(&env, &reading)?;
        Ok((node.into_owned(), trace_id))
    }

    /// Sends a prepared request; returns the body of a 200 answer and the trace id.
    async fn post(&self, prepared: &Prepared) -> Result<(bytes::Bytes, Option<String>)> {
        let response = self
            .inner
            .http
            .post(&prepared.url)
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
        let body = response.bytes().await.map_err(transport_error)?;
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
        .and_then(|g| crate::explain::explain(&prepared.sign_content, g.sub_msg.as_deref()?));
    match mismatch {
        Some(m) => error.with_mismatch(m),
        None => error,
    }
}

fn transport_error(e: reqwest::Error) -> Error {
    let e = e.without_url();
    if e.is_timeout() {
        return Error::timeout(format!("the gateway did not answer in time: {e}")).with_source(e);
    }
    let sent = !e.is_connect();
    let what = if sent {
        "the connection failed after the request may have been sent; the outcome is unknown"
    } else {
        "could not connect to the gateway; nothing was sent"
    };
    Error::transport(format!("{what}: {e}"), sent).with_source(e)
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
