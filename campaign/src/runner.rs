//! The runner: claims rows from the journal, sends them through one client within a bounded, adaptive window,
//! records each outcome, and pauses the campaign when the circuit breaker trips.
//!
//! Exactly once rests on two facts: a row's key never changes once journaled, and no row is sent before the
//! journal durably says it is in flight. See docs/campaign.md for the whole argument.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alipay_marketing::Client;
use tokio::task::JoinSet;

use crate::config::Campaign;
use crate::control::{Progress, StopHandle};
use crate::error::{CampaignError, Result};
use crate::input::InputRow;
use crate::journal::{ClaimedRow, Counts, ErrorInfo, Journal, RowOutcome, RowState};
use crate::outcome::{Halt, Verdict, classify};
use crate::request::FieldMap;
use crate::window::Window;
use crate::worker::JournalWorker;

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunStatus {
    /// No row is left to send (some may have failed, or stayed unknown after the settle rounds).
    Completed,
    /// The circuit breaker paused the campaign.
    Paused(Halt),
    /// Stopped on request after the calls in flight finished.
    Stopped,
    /// Aborted on request; the rows in flight are unknown until the next run.
    Aborted,
}

impl RunStatus {
    /// `completed`, `paused`, `stopped` or `aborted`.
    pub fn as_str(&self) -> &'static str {
        match self {
            RunStatus::Completed => "completed",
            RunStatus::Paused(_) => "paused",
            RunStatus::Stopped => "stopped",
            RunStatus::Aborted => "aborted",
        }
    }
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Settling, before the first send of a run and after the last one: rows whose outcome is unknown go back to
/// `pending` and are resent with their recorded key, so the gateway's idempotency answers what happened to them.
/// Returns how many rows were requeued.
async fn settle(journal: &JournalWorker) -> Result<u64> {
    journal.call(|j| j.requeue_unknown()).await
}

/// The template preflight of a voucher campaign whose template is a constant: the core's
/// [`Client::check_template`] for the rows left to send. A refusal (not published, outside its window, expired,
/// deleted, not enough stock, no such template) pauses the campaign before anything is sent, with the reason and
/// what to do; a preflight that could not be made (network, deadline) fails the run, and nothing is sent either.
async fn preflight(campaign: &Campaign, client: &Client, rows_left: u64) -> Result<Option<Halt>> {
    let template = match (campaign.method, campaign.constants.get("template_id")) {
        (crate::Method::VoucherSend, Some(t)) if campaign.preflight && rows_left > 0 => t,
        _ => return Ok(None),
    };
    let Err(error) = client.check_template(template, rows_left).await else {
        return Ok(None);
    };
    let code = match error.gateway_error() {
        Some(g) => format!("{}/{}", g.code, g.sub_code.as_deref().unwrap_or("")),
        None if error.kind() == alipay_marketing::ErrorKind::InvalidRequest => {
            "PREFLIGHT".to_owned()
        }
        None => {
            return Err(CampaignError::new(
                crate::error::CampaignErrorKind::Client,
                format!(
                    "the preflight of template {template} could not be made: {error}; run again, or pass \
                 --no-preflight (preflight = false in the campaign file) to send without it"
                ),
            ));
        }
    };
    Ok(Some(Halt {
        code,
        why: format!(
            "the preflight of template {template} for {rows_left} rows refused it: {}",
            error.message()
        ),
        what_to_do:
            "fix the template (publish it, extend its window, add stock) and run the same command again; \
             nothing was sent (another template is another campaign: give it its own --id)"
                .to_owned(),
    }))
}

/// A claim asked of the journal thread, not answered yet.
type PendingClaim = Pin<Box<dyn Future<Output = Result<Vec<ClaimedRow>>> + Send>>;

/// Counts asked of the journal thread, not answered yet.
type PendingCounts = Pin<Box<dyn Future<Output = Result<Counts>> + Send>>;

/// How often a worker with nothing left to claim looks again while other workers hold rows.
const OTHERS_POLL: Duration = Duration::from_secs(1);

struct Sent {
    seq: i64,
    verdict: Verdict,
    /// When the call left.
    started: Instant,
    latency: Duration,
    permit: tokio::sync::OwnedSemaphorePermit,
}

