//! PEP 740: `Attestation`, `Provenance`, `Publisher`, `Distribution` and
//! `verify_distributions`, and the index side: `check_upload`,
//! `build_provenance`. Predicates cross the boundary as JSON text (the
//! façade parses it); hashing and verification run without the GIL.

use super::bundle::PyBundle;
use super::errors::Text;
use super::policy::PyPolicy;
use super::verifier::PyVerifier;
use crate::error::{Error, Result};
use crate::pep740::{
    self, Attestation, BatchItem, DistSource, Distribution, Evidence, Expected, Provenance,
    Publisher, Verified,
};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::path::PathBuf;

/// `(predicate_type, predicate as JSON text or None)`.
type PyVerified = (String, Option<String>);

/// `(predicate_type, predicate as JSON text or None, publisher or None)`:
/// an attestation of a provenance object names its publisher.
type PyVerifiedBy = (String, Option<String>, Option<PyPublisher>);

fn to_py(v: Verified) -> PyVerified {
    (v.predicate_type, v.predicate.map(|p| p.to_string()))
}

fn to_py_by(v: Verified) -> PyVerifiedBy {
    (
        v.predicate_type,
        v.predicate.map(|p| p.to_string()),
        v.publisher.map(|inner| PyPublisher { inner }),
    )
}

const NO_EXPECTED_PUBLISHER: &str = "a provenance object names its own publisher, so it \
    must be verified against the publisher you expect: pass that publisher (or an identity \
    policy), or trust_on_first_use=True to accept the publisher it names";

/// Whom the attestations must come from: the expected publisher's policy,
/// or, only when the caller opted in, trust on first use.
fn expected(policy: Option<&PyPolicy>, trust_on_first_use: bool) -> Result<Expected> {
    match (policy, trust_on_first_use) {
        (Some(p), _) => Ok(Expected::Policy(p.inner.clone())),
        (None, true) => Ok(Expected::TrustOnFirstUse),
        (None, false) => Err(Error::InvalidInput(NO_EXPECTED_PUBLISHER.into())),
    }
}

#[pyclass(frozen, module = "sigstore_rs._rust", name = "Distribution")]
pub struct PyDistribution {
    pub(crate) inner: Distribution,
}

#[pymethods]
impl PyDistribution {
    /// `name` is a wheel or sdist file name; `digest` its SHA-256 in hex.
    #[new]
    fn new(name: Text, digest: Text) -> PyResult<Self> {
        Ok(PyDistribution {
            inner: Distribution::new(&name.0, &digest.0)?,
        })
    }

    /// The file's name and SHA-256, hashed without the GIL.
    #[staticmethod]
    fn from_file(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = py.allow_threads(|| Distribution::from_file(&path))?;
        Ok(PyDistribution { inner })
    }

    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    #[getter]
    fn digest(&self) -> String {
        self.inner.sha256_hex()
    }

    fn __repr__(&self) -> String {
        format!(
            "Distribution(name={:?}, digest={:?})",
            self.inner.name(),
            self.inner.sha256_hex()
        )
    }
}

#[pyclass(frozen, module = "sigstore_rs._rust", name = "Publisher")]
pub struct PyPublisher {
    pub(crate) inner: Publisher,
}

#[pymethods]
impl PyPublisher {
    #[staticmethod]
    fn from_json(data: &[u8]) -> PyResult<Self> {
        Ok(PyPublisher {
            inner: Publisher::from_json(data)?,
        })
    }

    fn to_json(&self) -> PyResult<String> {
        Ok(self.inner.to_json()?)
    }

    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    /// The certificate policy this Trusted Publisher stands for.
    fn policy(&self) -> PyPolicy {
        PyPolicy {
            inner: self.inner.policy(),
        }
    }

    fn __repr__(&self) -> String {
        format!("Publisher({:?})", self.inner)
    }

    /// The kind and claims, e.g. `GitHub repository o/r, workflow release.yml`.
    fn __str__(&self) -> String {
        self.inner.to_string()
    }
}

#[pyclass(frozen, module = "sigstore_rs._rust", name = "Attestation")]
pub struct PyAttestation {
    inner: Attestation,
}

#[pymethods]
impl PyAttestation {
    /// Parses an attestation; raises `InvalidAttestation` if malformed.
    #[staticmethod]
    fn from_json(data: &[u8]) -> PyResult<Self> {
        Ok(PyAttestation {
            inner: Attestation::from_json(data)?,
        })
    }

    fn to_json(&self) -> PyResult<String> {
        Ok(self.inner.to_json()?)
    }

