//! RFC 3161 signed timestamps, as carried in a bundle's
//! `verificationMaterial.timestampVerificationData.rfc3161Timestamps[]`.
//!
//! A timestamp proves that the bundle's signature existed at `genTime`:
//! the TSA signs a TSTInfo whose message imprint is the hash of the
//! signature bytes. [`verify_timestamp`] checks one token against the
//! trusted root's timestamp authorities; [`verify_timestamps`] checks a
//! bundle's tokens against a threshold, [`verify_all_timestamps`] requires
//! every one.
//!
//! The TSA chain is validated here rather than through `crate::x509`: the
//! rules are small and specific (the chain comes from the trusted root, not
//! from the token; the leaf must carry a critical timeStamping EKU, RFC 3161
//! §2.3), and every signature still goes through [`CryptoBackend`]. The
//! signing certificate itself is held to `crate::x509`'s end-entity profile,
//! the one a Fulcio leaf meets, with timeStamping for codeSigning.

mod asn1;

pub use asn1::{parse_signed_timestamp, TimeStampToken};

use crate::crypto::{CryptoBackend, HashAlgorithm, SignatureAlgorithm};
use crate::der::{self, DerError};
use crate::error::{Error, Step};
use crate::trust::CertificateAuthority;
use asn1::{Attribute, SignerId};
use thiserror::Error;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;

/// The most timestamps one bundle may carry: sigstore-python's
/// `MAX_ALLOWED_TIMESTAMP` (sigstore/verify/verifier.py), a bound on the
/// work a hostile bundle can cause.
pub const MAX_TIMESTAMPS: usize = 32;

/// A timestamp that verified against a trusted TSA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedTimestamp {
    /// `genTime` in Unix seconds.
    pub time: i64,
    /// Index into the `tsas` slice of the authority that verified it.
    pub tsa_index: usize,
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum TimestampError {
    #[error("malformed timestamp: {0}")]
    Malformed(String),
    #[error("timestamp response status is {status}, expected granted (0) or grantedWithMods (1){}", if text.is_empty() { String::new() } else { format!(": {text}") })]
    NotGranted { status: u64, text: String },
    #[error("unsupported algorithm in timestamp: {0}")]
    UnsupportedAlgorithm(String),
    #[error("timestamp message imprint does not match the {algorithm} hash of the signature")]
    ImprintMismatch { algorithm: &'static str },
    #[error(
        "timestamp SignerInfo has no signed attributes (RFC 5652 §5.3 requires them for a TSTInfo)"
    )]
    MissingSignedAttributes,
    #[error("timestamp signed attribute {attribute} is invalid: {reason}")]
    BadSignedAttribute {
        attribute: &'static str,
        reason: String,
    },
    #[error(
        "timestamp message-digest attribute does not match the {algorithm} hash of the TSTInfo"
    )]
    MessageDigestMismatch { algorithm: &'static str },
    #[error("no timestamp authorities are trusted, but a signed timestamp must be verified")]
    NoTimestampAuthorities,
    #[error("timestamp signer certificate not found: {0}")]
    SignerNotFound(String),
    #[error("timestamp signature does not verify with the TSA certificate {subject}")]
    BadSignature { subject: String },
    #[error("timestamp signing-certificate attribute does not identify the signer: {0}")]
    SigningCertificateMismatch(String),
    #[error("timestamp signer does not chain to the trusted TSA: {0}")]
    UntrustedChain(String),
    #[error("TSA certificate {subject} is not valid at genTime {time} (valid {not_before}..={not_after})")]
    CertificateNotValidAtTime {
        subject: String,
        time: i64,
        not_before: i64,
        not_after: i64,
    },
    #[error("TSA signing certificate {subject} {reason} (RFC 3161 §2.3 requires a critical extendedKeyUsage of exactly id-kp-timeStamping)")]
    BadExtendedKeyUsage { subject: String, reason: String },
    #[error("TSA signing certificate {subject} is not an end-entity certificate fit to sign timestamps: {reason}")]
    SignerProfile { subject: String, reason: String },
    #[error("timestamp genTime {time} is outside the trusted root's validity for the TSA ({start}..={})", end.map_or("open".to_string(), |e| e.to_string()))]
    OutsideTsaValidity {
        time: i64,
        start: i64,
        end: Option<i64>,
    },
    #[error("trusted root TSA entry is unusable: {0}")]
    BadTrustRoot(String),
    #[error("no trusted TSA verified the timestamp: {}", .0.join("; "))]
    NoTrustedTsa(Vec<String>),
    #[error("{count} signed timestamps exceed the limit of {max}")]
    TooMany { count: usize, max: usize },
    #[error("signed timestamps {first} and {second} are identical")]
    Duplicate { first: usize, second: usize },
    #[error("{verified} signed timestamps verified, at least {threshold} required: {}", failures.join("; "))]
    BelowThreshold {
        verified: usize,
        threshold: usize,
        failures: Vec<String>,
    },
    #[error("signed timestamp {index}: {source}")]
    Token {
        index: usize,
        source: Box<TimestampError>,
    },
}

