//! `alipay_client`: the thread-safe client, its blocking calls, and `alipay_response` of the generic `execute`.

use std::ffi::{CString, c_char};
use std::future::Future;

use std::time::Duration;

use alipay_marketing::{Client, ErrorKind, blocking};

use crate::error::{FfiError, alipay_error};
use crate::options::{alipay_call_options, call_options};
use crate::panic::{guard, guard_value};
use crate::pointers::{
    OutArg, c_string_exact, free_box, opt_ptr, ref_arg, ref_arg_or_none, str_arg, str_ptr,
};
use crate::status::alipay_status;

/// A client: signs requests, sends them, verifies the answers. Built by `alipay_client_builder_build`, freed by
/// `alipay_client_free`.
///
/// Thread-safe: any number of threads may make calls on one client at the same time (they share its connection
/// pool, rate limit and counters). Free it only when no thread is inside a call on it or will start one (see
/// `alipay_client_free`).
#[allow(non_camel_case_types)]
pub struct alipay_client {
    /// The core client: an `Arc` inside, cloned by every call for its duration.
    pub(crate) inner: Client,
}

impl alipay_client {
    pub(crate) fn new(inner: Client) -> alipay_client {
        alipay_client { inner }
    }
}

/// Takes the call's own reference to the client, so the call never reads the handle again once it has started.
///
/// # Safety
/// `client` is NULL or a live client.
pub(crate) unsafe fn client_arg(client: *const alipay_client) -> Result<Client, FfiError> {
    // SAFETY: forwarded from this function's contract.
    unsafe { ref_arg(client, "client") }.map(|c| c.inner.clone())
}

/// Runs a call of the core, blocking this thread until it completes or its deadline passes: the thread's first
/// calls as tasks of the process-wide runtime, its later ones on the thread's own runtime and connections, so that
/// no other thread is woken (see `alipay_marketing::blocking`).
pub(crate) fn block_on<T: Send + 'static>(
    call: impl Future<Output = alipay_marketing::Result<T>> + Send + 'static,
) -> Result<T, FfiError> {
    Ok(blocking::start(call)?.wait()??)
}

/// Frees a client. NULL is accepted and ignored.
///
/// Call it only once no thread is inside a call on this client and none will start one: stop (or join) the
/// threads that use it, then `alipay_client_close` (which returns `ALIPAY_STATUS_OK` once no call is in flight),
/// then free. Freeing while another thread may be entering a call is a use after free, as for any handle.
///
/// # Safety
/// `client` is NULL or a client from `alipay_client_builder_build` that has not been freed yet; no other thread is
/// inside a function with it, and no function is called with it after this one starts.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_free(client: *mut alipay_client) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(client) })
}

/// The verified answer of `alipay_client_execute`: the `<method>_response` node's JSON text exactly as signed.
#[allow(non_camel_case_types)]
pub struct alipay_response {
    body: CString,
    trace_id: Option<CString>,
}

/// Calls any gateway method with a `biz_content` JSON object text (or `""` for none), with the same signing,
/// verification and errors as the typed calls. On success stores the verified response in `*response_out`
/// (free it with `alipay_response_free`).
///
/// # Safety
/// `client` is NULL or a live client; `method` and `biz_content` are NULL or NUL-terminated strings;
/// `response_out` and `error_out` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_execute(
    client: *const alipay_client,
    method: *const c_char,
    biz_content: *const c_char,
    response_out: *mut *mut alipay_response,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        alipay_client_execute_with_options(
            client,
            method,
            biz_content,
            std::ptr::null(),
            response_out,
            error_out,
        )
    }
}

/// `alipay_client_execute` with per-call options (see `alipay_call_options`); NULL `options` is the same as
/// `alipay_client_execute`. Without an idempotency key, retries happen only when nothing can have taken effect.
///
/// # Safety
/// As for `alipay_client_execute`; `options` is NULL or live call options.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_execute_with_options(
    client: *const alipay_client,
    method: *const c_char,
    biz_content: *const c_char,
    options: *const alipay_call_options,
    response_out: *mut *mut alipay_response,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    guard(error_out, || {
        // SAFETY: forwarded from this function's contract.
        let (client, method, biz_content, options) = unsafe {
            (
                client_arg(client)?,
                str_arg(method, "method")?,
                str_arg(biz_content, "biz_content")?,
                ref_arg_or_none(options),
            )
        };
        let out = OutArg::new(response_out, "response_out")?;
        let options = call_options(options);
        // The call runs as a runtime task: it gets its own copies of the caller's strings.
        let (method, biz_content) = (method.to_owned(), biz_content.to_owned());
        let response =
            block_on(async move { client.execute_with(&method, &biz_content, &options).await })?;
        let response = alipay_response {
            body: c_string_exact(&response.body, "the response body")?,
            trace_id: response
                .trace_id
                .as_deref()
                .map(|t| c_string_exact(t, "trace_id"))
                .transpose()?,
        };
        // SAFETY: `response_out` is writable per this function's contract.
        unsafe { out.write(response) };
        Ok(())
    })
}

