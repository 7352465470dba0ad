//! Rekor v2's entry kinds: their bodies parsed from the `spec` of a
//! `canonicalizedBody` ([`super::body`] reads the envelope and dispatches
//! here), and the comparisons with a bundle particular to them.
//!
//! A Rekor v2 `canonicalizedBody` is the protobuf JSON (protojson, lowerCamelCase
//! names, bytes as standard base64, default values omitted) of
//! `dev.sigstore.rekor.v2.Entry` (rekor-tiles `api/proto/rekor/v2/*.proto`):
//!
//! ```text
//! message Entry { string kind = 1; string api_version = 2; Spec spec = 3; }
//! message Spec  { oneof spec { HashedRekordLogEntryV002 hashed_rekord_v002 = 1;
//!                              DSSELogEntryV002 dsse_v002 = 2; } }
//! message HashedRekordLogEntryV002 {
//!   dev.sigstore.common.v1.HashOutput data = 1;    // { algorithm, digest }
//!   Signature signature = 2;
//! }
//! // Deprecated in favour of a hashedrekord over the DSSE PAE, still accepted.
//! message DSSELogEntryV002 {
//!   dev.sigstore.common.v1.HashOutput payloadHash = 1;   // of the decoded payload
//!   repeated Signature signatures = 2;
//! }
//! message Signature { bytes content = 1; Verifier verifier = 2; }
//! message Verifier {
//!   oneof verifier { PublicKey public_key = 1;            // { bytes raw_bytes }: DER SPKI
//!                    dev.sigstore.common.v1.X509Certificate x509_certificate = 2; }  // DER
//!   dev.sigstore.common.v1.PublicKeyDetails key_details = 3;
//! }
//! ```
//!
//! Rekor v2 accepts a DSSE envelope as a `hashedrekord` 0.0.2 whose digest
//! is Hash(PAE(payloadType, payload)) and whose signature is the envelope's
//! single signature (rekor-v2 spec §6.1.4, as sigstore-python 4.x verifies it;
//! see [`check_dsse_as_hashedrekord`]).
//!
//! Every field is required and unknown fields are refused: the body is the
//! logged leaf, and a field we do not understand could be what a verifier in
//! another language relies on.
//!
//! The rest of what is particular to a Rekor v2 log is elsewhere: its
//! checkpoints' origin and key name in [`super::checkpoint`], its entries'
//! log index (the proof's, as the log is one tree) in
//! [`super::check_log_index`].

use super::compare::{
    b64e, check_digest_and_signature, check_payload_hash, fingerprint, match_signatures,
};
use super::error::malformed;
use super::TlogError;
use crate::crypto::{self, CryptoBackend, Digest, HashAlgorithm, KeyKind};
use base64::Engine as _;

/// A Rekor v2 `Verifier`: the DER of a certificate or of a public key, with
/// the signature scheme it declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierV002 {
    /// `keyDetails`, e.g. `PKIX_ECDSA_P256_SHA_256`; already checked to
    /// agree with the key's type (and RSA modulus size).
    pub key_details: String,
    pub material: VerifierMaterial,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifierMaterial {
    /// `x509Certificate.rawBytes`: a DER certificate.
    Certificate(Vec<u8>),
    /// `publicKey.rawBytes`: a DER SubjectPublicKeyInfo.
    PublicKey(Vec<u8>),
}

impl VerifierMaterial {
    /// The DER the bundle's verification material must equal: the
    /// certificate, or the SPKI.
    pub fn der(&self) -> &[u8] {
        match self {
            VerifierMaterial::Certificate(d) | VerifierMaterial::PublicKey(d) => d,
        }
    }
}

/// A Rekor v2 `Signature`: raw signature bytes and their verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureV002 {
    pub signature: Vec<u8>,
    pub verifier: VerifierV002,
}

/// `hashedrekord` 0.0.2: a digest and one signature over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashedRekordV002 {
    /// `data`: for a message signature the artifact digest; for a DSSE
    /// envelope the digest of its PAE. Its algorithm is the one
    /// `keyDetails` prehashes with.
    pub digest: Digest,
    pub signature: SignatureV002,
}

/// `dsse` 0.0.2 (deprecated by Rekor v2, still a valid log entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsseV002 {
    /// Hash of the envelope's decoded payload.
    pub payload_hash: Digest,
    /// Never empty.
    pub signatures: Vec<SignatureV002>,
}

