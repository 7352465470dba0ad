//! Rekor v1 signed entry timestamps (protobuf-specs `InclusionPromise`).
//!
//! Rekor v1 signs, with its log key, the RFC 8785 canonical JSON of:
//!
//! ```text
//! {"body":"<base64 canonicalized body>","integratedTime":<unix secs>,
//!  "logID":"<hex log ID>","logIndex":<global log index>}
//! ```
//!
//! (keys in this order, no whitespace). `logIndex` is the entry's global
//! index, not the inclusion proof's per-shard index.

use super::TlogError;
use crate::crypto::CryptoBackend;
use crate::trust::TransparencyLog;
use base64::Engine as _;

/// The exact bytes a Rekor v1 SET signs. All values are ASCII (base64, hex,
/// integers), so RFC 8785 canonicalization reduces to sorted keys and no
/// whitespace; no string here ever needs escaping.
pub fn set_payload(
    canonicalized_body: &[u8],
    integrated_time: i64,
    log_id: &[u8],
    log_index: i64,
) -> Vec<u8> {
    let body = base64::engine::general_purpose::STANDARD.encode(canonicalized_body);
    format!(
        r#"{{"body":"{body}","integratedTime":{integrated_time},"logID":"{}","logIndex":{log_index}}}"#,
        hex::encode(log_id)
    )
    .into_bytes()
}

/// Verifies a Rekor v1 signed entry timestamp `set` over the entry
/// (`canonicalized_body` as decoded bytes; it is re-encoded in standard
/// padded base64 as Rekor signed it) with `log`'s key and signature scheme.
///
/// The caller checks that the log key was valid at `integrated_time`.
pub fn verify_set(
    crypto: &dyn CryptoBackend,
    log: &TransparencyLog,
    canonicalized_body: &[u8],
    integrated_time: i64,
    log_index: i64,
    set: &[u8],
) -> Result<(), TlogError> {
    let payload = set_payload(canonicalized_body, integrated_time, &log.log_id, log_index);
    crypto
        .verify(&log.key.spki_der, log.key.algorithm, &payload, set)
        .map_err(|error| TlogError::SetSignature {
            log_id: hex::encode(&log.log_id),
            error,
        })
}
