//! Signing many inputs in one run (a release's wheels and sdist):
//!
//! 1. one identity token and one Fulcio certificate for the whole run; a
//!    new key and certificate are requested only when the current one
//!    would expire within [`BatchOptions::renew_margin`], the time an
//!    item's uploads may take, so every entry lands while its certificate
//!    is valid (Fulcio's certificates live ten minutes, and a Rekor v2
//!    upload waits for its batch: hundreds of files one after another
//!    outlive one certificate);
//! 2. the items' timestamp requests and log uploads on at most
//!    [`BatchOptions::jobs`] threads at once (std threads: every request
//!    is a blocking round trip, and most of the time is spent waiting);
//!    by default as many as suit the log: a Rekor v1 log answers each
//!    upload in its own round trip, so [`JOBS_REKOR_V1`] bounds what one
//!    run asks of it at once; a Rekor v2 log answers every upload of a
//!    batch window together when the window closes, so a run's speed is
//!    uploads per window, and a waiting upload costs the log nothing but
//!    its entry: [`JOBS_REKOR_V2`];
//! 3. each bundle verified as a single signing verifies it, and handed to
//!    the caller as soon as it is done, so outputs can be written while
//!    other items are still in flight; one item's failure is that item's
//!    result and stops no other;
//! 4. the calling thread watches the run: when its `keep_going` answers
//!    false (an interrupt), no further item starts, the ones in flight
//!    finish, and every item not started is reported as such.

use super::Signer;
use crate::bundle::Bundle;
use crate::crypto::Digest;
use crate::error::{Error, Result};
use crate::oidc;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

/// One thing to sign.
#[derive(Debug, Clone)]
pub enum BatchInput {
    /// A file, hashed (SHA-256) on the worker thread, signed as a hashedrekord.
    File(PathBuf),
    /// An artifact's SHA-256 digest (hashedrekord).
    Digest(Digest),
    /// An in-toto statement (JSON), signed as a DSSE envelope.
    Statement(Vec<u8>),
}

/// How a batch runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOptions {
    /// Items in flight at once, at least 1; `None`: as suits the signing
    /// config's log ([`JOBS_REKOR_V1`], [`JOBS_REKOR_V2`]).
    pub jobs: Option<usize>,
    /// Seconds a certificate must still be valid for an item to start
    /// with it (default 60: an item's timestamp and log upload, retries
    /// and a Rekor v2 batch included, take far less).
    pub renew_margin: i64,
}

/// Items in flight at once by default with a Rekor v1 log.
pub const JOBS_REKOR_V1: usize = 100;
/// Items in flight at once by default with a Rekor v2 log.
pub const JOBS_REKOR_V2: usize = 256;

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            jobs: None,
            renew_margin: 60,
        }
    }
}

/// At most this many items in flight, whatever the options: each holds up
/// to two connections (its log upload and timestamp request), and a process
/// may open only so many files (macOS's default is 256). Unix's soft limit,
/// less a reserve for what the process already has open, halved.
fn descriptor_bound() -> usize {
    #[cfg(unix)]
    {
        let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
        if let Some(n) = limit.and_then(|n| usize::try_from(n).ok()) {
            return (n.saturating_sub(64) / 2).max(1);
        }
    }
    usize::MAX
}

/// How often the calling thread asks `keep_going` while a batch runs.
const WATCH_EVERY: Duration = Duration::from_millis(100);

impl Signer {
    /// Signs `inputs` concurrently (see the module documentation), starting
    /// with this signer's certificate. `on_done(i, result)` is called for
    /// input `i` as soon as it is signed and verified (or has failed), on
    /// a worker thread, in completion order; the batch's own results are
    /// those calls.
    pub fn sign_batch<F>(&self, inputs: &[BatchInput], options: &BatchOptions, on_done: F)
    where
        F: Fn(usize, Result<Bundle>) + Sync,
    {
        self.sign_batch_watched(inputs, options, on_done, || true);
    }

