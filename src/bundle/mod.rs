//! Sigstore bundles: wire JSON parsed into a checked, typed [`Bundle`]
//! ("parse, don't validate"). Every structural rule the client spec and the
//! bundle media types impose is enforced here, before any cryptography, so
//! the verifier only ever sees well-formed material.
//!
//! The wire format is protobuf-specs `dev.sigstore.bundle.v1.Bundle`
//! (<https://github.com/sigstore/protobuf-specs>, `protos/sigstore_bundle.proto`)
//! in its canonical JSON mapping, media types
//! `application/vnd.dev.sigstore.bundle+json;version=0.1|0.2|0.3` and
//! `application/vnd.dev.sigstore.bundle.v0.3+json`. A bundle holds the
//! signing material (a Fulcio certificate, or a hint naming a managed key),
//! exactly one transparency log entry, optional RFC 3161 timestamps, and the
//! content: a message signature over an artifact digest, or a DSSE envelope.
//!
//! ```
//! use sigstore_rs::bundle::{Bundle, BundleVersion, Content};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/assets/sigstore-python/bundle_v3.txt.sigstore");
//! let bundle = Bundle::from_json(&std::fs::read(path)?)?;
//! assert_eq!(bundle.version, BundleVersion::V0_3);
//! assert!(matches!(bundle.content, Content::MessageSignature { .. }));
//! # Ok(()) }
//! ```

mod wire;

use crate::crypto::{Digest, HashAlgorithm};
use crate::dsse::Envelope;
use crate::error::{Error, Result};
use base64::Engine as _;

/// Bundle format versions (protobuf-specs `Bundle.media_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BundleVersion {
    /// `application/vnd.dev.sigstore.bundle+json;version=0.1`: an inclusion
    /// proof is optional, an inclusion promise (SET) required.
    V0_1,
    /// `…;version=0.2`: the inclusion proof, with its checkpoint, is required.
    V0_2,
    /// `…;version=0.3` or `application/vnd.dev.sigstore.bundle.v0.3+json`:
    /// as v0.2; the signing certificate is written as a single leaf
    /// (`certificate` rather than `x509CertificateChain`).
    V0_3,
}

impl BundleVersion {
    fn from_media_type(m: &str) -> Option<Self> {
        match m {
            "application/vnd.dev.sigstore.bundle+json;version=0.1" => Some(BundleVersion::V0_1),
            "application/vnd.dev.sigstore.bundle+json;version=0.2" => Some(BundleVersion::V0_2),
            "application/vnd.dev.sigstore.bundle+json;version=0.3"
            | "application/vnd.dev.sigstore.bundle.v0.3+json" => Some(BundleVersion::V0_3),
            _ => None,
        }
    }
}

/// What the signature is checked with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigningMaterial {
    /// A Fulcio leaf (DER) and any further certificates the bundle carried
    /// (never used to build a path; only checked not to contain a root).
    Certificate {
        /// The signing (leaf) certificate, DER.
        leaf: Vec<u8>,
        /// Further certificates of a v0.1/v0.2 `x509CertificateChain`, DER.
        rest: Vec<Vec<u8>>,
    },
    /// A managed key, identified only by an opaque hint; the key itself is
    /// supplied by the caller.
    PublicKey {
        /// `publicKey.hint`, if the bundle gives one.
        hint: Option<String>,
    },
}

/// The signed content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A signature over an artifact digest (hashedrekord). `digest` is the
    /// digest the bundle claims; it must equal the input's.
    MessageSignature {
        /// `messageDigest`, if the bundle states it.
        digest: Option<Digest>,
        /// The signature bytes (ASN.1 DER for ECDSA).
        signature: Vec<u8>,
    },
    /// A DSSE envelope (for Sigstore, an in-toto statement) with exactly one
    /// signature.
    Dsse(Envelope),
}

/// RFC 6962 inclusion proof with its checkpoint (protobuf-specs
/// `dev.sigstore.rekor.v1.InclusionProof`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// The entry's index in the tree the proof is for (for a sharded Rekor
    /// v1 log, the index within the shard).
    pub log_index: u64,
    /// The RFC 6962 root hash at `tree_size`.
    pub root_hash: [u8; 32],
    /// The size of the tree the proof is for.
    pub tree_size: u64,
    /// The audit path, leaf to root.
    pub hashes: Vec<[u8; 32]>,
    /// The signed note text; required from bundle v0.2 on.
    pub checkpoint: Option<String>,
}