/// A token the DER reader rejects is malformed; the message names the field.
impl From<DerError> for TimestampError {
    fn from(e: DerError) -> Self {
        TimestampError::Malformed(e.to_string())
    }
}

impl From<TimestampError> for Error {
    fn from(e: TimestampError) -> Self {
        Error::verification(Step::Timestamp, e.to_string())
    }
}

/// How many timestamps must verify when a bundle carries any: sigstore-python's
/// `VERIFY_TIMESTAMP_THRESHOLD` (sigstore/verify/verifier.py); sigstore-go's
/// verifier defaults to the same threshold of 1.
pub const VERIFY_TIMESTAMP_THRESHOLD: usize = 1;

/// Verifies a bundle's signed timestamps and returns the genTimes of those
/// that verify, in bundle order.
///
/// Hard errors, whatever the other tokens say: more than [`MAX_TIMESTAMPS`],
/// byte-identical duplicates, a token that does not parse as a
/// TimeStampResp/TimeStampToken (sigstore-python rejects such a bundle when
/// loading it), and fewer than [`VERIFY_TIMESTAMP_THRESHOLD`] verified
/// tokens when there are any. A well-formed token that fails verification
/// (wrong imprint, untrusted TSA, ...) is *not counted* rather than fatal.
///
/// Why not fail closed on every token: both reference verifiers count
/// instead of failing (sigstore-python `_verify_timestamp_authority` drops
/// tokens whose `_verify_signed_timestamp` returns None; sigstore-go
/// `VerifySignedTimestamp` collects errors and compares the count with its
/// threshold), and the recorded sigstore-python fixture
/// `tsa/bundle.txt.sigstore`, which must verify, carries a second token whose
/// imprint is SHA-512("hello"), not the signature's. A bundle may legitimately
/// gather timestamps from several TSAs, only some of which a given trusted
/// root knows. A caller wanting every token to verify uses
/// [`verify_all_timestamps`].
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "the verifier applies one threshold over all verified times (SET and TSA) through collect_timestamps; the tests pin this per-token policy"
    )
)]
pub fn verify_timestamps(
    crypto: &dyn CryptoBackend,
    tokens: &[Vec<u8>],
    signature: &[u8],
    tsas: &[CertificateAuthority],
) -> Result<Vec<i64>, TimestampError> {
    let Collected { times, failures } = collect_timestamps(crypto, tokens, signature, tsas)?;
    if !tokens.is_empty() && times.len() < VERIFY_TIMESTAMP_THRESHOLD {
        return Err(TimestampError::BelowThreshold {
            verified: times.len(),
            threshold: VERIFY_TIMESTAMP_THRESHOLD,
            failures,
        });
    }
    Ok(times.into_iter().map(|(_, t)| t).collect())
}