/// Runs the campaign's loaded journal to the end (or to a pause or stop).
pub(crate) async fn run(
    campaign: &Campaign,
    client: &Client,
    journal: Box<dyn Journal>,
    progress: &mut (dyn FnMut(&Progress) + Send),
    stop: &StopHandle,
) -> Result<RunStatus> {
    // Every journal operation runs on the journal's thread, never on the runtime (the PostgreSQL client blocks).
    let shared = journal.is_shared();
    let worker = JournalWorker::start(journal);
    let started = worker
        .call(|j| {
            let header = j
                .meta()?
                .ok_or_else(|| CampaignError::journal("the journal has no loaded campaign"))?
                .header;
            j.recover_in_flight()?;
            Ok((header, j.begin_run(now_ms())?))
        })
        .await;
    let (header, run_id) = match started {
        Ok(s) => s,
        Err(e) => {
            let _ = worker.finish();
            return Err(e);
        }
    };
    let map = match FieldMap::new(campaign, campaign_header(campaign, &header)) {
        Ok(m) => Arc::new(m),
        Err(e) => {
            let _ = worker.finish();
            return Err(e);
        }
    };
    let status = drive(campaign, client, &worker, shared, map, progress, stop).await;
    let message = match &status {
        Ok(RunStatus::Paused(h)) => Some(format!("{}: {} — {}", h.code, h.why, h.what_to_do)),
        Err(e) => Some(e.to_string()),
        _ => None,
    };
    let label = status
        .as_ref()
        .map_or("error", RunStatus::as_str)
        .to_owned();
    let ended = worker
        .call(move |j| {
            j.recover_in_flight()?;
            j.end_run(run_id, now_ms(), &label, message.as_deref())
        })
        .await;
    worker.finish()?;
    ended?;
    status
}

fn campaign_header<'a>(campaign: &Campaign, header: &'a [String]) -> Option<&'a [String]> {
    (campaign.format == crate::InputFormat::Csv).then_some(header)
}

