//! Signed certificate timestamps embedded in a Fulcio leaf (RFC 6962 §3.3).
//! Fulcio submits a precertificate to its CT log and embeds the returned SCTs
//! in the final certificate; verifying one means rebuilding the precertificate
//! TBS (the leaf's TBS without the SCT list) and checking the log's signature
//! over it.

use super::{Certificate, EmbeddedSct, X509Error};
use crate::crypto::{CryptoBackend, HashAlgorithm, SignatureAlgorithm};
use crate::der::{self, DerError, Reader, TAG_OID, TAG_SEQUENCE};
use crate::trust::TransparencyLog;

/// sigstore-python (`sigstore/verify/verifier.py`, `verify_sct`) accepts a
/// certificate with at least one valid SCT from a trusted log.
const SCT_THRESHOLD: usize = 1;

/// DER contents of OID 1.3.6.1.4.1.11129.2.4.2 (RFC 6962 §3.3).
const SCT_LIST_OID_CONTENTS: [u8; 10] =
    [0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02];

/// Verifies the leaf's embedded SCTs against the trusted CT logs and returns
/// how many verified. Fails without the SCT extension, and unless at least
/// one SCT from a known log verifies at a time inside that log key's
/// validity. SCTs from unknown logs or of unknown versions are not counted.
///
/// `issuer_der` is the certificate that signed the leaf
/// ([`super::ChainInfo::issuer_der`]); Fulcio does not use a separate
/// precertificate signing certificate (RFC 6962 §3.1), so its key is the one
/// the log hashed.
pub fn verify_embedded_scts(
    crypto: &dyn CryptoBackend,
    leaf: &Certificate,
    issuer_der: &[u8],
    ctlogs: &[TransparencyLog],
) -> Result<usize, X509Error> {
    let scts = match leaf.scts() {
        None => return Err(X509Error::NoScts),
        Some(Err(e)) => return Err(X509Error::MalformedScts(e.clone())),
        Some(Ok(scts)) => scts,
    };
    let issuer = Certificate::from_der(issuer_der.to_vec())?;
    let issuer_key_hash = crypto.digest(HashAlgorithm::Sha256, issuer.public_key_spki());
    let precert_tbs = remove_extension(leaf.tbs_der(), &SCT_LIST_OID_CONTENTS)
        .map_err(|e| X509Error::MalformedScts(format!("cannot rebuild the precertificate: {e}")))?;

    let mut verified = 0;
    let mut reasons = Vec::new();
    for (i, sct) in scts.iter().enumerate() {
        match verify_one(
            crypto,
            sct,
            issuer_key_hash.as_bytes(),
            &precert_tbs,
            ctlogs,
        ) {
            Ok(()) => verified += 1,
            Err(reason) => reasons.push(format!("SCT {i}: {reason}")),
        }
    }
    if verified < SCT_THRESHOLD {
        return Err(X509Error::NotEnoughScts {
            threshold: SCT_THRESHOLD,
            total: scts.len(),
            reasons,
        });
    }
    Ok(verified)
}

/// `extensions [3] EXPLICIT Extensions` (RFC 5280 §4.1).
const TAG_EXTENSIONS: u8 = 0xA3;

/// Returns `tbs` (a DER TBSCertificate) without the extension whose OID has
/// the DER contents `oid_contents`; fails unless exactly one such extension
/// exists.
///
/// No available crate performs this rewrite (x509-parser only reads; rcgen
/// only builds new certificates). Every element kept is copied verbatim;
/// only the two containers whose contents change are re-encoded, with
/// minimal DER lengths, so the result is the precertificate TBS the log
/// signed.
///
/// RFC 5280 §4.1:
/// ```text
/// TBSCertificate ::= SEQUENCE { ..., extensions [3] EXPLICIT Extensions OPTIONAL }
/// Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
/// Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE,
///                          extnValue OCTET STRING }
/// ```
pub(crate) fn remove_extension(tbs: &[u8], oid_contents: &[u8]) -> Result<Vec<u8>, DerError> {
    let mut top = Reader::new(tbs);
    let outer = top.read(TAG_SEQUENCE, "TBSCertificate")?;
    top.finish("TBSCertificate")?;
    let mut removed = 0usize;
    let mut body = Vec::with_capacity(tbs.len());
    for field in outer.children("TBSCertificate")? {
        if field.tag != TAG_EXTENSIONS {
            body.extend_from_slice(field.raw);
            continue;
        }
        let mut f = field.reader();
        let exts = f.read(TAG_SEQUENCE, "TBSCertificate.extensions")?;
        f.finish("TBSCertificate.extensions")?;
        let mut kept = Vec::with_capacity(exts.value.len());
        let mut e = exts.reader();
        while !e.is_empty() {
            let ext = e.read(TAG_SEQUENCE, "Extension")?;
            let id = ext.reader().read(TAG_OID, "Extension.extnID")?;
            if id.value == oid_contents {
                removed += 1;
            } else {
                kept.extend_from_slice(ext.raw);
            }
        }
        body.extend(der::write::tlv(
            TAG_EXTENSIONS,
            &der::write::tlv(TAG_SEQUENCE, &kept),
        ));
    }
    if removed != 1 {
        return Err(DerError::new(
            "TBSCertificate.extensions",
            format!("expected exactly one extension to remove, found {removed}"),
        ));
    }
    Ok(der::write::tlv(TAG_SEQUENCE, &body))
}

