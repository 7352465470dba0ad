//! The crate's one error type. Domain modules have their own `thiserror`
//! enums; they are composed here into [`enum@Error`], whose variants map
//! one-to-one onto the Python exception hierarchy (`src/py/errors.rs`).
//!
//! A failed verification is always [`Error::Verification`] with the
//! [`Step`] that failed; every other variant means the input could not be
//! used at all (malformed bundle, trust root, attestation, argument) or an
//! I/O, network or signing service failed.

use thiserror::Error;

/// The verification step that failed, after the Sigstore client
/// specification's verification procedure (see [`crate::verify`] for the
/// order in which the steps run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Fulcio certificate chain at the signing time (leaf and path checks).
    CertificateChain,
    /// Signed certificate timestamps embedded in the leaf.
    Sct,
    /// The transparency log entry's body agrees with the bundle.
    TlogEntry,
    /// The signed entry timestamp (Rekor v1 promise) over the canonical entry.
    SignedEntryTimestamp,
    /// RFC 6962 inclusion proof to the checkpoint's root.
    InclusionProof,
    /// The signed checkpoint (C2SP signed note).
    Checkpoint,
    /// RFC 3161 signed timestamps.
    Timestamp,
    /// Verified signing times inside the certificate's validity.
    SigningTime,
    /// The artifact signature (message signature or DSSE envelope).
    Signature,
    /// The artifact / in-toto subject digest matches the input.
    ArtifactDigest,
    /// The identity policy.
    Policy,
    /// A PEP 740 attestation's in-toto statement names the distribution
    /// (exactly one subject, its file name, a known predicate type).
    Statement,
}

impl Step {
    /// A short human-readable name, as the [`Error::Verification`] message
    /// and the Python `VerificationError.step` give it.
    pub fn name(self) -> &'static str {
        match self {
            Step::CertificateChain => "certificate chain",
            Step::Sct => "signed certificate timestamp",
            Step::TlogEntry => "transparency log entry",
            Step::SignedEntryTimestamp => "signed entry timestamp",
            Step::InclusionProof => "inclusion proof",
            Step::Checkpoint => "checkpoint",
            Step::Timestamp => "signed timestamp",
            Step::SigningTime => "signing time",
            Step::Signature => "signature",
            Step::ArtifactDigest => "artifact digest",
            Step::Policy => "identity policy",
            Step::Statement => "attestation statement",
        }
    }
}

/// Everything that can go wrong in this crate. The message of each variant
/// says what was expected and what was found.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// The bundle is malformed: rejected before any cryptography.
    #[error("invalid bundle: {0}")]
    InvalidBundle(String),
    /// A trusted root, trust config or signing config is malformed.
    #[error("invalid trust root: {0}")]
    InvalidTrustRoot(String),
    /// A caller-supplied argument is malformed (a digest string, a key, a policy).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A verification step failed.
    #[error("verification failed at {} step: {message}", step.name())]
    Verification {
        /// The step that failed.
        step: Step,
        /// What the step expected and what it found.
        message: String,
    },
    /// A PEP 740 attestation, provenance object or publisher is malformed.
    #[error("invalid attestation: {0}")]
    InvalidAttestation(String),
    /// A PEP 751 lock file (`pylock.toml`) is malformed or of an unsupported
    /// version, or names a file or identity that cannot be checked.
    #[error("invalid lock file: {0}")]
    InvalidLock(String),
    /// A Sigstore bundle cannot be converted to or from a PEP 740 attestation.
    #[error("cannot convert between bundle and attestation: {0}")]
    Conversion(String),
    /// Reading a file failed.
    #[error("{0}")]
    Io(String),
    /// A request to a Sigstore service (Rekor) failed or was answered with
    /// something other than what the API defines.
    #[error("network error: {0}")]
    Network(String),
    /// An OIDC identity token is malformed, expired, for another audience,
    /// or could not be obtained (ambient credentials, interactive flow).
    #[error("identity token: {0}")]
    Identity(String),
    /// A signing service (Fulcio, Rekor, TSA) refused the request or
    /// answered with something the client cannot use.
    #[error("signing failed: {0}")]
    Signing(String),
    /// An input of a batch was not signed: the run was stopped before it
    /// started (its `keep_going` answered false; from Python, Ctrl-C).
    #[error("not signed: {0}")]
    NotSigned(String),
    /// Trust material could not be updated through TUF: a repository's
    /// metadata was refused by a check of the client workflow, could not be
    /// fetched, or the local cache could not be used.
    #[error("{0}")]
    TrustUpdate(#[from] crate::tuf::TufError),
    /// Fetching from a package index, or checking what it served against
    /// what was expected, failed (the step is the variant).
    /// (Boxed: its variants carry both publishers, and every `Result` of
    /// the crate would otherwise grow to their size.)
    #[error("{0}")]
    Index(Box<crate::index::IndexError>),
}

impl From<crate::index::IndexError> for Error {
    fn from(e: crate::index::IndexError) -> Self {
        Error::Index(Box::new(e))
    }
}

impl Error {
    pub(crate) fn verification(step: Step, message: impl Into<String>) -> Self {
        Error::Verification {
            step,
            message: message.into(),
        }
    }

    pub(crate) fn bundle(message: impl Into<String>) -> Self {
        Error::InvalidBundle(message.into())
    }

    pub(crate) fn trust(message: impl Into<String>) -> Self {
        Error::InvalidTrustRoot(message.into())
    }
}

/// `std::result::Result` with this crate's [`enum@Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