/// The verified JSON text of the response node, e.g. `{"code":"10000","msg":"Success",...}`. NULL only for a
/// NULL `response`.
///
/// # Safety
/// `response` is NULL or a live response. The string is valid until the response is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_response_body(response: *const alipay_response) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard_value(std::ptr::null(), || {
        unsafe { ref_arg_or_none(response) }.map_or(std::ptr::null(), |r| str_ptr(&r.body))
    })
}

/// The gateway's trace id (the `trace_id` response header), or NULL if it sent none.
///
/// # Safety
/// `response` is NULL or a live response. The string is valid until the response is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_response_trace_id(
    response: *const alipay_response,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded from this function's contract.
        unsafe { ref_arg_or_none(response) }.map_or(std::ptr::null(), |r| opt_ptr(&r.trace_id))
    })
}

/// Frees a response. NULL is accepted and ignored.
///
/// # Safety
/// `response` is NULL or a response from `alipay_client_execute` that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_response_free(response: *mut alipay_response) {
    // SAFETY: forwarded from this function's contract.
    guard_value((), || unsafe { free_box(response) })
}

/// A snapshot of a client's counters, filled by `alipay_client_stats`. Every field is a plain `uint64_t` count
/// since the client was built (except `in_flight`, a current value), shared by all threads using the client.
///
/// The layout is fixed: fields are never reordered, removed or added; a later version that counts more will add a
/// new function and struct instead.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct alipay_stats {
    /// Calls started, failed ones included (also those refused before sending: invalid requests, a closed client).
    pub calls: u64,
    /// HTTP attempts made (a call makes one, plus one per retry).
    pub attempts: u64,
    /// Attempts that were retries of an earlier attempt of the same call.
    pub retries: u64,
    /// Calls that returned a verified success (business results such as `ACTIVITY_PAUSE` included).
    pub successes: u64,
    /// Failed calls, all kinds together: the sum of the eight `failed_*` fields below and `failed_other`.
    pub failed: u64,
    /// Failed calls with `ALIPAY_STATUS_CONFIG` (e.g. calls on a closed client).
    pub failed_config: u64,
    /// Failed calls with `ALIPAY_STATUS_INVALID_REQUEST` (nothing was sent).
    pub failed_invalid_request: u64,
    /// Failed calls with `ALIPAY_STATUS_TRANSPORT`.
    pub failed_transport: u64,
    /// Failed calls with `ALIPAY_STATUS_TIMEOUT`.
    pub failed_timeout: u64,
    /// Failed calls with `ALIPAY_STATUS_HTTP`.
    pub failed_http: u64,
    /// Failed calls with `ALIPAY_STATUS_DECODE`.
    pub failed_decode: u64,
    /// Failed calls with `ALIPAY_STATUS_SIGNATURE`.
    pub failed_signature: u64,
    /// Failed calls with `ALIPAY_STATUS_GATEWAY`.
    pub failed_gateway: u64,
    /// Failed calls of a kind this version of the C face has no field for (0 unless the library is newer).
    pub failed_other: u64,
    /// Calls running now.
    pub in_flight: u64,
}

