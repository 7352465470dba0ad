//! `Verifier`: a trusted root plus the verification entry points.
//!
//! Inputs are converted while holding the GIL; file hashing and every
//! signature check run with it released.

use super::bundle::PyBundle;
use super::policy::PyPolicy;
use super::trust::PyTrustMaterial;
use crate::crypto::HashAlgorithm;
use crate::error::{Error, Result};
use crate::legacy::{self, DetachedSignature};
use crate::net::RekorV1Client;
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

    /// Runs without the GIL. A file is hashed with `algorithm`, the one
    /// the bundle signs a digest of.
    fn into_artifact(self, algorithm: HashAlgorithm) -> Result<Artifact> {
        match self {
            Input::Artifact(a) => Ok(a),
            Input::File(path) => Ok(Artifact::Digest(verify::hash_file_as(&path, algorithm)?)),
        }
    }
}

/// A file's bytes; an unreadable file is `FileError`, naming it.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>> {
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
    /// From trust material loaded through TUF (`sigstore_rs.trust`).
    #[staticmethod]
    fn from_trust_material(material: &PyTrustMaterial) -> Self {
        Self::new(material.trusted_root.clone())
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
            let artifact = input.into_artifact(verify::input_hash_algorithm(&bundle.inner))?;
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
            let artifact = input.into_artifact(verify::input_hash_algorithm(&bundle.inner))?;
            self.inner
                .verify_artifact_with_key(&artifact, &bundle.inner, &key)
        })?;
        Ok(())
    }

    /// Verifies a legacy detached signature: `certificate` is a PEM
    /// certificate (`FILE.crt`), `signature` the base64 signature
    /// (`FILE.sig`). The Rekor v1 entry is read from `rekor_bundle` when
    /// given, else looked up in Rekor (`rekor_url`, by default the trusted
    /// root's Rekor v1 log) unless `offline`.
    #[pyo3(signature = (input, certificate, signature, policy, *, rekor_bundle=None, offline=false, rekor_url=None))]
    #[allow(clippy::too_many_arguments)]
    fn verify_detached(
        &self,
        py: Python<'_>,
        input: &Bound<'_, PyAny>,
        certificate: &[u8],
        signature: &[u8],
        policy: &PyPolicy,
        rekor_bundle: Option<&[u8]>,
        offline: bool,
        rekor_url: Option<String>,
    ) -> PyResult<()> {
        let input = Input::extract(input)?;
        let sig = DetachedSignature::from_pem_and_base64(certificate, signature)?;
        let logged = rekor_bundle.map(legacy::entry_from_json).transpose()?;
        let client = match (&logged, offline) {
            (Some(_), _) => None,
            (None, true) => {
                return Err(Error::InvalidInput(
                    "offline verification of a detached signature needs its transparency log entry: pass a Rekor bundle (cosign's, or the entry JSON saved from Rekor)".into(),
                )
                .into())
            }
            (None, false) => {
                let url = match &rekor_url {
                    Some(u) => u.as_str(),
                    None => self.inner.trusted_root().rekor_v1_url().ok_or_else(|| {
                        Error::InvalidInput(
                            "the trusted root has no Rekor v1 log to look the signature up in: pass a Rekor URL or a Rekor bundle".into(),
                        )
                    })?,
                };
                Some(RekorV1Client::new(url)?)
            }
        };
        py.allow_threads(|| {
            // Rekor is searched by SHA-256; an entry given is read for the
            // algorithm it records.
            let (artifact, logged) = match (logged, client) {
                (Some(l), _) => (input.into_artifact(l.hash_algorithm())?, l),
                (None, Some(c)) => {
                    let artifact = input.into_artifact(HashAlgorithm::Sha256)?;
                    let l = c.find_detached(&sig, &legacy::artifact_digest(&artifact))?;
                    (artifact, l)
                }
                (None, None) => {
                    return Err(Error::InvalidInput("no transparency log entry".into()))
                }
            };
            legacy::verify_detached(&self.inner, &artifact, &sig, logged, &policy.inner)
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
