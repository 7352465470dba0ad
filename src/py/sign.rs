//! Keyless signing: `IdentityToken`, `SigningContext`, `Signer`, and the
//! OIDC helpers. Every network round trip releases the GIL.

use super::bundle::PyBundle;
use super::trust::PyTrustMaterial;
use crate::error::Error;
use crate::oidc::{ambient, interactive, IdentityToken};
use crate::sign::{self, Signer, SigningContext};
use crate::trust::{ClientTrustConfig, SigningConfig, TrustedRoot};
use pyo3::prelude::*;
use std::sync::Mutex;

/// An OIDC identity token (JWT) for Sigstore: `str(token)` is the raw JWT.
#[pyclass(frozen, module = "sigstore_rs._rust", name = "IdentityToken")]
pub struct PyIdentityToken {
    pub(crate) inner: IdentityToken,
}

#[pymethods]
impl PyIdentityToken {
    /// Parses and checks a JWT (audience "sigstore", not expired); raises
    /// `IdentityError` otherwise. The signature is checked by Fulcio.
    #[new]
    fn new(raw: &str) -> PyResult<Self> {
        Ok(PyIdentityToken {
            inner: IdentityToken::parse(raw)?,
        })
    }

    /// The identity Fulcio will certify: the `email` claim, else `sub`.
    #[getter]
    fn identity(&self) -> &str {
        self.inner.identity()
    }

    /// The token's `iss` claim.
    #[getter]
    fn issuer(&self) -> &str {
        self.inner.issuer()
    }

    /// The upstream issuer for a federating issuer (Dex's
    /// `federated_claims.connector_id`), else `iss`.
    #[getter]
    fn federated_issuer(&self) -> &str {
        self.inner.federated_issuer()
    }

    /// The `exp` claim, Unix seconds.
    #[getter]
    fn expiry(&self) -> i64 {
        self.inner.expiry()
    }

    fn __str__(&self) -> &str {
        self.inner.raw()
    }

    fn __repr__(&self) -> String {
        format!(
            "IdentityToken(identity={:?}, issuer={:?})",
            self.inner.identity(),
            self.inner.federated_issuer()
        )
    }
}

/// An ambient CI credential (GitHub Actions, Google Cloud, Buildkite,
/// GitLab CI, CircleCI), or None outside CI.
#[pyfunction]
pub fn detect_credential(py: Python<'_>) -> PyResult<Option<String>> {
    let found = py.allow_threads(|| {
        ambient::detect_credential(&ambient::Env::process(), &crate::net::Http::new())
    })?;
    Ok(found.map(|(t, _)| t))
}

/// The OAuth flow against `issuer_url` (browser + loopback redirect, or
/// out-of-band with a pasted code); prints instructions on stderr.
#[pyfunction]
#[pyo3(signature = (issuer_url, force_oob = false))]
pub fn interactive_token(
    py: Python<'_>,
    issuer_url: &str,
    force_oob: bool,
) -> PyResult<PyIdentityToken> {
    let token = py.allow_threads(|| {
        interactive::identity_token(
            &crate::net::Http::new(),
            issuer_url,
            force_oob,
            &|msg| eprintln!("{msg}"),
            &|prompt| {
                use std::io::Write;
                eprint!("{prompt}");
                let _ = std::io::stderr().flush();
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .map_err(|e| Error::Identity(format!("cannot read the code: {e}")))?;
                Ok(line)
            },
        )
    })?;
    Ok(PyIdentityToken { inner: token })
}

#[pyclass(frozen, module = "sigstore_rs._rust", name = "SigningContext")]
pub struct PySigningContext {
    inner: SigningContext,
}

#[pymethods]
impl PySigningContext {
    /// From trust material loaded through TUF (`sigstore_rs.trust`): its
    /// trusted root and signing config.
    #[staticmethod]
    fn from_trust_material(material: &PyTrustMaterial) -> PyResult<Self> {
        Ok(PySigningContext {
            inner: SigningContext::new(material.trusted_root.clone(), &material.signing_config()?)?,
        })
    }

    /// From a ClientTrustConfig JSON document (trusted root + signing config).
    #[staticmethod]
    fn from_trust_config(data: &[u8]) -> PyResult<Self> {
        Ok(PySigningContext {
            inner: SigningContext::from_trust_config(&ClientTrustConfig::from_json(data)?)?,
        })
    }