/// One transparency log entry (protobuf-specs
/// `dev.sigstore.rekor.v1.TransparencyLogEntry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogEntry {
    /// The entry's global index in the log.
    pub log_index: u64,
    /// `logId.keyId`: which log, matched against the trusted root's logs.
    pub log_id: Vec<u8>,
    /// `kindVersion.kind`: the entry type (`hashedrekord`, `dsse`, `intoto`).
    pub kind: String,
    /// `kindVersion.version`: the entry type's schema version (`0.0.1`, …).
    pub version: String,
    /// Rekor v1 integrated time (Unix seconds); `None` when absent or 0
    /// (Rekor v2 entries carry no time).
    pub integrated_time: Option<i64>,
    /// Rekor v1 signed entry timestamp (`inclusionPromise`): the log's
    /// signature over the entry and its integrated time.
    pub signed_entry_timestamp: Option<Vec<u8>>,
    /// The inclusion proof; required from bundle v0.2 on.
    pub inclusion_proof: Option<InclusionProof>,
    /// The entry body as logged (decoded `canonicalizedBody`).
    pub body: Vec<u8>,
}

/// The media type of the bundles this client writes.
pub const BUNDLE_V03_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

impl TlogEntry {
    /// Parses one protobuf-specs `TransparencyLogEntry` in its JSON mapping
    /// (what Rekor v2 answers to `POST /api/v2/log/entries`), held to the
    /// rules of a v0.3 bundle entry (an inclusion proof with a checkpoint).
    pub fn from_json(data: &[u8]) -> Result<TlogEntry> {
        let w: wire::TransparencyLogEntry = serde_json::from_slice(data)
            .map_err(|e| Error::bundle(format!("not a TransparencyLogEntry: {e}")))?;
        check_entry(w, BundleVersion::V0_3)
    }

    /// As [`Self::from_json`], from already-parsed JSON.
    pub fn from_value(value: &serde_json::Value) -> Result<TlogEntry> {
        use serde::Deserialize as _;
        let w = wire::TransparencyLogEntry::deserialize(value)
            .map_err(|e| Error::bundle(format!("not a TransparencyLogEntry: {e}")))?;
        check_entry(w, BundleVersion::V0_3)
    }

    /// The entry as protobuf-specs `TransparencyLogEntry` canonical JSON, the
    /// inverse of parsing: int64 as decimal strings, bytes as standard
    /// base64, unset fields omitted (proto3 JSON mapping).
    pub fn to_json(&self) -> serde_json::Value {
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let mut e = serde_json::json!({
            "logIndex": self.log_index.to_string(),
            "logId": {"keyId": b64(&self.log_id)},
            "kindVersion": {"kind": self.kind, "version": self.version},
            "canonicalizedBody": b64(&self.body),
        });
        if let Some(t) = self.integrated_time {
            e["integratedTime"] = t.to_string().into();
        }
        if let Some(set) = &self.signed_entry_timestamp {
            e["inclusionPromise"] = serde_json::json!({"signedEntryTimestamp": b64(set)});
        }
        if let Some(p) = &self.inclusion_proof {
            let mut proof = serde_json::json!({
                "logIndex": p.log_index.to_string(),
                "rootHash": b64(&p.root_hash),
                "treeSize": p.tree_size.to_string(),
            });
            // Always present, even empty (a one-leaf tree): protobuf JSON may
            // omit empty repeated fields, but sigstore-python's bundle model
            // requires this one.
            proof["hashes"] = p.hashes.iter().map(|h| b64(h)).collect();
            if let Some(c) = &p.checkpoint {
                proof["checkpoint"] = serde_json::json!({"envelope": c});
            }
            e["inclusionProof"] = proof;
        }
        e
    }
}

