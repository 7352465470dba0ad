//! Transparency log material: RFC 6962 Merkle inclusion proofs, C2SP signed
//! checkpoints, Rekor v1 signed entry timestamps (SETs) and Rekor v1 and v2
//! entry bodies, with the comparisons that bind a log entry to a bundle's
//! content.
//!
//! Everything here is sans-IO and goes through [`CryptoBackend`] for hashing
//! and signature verification. Inputs are the decoded pieces of a bundle's
//! `TransparencyLogEntry` (protobuf-specs `dev.sigstore.rekor.v1`), so this
//! module does not depend on the bundle types.
//!
//! What a caller (the verifier) still owns: choosing the log by the entry's
//! `logId` (see [`select_log`]), checking that the log key was valid at the
//! entry's integrated time (Rekor v1) or at the RFC 3161 time (Rekor v2
//! entries have neither integrated time nor SET), and the cryptographic
//! check of the artifact signature itself.

mod checkpoint;
mod merkle;
mod rekor_v1;
mod rekor_v2;
mod set;

pub use checkpoint::{verify_checkpoint, Checkpoint, RekorVersion};
pub use merkle::{leaf_hash, verify_inclusion};
pub use rekor_v1::{check_dsse, check_hashedrekord, parse_body, DsseInput, EntryBody};
pub use set::verify_set;
// What the local instance's Rekor v1 signs, and the tests with it.
#[cfg(any(test, feature = "testing"))]
pub use set::set_payload;

// What the tests (and the fuzz targets) inspect beyond the checks the
// verifier needs.
#[cfg(any(test, feature = "fuzzing"))]
pub use checkpoint::{parse_checkpoint, SignedNote};
#[cfg(test)]
pub use checkpoint::{verify_checkpoint_any, LogName};
#[cfg(test)]
pub use merkle::node_hash;
#[cfg(test)]
pub use rekor_v2::VerifierMaterial;

use crate::crypto::{CryptoBackend, CryptoError, HashAlgorithm};
use crate::error::Step;
use crate::trust::TransparencyLog;
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

/// Chooses the trusted log for an entry by its `logId.keyId`, for Rekor v1
/// and v2 alike: the one log whose trusted-root `logId.keyId` equals it
/// byte for byte.
///
/// What that ID is differs by log version, but the trusted root and the
/// bundle use the same value, so nothing is derived here:
///
/// * Rekor v1: SHA-256 of the log's DER public key (RFC 6962 log ID).
/// * Rekor v2: the full 32-byte C2SP signed-note key hash of the checkpoint
///   key, SHA-256(origin || 0x0A || 0x01 || Ed25519 key) with origin the
///   log's host (e.g. `log2025-alpha3.rekor.sigstage.dev`); its first 4
///   bytes are the key ID on the log's checkpoint signature line. This is
///   what the staging and production trusted roots hold in `logId.keyId`
///   (none of them sets `checkpointKeyId`) and what Rekor v2 writes in the
///   bundle (checked against the recorded fixtures in the tests).
///
/// `checkpointKeyId` is deliberately not a second way in: it names signature
/// lines in a checkpoint ([`verify_checkpoint`] honours it), not entries.
/// Both kinds of ID are hashes of the log key, so trusted-root entries that
/// share one share the key; the first is returned, as
/// [`crate::trust::TrustedRoot::tlog_by_id`] does.
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "the verifier selects through TrustedRoot::tlog_by_id; the tests pin the selection rule here"
    )
)]
pub fn select_log<'a>(
    logs: &'a [TransparencyLog],
    log_id: &[u8],
) -> Result<&'a TransparencyLog, TlogError> {
    logs.iter().find(|l| l.log_id == log_id).ok_or_else(|| {
        TlogError::UnknownLog(format!(
            "{}{}",
            hex::encode(log_id),
            crate::trust::TrustedRoot::instance_hint_for_log(log_id)
        ))
    })
}

