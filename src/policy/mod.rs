//! Identity policies: what the signing certificate must say about who signed.
//!
//! Keyless Sigstore signatures are made with short-lived Fulcio certificates
//! that bind a key to an OIDC identity; a signature is only meaningful with a
//! policy naming the identity expected. A policy is checked against
//! [`Claims`], the identity facts a verified Fulcio certificate carries (its
//! SANs and the Sigstore OID extensions,
//! <https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md>).
//! Failures name the claim, the expected and the actual value.
//!
//! ```
//! use sigstore_rs::policy::{Claim, Policy};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // An exact identity and issuer (cosign's --certificate-identity and
//! // --certificate-oidc-issuer).
//! let person = Policy::identity("william@yossarian.net", "https://github.com/login/oauth");
//!
//! // A GitHub Actions workflow of one repository, on one ref, on a
//! // GitHub-hosted runner.
//! let ci = Policy::AllOf(vec![
//!     Policy::github(
//!         Some("trailofbits/pypi-attestations".into()),
//!         Some("refs/heads/main".into()),
//!         None, None, None, None,
//!     ),
//!     Policy::claim(Claim::RunnerEnvironment, "github-hosted"),
//! ]);
//!
//! // Any of these, or a SAN matching a regular expression, any issuer.
//! let policy = Policy::AnyOf(vec![
//!     person,
//!     ci,
//!     Policy::identity_regex(r"https://github\.com/sigstore/.*", None)?,
//! ]);
//! # let _ = policy;
//! # Ok(()) }
//! ```

use regex_automata::meta::Regex;
use regex_syntax::hir::{Hir, Look};
use thiserror::Error;

/// Fulcio certificate extensions (OID arc 1.3.6.1.4.1.57264.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Claim {
    /// `.1` Issuer (deprecated v1: raw string) and `.8` Issuer (v2: DER UTF8String).
    /// Either is accepted; where both are present they must agree.
    OidcIssuer,
    /// `.2` GitHub Workflow Trigger (deprecated form, raw string).
    GitHubWorkflowTrigger,
    /// `.3` GitHub Workflow SHA.
    GitHubWorkflowSha,
    /// `.4` GitHub Workflow Name.
    GitHubWorkflowName,
    /// `.5` GitHub Workflow Repository.
    GitHubWorkflowRepository,
    /// `.6` GitHub Workflow Ref.
    GitHubWorkflowRef,
    /// `.9` Build Signer URI.
    BuildSignerUri,
    /// `.10` Build Signer Digest.
    BuildSignerDigest,
    /// `.11` Runner Environment.
    RunnerEnvironment,
    /// `.12` Source Repository URI.
    SourceRepositoryUri,
    /// `.13` Source Repository Digest.
    SourceRepositoryDigest,
    /// `.14` Source Repository Ref.
    SourceRepositoryRef,
    /// `.15` Source Repository Identifier.
    SourceRepositoryIdentifier,
    /// `.16` Source Repository Owner URI.
    SourceRepositoryOwnerUri,
    /// `.17` Source Repository Owner Identifier.
    SourceRepositoryOwnerIdentifier,
    /// `.18` Build Config URI.
    BuildConfigUri,
    /// `.19` Build Config Digest.
    BuildConfigDigest,
    /// `.20` Build Trigger.
    BuildTrigger,
    /// `.21` Run Invocation URI.
    RunInvocationUri,
    /// `.22` Source Repository Visibility At Signing.
    SourceRepositoryVisibility,
    /// `.23` Deployment Environment (Fulcio writes it since 2025 for a job
    /// that runs in an environment; older certificates lack it).
    DeploymentEnvironment,
}