/// What [`collect_timestamps`] found in a bundle's tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collected {
    /// The verified times, each with its token's index in the bundle (so a
    /// message can say which token's time it is).
    pub times: Vec<(usize, i64)>,
    /// Why each other token did not verify.
    pub failures: Vec<String>,
}

/// The verified times of a bundle's tokens, and why each other token did not
/// verify. Too many, duplicate, malformed or not-granted tokens are errors; a
/// well-formed token that does not verify is only not counted (as
/// sigstore-python's `_verify_timestamp_authority` and sigstore-go do), so the
/// caller applies its own threshold over all verified times.
pub fn collect_timestamps(
    crypto: &dyn CryptoBackend,
    tokens: &[Vec<u8>],
    signature: &[u8],
    tsas: &[CertificateAuthority],
) -> Result<Collected, TimestampError> {
    check_token_set(tokens)?;
    let mut times = Vec::new();
    let mut failures = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        match verify_timestamp(crypto, token, signature, tsas) {
            Ok(v) => times.push((index, v.time)),
            Err(e @ (TimestampError::Malformed(_) | TimestampError::NotGranted { .. })) => {
                return Err(TimestampError::Token {
                    index,
                    source: Box::new(e),
                })
            }
            Err(e) => failures.push(format!("timestamp {index}: {e}")),
        }
    }
    Ok(Collected { times, failures })
}

/// Like [`verify_timestamps`], but fails closed: every token must verify.
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "the fail-closed policy, tested beside the counting one the verifier uses"
    )
)]
pub fn verify_all_timestamps(
    crypto: &dyn CryptoBackend,
    tokens: &[Vec<u8>],
    signature: &[u8],
    tsas: &[CertificateAuthority],
) -> Result<Vec<i64>, TimestampError> {
    check_token_set(tokens)?;
    tokens
        .iter()
        .enumerate()
        .map(|(index, token)| {
            verify_timestamp(crypto, token, signature, tsas)
                .map(|v| v.time)
                .map_err(|e| TimestampError::Token {
                    index,
                    source: Box::new(e),
                })
        })
        .collect()
}

fn check_token_set(tokens: &[Vec<u8>]) -> Result<(), TimestampError> {
    if tokens.len() > MAX_TIMESTAMPS {
        return Err(TimestampError::TooMany {
            count: tokens.len(),
            max: MAX_TIMESTAMPS,
        });
    }
    // sigstore-python rejects duplicates too: one TSA response counted twice
    // would fake a threshold of independent times.
    for (second, t) in tokens.iter().enumerate() {
        if let Some(first) = tokens[..second].iter().position(|u| u == t) {
            return Err(TimestampError::Duplicate { first, second });
        }
    }
    Ok(())
}

