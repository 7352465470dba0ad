//! What one locked file's provenance says against its package's pins.
//!
//! For a file whose hash already matched the lock ([`check_file`] takes
//! the [`Distribution`] with the lock's SHA-256, so a provenance for another
//! file fails at the subject digest), in order:
//! 1. a pinned package whose file has no provenance fails: an attacker who
//!    can upload can also upload without attestations;
//! 2. each attestation bundle's publisher (as the index filed it) must be
//!    one the package is pinned to, claim by claim; a pin's missing
//!    `environment` matches any environment, as certificates do not carry
//!    one;
//! 3. every attestation must verify for the file, signed by an identity
//!    that satisfies the policy of a pinned publisher and of the publisher it
//!    is filed under ([`Provenance::verify`]).
//!
//! An unpinned package's file is verified against the publisher its
//! provenance names (trust on first use) and reported with that publisher,
//! or reported as having no provenance; whether that is acceptable is the
//! caller's choice ([`Finding::is_failure`]).

use crate::pep740::{Distribution, Expected, Provenance, Publisher};
use crate::policy::Policy;
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
/// provenance the index serves for it (`None`: the index has none).
pub fn check_file(
    verifier: &Verifier,
    pins: &[Publisher],
    dist: &Distribution,
    provenance: Option<&Provenance>,
) -> FindingKind {
    let Some(provenance) = provenance else {
        // Step 1.
        return if pins.is_empty() {
            FindingKind::NoProvenance
        } else {
            FindingKind::Failed(format!("provenance missing while pinned to {}", list(pins)))
        };
    };
    if pins.is_empty() {
        return match provenance.verify(verifier, dist, &Expected::TrustOnFirstUse) {
            Ok(v) => FindingKind::Unpinned(publishers_of(&v)),
            Err(e) => FindingKind::Failed(format!("provenance does not verify: {e}")),
        };
    }
    // Step 2.
    for bundle in &provenance.attestation_bundles {
        if !pins.iter().any(|pin| pin_matches(pin, &bundle.publisher)) {
            return FindingKind::Failed(format!(
                "publisher changed: {}",
                difference(pins, &bundle.publisher)
            ));
        }
    }
    // Step 3.
    let policy = Policy::AnyOf(pins.iter().map(Publisher::policy).collect());
    match provenance.verify(verifier, dist, &Expected::Policy(policy)) {
        Ok(v) => FindingKind::Verified(publishers_of(&v)),
        Err(e) => FindingKind::Failed(format!("provenance does not verify: {e}")),
    }
}

fn publishers_of(verified: &[crate::pep740::Verified]) -> Vec<Publisher> {
    let mut out: Vec<Publisher> = Vec::new();
    for p in verified.iter().filter_map(|v| v.publisher.as_ref()) {
        if !out.contains(p) {
            out.push(p.clone());
        }
    }
    out
}

/// A publisher's claims by name, `None` where absent.
fn claims(p: &Publisher) -> Vec<(&'static str, Option<&str>)> {
    match p {
        Publisher::GitHub {
            repository,
            workflow,
            environment,
        } => vec![
            ("repository", Some(repository.as_str())),
            ("workflow", Some(workflow.as_str())),
            ("environment", environment.as_deref()),
        ],
        Publisher::GitLab {
            repository,
            workflow_filepath,
            environment,
        } => vec![
            ("repository", Some(repository.as_str())),
            ("workflow_filepath", Some(workflow_filepath.as_str())),
            ("environment", environment.as_deref()),
        ],
        Publisher::Google { email } => vec![("email", Some(email.as_str()))],
        Publisher::CircleCI {
            project_id,
            pipeline_definition_id,
            vcs_origin,
            vcs_ref,
        } => vec![
            ("project_id", Some(project_id.as_str())),
            (
                "pipeline_definition_id",
                Some(pipeline_definition_id.as_str()),
            ),
            ("vcs_origin", vcs_origin.as_deref()),
            ("vcs_ref", vcs_ref.as_deref()),
        ],
    }
}

/// The claims of `pin` that `found` does not satisfy: a claim the pin
/// leaves out is not compared (an identity written without `environment`
/// accepts any).
fn differing(pin: &Publisher, found: &Publisher) -> Vec<String> {
    let theirs = claims(found);
    claims(pin)
        .into_iter()
        .zip(theirs)
        .filter_map(|((k, want), (_, got))| match (want, got) {
            (None, _) => None,
            (Some(w), Some(g)) if w == g => None,
            (Some(w), g) => Some(format!(
                "{k}: pinned {w:?}, provenance names {}",
                g.map_or("none".to_owned(), |g| format!("{g:?}"))
            )),
        })
        .collect()
}

fn pin_matches(pin: &Publisher, found: &Publisher) -> bool {
    pin.kind() == found.kind() && differing(pin, found).is_empty()
}

/// Why `found` matches none of `pins`: the differing claims of the closest
/// pin of the same kind, else the kinds.
fn difference(pins: &[Publisher], found: &Publisher) -> String {
    let closest = pins
        .iter()
        .filter(|p| p.kind() == found.kind())
        .map(|p| differing(p, found))
        .min_by_key(Vec::len);
    match closest {
        Some(diffs) => format!("{} (provenance names {found})", diffs.join("; ")),
        None => {
            let kinds: Vec<&str> = pins.iter().map(Publisher::kind).collect();
            format!(
                "kind: pinned {}, provenance names {:?} ({found})",
                kinds
                    .iter()
                    .map(|k| format!("{k:?}"))
                    .collect::<Vec<_>>()
                    .join(" or "),
                found.kind()
            )
        }
    }
}
