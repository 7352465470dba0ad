//! Trust material: the trusted root (Fulcio CAs, Rekor logs, CT logs, TSAs),
//! client trust configs, and the embedded public-good roots.
//!
//! Wire format: protobuf-specs `dev.sigstore.trustroot.v1.TrustedRoot`
//! (<https://github.com/sigstore/protobuf-specs>, `protos/sigstore_trustroot.proto`)
//! in its canonical JSON mapping (camelCase fields, bytes as base64,
//! timestamps as RFC 3339), media type [`TRUSTED_ROOT_MEDIA_TYPE`]. Parsed
//! into checked types here, so the verifier never sees a key it cannot use or
//! a window without a start.
//!
//! Every Sigstore client ships the public-good instances' `trusted_root.json`
//! as its offline default; so does this crate ([`TrustedRoot::production`],
//! [`TrustedRoot::staging`], [`ClientTrustConfig::production`], …). They are
//! the targets of the TUF repositories `tuf-repo-cdn.sigstore.dev` and
//! `tuf-repo-cdn.sigstage.dev` at the time of the build; this crate does not
//! refresh them over TUF.
//!
//! ```
//! use sigstore_rs::trust::TrustedRoot;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let production = TrustedRoot::production()?;
//! assert!(!production.certificate_authorities.is_empty());
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/assets/trust/staging/trusted_root.json");
//! let staging = TrustedRoot::from_json(&std::fs::read(path)?)?;
//! assert!(!staging.tlogs.is_empty());
//! # Ok(()) }
//! ```

mod signing_config;
pub mod tuf;
mod wire;

pub use signing_config::{
    ClientTrustConfig, SelectedServices, Selector, Service, SigningConfig,
    SIGNING_CONFIG_MEDIA_TYPE,
};

use crate::crypto::{self, HashAlgorithm, KeyKind, SignatureAlgorithm};
use crate::error::{Error, Result};
use base64::Engine as _;
use std::sync::OnceLock;

/// The media type of a trusted root document (`mediaType`).
pub const TRUSTED_ROOT_MEDIA_TYPE: &str =
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1";
/// The media type of a client trust config (protobuf-specs
/// `ClientTrustConfig`: a trusted root and a signing config).
pub const TRUST_CONFIG_MEDIA_TYPE: &str =
    "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json";

/// Embedded public-good roots: the same public bytes every Sigstore client
/// ships as its offline default (from the TUF repositories' trusted_root.json).
const PRODUCTION_TRUSTED_ROOT: &str = include_str!("embedded/production_trusted_root.json");
const STAGING_TRUSTED_ROOT: &str = include_str!("embedded/staging_trusted_root.json");
/// How error messages name the two embedded instances.
const PRODUCTION_INSTANCE: &str = "Sigstore's public-good (production) instance";
const STAGING_INSTANCE: &str = "Sigstore's staging instance";

/// A validity window in Unix seconds. `start` is required by the spec; `end`
/// is open when absent and *inclusive* when present (protobuf-specs
/// `TimeRange`; conformance case `trust-root-tlog-validity-end-inclusive`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// The first second of the window.
    pub start: i64,
    /// The last second of the window, if it is closed.
    pub end: Option<i64>,
}

impl Validity {
    /// Whether `t` (Unix seconds) falls inside the window.
    pub fn contains(&self, t: i64) -> bool {
        t >= self.start && self.end.is_none_or(|e| t <= e)
    }
}

/// A public key from the trusted root, normalised to DER SubjectPublicKeyInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    /// The key, DER SubjectPublicKeyInfo (PKCS#1 RSA keys are wrapped).
    pub spki_der: Vec<u8>,
    /// The kind of key `spki_der` holds.
    pub kind: KeyKind,
    /// The signature scheme the trusted root declares (`keyDetails`).
    pub algorithm: SignatureAlgorithm,
    /// When the key may be used (`validFor`).
    pub validity: Validity,
}

/// A transparency log (Rekor) or a certificate transparency log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransparencyLog {
    /// The log's API base URL (`baseUrl`; empty if the root gives none).
    pub base_url: String,
    /// The Merkle tree hash (`hashAlgorithm`; SHA-256 for every Sigstore log).
    pub hash_algorithm: HashAlgorithm,
    /// The log's signing key and its validity window.
    pub key: TrustedKey,
    /// `logId.keyId`: for Rekor v1 and CT logs, SHA-256 of the DER public key.
    pub log_id: Vec<u8>,
    /// `checkpointKeyId.keyId` when the trusted root gives one (Rekor v2).
    pub checkpoint_key_id: Option<Vec<u8>>,
}

