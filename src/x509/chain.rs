//! The certificate path from a leaf to a trusted root's CA, at one instant.
//!
//! As the Sigstore client spec and sigstore-python do, the path is built only
//! from the trusted root's CA chains: intermediates a bundle carries are never
//! trusted, so a bundle cannot introduce a CA.

use super::{Certificate, X509Error, OID_KP_CODE_SIGNING, OID_KP_TIME_STAMPING};
use crate::crypto::CryptoBackend;
use crate::trust::CertificateAuthority;
use std::sync::OnceLock;

/// What the leaf must be certified for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// A Fulcio signing certificate: EKU id-kp-codeSigning.
    CodeSigning,
    /// An RFC 3161 timestamp authority: EKU id-kp-timeStamping, critical and
    /// alone (RFC 3161 §2.3). `crate::timestamp` checks TSA chains itself and
    /// uses this purpose for the signing certificate's profile.
    TimeStamping,
}

/// Which trusted CA issued the leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainInfo {
    /// DER of the certificate that signed the leaf (needed for SCTs).
    pub issuer_der: Vec<u8>,
    /// Index into the `cas` slice given to [`verify_chain`].
    pub ca_index: usize,
}

/// A trusted root's CAs, parsed once. The signatures *inside* each CA chain
/// (intermediate by root, root by itself) do not depend on the bundle, so
/// they are verified at most once per `CaSet` and the result reused: a
/// verifier then pays only for the leaf's signature per bundle.
#[derive(Debug)]
pub struct CaSet {
    cas: Vec<ParsedCa>,
}

#[derive(Debug)]
struct ParsedCa {
    ca: CertificateAuthority,
    /// The chain parsed, or why it does not parse.
    path: Result<Vec<Certificate>, X509Error>,
    /// Outcome of the chain-internal signature checks, computed on first
    /// use: entry `j` is "certificate `j` is signed by certificate `j + 1`";
    /// the last entry is the anchor's self-signature if it is self-issued
    /// (an intermediate anchor is trusted as given).
    links: OnceLock<Vec<Result<(), X509Error>>>,
}

impl CaSet {
    pub fn new(cas: &[CertificateAuthority]) -> CaSet {
        CaSet {
            cas: cas
                .iter()
                .map(|ca| ParsedCa {
                    ca: ca.clone(),
                    path: ca
                        .chain
                        .iter()
                        .map(|der| Certificate::from_der(der.clone()))
                        .collect(),
                    links: OnceLock::new(),
                })
                .collect(),
        }
    }
}

/// Verifies that `leaf` chains to one of `cas` at time `at` (unix seconds).
/// Parses `cas` on every call; a verifier that checks many leaves keeps a
/// [`CaSet`] and calls [`verify_chain_in`].
///
/// Every CA whose trusted-root validity contains `at` is tried in order; the
/// first complete path wins. The last certificate of a CA chain is the trust
/// anchor, "regardless if it's a root or intermediate", and the ones before
/// it are intermediates to build the path with (protobuf-specs
/// `CertificateAuthority.cert_chain`, PR 245; sigstore-go passes them to Go's
/// `x509.Verify` as roots and intermediates). A path is: a chain
/// certificate issued the leaf (names match and its key verifies the leaf's
/// signature), each chain certificate from there on is signed by the next,
/// a self-issued anchor is self-signed, and every certificate, leaf
/// included, is within its validity at `at`. The leaf's issuer is looked for
/// from the chain's first certificate on, so a leaf the root of an
/// `[intermediate, root]` chain issued directly verifies.
///
/// Timestamp authorities list their signing certificate first in the trusted
/// root; when `leaf` is byte-identical to a chain's first certificate, the
/// path starts at the chain's second.
pub fn verify_chain(
    crypto: &dyn CryptoBackend,
    leaf: &Certificate,
    cas: &[CertificateAuthority],
    at: i64,
    purpose: Purpose,
) -> Result<ChainInfo, X509Error> {
    verify_chain_in(crypto, leaf, &CaSet::new(cas), at, purpose)
}

/// [`verify_chain`] against pre-parsed CAs.
pub fn verify_chain_in(
    crypto: &dyn CryptoBackend,
    leaf: &Certificate,
    cas: &CaSet,
    at: i64,
    purpose: Purpose,
) -> Result<ChainInfo, X509Error> {
    check_validity(leaf, at)?;
    check_leaf_profile(leaf, purpose)?;
    let mut failures = Vec::new();
    for (ca_index, parsed) in cas.cas.iter().enumerate() {
        if !parsed.ca.validity.contains(at) {
            continue;
        }
        match verify_path(crypto, leaf, parsed, at) {
            Ok(issuer_der) => {
                return Ok(ChainInfo {
                    issuer_der,
                    ca_index,
                })
            }
            Err(e) => failures.push((ca_index, parsed.ca.uri.as_str(), e)),
        }
    }
    match failures.len() {
        0 => Err(X509Error::NoCaValidAt { at }),
        // One candidate: its own error says more than a list would.
        1 => Err(failures.remove(0).2),
        _ => Err(X509Error::Untrusted(
            failures
                .into_iter()
                .map(|(i, uri, e)| format!("CA {i} ({uri}): {e}"))
                .collect(),
        )),
    }
}