impl Claim {
    /// The dotted OID; for `OidcIssuer`, the v2 OID (v1 is `…57264.1.1`).
    pub fn oid(self) -> &'static str {
        match self {
            Claim::OidcIssuer => "1.3.6.1.4.1.57264.1.8",
            Claim::GitHubWorkflowTrigger => "1.3.6.1.4.1.57264.1.2",
            Claim::GitHubWorkflowSha => "1.3.6.1.4.1.57264.1.3",
            Claim::GitHubWorkflowName => "1.3.6.1.4.1.57264.1.4",
            Claim::GitHubWorkflowRepository => "1.3.6.1.4.1.57264.1.5",
            Claim::GitHubWorkflowRef => "1.3.6.1.4.1.57264.1.6",
            Claim::BuildSignerUri => "1.3.6.1.4.1.57264.1.9",
            Claim::BuildSignerDigest => "1.3.6.1.4.1.57264.1.10",
            Claim::RunnerEnvironment => "1.3.6.1.4.1.57264.1.11",
            Claim::SourceRepositoryUri => "1.3.6.1.4.1.57264.1.12",
            Claim::SourceRepositoryDigest => "1.3.6.1.4.1.57264.1.13",
            Claim::SourceRepositoryRef => "1.3.6.1.4.1.57264.1.14",
            Claim::SourceRepositoryIdentifier => "1.3.6.1.4.1.57264.1.15",
            Claim::SourceRepositoryOwnerUri => "1.3.6.1.4.1.57264.1.16",
            Claim::SourceRepositoryOwnerIdentifier => "1.3.6.1.4.1.57264.1.17",
            Claim::BuildConfigUri => "1.3.6.1.4.1.57264.1.18",
            Claim::BuildConfigDigest => "1.3.6.1.4.1.57264.1.19",
            Claim::BuildTrigger => "1.3.6.1.4.1.57264.1.20",
            Claim::RunInvocationUri => "1.3.6.1.4.1.57264.1.21",
            Claim::SourceRepositoryVisibility => "1.3.6.1.4.1.57264.1.22",
            Claim::DeploymentEnvironment => "1.3.6.1.4.1.57264.1.23",
        }
    }

    /// The extension's name as error messages give it.
    pub fn name(self) -> &'static str {
        match self {
            Claim::OidcIssuer => "OIDC issuer",
            Claim::GitHubWorkflowTrigger => "GitHub workflow trigger",
            Claim::GitHubWorkflowSha => "GitHub workflow SHA",
            Claim::GitHubWorkflowName => "GitHub workflow name",
            Claim::GitHubWorkflowRepository => "GitHub workflow repository",
            Claim::GitHubWorkflowRef => "GitHub workflow ref",
            Claim::BuildSignerUri => "build signer URI",
            Claim::BuildSignerDigest => "build signer digest",
            Claim::RunnerEnvironment => "runner environment",
            Claim::SourceRepositoryUri => "source repository URI",
            Claim::SourceRepositoryDigest => "source repository digest",
            Claim::SourceRepositoryRef => "source repository ref",
            Claim::SourceRepositoryIdentifier => "source repository identifier",
            Claim::SourceRepositoryOwnerUri => "source repository owner URI",
            Claim::SourceRepositoryOwnerIdentifier => "source repository owner identifier",
            Claim::BuildConfigUri => "build config URI",
            Claim::BuildConfigDigest => "build config digest",
            Claim::BuildTrigger => "build trigger",
            Claim::RunInvocationUri => "run invocation URI",
            Claim::SourceRepositoryVisibility => "source repository visibility",
            Claim::DeploymentEnvironment => "deployment environment",
        }
    }

    /// The lead of a mismatch message, in Fulcio's (and pypi-attestations')
    /// capitalisation: "Certificate's Build Config URI (1.3.6.1.4.1.57264.1.18)
    /// does not match".
    fn does_not_match(self) -> String {
        let title: Vec<String> = self
            .name()
            .split(' ')
            .map(|w| {
                let mut c = w.chars();
                c.next().map_or_else(String::new, |f| {
                    f.to_uppercase().chain(c).collect::<String>()
                })
            })
            .collect();
        format!(
            "Certificate's {} ({}) does not match",
            title.join(" "),
            self.oid()
        )
    }

    /// All claims, for lookups by name from bindings.
    pub const ALL: [Claim; 21] = [
        Claim::OidcIssuer,
        Claim::GitHubWorkflowTrigger,
        Claim::GitHubWorkflowSha,
        Claim::GitHubWorkflowName,
        Claim::GitHubWorkflowRepository,
        Claim::GitHubWorkflowRef,
        Claim::BuildSignerUri,
        Claim::BuildSignerDigest,
        Claim::RunnerEnvironment,
        Claim::SourceRepositoryUri,
        Claim::SourceRepositoryDigest,
        Claim::SourceRepositoryRef,
        Claim::SourceRepositoryIdentifier,
        Claim::SourceRepositoryOwnerUri,
        Claim::SourceRepositoryOwnerIdentifier,
        Claim::BuildConfigUri,
        Claim::BuildConfigDigest,
        Claim::BuildTrigger,
        Claim::RunInvocationUri,
        Claim::SourceRepositoryVisibility,
        Claim::DeploymentEnvironment,
    ];
}