    /// From a trusted root and a signing config, as JSON documents.
    #[staticmethod]
    fn from_parts(trusted_root: &[u8], signing_config: &[u8]) -> PyResult<Self> {
        Ok(PySigningContext {
            inner: SigningContext::new(
                TrustedRoot::from_json(trusted_root)?,
                &SigningConfig::from_json(signing_config)?,
            )?,
        })
    }

    /// The OIDC issuer the signing config names for the interactive flow.
    #[getter]
    fn oidc_url(&self) -> Option<&str> {
        self.inner.oidc_url()
    }

    /// Generates the ephemeral key and obtains its certificate (checked
    /// against the trusted root).
    fn signer(&self, py: Python<'_>, token: &PyIdentityToken) -> PyResult<PySigner> {
        let ctx = self.inner.clone();
        let token = token.inner.clone();
        let signer = py.allow_threads(move || ctx.signer(token))?;
        Ok(PySigner { inner: signer })
    }
}

#[pyclass(frozen, module = "sigstore_rs._rust", name = "Signer")]
pub struct PySigner {
    inner: Signer,
}

#[pymethods]
impl PySigner {
    /// Signs an artifact's bytes (a hashedrekord entry).
    fn sign_artifact(&self, py: Python<'_>, data: &[u8]) -> PyResult<PyBundle> {
        let data = data.to_vec();
        let bundle = py.allow_threads(|| self.inner.sign_artifact(&data))?;
        Ok(PyBundle { inner: bundle })
    }