/// The path from `leaf` through one CA chain; returns the issuer's DER.
fn verify_path(
    crypto: &dyn CryptoBackend,
    leaf: &Certificate,
    parsed: &ParsedCa,
    at: i64,
) -> Result<Vec<u8>, X509Error> {
    let full = parsed.path.as_ref().map_err(Clone::clone)?;
    let offset = match full.first() {
        Some(first) if first.der() == leaf.der() => 1,
        _ => 0,
    };
    let Some(first) = full.get(offset) else {
        return Err(X509Error::Untrusted(vec![format!(
            "CA {} has no certificate that could issue the leaf",
            parsed.ca.uri
        )]));
    };
    // Candidate issuers: the chain certificates named as the leaf's issuer.
    // The first that completes a path wins; if none does, the first one's
    // error is the most specific (it is the leaf's nearest issuer).
    let mut first_failure = None;
    for start in offset..full.len() {
        if full[start].subject_raw() != leaf.issuer_raw() {
            continue;
        }
        match verify_path_from(crypto, leaf, parsed, full, start, at) {
            Ok(issuer_der) => return Ok(issuer_der),
            Err(e) => {
                first_failure.get_or_insert(e);
            }
        }
    }
    Err(first_failure.unwrap_or_else(|| X509Error::IssuerMismatch {
        expected: first.subject().into(),
        found: leaf.issuer().into(),
    }))
}

/// The path `leaf`, `full[start]`, …, the anchor.
fn verify_path_from(
    crypto: &dyn CryptoBackend,
    leaf: &Certificate,
    parsed: &ParsedCa,
    full: &[Certificate],
    start: usize,
    at: i64,
) -> Result<Vec<u8>, X509Error> {
    let path = &full[start..];
    let Some(issuer) = path.first() else {
        return Err(X509Error::Untrusted(vec![format!(
            "CA {} has no certificate that could issue the leaf",
            parsed.ca.uri
        )]));
    };
    check_issued_by(crypto, leaf, issuer)?;
    for (j, cert) in path.iter().enumerate() {
        check_validity(cert, at)?;
        // RFC 5280 §4.2.1.9: pathLenConstraint counts the non-self-issued
        // intermediates that may follow this CA, i.e. those below it.
        let below = path[..j].iter().filter(|c| !c.is_self_issued()).count();
        check_ca_profile(cert, below)?;
    }
    // Chain-internal signatures: time-independent, so checked once.
    let links = parsed.links.get_or_init(|| chain_links(crypto, full));
    for link in links.iter().skip(start) {
        link.clone()?;
    }
    Ok(issuer.der().to_vec())
}

/// For each certificate of a CA chain, whether the next one signed it; for
/// the last (the trust anchor), whether it is self-signed when it is
/// self-issued. An anchor that is not self-issued is an intermediate the
/// trusted root vouches for; nothing in the chain can check it.
fn chain_links(crypto: &dyn CryptoBackend, chain: &[Certificate]) -> Vec<Result<(), X509Error>> {
    chain
        .iter()
        .enumerate()
        .map(|(j, cert)| match chain.get(j + 1) {
            Some(next) => check_issued_by(crypto, cert, next),
            None if cert.is_self_issued() => check_issued_by(crypto, cert, cert),
            None => Ok(()),
        })
        .collect()
}

fn check_validity(cert: &Certificate, at: i64) -> Result<(), X509Error> {
    if cert.is_valid_at(at) {
        Ok(())
    } else {
        Err(X509Error::NotValidAt {
            subject: cert.subject().into(),
            at,
            not_before: cert.not_before(),
            not_after: cert.not_after(),
        })
    }
}

/// `cert`'s issuer name is `signer`'s subject and `signer`'s key verifies
/// `cert`'s signature.
fn check_issued_by(
    crypto: &dyn CryptoBackend,
    cert: &Certificate,
    signer: &Certificate,
) -> Result<(), X509Error> {
    if cert.issuer_raw() != signer.subject_raw() {
        return Err(X509Error::IssuerMismatch {
            expected: signer.subject().into(),
            found: cert.issuer().into(),
        });
    }
    crypto
        .verify(
            signer.public_key_spki(),
            cert.signature_algorithm()?,
            cert.tbs_der(),
            cert.signature(),
        )
        .map_err(|e| X509Error::BadSignature {
            subject: cert.subject().into(),
            signer: signer.subject().into(),
            reason: e.to_string(),
        })
}

