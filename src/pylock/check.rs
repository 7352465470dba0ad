//! What one locked file's provenance says against its package's pins.
//!
//! For a file whose hash matched the lock ([`check_file`] takes the
//! [`Distribution`] with the lock's SHA-256, so a provenance for another
//! file fails at the subject digest), in order:
//! 1. a pinned package whose file has no provenance fails: an attacker who
//!    can upload can also upload without attestations;
//! 2. each attestation bundle's publisher (as the index filed it) must be
//!    one the package is pinned to, claim by claim
//!    ([`first_difference`]: a claim the pin leaves out, such as the
//!    `environment`, which certificates do not carry, accepts any value);
//! 3. every attestation must verify for the file, signed by an identity
//!    that satisfies the policy of its publisher
//!    ([`crate::index::verify_provenance`]).
//!
//! Steps 2 and 3 are the index client's for a package with one pin; with
//! several, the client verifies against the publisher the provenance names
//! and [`judge`] then requires it to be one of the pins.
//!
//! An unpinned package's file is verified against the publisher its
//! provenance names (trust on first use) and reported with that publisher,
//! or reported as having no provenance; whether that is acceptable is the
//! caller's choice ([`Finding::is_failure`]).

use crate::error::{Error, Result};
use crate::index::{verify_provenance, ExpectedPublisher, IndexError, VerifiedFile};
use crate::pep740::publisher::first_difference;
use crate::pep740::{Distribution, Provenance, Publisher};
use crate::pylock::Source;
use crate::verify::Verifier;

/// What a check found about one file (or one package without files).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The package's `name` in the lock.
    pub package: String,
    /// The file's name; empty for a package not from an index.
    pub file: String,
    /// The outcome.
    pub kind: FindingKind,
}

/// The outcome of checking one file.
#[derive(Debug, Clone, PartialEq)]
pub enum FindingKind {
    /// Its provenance verified against the package's pins; the publishers
    /// that signed it.
    Verified(Vec<Publisher>),
    /// The package is not pinned; the file's provenance verified against the
    /// publishers it names (trust on first use), shown here.
    Unpinned(Vec<Publisher>),
    /// The package is not pinned and the index serves no provenance for the
    /// file.
    NoProvenance,
    /// The package is not from an index (a VCS checkout, a directory, an
    /// archive): no index serves provenance for it.
    NotFromIndex(Source),
    /// Refused; the message names the differing claim, or what was expected
    /// and what was found.
    Failed(String),
}

impl Finding {
    /// Whether this finding fails a check. Refusals always do; with
    /// `require_pins`, so does every file of a package without pins
    /// (verified on first use or without provenance) and every package not
    /// from an index, since nothing ties it to a publisher.
    pub fn is_failure(&self, require_pins: bool) -> bool {
        match &self.kind {
            FindingKind::Failed(_) => true,
            FindingKind::Verified(_) => false,
            FindingKind::Unpinned(_) | FindingKind::NoProvenance | FindingKind::NotFromIndex(_) => {
                require_pins
            }
        }
    }

    /// One line for a person: `PACKAGE: FILE: what was found`.
    pub fn line(&self) -> String {
        let what = match &self.kind {
            FindingKind::Verified(p) => format!("verified: published by {}", list(p)),
            FindingKind::Unpinned(p) => format!(
                "not pinned: its provenance verified against the publisher it names, {} \
                 (trust on first use; `pylock pin` records it)",
                list(p)
            ),
            FindingKind::NoProvenance => "not pinned, and the index serves no provenance".into(),
            FindingKind::NotFromIndex(s) => {
                format!("not from an index ({}): no provenance to verify", s.key())
            }
            FindingKind::Failed(m) => m.clone(),
        };
        if self.file.is_empty() {
            format!("{}: {what}", self.package)
        } else {
            format!("{}: {}: {what}", self.package, self.file)
        }
    }
}

/// Publishers for a message: `A; B`.
pub(crate) fn list(publishers: &[Publisher]) -> String {
    let names: Vec<String> = publishers.iter().map(ToString::to_string).collect();
    names.join("; ")
}