/// Identity facts of a verified signing certificate.
pub trait Claims {
    /// Subject alternative names: URIs, email addresses and
    /// otherName/SAN values (as Fulcio encodes usernames), as strings.
    fn sans(&self) -> Vec<String>;
    /// A Fulcio extension's decoded string value, `None` if absent.
    /// For [`Claim::OidcIssuer`] this is the v2 value, falling back to v1.
    fn claim(&self, claim: Claim) -> Option<String>;
}

/// sigstore-python's wording for an identity (SAN) mismatch.
const SANS_DO_NOT_MATCH: &str = "Certificate's SANs do not match";

/// Why a certificate does not satisfy a policy. The verifier reports it as
/// [`crate::Error::Verification`] at [`crate::Step::Policy`].
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PolicyError {
    /// A claim has another value than the policy expects, or is absent.
    /// The message leads with the wording sigstore-python and
    /// pypi-attestations use ("Certificate's SANs do not match", "Certificate's
    /// Build Config URI (…) does not match"), which callers match on, then
    /// says what was expected and found.
    #[error("{lead}: {claim}: expected {expected:?}, got {}", actual.as_deref().map(|a| format!("{a:?}")).unwrap_or_else(|| "nothing (the certificate has no such claim)".into()))]
    Mismatch {
        /// What did not match, as a sentence: "Certificate's SANs do not
        /// match", "Certificate's Build Config URI (OID) does not match".
        lead: String,
        /// The claim, as error messages name it ("build config URI").
        claim: String,
        /// What the policy expects.
        expected: String,
        /// What the certificate says (`None`: it lacks the claim).
        actual: Option<String>,
    },
    /// No alternative of a [`Policy::AnyOf`] held.
    #[error("none of {count} policies matched: {}", errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    NoneMatched {
        /// How many alternatives there were.
        count: usize,
        /// Why each one failed, in order.
        errors: Vec<PolicyError>,
    },
    /// An empty [`Policy::AnyOf`] or [`Policy::AllOf`], which never holds.
    #[error("empty {0} policy matches nothing")]
    Empty(&'static str),
}

/// An identity policy: what a verified signing certificate must say.
/// Combine policies with [`Policy::AllOf`] and [`Policy::AnyOf`]; check one
/// with [`Policy::check`] or, as part of verification, through
/// [`crate::Verifier`].
#[derive(Debug, Clone)]
pub enum Policy {
    /// The certificate's SAN equals `identity` and (if given) its OIDC issuer equals `issuer`.
    Identity {
        /// The expected SAN (an email address, URI or username).
        identity: String,
        /// The expected OIDC issuer; `None` accepts any.
        issuer: Option<String>,
    },
    /// A SAN fully matches `pattern` (as cosign's `--certificate-identity-regexp`,
    /// anchored at both ends) and (if given) the OIDC issuer equals `issuer`.
    IdentityRegex {
        /// The pattern (see [`IdentityPattern`]).
        pattern: IdentityPattern,
        /// The expected OIDC issuer; `None` accepts any.
        issuer: Option<String>,
    },
    /// One Fulcio extension equals `expected`.
    Claim {
        /// The extension.
        claim: Claim,
        /// Its expected value.
        expected: String,
    },
    /// The Build Config URI is `{prefix}@{suffix}`, where `suffix` is the
    /// certificate's own Source Repository Digest or Source Repository Ref.
    /// A Trusted Publisher names a workflow file but not the commit or ref it
    /// ran at, so the suffix comes from the certificate (pypi-attestations
    /// `_GitHubTrustedPublisherPolicy`, `_GitLabTrustedPublisherPolicy`).
    /// At least one of the two claims must be present; with `require_both`,
    /// both must (as the GitLab policy requires).
    BuildConfigAtSource {
        /// The Build Config URI up to, not including, the `@`.
        prefix: String,
        /// Whether both suffix claims must be present.
        require_both: bool,
    },
    /// When the certificate carries `claim`, it equals `expected` ignoring
    /// ASCII case; a certificate without it passes (for claims Fulcio added
    /// later, such as [`Claim::DeploymentEnvironment`], which certificates
    /// issued before then lack).
    ClaimIfPresent {
        /// The extension.
        claim: Claim,
        /// Its expected value.
        expected: String,
    },
    /// At least one inner policy holds (an empty list never holds).
    AnyOf(Vec<Policy>),
    /// Every inner policy holds (an empty list never holds: fail closed).
    AllOf(Vec<Policy>),
}

