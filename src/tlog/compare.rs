//! The comparisons of a logged body with a bundle that the Rekor v1 kinds
//! ([`super::rekor_v1`]) and the Rekor v2 kinds ([`super::rekor_v2`])
//! share: a hashedrekord's digest and signature, a DSSE entry's payload hash
//! and its set of signatures, and how a mismatch shows what differs
//! (signatures in base64, DER and payloads by their SHA-256).

use super::TlogError;
use crate::crypto::{CryptoBackend, Digest, HashAlgorithm};
use base64::Engine as _;

pub(super) fn b64e(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Names `bytes` (`what`: DER, a payload) by its SHA-256, which is what a
/// reader can compare.
pub(super) fn fingerprint(crypto: &dyn CryptoBackend, what: &str, bytes: &[u8]) -> String {
    format!(
        "{what} with SHA-256 {}",
        crypto.digest(HashAlgorithm::Sha256, bytes).to_hex()
    )
}

/// A hashedrekord (0.0.1 or 0.0.2) against a message signature: the same
/// artifact digest (algorithm and bytes), then the same signature. The
/// verifier, recorded differently by each kind, is the caller's to compare.
pub(super) fn check_digest_and_signature(
    recorded_digest: &Digest,
    recorded_signature: &[u8],
    digest: &Digest,
    signature: &[u8],
) -> Result<(), TlogError> {
    if recorded_digest != digest {
        return Err(TlogError::BodyMismatch {
            field: "artifact digest",
            entry: format!("{recorded_digest:?}"),
            bundle: format!("{digest:?}"),
        });
    }
    if recorded_signature != signature {
        return Err(TlogError::BodyMismatch {
            field: "signature",
            entry: b64e(recorded_signature),
            bundle: b64e(signature),
        });
    }
    Ok(())
}

/// The payload hash a DSSE entry records against the envelope's payload,
/// hashed with the recorded algorithm.
pub(super) fn check_payload_hash(
    crypto: &dyn CryptoBackend,
    recorded: &Digest,
    payload: &[u8],
) -> Result<(), TlogError> {
    let actual = crypto.digest(recorded.algorithm(), payload);
    if actual != *recorded {
        return Err(TlogError::BodyMismatch {
            field: "DSSE payload hash",
            entry: format!("{recorded:?}"),
            bundle: format!("{actual:?}"),
        });
    }
    Ok(())
}

/// Pairs each envelope signature with a distinct recorded one carrying the
/// same bytes (the two must be equal as multisets). Returns the recorded
/// entries in envelope order, for the caller to compare their verifiers.
pub(super) fn match_signatures<'a, T>(
    recorded: &'a [T],
    signature_of: impl Fn(&T) -> &[u8],
    envelope: &[Vec<u8>],
) -> Result<Vec<&'a T>, TlogError> {
    if recorded.len() != envelope.len() {
        return Err(TlogError::BodyMismatch {
            field: "number of DSSE signatures",
            entry: recorded.len().to_string(),
            bundle: envelope.len().to_string(),
        });
    }
    let mut used = vec![false; recorded.len()];
    let mut matched = Vec::with_capacity(envelope.len());
    for sig in envelope {
        let found = recorded.iter().enumerate().find(|(i, r)| {
            !used.get(*i).copied().unwrap_or(true) && signature_of(r) == sig.as_slice()
        });
        let Some((i, r)) = found else {
            return Err(TlogError::BodyMismatch {
                field: "DSSE signature",
                entry: recorded
                    .iter()
                    .map(|r| b64e(signature_of(r)))
                    .collect::<Vec<_>>()
                    .join(", "),
                bundle: b64e(sig),
            });
        };
        if let Some(u) = used.get_mut(i) {
            *u = true;
        }
        matched.push(r);
    }
    Ok(matched)
}
