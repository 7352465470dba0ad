//! Fuzz targets: one function per untrusted input format, each taking raw
//! bytes and driving the crate's real parsers and, where a parse succeeds,
//! the verification logic behind them against the embedded production and
//! staging trusted roots.
//!
//! Not part of the API: compiled for the crate's own tests (which replay the
//! committed corpora under `fuzz/corpus/`) and with the `fuzzing` feature for
//! the AFL++ harnesses in `fuzz/` (see `scripts/fuzz.sh`). Every function must
//! return normally on any input; a panic is a bug in the code under test.

use crate::bundle::{Bundle, Content};
use crate::crypto::{self, CryptoBackend};
use crate::pep740::dist::{normalize_project_name, Version};
use crate::pep740::{Attestation, DistName, Distribution, Expected, Provenance};
use crate::policy::Policy;
use crate::tlog::{parse_checkpoint, verify_checkpoint, RekorVersion, SignedNote};
use crate::trust::TrustedRoot;
use crate::verify::{Artifact, Verifier};
use crate::x509::{self, Certificate, Purpose};
use std::sync::OnceLock;

/// A fuzz target: takes any bytes, must return on every input.
pub type Target = fn(&[u8]);

/// The targets by name, as `fuzz/` and `scripts/fuzz.sh` name them and as
/// their corpora are laid out (`fuzz/corpus/<name>/`).
pub const TARGETS: [(&str, Target); 6] = [
    ("bundle_json", bundle_json),
    ("x509_cert", x509_cert),
    ("rfc3161_token", rfc3161_token),
    ("checkpoint", checkpoint),
    ("provenance_json", provenance_json),
    ("dist_name", dist_name),
];

/// One embedded Sigstore instance, parsed once per process.
struct Instance {
    root: TrustedRoot,
    verifier: Verifier,
    fulcio: x509::CaSet,
}

/// Production and staging: most recorded material in the seed corpora is
/// from one of them (the rest from test instances), so mutations of those
/// seeds reach the verifier's later steps instead of stopping at "unknown
/// log".
fn instances() -> &'static [Instance] {
    static CELL: OnceLock<Vec<Instance>> = OnceLock::new();
    CELL.get_or_init(|| {
        [TrustedRoot::production(), TrustedRoot::staging()]
            .into_iter()
            .flatten()
            .map(|root| Instance {
                fulcio: x509::CaSet::new(&root.certificate_authorities),
                verifier: Verifier::new(root.clone()),
                root,
            })
            .collect()
    })
}

/// A policy every identity satisfies, so a fuzzed bundle is never stopped by
/// its identity before the cryptographic steps.
fn any_identity() -> Option<&'static Policy> {
    static CELL: OnceLock<Option<Policy>> = OnceLock::new();
    CELL.get_or_init(|| Policy::identity_regex(".*", None).ok())
        .as_ref()
}

fn backend() -> &'static dyn CryptoBackend {
    crypto::default_backend()
}

/// A Sigstore bundle (JSON): [`Bundle::from_json`], serialisation, then
/// verification against each embedded instance, with the artifact digest
/// the bundle itself claims (message signatures) or as a DSSE bundle.
pub fn bundle_json(data: &[u8]) {
    run_bundle_json(data);
}

/// The targets below return how many verifications succeeded, so that the
/// tests can show recorded material passes every step of its harness: the
/// fuzzer's mutations then start from inputs that reach the deepest checks.
fn run_bundle_json(data: &[u8]) -> usize {
    let Ok(bundle) = Bundle::from_json(data) else {
        return 0;
    };
    let _ = bundle.to_json_string();
    let Some(policy) = any_identity() else {
        return 0;
    };
    let artifact = match &bundle.content {
        Content::MessageSignature {
            digest: Some(d), ..
        } => Some(Artifact::Digest(d.clone())),
        Content::MessageSignature { digest: None, .. } => Some(Artifact::Bytes(Vec::new())),
        Content::Dsse(_) => None,
    };
    let verify = |instance: &Instance| match &artifact {
        Some(a) => instance.verifier.verify_artifact(a, &bundle, policy),
        None => instance.verifier.verify_dsse(&bundle, policy),
    };
    instances().iter().map(verify).filter(Result::is_ok).count()
}

/// An X.509 certificate (DER, as certificates reach the crate): parsing,
/// policy claims, the path (leaf profile included) to each instance's Fulcio
/// CAs at the certificate's `notBefore`, and its embedded SCTs against each
/// instance's CT logs (issuer: the path's, else each Fulcio CA's issuing
/// certificate). Timestamp authority leaves are reached through
/// [`rfc3161_token`].
pub fn x509_cert(data: &[u8]) {
    run_x509_cert(data);
}