impl Policy {
    /// [`Policy::Identity`] with a required issuer.
    pub fn identity(identity: impl Into<String>, issuer: impl Into<String>) -> Self {
        Policy::Identity {
            identity: identity.into(),
            issuer: Some(issuer.into()),
        }
    }

    /// [`Policy::IdentityRegex`]: compiles `pattern` (see [`IdentityPattern::new`]).
    /// Fails if `pattern` is not a complete, valid regular expression.
    pub fn identity_regex(pattern: &str, issuer: Option<String>) -> Result<Self, String> {
        Ok(Policy::IdentityRegex {
            pattern: IdentityPattern::new(pattern)?,
            issuer,
        })
    }

    /// [`Policy::Claim`].
    pub fn claim(claim: Claim, expected: impl Into<String>) -> Self {
        Policy::Claim {
            claim,
            expected: expected.into(),
        }
    }

    /// A GitHub Actions workflow policy, as `verify github` builds it: the
    /// issuer is GitHub's (`https://token.actions.githubusercontent.com`),
    /// and each given field must match its Fulcio extension: `repository`
    /// (`OWNER/REPO`), `git_ref` (`refs/heads/main`), `trigger` (`push`),
    /// `workflow_name`, `sha` (the commit), and `identity` (the SAN, the
    /// workflow's URI at its ref).
    pub fn github(
        repository: Option<String>,
        git_ref: Option<String>,
        trigger: Option<String>,
        workflow_name: Option<String>,
        sha: Option<String>,
        identity: Option<String>,
    ) -> Self {
        let mut all = vec![Policy::claim(
            Claim::OidcIssuer,
            "https://token.actions.githubusercontent.com",
        )];
        if let Some(id) = identity {
            all.push(Policy::Identity {
                identity: id,
                issuer: None,
            });
        }
        let fields = [
            (Claim::GitHubWorkflowRepository, repository),
            (Claim::GitHubWorkflowRef, git_ref),
            (Claim::GitHubWorkflowTrigger, trigger),
            (Claim::GitHubWorkflowName, workflow_name),
            (Claim::GitHubWorkflowSha, sha),
        ];
        for (c, v) in fields {
            if let Some(v) = v {
                all.push(Policy::claim(c, v));
            }
        }
        Policy::AllOf(all)
    }

    /// Checks the claims of a certificate (normally one the verifier has
    /// already verified) against this policy.
    pub fn check(&self, cert: &dyn Claims) -> Result<(), PolicyError> {
        match self {
            Policy::Identity { identity, issuer } => {
                check_issuer(cert, issuer.as_deref())?;
                let sans = cert.sans();
                if sans.iter().any(|s| s == identity) {
                    Ok(())
                } else {
                    Err(PolicyError::Mismatch {
                        lead: SANS_DO_NOT_MATCH.into(),
                        claim: "certificate identity (SAN)".into(),
                        expected: identity.clone(),
                        actual: join(&sans),
                    })
                }
            }
            Policy::IdentityRegex { pattern, issuer } => {
                check_issuer(cert, issuer.as_deref())?;
                let sans = cert.sans();
                if sans.iter().any(|s| pattern.is_full_match(s)) {
                    Ok(())
                } else {
                    Err(PolicyError::Mismatch {
                        lead: SANS_DO_NOT_MATCH.into(),
                        claim: "certificate identity (SAN)".into(),
                        expected: format!("a match for /{}/", pattern.as_str()),
                        actual: join(&sans),
                    })
                }
            }
            Policy::Claim { claim, expected } => {
                let actual = cert.claim(*claim);
                if actual.as_deref() == Some(expected.as_str()) {
                    Ok(())
                } else {
                    Err(PolicyError::Mismatch {
                        lead: claim.does_not_match(),
                        claim: claim.name().into(),
                        expected: expected.clone(),
                        actual,
                    })
                }
            }
            Policy::BuildConfigAtSource {
                prefix,
                require_both,
            } => check_build_config_at_source(cert, prefix, *require_both),
            Policy::ClaimIfPresent { claim, expected } => match cert.claim(*claim) {
                Some(actual) if !actual.eq_ignore_ascii_case(expected) => {
                    Err(PolicyError::Mismatch {
                        lead: claim.does_not_match(),
                        claim: claim.name().into(),
                        expected: expected.clone(),
                        actual: Some(actual),
                    })
                }
                _ => Ok(()),
            },
            Policy::AnyOf(ps) => {
                if ps.is_empty() {
                    return Err(PolicyError::Empty("AnyOf"));
                }
                let mut errors = Vec::new();
                for p in ps {
                    match p.check(cert) {
                        Ok(()) => return Ok(()),
                        Err(e) => errors.push(e),
                    }
                }
                Err(PolicyError::NoneMatched {
                    count: ps.len(),
                    errors,
                })
            }
            Policy::AllOf(ps) => {
                if ps.is_empty() {
                    return Err(PolicyError::Empty("AllOf"));
                }
                ps.iter().try_for_each(|p| p.check(cert))
            }
        }
    }
}