impl alipay_stats {
    fn new(stats: &alipay_marketing::ClientStats) -> alipay_stats {
        let mut out = alipay_stats {
            calls: stats.calls,
            attempts: stats.attempts,
            retries: stats.retries,
            successes: stats.successes,
            failed: stats.failed(),
            in_flight: stats.in_flight,
            ..alipay_stats::default()
        };
        for (kind, count) in &stats.failures {
            let field = match kind {
                ErrorKind::Config => &mut out.failed_config,
                ErrorKind::InvalidRequest => &mut out.failed_invalid_request,
                ErrorKind::Transport => &mut out.failed_transport,
                ErrorKind::Timeout => &mut out.failed_timeout,
                ErrorKind::Http => &mut out.failed_http,
                ErrorKind::Decode => &mut out.failed_decode,
                ErrorKind::Signature => &mut out.failed_signature,
                ErrorKind::Gateway => &mut out.failed_gateway,
                _ => &mut out.failed_other,
            };
            *field += count;
        }
        out
    }
}

/// Fills `*stats_out` with a snapshot of the client's counters (see `alipay_stats`). Cheap and
/// lock-free; safe to call from any thread while calls run. Fails only for a NULL argument.
///
/// # Safety
/// `client` is NULL or a live client; `stats_out` is NULL or points to writable storage for an
/// `alipay_stats`; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_stats(
    client: *const alipay_client,
    stats_out: *mut alipay_stats,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    guard(error_out, || {
        // SAFETY: forwarded from this function's contract.
        let client = unsafe { ref_arg(client, "client") }?;
        if stats_out.is_null() {
            return Err(FfiError::NullArgument("stats_out"));
        }
        let stats = alipay_stats::new(&client.inner.stats());
        // SAFETY: non-NULL and writable per this function's contract.
        unsafe { stats_out.write(stats) };
        Ok(())
    })
}

/// Closes the client for new calls and waits, up to `timeout_ms` milliseconds, for the calls in flight to end.
///
/// From the moment it starts, new calls on this client (from any thread) fail at once with
/// `ALIPAY_STATUS_CONFIG`; calls in flight finish their current attempt but make no further retries. Returns
/// `ALIPAY_STATUS_OK` once no call is in flight, or `ALIPAY_STATUS_TIMEOUT` if some still are when `timeout_ms`
/// passes (they keep running to their own end; the client stays closed). `timeout_ms` 0 closes without waiting.
/// Closing twice is harmless. The client must still be freed with `alipay_client_free`.
///
/// # Safety
/// `client` is NULL or a live client; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_close(
    client: *const alipay_client,
    timeout_ms: u64,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    guard(error_out, || {
        // SAFETY: forwarded from this function's contract.
        let client = unsafe { client_arg(client) }?;
        let drained = blocking::block_on(async {
            tokio::time::timeout(Duration::from_millis(timeout_ms), client.close())
                .await
                .is_ok()
        })?;
        if drained {
            return Ok(());
        }
        let in_flight = client.stats().in_flight;
        Err(FfiError::CloseTimeout(format!(
            "the client is closed, but {in_flight} call(s) were still in flight after {timeout_ms} ms; they end \
             at their own deadline"
        )))
    })
}

/// Whether `alipay_client_close` was called on this client (false for NULL).
///
/// # Safety
/// `client` is NULL or a live client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_is_closed(client: *const alipay_client) -> bool {
    guard_value(false, || {
        // SAFETY: forwarded from this function's contract.
        unsafe { ref_arg_or_none(client) }.is_some_and(|c| c.inner.is_closed())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alipay_marketing::ClientStats;

    #[test]
    fn stats_map_every_failure_kind_to_its_field_and_add_up() {
        let mut core = ClientStats::default();
        core.calls = 9;
        core.attempts = 11;
        core.retries = 2;
        core.successes = 3;
        core.in_flight = 1;
        core.failures = ErrorKind::ALL
            .iter()
            .enumerate()
            .map(|(i, kind)| (*kind, i as u64 + 1))
            .collect();
        let stats = alipay_stats::new(&core);
        let by_kind = [
            stats.failed_config,
            stats.failed_invalid_request,
            stats.failed_transport,
            stats.failed_timeout,
            stats.failed_http,
            stats.failed_decode,
            stats.failed_signature,
            stats.failed_gateway,
        ];
        for (kind, count) in ErrorKind::ALL.iter().zip(by_kind) {
            assert_eq!(count, core.failed_with(*kind), "{kind:?}");
        }
        assert_eq!(stats.failed_other, 0);
        assert_eq!(stats.failed, by_kind.iter().sum::<u64>());
        assert_eq!(
            (
                stats.calls,
                stats.attempts,
                stats.retries,
                stats.successes,
                stats.in_flight
            ),
            (9, 11, 2, 3, 1)
        );
    }
}