    /// [`Self::sign_batch`], the calling thread asking `keep_going` every
    /// 100 ms while items are in flight; once it answers false no further
    /// item starts, and each item not started is reported to `on_done` as
    /// [`Error::NotSigned`] (the items in flight finish as usual). Returns
    /// whether every input was started: false when the run was stopped
    /// with inputs left.
    pub fn sign_batch_watched<F, K>(
        &self,
        inputs: &[BatchInput],
        options: &BatchOptions,
        on_done: F,
        mut keep_going: K,
    ) -> bool
    where
        F: Fn(usize, Result<Bundle>) + Sync,
        K: FnMut() -> bool,
    {
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        // `None` until the first renewal: this signer's own certificate.
        let renewed: Mutex<Option<Arc<Signer>>> = Mutex::new(None);
        let workers = options
            .jobs
            .unwrap_or_else(|| self.default_jobs())
            .min(descriptor_bound())
            .max(1)
            .min(inputs.len());
        let (finished, watch) = mpsc::channel::<()>();
        let mut spawn_error = None;
        std::thread::scope(|s| {
            let mut running = 0;
            for _ in 0..workers {
                let finished = finished.clone();
                let (next, stop, renewed, on_done) = (&next, &stop, &renewed, &on_done);
                let worker = std::thread::Builder::new().spawn_scoped(s, move || {
                    while !stop.load(Ordering::SeqCst) {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(input) = inputs.get(i) else { break };
                        let result = self
                            .current(renewed, options.renew_margin)
                            .and_then(|signer| signer.as_deref().unwrap_or(self).sign_one(input));
                        on_done(i, result);
                    }
                    // The watcher counts the workers that have ended.
                    let _ = finished.send(());
                });
                match worker {
                    Ok(_) => running += 1,
                    // The system gives no more threads: the ones started
                    // share the inputs.
                    Err(e) => {
                        spawn_error = Some(e);
                        break;
                    }
                }
            }
            drop(finished);
            while running > 0 {
                match watch.recv_timeout(WATCH_EVERY) {
                    Ok(()) => running -= 1,
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
                if running > 0 && !stop.load(Ordering::SeqCst) && !keep_going() {
                    stop.store(true, Ordering::SeqCst);
                }
            }
        });
        // Claim what no worker took: nothing is in flight any more. Left
        // over only when the run was stopped, or no thread could be had.
        let first_unstarted = next.swap(inputs.len(), Ordering::SeqCst);
        for i in first_unstarted..inputs.len() {
            let e = if stop.load(Ordering::SeqCst) {
                Error::NotSigned("the run was stopped before this input started".into())
            } else {
                Error::Signing(format!(
                    "no thread could be started to sign this input: {}",
                    spawn_error
                        .as_ref()
                        .map_or_else(|| "unknown".to_string(), ToString::to_string)
                ))
            };
            on_done(i, Err(e));
        }
        first_unstarted >= inputs.len()
    }

    /// Items in flight at once when [`BatchOptions::jobs`] is `None`: as
    /// suits the log entries go to (see the module documentation).
    pub fn default_jobs(&self) -> usize {
        match self.ctx.inner.services.tlogs.first() {
            Some(t) if t.major_api_version >= 2 => JOBS_REKOR_V2,
            _ => JOBS_REKOR_V1,
        }
    }

    /// [`Self::sign_batch`] collecting the results in input order.
    pub fn sign_many(&self, inputs: &[BatchInput], options: &BatchOptions) -> Vec<Result<Bundle>> {
        let results: Mutex<Vec<Option<Result<Bundle>>>> =
            Mutex::new((0..inputs.len()).map(|_| None).collect());
        self.sign_batch(inputs, options, |i, r| {
            if let Ok(mut g) = results.lock() {
                if let Some(slot) = g.get_mut(i) {
                    *slot = Some(r);
                }
            }
        });
        results
            .into_inner()
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::Signing("the item was not signed".into()))))
            .collect()
    }

    /// The signer an item starts with: the current certificate if it is
    /// valid for at least `margin` more seconds, else a new key and
    /// certificate for the same token (requested once, under the lock, for
    /// every waiting item). `None` stands for `self`.
    fn current(
        &self,
        renewed: &Mutex<Option<Arc<Signer>>>,
        margin: i64,
    ) -> Result<Option<Arc<Signer>>> {
        let mut g = renewed
            .lock()
            .map_err(|_| Error::Signing("the batch's signer lock is poisoned".into()))?;
        let not_after = g
            .as_ref()
            .map_or(self.leaf.not_after(), |s| s.leaf.not_after());
        if not_after - oidc::now() >= margin {
            return Ok(g.clone());
        }
        let fresh = Arc::new(self.ctx.signer(self.token.clone()).map_err(|e| {
            Error::Signing(format!(
                "the signing certificate expires at {} (within {margin} s), and a new one could not be obtained: {e}",
                crate::trust::rfc3339(not_after)
            ))
        })?);
        *g = Some(Arc::clone(&fresh));
        Ok(Some(fresh))
    }

    fn sign_one(&self, input: &BatchInput) -> Result<Bundle> {
        match input {
            BatchInput::File(path) => {
                let digest = crate::verify::hash_file(path)?;
                self.sign_digest(&digest)
            }
            BatchInput::Digest(d) => self.sign_digest(d),
            BatchInput::Statement(s) => self.sign_dsse(s),
        }
    }

    /// When the signing certificate expires (Unix seconds).
    pub fn not_after(&self) -> i64 {
        self.leaf.not_after()
    }
}
