//! X.509 for Sigstore: Fulcio leaf certificates and their identity claims,
//! the certificate path to a trusted root's CA at a point in time
//! ([`verify_chain`]), and the embedded signed certificate timestamps
//! ([`verify_embedded_scts`]).
//!
//! Parsing uses x509-parser; every signature goes through the crate's
//! [`CryptoBackend`](crate::crypto::CryptoBackend). A [`Certificate`] is parsed
//! once, eagerly, into owned facts, so later checks cannot fail on parsing.

mod chain;
mod sct;

pub(crate) use chain::check_leaf_profile;
#[cfg(test)]
pub use chain::ChainInfo;
pub use chain::{check_bundle_chain, verify_chain, verify_chain_in, CaSet, Purpose};
pub use sct::verify_embedded_scts;

use crate::crypto::{HashAlgorithm, SignatureAlgorithm};
use crate::policy::{Claim, Claims};
use thiserror::Error;
use x509_parser::asn1_rs::{Any, Tag};
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::x509::AlgorithmIdentifier;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum X509Error {
    #[error("malformed certificate: {0}")]
    Malformed(String),
    #[error("expected a PEM CERTIFICATE block, found {0}")]
    Pem(String),
    #[error("unsupported certificate signature algorithm {0}")]
    UnsupportedSignatureAlgorithm(String),
    #[error("certificate {subject:?} is not valid at {at}: valid from {not_before} to {not_after} (unix seconds)")]
    NotValidAt {
        subject: String,
        at: i64,
        not_before: i64,
        not_after: i64,
    },
    #[error("leaf certificate: expected {expected}, found {found}")]
    Leaf { expected: String, found: String },
    #[error("CA certificate {subject:?}: expected {expected}, found {found}")]
    Ca {
        subject: String,
        expected: String,
        found: String,
    },
    #[error("expected certificate issued by {expected:?}, found issuer {found:?}")]
    IssuerMismatch { expected: String, found: String },
    #[error("signature on certificate {subject:?} by {signer:?} does not verify: {reason}")]
    BadSignature {
        subject: String,
        signer: String,
        reason: String,
    },
    #[error("no trusted certificate authority is valid at {at} (unix seconds)")]
    NoCaValidAt { at: i64 },
    #[error("no trusted certificate authority issued the certificate: {}", .0.join("; "))]
    Untrusted(Vec<String>),
    #[error("bundle certificate chain must not contain a root certificate, found self-signed {subject:?} at position {index}")]
    RootInBundleChain { index: usize, subject: String },
    #[error("expected embedded SCTs (extension 1.3.6.1.4.1.11129.2.4.2) in the leaf certificate, found none")]
    NoScts,
    #[error("malformed SCT list: {0}")]
    MalformedScts(String),
    #[error("expected at least {threshold} valid SCT from a trusted CT log, found none among {total}: {}", .reasons.join("; "))]
    NotEnoughScts {
        threshold: usize,
        total: usize,
        reasons: Vec<String>,
    },
}