/// Verifies one `signedTimestamp` (a DER TimeStampResp or TimeStampToken)
/// over `signature` against the trusted timestamp authorities.
///
/// Steps, in order:
/// 1. the message imprint is the hash of `signature`;
/// 2. signed attributes: content-type is id-ct-TSTInfo, message-digest is
///    the hash of the TSTInfo (RFC 5652 §5.3, §11.1, §11.2);
/// 3. for each trusted TSA until one succeeds: find the signer certificate,
///    verify the SignerInfo signature, the signing-certificate(-v2)
///    attribute, the chain to the TSA's trusted root at genTime, the leaf's
///    timeStamping EKU, and genTime inside the TSA's validity window.
pub fn verify_timestamp(
    crypto: &dyn CryptoBackend,
    token_der: &[u8],
    signature: &[u8],
    tsas: &[CertificateAuthority],
) -> Result<VerifiedTimestamp, TimestampError> {
    let token = parse_signed_timestamp(token_der)?;
    let tst = &token.tst_info;

    // 1. The imprint binds the timestamp to this signature.
    let expected = crypto.digest(tst.imprint_algorithm, signature);
    if expected.as_bytes() != tst.hashed_message.as_slice() {
        return Err(TimestampError::ImprintMismatch {
            algorithm: tst.imprint_algorithm.name(),
        });
    }

    // 2. Signed attributes bind the signature to the TSTInfo.
    let signer = &token.signer;
    if signer.signed_attrs_raw.is_none() {
        return Err(TimestampError::MissingSignedAttributes);
    }
    let ct = single_attribute(
        &signer.signed_attrs,
        asn1::OID_ATTR_CONTENT_TYPE,
        "content-type",
    )?
    .ok_or_else(|| bad_attr("content-type", "missing"))?;
    let mut r = der::Reader::new(ct);
    let ct_oid = r
        .read_oid("content-type attribute")
        .map_err(|e| bad_attr("content-type", &TimestampError::from(e).to_string()))?;
    if ct_oid != asn1::OID_CT_TST_INFO {
        return Err(bad_attr(
            "content-type",
            &format!(
                "is {ct_oid}, expected id-ct-TSTInfo ({})",
                asn1::OID_CT_TST_INFO
            ),
        ));
    }
    let md = single_attribute(
        &signer.signed_attrs,
        asn1::OID_ATTR_MESSAGE_DIGEST,
        "message-digest",
    )?
    .ok_or_else(|| bad_attr("message-digest", "missing"))?;
    let mut r = der::Reader::new(md);
    let md = r
        .read(der::TAG_OCTET_STRING, "message-digest attribute")
        .map_err(|e| bad_attr("message-digest", &TimestampError::from(e).to_string()))?;
    let econtent_digest = crypto.digest(signer.digest_algorithm, &token.econtent);
    if econtent_digest.as_bytes() != md.value {
        return Err(TimestampError::MessageDigestMismatch {
            algorithm: signer.digest_algorithm.name(),
        });
    }
    let sig_alg = signer_signature_algorithm(&signer.signature_algorithm, signer.digest_algorithm)?;

    // 3. Some trusted TSA must vouch for the signer.
    if tsas.is_empty() {
        return Err(TimestampError::NoTimestampAuthorities);
    }
    let mut failures = Vec::new();
    for (i, tsa) in tsas.iter().enumerate() {
        match verify_with_tsa(crypto, &token, sig_alg, tsa) {
            Ok(()) => {
                return Ok(VerifiedTimestamp {
                    time: tst.gen_time,
                    tsa_index: i,
                })
            }
            Err(e) => failures.push(e),
        }
    }
    if failures.len() == 1 {
        if let Some(e) = failures.pop() {
            return Err(e);
        }
    }
    Err(TimestampError::NoTrustedTsa(
        failures
            .iter()
            .zip(tsas)
            .enumerate()
            .map(|(i, (e, tsa))| format!("TSA {i} ({}): {e}", tsa.uri))
            .collect(),
    ))
}

fn bad_attr(attribute: &'static str, reason: &str) -> TimestampError {
    TimestampError::BadSignedAttribute {
        attribute,
        reason: reason.to_string(),
    }
}

/// The single value of an attribute that must occur at most once with
/// exactly one value (RFC 5652 §11.1, §11.2; RFC 5035 §5.4).
fn single_attribute<'a>(
    attrs: &'a [Attribute],
    oid: &str,
    name: &'static str,
) -> Result<Option<&'a [u8]>, TimestampError> {
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    let Some(attr) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() {
        return Err(bad_attr(name, "occurs more than once"));
    }
    match attr.values.as_slice() {
        [v] => Ok(Some(v.as_slice())),
        _ => Err(bad_attr(name, "must have exactly one value")),
    }
}

const OID_ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const OID_ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
const OID_ECDSA_SHA512: &str = "1.2.840.10045.4.3.4";
const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const OID_RSA_SHA256: &str = "1.2.840.113549.1.1.11";
const OID_RSA_SHA384: &str = "1.2.840.113549.1.1.12";
const OID_RSA_SHA512: &str = "1.2.840.113549.1.1.13";
const OID_ED25519: &str = "1.3.101.112";