/// Counts the instances whose CT logs verified the certificate's SCTs.
fn run_x509_cert(data: &[u8]) -> usize {
    let Ok(cert) = Certificate::from_der(data.to_vec()) else {
        return 0;
    };
    let _ = (cert.subject(), cert.issuer(), cert.signature_algorithm());
    let _ = (cert.is_self_issued(), cert.is_valid_at(0));
    let _ = (cert.basic_constraints(), cert.key_usage(), cert.eku());
    if let Some(policy) = any_identity() {
        let _ = policy.check(&cert);
    }
    let c = backend();
    let mut verified = 0;
    for instance in instances() {
        let at = cert.not_before();
        let ctlogs = &instance.root.ctlogs;
        let chain = x509::verify_chain_in(c, &cert, &instance.fulcio, at, Purpose::CodeSigning);
        match chain {
            Ok(info) => {
                let scts = x509::verify_embedded_scts(c, &cert, &info.issuer_der, ctlogs);
                verified += usize::from(scts.is_ok());
            }
            Err(_) => {
                for ca in &instance.root.certificate_authorities {
                    if let Some(issuer) = ca.chain.first() {
                        let _ = x509::verify_embedded_scts(c, &cert, issuer, ctlogs);
                    }
                }
            }
        }
    }
    verified
}

/// An RFC 3161 `signedTimestamp` with the signature it timestamps. The input
/// is framed `len (u16, big-endian) || signature || token`, so that seeds
/// taken from recorded bundles pass the imprint check and mutations reach the
/// CMS signature, attribute and TSA chain checks. Inputs too short to frame
/// are parsed as a token alone.
pub fn rfc3161_token(data: &[u8]) {
    run_rfc3161_token(data);
}

/// Counts the instances one of whose TSAs verified the token.
fn run_rfc3161_token(data: &[u8]) -> usize {
    let Some(([hi, lo], rest)) = data.split_first_chunk::<2>() else {
        let _ = crate::timestamp::parse_signed_timestamp(data);
        return 0;
    };
    let len = usize::from(u16::from_be_bytes([*hi, *lo]));
    let (signature, token) = rest.split_at(len.min(rest.len()));
    let c = backend();
    let verify = |instance: &Instance| {
        let tsas = &instance.root.timestamp_authorities;
        crate::timestamp::verify_timestamp(c, token, signature, tsas)
    };
    instances().iter().map(verify).filter(Result::is_ok).count()
}

/// A checkpoint (C2SP signed note, UTF-8): the note and checkpoint syntax,
/// then verification against every transparency log of each instance.
pub fn checkpoint(data: &[u8]) {
    run_checkpoint(data);
}

/// Counts the logs that verified the note.
fn run_checkpoint(data: &[u8]) -> usize {
    let Ok(note) = std::str::from_utf8(data) else {
        return 0;
    };
    let _ = parse_checkpoint(note);
    if let Ok(signed) = SignedNote::parse(note) {
        let _ = parse_checkpoint(&signed.text);
    }
    let c = backend();
    instances()
        .iter()
        .flat_map(|instance| &instance.root.tlogs)
        .flat_map(|log| [(log, RekorVersion::V1), (log, RekorVersion::V2)])
        .filter(|(log, version)| verify_checkpoint(c, note, log, *version).is_ok())
        .count()
}

/// A PEP 740 provenance object or a single attestation (JSON): parsing,
/// serialisation, conversion to a bundle, and verification against each
/// instance for the distribution the (unverified) statement names, with the
/// publishers the provenance declares.
pub fn provenance_json(data: &[u8]) {
    run_provenance_json(data);
}

/// Counts the verifications (of a provenance object or an attestation, per
/// instance) that succeeded.
fn run_provenance_json(data: &[u8]) -> usize {
    let mut verified = 0;
    if let Ok(provenance) = Provenance::from_json(data) {
        let _ = provenance.to_json();
        let dist = provenance
            .attestation_bundles
            .iter()
            .flat_map(|b| &b.attestations)
            .find_map(claimed_distribution);
        if let Some(dist) = dist {
            for instance in instances() {
                let v = provenance.verify(&instance.verifier, &dist, &Expected::TrustOnFirstUse);
                verified += usize::from(v.is_ok());
            }
        }
    }
    if let Ok(attestation) = Attestation::from_json(data) {
        let _ = attestation.to_json();
        let _ = attestation.to_bundle();
        if let (Some(dist), Some(policy)) = (claimed_distribution(&attestation), any_identity()) {
            for instance in instances() {
                let v = attestation.verify(&instance.verifier, policy, &dist);
                verified += usize::from(v.is_ok());
            }
        }
    }
    verified
}

/// The distribution an attestation's statement claims as its first subject.
fn claimed_distribution(attestation: &Attestation) -> Option<Distribution> {
    let statement = attestation.statement_json().ok()?;
    let subject = statement.get("subject")?.get(0)?;
    let name = subject.get("name")?.as_str()?;
    let sha256 = subject.get("digest")?.get("sha256")?.as_str()?;
    Distribution::new(name, sha256).ok()
}

/// A distribution file name (UTF-8): wheel and sdist name parsing, PEP 503
/// normalisation and PEP 440 version parsing, as attestation subjects and
/// index file names are read.
pub fn dist_name(data: &[u8]) {
    let Ok(name) = std::str::from_utf8(data) else {
        return;
    };
    let _ = DistName::parse(name);
    let _ = normalize_project_name(name);
    let _ = Version::parse(name);
    let _ = Distribution::new(name, &"0".repeat(64));
}

#[cfg(test)]
mod tests;