const OID_BASIC_CONSTRAINTS: &str = "2.5.29.19";
const OID_KEY_USAGE: &str = "2.5.29.15";
const OID_EXT_KEY_USAGE: &str = "2.5.29.37";
const OID_SAN: &str = "2.5.29.17";
pub(crate) const OID_SCT_LIST: &str = "1.3.6.1.4.1.11129.2.4.2";
const OID_FULCIO_ISSUER_V1: &str = "1.3.6.1.4.1.57264.1.1";
const OID_FULCIO_OTHERNAME_SAN: &str = "1.3.6.1.4.1.57264.1.7";
/// RFC 3280/5280 extensions whose meaning this module enforces, so they may
/// be critical. Any other critical extension makes the certificate unusable
/// (RFC 5280 §4.2: "A certificate-using system MUST reject the certificate if
/// it encounters a critical extension it does not recognize").
const UNDERSTOOD_CRITICAL: [&str; 4] = [
    OID_BASIC_CONSTRAINTS,
    OID_KEY_USAGE,
    OID_EXT_KEY_USAGE,
    OID_SAN,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BasicConstraints {
    pub critical: bool,
    pub ca: bool,
    pub path_len: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyUsage {
    pub critical: bool,
    pub digital_signature: bool,
    pub key_cert_sign: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExtendedKeyUsage {
    pub critical: bool,
    pub oids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Extension {
    pub oid: String,
    pub critical: bool,
    /// The extnValue OCTET STRING's contents.
    pub value: Vec<u8>,
}

/// One SCT from the embedded list (RFC 6962 §3.2), owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EmbeddedSct {
    pub version: u8,
    pub log_id: [u8; 32],
    pub timestamp_ms: u64,
    pub extensions: Vec<u8>,
    pub hash_alg: u8,
    pub sig_alg: u8,
    pub signature: Vec<u8>,
}

/// An X.509 certificate: its DER and the facts Sigstore checks, extracted
/// once at construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    tbs: Vec<u8>,
    spki: Vec<u8>,
    subject_raw: Vec<u8>,
    issuer_raw: Vec<u8>,
    subject: String,
    issuer: String,
    issuer_rfc4514: String,
    version: u32,
    not_before: i64,
    not_after: i64,
    signature_algorithm: Result<SignatureAlgorithm, X509Error>,
    signature: Vec<u8>,
    basic_constraints: Option<BasicConstraints>,
    key_usage: Option<KeyUsage>,
    eku: Option<ExtendedKeyUsage>,
    sans: Vec<String>,
    extensions: Vec<Extension>,
    /// `None`: no SCT extension; `Some(Err)`: present but unparseable
    /// (reported at the SCT step, not at construction).
    scts: Option<Result<Vec<EmbeddedSct>, String>>,
}

/// RFC 4514 §2: the RDNs in reverse order, joined by `,`; the attributes of
/// one RDN by `+`; each `TYPE=value`, TYPE a short name (RFC 4514 §3) or
/// the dotted OID, a value that is not a string as `#` and its DER in hex.
fn rfc4514(name: &x509_parser::x509::X509Name<'_>) -> String {
    let registry = x509_parser::objects::oid_registry();
    let rdns: Vec<String> = name
        .iter_rdn()
        .map(|rdn| {
            rdn.iter()
                .map(|attr| {
                    let oid = attr.attr_type();
                    let kind = x509_parser::objects::oid2abbrev(oid, registry)
                        .map_or_else(|_| oid.to_id_string(), str::to_owned);
                    let value = match attr.as_str() {
                        Ok(v) => rfc4514_escape(v),
                        Err(_) => format!("#{}", hex::encode(attr.attr_value().data)),
                    };
                    format!("{kind}={value}")
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    rdns.into_iter().rev().collect::<Vec<_>>().join(",")
}

/// RFC 4514 §2.4: the special characters escaped with a backslash.
fn rfc4514_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let last = v.chars().count().saturating_sub(1);
    for (i, c) in v.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && (c == '#' || c == ' '))
            || (i == last && c == ' ');
        if special {
            out.push('\\');
        }
        if c == '\0' {
            out.push_str("\\00");
        } else {
            out.push(c);
        }
    }
    out
}

fn malformed(what: impl std::fmt::Display) -> X509Error {
    X509Error::Malformed(what.to_string())
}

impl Certificate {
    /// Parses a DER certificate. Rejects trailing bytes, duplicate or
    /// unparseable standard extensions, and unknown critical extensions.
    pub fn from_der(der: Vec<u8>) -> Result<Self, X509Error> {
        let (rest, cert) = X509Certificate::from_der(&der)
            .map_err(|e| malformed(format!("expected a DER X.509 certificate: {e}")))?;
        if !rest.is_empty() {
            return Err(malformed(format!(
                "expected nothing after the certificate, found {} trailing bytes",
                rest.len()
            )));
        }
        let tbs = &cert.tbs_certificate;
        if !same_algorithm(&tbs.signature, &cert.signature_algorithm) {
            // RFC 5280 §4.1.1.2: signatureAlgorithm MUST equal TBSCertificate.signature.
            return Err(malformed(format!(
                "expected the outer signature algorithm {} to equal the TBS signature algorithm {}",
                cert.signature_algorithm.algorithm, tbs.signature.algorithm
            )));
        }
        let signature_algorithm = map_signature_algorithm(&cert.signature_algorithm);

        let mut extensions = Vec::new();
        let mut basic_constraints = None;
        let mut key_usage = None;
        let mut eku = None;
        let mut sans = Vec::new();
        let mut scts = None;
        for ext in tbs.extensions() {
            let oid = ext.oid.to_id_string();
            if extensions.iter().any(|e: &Extension| e.oid == oid) {
                // RFC 5280 §4.2: "MUST NOT include more than one instance".
                return Err(malformed(format!(
                    "expected at most one {oid} extension, found several"
                )));
            }
            if ext.critical && !UNDERSTOOD_CRITICAL.contains(&oid.as_str()) {
                return Err(malformed(format!("unrecognised critical extension {oid}")));
            }
            match ext.parsed_extension() {
                ParsedExtension::ParseError { error } => {
                    if oid == OID_SCT_LIST {
                        scts = Some(Err(error.to_string()));
                    } else {
                        return Err(malformed(format!(
                            "extension {oid} does not parse: {error}"
                        )));
                    }
                }
                ParsedExtension::BasicConstraints(bc) => {
                    basic_constraints = Some(BasicConstraints {
                        critical: ext.critical,
                        ca: bc.ca,
                        path_len: bc.path_len_constraint,
                    })
                }
                ParsedExtension::KeyUsage(ku) => {
                    key_usage = Some(KeyUsage {
                        critical: ext.critical,
                        digital_signature: ku.digital_signature(),
                        key_cert_sign: ku.key_cert_sign(),
                    })
                }
                ParsedExtension::ExtendedKeyUsage(e) => {
                    let mut oids = Vec::new();
                    let known = [
                        (e.any, "2.5.29.37.0"),
                        (e.server_auth, "1.3.6.1.5.5.7.3.1"),
                        (e.client_auth, "1.3.6.1.5.5.7.3.2"),
                        (e.code_signing, OID_KP_CODE_SIGNING),
                        (e.email_protection, "1.3.6.1.5.5.7.3.4"),
                        (e.time_stamping, OID_KP_TIME_STAMPING),
                        (e.ocsp_signing, "1.3.6.1.5.5.7.3.9"),
                    ];
                    oids.extend(known.iter().filter(|k| k.0).map(|k| k.1.to_string()));
                    oids.extend(e.other.iter().map(|o| o.to_id_string()));
                    eku = Some(ExtendedKeyUsage {
                        critical: ext.critical,
                        oids,
                    })
                }
                ParsedExtension::SubjectAlternativeName(san) => {
                    for name in &san.general_names {
                        match name {
                            GeneralName::URI(u) => sans.push((*u).to_string()),
                            GeneralName::RFC822Name(e) => sans.push((*e).to_string()),
                            GeneralName::OtherName(oid, value)
                                if oid.to_id_string() == OID_FULCIO_OTHERNAME_SAN =>
                            {
                                sans.push(other_name_utf8(value).ok_or_else(|| {
                                    malformed(format!(
                                        "expected otherName {OID_FULCIO_OTHERNAME_SAN} to hold [0] EXPLICIT UTF8String"
                                    ))
                                })?)
                            }
                            _ => {}
                        }
                    }
                }
                ParsedExtension::SCT(list) => {
                    scts = Some(Ok(list
                        .iter()
                        .map(|s| EmbeddedSct {
                            version: s.version.0,
                            log_id: *s.id.key_id,
                            timestamp_ms: s.timestamp,
                            extensions: s.extensions.0.to_vec(),
                            hash_alg: s.signature.hash_alg_id,
                            sig_alg: s.signature.sign_alg_id,
                            signature: s.signature.data.to_vec(),
                        })
                        .collect()));
                }
                _ => {}
            }
            extensions.push(Extension {
                oid,
                critical: ext.critical,
                value: ext.value.to_vec(),
            });
        }

        let out = Certificate {
            tbs: tbs.as_ref().to_vec(),
            spki: tbs.subject_pki.raw.to_vec(),
            subject_raw: tbs.subject.as_raw().to_vec(),
            issuer_raw: tbs.issuer.as_raw().to_vec(),
            subject: tbs.subject.to_string(),
            issuer: tbs.issuer.to_string(),
            issuer_rfc4514: rfc4514(&tbs.issuer),
            // X509Version is 0-based (v1 = 0); report the human number.
            version: tbs.version.0 + 1,
            not_before: tbs.validity.not_before.timestamp(),
            not_after: tbs.validity.not_after.timestamp(),
            signature_algorithm,
            signature: cert.signature_value.data.to_vec(),
            basic_constraints,
            key_usage,
            eku,
            sans,
            extensions,
            scts,
            der: Vec::new(),
        };
        Ok(Certificate { der, ..out })
    }

    /// Parses the first `CERTIFICATE` block of a PEM document.
    #[cfg_attr(
        not(test),
        expect(
            dead_code,
            reason = "certificates reach the crate as DER; the tests read PEM fixtures"
        )
    )]
    pub fn from_pem(pem: &[u8]) -> Result<Self, X509Error> {
        for block in x509_parser::pem::Pem::iter_from_buffer(pem) {
            let block = block.map_err(|e| X509Error::Pem(format!("unreadable PEM ({e})")))?;
            if block.label == "CERTIFICATE" {
                return Self::from_der(block.contents);
            }
        }
        Err(X509Error::Pem("no CERTIFICATE block".into()))
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The DER TBSCertificate, the bytes the issuer signed.
    pub fn tbs_der(&self) -> &[u8] {
        &self.tbs
    }

    /// The DER SubjectPublicKeyInfo, as the crypto backend takes keys.
    pub fn public_key_spki(&self) -> &[u8] {
        &self.spki
    }

    pub fn not_before(&self) -> i64 {
        self.not_before
    }

    /// Inclusive (RFC 5280 §4.1.2.5).
    pub fn not_after(&self) -> i64 {
        self.not_after
    }

    pub fn is_valid_at(&self, at: i64) -> bool {
        self.not_before <= at && at <= self.not_after
    }

    /// The subject name as text, for messages.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The issuer name as an RFC 4514 string (most specific RDN first,
    /// `CN=sigstore-intermediate,O=sigstore.dev`), as pyca/cryptography's
    /// `rfc4514_string()` writes it, for people inspecting a certificate.
    pub fn issuer_rfc4514(&self) -> &str {
        &self.issuer_rfc4514
    }

    /// The scheme of the issuer's signature on this certificate.
    pub fn signature_algorithm(&self) -> Result<SignatureAlgorithm, X509Error> {
        self.signature_algorithm.clone()
    }

    /// The issuer's signature over [`Self::tbs_der`].
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// basicConstraints present with cA TRUE.
    #[cfg_attr(
        not(test),
        expect(
            dead_code,
            reason = "the chain checks read basic_constraints directly; the tests use this accessor"
        )
    )]
    pub fn is_ca(&self) -> bool {
        self.basic_constraints.is_some_and(|bc| bc.ca)
    }

    /// Subject and issuer names are byte-identical (RFC 5280 §3.2
    /// "self-issued"); says nothing about who signed it.
    pub fn is_self_issued(&self) -> bool {
        self.subject_raw == self.issuer_raw
    }

    /// The contents of extension `oid`'s extnValue, if present.
    pub fn extension(&self, oid: &str) -> Option<&[u8]> {
        self.extensions
            .iter()
            .find(|e| e.oid == oid)
            .map(|e| e.value.as_slice())
    }

    /// The Fulcio claims `.8` to `.22` the certificate carries, as
    /// `(dotted OID, value)` in OID order; `Err(oid)` names the first that is
    /// not a DER UTF8String.
    pub(crate) fn fulcio_claims(&self) -> Result<Vec<(String, String)>, String> {
        (8..=22)
            .map(|arc| format!("1.3.6.1.4.1.57264.1.{arc}"))
            .filter_map(|oid| match self.fulcio_extension(&oid)? {
                Some(value) => Some(Ok((oid, value))),
                None => Some(Err(oid)),
            })
            .collect()
    }

    pub(crate) fn version(&self) -> u32 {
        self.version
    }
    pub(crate) fn subject_raw(&self) -> &[u8] {
        &self.subject_raw
    }
    pub(crate) fn issuer_raw(&self) -> &[u8] {
        &self.issuer_raw
    }
    pub(crate) fn basic_constraints(&self) -> Option<BasicConstraints> {
        self.basic_constraints
    }
    pub(crate) fn key_usage(&self) -> Option<KeyUsage> {
        self.key_usage
    }
    pub(crate) fn eku(&self) -> Option<&ExtendedKeyUsage> {
        self.eku.as_ref()
    }
    pub(crate) fn scts(&self) -> Option<&Result<Vec<EmbeddedSct>, String>> {
        self.scts.as_ref()
    }

    /// A Fulcio extension as its (possibly deprecated) encoding dictates:
    /// `.1`–`.6` hold the raw UTF-8 string, `.8` onwards a DER UTF8String
    /// (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md).
    /// `Some(None)`: present but not decodable.
    fn fulcio_extension(&self, oid: &str) -> Option<Option<String>> {
        let value = self.extension(oid)?;
        let arc = oid
            .strip_prefix("1.3.6.1.4.1.57264.1.")
            .and_then(|a| a.parse::<u32>().ok());
        let decoded = match arc {
            Some(1..=6) => std::str::from_utf8(value).ok().map(str::to_string),
            _ => der_utf8_string(value),
        };
        Some(decoded)
    }
}