/// SignerInfo.signatureAlgorithm: either a combined algorithm naming its
/// hash, or a bare key algorithm whose hash is the digestAlgorithm
/// (RFC 5652 §5.4 with RFC 3370 §3.2 for rsaEncryption; RFC 5753 §2.1.1
/// allows id-ecPublicKey likewise).
fn signer_signature_algorithm(
    oid: &str,
    digest: HashAlgorithm,
) -> Result<SignatureAlgorithm, TimestampError> {
    match oid {
        OID_RSA_ENCRYPTION => Ok(SignatureAlgorithm::RsaPkcs1(digest)),
        OID_EC_PUBLIC_KEY => Ok(SignatureAlgorithm::Ecdsa(digest)),
        other => combined_signature_algorithm(other).ok_or_else(|| {
            TimestampError::UnsupportedAlgorithm(format!(
                "signature algorithm {other} (expected ECDSA with SHA-2, RSA PKCS#1 v1.5 with SHA-2, or Ed25519)"
            ))
        }),
    }
}

/// Signature algorithms that name their hash (certificates use these).
fn combined_signature_algorithm(oid: &str) -> Option<SignatureAlgorithm> {
    Some(match oid {
        OID_ECDSA_SHA256 => SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha256),
        OID_ECDSA_SHA384 => SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha384),
        OID_ECDSA_SHA512 => SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha512),
        OID_RSA_SHA256 => SignatureAlgorithm::RsaPkcs1(HashAlgorithm::Sha256),
        OID_RSA_SHA384 => SignatureAlgorithm::RsaPkcs1(HashAlgorithm::Sha384),
        OID_RSA_SHA512 => SignatureAlgorithm::RsaPkcs1(HashAlgorithm::Sha512),
        OID_ED25519 => SignatureAlgorithm::Ed25519,
        _ => return None,
    })
}

fn parse_cert<'a>(der: &'a [u8], what: &str) -> Result<X509Certificate<'a>, String> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok(_) => Err(format!("{what} has trailing data")),
        Err(e) => Err(format!("{what} is not a DER certificate: {e}")),
    }
}

fn subject(cert: &X509Certificate<'_>) -> String {
    cert.subject().to_string()
}

fn subject_key_id<'a>(cert: &X509Certificate<'a>) -> Option<&'a [u8]> {
    cert.extensions()
        .iter()
        .find_map(|ext| match ext.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0),
            _ => None,
        })
}

fn sid_matches(sid: &SignerId, cert: &X509Certificate<'_>) -> bool {
    match sid {
        SignerId::IssuerSerial { issuer, serial } => {
            cert.issuer().as_raw() == issuer.as_slice()
                && der::normalize_integer(cert.raw_serial()) == serial.as_slice()
        }
        SignerId::SubjectKeyId(ski) => subject_key_id(cert) == Some(ski.as_slice()),
    }
}

fn describe_sid(sid: &SignerId) -> String {
    match sid {
        SignerId::IssuerSerial { issuer, serial } => {
            let name = x509_parser::x509::X509Name::from_der(issuer)
                .map(|(_, n)| n.to_string())
                .unwrap_or_else(|_| "?".into());
            format!("issuer \"{name}\", serial {}", hex::encode(serial))
        }
        SignerId::SubjectKeyId(ski) => format!("subjectKeyIdentifier {}", hex::encode(ski)),
    }
}

