//! PEP 740 attestations for Python distributions: the attestation and
//! provenance objects PyPI serves ([`model`]), Trusted Publishers and the
//! certificate policies they stand for ([`publisher`]), distribution file
//! names ([`dist`]), and verification.
//!
//! Verifying an attestation against a distribution, in order:
//! 1. convert it to a Sigstore bundle (v0.3, DSSE over an in-toto statement);
//! 2. verify the bundle with [`Verifier::verify_dsse`] against the policy
//!    (a publisher's, or any identity policy);
//! 3. the payload is an in-toto v1 statement with exactly one subject, whose
//!    name is the distribution's file name (as PEP 427/625 parse it) and
//!    whose `sha256` is the distribution's;
//! 4. its predicate type is one PyPI knows ([`PREDICATE_TYPES`]).
//!
//! This follows pypi-attestations' `Attestation.verify`.
//!
//! A provenance object ([`Provenance`], what an index serves per file) holds
//! attestations grouped by Trusted Publisher ([`Publisher`]). The index says
//! who published the file, but anyone can get a certificate for their own
//! identity and file a provenance object under it, so a provenance object is
//! only as good as the publisher it is checked against: say whom you expect
//! ([`Expected::Policy`], from the user or a lock file, never from the
//! index), or choose to trust the publisher it names on first use
//! ([`Expected::TrustOnFirstUse`]) and show that publisher to the user.
//! Either way each attestation's certificate must also satisfy the policy of
//! the publisher it is filed under, so the publisher each [`Verified`]
//! reports is one the certificates vouch for.
//!
//! ```
//! use sigstore_rs::pep740::{Distribution, Expected, Provenance, Publisher};
//! use sigstore_rs::Verifier;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/assets/pypi-attestations");
//! let dist = Distribution::from_file(format!("{dir}/pypi_attestations-0.0.19.tar.gz").as_ref())?;
//! let provenance = Provenance::from_json(&std::fs::read(format!(
//!     "{dir}/pypi_attestations-0.0.19.tar.gz.provenance"
//! ))?)?;
//! let expected = Publisher::GitHub {
//!     repository: "trailofbits/pypi-attestations".into(),
//!     workflow: "release.yml".into(),
//!     environment: None,
//! };
//!
//! let verifier = Verifier::production()?;
//! let verified = provenance.verify(&verifier, &dist, &Expected::Policy(expected.policy()))?;
//! assert_eq!(verified[0].predicate_type, "https://docs.pypi.org/attestations/publish/v1");
//! assert_eq!(verified[0].publisher.as_ref(), Some(&expected));
//! # Ok(()) }
//! ```
//!
//! Many files verify in parallel with [`verify_batch`]. An index checks an
//! upload's attestations with [`check_upload`] ([`upload`]).

pub mod dist;
pub mod model;
pub mod publisher;
pub mod upload;

pub use dist::{DistName, Distribution, WheelTags};
pub use model::{
    Attestation, AttestationBundle, CertificateDetails, Envelope, Provenance, VerificationMaterial,
};
pub use publisher::{Publisher, PUBLISHER_KINDS};
pub use upload::{build_provenance, check_upload, Accepted, UploadError};

use crate::dsse::{Statement, IN_TOTO_PAYLOAD_TYPE, STATEMENT_V1};
use crate::error::{Error, Result, Step};
use crate::policy::Policy;
use crate::verify::Verifier;
use std::path::PathBuf;

/// PyPI's publish attestation (<https://docs.pypi.org/attestations/publish/v1/>).
pub const PYPI_PUBLISH_V1: &str = "https://docs.pypi.org/attestations/publish/v1";
/// SLSA build provenance v1 (<https://slsa.dev/spec/v1.0/provenance>).
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// The predicate types PyPI accepts (pypi-attestations `AttestationType`).
pub const PREDICATE_TYPES: [&str; 2] = [SLSA_PROVENANCE_V1, PYPI_PUBLISH_V1];