impl CertificateAuthority {
    /// Parses one `CertificateAuthority` JSON object on its own.
    pub fn from_json(data: &[u8]) -> Result<Self> {
        let w: wire::CertificateAuthority = serde_json::from_slice(data).map_err(|e| {
            Error::trust(format!(
                "certificate authority is not valid JSON of the expected shape: {e}"
            ))
        })?;
        check_ca(w).map_err(Error::trust)
    }
}

/// A certificate authority (Fulcio) or timestamp authority: a chain of DER
/// certificates, leaf-most (issuing) first, the trust anchor last. The
/// anchor is usually a self-signed root but may be an intermediate
/// (protobuf-specs `CertificateAuthority.cert_chain`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateAuthority {
    /// The authority's URI (`uri`; empty if the root gives none).
    pub uri: String,
    /// The certificate chain, DER, issuing certificate first, trust anchor last.
    pub chain: Vec<Vec<u8>>,
    /// When certificates it issued may be trusted (`validFor`).
    pub validity: Validity,
}

/// The trust anchors of one Sigstore instance (protobuf-specs
/// `TrustedRoot`): everything the verifier may trust, each with a validity
/// window. Load one with [`TrustedRoot::from_json`] or use an embedded one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrustedRoot {
    /// Rekor transparency logs (v1 and v2).
    pub tlogs: Vec<TransparencyLog>,
    /// Fulcio certificate authorities.
    pub certificate_authorities: Vec<CertificateAuthority>,
    /// Certificate transparency logs, whose SCTs Fulcio leaves embed.
    pub ctlogs: Vec<TransparencyLog>,
    /// RFC 3161 timestamp authorities.
    pub timestamp_authorities: Vec<CertificateAuthority>,
}

impl TrustedRoot {
    /// The embedded trusted root of the public-good production instance
    /// (`https://fulcio.sigstore.dev`, `https://rekor.sigstore.dev`).
    pub fn production() -> Result<Self> {
        Self::from_json(PRODUCTION_TRUSTED_ROOT.as_bytes())
    }

    /// The embedded trusted root of the public-good staging instance
    /// (`sigstage.dev`).
    pub fn staging() -> Result<Self> {
        Self::from_json(STAGING_TRUSTED_ROOT.as_bytes())
    }

    /// Parses a `trusted_root.json` document.
    pub fn from_json(data: &[u8]) -> Result<Self> {
        let w: wire::TrustedRoot = serde_json::from_slice(data).map_err(|e| {
            Error::trust(format!(
                "trusted root is not valid JSON of the expected shape: {e}"
            ))
        })?;
        Self::from_wire(w)
    }

    /// Parses a ClientTrustConfig (`trustedRoot` + `signingConfig`) and
    /// returns its trusted root.
    pub fn from_trust_config_json(data: &[u8]) -> Result<Self> {
        let w: wire::ClientTrustConfig = serde_json::from_slice(data).map_err(|e| {
            Error::trust(format!(
                "trust config is not valid JSON of the expected shape: {e}"
            ))
        })?;
        if w.media_type != TRUST_CONFIG_MEDIA_TYPE {
            return Err(Error::trust(format!(
                "unsupported trust config media type {:?}, expected {TRUST_CONFIG_MEDIA_TYPE:?}",
                w.media_type
            )));
        }
        Self::from_wire(w.trusted_root)
    }