mod wire {
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct HashedRekordSpec {
        #[serde(rename = "hashedRekordV002")]
        pub hashed_rekord_v002: HashedRekord,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct DsseSpec {
        #[serde(rename = "dsseV002")]
        pub dsse_v002: Dsse,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct HashedRekord {
        pub data: HashOutput,
        pub signature: Signature,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Dsse {
        #[serde(rename = "payloadHash")]
        pub payload_hash: HashOutput,
        // protojson omits an empty list; the absence is refused later.
        #[serde(default)]
        pub signatures: Vec<Signature>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct HashOutput {
        pub algorithm: String,
        pub digest: String,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Signature {
        pub content: String,
        pub verifier: Verifier,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Verifier {
        #[serde(rename = "keyDetails")]
        pub key_details: String,
        #[serde(rename = "publicKey")]
        pub public_key: Option<RawBytes>,
        #[serde(rename = "x509Certificate")]
        pub x509_certificate: Option<RawBytes>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct RawBytes {
        #[serde(rename = "rawBytes")]
        pub raw_bytes: String,
    }
}

/// A required protobuf `bytes` field: standard base64, not empty (protojson
/// omits empty bytes, so an empty string was never emitted by Rekor).
fn bytes(field: &str, s: &str) -> Result<Vec<u8>, TlogError> {
    let b = base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| malformed(format!("{field}: expected base64, found {s:?} ({e})")))?;
    if b.is_empty() {
        return Err(malformed(format!("{field}: expected bytes, found none")));
    }
    Ok(b)
}

/// protobuf-specs `HashAlgorithm` names.
fn hash_algorithm(field: &str, name: &str) -> Result<HashAlgorithm, TlogError> {
    match name {
        "SHA2_256" => Ok(HashAlgorithm::Sha256),
        "SHA2_384" => Ok(HashAlgorithm::Sha384),
        "SHA2_512" => Ok(HashAlgorithm::Sha512),
        other => Err(malformed(format!(
            "{field}.algorithm: expected SHA2_256, SHA2_384 or SHA2_512, found {other:?}"
        ))),
    }
}

fn hash_output(field: &str, h: &wire::HashOutput) -> Result<Digest, TlogError> {
    let algorithm = hash_algorithm(field, &h.algorithm)?;
    let digest = bytes(&format!("{field}.digest"), &h.digest)?;
    Digest::new(algorithm, digest).map_err(|e| malformed(format!("{field}: {e}")))
}

/// What a protobuf-specs `PublicKeyDetails` requires of the key, and the hash
/// it signs a prehashed message with (`None`: pure Ed25519, which signs the
/// message itself). Only the schemes Rekor v2 accepts; the deprecated
/// `PKCS1_RSA_*`/`PKIX_RSA_PKCS1V5` names and P-521 (which no backend here
/// verifies) are refused.
struct Scheme {
    kind: KeyKind,
    rsa_bits: Option<usize>,
    prehash: Option<HashAlgorithm>,
}

fn scheme(key_details: &str) -> Option<Scheme> {
    use HashAlgorithm::*;
    let s = |kind, rsa_bits, prehash| {
        Some(Scheme {
            kind,
            rsa_bits,
            prehash,
        })
    };
    match key_details {
        "PKIX_ECDSA_P256_SHA_256" => s(KeyKind::EcP256, None, Some(Sha256)),
        "PKIX_ECDSA_P384_SHA_384" => s(KeyKind::EcP384, None, Some(Sha384)),
        "PKIX_ED25519" => s(KeyKind::Ed25519, None, None),
        "PKIX_ED25519_PH" => s(KeyKind::Ed25519, None, Some(Sha512)),
        "PKIX_RSA_PKCS1V15_2048_SHA256" | "PKIX_RSA_PSS_2048_SHA256" => {
            s(KeyKind::Rsa, Some(2048), Some(Sha256))
        }
        "PKIX_RSA_PKCS1V15_3072_SHA256" | "PKIX_RSA_PSS_3072_SHA256" => {
            s(KeyKind::Rsa, Some(3072), Some(Sha256))
        }
        "PKIX_RSA_PKCS1V15_4096_SHA256" | "PKIX_RSA_PSS_4096_SHA256" => {
            s(KeyKind::Rsa, Some(4096), Some(Sha256))
        }
        _ => None,
    }
}

/// The SPKI DER inside a DER certificate.
fn certificate_spki(field: &str, der: &[u8]) -> Result<Vec<u8>, TlogError> {
    use x509_parser::prelude::FromDer;
    let (rest, cert) = x509_parser::certificate::X509Certificate::from_der(der)
        .map_err(|e| malformed(format!("{field}: expected a DER X.509 certificate: {e}")))?;
    if !rest.is_empty() {
        return Err(malformed(format!(
            "{field}: {} bytes after the certificate",
            rest.len()
        )));
    }
    Ok(cert.tbs_certificate.subject_pki.raw.to_vec())
}

fn rsa_bits(spki_der: &[u8]) -> Option<usize> {
    use x509_parser::prelude::FromDer;
    use x509_parser::public_key::PublicKey;
    let (_, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(spki_der).ok()?;
    match spki.parsed().ok()? {
        PublicKey::RSA(rsa) => Some(rsa.key_size()),
        _ => None,
    }
}

fn verifier(field: &str, v: &wire::Verifier) -> Result<VerifierV002, TlogError> {
    let (material, spki) = match (&v.public_key, &v.x509_certificate) {
        (Some(k), None) => {
            let der = bytes(&format!("{field}.publicKey.rawBytes"), &k.raw_bytes)?;
            (VerifierMaterial::PublicKey(der.clone()), der)
        }
        (None, Some(c)) => {
            let f = format!("{field}.x509Certificate.rawBytes");
            let der = bytes(&f, &c.raw_bytes)?;
            let spki = certificate_spki(&f, &der)?;
            (VerifierMaterial::Certificate(der), spki)
        }
        _ => {
            return Err(malformed(format!(
                "{field}: expected exactly one of publicKey and x509Certificate"
            )))
        }
    };
    let want = scheme(&v.key_details).ok_or_else(|| {
        malformed(format!(
            "{field}.keyDetails: unsupported signature scheme {:?}",
            v.key_details
        ))
    })?;
    let kind = crypto::key_kind(&spki)
        .map_err(|e| malformed(format!("{field}: the verifier's public key: {e}")))?;
    let bits = if kind == KeyKind::Rsa {
        rsa_bits(&spki)
    } else {
        None
    };
    if kind != want.kind || bits != want.rsa_bits {
        let found = match bits {
            Some(b) => format!("{kind:?} {b}-bit"),
            None => format!("{kind:?}"),
        };
        return Err(malformed(format!(
            "{field}.keyDetails is {} but the key is {found}",
            v.key_details
        )));
    }
    Ok(VerifierV002 {
        key_details: v.key_details.clone(),
        material,
    })
}

fn signature(field: &str, s: &wire::Signature) -> Result<SignatureV002, TlogError> {
    Ok(SignatureV002 {
        signature: bytes(&format!("{field}.content"), &s.content)?,
        verifier: verifier(&format!("{field}.verifier"), &s.verifier)?,
    })
}

/// The hash `key_details` prehashes with; `None` for pure Ed25519 (and for
/// names [`scheme`] does not know, which the parser has already refused).
fn prehash_of(key_details: &str) -> Option<HashAlgorithm> {
    scheme(key_details).and_then(|s| s.prehash)
}

pub(super) fn parse_hashedrekord(spec: serde_json::Value) -> Result<HashedRekordV002, TlogError> {
    let s: wire::HashedRekordSpec = serde_json::from_value(spec)
        .map_err(|e| malformed(format!("hashedrekord 0.0.2 spec: {e}")))?;
    let h = s.hashed_rekord_v002;
    let digest = hash_output("spec.hashedRekordV002.data", &h.data)?;
    let signature = signature("spec.hashedRekordV002.signature", &h.signature)?;
    // Rekor v2 requires the digest to use the verifier's prehash (so pure
    // Ed25519, which has none, cannot sign a hashedrekord); a body that
    // disagrees was not produced by a conforming log.
    match prehash_of(&signature.verifier.key_details) {
        Some(alg) if alg == digest.algorithm() => {}
        Some(alg) => {
            return Err(malformed(format!(
            "spec.hashedRekordV002.data.algorithm is {:?} but keyDetails {} signs {alg:?} digests",
            digest.algorithm(),
            signature.verifier.key_details
        )))
        }
        None => {
            return Err(malformed(format!(
            "spec.hashedRekordV002: keyDetails {} has no prehash and cannot sign a hashedrekord",
            signature.verifier.key_details
        )))
        }
    }
    Ok(HashedRekordV002 { digest, signature })
}

pub(super) fn parse_dsse(spec: serde_json::Value) -> Result<DsseV002, TlogError> {
    let s: wire::DsseSpec =
        serde_json::from_value(spec).map_err(|e| malformed(format!("dsse 0.0.2 spec: {e}")))?;
    let d = s.dsse_v002;
    if d.signatures.is_empty() {
        return Err(malformed(
            "spec.dsseV002.signatures: expected at least one signature, found none",
        ));
    }
    let signatures = d
        .signatures
        .iter()
        .enumerate()
        .map(|(i, sig)| signature(&format!("spec.dsseV002.signatures[{i}]"), sig))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DsseV002 {
        payload_hash: hash_output("spec.dsseV002.payloadHash", &d.payload_hash)?,
        signatures,
    })
}

fn check_verifier(
    crypto: &dyn CryptoBackend,
    field: &'static str,
    recorded: &VerifierV002,
    verifier_der: &[u8],
) -> Result<(), TlogError> {
    if recorded.material.der() != verifier_der {
        let what = match recorded.material {
            VerifierMaterial::Certificate(_) => "certificate DER",
            VerifierMaterial::PublicKey(_) => "public key DER",
        };
        return Err(TlogError::VerifierMismatch {
            field,
            entry: fingerprint(crypto, what, recorded.material.der()),
            bundle: fingerprint(crypto, "DER", verifier_der),
        });
    }
    Ok(())
}

/// A message signature against a `hashedrekord` 0.0.2: same digest
/// (algorithm and bytes), same signature, same verifier DER.
pub(super) fn check_hashedrekord(
    crypto: &dyn CryptoBackend,
    h: &HashedRekordV002,
    digest: &Digest,
    signature: &[u8],
    verifier_der: &[u8],
) -> Result<(), TlogError> {
    check_digest_and_signature(&h.digest, &h.signature.signature, digest, signature)?;
    check_verifier(
        crypto,
        "verification material",
        &h.signature.verifier,
        verifier_der,
    )
}

/// A DSSE envelope logged as a `hashedrekord` 0.0.2 (Rekor v2's
/// "hashedrekord over DSSE", rekor-v2 spec §6.1.4; sigstore-python 4.x
/// `_validate_hashedrekord_v002_dsse_entry_body`):
///
/// * the envelope has exactly one signature (the entry holds one);
/// * `data` is Hash(PAE(payloadType, payload)), Hash being the prehash of
///   the verifier's `keyDetails` (the parser has checked that `data`'s
///   algorithm is that prehash), so the entry commits to the payload type
///   as well as the payload;
/// * `signature.content` is that signature and the verifier is
///   `verifier_der`.
pub(super) fn check_dsse_as_hashedrekord(
    crypto: &dyn CryptoBackend,
    h: &HashedRekordV002,
    payload_type: &str,
    payload: &[u8],
    signatures: &[Vec<u8>],
    verifier_der: &[u8],
) -> Result<(), TlogError> {
    let [sig] = signatures else {
        return Err(TlogError::BodyMismatch {
            field: "number of DSSE signatures",
            entry: "1 (a hashedrekord holds one signature)".into(),
            bundle: signatures.len().to_string(),
        });
    };
    let pae = crate::dsse::pae(payload_type, payload);
    let actual = crypto.digest(h.digest.algorithm(), &pae);
    if actual != h.digest {
        return Err(TlogError::BodyMismatch {
            field: "digest of the DSSE pre-authentication encoding",
            entry: format!("{:?}", h.digest),
            bundle: format!("{actual:?}"),
        });
    }
    if h.signature.signature != *sig {
        return Err(TlogError::BodyMismatch {
            field: "DSSE signature",
            entry: b64e(&h.signature.signature),
            bundle: b64e(sig),
        });
    }
    check_verifier(
        crypto,
        "DSSE signature verifier",
        &h.signature.verifier,
        verifier_der,
    )
}

/// A DSSE envelope against a `dsse` 0.0.2: the payload hash, and exactly the
/// envelope's signatures (as a multiset), each with `verifier_der`.
pub(super) fn check_dsse(
    crypto: &dyn CryptoBackend,
    d: &DsseV002,
    payload: &[u8],
    signatures: &[Vec<u8>],
    verifier_der: &[u8],
) -> Result<(), TlogError> {
    check_payload_hash(crypto, &d.payload_hash, payload)?;
    for r in match_signatures(&d.signatures, |r| &r.signature, signatures)? {
        check_verifier(crypto, "DSSE signature verifier", &r.verifier, verifier_der)?;
    }
    Ok(())
}
