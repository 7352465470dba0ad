//! Rekor entry bodies (`canonicalizedBody`) and the checks that bind an
//! entry to the bundle's content, so that a log entry for some other
//! artifact, signature or key cannot vouch for this bundle
//! (CVE-2022-36056).
//!
//! Every body is `{"apiVersion": <version>, "kind": <kind>, "spec": {...}}`
//! in Rekor's canonical JSON. The specs we accept, from Rekor's
//! `pkg/types/*/v*/*_schema.json`:
//!
//! ```text
//! hashedrekord 0.0.1
//!   spec.data.hash          { algorithm: "sha256"|"sha384"|"sha512", value: hex }
//!   spec.signature.content  base64 signature
//!   spec.signature.publicKey.content   base64 of a PEM certificate or public key
//! dsse 0.0.1
//!   spec.payloadHash        { algorithm: "sha256", value: hex }   of the decoded payload
//!   spec.envelopeHash       { algorithm: "sha256", value: hex }   of the submitted envelope
//!   spec.signatures[]       { signature: base64, verifier: base64 of PEM }
//! intoto 0.0.2
//!   spec.content.envelope   { payloadType, payload: base64 of the envelope's base64 payload,
//!                             signatures[]: { keyid?, sig: base64 of the envelope's base64
//!                             signature, publicKey: base64 of PEM } }
//!   spec.content.hash       { algorithm, value: hex }   of the envelope
//!   spec.content.payloadHash { algorithm, value: hex }  of the decoded payload
//! ```
//!
//! PEM material is compared as DER, never as PEM text (line lengths and
//! trailing newlines vary between clients).
//!
//! Rekor v2 kinds (`hashedrekord` 0.0.2, `dsse` 0.0.2) are parsed and
//! compared in [`super::rekor_v2`]; [`parse_body`], [`check_hashedrekord`]
//! and [`check_dsse`] dispatch to it.

use super::rekor_v2::{self, DsseV002, HashedRekordV002};
use super::{RekorVersion, TlogError};
use crate::crypto::{CryptoBackend, Digest, HashAlgorithm};
use base64::Engine as _;

/// A parsed Rekor entry body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryBody {
    HashedRekord(HashedRekordV001),
    Dsse(DsseV001),
    Intoto(IntotoV002),
    /// Rekor v2 `hashedrekord` 0.0.2 (a message signature, or a DSSE
    /// envelope by the digest of its PAE).
    HashedRekordV002(HashedRekordV002),
    /// Rekor v2 `dsse` 0.0.2.
    DsseV002(DsseV002),
}