fn verify_with_tsa(
    crypto: &dyn CryptoBackend,
    token: &TimeStampToken,
    sig_alg: SignatureAlgorithm,
    tsa: &CertificateAuthority,
) -> Result<(), TimestampError> {
    let gen_time = token.tst_info.gen_time;
    let signer_info = &token.signer;
    let chain = tsa
        .chain
        .iter()
        .enumerate()
        .map(|(i, d)| parse_cert(d, &format!("certChain[{i}]")))
        .collect::<Result<Vec<_>, _>>()
        .map_err(TimestampError::BadTrustRoot)?;
    let (Some(trusted_leaf_der), Some(trusted_leaf)) = (tsa.chain.first(), chain.first()) else {
        return Err(TimestampError::BadTrustRoot("certChain is empty".into()));
    };

    // The signer: the embedded certificate the sid names, else the trusted
    // chain's leaf when the sid names it (tokens without certificates,
    // sigstore-python issue 1482). Either way, trust comes from the chain
    // in the trusted root, never from the token.
    let embedded = token
        .certificates
        .iter()
        .find(|d| parse_cert(d, "embedded").is_ok_and(|c| sid_matches(&signer_info.sid, &c)));
    let embedded_cert;
    let (signer_der, path): (&[u8], Vec<&X509Certificate<'_>>);
    match embedded {
        Some(d) if d == trusted_leaf_der => {
            signer_der = d;
            path = chain.iter().collect();
        }
        Some(d) => {
            // Not the trusted leaf: acceptable only if the trusted chain's
            // first certificate issued it (a trusted root listing CAs only).
            embedded_cert = parse_cert(d, "embedded").map_err(TimestampError::Malformed)?;
            signer_der = d;
            path = std::iter::once(&embedded_cert).chain(chain.iter()).collect();
        }
        None if sid_matches(&signer_info.sid, trusted_leaf) => {
            signer_der = trusted_leaf_der;
            path = chain.iter().collect();
        }
        None => {
            return Err(TimestampError::SignerNotFound(format!(
                "the token names {} but embeds no such certificate and the TSA's leaf is \"{}\" serial {}",
                describe_sid(&signer_info.sid),
                subject(trusted_leaf),
                hex::encode(der::normalize_integer(trusted_leaf.raw_serial()))
            )))
        }
    }
    let Some(&leaf) = path.first() else {
        return Err(TimestampError::BadTrustRoot("certChain is empty".into()));
    };

    // The SignerInfo signature over the signed attributes, re-tagged as the
    // SET OF they are (RFC 5652 §5.4).
    let mut signed = signer_info.signed_attrs_raw.clone().unwrap_or_default();
    if let Some(tag) = signed.first_mut() {
        *tag = der::TAG_SET;
    }
    crypto
        .verify(
            leaf.public_key().raw,
            sig_alg,
            &signed,
            &signer_info.signature,
        )
        .map_err(|_| TimestampError::BadSignature {
            subject: subject(leaf),
        })?;

    check_signing_certificate_attr(crypto, &signer_info.signed_attrs, signer_der, leaf)?;

    // The chain at genTime: each certificate issued by the next (issuers
    // are CAs), then every certificate valid at genTime. The last
    // certificate is the trust anchor the trusted root names.
    for pair in path.windows(2) {
        let [child, issuer] = pair else { continue };
        verify_issued_by(crypto, child, issuer)?;
    }

    for cert in &path {
        let validity = cert.validity();
        let (nb, na) = (
            validity.not_before.timestamp(),
            validity.not_after.timestamp(),
        );
        if gen_time < nb || gen_time > na {
            return Err(TimestampError::CertificateNotValidAtTime {
                subject: subject(cert),
                time: gen_time,
                not_before: nb,
                not_after: na,
            });
        }
    }
    check_timestamping_eku(leaf)?;
    check_signer_profile(signer_der, leaf)?;

    if !tsa.validity.contains(gen_time) {
        return Err(TimestampError::OutsideTsaValidity {
            time: gen_time,
            start: tsa.validity.start,
            end: tsa.validity.end,
        });
    }
    Ok(())
}

fn verify_issued_by(
    crypto: &dyn CryptoBackend,
    child: &X509Certificate<'_>,
    issuer: &X509Certificate<'_>,
) -> Result<(), TimestampError> {
    let untrusted = |why: String| TimestampError::UntrustedChain(why);
    if child.issuer().as_raw() != issuer.subject().as_raw() {
        return Err(untrusted(format!(
            "\"{}\" is issued by \"{}\", but the next trusted certificate is \"{}\"",
            subject(child),
            child.issuer(),
            subject(issuer)
        )));
    }
    let is_ca = issuer
        .basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|bc| bc.value.ca);
    if !is_ca {
        return Err(untrusted(format!(
            "issuer \"{}\" is not a CA (basicConstraints cA is not set)",
            subject(issuer)
        )));
    }
    if let Ok(Some(ku)) = issuer.key_usage() {
        if !ku.value.key_cert_sign() {
            return Err(untrusted(format!(
                "issuer \"{}\" key usage does not allow keyCertSign",
                subject(issuer)
            )));
        }
    }
    let oid = child.signature_algorithm.algorithm.to_id_string();
    let alg = combined_signature_algorithm(&oid).ok_or_else(|| {
        TimestampError::UnsupportedAlgorithm(format!(
            "certificate signature algorithm {oid} on \"{}\"",
            subject(child)
        ))
    })?;
    crypto
        .verify(
            issuer.public_key().raw,
            alg,
            child.tbs_certificate.as_ref(),
            &child.signature_value.data,
        )
        .map_err(|_| {
            untrusted(format!(
                "the signature on \"{}\" does not verify with the key of \"{}\"",
                subject(child),
                subject(issuer)
            ))
        })
}