pub(crate) const OID_KP_CODE_SIGNING: &str = "1.3.6.1.5.5.7.3.3";
pub(crate) const OID_KP_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";

impl Claims for Certificate {
    fn sans(&self) -> Vec<String> {
        self.sans.clone()
    }

    /// For [`Claim::OidcIssuer`]: the v2 extension (`.8`), else v1 (`.1`).
    /// Fails closed (returns `None`) when a present extension does not
    /// decode, or when both are present and disagree, so a policy never
    /// matches an issuer the certificate states ambiguously.
    fn claim(&self, claim: Claim) -> Option<String> {
        let v2 = self.fulcio_extension(claim.oid());
        if claim != Claim::OidcIssuer {
            return v2.flatten();
        }
        let v1 = self.fulcio_extension(OID_FULCIO_ISSUER_V1);
        match (v2, v1) {
            (Some(Some(a)), Some(Some(b))) => (a == b).then_some(a),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            _ => None,
        }
    }
}

/// `value` must be exactly one DER UTF8String.
fn der_utf8_string(value: &[u8]) -> Option<String> {
    match <&str>::from_der(value) {
        Ok(([], s)) => Some(s.to_string()),
        _ => None,
    }
}

/// RFC 5280 §4.2.1.6: `OtherName ::= SEQUENCE { type-id OID, value [0] EXPLICIT ANY }`;
/// x509-parser hands over the bytes after type-id. Fulcio puts a UTF8String there.
fn other_name_utf8(value: &[u8]) -> Option<String> {
    let (rest, any) = Any::from_der(value).ok()?;
    if !rest.is_empty() || any.tag() != Tag(0) || !any.header.is_constructed() {
        return None;
    }
    der_utf8_string(any.data)
}

