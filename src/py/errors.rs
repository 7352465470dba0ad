//! The single mapping of [`crate::Error`] to Python exceptions.
//!
//! The exception classes are defined in Python (`sigstore_rs/errors.py`) so
//! they type-check and document like any Python class; they are looked up at
//! conversion time. Every exception's message is the Rust `Display` text;
//! verification failures also carry `.step` (the [`Step::name`]).

use crate::error::{Error, Step};
use crate::index::IndexError;
use crate::pep740::UploadError;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyString;

const ERRORS_MODULE: &str = "sigstore_rs.errors";

/// The Python class for each failed verification step. An exhaustive match,
/// so a new [`Step`] cannot be added without choosing its exception.
fn step_class(step: Step) -> &'static str {
    match step {
        Step::CertificateChain => "CertificateChainError",
        Step::Sct => "SctError",
        Step::TlogEntry => "TlogEntryError",
        Step::SignedEntryTimestamp => "SignedEntryTimestampError",
        Step::InclusionProof => "InclusionProofError",
        Step::Checkpoint => "CheckpointError",
        Step::Timestamp => "TimestampError",
        Step::SigningTime => "SigningTimeError",
        Step::Signature => "SignatureError",
        Step::ArtifactDigest => "ArtifactDigestError",
        Step::Policy => "PolicyError",
        Step::Statement => "StatementError",
    }
}

const ALL_STEPS: [Step; 12] = [
    Step::CertificateChain,
    Step::Sct,
    Step::TlogEntry,
    Step::SignedEntryTimestamp,
    Step::InclusionProof,
    Step::Checkpoint,
    Step::Timestamp,
    Step::SigningTime,
    Step::Signature,
    Step::ArtifactDigest,
    Step::Policy,
    Step::Statement,
];

fn class_name(err: &Error) -> &'static str {
    match err {
        Error::InvalidBundle(_) => "InvalidBundle",
        Error::InvalidTrustRoot(_) => "InvalidTrustRoot",
        Error::InvalidInput(_) => "InvalidInput",
        Error::Verification { step, .. } => step_class(*step),
        Error::InvalidAttestation(_) => "InvalidAttestation",
        Error::Conversion(_) => "ConversionError",
        Error::InvalidLock(_) => "InvalidLock",
        Error::Io(_) => "FileError",
        Error::Network(_) => "NetworkError",
        Error::Identity(_) => "IdentityError",
        Error::Signing(_) => "SigningError",
        Error::NotSigned(_) => "NotSignedError",
        Error::TrustUpdate(_) => "TrustUpdateError",
        Error::Index(e) => index_class(e),
    }
}

/// The Python class for each failed step between an index and a verified
/// file (`sigstore_rs.errors`, subclasses of `PackageIndexError`).
fn index_class(err: &IndexError) -> &'static str {
    match err {
        IndexError::Fetch { .. } => "IndexFetchError",
        IndexError::Page { .. } => "IndexPageError",
        IndexError::NotFound { .. } => "NotOnIndexError",
        IndexError::NoProvenance { .. } => "NoProvenanceError",
        IndexError::MalformedProvenance { .. } => "MalformedProvenanceError",
        IndexError::Download { .. } => "DownloadError",
        IndexError::HashMismatch { .. } => "HashMismatchError",
        IndexError::PublisherMismatch { .. } => "PublisherMismatchError",
    }
}

/// The Python exception of class `class` (in `sigstore_rs.errors`) with
/// `message`, and `.step` if a verification step failed.
fn py_err(class: &str, message: String, step: Option<Step>) -> PyErr {
    Python::with_gil(|py| {
        let build = || -> PyResult<PyErr> {
            let cls = py.import(ERRORS_MODULE)?.getattr(class)?;
            let exc = cls.call1((message.clone(),))?;
            if let Some(step) = step {
                exc.setattr("step", step.name())?;
            }
            Ok(PyErr::from_value(exc))
        };
        // Only reachable if the façade package is broken or shadowed;
        // still surface the original message.
        build().unwrap_or_else(|import_err| {
            let e = PyRuntimeError::new_err(message.clone());
            e.set_cause(py, Some(import_err));
            e
        })
    })
}

impl From<Error> for PyErr {
    fn from(err: Error) -> PyErr {
        let step = match &err {
            Error::Verification { step, .. } => Some(*step),
            _ => None,
        };
        py_err(class_name(&err), err.to_string(), step)
    }
}

/// An index's refusal of an upload's attestations: `UploadError`, whose
/// message is the reason (what the index answers after
/// `UPLOAD_HTTP_400_PREFIX`), with `.step` the failed verification step, if
/// one failed.
impl From<UploadError> for PyErr {
    fn from(err: UploadError) -> PyErr {
        let step = match &err {
            UploadError::Verification { step, .. } => Some(*step),
            _ => None,
        };
        py_err("UploadError", err.to_string(), step)
    }
}

/// A `str` argument as Rust text. A Python `str` may hold lone surrogates
/// (`"\ud800"`), which UTF-8 cannot encode; such an argument is malformed
/// input like any other, so it raises `InvalidInput` rather than Python's
/// `UnicodeEncodeError`. (A non-`str` still raises pyo3's `TypeError`.)
pub(crate) struct Text(pub(crate) String);

impl<'py> FromPyObject<'py> for Text {
    fn extract_bound(ob: &Bound<'py, PyAny>) -> PyResult<Self> {
        let s = ob.downcast::<PyString>()?;
        match s.to_cow() {
            Ok(t) => Ok(Text(t.into_owned())),
            Err(e) => Err(Error::InvalidInput(format!(
                "a str argument is not Unicode text: {}",
                e.value(ob.py())
            ))
            .into()),
        }
    }
}

/// Builds (does not raise) the exception the binding would raise for an
/// error of Python class `kind`, so tests can check the mapping without
/// crafting a failing bundle for every step.
#[pyfunction]
pub fn _error_for_testing(kind: &str, message: String) -> PyResult<PyErr> {
    let err = match kind {
        "InvalidBundle" => Error::InvalidBundle(message),
        "InvalidTrustRoot" => Error::InvalidTrustRoot(message),
        "InvalidInput" => Error::InvalidInput(message),
        "FileError" => Error::Io(message),
        "InvalidAttestation" => Error::InvalidAttestation(message),
        "ConversionError" => Error::Conversion(message),
        "InvalidLock" => Error::InvalidLock(message),
        "NetworkError" => Error::Network(message),
        "IdentityError" => Error::Identity(message),
        "SigningError" => Error::Signing(message),
        "NotSignedError" => Error::NotSigned(message),
        "TrustUpdateError" => Error::TrustUpdate(crate::tuf::TufError::Io(message)),
        _ => match ALL_STEPS.into_iter().find(|s| step_class(*s) == kind) {
            Some(step) => Error::Verification { step, message },
            None => return Err(Error::InvalidInput(format!("unknown error kind {kind:?}")).into()),
        },
    };
    Ok(err.into())
}