/// A parsed and structurally checked Sigstore bundle. Build one with
/// [`Bundle::from_json`]; verify it with [`crate::Verifier`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    media_type: String,
    /// The format version its media type names.
    pub version: BundleVersion,
    /// What the signature is checked with.
    pub material: SigningMaterial,
    /// The bundle's one log entry (exactly one is required).
    pub tlog_entry: TlogEntry,
    /// DER `TimeStampToken`s (RFC 3161 §2.4.2) from `timestampVerificationData`.
    pub timestamps: Vec<Vec<u8>>,
    /// What was signed.
    pub content: Content,
}

/// Bounds that keep a hostile bundle from costing unbounded work. The
/// timestamp bound is sigstore-python's `MAX_ALLOWED_TIMESTAMP` (32).
const MAX_TIMESTAMPS: usize = 32;
/// RFC 6962 proofs are at most 64 hashes for a 2^64-leaf tree.
const MAX_PROOF_HASHES: usize = 64;

/// Standard base64, as protobuf JSON writes bytes. Line breaks are skipped
/// as Go's and Python's decoders skip them (`base64` wraps at 76 columns and
/// conformance material was made with it); any other stray byte is an error.
fn b64(field: &str, s: &str) -> Result<Vec<u8>> {
    let cleaned;
    let s = if s.contains(['\n', '\r']) {
        cleaned = s.replace(['\n', '\r'], "");
        cleaned.as_str()
    } else {
        s
    };
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| Error::bundle(format!("{field} is not valid base64: {e}")))
}

fn req<T>(v: Option<T>, field: &str) -> Result<T> {
    v.ok_or_else(|| Error::bundle(format!("{field} is missing")))
}

fn int64(v: Option<wire::Int64>, field: &str) -> Result<i64> {
    match req(v, field)? {
        wire::Int64::Num(n) => Ok(n),
        wire::Int64::Str(s) => s
            .parse::<i64>()
            .map_err(|_| Error::bundle(format!("{field} {s:?} is not an integer"))),
    }
}

fn uint64(v: Option<wire::Int64>, field: &str) -> Result<u64> {
    let n = int64(v, field)?;
    u64::try_from(n).map_err(|_| Error::bundle(format!("{field} is negative ({n})")))
}

fn hash32(field: &str, s: &str) -> Result<[u8; 32]> {
    let v = b64(field, s)?;
    <[u8; 32]>::try_from(v.as_slice())
        .map_err(|_| Error::bundle(format!("{field} must be 32 bytes, got {}", v.len())))
}

impl Bundle {
    /// Parses and checks a bundle. Errors are [`Error::InvalidBundle`].
    pub fn from_json(data: &[u8]) -> Result<Bundle> {
        let w: wire::Bundle = serde_json::from_slice(data)
            .map_err(|e| Error::bundle(format!("not valid bundle JSON: {e}")))?;
        Self::from_wire(w)
    }

    /// The media type exactly as the bundle gave it.
    pub fn media_type(&self) -> &str {
        &self.media_type
    }