fn verify_one(
    crypto: &dyn CryptoBackend,
    sct: &EmbeddedSct,
    issuer_key_hash: &[u8],
    precert_tbs: &[u8],
    ctlogs: &[TransparencyLog],
) -> Result<(), String> {
    // RFC 6962 §3.2: `enum { v1(0), (255) } Version;`
    if sct.version != 0 {
        return Err(format!(
            "expected SCT version 0 (v1), found {}",
            sct.version
        ));
    }
    let log = ctlogs
        .iter()
        .find(|l| l.log_id == sct.log_id)
        .ok_or_else(|| format!("log {} is not a trusted CT log", hex::encode(sct.log_id)))?;
    let at = i64::try_from(sct.timestamp_ms / 1000).map_err(|_| "timestamp out of range")?;
    if !log.key.validity.contains(at) {
        return Err(format!(
            "timestamp {at} is outside log {}'s key validity {:?}",
            log.base_url, log.key.validity
        ));
    }
    let algorithm = sct_algorithm(sct.hash_alg, sct.sig_alg)?;
    let message = signed_data(sct, issuer_key_hash, precert_tbs)?;
    crypto
        .verify(&log.key.spki_der, algorithm, &message, &sct.signature)
        .map_err(|e| format!("signature by log {} does not verify: {e}", log.base_url))
}

/// The SCT's `SignatureAndHashAlgorithm` (RFC 5246 §7.4.1.4.1 codes).
/// RFC 6962 §2.1.4: "Logs MUST use either elliptic curves using the NIST
/// P-256 curve (Section D.1.2.3 of the Digital Signature Standard [DSS]) or
/// RSA signatures (RSASSA-PKCS1-V1_5 with SHA-256, Section 8.2 of [RFC3447])
/// using a key of at least 2048 bits", and §3.2 signs the SCT with that
/// scheme: SHA-256 with ECDSA or RSA, nothing else. Whether the curve or
/// modulus fits is the log key's business (the trusted root pins it).
fn sct_algorithm(hash: u8, sig: u8) -> Result<SignatureAlgorithm, String> {
    let h = match hash {
        4 => HashAlgorithm::Sha256,
        other => {
            let name = match other {
                5 => "SHA-384".to_string(),
                6 => "SHA-512".to_string(),
                8 => "an intrinsic hash (Ed25519)".to_string(),
                n => format!("hash algorithm {n}"),
            };
            return Err(format!(
                "SCT signed with {name}; RFC 6962 §2.1.4 requires SHA-256 (hash algorithm 4)"
            ));
        }
    };
    match sig {
        1 => Ok(SignatureAlgorithm::RsaPkcs1(h)),
        3 => Ok(SignatureAlgorithm::Ecdsa(h)),
        other => Err(format!(
            "SCT signature algorithm {other}; RFC 6962 §2.1.4 requires ECDSA (3) or RSA (1)"
        )),
    }
}

/// RFC 6962 §3.2, the input to the log's signature for a precertificate:
/// ```text
/// digitally-signed struct {
///     Version sct_version;                          -- 1 byte, v1(0)
///     SignatureType signature_type = certificate_timestamp;  -- 1 byte, 0
///     uint64 timestamp;
///     LogEntryType entry_type;                      -- 2 bytes, precert_entry(1)
///     PreCert signed_entry;  -- opaque issuer_key_hash[32];
///                            -- TBSCertificate tbs_certificate<1..2^24-1>;
///     CtExtensions extensions;                      -- opaque <0..2^16-1>
/// };
/// ```
fn signed_data(
    sct: &EmbeddedSct,
    issuer_key_hash: &[u8],
    precert_tbs: &[u8],
) -> Result<Vec<u8>, String> {
    let tbs_len = u32::try_from(precert_tbs.len())
        .ok()
        .filter(|l| *l < 1 << 24)
        .ok_or("precertificate TBS longer than 2^24-1 bytes")?;
    let ext_len = u16::try_from(sct.extensions.len()).map_err(|_| "SCT extensions too long")?;
    let mut m = Vec::with_capacity(precert_tbs.len() + 64);
    m.push(sct.version);
    m.push(0);
    m.extend_from_slice(&sct.timestamp_ms.to_be_bytes());
    m.extend_from_slice(&1u16.to_be_bytes());
    m.extend_from_slice(issuer_key_hash);
    m.extend_from_slice(&tbs_len.to_be_bytes()[1..]);
    m.extend_from_slice(precert_tbs);
    m.extend_from_slice(&ext_len.to_be_bytes());
    m.extend_from_slice(&sct.extensions);
    Ok(m)
}