async fn drive(
    campaign: &Campaign,
    client: &Client,
    journal: &JournalWorker,
    shared: bool,
    map: Arc<FieldMap>,
    progress: &mut (dyn FnMut(&Progress) + Send),
    stop: &StopHandle,
) -> Result<RunStatus> {
    settle(journal).await?;
    let started = Instant::now();
    let mut counts = journal.counts().await?;
    if let Some(halt) = preflight(campaign, client, counts.pending + counts.in_flight).await? {
        return Ok(RunStatus::Paused(halt));
    }
    let mut window = Window::new(campaign.concurrency);
    let claim_batch = (campaign.concurrency * 2).clamp(16, 1024);
    let mut buffer: VecDeque<ClaimedRow> = VecDeque::new();
    // The claim on its way: asked for when the buffer runs low, so the journal claims while calls are sent.
    let mut claiming: Option<PendingClaim> = None;
    // A shared journal's counts on their way, for the progress shown.
    let mut refreshing: Option<PendingCounts> = None;
    // The last claim found nothing pending; until a row goes back to pending, asking again is pointless.
    let mut drained = false;
    let mut tasks: JoinSet<Sent> = JoinSet::new();
    let mut answers = 0u64;
    // The campaign-level refusal repeating, how many times, and when the last one was answered: a success resets
    // it only if its call left after that answer (one sent before says nothing about the refusal's cause).
    let mut breaker: Option<(Halt, u32, Instant)> = None;
    let mut paused: Option<Halt> = None;
    let mut settle_rounds_left = campaign.settle_rounds;
    let mut throttle_streak = 0u32;
    let mut ticks = tokio::time::interval(Duration::from_millis(200));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_progress = Instant::now();
    let snapshot = |counts: &Counts, answers: u64, window: &Window| {
        let elapsed = started.elapsed();
        Progress {
            total: counts.total(),
            done: counts.done,
            failed: counts.failed,
            unknown: counts.unknown,
            pending: counts.pending + counts.in_flight,
            rejected: counts.rejected,
            answers_this_run: answers,
            elapsed,
            rate: answers as f64 / elapsed.as_secs_f64().max(1e-3),
            window: window.limit(),
        }
    };
    progress(&snapshot(&counts, answers, &window));

    loop {
        let taking = !stop.is_stopping() && paused.is_none();
        if stop.is_aborting() {
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
            break;
        }
        if taking && claiming.is_none() && !drained && buffer.len() < claim_batch {
            claiming = Some(Box::pin(journal.claim(claim_batch, now_ms())));
        }
        if tasks.is_empty() && claiming.is_none() && (!taking || (buffer.is_empty() && drained)) {
            if taking {
                counts = journal.counts().await?;
                // A shared journal: rows other workers hold are theirs until they answer or their lease expires
                // (then this worker takes them over). Wait for that rather than end early, and settle only once
                // every row is answered.
                if counts.pending + counts.in_flight > 0 {
                    progress(&snapshot(&counts, answers, &window));
                    tokio::select! {
                        _ = stop.changed() => {}
                        _ = tokio::time::sleep(OTHERS_POLL) => {}
                    }
                    drained = false;
                    continue;
                }
                if counts.unknown > 0 && settle_rounds_left > 0 {
                    settle_rounds_left -= 1;
                    let requeued = settle(journal).await?;
                    counts.unknown = counts.unknown.saturating_sub(requeued);
                    counts.pending += requeued;
                    drained = false;
                    continue;
                }
            }
            break;
        }
        let semaphore = window.semaphore();
        tokio::select! {
            permit = semaphore.acquire_owned(), if taking && !buffer.is_empty() => {
                let permit = permit.map_err(|_| CampaignError::journal("the send window closed"))?;
                let row = buffer.pop_front().expect("checked non-empty");
                let (client, map) = (client.clone(), map.clone());
                tasks.spawn(async move {
                    let start = Instant::now();
                    let input = InputRow { line: row.line, values: row.input };
                    let result = match map.build(&input, &row.key) {
                        Ok(request) => request.send(&client).await,
                        Err(p) => Err(alipay_marketing::Error::invalid_request(&p.field, p.reason)),
                    };
                    let verdict = classify(result);
                    if matches!(verdict, Verdict::Throttled(_)) {
                        // Hold the permit a moment: the gateway asked for less.
                        tokio::time::sleep(Duration::from_millis(50 * u64::from(row.attempts.min(20)))).await;
                    }
                    Sent { seq: row.seq, verdict, started: start, latency: start.elapsed(), permit }
                });
            }
            claimed = async { claiming.as_mut().expect("checked some").await }, if claiming.is_some() => {
                claiming = None;
                let claimed = claimed?;
                drained = claimed.is_empty();
                counts.claimed(claimed.len() as u64);
                buffer.extend(claimed);
            }
            fresh = async { refreshing.as_mut().expect("checked some").await }, if refreshing.is_some() => {
                refreshing = None;
                counts = fresh?;
            }
            joined = tasks.join_next(), if !tasks.is_empty() => {
                let Some(joined) = joined else { continue };
                let sent = match joined {
                    Ok(sent) => sent,
                    Err(e) if e.is_cancelled() => continue,
                    Err(e) => return Err(CampaignError::journal(format!("a send task failed: {e}"))),
                };
                answers += 1;
                let state = sent.verdict.state();
                if sent.verdict.is_throttle() {
                    window.throttled();
                    throttle_streak += 1;
                } else {
                    throttle_streak = 0;
                }
                window.release(sent.permit);
                match &sent.verdict {
                    Verdict::Done(_) => {
                        window.succeeded();
                        if breaker.as_ref().is_some_and(|(_, _, at)| sent.started > *at) {
                            breaker = None;
                        }
                    }
                    Verdict::Halt(h, _, _) => {
                        let n = match &breaker { Some((b, n, _)) if b.code == h.code => n + 1, _ => 1 };
                        if n >= campaign.breaker_threshold {
                            paused = Some(h.clone());
                        }
                        breaker = Some((h.clone(), n, Instant::now()));
                    }
                    _ => {}
                }
                if throttle_streak >= 50 * campaign.breaker_threshold && paused.is_none() {
                    paused = Some(Halt {
                        code: "throttled".into(),
                        why: "the gateway keeps throttling every call".into(),
                        what_to_do: "lower qps / concurrency (or raise the app's quota), then run the campaign again".into(),
                    });
                }
                counts.answered(state);
                if matches!(state, RowState::Pending | RowState::InFlight) {
                    // The row went back to pending: there is something to claim again.
                    drained = false;
                }
                journal.record(outcome(sent.seq, sent.verdict, sent.latency));
            }
            _ = stop.changed() => {}
            // Wakes the loop for progress and for a stop that raced with the select.
            _ = ticks.tick() => {}
        }
        if last_progress.elapsed() >= Duration::from_millis(200) {
            last_progress = Instant::now();
            if shared && refreshing.is_none() {
                // Other workers move rows too: show the campaign's counts, read without waiting for them.
                refreshing = Some(Box::pin(journal.call_later(|j| j.counts())));
            }
            progress(&snapshot(&counts, answers, &window));
        }
    }
    // Claimed rows that never left go back to pending: they were not sent.
    if let Some(claim) = claiming.take() {
        buffer.extend(claim.await?);
    }
    let unsent: Vec<i64> = buffer.drain(..).map(|r| r.seq).collect();
    for seq in unsent {
        journal.record(RowOutcome {
            seq,
            state: RowState::Pending,
            voucher_id: None,
            point_log_no: None,
            biz_result_code: None,
            error: None,
            finished_at_ms: now_ms(),
            latency_ms: 0,
        });
    }
    let counts = journal.counts().await?;
    progress(&snapshot(&counts, answers, &window));
    Ok(if stop.is_aborting() {
        RunStatus::Aborted
    } else if let Some(h) = paused {
        RunStatus::Paused(h)
    } else if stop.is_stopping() {
        RunStatus::Stopped
    } else {
        RunStatus::Completed
    })
}

fn outcome(seq: i64, verdict: Verdict, latency: Duration) -> RowOutcome {
    let state = verdict.state();
    let (success, error): (Option<crate::request::CallSuccess>, Option<ErrorInfo>) = match verdict {
        Verdict::Done(s) => (Some(s), None),
        Verdict::Failed(e) | Verdict::Unknown(e) | Verdict::Throttled(e) => (None, Some(e)),
        Verdict::Halt(_, e, _) => (None, Some(e)),
    };
    let success = success.unwrap_or_default();
    RowOutcome {
        seq,
        state,
        voucher_id: success.voucher_id,
        point_log_no: success.point_log_no,
        biz_result_code: success.biz_result_code,
        error,
        finished_at_ms: now_ms(),
        latency_ms: latency.as_millis() as u64,
    }
}
