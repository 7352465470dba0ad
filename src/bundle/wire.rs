//! protobuf-specs `dev.sigstore.bundle.v1.Bundle`, canonical JSON mapping:
//! camelCase names, `bytes` as base64, `int64` as decimal strings.
//! Only shapes are checked here; meaning is checked in `mod.rs`.
//!
//! "Parsers accept both the lowerCamelCase name (or the one specified by the
//! `json_name` option) and the original proto field name"
//! (<https://protobuf.dev/programming-guides/json/>), so every field whose
//! proto name differs from its JSON name has it as a serde `alias`. serde
//! maps both names to one field, so an object giving both is rejected as a
//! duplicate field, as is a key given twice. The DSSE envelope's proto field
//! is `payloadType` itself (`envelope.proto`), so it has no other name.

use serde::Deserialize;

/// `message Bundle { string media_type = 1; VerificationMaterial verification_material = 2;
///   oneof content { MessageSignature message_signature = 3; io.intoto.Envelope dsse_envelope = 4; } }`
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    #[serde(alias = "media_type")]
    pub media_type: Option<String>,
    #[serde(alias = "verification_material")]
    pub verification_material: Option<VerificationMaterial>,
    #[serde(alias = "message_signature")]
    pub message_signature: Option<MessageSignature>,
    #[serde(alias = "dsse_envelope")]
    pub dsse_envelope: Option<Envelope>,
}

/// `message VerificationMaterial { oneof content { PublicKeyIdentifier public_key = 1;
///   X509CertificateChain x509_certificate_chain = 2; X509Certificate certificate = 5; }
///   repeated TransparencyLogEntry tlog_entries = 3; TimestampVerificationData timestamp_verification_data = 4; }`
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationMaterial {
    #[serde(alias = "public_key")]
    pub public_key: Option<PublicKeyIdentifier>,
    #[serde(alias = "x509_certificate_chain")]
    pub x509_certificate_chain: Option<CertificateChain>,
    pub certificate: Option<RawBytes>,
    #[serde(default)]
    #[serde(alias = "tlog_entries")]
    pub tlog_entries: Vec<TransparencyLogEntry>,
    #[serde(alias = "timestamp_verification_data")]
    pub timestamp_verification_data: Option<TimestampVerificationData>,
}

/// `message PublicKeyIdentifier { string hint = 1; }`
#[derive(Deserialize)]
pub struct PublicKeyIdentifier {
    pub hint: Option<String>,
}

#[derive(Deserialize)]
pub struct CertificateChain {
    #[serde(default)]
    pub certificates: Vec<RawBytes>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawBytes {
    #[serde(alias = "raw_bytes")]
    pub raw_bytes: Option<String>,
}

/// `message TimestampVerificationData { repeated RFC3161SignedTimestamp rfc3161_timestamps = 1; }`
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimestampVerificationData {
    #[serde(default)]
    #[serde(alias = "rfc3161_timestamps")]
    pub rfc3161_timestamps: Vec<SignedTimestamp>,
}

/// `message RFC3161SignedTimestamp { bytes signed_timestamp = 1; }`
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedTimestamp {
    #[serde(alias = "signed_timestamp")]
    pub signed_timestamp: Option<String>,
}

/// `message TransparencyLogEntry { int64 log_index = 1; LogId log_id = 2; KindVersion kind_version = 3;
///   int64 integrated_time = 4; InclusionPromise inclusion_promise = 5; InclusionProof inclusion_proof = 6;
///   bytes canonicalized_body = 7; }`
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransparencyLogEntry {
    #[serde(alias = "log_index")]
    pub log_index: Option<Int64>,
    #[serde(alias = "log_id")]
    pub log_id: Option<LogId>,
    #[serde(alias = "kind_version")]
    pub kind_version: Option<KindVersion>,
    #[serde(alias = "integrated_time")]
    pub integrated_time: Option<Int64>,
    #[serde(alias = "inclusion_promise")]
    pub inclusion_promise: Option<InclusionPromise>,
    #[serde(alias = "inclusion_proof")]
    pub inclusion_proof: Option<InclusionProof>,
    #[serde(alias = "canonicalized_body")]
    pub canonicalized_body: Option<String>,
}

/// protobuf JSON writes int64 as a string but parsers accept numbers too.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum Int64 {
    Str(String),
    Num(i64),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogId {
    #[serde(alias = "key_id")]
    pub key_id: Option<String>,
}

#[derive(Deserialize)]
pub struct KindVersion {
    pub kind: Option<String>,
    pub version: Option<String>,
}

/// `message InclusionPromise { bytes signed_entry_timestamp = 1; }`
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionPromise {
    #[serde(alias = "signed_entry_timestamp")]
    pub signed_entry_timestamp: Option<String>,
}

/// `message InclusionProof { int64 log_index = 1; bytes root_hash = 2; int64 tree_size = 3;
///   repeated bytes hashes = 4; Checkpoint checkpoint = 5; }`
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionProof {
    #[serde(alias = "log_index")]
    pub log_index: Option<Int64>,
    #[serde(alias = "root_hash")]
    pub root_hash: Option<String>,
    #[serde(alias = "tree_size")]
    pub tree_size: Option<Int64>,
    #[serde(default)]
    pub hashes: Vec<String>,
    pub checkpoint: Option<Checkpoint>,
}

/// `message Checkpoint { string envelope = 1; }`
#[derive(Deserialize)]
pub struct Checkpoint {
    pub envelope: Option<String>,
}

/// `message MessageSignature { HashOutput message_digest = 1; bytes signature = 2; }`
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageSignature {
    #[serde(alias = "message_digest")]
    pub message_digest: Option<HashOutput>,
    pub signature: Option<String>,
}

/// `message HashOutput { HashAlgorithm algorithm = 1; bytes digest = 2; }`
#[derive(Deserialize)]
pub struct HashOutput {
    pub algorithm: Option<String>,
    pub digest: Option<String>,
}

/// DSSE `message Envelope { bytes payload = 1; string payloadType = 2; repeated Signature signatures = 3; }`
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    pub payload: Option<String>,
    pub payload_type: Option<String>,
    #[serde(default)]
    pub signatures: Vec<EnvelopeSignature>,
}

/// DSSE `message Signature { bytes sig = 1; string keyid = 2; }`
#[derive(Deserialize)]
pub struct EnvelopeSignature {
    pub sig: Option<String>,
    pub keyid: Option<String>,
}
