//! Wire shapes of Rekor v1 log entries outside a Sigstore bundle. Only
//! shapes are checked here; meaning is checked in `mod.rs`. Unknown fields
//! are ignored, as the Go and Python clients ignore them.

use serde::Deserialize;

/// Rekor v1 OpenAPI (`openapi.yaml`), the value under each entry UUID of a
/// `LogEntry` (`GET /api/v1/log/entries/{entryUUID}` returns
/// `{"<uuid>": LogEntryAnon}`):
///
/// ```text
/// LogEntry: type: object, additionalProperties:
///   required: [logID, logIndex, body, integratedTime]
///   logID:          string   # SHA-256 of the log's DER public key, hex
///   logIndex:       integer  # global index
///   body:           base64 of the canonicalized entry
///   integratedTime: integer  # Unix seconds
///   attestation:    { data }
///   verification:   { inclusionProof: InclusionProof, signedEntryTimestamp: base64 }
/// ```
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiEntry {
    #[serde(rename = "logID")]
    pub log_id: Option<String>,
    pub log_index: Option<Int>,
    pub body: Option<String>,
    pub integrated_time: Option<Int>,
    pub verification: Option<Verification>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    pub inclusion_proof: Option<ApiInclusionProof>,
    pub signed_entry_timestamp: Option<String>,
}

/// ```text
/// InclusionProof: required: [logIndex, rootHash, treeSize, hashes, checkpoint]
///   logIndex: integer    # index in the shard's tree, not the global index
///   rootHash: string     # hex, 64 characters
///   treeSize: integer
///   hashes:   [string]   # hex, leaf to root
///   checkpoint: string   # the signed note committing to rootHash
/// ```
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiInclusionProof {
    pub log_index: Option<Int>,
    pub root_hash: Option<String>,
    pub tree_size: Option<Int>,
    #[serde(default)]
    pub hashes: Vec<String>,
    pub checkpoint: Option<String>,
}

/// cosign's offline Rekor bundle (`pkg/cosign/bundle.RekorBundle`), which
/// sigstore-python 1.x wrote with `sign --rekor-bundle`:
///
/// ```text
/// {"SignedEntryTimestamp": base64,
///  "Payload": {"body": base64, "integratedTime": int, "logIndex": int, "logID": hex}}
/// ```
#[derive(Deserialize)]
pub struct RekorBundle {
    #[serde(rename = "SignedEntryTimestamp")]
    pub signed_entry_timestamp: Option<String>,
    #[serde(rename = "Payload")]
    pub payload: Option<RekorPayload>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RekorPayload {
    pub body: Option<String>,
    pub integrated_time: Option<Int>,
    pub log_index: Option<Int>,
    #[serde(rename = "logID")]
    pub log_id: Option<String>,
}

/// cosign's `sign-blob --bundle` file (`pkg/cosign.LocalSignedPayload`):
/// the signature and certificate beside the Rekor bundle.
///
/// ```text
/// {"base64Signature": base64, "cert": base64 of the PEM certificate, "rekorBundle": RekorBundle}
/// ```
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalSignedPayload {
    pub base64_signature: Option<String>,
    pub cert: Option<String>,
    pub rekor_bundle: Option<RekorBundle>,
}

/// Rekor writes integers as JSON numbers; a string is accepted too, as
/// protobuf-JSON writers produce for int64.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum Int {
    Num(i64),
    Str(String),
}
