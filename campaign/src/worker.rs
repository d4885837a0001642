//! The journal's own thread: the journal is synchronous (SQLite), the calls are async. Commands are handled in
//! order; outcomes that arrive together are committed in one transaction.

use std::sync::mpsc;

use tokio::sync::oneshot;

use crate::error::{CampaignError, Result};
use crate::journal::{ClaimedRow, Counts, Journal, RowOutcome};

/// A job run on the journal thread.
type JournalJob = Box<dyn FnOnce(&mut dyn Journal) + Send>;

/// What the journal thread gives back when it stops: its first write error. The journal itself is closed on the
/// thread (closing a PostgreSQL connection blocks, which the runtime must not).
type Finished = Option<CampaignError>;

enum Command {
    Claim(usize, i64, oneshot::Sender<Result<Vec<ClaimedRow>>>),
    Record(RowOutcome),
    Call(JournalJob),
}

/// A handle to the journal thread.
pub(crate) struct JournalWorker {
    tx: Option<mpsc::Sender<Command>>,
    thread: Option<std::thread::JoinHandle<Finished>>,
}

/// The most outcomes committed in one transaction.
const MAX_BATCH: usize = 2048;

impl JournalWorker {
    pub(crate) fn start(mut journal: Box<dyn Journal>) -> JournalWorker {
        let (tx, rx) = mpsc::channel::<Command>();
        let thread = std::thread::spawn(move || {
            let mut failure = None;
            let mut batch = Vec::new();
            let beat = journal.heartbeat_interval();
            let receive = |rx: &mpsc::Receiver<Command>, journal: &mut Box<dyn Journal>| loop {
                let Some(beat) = beat else {
                    return rx.recv().ok();
                };
                match rx.recv_timeout(beat) {
                    Ok(command) => return Some(command),
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        if let Err(e) = journal.heartbeat() {
                            tracing::warn!("the journal's heartbeat failed: {e}");
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => return None,
                }
            };
            let mut next = receive(&rx, &mut journal);
            while let Some(command) = next.take() {
                match command {
                    Command::Record(o) => {
                        batch.push(o);
                        // Gather whatever else is already queued, then commit once.
                        while batch.len() < MAX_BATCH {
                            match rx.try_recv() {
                                Ok(Command::Record(o)) => batch.push(o),
                                Ok(other) => {
                                    next = Some(other);
                                    break;
                                }
                                Err(_) => break,
                            }
                        }
                        if failure.is_none() {
                            if let Err(e) = journal.record(&batch) {
                                failure = Some(e);
                            }
                        }
                        batch.clear();
                    }
                    Command::Claim(limit, now, reply) => {
                        let result = match &failure {
                            Some(e) => Err(e.clone()),
                            None => journal.claim(limit, now),
                        };
                        let _ = reply.send(result);
                    }
                    Command::Call(f) => f(journal.as_mut()),
                }
                if next.is_none() {
                    next = receive(&rx, &mut journal);
                }
            }
            drop(journal);
            failure
        });
        JournalWorker {
            tx: Some(tx),
            thread: Some(thread),
        }
    }

    fn send(&self, command: Command) {
        if let Some(tx) = &self.tx {
            // The thread lives until `finish`; a send cannot fail before that.
            let _ = tx.send(command);
        }
    }

    /// Claims rows (durable before the answer comes back). The claim is queued at once, behind the outcomes
    /// recorded before it, so the caller can go on sending while the journal works.
    pub(crate) fn claim(
        &self,
        limit: usize,
        now_ms: i64,
    ) -> impl Future<Output = Result<Vec<ClaimedRow>>> + Send + 'static {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Claim(limit, now_ms, reply));
        async move {
            answer
                .await
                .map_err(|_| CampaignError::journal("the journal thread stopped"))?
        }
    }

    /// Queues an outcome; it is committed with the others that arrive with it.
    pub(crate) fn record(&self, outcome: RowOutcome) {
        self.send(Command::Record(outcome));
    }

    /// Runs `f` on the journal after everything queued before it.
    pub(crate) async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn Journal) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.call_later(f).await
    }

    /// Queues `f` like [`JournalWorker::call`] and returns its answer as a future that borrows nothing, so the
    /// caller can go on while the journal works.
    pub(crate) fn call_later<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn Journal) -> Result<T> + Send + 'static,
    ) -> impl Future<Output = Result<T>> + Send + 'static {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Call(Box::new(move |j| {
            let _ = reply.send(f(j));
        })));
        async move {
            answer
                .await
                .map_err(|_| CampaignError::journal("the journal thread stopped"))?
        }
    }

    /// Counts after everything queued is committed.
    pub(crate) async fn counts(&self) -> Result<Counts> {
        self.call(|j| j.counts()).await
    }

    /// Stops the thread after everything queued and closes the journal; gives back the first write error.
    pub(crate) fn finish(mut self) -> Result<()> {
        self.tx = None;
        let thread = self.thread.take().expect("finish is called once");
        let failure = thread
            .join()
            .map_err(|_| CampaignError::journal("the journal thread panicked"))?;
        match failure {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