/// What a verified attestation says about the distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The statement's predicate type, one of [`PREDICATE_TYPES`].
    pub predicate_type: String,
    /// The statement's predicate, if it has one.
    pub predicate: Option<serde_json::Value>,
    /// For an attestation of a provenance object, the Trusted Publisher it is
    /// filed under, whose [`Publisher::policy`] its signing certificate
    /// satisfied (the environment, which certificates do not carry, is as
    /// the index recorded it). `None` for an attestation verified on its own
    /// ([`Attestation::verify`]), which names no publisher.
    pub publisher: Option<Publisher>,
}

/// Whom a provenance object's attestations must have been signed by.
///
/// There is no default: a provenance object names its own publisher, and
/// checked only against that it proves nothing about who published the file.
#[derive(Debug, Clone)]
pub enum Expected {
    /// An identity the caller expects, from the user or a lock file and
    /// never from the index: a Trusted Publisher's [`Publisher::policy`],
    /// or any identity policy. Every attestation must satisfy it, as well as
    /// the policy of the publisher it is filed under.
    Policy(Policy),
    /// Trust on first use: accept whichever publisher the provenance object
    /// names (each attestation must satisfy its publisher's policy). The
    /// caller must show the verified publishers ([`Verified::publisher`]) to
    /// the user, or record them to expect next time.
    TrustOnFirstUse,
}

fn statement_error(msg: impl Into<String>) -> Error {
    Error::verification(Step::Statement, msg)
}

impl Attestation {
    /// Verifies that this attestation, signed by an identity satisfying
    /// `policy`, attests to `dist`.
    pub fn verify(
        &self,
        verifier: &Verifier,
        policy: &Policy,
        dist: &Distribution,
    ) -> Result<Verified> {
        // Step 1.
        let bundle = self.bundle()?;
        // Step 2.
        let v = verifier.verify_dsse(&bundle, policy)?;
        let (Some(payload_type), Some(payload)) = (v.payload_type, v.payload) else {
            return Err(statement_error("the bundle holds no DSSE payload"));
        };
        if payload_type != IN_TOTO_PAYLOAD_TYPE {
            return Err(statement_error(format!(
                "expected payload type {IN_TOTO_PAYLOAD_TYPE:?}, got {payload_type:?}"
            )));
        }
        // Step 3.
        let st = Statement::from_json(&payload).map_err(statement_error)?;
        if st.type_ != STATEMENT_V1 {
            return Err(statement_error(format!(
                "expected an in-toto {STATEMENT_V1:?} statement, got {:?}",
                st.type_
            )));
        }
        let [subject] = st.subject.as_slice() else {
            return Err(statement_error(format!(
                "expected exactly one subject, found {}",
                st.subject.len()
            )));
        };
        let name = subject
            .name
            .as_deref()
            .ok_or_else(|| statement_error("the subject has no name"))?;
        let parsed =
            DistName::parse(name).map_err(|e| statement_error(format!("invalid subject: {e}")))?;
        if &parsed != dist.parsed_name() {
            // pypi-attestations' wording first: callers match on it.
            return Err(statement_error(format!(
                "subject does not match distribution name: the subject {name:?} is not the distribution {:?}",
                dist.name()
            )));
        }
        let want = dist.sha256_hex();
        match subject.digest.get("sha256") {
            Some(d) if *d == want => {}
            other => {
                return Err(Error::verification(
                    Step::ArtifactDigest,
                    format!(
                        "subject does not match distribution digest: the subject's sha256 is {}, \
                         the distribution's is {want}",
                        other.map_or("missing".to_owned(), |d| format!("{d:?}"))
                    ),
                ))
            }
        }
        // Step 4.
        if !PREDICATE_TYPES.contains(&st.predicate_type.as_str()) {
            return Err(statement_error(format!(
                "unknown predicate type {:?} (expected one of {PREDICATE_TYPES:?})",
                st.predicate_type
            )));
        }
        Ok(Verified {
            predicate_type: st.predicate_type,
            predicate: st.predicate,
            publisher: None,
        })
    }
}

