//! Legacy detached signatures: a Fulcio certificate (`FILE.crt`, PEM) and a
//! signature (`FILE.sig`, base64) over an artifact, as sigstore-python 1.x
//! and `cosign sign-blob` wrote them before Sigstore bundles, plus the
//! Rekor v1 entry that logged them.
//!
//! The entry comes from Rekor itself (the v1 API's `LogEntry` JSON, fetched
//! by [`crate::net`]) or from a file kept beside the signature: the same API
//! JSON saved, or cosign's offline Rekor bundle. Either way it is turned into
//! a checked [`Bundle`] with v0.1 semantics (the signed entry timestamp is
//! required and is the only signed time), and from there verified exactly as
//! a bundle is: [`verify_detached`] hands it to the [`Verifier`], which checks
//! that the entry's body records this certificate, signature and artifact
//! digest. This module is an input adapter above the verifier, which knows
//! nothing of detached signatures.
//!
//! Sans-IO: the request and response shapes of the Rekor v1 API live here;
//! the requests themselves are sent by [`crate::net`].
//!
//! ```no_run
//! use sigstore_rs::legacy::{entry_from_json, verify_detached, DetachedSignature};
//! use sigstore_rs::net::RekorV1Client;
//! use sigstore_rs::{Artifact, Policy, Verifier};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sig = DetachedSignature::from_pem_and_base64(
//!     &std::fs::read("FILE.crt")?,
//!     &std::fs::read("FILE.sig")?,
//! )?;
//! let artifact = Artifact::Bytes(std::fs::read("FILE")?);
//! let verifier = Verifier::production()?;
//! // The entry from a file kept beside the signature, or else from Rekor.
//! let entry = match std::fs::read("FILE.rekor") {
//!     Ok(data) => entry_from_json(&data)?,
//!     Err(_) => {
//!         let url = verifier.trusted_root().rekor_v1_url().ok_or("no Rekor v1 log")?;
//!         let digest = sigstore_rs::legacy::artifact_digest(&artifact);
//!         RekorV1Client::new(url)?.find_detached(&sig, &digest)?
//!     }
//! };
//! let policy = Policy::identity("someone@example.com", "https://accounts.google.com");
//! verify_detached(&verifier, &artifact, &sig, entry, &policy)?;
//! # Ok(()) }
//! ```

mod wire;

use crate::bundle::{Bundle, InclusionProof, TlogEntry};
use crate::crypto::{self, Digest, HashAlgorithm};
use crate::error::{Error, Result};
use crate::policy::Policy;
use crate::tlog;
use crate::verify::{Artifact, VerifiedBundle, Verifier};
use base64::Engine as _;

/// A detached signature and the certificate whose key made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetachedSignature {
    /// The Fulcio leaf certificate, DER.
    pub certificate_der: Vec<u8>,
    /// The raw signature bytes (ASN.1 DER for ECDSA).
    pub signature: Vec<u8>,
}

impl DetachedSignature {
    /// From the contents of `FILE.crt` (a PEM `CERTIFICATE`) and `FILE.sig`
    /// (the signature in base64, surrounding whitespace allowed).
    pub fn from_pem_and_base64(certificate_pem: &[u8], signature_b64: &[u8]) -> Result<Self> {
        Ok(DetachedSignature {
            certificate_der: certificate_from_pem(certificate_pem)?,
            signature: signature_from_base64(signature_b64)?,
        })
    }
}

/// The DER of the first `CERTIFICATE` block of a PEM document.
pub fn certificate_from_pem(pem: &[u8]) -> Result<Vec<u8>> {
    let not_pem = |why: String| {
        Error::InvalidInput(format!(
            "the certificate is not a PEM certificate ({why}); expected a \"-----BEGIN CERTIFICATE-----\" block"
        ))
    };
    for block in x509_parser::pem::Pem::iter_from_buffer(pem) {
        let block = block.map_err(|e| not_pem(e.to_string()))?;
        if block.label == "CERTIFICATE" {
            if block.contents.is_empty() {
                return Err(not_pem("the block is empty".into()));
            }
            return Ok(block.contents);
        }
    }
    Err(not_pem("no CERTIFICATE block found".into()))
}