    /// From a DSSE bundle; raises `ConversionError` otherwise.
    #[staticmethod]
    fn from_bundle(bundle: &PyBundle) -> PyResult<Self> {
        Ok(PyAttestation {
            inner: Attestation::from_bundle(&bundle.inner)?,
        })
    }

    /// The Sigstore bundle; raises `ConversionError` if it would be malformed.
    fn to_bundle(&self) -> PyResult<PyBundle> {
        Ok(PyBundle {
            inner: self.inner.to_bundle()?,
        })
    }

    /// The bundle as protobuf JSON text.
    fn to_bundle_json(&self) -> String {
        self.inner.to_bundle_json().to_string()
    }

    #[getter]
    fn statement<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.envelope.statement.0)
    }

    #[getter]
    fn signature<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.envelope.signature.0)
    }

    /// The signing certificate, DER.
    #[getter]
    fn certificate<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.verification_material.certificate.0)
    }

    /// The signing certificate's Fulcio claims, `(dotted OID, value)`;
    /// raises `ConversionError` if undecodable.
    fn certificate_claims(&self) -> PyResult<Vec<(String, String)>> {
        Ok(self.inner.certificate_claims()?)
    }

    /// The signing certificate's `(sans, issuer_rfc4514, not_after_unix)`,
    /// unverified; raises `ConversionError` if undecodable.
    fn certificate_details(&self) -> PyResult<(Vec<String>, String, i64)> {
        let d = self.inner.certificate_details()?;
        Ok((d.sans, d.issuer, d.not_after))
    }

    /// Verifies that the attestation, signed by an identity satisfying
    /// `policy`, attests to `dist`; returns `(predicate_type, predicate_json)`.
    fn verify(
        &self,
        py: Python<'_>,
        verifier: &PyVerifier,
        policy: &PyPolicy,
        dist: &PyDistribution,
    ) -> PyResult<PyVerified> {
        let v = py.allow_threads(|| {
            self.inner
                .verify(&verifier.inner, &policy.inner, &dist.inner)
        })?;
        Ok(to_py(v))
    }

    fn __repr__(&self) -> String {
        format!(
            "Attestation(certificate=<{} bytes>, statement=<{} bytes>)",
            self.inner.verification_material.certificate.0.len(),
            self.inner.envelope.statement.0.len()
        )
    }
}

#[pyclass(frozen, module = "sigstore_rs._rust", name = "Provenance")]
pub struct PyProvenance {
    pub(crate) inner: Provenance,
}

#[pymethods]
impl PyProvenance {
    #[staticmethod]
    fn from_json(data: &[u8]) -> PyResult<Self> {
        Ok(PyProvenance {
            inner: Provenance::from_json(data)?,
        })
    }

    fn to_json(&self) -> PyResult<String> {
        Ok(self.inner.to_json()?)
    }

    /// `[(publisher, [attestation, ...]), ...]`.
    fn attestation_bundles(&self) -> Vec<(PyPublisher, Vec<PyAttestation>)> {
        self.inner
            .attestation_bundles
            .iter()
            .map(|b| {
                (
                    PyPublisher {
                        inner: b.publisher.clone(),
                    },
                    b.attestations
                        .iter()
                        .map(|a| PyAttestation { inner: a.clone() })
                        .collect(),
                )
            })
            .collect()
    }

    /// Verifies every attestation against `dist`, signed by its bundle's
    /// publisher and by `policy`; without `policy`, only with
    /// `trust_on_first_use` (else `InvalidInput`).
    #[pyo3(signature = (verifier, dist, policy=None, *, trust_on_first_use=false))]
    fn verify(
        &self,
        py: Python<'_>,
        verifier: &PyVerifier,
        dist: &PyDistribution,
        policy: Option<&PyPolicy>,
        trust_on_first_use: bool,
    ) -> PyResult<Vec<PyVerifiedBy>> {
        if policy.is_some() && trust_on_first_use {
            return Err(Error::InvalidInput(
                "pass the expected publisher or trust_on_first_use=True, not both".into(),
            )
            .into());
        }
        let expected = expected(policy, trust_on_first_use)?;
        let v = py.allow_threads(|| self.inner.verify(&verifier.inner, &dist.inner, &expected))?;
        Ok(v.into_iter().map(to_py_by).collect())
    }
}

