//! An in-memory RFC 6962 Merkle tree: the leaves of a transparency log, its
//! root hash and inclusion proofs (RFC 6962 §2.1, `MTH` and `PATH`).

use sha2::{Digest as _, Sha256};

pub type Hash = [u8; 32];

pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

fn node_hash(l: &Hash, r: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(l);
    h.update(r);
    h.finalize().into()
}

/// The largest power of two smaller than `n` (n > 1).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// `MTH(D[n])` over leaf hashes.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// `PATH(m, D[n])`: the audit path of leaf `m`, leaf-most first.
pub fn inclusion_path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 || m >= n {
        return Vec::new();
    }
    let k = split(n);
    if m < k {
        let mut p = inclusion_path(m, &leaves[..k]);
        p.push(root(&leaves[k..]));
        p
    } else {
        let mut p = inclusion_path(m - k, &leaves[k..]);
        p.push(root(&leaves[..k]));
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::all_backends;

    #[test]
    fn paths_verify_with_our_verifier() {
        let leaves: Vec<Hash> = (0..13u8).map(|i| leaf_hash(&[i])).collect();
        for n in 1..=leaves.len() {
            let r = root(&leaves[..n]);
            for m in 0..n {
                let path = inclusion_path(m, &leaves[..n]);
                for c in all_backends() {
                    crate::tlog::verify_inclusion(c, &leaves[m], m as u64, n as u64, &path, &r)
                        .unwrap_or_else(|e| panic!("{m}/{n}: {e}"));
                }
            }
        }
    }
}