impl Provenance {
    /// Verifies every attestation of every bundle against `dist`, each
    /// signed by the publisher it is filed under and, unless `expected` is
    /// [`Expected::TrustOnFirstUse`], by the expected identity. Each
    /// [`Verified`] names its publisher.
    pub fn verify(
        &self,
        verifier: &Verifier,
        dist: &Distribution,
        expected: &Expected,
    ) -> Result<Vec<Verified>> {
        let mut out = Vec::new();
        for (i, b) in self.attestation_bundles.iter().enumerate() {
            // The expected identity first, so that a file from someone else
            // fails on what the caller asked for.
            let policy = match expected {
                Expected::Policy(p) => Policy::AllOf(vec![p.clone(), b.publisher.policy()]),
                Expected::TrustOnFirstUse => b.publisher.policy(),
            };
            for (j, a) in b.attestations.iter().enumerate() {
                let v = a
                    .verify(verifier, &policy, dist)
                    .map_err(|e| in_provenance(e, i, j))?;
                out.push(Verified {
                    publisher: Some(b.publisher.clone()),
                    ..v
                });
            }
        }
        if out.is_empty() {
            return Err(Error::InvalidAttestation(
                "the provenance object holds no attestations".into(),
            ));
        }
        Ok(out)
    }
}

/// Names the failing attestation inside a provenance object.
fn in_provenance(e: Error, bundle: usize, attestation: usize) -> Error {
    let at = format!("attestation_bundles[{bundle}].attestations[{attestation}]");
    match e {
        Error::Verification { step, message } => Error::Verification {
            step,
            message: format!("{at}: {message}"),
        },
        Error::InvalidAttestation(m) => Error::InvalidAttestation(format!("{at}: {m}")),
        Error::Conversion(m) => Error::Conversion(format!("{at}: {m}")),
        Error::InvalidBundle(m) => Error::InvalidBundle(format!("{at}: {m}")),
        other => other,
    }
}

/// The distribution of a batch item: a file to hash, or a known name and digest.
#[derive(Debug, Clone)]
pub enum DistSource {
    /// A file, hashed by the worker that verifies the item.
    File(PathBuf),
    /// A name and digest already known (from a lock file or an index).
    Known(Box<Distribution>),
}

/// What a batch item is verified with.
#[derive(Debug, Clone)]
pub enum Evidence {
    /// One attestation; the item needs a policy.
    Attestation(Attestation),
    /// A provenance object.
    Provenance(Provenance),
}

/// One distribution to verify.
#[derive(Debug, Clone)]
pub struct BatchItem {
    /// The distribution.
    pub dist: DistSource,
    /// Its attestation or provenance.
    pub evidence: Evidence,
    /// Whom its attestations must have been signed by. An attestation alone
    /// names no publisher, so it needs [`Expected::Policy`].
    pub expected: Expected,
}

impl BatchItem {
    fn verify(&self, verifier: &Verifier) -> Result<Vec<Verified>> {
        let dist = match &self.dist {
            DistSource::File(p) => Distribution::from_file(p)?,
            DistSource::Known(d) => (**d).clone(),
        };
        match (&self.evidence, &self.expected) {
            (Evidence::Attestation(a), Expected::Policy(p)) => {
                Ok(vec![a.verify(verifier, p, &dist)?])
            }
            (Evidence::Attestation(_), Expected::TrustOnFirstUse) => Err(Error::InvalidInput(
                "an attestation names no publisher to trust on first use: \
                 it needs the publisher or identity expected to have signed it"
                    .into(),
            )),
            (Evidence::Provenance(p), expected) => p.verify(verifier, &dist, expected),
        }
    }
}

/// Verifies every item on all available cores (hashing included). Results
/// are in item order; one failing item never affects another.
pub fn verify_batch(verifier: &Verifier, items: &[BatchItem]) -> Vec<Result<Vec<Verified>>> {
    verify_batch_on(verifier, items, None)
}

/// [`verify_batch`] on at most `threads` threads (`None`: one per core).
pub fn verify_batch_on(
    verifier: &Verifier,
    items: &[BatchItem],
    threads: Option<usize>,
) -> Vec<Result<Vec<Verified>>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    crate::parallel::map(items, threads.unwrap_or(cores), |item| {
        item.verify(verifier)
    })
}

#[cfg(test)]
mod tests;