/// Decodes a `.sig` file: one base64 string, surrounding whitespace allowed.
pub fn signature_from_base64(text: &[u8]) -> Result<Vec<u8>> {
    let text = text.trim_ascii();
    if text.is_empty() {
        return Err(Error::InvalidInput("the signature is empty".into()));
    }
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| {
            Error::InvalidInput(format!(
                "the signature is not base64 ({e}); expected the contents of a .sig file"
            ))
        })
}

/// A Rekor v1 log entry read from a file or a Rekor response, with whatever
/// else the file carried about the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEntry {
    /// The entry, as a bundle would hold it.
    pub entry: TlogEntry,
    /// The signature the file names (cosign `base64Signature`), if any.
    pub signature: Option<Vec<u8>>,
    /// The certificate the file names (cosign `cert`), DER, if any.
    pub certificate_der: Option<Vec<u8>>,
}

impl LoggedEntry {
    /// The algorithm of the digest the entry records, which a file must be
    /// hashed with to be compared with it (SHA-256 if the entry is not a
    /// hashedrekord it can read; the verifier then says why).
    pub fn hash_algorithm(&self) -> HashAlgorithm {
        let e = &self.entry;
        tlog::parse_body(&e.body, &e.kind, &e.version)
            .ok()
            .and_then(|b| b.hashedrekord_digest().map(Digest::algorithm))
            .unwrap_or(HashAlgorithm::Sha256)
    }
}

impl From<TlogEntry> for LoggedEntry {
    fn from(entry: TlogEntry) -> Self {
        LoggedEntry {
            entry,
            signature: None,
            certificate_der: None,
        }
    }
}

fn bad(what: &str, msg: impl std::fmt::Display) -> Error {
    Error::bundle(format!("{what}: {msg}"))
}

fn req<T>(v: Option<T>, what: &str, field: &str) -> Result<T> {
    v.ok_or_else(|| bad(what, format!("{field} is missing")))
}

fn int(v: Option<wire::Int>, what: &str, field: &str) -> Result<i64> {
    match req(v, what, field)? {
        wire::Int::Num(n) => Ok(n),
        wire::Int::Str(s) => s
            .parse()
            .map_err(|_| bad(what, format!("{field} {s:?} is not an integer"))),
    }
}

fn uint(v: Option<wire::Int>, what: &str, field: &str) -> Result<u64> {
    let n = int(v, what, field)?;
    u64::try_from(n).map_err(|_| bad(what, format!("{field} is negative ({n})")))
}

fn b64(what: &str, field: &str, s: &str) -> Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|e| bad(what, format!("{field} is not valid base64: {e}")))
}

fn hex_bytes(what: &str, field: &str, s: &str) -> Result<Vec<u8>> {
    hex::decode(s).map_err(|e| bad(what, format!("{field} is not hex: {e}")))
}

fn hash32(what: &str, field: &str, s: &str) -> Result<[u8; 32]> {
    let v = hex_bytes(what, field, s)?;
    <[u8; 32]>::try_from(v.as_slice())
        .map_err(|_| bad(what, format!("{field} must be 32 bytes, got {}", v.len())))
}