fn same_algorithm(a: &AlgorithmIdentifier, b: &AlgorithmIdentifier) -> bool {
    let params = |x: &AlgorithmIdentifier| {
        x.parameters
            .as_ref()
            .map(|p| (p.header.tag(), p.data.to_vec()))
    };
    a.algorithm == b.algorithm && params(a) == params(b)
}

const OID_ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const OID_ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
const OID_ECDSA_SHA512: &str = "1.2.840.10045.4.3.4";
const OID_RSA_SHA256: &str = "1.2.840.113549.1.1.11";
const OID_RSA_SHA384: &str = "1.2.840.113549.1.1.12";
const OID_RSA_SHA512: &str = "1.2.840.113549.1.1.13";
const OID_RSA_PSS: &str = "1.2.840.113549.1.1.10";
const OID_ED25519: &str = "1.3.101.112";
const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";
const OID_SHA384: &str = "2.16.840.1.101.3.4.2.2";
const OID_SHA512: &str = "2.16.840.1.101.3.4.2.3";

fn map_signature_algorithm(alg: &AlgorithmIdentifier) -> Result<SignatureAlgorithm, X509Error> {
    use HashAlgorithm::*;
    let oid = alg.algorithm.to_id_string();
    let params_null_or_absent = alg
        .parameters
        .as_ref()
        .is_none_or(|p| p.header.tag() == Tag::Null && p.data.is_empty());
    let unsupported = |why: &str| {
        Err(X509Error::UnsupportedSignatureAlgorithm(format!(
            "{oid}{why}"
        )))
    };
    let mapped = match oid.as_str() {
        // RFC 5758 §3.2: ECDSA parameters MUST be absent.
        OID_ECDSA_SHA256 | OID_ECDSA_SHA384 | OID_ECDSA_SHA512 if alg.parameters.is_some() => {
            return unsupported(" with parameters (RFC 5758 §3.2 requires none)")
        }
        OID_ECDSA_SHA256 => SignatureAlgorithm::Ecdsa(Sha256),
        OID_ECDSA_SHA384 => SignatureAlgorithm::Ecdsa(Sha384),
        OID_ECDSA_SHA512 => SignatureAlgorithm::Ecdsa(Sha512),
        // RFC 4055 §5: parameters NULL (absent tolerated, as most verifiers do).
        OID_RSA_SHA256 | OID_RSA_SHA384 | OID_RSA_SHA512 if !params_null_or_absent => {
            return unsupported(" with non-NULL parameters")
        }
        OID_RSA_SHA256 => SignatureAlgorithm::RsaPkcs1(Sha256),
        OID_RSA_SHA384 => SignatureAlgorithm::RsaPkcs1(Sha384),
        OID_RSA_SHA512 => SignatureAlgorithm::RsaPkcs1(Sha512),
        // RFC 8410 §3: Ed25519 parameters MUST be absent.
        OID_ED25519 if alg.parameters.is_some() => {
            return unsupported(" with parameters (RFC 8410 §3 requires none)")
        }
        OID_ED25519 => SignatureAlgorithm::Ed25519,
        OID_RSA_PSS => return map_pss(alg),
        _ => return unsupported(""),
    };
    Ok(mapped)
}

