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
//!
//! One file per concept, none importing a file that imports it:
//!
//! * `body.rs`: an entry body of any kind ([`EntryBody`]) and the checks
//!   that bind it to a bundle, dispatching to the kinds in `rekor_v1.rs`
//!   (Rekor's JSON schemas) and `rekor_v2.rs` (protobuf JSON), which share
//!   the comparisons in `compare.rs`;
//! * `merkle.rs`: RFC 6962 hashing and inclusion; `checkpoint.rs`: C2SP
//!   signed notes; `set.rs`: Rekor v1 signed entry timestamps;
//! * `error.rs`: [`TlogError`], mapped to verification steps;
//! * here: log selection and the inclusion proof with its checkpoint.

mod body;
mod checkpoint;
mod compare;
mod error;
mod merkle;
mod rekor_v1;
mod rekor_v2;
mod set;

pub use body::{check_dsse, check_hashedrekord, parse_body, DsseInput, EntryBody};
pub use checkpoint::{verify_checkpoint, Checkpoint, RekorVersion};
pub use error::TlogError;
pub use merkle::{leaf_hash, verify_inclusion};
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
pub use merkle::{node_hash, sha256};
#[cfg(test)]
pub use rekor_v2::VerifierMaterial;

use crate::crypto::{CryptoBackend, HashAlgorithm};
use crate::trust::TransparencyLog;

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

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_v2;