impl EntryBody {
    pub fn kind(&self) -> &'static str {
        match self {
            EntryBody::HashedRekord(_) => "hashedrekord 0.0.1",
            EntryBody::Dsse(_) => "dsse 0.0.1",
            EntryBody::Intoto(_) => "intoto 0.0.2",
            EntryBody::HashedRekordV002(_) => "hashedrekord 0.0.2",
            EntryBody::DsseV002(_) => "dsse 0.0.2",
        }
    }

    /// The Rekor API of the log this body comes from: Rekor v2 kinds have no
    /// integrated time and no SET, and their checkpoints name the log
    /// differently ([`super::checkpoint::LogName`]). Not the same as
    /// `apiVersion == "0.0.2"`: `intoto` 0.0.2 is a Rekor v1 kind.
    pub fn rekor_version(&self) -> RekorVersion {
        match self {
            EntryBody::HashedRekordV002(_) | EntryBody::DsseV002(_) => RekorVersion::V2,
            EntryBody::HashedRekord(_) | EntryBody::Dsse(_) | EntryBody::Intoto(_) => {
                RekorVersion::V1
            }
        }
    }

    /// The artifact digest a hashedrekord (0.0.1 or 0.0.2) records, which
    /// for a message signature is what was signed. The verifier consults it
    /// only to say what a wrong input should have been; whether the entry
    /// matches the bundle is [`check_hashedrekord`]'s to decide.
    pub fn hashedrekord_digest(&self) -> Option<&Digest> {
        match self {
            EntryBody::HashedRekord(h) => Some(&h.digest),
            EntryBody::HashedRekordV002(h) => Some(&h.digest),
            EntryBody::Dsse(_) | EntryBody::Intoto(_) | EntryBody::DsseV002(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashedRekordV001 {
    pub digest: Digest,
    pub signature: Vec<u8>,
    /// DER of the PEM block in `publicKey.content` (a certificate or an SPKI).
    pub verifier_der: Vec<u8>,
}

/// A signature with the DER of its verifier (certificate or SPKI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodySignature {
    pub signature: Vec<u8>,
    pub verifier_der: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsseV001 {
    pub payload_hash: Digest,
    pub envelope_hash: Option<Digest>,
    pub signatures: Vec<BodySignature>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntotoV002 {
    pub payload_type: String,
    /// The envelope payload, decoded (Rekor may omit it).
    pub payload: Option<Vec<u8>>,
    /// Signatures, decoded to raw signature bytes.
    pub signatures: Vec<BodySignature>,
    pub envelope_hash: Option<Digest>,
    pub payload_hash: Option<Digest>,
}

/// A DSSE envelope as the bundle carries it, decoded.
#[derive(Debug, Clone, Copy)]
pub struct DsseInput<'a> {
    pub payload_type: &'a str,
    pub payload: &'a [u8],
    pub signatures: &'a [Vec<u8>],
}

mod wire {
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Body {
        #[serde(rename = "apiVersion")]
        pub api_version: String,
        pub kind: String,
        pub spec: serde_json::Value,
    }

    #[derive(Deserialize)]
    pub struct Hash {
        pub algorithm: String,
        pub value: String,
    }

    // hashedrekord is compared as a whole (as sigstore-python compares the
    // whole expected body), so fields we do not know are a mismatch.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct HashedRekord {
        pub data: HashedRekordData,
        pub signature: HashedRekordSignature,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct HashedRekordData {
        pub hash: Hash,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct HashedRekordSignature {
        pub content: String,
        #[serde(rename = "publicKey")]
        pub public_key: PublicKey,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct PublicKey {
        pub content: String,
    }

    #[derive(Deserialize)]
    pub struct Dsse {
        #[serde(rename = "payloadHash")]
        pub payload_hash: Option<Hash>,
        #[serde(rename = "envelopeHash")]
        pub envelope_hash: Option<Hash>,
        #[serde(default)]
        pub signatures: Vec<DsseSignature>,
    }
    #[derive(Deserialize)]
    pub struct DsseSignature {
        pub signature: String,
        pub verifier: String,
    }

    #[derive(Deserialize)]
    pub struct Intoto {
        pub content: IntotoContent,
    }
    #[derive(Deserialize)]
    pub struct IntotoContent {
        pub envelope: IntotoEnvelope,
        pub hash: Option<Hash>,
        #[serde(rename = "payloadHash")]
        pub payload_hash: Option<Hash>,
    }
    #[derive(Deserialize)]
    pub struct IntotoEnvelope {
        #[serde(rename = "payloadType")]
        pub payload_type: String,
        pub payload: Option<String>,
        #[serde(default)]
        pub signatures: Vec<IntotoSignature>,
    }
    #[derive(Deserialize)]
    pub struct IntotoSignature {
        pub sig: String,
        #[serde(rename = "publicKey")]
        pub public_key: String,
    }
}

fn malformed(m: impl Into<String>) -> TlogError {
    TlogError::MalformedBody(m.into())
}

fn b64(field: &str, s: &str) -> Result<Vec<u8>, TlogError> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| malformed(format!("{field}: expected base64, found {s:?} ({e})")))
}

/// Rekor's double encoding in intoto 0.0.2: base64 of the base64 text the
/// DSSE envelope carries.
fn b64_b64(field: &str, s: &str) -> Result<Vec<u8>, TlogError> {
    let inner = b64(field, s)?;
    base64::engine::general_purpose::STANDARD
        .decode(&inner)
        .map_err(|e| {
            malformed(format!(
                "{field}: expected base64 of a base64 string, but the inner value is not base64 ({e})"
            ))
        })
}

fn hash(field: &str, h: &wire::Hash) -> Result<Digest, TlogError> {
    let algorithm = match h.algorithm.as_str() {
        "sha256" => HashAlgorithm::Sha256,
        "sha384" => HashAlgorithm::Sha384,
        "sha512" => HashAlgorithm::Sha512,
        other => {
            return Err(malformed(format!(
                "{field}.algorithm: expected sha256, sha384 or sha512, found {other:?}"
            )))
        }
    };
    let bytes = hex::decode(&h.value).map_err(|e| {
        malformed(format!(
            "{field}.value: expected hex, found {:?} ({e})",
            h.value
        ))
    })?;
    Digest::new(algorithm, bytes).map_err(|e| malformed(format!("{field}: {e}")))
}

/// Decodes one PEM block (RFC 7468) to DER. Strict: nothing but whitespace
/// around the block, matching BEGIN/END labels.
fn pem_to_der(field: &str, pem: &[u8]) -> Result<Vec<u8>, TlogError> {
    let text = std::str::from_utf8(pem).map_err(|_| {
        malformed(format!(
            "{field}: expected a PEM block, found non-UTF-8 bytes"
        ))
    })?;
    let mut lines = text.trim().lines().map(str::trim);
    let bad = || malformed(format!("{field}: expected one PEM block, found {text:?}"));
    let label = lines
        .next()
        .and_then(|l| l.strip_prefix("-----BEGIN "))
        .and_then(|l| l.strip_suffix("-----"))
        .ok_or_else(bad)?;
    let end = format!("-----END {label}-----");
    let mut b64_text = String::new();
    let mut ended = false;
    for l in lines.by_ref() {
        if l == end {
            ended = true;
            break;
        }
        b64_text.push_str(l);
    }
    if !ended || lines.next().is_some() {
        return Err(bad());
    }
    b64(field, &b64_text)
}

/// Parses a Rekor `canonicalizedBody` (v1 kinds above, v2 kinds in
/// [`super::rekor_v2`]), checking that its `kind` and
/// `apiVersion` are the ones the tlog entry's `kindVersion` declares (the
/// kindVersion is not covered by any signature; the body is).
pub fn parse_body(
    canonicalized_body: &[u8],
    kind: &str,
    version: &str,
) -> Result<EntryBody, TlogError> {
    let body: wire::Body = serde_json::from_slice(canonicalized_body).map_err(|e| {
        malformed(format!(
            "expected a JSON object with apiVersion, kind and spec: {e}"
        ))
    })?;
    if body.kind != kind || body.api_version != version {
        return Err(TlogError::KindMismatch {
            expected: format!("{kind} {version}"),
            found: format!("{} {}", body.kind, body.api_version),
        });
    }
    let spec = |what: &str, e: serde_json::Error| malformed(format!("{what} spec: {e}"));
    match (body.kind.as_str(), body.api_version.as_str()) {
        ("hashedrekord", "0.0.1") => {
            let s: wire::HashedRekord =
                serde_json::from_value(body.spec).map_err(|e| spec("hashedrekord 0.0.1", e))?;
            let pem = b64(
                "spec.signature.publicKey.content",
                &s.signature.public_key.content,
            )?;
            Ok(EntryBody::HashedRekord(HashedRekordV001 {
                digest: hash("spec.data.hash", &s.data.hash)?,
                signature: b64("spec.signature.content", &s.signature.content)?,
                verifier_der: pem_to_der("spec.signature.publicKey.content", &pem)?,
            }))
        }
        ("dsse", "0.0.1") => {
            let s: wire::Dsse =
                serde_json::from_value(body.spec).map_err(|e| spec("dsse 0.0.1", e))?;
            let payload_hash = s
                .payload_hash
                .as_ref()
                .ok_or_else(|| malformed("dsse 0.0.1 spec: expected payloadHash, found none"))?;
            let signatures = s
                .signatures
                .iter()
                .enumerate()
                .map(|(i, sig)| {
                    let pem = b64(&format!("spec.signatures[{i}].verifier"), &sig.verifier)?;
                    Ok(BodySignature {
                        signature: b64(&format!("spec.signatures[{i}].signature"), &sig.signature)?,
                        verifier_der: pem_to_der(&format!("spec.signatures[{i}].verifier"), &pem)?,
                    })
                })
                .collect::<Result<Vec<_>, TlogError>>()?;
            Ok(EntryBody::Dsse(DsseV001 {
                payload_hash: hash("spec.payloadHash", payload_hash)?,
                envelope_hash: s
                    .envelope_hash
                    .as_ref()
                    .map(|h| hash("spec.envelopeHash", h))
                    .transpose()?,
                signatures,
            }))
        }
        ("intoto", "0.0.2") => {
            let s: wire::Intoto =
                serde_json::from_value(body.spec).map_err(|e| spec("intoto 0.0.2", e))?;
            let env = s.content.envelope;
            let signatures = env
                .signatures
                .iter()
                .enumerate()
                .map(|(i, sig)| {
                    let field = format!("spec.content.envelope.signatures[{i}]");
                    let pem = b64(&format!("{field}.publicKey"), &sig.public_key)?;
                    Ok(BodySignature {
                        signature: b64_b64(&format!("{field}.sig"), &sig.sig)?,
                        verifier_der: pem_to_der(&format!("{field}.publicKey"), &pem)?,
                    })
                })
                .collect::<Result<Vec<_>, TlogError>>()?;
            let payload = env
                .payload
                .as_deref()
                .map(|p| b64_b64("spec.content.envelope.payload", p))
                .transpose()?;
            let payload_hash = s
                .content
                .payload_hash
                .as_ref()
                .map(|h| hash("spec.content.payloadHash", h))
                .transpose()?;
            if payload.is_none() && payload_hash.is_none() {
                return Err(malformed(
                    "intoto 0.0.2 spec: expected the envelope payload or content.payloadHash, found neither",
                ));
            }
            Ok(EntryBody::Intoto(IntotoV002 {
                payload_type: env.payload_type,
                payload,
                signatures,
                envelope_hash: s
                    .content
                    .hash
                    .as_ref()
                    .map(|h| hash("spec.content.hash", h))
                    .transpose()?,
                payload_hash,
            }))
        }
        ("hashedrekord", "0.0.2") => Ok(EntryBody::HashedRekordV002(rekor_v2::parse_hashedrekord(
            body.spec,
        )?)),
        ("dsse", "0.0.2") => Ok(EntryBody::DsseV002(rekor_v2::parse_dsse(body.spec)?)),
        (k, v) => Err(TlogError::UnsupportedKind(format!(
            "{k} {v} (expected hashedrekord 0.0.1 or 0.0.2, dsse 0.0.1 or 0.0.2, or intoto 0.0.2)"
        ))),
    }
}

fn b64e(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Names DER material by its SHA-256, which is what a reader can compare.
fn fingerprint(crypto: &dyn CryptoBackend, der: &[u8]) -> String {
    format!(
        "DER with SHA-256 {}",
        crypto.digest(HashAlgorithm::Sha256, der).to_hex()
    )
}

/// Checks that a hashedrekord (0.0.1 or 0.0.2) entry records exactly this
/// artifact digest, signature and verifier (`verifier_der`: the leaf
/// certificate's DER, or the SPKI DER for key-based bundles). For 0.0.2 the
/// verifier's kind must match too: a certificate entry for a certificate
/// bundle, a public-key entry for a key bundle.
pub fn check_hashedrekord(
    crypto: &dyn CryptoBackend,
    body: &EntryBody,
    digest: &Digest,
    signature: &[u8],
    verifier_der: &[u8],
) -> Result<(), TlogError> {
    let h = match body {
        EntryBody::HashedRekord(h) => h,
        EntryBody::HashedRekordV002(h) => {
            return rekor_v2::check_hashedrekord(crypto, h, digest, signature, verifier_der)
        }
        _ => {
            return Err(TlogError::BodyMismatch {
                field: "entry kind",
                entry: body.kind().into(),
                bundle: "hashedrekord 0.0.1 or 0.0.2 (a message signature)".into(),
            })
        }
    };
    if h.digest != *digest {
        return Err(TlogError::BodyMismatch {
            field: "artifact digest",
            entry: format!("{:?}", h.digest),
            bundle: format!("{digest:?}"),
        });
    }
    if h.signature != signature {
        return Err(TlogError::BodyMismatch {
            field: "signature",
            entry: b64e(&h.signature),
            bundle: b64e(signature),
        });
    }
    if h.verifier_der != verifier_der {
        return Err(TlogError::VerifierMismatch {
            field: "verification material",
            entry: fingerprint(crypto, &h.verifier_der),
            bundle: fingerprint(crypto, verifier_der),
        });
    }
    Ok(())
}

/// Checks that a dsse 0.0.1, intoto 0.0.2 or dsse 0.0.2 entry records this
/// envelope: the payload (by hash, or in full where intoto carries it), the
/// payload type (intoto), and the same set of signatures, each with
/// `verifier_der`. The envelope hash is not compared: it covers the JSON
/// serialization that was submitted, which the bundle does not preserve.
///
/// A Rekor v2 `hashedrekord` 0.0.2 entry is also accepted for an envelope
/// with exactly one signature, when its digest is that of the envelope's
/// PAE (see [`super::rekor_v2`]); the payload type is then bound too.
pub fn check_dsse(
    crypto: &dyn CryptoBackend,
    body: &EntryBody,
    envelope: &DsseInput<'_>,
    verifier_der: &[u8],
) -> Result<(), TlogError> {
    match body {
        EntryBody::Dsse(d) => {
            check_payload_hash(crypto, &d.payload_hash, envelope.payload)?;
            check_signatures(crypto, &d.signatures, envelope.signatures, verifier_der)
        }
        EntryBody::Intoto(i) => {
            if i.payload_type != envelope.payload_type {
                return Err(TlogError::BodyMismatch {
                    field: "DSSE payload type",
                    entry: i.payload_type.clone(),
                    bundle: envelope.payload_type.into(),
                });
            }
            if let Some(p) = &i.payload {
                if p.as_slice() != envelope.payload {
                    return Err(TlogError::BodyMismatch {
                        field: "DSSE payload",
                        entry: fingerprint(crypto, p).replace("DER", "payload"),
                        bundle: fingerprint(crypto, envelope.payload).replace("DER", "payload"),
                    });
                }
            }
            if let Some(h) = &i.payload_hash {
                check_payload_hash(crypto, h, envelope.payload)?;
            }
            check_signatures(crypto, &i.signatures, envelope.signatures, verifier_der)
        }
        EntryBody::DsseV002(d) => rekor_v2::check_dsse(
            crypto,
            d,
            envelope.payload,
            envelope.signatures,
            verifier_der,
        ),
        EntryBody::HashedRekordV002(h) => rekor_v2::check_dsse_as_hashedrekord(
            crypto,
            h,
            envelope.payload_type,
            envelope.payload,
            envelope.signatures,
            verifier_der,
        ),
        EntryBody::HashedRekord(_) => Err(TlogError::BodyMismatch {
            field: "entry kind",
            entry: body.kind().into(),
            bundle: "dsse 0.0.1/0.0.2, intoto 0.0.2 or hashedrekord 0.0.2 (a DSSE envelope)".into(),
        }),
    }
}

fn check_payload_hash(
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

/// The entry's signatures must be exactly the envelope's (as a multiset),
/// each made by `verifier_der`.
fn check_signatures(
    crypto: &dyn CryptoBackend,
    recorded: &[BodySignature],
    envelope: &[Vec<u8>],
    verifier_der: &[u8],
) -> Result<(), TlogError> {
    for r in match_signatures(recorded, |r| &r.signature, envelope)? {
        if r.verifier_der != verifier_der {
            return Err(TlogError::VerifierMismatch {
                field: "DSSE signature verifier",
                entry: fingerprint(crypto, &r.verifier_der),
                bundle: fingerprint(crypto, verifier_der),
            });
        }
    }
    Ok(())
}

/// Pairs each envelope signature with a distinct recorded one carrying the
/// same bytes (the two must be equal as multisets); shared by the Rekor v1
/// and v2 DSSE kinds. Returns the recorded entries in envelope order.
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
