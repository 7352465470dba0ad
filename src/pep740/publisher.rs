//! Trusted Publishers (PyPI's publisher kinds in provenance objects,
//! <https://docs.pypi.org/attestations/publish/v1/>) and the certificate
//! policy each one stands for, as pypi-attestations builds it.
//!
//! ```
//! use sigstore_rs::pep740::Publisher;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let publisher = Publisher::from_json(
//!     br#"{"kind": "GitHub", "repository": "trailofbits/pypi-attestations", "workflow": "release.yml"}"#,
//! )?;
//! assert_eq!(
//!     publisher,
//!     Publisher::GitHub {
//!         repository: "trailofbits/pypi-attestations".into(),
//!         workflow: "release.yml".into(),
//!         environment: None,
//!     }
//! );
//! let policy = publisher.policy(); // what its signing certificates must say
//! # let _ = policy;
//! # Ok(()) }
//! ```

use crate::error::{Error, Result};
use crate::policy::{Claim, Policy};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The OIDC issuer of GitHub Actions workflow tokens.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// The OIDC issuer of GitLab CI/CD job tokens (gitlab.com).
pub const GITLAB_ISSUER: &str = "https://gitlab.com";
/// The OIDC issuer of Google accounts and service accounts.
pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";
/// The OIDC issuer of CircleCI job tokens.
pub const CIRCLECI_ISSUER: &str = "https://oidc.circleci.com";

/// A Trusted Publisher: the CI identity PyPI accepted an upload from,
/// as a provenance object names it (`{"kind": "GitHub", …}`). Unknown kinds
/// are rejected; unknown fields (such as the `claims` PyPI has added to the
/// publishers it serves) are ignored, as pypi-attestations does: a
/// publisher is unsigned, and only its known fields make the policy.
// `remote = "Self"`: the derived (de)serializers become inherent functions,
// and the trait impls below wrap them, so that an unknown kind gets a message
// naming it and the supported kinds rather than serde's "unknown variant".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(tag = "kind")]
pub enum Publisher {
    /// A GitHub Actions workflow: `repository` is `OWNER/REPO`, `workflow`
    /// the workflow's file name under `.github/workflows/`.
    #[serde(rename = "GitHub")]
    GitHub {
        /// `OWNER/REPO`.
        repository: String,
        /// The workflow file name, e.g. `release.yml`.
        workflow: String,
        /// The GitHub deployment environment, if the publisher names one.
        /// Informational: certificates do not carry it, so [`Publisher::policy`]
        /// does not check it.
        #[serde(default)]
        environment: Option<String>,
    },
    /// A GitLab CI/CD pipeline: `repository` is `NAMESPACE/PROJECT` (with
    /// any subgroups), `workflow_filepath` the CI file's path in it.
    #[serde(rename = "GitLab")]
    GitLab {
        /// `NAMESPACE/PROJECT`.
        repository: String,
        /// The CI file's path in the project, e.g. `.gitlab-ci.yml`.
        workflow_filepath: String,
        /// The GitLab environment, if the publisher names one.
        /// Informational: certificates do not carry it, so [`Publisher::policy`]
        /// does not check it.
        #[serde(default)]
        environment: Option<String>,
    },
    /// A Google Cloud service account.
    #[serde(rename = "Google")]
    Google {
        /// The service account's email address.
        email: String,
    },
    /// A CircleCI pipeline (pypi-attestations 0.0.30's `CircleCIPublisher`).
    #[serde(rename = "CircleCI")]
    CircleCI {
        /// The CircleCI project ID (a UUID).
        project_id: String,
        /// The pipeline definition ID (a UUID) allowed to publish.
        pipeline_definition_id: String,
        /// The source repository, as CircleCI's `vcs-origin` claim gives it
        /// (`github.com/ORG/REPO`, no scheme); checked when given.
        #[serde(default)]
        vcs_origin: Option<String>,
        /// The git ref (`refs/heads/main`); checked when given.
        #[serde(default)]
        vcs_ref: Option<String>,
    },
}

/// The `kind`s a publisher object may have, as PyPI writes them.
pub const PUBLISHER_KINDS: [&str; 4] = ["GitHub", "GitLab", "Google", "CircleCI"];

