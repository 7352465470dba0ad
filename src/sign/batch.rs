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
//! 3. each bundle verified as a single signing verifies it, and handed to
//!    the caller as soon as it is done, so outputs can be written while
//!    other items are still in flight; one item's failure is that item's
//!    result and stops no other.

use super::Signer;
use crate::bundle::Bundle;
use crate::crypto::Digest;
use crate::error::{Error, Result};
use crate::oidc;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

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
    /// Items in flight at once, at least 1 (default 8).
    pub jobs: usize,
    /// Seconds a certificate must still be valid for an item to start
    /// with it (default 60: an item's timestamp and log upload, retries
    /// and a Rekor v2 batch included, take far less).
    pub renew_margin: i64,
}

/// The default of [`BatchOptions::jobs`].
pub const DEFAULT_JOBS: usize = 8;

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            jobs: DEFAULT_JOBS,
            renew_margin: 60,
        }
    }
}

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
        let next = AtomicUsize::new(0);
        // `None` until the first renewal: this signer's own certificate.
        let renewed: Mutex<Option<Arc<Signer>>> = Mutex::new(None);
        let workers = options.jobs.max(1).min(inputs.len());
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(input) = inputs.get(i) else { break };
                    let result = self
                        .current(&renewed, options.renew_margin)
                        .and_then(|signer| signer.as_deref().unwrap_or(self).sign_one(input));
                    on_done(i, result);
                });
            }
        });
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