/// RFC 3161 §2.3: "The corresponding certificate MUST contain only one
/// instance of the extended key usage field extension ... with
/// KeyPurposeID having value: id-kp-timeStamping. This extension MUST be
/// critical."
fn check_timestamping_eku(leaf: &X509Certificate<'_>) -> Result<(), TimestampError> {
    let fail = |reason: &str| TimestampError::BadExtendedKeyUsage {
        subject: subject(leaf),
        reason: reason.to_string(),
    };
    let eku = leaf
        .extended_key_usage()
        .map_err(|e| {
            fail(&format!(
                "has an unreadable or repeated extendedKeyUsage ({e})"
            ))
        })?
        .ok_or_else(|| fail("has no extendedKeyUsage extension"))?;
    if !eku.critical {
        return Err(fail("has a non-critical extendedKeyUsage"));
    }
    let v = eku.value;
    if !v.time_stamping {
        return Err(fail("lacks id-kp-timeStamping in extendedKeyUsage"));
    }
    let others = v.any
        || v.server_auth
        || v.client_auth
        || v.code_signing
        || v.email_protection
        || v.ocsp_signing
        || !v.other.is_empty();
    if others {
        return Err(fail("has key purposes besides id-kp-timeStamping"));
    }
    Ok(())
}

/// The signing certificate is an end-entity certificate, checked as a
/// Fulcio leaf is (`x509::check_leaf_profile`): X.509 v3, not a CA,
/// keyUsage digitalSignature without keyCertSign, and (when parsed as an
/// `x509::Certificate`) no critical extension this crate does not
/// understand (RFC 5280 §4.2). It matters most when the token embeds the
/// signer and the trusted root lists only the TSA's CA: then the
/// certificate comes from the token, and only its issuer is trusted.
fn check_signer_profile(
    signer_der: &[u8],
    signer: &X509Certificate<'_>,
) -> Result<(), TimestampError> {
    let fail = |reason: String| TimestampError::SignerProfile {
        subject: subject(signer),
        reason,
    };
    let cert =
        crate::x509::Certificate::from_der(signer_der.to_vec()).map_err(|e| fail(e.to_string()))?;
    crate::x509::check_leaf_profile(&cert, crate::x509::Purpose::TimeStamping)
        .map_err(|e| fail(e.to_string()))
}