/// Checks one file of a package pinned to `pins` (empty: not pinned), whose
/// distribution is `dist` (its name and the lock's SHA-256), given the
/// provenance the index serves for it (`None`: the index has none). The
/// sans-IO core of a lock check, for a caller that fetched the provenance
/// itself.
pub fn check_file(
    verifier: &Verifier,
    pins: &[Publisher],
    dist: &Distribution,
    provenance: Option<&Provenance>,
) -> FindingKind {
    // Step 1.
    let Some(provenance) = provenance else {
        return if pins.is_empty() {
            FindingKind::NoProvenance
        } else {
            missing(pins, "the index has none")
        };
    };
    // Steps 2 and 3.
    let result = verify_provenance(verifier, dist, provenance, &expected(pins)).map(
        |(publisher, attestations)| VerifiedFile {
            filename: dist.name().to_owned(),
            url: String::new(),
            sha256: dist.sha256_hex(),
            trusted_on_first_use: pins.is_empty(),
            publisher: Some(publisher),
            attestations,
            path: None,
        },
    );
    judge(pins, dist.name(), result)
}

/// Whom the index client expects a file's provenance from, for a package
/// pinned to `pins`: the one pin; with none, whichever publisher the
/// provenance names (reported, and pinned by `pin`); with several, likewise,
/// and [`judge`] then requires it to be one of them.
pub fn expected(pins: &[Publisher]) -> ExpectedPublisher {
    match pins {
        [one] => ExpectedPublisher::Pinned(one.clone()),
        _ => ExpectedPublisher::TrustOnFirstUse,
    }
}

/// The finding for a file the index client checked (with [`expected`]),
/// for a package pinned to `pins`. `filename` is dropped from the front of
/// error messages (the finding names the file).
pub fn judge(pins: &[Publisher], filename: &str, result: Result<VerifiedFile>) -> FindingKind {
    let verified = match result {
        Ok(v) => v,
        Err(Error::Index(e)) => {
            return match *e {
                IndexError::NoProvenance { url, detail, .. } => {
                    missing(pins, &format!("{url} answered {detail}"))
                }
                IndexError::PublisherMismatch {
                    claim,
                    expected,
                    found,
                    found_publisher,
                    ..
                } => FindingKind::Failed(format!(
                    "publisher changed: {claim}: pinned {expected:?}, provenance names \
                     {found:?} (provenance names {found_publisher})"
                )),
                other => failed(filename, &other.to_string()),
            }
        }
        Err(e) => return failed(filename, &e.to_string()),
    };
    let Some(publisher) = verified.publisher else {
        return if pins.is_empty() {
            FindingKind::NoProvenance
        } else {
            missing(pins, "the index has none")
        };
    };
    if pins.is_empty() {
        return FindingKind::Unpinned(vec![publisher]);
    }
    // Step 2 for several pins (the index client checked a single one).
    let differences: Vec<_> = pins
        .iter()
        .map(|pin| first_difference(pin, &publisher))
        .collect();
    if differences.iter().any(Option::is_none) {
        return FindingKind::Verified(vec![publisher]);
    }
    let closest = pins
        .iter()
        .zip(&differences)
        .find(|(pin, _)| pin.kind() == publisher.kind())
        .or_else(|| pins.iter().zip(&differences).next());
    match closest {
        Some((_, Some((claim, want, got)))) => FindingKind::Failed(format!(
            "publisher changed: {claim}: pinned {want:?}, provenance names {got:?} \
             (pinned {}; provenance names {publisher})",
            list(pins)
        )),
        _ => FindingKind::Failed(format!(
            "publisher changed: pinned {}, provenance names {publisher}",
            list(pins)
        )),
    }
}

fn missing(pins: &[Publisher], why: &str) -> FindingKind {
    FindingKind::Failed(format!(
        "provenance missing while pinned to {} ({why})",
        list(pins)
    ))
}

fn failed(filename: &str, message: &str) -> FindingKind {
    let message = message
        .strip_prefix(filename)
        .and_then(|m| m.strip_prefix(": "))
        .unwrap_or(message);
    FindingKind::Failed(message.to_owned())
}