/// RFC 4055 §3.1 RSASSA-PSS-params. The crypto seam supports only MGF1 over
/// the message hash with salt length = hash length, so anything else is
/// unsupported rather than silently verified with other parameters.
fn map_pss(alg: &AlgorithmIdentifier) -> Result<SignatureAlgorithm, X509Error> {
    use x509_parser::signature_algorithm::{MaskGenAlgorithm, SignatureAlgorithm as Parsed};
    let unsupported = |why: String| {
        Err(X509Error::UnsupportedSignatureAlgorithm(format!(
            "RSASSA-PSS {why}"
        )))
    };
    let Ok(Parsed::RSASSA_PSS(params)) = Parsed::try_from(alg) else {
        return unsupported("with unparseable parameters".into());
    };
    let hash_oid = params.hash_algorithm_oid().to_id_string();
    let (hash, len) = match hash_oid.as_str() {
        OID_SHA256 => (HashAlgorithm::Sha256, 32),
        OID_SHA384 => (HashAlgorithm::Sha384, 48),
        OID_SHA512 => (HashAlgorithm::Sha512, 64),
        other => return unsupported(format!("with hash {other}")),
    };
    match params.mask_gen_algorithm() {
        Ok(MaskGenAlgorithm {
            mgf,
            hash: mgf_hash,
        }) if mgf.to_id_string() == "1.2.840.113549.1.1.8"
            && mgf_hash.to_id_string() == hash_oid => {}
        _ => return unsupported(format!("expected MGF1 with {hash_oid}")),
    }
    if params.salt_length() != len {
        return unsupported(format!(
            "expected salt length {len}, found {}",
            params.salt_length()
        ));
    }
    Ok(SignatureAlgorithm::RsaPss(hash))
}

#[cfg(test)]
mod tests;