    fn from_wire(w: wire::Bundle) -> Result<Bundle> {
        let media_type = req(w.media_type, "mediaType")?;
        let version = BundleVersion::from_media_type(&media_type).ok_or_else(|| {
            Error::bundle(format!(
                "unsupported bundle media type {media_type:?} (expected a Sigstore bundle v0.1, v0.2 or v0.3)"
            ))
        })?;
        let vm = req(w.verification_material, "verificationMaterial")?;

        // Exactly one kind of signing material.
        let material = match (vm.public_key, vm.x509_certificate_chain, vm.certificate) {
            (Some(pk), None, None) => SigningMaterial::PublicKey { hint: pk.hint },
            // protobuf-specs `VerificationMaterial`: "Form (2) [a chain] MUST
            // be used for 0.1 and 0.2 version bundles, and form (3) [a single
            // certificate] MUST be used for 0.3 version bundles"; sigstore-python
            // refuses a v0.3 chain too ("expected certificate in bundle").
            (None, Some(_), None) if version == BundleVersion::V0_3 => {
                return Err(Error::bundle(
                    "a v0.3 bundle must carry its signing certificate as verificationMaterial.certificate, not x509CertificateChain (bundle spec: v0.3 uses the single-certificate form)",
                ))
            }
            (None, Some(chain), None) => {
                let mut certs = chain
                    .certificates
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let f = format!("verificationMaterial.x509CertificateChain.certificates[{i}].rawBytes");
                        b64(&f, &req(c.raw_bytes, &f)?)
                    })
                    .collect::<Result<Vec<_>>>()?;
                if certs.is_empty() {
                    return Err(Error::bundle(
                        "verificationMaterial.x509CertificateChain has no certificates (expected the signing certificate)",
                    ));
                }
                let leaf = certs.remove(0);
                SigningMaterial::Certificate { leaf, rest: certs }
            }
            (None, None, Some(cert)) => {
                let f = "verificationMaterial.certificate.rawBytes";
                SigningMaterial::Certificate {
                    leaf: b64(f, &req(cert.raw_bytes, f)?)?,
                    rest: Vec::new(),
                }
            }
            (None, None, None) => {
                return Err(Error::bundle(
                    "verificationMaterial has no signing material (expected certificate, x509CertificateChain or publicKey)",
                ))
            }
            _ => {
                return Err(Error::bundle(
                    "verificationMaterial has more than one of certificate, x509CertificateChain, publicKey",
                ))
            }
        };
        // The client spec verifies exactly one log entry per bundle, as
        // sigstore-python and sigstore-go do.
        if vm.tlog_entries.len() != 1 {
            return Err(Error::bundle(format!(
                "expected exactly one transparency log entry, found {}",
                vm.tlog_entries.len()
            )));
        }
        let tlog_entry = match vm.tlog_entries.into_iter().next() {
            Some(e) => check_entry(e, version).map_err(|e| prefix(e, "tlogEntries[0]"))?,
            None => {
                return Err(Error::bundle(
                    "expected exactly one transparency log entry, found 0",
                ))
            }
        };

        let timestamps = match vm.timestamp_verification_data {
            Some(t) => t
                .rfc3161_timestamps
                .into_iter()
                .enumerate()
                .map(|(i, t)| {
                    let f =
                        format!("timestampVerificationData.rfc3161Timestamps[{i}].signedTimestamp");
                    b64(&f, &req(t.signed_timestamp, &f)?)
                })
                .collect::<Result<Vec<_>>>()?,
            None => Vec::new(),
        };
        let content = match (w.message_signature, w.dsse_envelope) {
            (Some(ms), None) => {
                let signature = b64(
                    "messageSignature.signature",
                    &req(ms.signature, "messageSignature.signature")?,
                )?;
                let digest = match ms.message_digest {
                    Some(d) => {
                        let alg = match d.algorithm.as_deref() {
                            Some("SHA2_256") => HashAlgorithm::Sha256,
                            Some("SHA2_384") => HashAlgorithm::Sha384,
                            Some("SHA2_512") => HashAlgorithm::Sha512,
                            other => {
                                return Err(Error::bundle(format!(
                                    "messageSignature.messageDigest.algorithm {other:?} is not supported"
                                )))
                            }
                        };
                        let bytes = b64(
                            "messageSignature.messageDigest.digest",
                            &req(d.digest, "messageSignature.messageDigest.digest")?,
                        )?;
                        Some(Digest::new(alg, bytes).map_err(|e| {
                            Error::bundle(format!("messageSignature.messageDigest: {e}"))
                        })?)
                    }
                    None => None,
                };
                Content::MessageSignature { digest, signature }
            }
            (None, Some(env)) => Content::Dsse(check_envelope(env)?),
            (None, None) => {
                return Err(Error::bundle(
                    "bundle has no content (expected messageSignature or dsseEnvelope)",
                ))
            }
            (Some(_), Some(_)) => {
                return Err(Error::bundle(
                    "bundle has both messageSignature and dsseEnvelope",
                ))
            }
        };

        let bundle = Bundle {
            media_type,
            version,
            material,
            tlog_entry,
            timestamps,
            content,
        };
        bundle.validate()?;
        Ok(bundle)
    }

    /// The rules a bundle must keep whatever it was built from (parsed JSON,
    /// freshly signed parts, an attestation). Entry-shape rules for the
    /// bundle's version are applied where the entry is built.
    fn validate(&self) -> Result<()> {
        if let SigningMaterial::Certificate { leaf, .. } = &self.material {
            if leaf.is_empty() {
                return Err(Error::bundle("the signing certificate is empty"));
            }
        }
        if self.timestamps.len() > MAX_TIMESTAMPS {
            return Err(Error::bundle(format!(
                "{} RFC 3161 timestamps exceed the limit of {MAX_TIMESTAMPS}",
                self.timestamps.len()
            )));
        }
        // A bundle must carry a source of signed time: a Rekor v1 inclusion
        // promise, or RFC 3161 timestamps (Rekor v2 entries have no time of
        // their own). An integrated time alone is not signed by anyone.
        if self.tlog_entry.signed_entry_timestamp.is_none() && self.timestamps.is_empty() {
            return Err(Error::bundle(
                "the bundle has no signed time: expected an inclusion promise (signedEntryTimestamp) or an RFC 3161 timestamp",
            ));
        }
        match &self.content {
            Content::MessageSignature { signature, .. } if signature.is_empty() => {
                Err(Error::bundle("messageSignature.signature is empty"))
            }
            // Sigstore bundles carry exactly one DSSE signature (client spec §4.3).
            Content::Dsse(env) if env.signatures.len() != 1 => Err(Error::bundle(format!(
                "dsseEnvelope must have exactly one signature, found {}",
                env.signatures.len()
            ))),
            Content::Dsse(env) if env.signatures.iter().any(|s| s.sig.is_empty()) => {
                Err(Error::bundle("dsseEnvelope.signatures[0].sig is empty"))
            }
            _ => Ok(()),
        }
    }

    /// A bundle assembled from legacy detached material (see
    /// [`crate::legacy`]): a Fulcio certificate, a signature over `digest`
    /// and the Rekor v1 entry that logged them. It has the semantics of a
    /// v0.1 bundle: the entry must carry its signed entry timestamp, which is
    /// the bundle's only source of signed time.
    pub(crate) fn from_detached_parts(
        certificate_der: Vec<u8>,
        signature: Vec<u8>,
        tlog_entry: TlogEntry,
    ) -> Result<Bundle> {
        if certificate_der.is_empty() {
            return Err(Error::bundle("the signing certificate is empty"));
        }
        if signature.is_empty() {
            return Err(Error::bundle("the signature is empty"));
        }
        check_entry_rules(&tlog_entry, BundleVersion::V0_1)?;
        if tlog_entry.integrated_time.is_none() {
            return Err(Error::bundle(
                "the log entry has no integrated time, which its signed entry timestamp covers",
            ));
        }
        Ok(Bundle {
            media_type: "application/vnd.dev.sigstore.bundle+json;version=0.1".into(),
            version: BundleVersion::V0_1,
            material: SigningMaterial::Certificate {
                leaf: certificate_der,
                rest: Vec::new(),
            },
            tlog_entry,
            timestamps: Vec::new(),
            content: Content::MessageSignature {
                digest: None,
                signature,
            },
        })
    }

    /// A v0.3 bundle (`application/vnd.dev.sigstore.bundle.v0.3+json`) from
    /// freshly signed parts: the Fulcio leaf (DER), the content, the log
    /// entry and the DER `TimeStampResp`s. Checked as a parsed bundle is.
    pub fn new_v03(
        certificate_der: Vec<u8>,
        content: Content,
        tlog_entry: TlogEntry,
        timestamps: Vec<Vec<u8>>,
    ) -> Result<Bundle> {
        check_entry_rules(&tlog_entry, BundleVersion::V0_3)?;
        let b = Bundle {
            media_type: BUNDLE_V03_MEDIA_TYPE.into(),
            version: BundleVersion::V0_3,
            material: SigningMaterial::Certificate {
                leaf: certificate_der,
                rest: Vec::new(),
            },
            tlog_entry,
            timestamps,
            content,
        };
        b.validate()?;
        Ok(b)
    }

    /// The bundle as protobuf-specs `Bundle` canonical JSON (camelCase,
    /// bytes as standard base64, int64 as strings, unset fields omitted).
    /// v0.3 bundles carry the leaf as `certificate`; older ones as
    /// `x509CertificateChain`.
    pub fn to_json(&self) -> serde_json::Value {
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let mut vm = serde_json::Map::new();
        match &self.material {
            SigningMaterial::Certificate { leaf, rest } => {
                if self.version == BundleVersion::V0_3 {
                    vm.insert(
                        "certificate".into(),
                        serde_json::json!({"rawBytes": b64(leaf)}),
                    );
                } else {
                    let certs: Vec<_> = std::iter::once(leaf)
                        .chain(rest.iter())
                        .map(|c| serde_json::json!({"rawBytes": b64(c)}))
                        .collect();
                    vm.insert(
                        "x509CertificateChain".into(),
                        serde_json::json!({"certificates": certs}),
                    );
                }
            }
            SigningMaterial::PublicKey { hint } => {
                let mut pk = serde_json::Map::new();
                if let Some(h) = hint {
                    pk.insert("hint".into(), h.clone().into());
                }
                vm.insert("publicKey".into(), pk.into());
            }
        }
        vm.insert(
            "tlogEntries".into(),
            serde_json::Value::Array(vec![self.tlog_entry.to_json()]),
        );
        if !self.timestamps.is_empty() {
            let ts: Vec<_> = self
                .timestamps
                .iter()
                .map(|t| serde_json::json!({"signedTimestamp": b64(t)}))
                .collect();
            vm.insert(
                "timestampVerificationData".into(),
                serde_json::json!({"rfc3161Timestamps": ts}),
            );
        }
        let mut out = serde_json::json!({
            "mediaType": self.media_type,
            "verificationMaterial": vm,
        });
        match &self.content {
            Content::MessageSignature { digest, signature } => {
                let mut ms = serde_json::Map::new();
                if let Some(d) = digest {
                    let alg = match d.algorithm() {
                        HashAlgorithm::Sha256 => "SHA2_256",
                        HashAlgorithm::Sha384 => "SHA2_384",
                        HashAlgorithm::Sha512 => "SHA2_512",
                    };
                    ms.insert(
                        "messageDigest".into(),
                        serde_json::json!({"algorithm": alg, "digest": b64(d.as_bytes())}),
                    );
                }
                ms.insert("signature".into(), b64(signature).into());
                out["messageSignature"] = ms.into();
            }
            Content::Dsse(env) => {
                let sigs: Vec<_> = env
                    .signatures
                    .iter()
                    .map(|s| {
                        let mut o = serde_json::json!({"sig": b64(&s.sig)});
                        if !s.keyid.is_empty() {
                            o["keyid"] = s.keyid.clone().into();
                        }
                        o
                    })
                    .collect();
                out["dsseEnvelope"] = serde_json::json!({
                    "payload": b64(&env.payload),
                    "payloadType": env.payload_type,
                    "signatures": sigs,
                });
            }
        }
        out
    }

    /// [`Self::to_json`] as text.
    pub fn to_json_string(&self) -> String {
        self.to_json().to_string()
    }

    /// The signature the log and timestamps are over.
    pub fn signature_bytes(&self) -> &[u8] {
        match &self.content {
            Content::MessageSignature { signature, .. } => signature,
            Content::Dsse(env) => env.signatures.first().map_or(&[][..], |s| &s.sig),
        }
    }
}