/// An item, or (for a missing expected publisher) the error that is its result.
fn batch_item(item: &Bound<'_, PyAny>, trust_on_first_use: bool) -> PyResult<Result<BatchItem>> {
    let (dist, evidence, policy): (
        Bound<'_, PyAny>,
        Bound<'_, PyAny>,
        Option<PyRef<'_, PyPolicy>>,
    ) = item.extract()?;
    let dist = if let Ok(d) = dist.downcast::<PyDistribution>() {
        DistSource::Known(Box::new(d.get().inner.clone()))
    } else if let Ok(p) = dist.extract::<PathBuf>() {
        DistSource::File(p)
    } else {
        return Err(Error::InvalidInput(format!(
            "a distribution must be a Distribution or a path, not {}",
            dist.get_type().name()?
        ))
        .into());
    };
    let evidence = if let Ok(a) = evidence.downcast::<PyAttestation>() {
        Evidence::Attestation(a.get().inner.clone())
    } else if let Ok(p) = evidence.downcast::<PyProvenance>() {
        Evidence::Provenance(p.get().inner.clone())
    } else {
        return Err(Error::InvalidInput(format!(
            "evidence must be an Attestation or a Provenance, not {}",
            evidence.get_type().name()?
        ))
        .into());
    };
    if policy.is_none() && !trust_on_first_use {
        if let Evidence::Attestation(_) = evidence {
            return Ok(Err(Error::InvalidInput(
                "an attestation names no publisher: it needs the publisher or identity \
                 expected to have signed it"
                    .into(),
            )));
        }
    }
    Ok(
        expected(policy.as_deref(), trust_on_first_use).map(|expected| BatchItem {
            dist,
            evidence,
            expected,
        }),
    )
}

/// Verifies `[(dist, attestation_or_provenance, policy_or_None), ...]` on
/// all cores without the GIL. An item without a policy needs
/// `trust_on_first_use` and a provenance object. One result per item, in
/// order: `([(predicate_type, predicate_json, publisher_or_None), ...], None)`
/// or `(None, exception)`.
#[pyfunction]
#[pyo3(signature = (verifier, items, threads=None, *, trust_on_first_use=false))]
#[allow(clippy::type_complexity)]
pub fn verify_distributions(
    py: Python<'_>,
    verifier: &PyVerifier,
    items: Vec<Bound<'_, PyAny>>,
    threads: Option<usize>,
    trust_on_first_use: bool,
) -> PyResult<Vec<(Option<Vec<PyVerifiedBy>>, Option<PyObject>)>> {
    // Items without an expected publisher fail on their own; the others
    // are verified together.
    let mut runnable = Vec::with_capacity(items.len());
    let mut refused = Vec::with_capacity(items.len());
    for item in &items {
        match batch_item(item, trust_on_first_use)? {
            Ok(b) => {
                runnable.push(b);
                refused.push(None);
            }
            Err(e) => refused.push(Some(e)),
        }
    }
    let mut verified = py
        .allow_threads(|| pep740::verify_batch_on(&verifier.inner, &runnable, threads))
        .into_iter();
    let results = refused.into_iter().map(|r| match r {
        Some(e) => Err(e),
        None => verified.next().unwrap_or_else(|| {
            Err(Error::InvalidInput(
                "internal error: a batch result is missing".into(),
            ))
        }),
    });
    Ok(results
        .map(|r| match r {
            Ok(v) => (Some(v.into_iter().map(to_py_by).collect()), None),
            Err(e) => (None, Some(PyErr::from(e).into_value(py).into_any())),
        })
        .collect())
}

/// An index's checks of an upload's attestations (`attestations_json`, the
/// `attestations` form field) for the uploaded `dist`, uploaded through
/// `publisher` (`None`: not a Trusted Publisher). Returns
/// `[(attestation, predicate_type, predicate_json), ...]`; raises
/// `UploadError` with the reason the index answers.
#[pyfunction]
#[pyo3(signature = (verifier, dist, attestations_json, publisher=None))]
pub fn check_upload(
    py: Python<'_>,
    verifier: &PyVerifier,
    dist: &PyDistribution,
    attestations_json: &[u8],
    publisher: Option<&PyPublisher>,
) -> PyResult<Vec<(PyAttestation, String, Option<String>)>> {
    let accepted = py.allow_threads(|| {
        pep740::check_upload(
            &verifier.inner,
            &dist.inner,
            attestations_json,
            publisher.map(|p| &p.inner),
        )
    })?;
    Ok(accepted
        .into_iter()
        .map(|a| {
            let (predicate_type, predicate) = to_py(a.verified);
            (
                PyAttestation {
                    inner: a.attestation,
                },
                predicate_type,
                predicate,
            )
        })
        .collect())
}

/// The provenance object for a file whose upload's `attestations` were
/// accepted from `publisher`.
#[pyfunction]
pub fn build_provenance(
    publisher: &PyPublisher,
    attestations: Vec<PyRef<'_, PyAttestation>>,
) -> PyProvenance {
    let atts: Vec<Attestation> = attestations.iter().map(|a| a.inner.clone()).collect();
    PyProvenance {
        inner: pep740::build_provenance(&publisher.inner, &atts),
    }
}