/// The parts every Rekor v1 entry has, wherever it was read from. Kind and
/// version are taken from the body, which the signed entry timestamp covers.
fn entry_from_parts(
    what: &str,
    body: Option<String>,
    integrated_time: Option<wire::Int>,
    log_index: Option<wire::Int>,
    log_id: Option<String>,
    set: Option<String>,
    inclusion_proof: Option<InclusionProof>,
) -> Result<TlogEntry> {
    let body = b64(what, "body", &req(body, what, "body")?)?;
    if body.is_empty() {
        return Err(bad(what, "body is empty"));
    }
    let kv: KindVersion = serde_json::from_slice(&body).map_err(|e| {
        bad(
            what,
            format!("body is not a Rekor entry (JSON with kind and apiVersion): {e}"),
        )
    })?;
    let integrated_time = int(integrated_time, what, "integratedTime")?;
    if integrated_time <= 0 {
        return Err(bad(
            what,
            format!("integratedTime must be positive, got {integrated_time}"),
        ));
    }
    let set = req(set, what, "signedEntryTimestamp")?;
    let set = b64(what, "signedEntryTimestamp", &set)?;
    if set.is_empty() {
        return Err(bad(what, "signedEntryTimestamp is empty"));
    }
    Ok(TlogEntry {
        log_index: uint(log_index, what, "logIndex")?,
        log_id: hex_bytes(what, "logID", &req(log_id, what, "logID")?)?,
        kind: kv.kind,
        version: kv.api_version,
        integrated_time: Some(integrated_time),
        signed_entry_timestamp: Some(set),
        inclusion_proof,
        body,
    })
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct KindVersion {
    kind: String,
    api_version: String,
}

/// Bounds the work a hostile response can cause; RFC 6962 proofs of a
/// 2^64-leaf tree have 64 hashes.
const MAX_PROOF_HASHES: usize = 64;

fn api_inclusion_proof(what: &str, p: wire::ApiInclusionProof) -> Result<InclusionProof> {
    if p.hashes.len() > MAX_PROOF_HASHES {
        return Err(bad(
            what,
            format!(
                "inclusionProof has {} hashes, more than any tree can need ({MAX_PROOF_HASHES})",
                p.hashes.len()
            ),
        ));
    }
    Ok(InclusionProof {
        log_index: uint(p.log_index, what, "inclusionProof.logIndex")?,
        root_hash: hash32(
            what,
            "inclusionProof.rootHash",
            &req(p.root_hash, what, "inclusionProof.rootHash")?,
        )?,
        tree_size: uint(p.tree_size, what, "inclusionProof.treeSize")?,
        hashes: p
            .hashes
            .iter()
            .map(|h| hash32(what, "inclusionProof.hashes[]", h))
            .collect::<Result<Vec<_>>>()?,
        checkpoint: p.checkpoint.filter(|c| !c.is_empty()),
    })
}

/// Whether `s` can be a Rekor v1 entry UUID: the hex leaf hash (64
/// characters), optionally preceded by the 16-hex-digit tree ID.
pub(crate) fn is_entry_uuid(s: &str) -> bool {
    (s.len() == 64 || s.len() == 80) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Parses a Rekor v1 API `LogEntry` (`{"<uuid>": {...}}`, as
/// `GET /api/v1/log/entries/{uuid}` returns) holding exactly one entry.
/// Returns its UUID, checked to be the RFC 6962 leaf hash of its body.
pub(crate) fn entry_from_rekor_api(data: &[u8]) -> Result<(String, TlogEntry)> {
    let what = "Rekor log entry";
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(data).map_err(|e| {
            bad(
                what,
                format!("not a JSON object of the form {{\"<uuid>\": {{...}}}}: {e}"),
            )
        })?;
    if map.len() != 1 {
        return Err(bad(
            what,
            format!("expected exactly one entry, found {}", map.len()),
        ));
    }
    let Some((uuid, value)) = map.into_iter().next() else {
        return Err(bad(what, "expected exactly one entry, found 0"));
    };
    if !is_entry_uuid(&uuid) {
        return Err(bad(
            what,
            format!("{uuid:?} is not an entry UUID (64 or 80 hex digits)"),
        ));
    }
    let e: wire::ApiEntry = serde_json::from_value(value)
        .map_err(|e| bad(what, format!("entry {uuid} has an unexpected shape: {e}")))?;
    let verification = e.verification.ok_or_else(|| {
        bad(
            what,
            "verification is missing (expected its signedEntryTimestamp)",
        )
    })?;
    let proof = verification
        .inclusion_proof
        .map(|p| api_inclusion_proof(what, p))
        .transpose()?;
    let entry = entry_from_parts(
        what,
        e.body,
        e.integrated_time,
        e.log_index,
        e.log_id,
        verification.signed_entry_timestamp,
        proof,
    )?;
    let leaf = hex::encode(tlog::leaf_hash(crypto::default_backend(), &entry.body));
    let tail = &uuid[uuid.len() - 64..];
    if !tail.eq_ignore_ascii_case(&leaf) {
        return Err(bad(
            what,
            format!("UUID {uuid} is not the leaf hash of its body ({leaf})"),
        ));
    }
    Ok((uuid.to_ascii_lowercase(), entry))
}

fn entry_from_rekor_bundle(what: &str, b: wire::RekorBundle) -> Result<TlogEntry> {
    let p = req(b.payload, what, "Payload")?;
    entry_from_parts(
        what,
        p.body,
        p.integrated_time,
        p.log_index,
        p.log_id,
        b.signed_entry_timestamp,
        None,
    )
}

/// Reads a log entry kept beside a detached signature, in any of the shapes
/// clients have written:
///
/// * a Rekor v1 API `LogEntry` (`{"<uuid>": {...}}`), saved from Rekor;
/// * cosign's offline Rekor bundle (`{"SignedEntryTimestamp", "Payload"}`),
///   which sigstore-python 1.x wrote with `--rekor-bundle`;
/// * cosign's `sign-blob --bundle` file (`{"base64Signature", "cert",
///   "rekorBundle"}`), whose signature and certificate are returned too.
pub fn entry_from_json(data: &[u8]) -> Result<LoggedEntry> {
    let what = "Rekor bundle";
    if data.trim_ascii().is_empty() {
        return Err(bad(
            what,
            "the file is empty (expected a Rekor log entry as JSON)",
        ));
    }
    let v: serde_json::Value =
        serde_json::from_slice(data).map_err(|e| bad(what, format!("not valid JSON: {e}")))?;
    let Some(obj) = v.as_object() else {
        return Err(bad(what, "expected a JSON object"));
    };
    // Either name of a bundle's `media_type` (protobuf JSON mapping).
    if obj.contains_key("mediaType") || obj.contains_key("media_type") {
        return Err(bad(
            what,
            "this is a Sigstore bundle, not a Rekor entry: verify it as a bundle",
        ));
    }
    if obj.contains_key("rekorBundle") || obj.contains_key("base64Signature") {
        let w: wire::LocalSignedPayload = serde_json::from_value(v)
            .map_err(|e| bad(what, format!("unexpected shape of a cosign bundle: {e}")))?;
        let entry = entry_from_rekor_bundle(what, req(w.rekor_bundle, what, "rekorBundle")?)?;
        let signature = w
            .base64_signature
            .map(|s| b64(what, "base64Signature", &s))
            .transpose()?;
        let certificate_der = match w.cert {
            Some(c) => Some(
                certificate_from_pem(&b64(what, "cert", &c)?)
                    .map_err(|e| bad(what, format!("cert: {e}")))?,
            ),
            None => None,
        };
        return Ok(LoggedEntry {
            entry,
            signature,
            certificate_der,
        });
    }
    if obj.contains_key("Payload") || obj.contains_key("SignedEntryTimestamp") {
        let w: wire::RekorBundle = serde_json::from_value(v)
            .map_err(|e| bad(what, format!("unexpected shape of a Rekor bundle: {e}")))?;
        return Ok(entry_from_rekor_bundle(what, w)?.into());
    }
    if obj.len() == 1 {
        return Ok(entry_from_rekor_api(data)?.1.into());
    }
    Err(bad(
        what,
        "not a Rekor log entry: expected a Rekor API entry {\"<uuid>\": {...}}, a cosign Rekor bundle {\"SignedEntryTimestamp\", \"Payload\"} or a cosign bundle {\"base64Signature\", \"cert\", \"rekorBundle\"}",
    ))
}

/// The digest Rekor indexes an artifact by: SHA-256 of its bytes, or the
/// digest the caller gave.
pub fn artifact_digest(artifact: &Artifact) -> Digest {
    match artifact {
        Artifact::Digest(d) => d.clone(),
        Artifact::Bytes(b) => crypto::default_backend().digest(HashAlgorithm::Sha256, b),
    }
}

/// Whether `entry` is a hashedrekord that records exactly this signature,
/// certificate and digest. Used to pick among the entries Rekor's index
/// returns; the verifier checks the chosen one again, with everything else.
pub(crate) fn records(entry: &TlogEntry, sig: &DetachedSignature, digest: &Digest) -> bool {
    tlog::parse_body(&entry.body, &entry.kind, &entry.version).is_ok_and(|body| {
        tlog::check_hashedrekord(
            crypto::default_backend(),
            &body,
            digest,
            &sig.signature,
            &sig.certificate_der,
        )
        .is_ok()
    })
}

/// Verifies a detached signature (certificate and signature files) over
/// `artifact` with `verifier`, given the Rekor v1 entry that logged it (from
/// a file, see [`entry_from_json`], or found by
/// [`crate::net::RekorV1Client::find_detached`]). The entry must carry its
/// signed entry timestamp and record exactly this certificate, signature and
/// artifact digest.
pub fn verify_detached(
    verifier: &Verifier,
    artifact: &Artifact,
    signature: &DetachedSignature,
    entry: LoggedEntry,
    policy: &Policy,
) -> Result<VerifiedBundle> {
    let bundle = bundle_from_detached(signature, entry)?;
    verifier.verify_artifact(artifact, &bundle, policy)
}

/// Assembles the checked bundle for a detached signature. It states no
/// message digest: a detached signature does not say what it signs, its
/// log entry does (and the verifier checks the input against that). Where
/// the entry's file named a signature or certificate too, they must be the
/// ones given.
fn bundle_from_detached(sig: &DetachedSignature, logged: LoggedEntry) -> Result<Bundle> {
    if logged
        .signature
        .as_ref()
        .is_some_and(|s| *s != sig.signature)
    {
        return Err(Error::bundle(
            "the Rekor bundle's base64Signature is not the signature given",
        ));
    }
    if logged
        .certificate_der
        .as_ref()
        .is_some_and(|c| *c != sig.certificate_der)
    {
        return Err(Error::bundle(
            "the Rekor bundle's cert is not the certificate given",
        ));
    }
    Bundle::from_detached_parts(
        sig.certificate_der.clone(),
        sig.signature.clone(),
        logged.entry,
    )
}

/// The Rekor v1 API requests and responses a lookup needs
/// (`openapi.yaml`: `searchIndex`, `getLogEntryByUUID`).
pub(crate) mod api {
    use super::is_entry_uuid;
    use crate::crypto::{Digest, HashAlgorithm};
    use crate::error::{Error, Result};

    pub const INDEX_PATH: &str = "/api/v1/index/retrieve";
    pub const ENTRY_PATH: &str = "/api/v1/log/entries/";

    /// `POST /api/v1/index/retrieve` body: `SearchIndex {hash: "sha256:<hex>"}`.
    /// Rekor indexes artifacts by SHA-256 only.
    pub fn index_query(digest: &Digest) -> Result<Vec<u8>> {
        if digest.algorithm() != HashAlgorithm::Sha256 {
            return Err(Error::InvalidInput(format!(
                "Rekor is searched by SHA-256; the artifact's digest is {:?}",
                digest.algorithm()
            )));
        }
        Ok(
            serde_json::json!({ "hash": format!("sha256:{}", digest.to_hex()) })
                .to_string()
                .into_bytes(),
        )
    }

    /// The index's answer: a JSON array of entry UUIDs, each checked to be
    /// one (they are put into URL paths).
    pub fn parse_index_response(data: &[u8]) -> Result<Vec<String>, String> {
        let uuids: Vec<String> = serde_json::from_slice(data)
            .map_err(|e| format!("expected a JSON array of entry UUIDs: {e}"))?;
        for u in &uuids {
            if !is_entry_uuid(u) {
                return Err(format!("{u:?} is not an entry UUID (64 or 80 hex digits)"));
            }
        }
        Ok(uuids)
    }
}

#[cfg(test)]
mod tests;