    /// Signs a file, hashed without holding the GIL.
    fn sign_file(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<PyBundle> {
        let bundle = py.allow_threads(|| {
            let digest = crate::verify::hash_file(&path)?;
            self.inner.sign_digest(&digest)
        })?;
        Ok(PyBundle { inner: bundle })
    }

    /// Signs an artifact by its digest (`"sha256:<hex>"`).
    fn sign_digest(&self, py: Python<'_>, digest: &str) -> PyResult<PyBundle> {
        let digest = crate::verify::parse_digest(digest)?;
        let bundle = py.allow_threads(|| self.inner.sign_digest(&digest))?;
        Ok(PyBundle { inner: bundle })
    }

    /// Signs an in-toto statement (JSON bytes) as a DSSE envelope.
    fn sign_dsse(&self, py: Python<'_>, statement: &[u8]) -> PyResult<PyBundle> {
        let statement = statement.to_vec();
        let bundle = py.allow_threads(|| self.inner.sign_dsse(&statement))?;
        Ok(PyBundle { inner: bundle })
    }

    /// Signs many inputs concurrently (see `crate::sign::Signer::sign_batch`):
    /// each input is `("file", path)`, `("digest", "sha256:<hex>")` or
    /// `("dsse", statement_bytes)`; `jobs=None` is as many at once as suit
    /// the log. Returns, in input order, a `Bundle` or the exception for
    /// each; `on_done(i, result)` is called (with the GIL) as each
    /// completes, and an exception it raises becomes that input's result.
    /// The GIL is released while signing; called from the main thread,
    /// Python's signal handlers run every 100 ms, and an exception they
    /// raise (Ctrl-C's `KeyboardInterrupt`) stops the batch from starting
    /// more inputs: the ones in flight finish (their `on_done` calls are
    /// made; only `on_done` sees their bundles), the ones not started reach
    /// `on_done` as `NotSignedError`, and the exception is raised.
    #[pyo3(signature = (inputs, jobs = None, renew_margin = 60, on_done = None))]
    fn sign_many(
        &self,
        py: Python<'_>,
        inputs: Vec<(String, Bound<'_, PyAny>)>,
        jobs: Option<usize>,
        renew_margin: i64,
        on_done: Option<PyObject>,
    ) -> PyResult<Vec<PyObject>> {
        let inputs = inputs
            .into_iter()
            .map(|(kind, v)| batch_input(&kind, &v))
            .collect::<PyResult<Vec<_>>>()?;
        let options = sign::BatchOptions { jobs, renew_margin };
        let results: Mutex<Vec<Option<PyObject>>> =
            Mutex::new((0..inputs.len()).map(|_| None).collect());
        let mut interrupted: Option<PyErr> = None;
        let completed = py.allow_threads(|| {
            self.inner.sign_batch_watched(
                &inputs,
                &options,
                |i, r| {
                    Python::with_gil(|py| {
                        let obj = match r {
                            Ok(bundle) => Py::new(py, PyBundle { inner: bundle }).map(Py::into_any),
                            Err(e) => Ok(PyErr::from(e).into_value(py).into_any()),
                        };
                        let mut obj = obj.unwrap_or_else(|e| e.into_value(py).into_any());
                        if let Some(cb) = &on_done {
                            if let Err(e) = cb.call1(py, (i, obj.clone_ref(py))) {
                                obj = e.into_value(py).into_any();
                            }
                        }
                        if let Ok(mut g) = results.lock() {
                            if let Some(slot) = g.get_mut(i) {
                                *slot = Some(obj);
                            }
                        }
                    })
                },
                || match Python::with_gil(|py| py.check_signals()) {
                    Ok(()) => true,
                    Err(e) => {
                        interrupted = Some(e);
                        false
                    }
                },
            )
        });
        // A signal that came when every input had started stopped nothing:
        // the results stand.
        if let (false, Some(e)) = (completed, interrupted) {
            return Err(e);
        }
        let results = results
            .into_inner()
            .map_err(|_| Error::Signing("the batch's results lock is poisoned".into()))?;
        results
            .into_iter()
            .map(|r| r.ok_or_else(|| Error::Signing("an input was not signed".into()).into()))
            .collect()
    }

    /// Items in flight at once when `jobs` is not given: as suit the log
    /// entries go to (100 for Rekor v1, 256 for Rekor v2).
    #[getter]
    fn default_jobs(&self) -> usize {
        self.inner.default_jobs()
    }

    /// When the signing certificate expires (Unix seconds).
    #[getter]
    fn not_after(&self) -> i64 {
        self.inner.not_after()
    }

    /// The signing certificate (DER).
    #[getter]
    fn certificate(&self) -> Vec<u8> {
        self.inner.certificate_der().to_vec()
    }

    #[getter]
    fn identity(&self) -> &str {
        self.inner.identity_token().identity()
    }
}

/// One batch input as Python passes it (see `Signer.sign_many`).
fn batch_input(kind: &str, value: &Bound<'_, PyAny>) -> PyResult<sign::BatchInput> {
    Ok(match kind {
        "file" => sign::BatchInput::File(value.extract()?),
        "digest" => {
            sign::BatchInput::Digest(crate::verify::parse_digest(&value.extract::<String>()?)?)
        }
        "dsse" => sign::BatchInput::Statement(value.extract()?),
        other => {
            return Err(Error::InvalidInput(format!(
                "a batch input is a file, digest or dsse, not {other:?}"
            ))
            .into())
        }
    })
}

/// A file's SHA-256 as `"sha256:<hex>"`, streamed without the GIL (the
/// subject digests of `attest`).
#[pyfunction]
pub fn sha256_file(py: Python<'_>, path: std::path::PathBuf) -> PyResult<String> {
    let digest = py.allow_threads(|| crate::verify::hash_file(&path))?;
    Ok(format!("sha256:{}", digest.to_hex()))
}

/// An in-toto v1 statement about files: each subject is (name, "sha256:<hex>").
#[pyfunction]
#[pyo3(signature = (subjects, predicate_type, predicate_json = None))]
pub fn in_toto_statement(
    subjects: Vec<(String, String)>,
    predicate_type: &str,
    predicate_json: Option<&str>,
) -> PyResult<Vec<u8>> {
    let subjects = subjects
        .into_iter()
        .map(|(n, d)| Ok((n, crate::verify::parse_digest(&d)?)))
        .collect::<crate::Result<Vec<_>>>()?;
    let predicate = match predicate_json {
        Some(p) => Some(
            serde_json::from_str(p)
                .map_err(|e| Error::InvalidInput(format!("the predicate is not JSON: {e}")))?,
        ),
        None => None,
    };
    Ok(sign::statement(&subjects, predicate_type, predicate)?)
}