impl Serialize for Publisher {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        Publisher::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Publisher {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        // A publisher object is a handful of strings: buffering it costs
        // nothing (the tagged derive buffers it anyway).
        let value = serde_json::Value::deserialize(d)?;
        let supported = PUBLISHER_KINDS.join(", ");
        match value.get("kind") {
            Some(serde_json::Value::String(k)) if PUBLISHER_KINDS.contains(&k.as_str()) => {}
            Some(serde_json::Value::String(k)) => {
                return Err(D::Error::custom(format!(
                    "unsupported Trusted Publisher kind {k:?} (supported kinds: {supported})"
                )))
            }
            Some(other) => {
                return Err(D::Error::custom(format!(
                    "a Trusted Publisher's \"kind\" must be a string (one of {supported}), \
                     got {other}"
                )))
            }
            None if !value.is_object() => {
                return Err(D::Error::custom(format!(
                    "a Trusted Publisher must be a JSON object with a \"kind\" \
                     (one of {supported})"
                )))
            }
            None => {
                return Err(D::Error::custom(format!(
                    "a Trusted Publisher needs a \"kind\" (one of {supported})"
                )))
            }
        }
        Publisher::deserialize(value).map_err(D::Error::custom)
    }
}

impl Publisher {
    /// Parses a publisher object (`{"kind": …, …}`).
    pub fn from_json(data: &[u8]) -> Result<Publisher> {
        serde_json::from_slice(data)
            .map_err(|e| Error::InvalidAttestation(format!("not a Trusted Publisher: {e}")))
    }