    fn from_wire(w: wire::TrustedRoot) -> Result<Self> {
        if w.media_type != TRUSTED_ROOT_MEDIA_TYPE {
            return Err(Error::trust(format!(
                "unsupported trusted root media type {:?}, expected {TRUSTED_ROOT_MEDIA_TYPE:?}",
                w.media_type
            )));
        }
        let tlogs = w
            .tlogs
            .into_iter()
            .enumerate()
            .map(|(i, l)| check_log(l).map_err(|e| Error::trust(format!("tlogs[{i}]: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let ctlogs = w
            .ctlogs
            .into_iter()
            .enumerate()
            .map(|(i, l)| check_log(l).map_err(|e| Error::trust(format!("ctlogs[{i}]: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let certificate_authorities = w
            .certificate_authorities
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                check_ca(c).map_err(|e| Error::trust(format!("certificateAuthorities[{i}]: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let timestamp_authorities = w
            .timestamp_authorities
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                check_ca(c).map_err(|e| Error::trust(format!("timestampAuthorities[{i}]: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TrustedRoot {
            tlogs,
            certificate_authorities,
            ctlogs,
            timestamp_authorities,
        })
    }

    /// The Rekor log whose `logId` is `log_id`.
    pub fn tlog_by_id(&self, log_id: &[u8]) -> Option<&TransparencyLog> {
        self.tlogs.iter().find(|l| l.log_id == log_id)
    }

    /// For the message of a log entry from an untrusted log: if the log
    /// (by `logId.keyId`) is one of the embedded public instances', a clause
    /// naming that instance, else an empty string. The front ends (CLI,
    /// Python) match the instance's name to add their own spelling of the fix.
    pub(crate) fn instance_hint_for_log(log_id: &[u8]) -> String {
        // The embedded roots' log IDs, read once per process on first failure.
        static LOGS: OnceLock<Vec<(&'static str, Vec<u8>)>> = OnceLock::new();
        let logs = LOGS.get_or_init(|| {
            let instances = [
                (PRODUCTION_INSTANCE, Self::production()),
                (STAGING_INSTANCE, Self::staging()),
            ];
            let mut ids = Vec::new();
            for (name, root) in instances {
                for log in root.map(|r| r.tlogs).unwrap_or_default() {
                    ids.push((name, log.log_id));
                }
            }
            ids
        });
        match logs.iter().find(|(_, id)| id.as_slice() == log_id) {
            Some((name, _)) => {
                format!("; it is a log of {name}: verify against that instance's trusted root")
            }
            None => String::new(),
        }
    }

    /// The Rekor v1 API URL to look detached signatures up in: the base URL
    /// of the trusted Rekor v1 log whose key is open-ended (the one taking
    /// entries now), else the one whose key was valid last.
    ///
    /// A Rekor v1 log is recognised by its log ID, which v1 defines as the
    /// SHA-256 of the log's DER public key (the API's `logID`); Rekor v2 logs
    /// are identified by their checkpoint key hash instead.
    pub fn rekor_v1_url(&self) -> Option<&str> {
        let c = crypto::default_backend();
        self.tlogs
            .iter()
            .filter(|l| !l.base_url.is_empty())
            .filter(|l| c.digest(HashAlgorithm::Sha256, &l.key.spki_der).as_bytes() == l.log_id)
            .max_by_key(|l| {
                (
                    l.key.validity.end.is_none(),
                    l.key.validity.end,
                    l.key.validity.start,
                )
            })
            .map(|l| l.base_url.as_str())
    }

    /// The CT log whose `logId` is `log_id`.
    pub fn ctlog_by_id(&self, log_id: &[u8]) -> Option<&TransparencyLog> {
        self.ctlogs.iter().find(|l| l.log_id == log_id)
    }
}

pub(crate) fn b64(field: &str, s: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|e| format!("{field} is not valid base64: {e}"))
}

/// Parses an RFC 3339 timestamp into Unix seconds.
pub(crate) fn parse_rfc3339(field: &str, s: &str) -> Result<i64, String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|e| format!("{field} {s:?} is not an RFC 3339 time: {e}"))
}

/// Unix seconds as an RFC 3339 time, as messages show times (the number
/// itself if it is out of range). Here beside [`parse_rfc3339`] so that the
/// verifier and the OIDC tokens share it without depending on each other.
pub(crate) fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| t.to_string())
}

fn check_validity(v: Option<wire::TimeRange>) -> Result<Validity, String> {
    let v = v.ok_or("validFor is missing")?;
    let start = v.start.ok_or("validFor.start is missing")?;
    let start = parse_rfc3339("validFor.start", &start)?;
    let end = match v.end {
        Some(e) => Some(parse_rfc3339("validFor.end", &e)?),
        None => None,
    };
    if let Some(e) = end {
        if e < start {
            return Err("validFor.end is before validFor.start".into());
        }
    }
    Ok(Validity { start, end })
}

fn hash_algorithm(s: &str) -> Result<HashAlgorithm, String> {
    match s {
        "SHA2_256" => Ok(HashAlgorithm::Sha256),
        "SHA2_384" => Ok(HashAlgorithm::Sha384),
        "SHA2_512" => Ok(HashAlgorithm::Sha512),
        other => Err(format!("unsupported hashAlgorithm {other:?}")),
    }
}

/// protobuf-specs `PublicKeyDetails` names to a signature scheme.
pub(crate) fn key_details(s: &str) -> Result<SignatureAlgorithm, String> {
    use HashAlgorithm::*;
    use SignatureAlgorithm::*;
    Ok(match s {
        "PKIX_ECDSA_P256_SHA_256" => Ecdsa(Sha256),
        "PKIX_ECDSA_P384_SHA_384" => Ecdsa(Sha384),
        "PKIX_ECDSA_P521_SHA_512" => Ecdsa(Sha512),
        "PKIX_ED25519" | "PKIX_ED25519_PH" => Ed25519,
        "PKCS1_RSA_PKCS1V5"
        | "PKIX_RSA_PKCS1V15_2048_SHA256"
        | "PKIX_RSA_PKCS1V15_3072_SHA256"
        | "PKIX_RSA_PKCS1V15_4096_SHA256" => RsaPkcs1(Sha256),
        "PKIX_RSA_PSS_2048_SHA256" | "PKIX_RSA_PSS_3072_SHA256" | "PKIX_RSA_PSS_4096_SHA256" => {
            RsaPss(Sha256)
        }
        other => return Err(format!("unsupported keyDetails {other:?}")),
    })
}

fn check_key(k: wire::PublicKey) -> Result<TrustedKey, String> {
    let raw = b64(
        "publicKey.rawBytes",
        k.raw_bytes
            .as_deref()
            .ok_or("publicKey.rawBytes is missing")?,
    )?;
    let details = k
        .key_details
        .as_deref()
        .ok_or("publicKey.keyDetails is missing")?;
    let algorithm = key_details(details)?;
    // PKCS1_RSA_PKCS1V5 keys are bare PKCS#1 RSAPublicKey; everything else is
    // PKIX SubjectPublicKeyInfo. Normalise to SPKI so the crypto seam sees one form.
    let spki_der = if details == "PKCS1_RSA_PKCS1V5" && crypto::key_kind(&raw).is_err() {
        rsa_pkcs1_to_spki(&raw)
    } else {
        raw
    };
    let kind = crypto::key_kind(&spki_der).map_err(|e| format!("publicKey: {e}"))?;
    if crypto::check_pair(kind, algorithm).is_err() {
        return Err(format!(
            "publicKey is a {kind:?} key but keyDetails says {details}"
        ));
    }
    Ok(TrustedKey {
        spki_der,
        kind,
        algorithm,
        validity: check_validity(k.valid_for)?,
    })
}

fn check_log(l: wire::TransparencyLogInstance) -> Result<TransparencyLog, String> {
    let key = check_key(l.public_key.ok_or("publicKey is missing")?)?;
    let log_id = b64("logId.keyId", &l.log_id.ok_or("logId is missing")?.key_id)?;
    let checkpoint_key_id = match l.checkpoint_key_id {
        Some(k) => Some(b64("checkpointKeyId.keyId", &k.key_id)?),
        None => None,
    };
    Ok(TransparencyLog {
        base_url: l.base_url.unwrap_or_default(),
        hash_algorithm: hash_algorithm(l.hash_algorithm.as_deref().unwrap_or("SHA2_256"))?,
        key,
        log_id,
        checkpoint_key_id,
    })
}

fn check_ca(c: wire::CertificateAuthority) -> Result<CertificateAuthority, String> {
    let chain = c.cert_chain.ok_or("certChain is missing")?.certificates;
    if chain.is_empty() {
        return Err("certChain has no certificates".into());
    }
    let chain = chain
        .into_iter()
        .map(|c| b64("certChain.certificates[].rawBytes", &c.raw_bytes))
        .collect::<Result<Vec<_>, _>>()?;
    // The last certificate is the trust anchor, "regardless if it's a root
    // or intermediate" (protobuf-specs PR 245, as sigstore-go and
    // sigstore-python treat it), so it need not be self-issued; each entry
    // must still be a certificate.
    for (i, der) in chain.iter().enumerate() {
        use x509_parser::prelude::FromDer;
        x509_parser::certificate::X509Certificate::from_der(der)
            .map_err(|e| format!("certChain.certificates[{i}] is not a DER certificate: {e}"))?;
    }
    Ok(CertificateAuthority {
        uri: c.uri.unwrap_or_default(),
        chain,
        validity: check_validity(c.valid_for)?,
    })
}

/// Wraps a PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo (RFC 3279 §2.3.1).
/// Hand-written: two DER headers are less code than another ASN.1 crate.
fn rsa_pkcs1_to_spki(pkcs1: &[u8]) -> Vec<u8> {
    use crate::der::{write, TAG_BIT_STRING};
    // AlgorithmIdentifier { rsaEncryption, NULL }
    const ALG: &[u8] = &[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    // A BIT STRING's first content octet counts the unused bits: none.
    let key = write::tlv(TAG_BIT_STRING, &[&[0u8][..], pkcs1].concat());
    write::seq(&[ALG, &key])
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_tuf;