/// protobuf-specs `dev.sigstore.rekor.v1.InclusionProof`, decoded:
///
/// ```text
/// message InclusionProof {
///   int64 log_index = 1;          // index of the entry in this tree (shard)
///   bytes root_hash = 2;          // RFC 6962 root at tree_size
///   int64 tree_size = 3;
///   repeated bytes hashes = 4;    // audit path, leaf to root
///   Checkpoint checkpoint = 5;    // { string envelope = 1; } a signed note
/// }
/// ```
///
/// `log_index` here is the index within the tree that signed the checkpoint,
/// which for sharded Rekor v1 differs from the entry's global `logIndex`.
#[derive(Debug, Clone, Copy)]
pub struct InclusionProof<'a> {
    pub log_index: u64,
    pub tree_size: u64,
    pub root_hash: &'a [u8],
    pub hashes: &'a [Vec<u8>],
    /// The checkpoint's signed note text (`checkpoint.envelope`); absent in
    /// some v0.1 bundles, where the caller decides whether that is acceptable.
    pub checkpoint: Option<&'a str>,
}

/// For a Rekor v2 entry, its `logIndex` must be the leaf its inclusion proof
/// proves. Rekor v2 logs are a single tree, so the two are the same number;
/// without a SET nothing else vouches for the entry's `logIndex`, which
/// callers display and use to look the entry up.
///
/// Rekor v1 logs are sharded: the entry's index is global and the proof's
/// is within the shard, so they differ, and the SET signs the global one.
pub fn check_log_index(
    version: RekorVersion,
    entry_index: u64,
    proof_index: u64,
) -> Result<(), TlogError> {
    if version == RekorVersion::V2 && entry_index != proof_index {
        return Err(TlogError::LogIndexMismatch {
            entry: entry_index,
            proof: proof_index,
        });
    }
    Ok(())
}

/// Verifies that `canonicalized_body` is in `log`: the Merkle inclusion proof
/// leads from the body's leaf hash to the proof's root, the checkpoint is
/// signed by the log key, and the checkpoint commits to that same root and
/// tree size (otherwise a valid proof against some other tree could be
/// paired with any valid checkpoint). Returns the verified checkpoint, or
/// `None` when the proof carries none (only the Merkle path was checked).
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "the verifier runs these checks itself on the bundle's already-decoded proof (Verifier::check_inclusion); the tests exercise the raw-bytes form"
    )
)]
pub fn verify_inclusion_proof(
    crypto: &dyn CryptoBackend,
    log: &TransparencyLog,
    version: RekorVersion,
    canonicalized_body: &[u8],
    proof: &InclusionProof<'_>,
) -> Result<Option<Checkpoint>, TlogError> {
    if log.hash_algorithm != HashAlgorithm::Sha256 {
        return Err(TlogError::UnsupportedTreeHash(log.hash_algorithm));
    }
    let root = hash32("rootHash", proof.root_hash)?;
    let hashes = proof
        .hashes
        .iter()
        .enumerate()
        .map(|(i, h)| hash32(&format!("hashes[{i}]"), h))
        .collect::<Result<Vec<_>, _>>()?;
    let leaf = leaf_hash(crypto, canonicalized_body);
    verify_inclusion(
        crypto,
        &leaf,
        proof.log_index,
        proof.tree_size,
        &hashes,
        &root,
    )?;

    let Some(note) = proof.checkpoint else {
        return Ok(None);
    };
    let checkpoint = verify_checkpoint(crypto, note, log, version)?;
    if checkpoint.tree_size != proof.tree_size {
        return Err(TlogError::CheckpointMismatch {
            field: "tree size",
            checkpoint: checkpoint.tree_size.to_string(),
            proof: proof.tree_size.to_string(),
        });
    }
    if checkpoint.root_hash != root {
        return Err(TlogError::CheckpointMismatch {
            field: "root hash",
            checkpoint: hex::encode(checkpoint.root_hash),
            proof: hex::encode(root),
        });
    }
    Ok(Some(checkpoint))
}

fn hash32(field: &str, bytes: &[u8]) -> Result<[u8; 32], TlogError> {
    <[u8; 32]>::try_from(bytes).map_err(|_| TlogError::ProofHashLength {
        field: field.to_string(),
        actual: bytes.len(),
    })
}

/// SHA-256 over the concatenation of `parts`, as a fixed-size array.
pub(crate) fn sha256(crypto: &dyn CryptoBackend, parts: &[&[u8]]) -> [u8; 32] {
    let mut h = crypto.hasher(HashAlgorithm::Sha256);
    for p in parts {
        h.update(p);
    }
    let digest = h.finish();
    let mut out = [0u8; 32];
    for (o, b) in out.iter_mut().zip(digest.as_bytes()) {
        *o = *b;
    }
    out
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_v2;