    /// The publisher as JSON, as a provenance object holds it.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self)
            .map_err(|e| Error::InvalidAttestation(format!("publisher: {e}")))
    }

    /// A publisher from its spec (the command line's form, as `sigstore-rs
    /// pip install --publisher` and `testing serve --trusted-publisher` take it): `github:OWNER/REPO:WORKFLOW[:ENV]`,
    /// `gitlab:NAMESPACE/PROJECT:WORKFLOW_PATH[:ENV]`, `google:EMAIL` or
    /// `circleci:PROJECT_ID:PIPELINE_DEFINITION_ID`.
    pub fn from_spec(spec: &str) -> Result<Publisher, String> {
        let usage = "expected github:OWNER/REPO:WORKFLOW[:ENV], \
                     gitlab:NAMESPACE/PROJECT:WORKFLOW_PATH[:ENV], google:EMAIL or \
                     circleci:PROJECT_ID:PIPELINE_DEFINITION_ID";
        let (kind, rest) = spec
            .split_once(':')
            .ok_or_else(|| format!("Trusted Publisher {spec:?}: {usage}"))?;
        let fields: Vec<&str> = rest.split(':').collect();
        let nonempty = fields.iter().all(|f| !f.is_empty());
        let environment = |f: Option<&&str>| f.map(|e| e.to_string());
        match (kind.to_ascii_lowercase().as_str(), fields.as_slice()) {
            ("github", [repo, workflow, ..]) if fields.len() <= 3 && nonempty => {
                if repo.split('/').count() != 2 {
                    return Err(format!(
                        "Trusted Publisher {spec:?}: the GitHub repository {repo:?} is not OWNER/REPO"
                    ));
                }
                Ok(Publisher::GitHub {
                    repository: repo.to_string(),
                    workflow: workflow.to_string(),
                    environment: environment(fields.get(2)),
                })
            }
            ("gitlab", [project, path, ..]) if fields.len() <= 3 && nonempty => {
                if !project.contains('/') {
                    return Err(format!(
                        "Trusted Publisher {spec:?}: the GitLab project {project:?} is not NAMESPACE/PROJECT"
                    ));
                }
                Ok(Publisher::GitLab {
                    repository: project.to_string(),
                    workflow_filepath: path.to_string(),
                    environment: environment(fields.get(2)),
                })
            }
            ("google", [email]) if email.contains('@') => Ok(Publisher::Google {
                email: email.to_string(),
            }),
            ("circleci", [project, definition]) if nonempty => Ok(Publisher::CircleCI {
                project_id: project.to_string(),
                pipeline_definition_id: definition.to_string(),
                vcs_origin: None,
                vcs_ref: None,
            }),
            _ => Err(format!("Trusted Publisher {spec:?}: {usage}")),
        }
    }

    /// The spec that names this publisher (the inverse of [`Self::from_spec`];
    /// a CircleCI publisher's `vcs_origin`/`vcs_ref` have no place in it).
    pub fn spec(&self) -> String {
        let with_env = |parts: Vec<&str>, env: &Option<String>| {
            let mut parts = parts;
            if let Some(e) = env {
                parts.push(e);
            }
            parts.join(":")
        };
        match self {
            Publisher::GitHub {
                repository,
                workflow,
                environment,
            } => with_env(vec!["github", repository, workflow], environment),
            Publisher::GitLab {
                repository,
                workflow_filepath,
                environment,
            } => with_env(vec!["gitlab", repository, workflow_filepath], environment),
            Publisher::Google { email } => format!("google:{email}"),
            Publisher::CircleCI {
                project_id,
                pipeline_definition_id,
                ..
            } => format!("circleci:{project_id}:{pipeline_definition_id}"),
        }
    }

    /// The `kind` tag: `"GitHub"`, `"GitLab"`, `"Google"` or `"CircleCI"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Publisher::GitHub { .. } => "GitHub",
            Publisher::GitLab { .. } => "GitLab",
            Publisher::Google { .. } => "Google",
            Publisher::CircleCI { .. } => "CircleCI",
        }
    }

    /// The identity policy a signing certificate must satisfy.
    ///
    /// GitHub: the issuer is GitHub Actions', the Source Repository URI is
    /// `https://github.com/OWNER/REPO`, and the Build Config URI is
    /// `https://github.com/OWNER/REPO/.github/workflows/WORKFLOW@X` where X is
    /// the certificate's own Source Repository Digest or Ref (either may be
    /// absent, as in certificates without the ref extension, not both).
    /// GitLab: likewise with `https://gitlab.com/NAMESPACE/PROJECT//PATH@X`,
    /// and both the digest and the ref must be present.
    /// Google: the SAN is the email and the issuer Google's.
    /// CircleCI: the issuer is CircleCI's, the Build Signer URI is
    /// `https://circleci.com/api/v2/projects/PROJECT/pipeline-definitions/DEF`,
    /// and the Source Repository URI and Ref equal `vcs_origin` and `vcs_ref`
    /// when the publisher gives them (pypi-attestations 0.0.30's policy).
    /// GitHub and GitLab, with an environment: a certificate that names its
    /// deployment environment (Fulcio's `.23`, written since 2025) must
    /// name this one, ignoring case as GitHub and PyPI do; certificates
    /// from before then carry none and pass (pypi-attestations 0.0.30 does
    /// not check the environment at all).
    pub fn policy(&self) -> Policy {
        match self {
            Publisher::GitHub {
                repository,
                workflow,
                environment,
            } => workflow_policy(
                GITHUB_ISSUER,
                format!("https://github.com/{repository}"),
                format!("https://github.com/{repository}/.github/workflows/{workflow}"),
                false,
                environment,
            ),
            Publisher::GitLab {
                repository,
                workflow_filepath,
                environment,
            } => workflow_policy(
                GITLAB_ISSUER,
                format!("https://gitlab.com/{repository}"),
                format!("https://gitlab.com/{repository}//{workflow_filepath}"),
                true,
                environment,
            ),
            Publisher::Google { email } => Policy::identity(email.clone(), GOOGLE_ISSUER),
            Publisher::CircleCI {
                project_id,
                pipeline_definition_id,
                vcs_origin,
                vcs_ref,
            } => {
                let mut all = vec![Policy::claim(Claim::OidcIssuer, CIRCLECI_ISSUER)];
                if let Some(origin) = vcs_origin {
                    all.push(Policy::claim(Claim::SourceRepositoryUri, origin.clone()));
                }
                if let Some(r) = vcs_ref {
                    all.push(Policy::claim(Claim::SourceRepositoryRef, r.clone()));
                }
                all.push(Policy::claim(
                    Claim::BuildSignerUri,
                    format!(
                        "https://circleci.com/api/v2/projects/{project_id}/pipeline-definitions/{pipeline_definition_id}"
                    ),
                ));
                Policy::AllOf(all)
            }
        }
    }
}

