//! The index side of PEP 740: the checks an index runs on the attestations
//! of an upload, and the provenance object it then serves for the file.
//!
//! The rules are Warehouse's (PyPI's `warehouse/attestations/services.py`,
//! `_extract_attestations_from_request` and `IntegrityService`):
//! 1. attestations are accepted only from an upload authenticated by a
//!    Trusted Publisher, whose identity every attestation must carry;
//! 2. the upload's `attestations` form field is a JSON list of attestation
//!    objects, not empty (an upload without attestations omits the field);
//! 3. at most one attestation per supported predicate type, so at most
//!    [`MAX_ATTESTATIONS`];
//! 4. each attestation verifies against the uploaded file (one in-toto
//!    subject, whose name and sha256 are the file's) and the publisher's
//!    policy ([`Attestation::verify`]);
//! 5. its predicate type is one of [`PREDICATE_TYPES`], and no two
//!    attestations share one.
//!
//! The index refuses an upload that breaks any rule with HTTP 400 and
//! [`UploadError::http_message`] (Warehouse's wording, [`HTTP_400_PREFIX`]).
//! Where Warehouse passes on a library's text, these messages say which
//! certificate claim differed, what the publisher expects and what the
//! certificate says; and when the certificate comes from a reusable
//! workflow, that the Trusted Publisher must name the calling workflow.
//!
//! An accepted upload's provenance object ([`build_provenance`]) holds one
//! attestation bundle: the publisher and the attestations.

use super::model::{AttestationBundle, FormatVersion};
use super::{Attestation, Distribution, Provenance, Publisher, Verified, PREDICATE_TYPES};
use crate::dsse::Statement;
use crate::error::{Error, Step};
use crate::policy::{Claim, Claims};
use crate::verify::Verifier;
use crate::x509::Certificate;
use thiserror::Error as ThisError;

/// What an index answers (HTTP 400) before the reason an upload's
/// attestations were refused, as Warehouse words it.
pub const HTTP_400_PREFIX: &str = "Invalid attestations supplied during upload: ";

/// At most one attestation per supported predicate type (Warehouse's limit).
pub const MAX_ATTESTATIONS: usize = PREDICATE_TYPES.len();

/// Why an index refuses an upload's attestations. The messages are
/// Warehouse's, with the cause a person can act on.
#[derive(Debug, ThisError, Clone, PartialEq, Eq)]
pub enum UploadError {
    /// The upload did not come through a Trusted Publisher.
    #[error("Attestations are only supported when using Trusted Publishing")]
    NoTrustedPublisher,
    /// The `attestations` field is not a JSON list of attestation objects.
    #[error("Malformed attestations: {0}")]
    Malformed(String),
    /// The `attestations` field is an empty list.
    #[error("Malformed attestations: an empty attestation set is not permitted")]
    Empty,
    /// More attestations than [`MAX_ATTESTATIONS`].
    #[error("A maximum of {max} attestations per file are supported, got {count}")]
    TooMany {
        /// How many were supplied.
        count: usize,
        /// [`MAX_ATTESTATIONS`].
        max: usize,
    },
    /// A predicate type outside [`PREDICATE_TYPES`].
    #[error("Attestation with unsupported predicate type: {0}")]
    UnsupportedPredicateType(String),
    /// Two attestations with the same predicate type.
    #[error("Multiple attestations for the same file with the same predicate type ({0}) are not supported")]
    DuplicatePredicateType(String),
    /// An attestation did not verify against the file and the publisher.
    #[error("Could not verify the uploaded artifact using the included attestation: attestations[{index}]: {message}")]
    Verification {
        /// Its position in the list.
        index: usize,
        /// The step that failed.
        step: Step,
        /// What was expected and what was found (with the reusable-workflow
        /// hint, where it applies).
        message: String,
    },
    /// An attestation could not be verified at all (malformed certificate,
    /// bundle conversion).
    #[error("Unknown error while trying to verify included attestations: attestations[{index}]: {error}")]
    Other {
        /// Its position in the list.
        index: usize,
        /// The error.
        error: Error,
    },
}

impl UploadError {
    /// The text of the index's HTTP 400 answer: [`HTTP_400_PREFIX`] and
    /// this error's message.
    pub fn http_message(&self) -> String {
        format!("{HTTP_400_PREFIX}{self}")
    }
}

/// An attestation an index accepted, and what it verified as.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    /// The attestation as uploaded.
    pub attestation: Attestation,
    /// Its verified predicate, filed under the publisher.
    pub verified: Verified,
}

/// Checks an upload's attestations (the `attestations` form field,
/// `attestations_json`) for the uploaded file `dist`, uploaded through
/// `publisher` (`None`: not through a Trusted Publisher), by the rules in
/// the module documentation.
pub fn check_upload(
    verifier: &Verifier,
    dist: &Distribution,
    attestations_json: &[u8],
    publisher: Option<&Publisher>,
) -> Result<Vec<Accepted>, UploadError> {
    // Step 1.
    let publisher = publisher.ok_or(UploadError::NoTrustedPublisher)?;
    // Step 2.
    let attestations = parse_list(attestations_json)?;
    // Step 3.
    if attestations.len() > MAX_ATTESTATIONS {
        return Err(UploadError::TooMany {
            count: attestations.len(),
            max: MAX_ATTESTATIONS,
        });
    }
    let policy = publisher.policy();
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(attestations.len());
    for (index, attestation) in attestations.into_iter().enumerate() {
        // Step 5, first on the statement as uploaded: a refusal needs no
        // signature, and an unknown predicate type then gets its own message
        // rather than a verification failure. Step 4 checks it again, signed.
        if let Some(t) = predicate_type(&attestation) {
            if !PREDICATE_TYPES.contains(&t.as_str()) {
                return Err(UploadError::UnsupportedPredicateType(t));
            }
        }
        // Step 4.
        let verified = attestation
            .verify(verifier, &policy, dist)
            .map_err(|e| refused(e, index, &attestation, publisher))?;
        // Step 5.
        if seen.contains(&verified.predicate_type) {
            return Err(UploadError::DuplicatePredicateType(verified.predicate_type));
        }
        seen.push(verified.predicate_type.clone());
        out.push(Accepted {
            attestation,
            verified: Verified {
                publisher: Some(publisher.clone()),
                ..verified
            },
        });
    }
    Ok(out)
}

