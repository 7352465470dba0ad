//! RFC 6962 Merkle tree hashing and inclusion proof verification.
//!
//! RFC 6962 §2.1 (unchanged in RFC 9162 §2.1.1):
//!
//! ```text
//! MTH({d(0)}) = SHA-256(0x00 || d(0))                       leaf hash
//! MTH(D[n])   = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))  node hash
//! ```
//!
//! The domain-separation prefixes stop a leaf from being passed off as an
//! interior node (second-preimage attacks on the tree).

use super::TlogError;
use crate::crypto::{CryptoBackend, HashAlgorithm};

/// SHA-256 over the concatenation of `parts`, as a fixed-size array: the
/// tree hash, which checkpoints also use for their key IDs.
pub fn sha256(crypto: &dyn CryptoBackend, parts: &[&[u8]]) -> [u8; 32] {
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

/// `SHA-256(0x00 || data)`: the hash of one log entry (the canonicalized body).
pub fn leaf_hash(crypto: &dyn CryptoBackend, data: &[u8]) -> [u8; 32] {
    sha256(crypto, &[&[0x00], data])
}

/// `SHA-256(0x01 || left || right)`: the hash of an interior node.
pub fn node_hash(crypto: &dyn CryptoBackend, left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    sha256(crypto, &[&[0x01], left, right])
}

/// The number of hashes an inclusion proof for `index` in a tree of
/// `tree_size` leaves has: the levels where the leaf's path and the last
/// leaf's path differ ("inner"), plus one per left-hand full subtree above
/// them ("border"), as in RFC 9162 §2.1.3.1.
fn proof_len(index: u64, tree_size: u64) -> usize {
    let last = tree_size - 1;
    let inner = 64 - (index ^ last).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner + border) as usize
}

/// Verifies an inclusion proof (RFC 9162 §2.1.3.2): that `leaf_hash` is the
/// leaf at `index` of the tree of `tree_size` leaves whose root is `root`,
/// with `proof` the audit path from the leaf upwards.
///
/// The proof length is checked up front, so a proof with hashes missing or
/// appended is reported as such rather than as a root mismatch.
pub fn verify_inclusion(
    crypto: &dyn CryptoBackend,
    leaf_hash: &[u8; 32],
    index: u64,
    tree_size: u64,
    proof: &[[u8; 32]],
    root: &[u8; 32],
) -> Result<(), TlogError> {
    if index >= tree_size {
        return Err(TlogError::IndexOutOfRange { index, tree_size });
    }
    let expected = proof_len(index, tree_size);
    if proof.len() != expected {
        return Err(TlogError::ProofLength {
            index,
            tree_size,
            expected,
            actual: proof.len(),
        });
    }

    // RFC 9162 §2.1.3.2: walk up with fn = the leaf's position and sn = the
    // last leaf's position at each level; where fn is a right child (or the
    // rightmost node, which has no sibling at this level) the proof hash goes
    // on the left.
    let mut fnode = index;
    let mut snode = tree_size - 1;
    let mut r = *leaf_hash;
    for p in proof {
        if snode == 0 {
            // Unreachable given the length check; kept so a wrong length
            // computation can never turn into a wrong acceptance.
            return Err(TlogError::ProofLength {
                index,
                tree_size,
                expected,
                actual: proof.len(),
            });
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(crypto, p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(crypto, &r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 || r != *root {
        return Err(TlogError::RootMismatch {
            expected: hex::encode(root),
            computed: hex::encode(r),
        });
    }
    Ok(())
}