fn prefix(e: Error, p: &str) -> Error {
    match e {
        Error::InvalidBundle(m) => Error::InvalidBundle(format!("{p}: {m}")),
        other => other,
    }
}

fn check_entry(e: wire::TransparencyLogEntry, version: BundleVersion) -> Result<TlogEntry> {
    let log_index = uint64(e.log_index, "logIndex")?;
    let log_id = b64(
        "logId.keyId",
        &req(req(e.log_id, "logId")?.key_id, "logId.keyId")?,
    )?;
    let kv = req(e.kind_version, "kindVersion")?;
    let kind = req(kv.kind, "kindVersion.kind")?;
    let kversion = req(kv.version, "kindVersion.version")?;
    let integrated_time = match e.integrated_time {
        Some(t) => {
            let t = int64(Some(t), "integratedTime")?;
            if t < 0 {
                return Err(Error::bundle(format!("integratedTime is negative ({t})")));
            }
            (t != 0).then_some(t)
        }
        None => None,
    };
    let signed_entry_timestamp = match e.inclusion_promise {
        Some(p) => Some(b64(
            "inclusionPromise.signedEntryTimestamp",
            &req(
                p.signed_entry_timestamp,
                "inclusionPromise.signedEntryTimestamp",
            )?,
        )?),
        None => None,
    };
    let inclusion_proof = match e.inclusion_proof {
        Some(p) => {
            if p.hashes.len() > MAX_PROOF_HASHES {
                return Err(Error::bundle(format!(
                    "inclusionProof has {} hashes, more than any tree can need ({MAX_PROOF_HASHES})",
                    p.hashes.len()
                )));
            }
            let checkpoint = match p.checkpoint {
                Some(c) => Some(req(c.envelope, "inclusionProof.checkpoint.envelope")?),
                None => None,
            };
            let checkpoint = checkpoint.filter(|c| !c.is_empty());
            Some(InclusionProof {
                log_index: uint64(p.log_index, "inclusionProof.logIndex")?,
                root_hash: hash32(
                    "inclusionProof.rootHash",
                    &req(p.root_hash, "inclusionProof.rootHash")?,
                )?,
                tree_size: uint64(p.tree_size, "inclusionProof.treeSize")?,
                hashes: p
                    .hashes
                    .iter()
                    .map(|h| hash32("inclusionProof.hashes[]", h))
                    .collect::<Result<Vec<_>>>()?,
                checkpoint,
            })
        }
        None => None,
    };
    let body = b64(
        "canonicalizedBody",
        &req(e.canonicalized_body, "canonicalizedBody")?,
    )?;

    let entry = TlogEntry {
        log_index,
        log_id,
        kind,
        version: kversion,
        integrated_time,
        signed_entry_timestamp,
        inclusion_proof,
        body,
    };
    check_entry_rules(&entry, version)?;
    Ok(entry)
}

