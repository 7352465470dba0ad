//! `sigstore_rs._rust.pylock_verify` / `pylock_pin`: PEP 751 lock checks
//! ([`crate::pylock`]) without the GIL, their findings as frozen classes.

use super::pep740::PyPublisher;
use super::verifier::PyVerifier;
use crate::pylock::{self, Finding, FindingKind, Options};
use pyo3::prelude::*;
use std::path::PathBuf;

/// One finding of a lock check: a file (or a package not from an index).
#[pyclass(frozen, module = "sigstore_rs._rust", name = "LockFinding")]
pub struct PyLockFinding {
    inner: Finding,
}

#[pymethods]
impl PyLockFinding {
    #[getter]
    fn package(&self) -> &str {
        &self.inner.package
    }

    #[getter]
    fn file(&self) -> &str {
        &self.inner.file
    }

    /// `verified`, `unpinned`, `no-provenance`, `not-from-index` or `failed`.
    #[getter]
    fn status(&self) -> &'static str {
        match self.inner.kind {
            FindingKind::Verified(_) => "verified",
            FindingKind::Unpinned(_) => "unpinned",
            FindingKind::NoProvenance => "no-provenance",
            FindingKind::NotFromIndex(_) => "not-from-index",
            FindingKind::Failed(_) => "failed",
        }
    }

    /// The publishers the file's provenance verified against.
    #[getter]
    fn publishers(&self) -> Vec<PyPublisher> {
        match &self.inner.kind {
            FindingKind::Verified(p) | FindingKind::Unpinned(p) => {
                p.iter().map(|p| PyPublisher { inner: p.clone() }).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The reason of a refusal, else `None`.
    #[getter]
    fn reason(&self) -> Option<&str> {
        match &self.inner.kind {
            FindingKind::Failed(m) => Some(m),
            _ => None,
        }
    }

    #[pyo3(signature = (require_pins=false))]
    fn is_failure(&self, require_pins: bool) -> bool {
        self.inner.is_failure(require_pins)
    }

    /// `PACKAGE: FILE: what was found`.
    fn __str__(&self) -> String {
        self.inner.line()
    }

    fn __repr__(&self) -> String {
        format!("LockFinding({:?})", self.inner.line())
    }
}

fn findings(report: pylock::Report) -> Vec<PyLockFinding> {
    report
        .findings
        .into_iter()
        .map(|inner| PyLockFinding { inner })
        .collect()
}

/// Checks every file the lock at `path` names; raises `InvalidLock` for a
/// malformed lock, else returns one finding per file.
#[pyfunction]
#[pyo3(signature = (verifier, path, *, index_url=None, dist_dir=None, threads=None))]
pub fn pylock_verify(
    py: Python<'_>,
    verifier: &PyVerifier,
    path: PathBuf,
    index_url: Option<String>,
    dist_dir: Option<PathBuf>,
    threads: Option<usize>,
) -> PyResult<Vec<PyLockFinding>> {
    let options = Options {
        index_url,
        dist_dir,
        threads,
    };
    let report = py.allow_threads(|| pylock::verify_file(&verifier.inner, &path, &options))?;
    Ok(findings(report))
}

/// Pins the lock at `path` (see `sigstore_rs.pylock.pin`): returns the
/// findings, the pins `[(package, [publisher, ...]), ...]`, and whether the
/// lock was written.
#[pyfunction]
#[pyo3(signature = (verifier, path, *, index_url=None, dist_dir=None, threads=None, trust_on_first_use=false))]
#[allow(clippy::type_complexity)]
pub fn pylock_pin(
    py: Python<'_>,
    verifier: &PyVerifier,
    path: PathBuf,
    index_url: Option<String>,
    dist_dir: Option<PathBuf>,
    threads: Option<usize>,
    trust_on_first_use: bool,
) -> PyResult<(Vec<PyLockFinding>, Vec<(String, Vec<PyPublisher>)>, bool)> {
    let options = Options {
        index_url,
        dist_dir,
        threads,
    };
    let outcome = py
        .allow_threads(|| pylock::pin_file(&verifier.inner, &path, &options, trust_on_first_use))?;
    let pins = outcome
        .pins
        .iter()
        .map(|pin| {
            let ps = pin
                .publishers
                .iter()
                .map(|p| PyPublisher { inner: p.clone() })
                .collect();
            (pin.package.clone(), ps)
        })
        .collect();
    Ok((findings(outcome.report), pins, outcome.written))
}
