//! Why a transparency log check failed: one error type for every check in
//! [`super`], each variant mapped to the verification step it belongs to.

use crate::crypto::{CryptoError, HashAlgorithm};
use crate::error::Step;
use thiserror::Error;

/// Why a transparency log check failed. Messages say what was expected and
/// what was found.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum TlogError {
    #[error("inclusion proof leaf index {index} is not inside a tree of size {tree_size}")]
    IndexOutOfRange { index: u64, tree_size: u64 },
    #[error("inclusion proof for leaf {index} of a tree of size {tree_size} must have {expected} hashes, found {actual}")]
    ProofLength {
        index: u64,
        tree_size: u64,
        expected: usize,
        actual: usize,
    },
    #[error("inclusion proof {field} must be 32 bytes (SHA-256), found {actual}")]
    ProofHashLength { field: String, actual: usize },
    #[error("the entry's logIndex is {entry}, but its inclusion proof is for leaf {proof} (a Rekor v2 log is one tree, so the two must be equal)")]
    LogIndexMismatch { entry: u64, proof: u64 },
    #[error("inclusion proof does not lead to the expected root: expected {expected}, computed {computed}")]
    RootMismatch { expected: String, computed: String },
    #[error("log uses {0:?} for its Merkle tree; only SHA-256 (RFC 6962) is supported")]
    UnsupportedTreeHash(HashAlgorithm),
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(String),
    #[error("checkpoint has no signature by the log key (expected a line with key ID {expected}; found {found})")]
    NoLogSignature { expected: String, found: String },
    #[error("checkpoint signature by {name:?} (key ID {key_id}) does not verify with the log key: {error}")]
    CheckpointSignature {
        name: String,
        key_id: String,
        error: CryptoError,
    },
    #[error("checkpoint signature line with the log's key ID {key_id} is by key name {found:?}, expected {expected:?} (the log's name: its trusted-root baseUrl without the scheme)")]
    CheckpointKeyName {
        key_id: String,
        found: String,
        expected: String,
    },
    #[error(
        "checkpoint origin is {found:?}, expected {expected} (from the log's trusted-root baseUrl)"
    )]
    CheckpointOrigin { found: String, expected: String },
    #[error("log {log_id} has baseUrl {base_url:?} in the trusted root, which names no log: its checkpoints cannot be matched to it")]
    UnnamedLog { log_id: String, base_url: String },
    #[error("checkpoint does not match the inclusion proof: {field} is {checkpoint} in the checkpoint but {proof} in the proof")]
    CheckpointMismatch {
        field: &'static str,
        checkpoint: String,
        proof: String,
    },
    #[error("signed entry timestamp does not verify with the log key {log_id}: {error}")]
    SetSignature { log_id: String, error: CryptoError },
    #[error("malformed log entry body: {0}")]
    MalformedBody(String),
    #[error("log entry body is {found}, but the entry's kindVersion says {expected}")]
    KindMismatch { expected: String, found: String },
    #[error("unsupported log entry kind {0}")]
    UnsupportedKind(String),
    #[error("log entry is from log {0}, which is not in the trusted root")]
    UnknownLog(String),
    #[error("log entry does not match the bundle: {field} is {entry} in the log entry but {bundle} in the bundle")]
    BodyMismatch {
        field: &'static str,
        entry: String,
        bundle: String,
    },
    /// As [`TlogError::BodyMismatch`], for the key or certificate the entry
    /// records: `bundle` is the verifier the caller compared with, which
    /// for a managed key is the caller's key, not the bundle's (the
    /// verifier words that case itself).
    #[error("log entry does not match the bundle: {field} is {entry} in the log entry but {bundle} in the bundle")]
    VerifierMismatch {
        field: &'static str,
        entry: String,
        bundle: String,
    },
}

impl TlogError {
    /// The verification step this failure belongs to, for composing into
    /// [`crate::Error::Verification`].
    pub fn step(&self) -> Step {
        match self {
            TlogError::IndexOutOfRange { .. }
            | TlogError::ProofLength { .. }
            | TlogError::ProofHashLength { .. }
            | TlogError::RootMismatch { .. }
            | TlogError::LogIndexMismatch { .. }
            | TlogError::UnsupportedTreeHash(_) => Step::InclusionProof,
            TlogError::MalformedCheckpoint(_)
            | TlogError::NoLogSignature { .. }
            | TlogError::CheckpointSignature { .. }
            | TlogError::CheckpointKeyName { .. }
            | TlogError::CheckpointOrigin { .. }
            | TlogError::UnnamedLog { .. }
            | TlogError::CheckpointMismatch { .. } => Step::Checkpoint,
            TlogError::SetSignature { .. } => Step::SignedEntryTimestamp,
            TlogError::MalformedBody(_)
            | TlogError::KindMismatch { .. }
            | TlogError::UnsupportedKind(_)
            | TlogError::UnknownLog(_)
            | TlogError::BodyMismatch { .. }
            | TlogError::VerifierMismatch { .. } => Step::TlogEntry,
        }
    }
}

impl From<TlogError> for crate::Error {
    fn from(e: TlogError) -> Self {
        crate::Error::verification(e.step(), e.to_string())
    }
}

/// A body that is not what its kind's schema says.
pub(super) fn malformed(m: impl Into<String>) -> TlogError {
    TlogError::MalformedBody(m.into())
}
