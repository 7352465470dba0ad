//! Rekor v1's entry kinds: their bodies parsed from the `spec` of a
//! `canonicalizedBody` ([`super::body`] reads the envelope and dispatches
//! here), and the comparisons with a bundle particular to them. The specs
//! we accept, from Rekor's `pkg/types/*/v*/*_schema.json`:
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
//! The rest of what is particular to a Rekor v1 log is elsewhere: its signed
//! entry timestamp in [`super::set`], its sharded log index in
//! [`super::check_log_index`], its API in [`crate::legacy`].

use super::compare::{
    check_digest_and_signature, check_payload_hash, fingerprint, match_signatures,
};
use super::error::malformed;
use super::TlogError;
use crate::crypto::{CryptoBackend, Digest, HashAlgorithm};
use base64::Engine as _;

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

mod wire {
    use serde::Deserialize;

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

fn spec<T: serde::de::DeserializeOwned>(
    what: &str,
    spec: serde_json::Value,
) -> Result<T, TlogError> {
    serde_json::from_value(spec).map_err(|e| malformed(format!("{what} spec: {e}")))
}

/// `hashedrekord` 0.0.1.
pub(super) fn parse_hashedrekord(
    spec_json: serde_json::Value,
) -> Result<HashedRekordV001, TlogError> {
    let s: wire::HashedRekord = spec("hashedrekord 0.0.1", spec_json)?;
    let pem = b64(
        "spec.signature.publicKey.content",
        &s.signature.public_key.content,
    )?;
    Ok(HashedRekordV001 {
        digest: hash("spec.data.hash", &s.data.hash)?,
        signature: b64("spec.signature.content", &s.signature.content)?,
        verifier_der: pem_to_der("spec.signature.publicKey.content", &pem)?,
    })
}

/// `dsse` 0.0.1.
pub(super) fn parse_dsse(spec_json: serde_json::Value) -> Result<DsseV001, TlogError> {
    let s: wire::Dsse = spec("dsse 0.0.1", spec_json)?;
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
    Ok(DsseV001 {
        payload_hash: hash("spec.payloadHash", payload_hash)?,
        envelope_hash: s
            .envelope_hash
            .as_ref()
            .map(|h| hash("spec.envelopeHash", h))
            .transpose()?,
        signatures,
    })
}

/// `intoto` 0.0.2.
pub(super) fn parse_intoto(spec_json: serde_json::Value) -> Result<IntotoV002, TlogError> {
    let s: wire::Intoto = spec("intoto 0.0.2", spec_json)?;
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
    Ok(IntotoV002 {
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
    })
}

/// A message signature against a `hashedrekord` 0.0.1: same digest, same
/// signature, same verifier DER.
pub(super) fn check_hashedrekord(
    crypto: &dyn CryptoBackend,
    h: &HashedRekordV001,
    digest: &Digest,
    signature: &[u8],
    verifier_der: &[u8],
) -> Result<(), TlogError> {
    check_digest_and_signature(&h.digest, &h.signature, digest, signature)?;
    if h.verifier_der != verifier_der {
        return Err(TlogError::VerifierMismatch {
            field: "verification material",
            entry: fingerprint(crypto, "DER", &h.verifier_der),
            bundle: fingerprint(crypto, "DER", verifier_der),
        });
    }
    Ok(())
}

/// A DSSE envelope against a `dsse` 0.0.1: the payload hash, and exactly the
/// envelope's signatures, each with `verifier_der`.
pub(super) fn check_dsse(
    crypto: &dyn CryptoBackend,
    d: &DsseV001,
    payload: &[u8],
    signatures: &[Vec<u8>],
    verifier_der: &[u8],
) -> Result<(), TlogError> {
    check_payload_hash(crypto, &d.payload_hash, payload)?;
    check_signatures(crypto, &d.signatures, signatures, verifier_der)
}

/// A DSSE envelope against an `intoto` 0.0.2: the payload type, the payload
/// where the entry carries it, its hash where the entry records one, and
/// exactly the envelope's signatures, each with `verifier_der`.
pub(super) fn check_intoto(
    crypto: &dyn CryptoBackend,
    i: &IntotoV002,
    payload_type: &str,
    payload: &[u8],
    signatures: &[Vec<u8>],
    verifier_der: &[u8],
) -> Result<(), TlogError> {
    if i.payload_type != payload_type {
        return Err(TlogError::BodyMismatch {
            field: "DSSE payload type",
            entry: i.payload_type.clone(),
            bundle: payload_type.into(),
        });
    }
    if let Some(p) = &i.payload {
        if p.as_slice() != payload {
            return Err(TlogError::BodyMismatch {
                field: "DSSE payload",
                entry: fingerprint(crypto, "payload", p),
                bundle: fingerprint(crypto, "payload", payload),
            });
        }
    }
    if let Some(h) = &i.payload_hash {
        check_payload_hash(crypto, h, payload)?;
    }
    check_signatures(crypto, &i.signatures, signatures, verifier_der)
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
                entry: fingerprint(crypto, "DER", &r.verifier_der),
                bundle: fingerprint(crypto, "DER", verifier_der),
            });
        }
    }
    Ok(())
}
