//! The TUF client ([`crate::tuf`]) for Python: refresh a metadata
//! directory and fetch targets, as `sigstore-rs-tuf-conformance` (the TUF
//! conformance suite's client protocol) needs.

use crate::error::Result;
use crate::net::Http;
use crate::tuf::updater::Updater;
use pyo3::prelude::*;
use std::path::PathBuf;

/// Updates the top-level metadata in `metadata_dir` (which holds a trusted
/// `root.json`) from the repository at `metadata_url`.
#[pyfunction]
pub fn tuf_refresh(py: Python<'_>, metadata_dir: PathBuf, metadata_url: &str) -> Result<()> {
    py.allow_threads(|| {
        let http = Http::new();
        let crypto = crate::crypto::default_backend();
        let mut updater = Updater::new(
            &metadata_dir,
            metadata_url,
            &http,
            crypto,
            crate::oidc::now(),
        )?;
        updater.refresh()?;
        Ok(())
    })
}

/// Refreshes, then fetches each of `targets` in order into `target_dir`
/// (reusing a stored copy whose bytes still match); returns their paths.
/// Stops at the first failure.
#[pyfunction]
pub fn tuf_download(
    py: Python<'_>,
    metadata_dir: PathBuf,
    metadata_url: &str,
    targets: Vec<String>,
    target_dir: PathBuf,
    target_base_url: &str,
) -> Result<Vec<PathBuf>> {
    py.allow_threads(|| {
        let http = Http::new();
        let crypto = crate::crypto::default_backend();
        let mut updater = Updater::new(
            &metadata_dir,
            metadata_url,
            &http,
            crypto,
            crate::oidc::now(),
        )?;
        targets
            .iter()
            .map(|t| Ok(updater.fetch_target(t, &target_dir, target_base_url)?))
            .collect()
    })
}