/// The end-entity profile: a v3 non-CA certificate that may sign
/// (digitalSignature, never keyCertSign) for `purpose`.
pub(crate) fn check_leaf_profile(leaf: &Certificate, purpose: Purpose) -> Result<(), X509Error> {
    let fail = |expected: &str, found: String| {
        Err(X509Error::Leaf {
            expected: expected.into(),
            found,
        })
    };
    if leaf.version() != 3 {
        return fail("an X.509 v3 certificate", format!("v{}", leaf.version()));
    }
    if leaf.basic_constraints().is_some_and(|bc| bc.ca) {
        return fail(
            "basicConstraints absent or cA FALSE",
            "cA TRUE (a CA certificate)".into(),
        );
    }
    match leaf.key_usage() {
        None => {
            return fail(
                "keyUsage with digitalSignature",
                "no keyUsage extension".into(),
            )
        }
        Some(ku) if !ku.digital_signature => {
            return fail(
                "keyUsage with digitalSignature",
                "keyUsage without digitalSignature".into(),
            )
        }
        Some(ku) if ku.key_cert_sign => {
            return fail("keyUsage without keyCertSign", "keyCertSign set".into())
        }
        Some(_) => {}
    }
    let Some(eku) = leaf.eku() else {
        return fail(
            "an extendedKeyUsage extension",
            "no extendedKeyUsage extension".into(),
        );
    };
    match purpose {
        Purpose::CodeSigning => {
            if !eku.oids.iter().any(|o| o == OID_KP_CODE_SIGNING) {
                return fail(
                    "extendedKeyUsage with codeSigning (1.3.6.1.5.5.7.3.3)",
                    format!("{:?}", eku.oids),
                );
            }
        }
        Purpose::TimeStamping => {
            // RFC 3161 §2.3: "The corresponding certificate MUST contain only
            // one instance of the extended key usage field extension ... with
            // KeyPurposeID having value: id-kp-timeStamping. This extension
            // MUST be critical."
            if eku.oids != [OID_KP_TIME_STAMPING] {
                return fail(
                    "extendedKeyUsage of exactly timeStamping (1.3.6.1.5.5.7.3.8)",
                    format!("{:?}", eku.oids),
                );
            }
            if !eku.critical {
                return fail(
                    "a critical extendedKeyUsage (RFC 3161 §2.3)",
                    "a non-critical one".into(),
                );
            }
        }
    }
    Ok(())
}

/// RFC 5280 §4.2.1.9 and §4.2.1.3 for a certificate that issues others.
pub(crate) fn check_ca_profile(cert: &Certificate, below: usize) -> Result<(), X509Error> {
    let fail = |expected: &str, found: String| {
        Err(X509Error::Ca {
            subject: cert.subject().into(),
            expected: expected.into(),
            found,
        })
    };
    if cert.version() != 3 {
        return fail("an X.509 v3 certificate", format!("v{}", cert.version()));
    }
    let Some(bc) = cert.basic_constraints() else {
        return fail("a basicConstraints extension", "none".into());
    };
    if !bc.ca {
        return fail("basicConstraints cA TRUE", "cA FALSE".into());
    }
    // §4.2.1.9: "Conforming CAs MUST include this extension in all CA
    // certificates ... and MUST mark the extension as critical".
    if !bc.critical {
        return fail("a critical basicConstraints", "a non-critical one".into());
    }
    match cert.key_usage() {
        None => return fail("keyUsage with keyCertSign", "no keyUsage extension".into()),
        Some(ku) if !ku.key_cert_sign => {
            return fail(
                "keyUsage with keyCertSign",
                "keyUsage without keyCertSign".into(),
            )
        }
        Some(_) => {}
    }
    if let Some(max) = bc.path_len {
        if below > max as usize {
            return fail(
                &format!("at most {max} intermediate CAs below it (pathLenConstraint)"),
                format!("{below}"),
            );
        }
    }
    Ok(())
}

/// Rejects a bundle's `x509CertificateChain` that carries a root: a
/// self-issued certificate. The trusted root alone supplies trust anchors,
/// and a bundle that ships its own root is malformed (conformance case
/// `bundle-with-root-cert_fail`: "bundle certificate chain contains a root
/// certificate: client should reject this"). An intermediate the trusted
/// root also lists, even as its trust anchor, is only a "SHOULD NOT" for
/// signers (protobuf-specs `VerificationMaterial`); it is never used to build
/// the path, so it is ignored like any other.
pub fn check_bundle_chain(chain: &[Certificate]) -> Result<(), X509Error> {
    for (index, cert) in chain.iter().enumerate() {
        if cert.is_self_issued() {
            return Err(X509Error::RootInBundleChain {
                index,
                subject: cert.subject().into(),
            });
        }
    }
    Ok(())
}
