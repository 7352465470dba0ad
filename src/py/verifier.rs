//! `Verifier`: a trusted root plus the verification entry points.
//!
//! Inputs are converted while holding the GIL; file hashing and every
//! signature check run with it released.

use super::bundle::PyBundle;
use super::policy::PyPolicy;
use crate::error::{Error, Result};
use crate::trust::TrustedRoot;
use crate::verify::{self, Artifact, VerifiedBundle, Verifier};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use std::path::{Path, PathBuf};

/// The artifact as the caller gave it, before any (GIL-free) hashing.
enum Input {
    Artifact(Artifact),
    File(PathBuf),
}

impl Input {
    /// `bytes` are the artifact's content; a `str` starting with `sha256:`
    /// is its digest; any other `str` or `os.PathLike` is a file to hash.
    fn extract(input: &Bound<'_, PyAny>) -> PyResult<Self> {
        if let Ok(b) = input.downcast::<PyBytes>() {
            return Ok(Input::Artifact(Artifact::Bytes(b.as_bytes().to_vec())));
        }
        if let Ok(s) = input.downcast::<PyString>() {
            let s = s.to_cow()?;
            if s.starts_with("sha256:") {
                return Ok(Input::Artifact(Artifact::Digest(verify::parse_digest(&s)?)));
            }
        }
        match input.extract::<PathBuf>() {
            Ok(path) => Ok(Input::File(path)),
            Err(_) => Err(Error::InvalidInput(format!(
                "artifact must be bytes, a path or a \"sha256:<hex>\" digest, not {}",
                input.get_type().name()?
            ))
            .into()),
        }
    }

    /// Runs without the GIL.
    fn into_artifact(self) -> Result<Artifact> {
        match self {
            Input::Artifact(a) => Ok(a),
            Input::File(path) => Ok(Artifact::Digest(verify::hash_file(&path)?)),
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::Io(format!("cannot read {}: {e}", path.display())))
}

fn dsse_result(py: Python<'_>, v: VerifiedBundle) -> PyResult<(String, Py<PyBytes>)> {
    match (v.payload_type, v.payload) {
        (Some(t), Some(p)) => Ok((t, PyBytes::new(py, &p).unbind())),
        _ => Err(Error::InvalidInput("the bundle does not hold a DSSE envelope".into()).into()),
    }
}

#[pyclass(frozen, module = "sigstore_rs._rust", name = "Verifier")]
pub struct PyVerifier {
    pub(crate) inner: Verifier,
}

impl PyVerifier {
    fn new(root: TrustedRoot) -> Self {
        PyVerifier {
            inner: Verifier::new(root),
        }
    }
}

#[pymethods]
impl PyVerifier {
    /// The Sigstore public-good instance (embedded trusted root).
    #[staticmethod]
    fn production() -> PyResult<Self> {
        Ok(Self::new(TrustedRoot::production()?))
    }

    /// The Sigstore staging instance (embedded trusted root).
    #[staticmethod]
    fn staging() -> PyResult<Self> {
        Ok(Self::new(TrustedRoot::staging()?))
    }

    /// From a `trusted_root.json` file.
    #[staticmethod]
    fn from_trusted_root(path: PathBuf) -> PyResult<Self> {
        Ok(Self::new(TrustedRoot::from_json(&read(&path)?)?))
    }

    /// From a ClientTrustConfig file (its `trustedRoot` is used).
    #[staticmethod]
    fn from_trust_config(path: PathBuf) -> PyResult<Self> {
        Ok(Self::new(TrustedRoot::from_trust_config_json(&read(
            &path,
        )?)?))
    }

    /// Verifies `input` against `bundle` and the identity `policy`.
    fn verify_artifact(
        &self,
        py: Python<'_>,
        input: &Bound<'_, PyAny>,
        bundle: &PyBundle,
        policy: &PyPolicy,
    ) -> PyResult<()> {
        let input = Input::extract(input)?;
        py.allow_threads(|| {
            let artifact = input.into_artifact()?;
            self.inner
                .verify_artifact(&artifact, &bundle.inner, &policy.inner)
        })?;
        Ok(())
    }

    /// Verifies `input` against `bundle` signed by the PEM public key `key_pem`.
    fn verify_artifact_with_key(
        &self,
        py: Python<'_>,
        input: &Bound<'_, PyAny>,
        bundle: &PyBundle,
        key_pem: &[u8],
    ) -> PyResult<()> {
        let input = Input::extract(input)?;
        let key = verify::public_key_from_pem(key_pem)?;
        py.allow_threads(|| {
            let artifact = input.into_artifact()?;
            self.inner
                .verify_artifact_with_key(&artifact, &bundle.inner, &key)
        })?;
        Ok(())
    }

    /// Verifies a DSSE bundle; returns `(payload_type, payload)`.
    fn verify_dsse(
        &self,
        py: Python<'_>,
        bundle: &PyBundle,
        policy: &PyPolicy,
    ) -> PyResult<(String, Py<PyBytes>)> {
        let v = py.allow_threads(|| self.inner.verify_dsse(&bundle.inner, &policy.inner))?;
        dsse_result(py, v)
    }

    /// Verifies a DSSE bundle signed by the PEM public key `key_pem`.
    fn verify_dsse_with_key(
        &self,
        py: Python<'_>,
        bundle: &PyBundle,
        key_pem: &[u8],
    ) -> PyResult<(String, Py<PyBytes>)> {
        let key = verify::public_key_from_pem(key_pem)?;
        let v = py.allow_threads(|| self.inner.verify_dsse_with_key(&bundle.inner, &key))?;
        dsse_result(py, v)
    }
}