/// ```text
/// SigningCertificateV2 ::=  SEQUENCE {                -- RFC 5035 §3
///     certs        SEQUENCE OF ESSCertIDv2,
///     policies     SEQUENCE OF PolicyInformation OPTIONAL }
/// ESSCertIDv2 ::=  SEQUENCE {
///     hashAlgorithm           AlgorithmIdentifier DEFAULT {algorithm id-sha256},
///     certHash                 Hash,                  -- OCTET STRING
///     issuerSerial             IssuerSerial OPTIONAL }
/// SigningCertificate ::=  SEQUENCE {                  -- RFC 2634 §5.4
///     certs        SEQUENCE OF ESSCertID,
///     policies     SEQUENCE OF PolicyInformation OPTIONAL }
/// ESSCertID ::=  SEQUENCE {
///      certHash                 Hash,                 -- SHA-1
///      issuerSerial             IssuerSerial OPTIONAL }
/// IssuerSerial ::= SEQUENCE {
///      issuer                   GeneralNames,
///      serialNumber             CertificateSerialNumber }
/// ```
/// The first ESSCertID(v2) identifies the signing certificate. The crypto
/// seam has no SHA-1, so for a v1 attribute only `issuerSerial` (when
/// present) is compared; Sigstore's TSA emits v2.
fn check_signing_certificate_attr(
    crypto: &dyn CryptoBackend,
    attrs: &[Attribute],
    signer_der: &[u8],
    signer: &X509Certificate<'_>,
) -> Result<(), TimestampError> {
    let mismatch = |why: String| TimestampError::SigningCertificateMismatch(why);
    let malformed = |e: DerError| mismatch(TimestampError::from(e).to_string());
    let v2 = single_attribute(
        attrs,
        asn1::OID_ATTR_SIGNING_CERTIFICATE_V2,
        "signing-certificate-v2",
    )?;
    let v1 = single_attribute(
        attrs,
        asn1::OID_ATTR_SIGNING_CERTIFICATE,
        "signing-certificate",
    )?;
    for (value, is_v2) in [(v2, true), (v1, false)] {
        let Some(value) = value else { continue };
        let mut r = der::Reader::new(value);
        let sc = r
            .read(der::TAG_SEQUENCE, "SigningCertificate")
            .map_err(malformed)?;
        let mut s = sc.reader();
        let certs = s
            .read(der::TAG_SEQUENCE, "SigningCertificate.certs")
            .map_err(malformed)?;
        let mut c = certs.reader();
        let id = c.read(der::TAG_SEQUENCE, "ESSCertID").map_err(malformed)?;
        let mut i = id.reader();
        let hash = if is_v2 && i.peek_tag() == Some(der::TAG_SEQUENCE) {
            let oid = asn1::algorithm_identifier(&mut i, "ESSCertIDv2.hashAlgorithm")
                .map_err(malformed)?;
            Some(asn1::hash_algorithm(&oid)?)
        } else if is_v2 {
            Some(HashAlgorithm::Sha256)
        } else {
            None
        };
        let cert_hash = i
            .read(der::TAG_OCTET_STRING, "ESSCertID.certHash")
            .map_err(malformed)?;
        if let Some(h) = hash {
            if crypto.digest(h, signer_der).as_bytes() != cert_hash.value {
                return Err(mismatch(format!(
                    "ESSCertIDv2 {} certHash does not match the signer certificate \"{}\"",
                    h.name(),
                    subject(signer)
                )));
            }
        }
        if let Some(is) = i
            .read_optional(der::TAG_SEQUENCE, "IssuerSerial")
            .map_err(malformed)?
        {
            let mut isr = is.reader();
            isr.read(der::TAG_SEQUENCE, "IssuerSerial.issuer")
                .map_err(malformed)?;
            let serial = isr
                .read_integer_bytes("IssuerSerial.serialNumber")
                .map_err(malformed)?;
            if serial.as_slice() != der::normalize_integer(signer.raw_serial()) {
                return Err(mismatch(format!(
                    "IssuerSerial serial {} is not the signer certificate's {}",
                    hex::encode(&serial),
                    hex::encode(der::normalize_integer(signer.raw_serial()))
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