/// The provenance object an index serves for a file whose upload's
/// attestations were accepted: version 1, one attestation bundle of
/// `publisher` holding `attestations`.
pub fn build_provenance(publisher: &Publisher, attestations: &[Attestation]) -> Provenance {
    Provenance {
        version: FormatVersion,
        attestation_bundles: vec![AttestationBundle {
            publisher: publisher.clone(),
            attestations: attestations.to_vec(),
        }],
    }
}

fn parse_list(data: &[u8]) -> Result<Vec<Attestation>, UploadError> {
    let value: serde_json::Value = serde_json::from_slice(data)
        .map_err(|e| UploadError::Malformed(format!("not JSON: {e}")))?;
    let serde_json::Value::Array(items) = value else {
        return Err(UploadError::Malformed(format!(
            "expected a JSON list of attestation objects, got {}",
            json_kind(&value)
        )));
    };
    if items.is_empty() {
        return Err(UploadError::Empty);
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            // Through the attestation's own parser, which checks more than
            // its shape (a certificate, at least one log entry).
            let text = serde_json::to_vec(item)
                .map_err(|e| UploadError::Malformed(format!("attestations[{i}]: {e}")))?;
            Attestation::from_json(&text)
                .map_err(|e| UploadError::Malformed(format!("attestations[{i}]: {e}")))
        })
        .collect()
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The predicate type of the statement as uploaded (not yet verified), if
/// it parses.
fn predicate_type(a: &Attestation) -> Option<String> {
    Statement::from_json(&a.envelope.statement.0)
        .ok()
        .map(|s| s.predicate_type)
}

/// The refusal for an attestation that did not verify.
fn refused(e: Error, index: usize, a: &Attestation, publisher: &Publisher) -> UploadError {
    let Error::Verification { step, message } = e else {
        return UploadError::Other { index, error: e };
    };
    let message = if step == Step::Policy {
        let cert = Certificate::from_der(a.verification_material.certificate.0.clone()).ok();
        policy_message(publisher, &message, cert.as_ref().map(|c| c as &dyn Claims))
    } else {
        message
    };
    UploadError::Verification {
        index,
        step,
        message,
    }
}

/// The message for a certificate (`cert`, if it parses) that does not
/// satisfy `publisher`'s policy, for which the policy said `message`.
fn policy_message(publisher: &Publisher, message: &str, cert: Option<&dyn Claims>) -> String {
    let mut m = format!(
        "the signing certificate does not match the Trusted Publisher ({publisher}): {message}"
    );
    if let Some(hint) = cert.and_then(|c| reusable_workflow_hint(publisher, c)) {
        m.push_str("; ");
        m.push_str(&hint);
    }
    m
}

/// When a certificate comes from a reusable workflow, its Build Config URI
/// names the workflow that called it (the one the run started from) and
/// its Build Signer URI the reusable one. Attestations are matched against
/// the Build Config URI (pypi-attestations' policy), but PyPI mints the
/// upload token from `job_workflow_ref`, the reusable workflow (Warehouse's
/// `oidc/models/github.py`): a publisher naming the reusable workflow gets
/// the upload through and its attestations refused, one naming the caller
/// gets no token. Attestations made inside a reusable workflow therefore
/// never match; the way out is to sign and upload in the calling workflow.
/// Returns that explanation when `cert` is such a certificate and its
/// calling workflow is not the publisher's.
pub fn reusable_workflow_hint(publisher: &Publisher, cert: &dyn Claims) -> Option<String> {
    let prefix = match publisher {
        Publisher::GitHub {
            repository,
            workflow,
            ..
        } => format!("https://github.com/{repository}/.github/workflows/{workflow}@"),
        Publisher::GitLab {
            repository,
            workflow_filepath,
            ..
        } => format!("https://gitlab.com/{repository}//{workflow_filepath}@"),
        // Neither has reusable workflows in this sense.
        Publisher::Google { .. } | Publisher::CircleCI { .. } => return None,
    };
    let config = cert.claim(Claim::BuildConfigUri)?;
    let signer = cert.claim(Claim::BuildSignerUri)?;
    if signer == config || config.starts_with(&prefix) {
        return None;
    }
    let (workflow_uri, _) = config.split_once('@')?;
    let file = workflow_uri.rsplit('/').next().unwrap_or(workflow_uri);
    Some(format!(
        "the certificate comes from the reusable workflow {signer:?}, called by {config:?}: \
         attestations are matched against the calling workflow ({file}), while uploads from a \
         reusable workflow are only accepted under a Trusted Publisher naming the reusable one, \
         so attestations made inside a reusable workflow never match; sign and upload in a \
         job of {file} itself, with the Trusted Publisher configured for {file}"
    ))
}

#[cfg(test)]
mod tests;
