//! Work spread over scoped threads, results kept in input order: batch
//! verification ([`crate::pep740::verify_batch`]) and index checks
//! ([`crate::index::IndexClient::verify_files`]).

use crate::error::{Error, Result};
use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` over `items` on up to `threads` scoped threads; results in item
/// order. A worker that panicked (it cannot: no panics outside tests)
/// leaves its items as errors.
pub(crate) fn map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> Result<R> + Sync,
) -> Vec<Result<R>> {
    let workers = threads.max(1).min(items.len());
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<Result<R>>> = items.iter().map(|_| None).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(item)));
                    }
                    done
                })
            })
            .collect();
        for h in handles {
            if let Ok(done) = h.join() {
                for (i, r) in done {
                    if let Some(slot) = slots.get_mut(i) {
                        *slot = Some(r);
                    }
                }
            }
        }
    });
    slots
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(Error::InvalidInput(
                    "internal error: a worker stopped".into(),
                ))
            })
        })
        .collect()
}