/// The first claim in which a publisher differs from an expected one:
/// `(claim, expected value, found value)`. An optional claim the expected
/// publisher leaves out (a GitHub or GitLab environment, CircleCI's origin and
/// ref) accepts any value (the user did not name one); every other claim
/// must be equal. Values absent on one side are shown as `(none)`.
pub fn first_difference(
    expected: &Publisher,
    found: &Publisher,
) -> Option<(&'static str, String, String)> {
    fn opt(v: &Option<String>) -> String {
        v.clone().unwrap_or_else(|| "(none)".into())
    }
    fn optional(
        claim: &'static str,
        e: &Option<String>,
        f: &Option<String>,
    ) -> Option<(&'static str, String, String)> {
        match e {
            Some(_) if e != f => Some((claim, opt(e), opt(f))),
            _ => None,
        }
    }
    fn eq(claim: &'static str, e: &str, f: &str) -> Option<(&'static str, String, String)> {
        (e != f).then(|| (claim, e.to_owned(), f.to_owned()))
    }
    match (expected, found) {
        (
            Publisher::GitHub {
                repository: r1,
                workflow: w1,
                environment: e1,
            },
            Publisher::GitHub {
                repository: r2,
                workflow: w2,
                environment: e2,
            },
        ) => eq("repository", r1, r2)
            .or_else(|| eq("workflow", w1, w2))
            .or_else(|| optional("environment", e1, e2)),
        (
            Publisher::GitLab {
                repository: r1,
                workflow_filepath: w1,
                environment: e1,
            },
            Publisher::GitLab {
                repository: r2,
                workflow_filepath: w2,
                environment: e2,
            },
        ) => eq("repository", r1, r2)
            .or_else(|| eq("workflow", w1, w2))
            .or_else(|| optional("environment", e1, e2)),
        (Publisher::Google { email: a }, Publisher::Google { email: b }) => eq("email", a, b),
        (
            Publisher::CircleCI {
                project_id: p1,
                pipeline_definition_id: d1,
                vcs_origin: o1,
                vcs_ref: f1,
            },
            Publisher::CircleCI {
                project_id: p2,
                pipeline_definition_id: d2,
                vcs_origin: o2,
                vcs_ref: f2,
            },
        ) => eq("project_id", p1, p2)
            .or_else(|| eq("pipeline_definition_id", d1, d2))
            .or_else(|| optional("vcs_origin", o1, o2))
            .or_else(|| optional("vcs_ref", f1, f2)),
        _ => eq("kind", expected.kind(), found.kind()),
    }
}

/// A CI workflow publisher's policy (GitHub, GitLab): the issuer, the
/// source repository, the build config at the source's digest or ref, and
/// the deployment environment where the certificate names one.
fn workflow_policy(
    issuer: &str,
    source_repository: String,
    build_config_prefix: String,
    require_both: bool,
    environment: &Option<String>,
) -> Policy {
    let mut all = vec![
        Policy::claim(Claim::OidcIssuer, issuer),
        Policy::claim(Claim::SourceRepositoryUri, source_repository),
        Policy::BuildConfigAtSource {
            prefix: build_config_prefix,
            require_both,
        },
    ];
    if let Some(e) = environment {
        all.push(Policy::ClaimIfPresent {
            claim: Claim::DeploymentEnvironment,
            expected: e.clone(),
        });
    }
    Policy::AllOf(all)
}

/// The publisher's kind and claims, for people: `GitHub repository
/// OWNER/REPO, workflow release.yml[, environment E]`, `GitLab project
/// NAMESPACE/PROJECT, workflow PATH[, environment E]`, `Google service
/// account EMAIL`.
impl fmt::Display for Publisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let environment = match self {
            Publisher::GitHub {
                repository,
                workflow,
                environment,
            } => {
                write!(f, "GitHub repository {repository}, workflow {workflow}")?;
                environment
            }
            Publisher::GitLab {
                repository,
                workflow_filepath,
                environment,
            } => {
                write!(
                    f,
                    "GitLab project {repository}, workflow {workflow_filepath}"
                )?;
                environment
            }
            Publisher::Google { email } => return write!(f, "Google service account {email}"),
            Publisher::CircleCI {
                project_id,
                pipeline_definition_id,
                vcs_origin,
                vcs_ref,
            } => {
                write!(
                    f,
                    "CircleCI project {project_id}, pipeline definition {pipeline_definition_id}"
                )?;
                if let Some(o) = vcs_origin {
                    write!(f, ", origin {o}")?;
                }
                if let Some(r) = vcs_ref {
                    write!(f, ", ref {r}")?;
                }
                return Ok(());
            }
        };
        match environment {
            Some(e) => write!(f, ", environment {e}"),
            None => Ok(()),
        }
    }
}