/// A regular expression a whole value must match (Python's `re.fullmatch`,
/// as sigstore-python and cosign's `--certificate-identity-regexp` apply it),
/// in the syntax of the `regex` crate.
///
/// The pattern is parsed on its own, so it must be complete: an unbalanced
/// `)` is an error rather than a way out of the anchors (splicing it into
/// `^(?:{pattern})$` let `bob@example\.com)|(.*` match any value). The
/// anchors are then added to the parsed tree as `\A…\z`, which no flag in
/// the pattern (`(?m)`, `(?x)` comments) can change, and which give
/// full-match rather than first-match semantics: `a|ab` matches `ab`.
#[derive(Debug, Clone)]
pub struct IdentityPattern {
    source: String,
    regex: Regex,
}

impl IdentityPattern {
    /// Compiles `pattern`; the error names the pattern and what is wrong.
    pub fn new(pattern: &str) -> Result<Self, String> {
        let invalid =
            |e: &dyn std::fmt::Display| format!("invalid identity pattern {pattern:?}: {e}");
        let hir = regex_syntax::Parser::new()
            .parse(pattern)
            .map_err(|e| invalid(&e))?;
        let anchored = Hir::concat(vec![Hir::look(Look::Start), hir, Hir::look(Look::End)]);
        let regex = Regex::builder()
            .build_from_hir(&anchored)
            .map_err(|e| invalid(&e))?;
        Ok(IdentityPattern {
            source: pattern.to_string(),
            regex,
        })
    }

    /// The pattern as given.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the whole of `value` matches.
    pub fn is_full_match(&self, value: &str) -> bool {
        self.regex.is_match(value)
    }
}

fn check_build_config_at_source(
    cert: &dyn Claims,
    prefix: &str,
    require_both: bool,
) -> Result<(), PolicyError> {
    let suffix_claims = [Claim::SourceRepositoryDigest, Claim::SourceRepositoryRef];
    let mut suffixes = Vec::new();
    for c in suffix_claims {
        match cert.claim(c) {
            Some(v) => suffixes.push(v),
            None if require_both => {
                return Err(PolicyError::Mismatch {
                    lead: c.does_not_match(),
                    claim: c.name().into(),
                    expected: "a value to complete the build config URI".into(),
                    actual: None,
                })
            }
            None => {}
        }
    }
    let lead = Claim::BuildConfigUri.does_not_match();
    let claim = Claim::BuildConfigUri.name().to_owned();
    if suffixes.is_empty() {
        return Err(PolicyError::Mismatch {
            lead,
            claim,
            expected: format!(
                "{prefix}@<ref>, with <ref> from the source repository digest or ref, which the certificate lacks"
            ),
            actual: cert.claim(Claim::BuildConfigUri),
        });
    }
    let actual = cert.claim(Claim::BuildConfigUri);
    if suffixes
        .iter()
        .any(|s| actual.as_deref() == Some(format!("{prefix}@{s}").as_str()))
    {
        return Ok(());
    }
    Err(PolicyError::Mismatch {
        lead,
        claim,
        expected: suffixes
            .iter()
            .map(|s| format!("{prefix}@{s}"))
            .collect::<Vec<_>>()
            .join(" or "),
        actual,
    })
}

fn join(v: &[String]) -> Option<String> {
    if v.is_empty() {
        None
    } else {
        Some(v.join(", "))
    }
}

fn check_issuer(cert: &dyn Claims, issuer: Option<&str>) -> Result<(), PolicyError> {
    let Some(expected) = issuer else {
        return Ok(());
    };
    let actual = cert.claim(Claim::OidcIssuer);
    if actual.as_deref() == Some(expected) {
        Ok(())
    } else {
        Err(PolicyError::Mismatch {
            lead: Claim::OidcIssuer.does_not_match(),
            claim: Claim::OidcIssuer.name().into(),
            expected: expected.into(),
            actual,
        })
    }
}

#[cfg(test)]
mod tests;