/// The rules a log entry must meet whatever it was read from.
fn check_entry_rules(entry: &TlogEntry, version: BundleVersion) -> Result<()> {
    // Media-type rules (protobuf-specs bundle.proto, client spec §"Bundle"):
    // v0.1 requires the inclusion promise; v0.2 and later require an
    // inclusion proof with its checkpoint.
    match version {
        BundleVersion::V0_1 => {
            if entry.signed_entry_timestamp.is_none() {
                return Err(Error::bundle(
                    "a v0.1 bundle requires an inclusion promise (signedEntryTimestamp)",
                ));
            }
        }
        BundleVersion::V0_2 | BundleVersion::V0_3 => match &entry.inclusion_proof {
            None => {
                return Err(Error::bundle(format!(
                    "a {version:?} bundle requires an inclusion proof"
                )))
            }
            Some(p) if p.checkpoint.is_none() => {
                return Err(Error::bundle(format!(
                    "a {version:?} bundle requires a checkpoint in its inclusion proof"
                )))
            }
            Some(_) => {}
        },
    }
    if let Some(p) = &entry.inclusion_proof {
        if p.hashes.len() > MAX_PROOF_HASHES {
            return Err(Error::bundle(format!(
                "inclusionProof has {} hashes, more than any tree can need ({MAX_PROOF_HASHES})",
                p.hashes.len()
            )));
        }
        if p.log_index >= p.tree_size {
            return Err(Error::bundle(format!(
                "inclusionProof.logIndex {} is not inside treeSize {}",
                p.log_index, p.tree_size
            )));
        }
    }
    if entry.body.is_empty() {
        return Err(Error::bundle("the log entry body is empty"));
    }
    Ok(())
}

fn check_envelope(env: wire::Envelope) -> Result<Envelope> {
    let payload_type = req(env.payload_type, "dsseEnvelope.payloadType")?;
    let payload = b64(
        "dsseEnvelope.payload",
        &req(env.payload, "dsseEnvelope.payload")?,
    )?;
    // How many signatures, and that none is empty, is `Bundle::validate`'s.
    let signatures = env
        .signatures
        .into_iter()
        .map(|s| {
            let sig = b64(
                "dsseEnvelope.signatures[0].sig",
                &req(s.sig, "dsseEnvelope.signatures[0].sig")?,
            )?;
            Ok(crate::dsse::Signature {
                sig,
                keyid: s.keyid.unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Envelope {
        payload_type,
        payload,
        signatures,
    })
}

#[cfg(test)]
mod tests;
