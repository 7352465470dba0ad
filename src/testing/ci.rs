//! CI identities: ID tokens shaped like GitHub Actions', GitLab CI's and
//! Google's, and the certificate content Fulcio derives from them.
//!
//! The instance's issuer signs these tokens with its own key but under the
//! real issuer URLs ([`GITHUB_ISSUER`], [`GITLAB_ISSUER`], [`GOOGLE_ISSUER`]);
//! only this instance's Fulcio accepts them, since only it trusts that key.
//! Certificates therefore carry exactly what public-good Fulcio writes for a
//! real workflow, and the real Trusted Publisher policies (GitHub, GitLab,
//! Google, CircleCI) apply to them unchanged.
//!
//! The claims are those the providers document (GitHub's "About security
//! hardening with OpenID Connect", GitLab's "ID token authentication"); the
//! mapping to certificate extensions is Fulcio's `ci-issuer-metadata`
//! (`config/identity/config.yaml`, `github-workflow`, `gitlab-pipeline`,
//! `circleci-job`):
//! each extension is either a claim name or a template over the claims and
//! the provider's defaults, a missing claim is an error, an empty value is
//! left out. The SAN is a URI from the provider's SAN template.

use super::oidc::VerifiedToken;
use crate::crypto::{self, HashAlgorithm};
use serde_json::{json, Map, Value};

/// GitHub Actions' OIDC issuer.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// GitLab.com's OIDC issuer.
pub const GITLAB_ISSUER: &str = "https://gitlab.com";
/// Google's OIDC issuer (service accounts: an e-mail identity).
pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";
/// CircleCI's OIDC issuer, as Fulcio and pypi-attestations name it.
pub const CIRCLECI_ISSUER: &str = "https://oidc.circleci.com";

/// The issuers besides its own whose tokens the instance signs and accepts.
pub const CI_ISSUERS: [&str; 4] = [GITHUB_ISSUER, GITLAB_ISSUER, GOOGLE_ISSUER, CIRCLECI_ISSUER];

/// A GitHub Actions workflow run, as its ID token describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHubRun {
    /// `OWNER/REPO`.
    pub repository: String,
    /// The workflow file under `.github/workflows/` (e.g. `release.yml`).
    pub workflow: String,
    /// The git ref the run is for (`refs/heads/main`, `refs/tags/v1.0`).
    pub git_ref: String,
    /// The deployment environment the job runs in, if any.
    pub environment: Option<String>,
}

/// A GitLab CI pipeline job, as its ID token describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitLabJob {
    /// `NAMESPACE/PROJECT`.
    pub project: String,
    /// The top-level pipeline definition's path (e.g. `.gitlab-ci.yml`).
    pub workflow_path: String,
    /// The git ref (`refs/heads/main`, `refs/tags/v1.0`).
    pub git_ref: String,
    /// The deployment environment the job runs in, if any.
    pub environment: Option<String>,
}

/// A CircleCI job, as its ID token describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CircleCiJob {
    /// The project's ID (`oidc.circleci.com/project-id`).
    pub project_id: String,
    /// The pipeline definition's ID (`oidc.circleci.com/pipeline-definition-id`).
    pub pipeline_definition_id: String,
    /// The repository (`oidc.circleci.com/vcs-origin`, e.g. `github.com/o/r`).
    pub vcs_origin: String,
    /// The git ref (`oidc.circleci.com/vcs-ref`, e.g. `refs/heads/main`).
    pub vcs_ref: String,
}

/// A stable stand-in for the numeric IDs and SHAs real tokens carry: the
/// same input always gives the same value, as a repository's ID does.
fn stable_hex(parts: &[&str], len: usize) -> String {
    let d = crypto::default_backend().digest(HashAlgorithm::Sha256, parts.join("\0").as_bytes());
    let mut h = hex::encode(d.as_bytes());
    h.truncate(len);
    h
}

fn stable_id(parts: &[&str]) -> String {
    let h = stable_hex(parts, 12);
    u64::from_str_radix(&h, 16).map_or_else(|_| "1".into(), |n| (n % 1_000_000_000).to_string())
}

fn owner_of(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(owner, _)| owner)
}

impl GitHubRun {
    /// The subject (`sub`) and the claims of this run's ID token.
    pub fn claims(&self) -> (String, Map<String, Value>) {
        let repo = self.repository.as_str();
        let owner = owner_of(repo);
        let sha = stable_hex(&[repo, &self.git_ref], 40);
        let workflow_ref = format!(
            "{repo}/.github/workflows/{}@{}",
            self.workflow, self.git_ref
        );
        let sub = match &self.environment {
            Some(env) => format!("repo:{repo}:environment:{env}"),
            None => format!("repo:{repo}:ref:{}", self.git_ref),
        };
        let ref_type = if self.git_ref.starts_with("refs/tags/") {
            "tag"
        } else {
            "branch"
        };
        let run_id = stable_id(&[repo, &self.workflow, "run"]);
        let name = self
            .workflow
            .rsplit_once('.')
            .map_or(self.workflow.as_str(), |(stem, _)| stem);
        let Value::Object(mut claims) = json!({
            "iss": GITHUB_ISSUER,
            "sub": sub,
            "ref": self.git_ref,
            "ref_type": ref_type,
            "ref_protected": "false",
            "sha": sha,
            "repository": repo,
            "repository_id": stable_id(&[repo]),
            "repository_owner": owner,
            "repository_owner_id": stable_id(&[owner]),
            "repository_visibility": "public",
            "actor": owner,
            "actor_id": stable_id(&[owner]),
            "workflow": name,
            "workflow_ref": workflow_ref,
            "workflow_sha": sha,
            "job_workflow_ref": workflow_ref,
            "job_workflow_sha": sha,
            "event_name": "push",
            "run_id": run_id,
            "run_number": "1",
            "run_attempt": "1",
            "runner_environment": "github-hosted",
        }) else {
            return (sub, Map::new());
        };
        if let Some(env) = &self.environment {
            claims.insert("environment".into(), json!(env));
        }
        (sub, claims)
    }
}

impl GitLabJob {
    /// The subject (`sub`) and the claims of this job's ID token.
    pub fn claims(&self) -> (String, Map<String, Value>) {
        let project = self.project.as_str();
        let namespace = owner_of(project);
        // GitLab's `ref` is the short name; `ref_type` says which kind.
        let (ref_type, short_ref) = match self.git_ref.strip_prefix("refs/tags/") {
            Some(tag) => ("tag", tag),
            None => (
                "branch",
                self.git_ref
                    .strip_prefix("refs/heads/")
                    .unwrap_or(&self.git_ref),
            ),
        };
        let sha = stable_hex(&[project, &self.git_ref], 40);
        let sub = format!("project_path:{project}:ref_type:{ref_type}:ref:{short_ref}");
        let Value::Object(mut claims) = json!({
            "iss": GITLAB_ISSUER,
            "sub": sub,
            "namespace_id": stable_id(&[namespace]),
            "namespace_path": namespace,
            "project_id": stable_id(&[project]),
            "project_path": project,
            "project_visibility": "public",
            "user_id": stable_id(&[namespace, "user"]),
            "user_login": namespace,
            "pipeline_id": stable_id(&[project, "pipeline"]),
            "pipeline_source": "push",
            "job_id": stable_id(&[project, "job"]),
            "ref": short_ref,
            "ref_type": ref_type,
            "ref_path": self.git_ref,
            "ref_protected": "true",
            "sha": sha,
            "ci_config_ref_uri": format!(
                "gitlab.com/{project}//{}@{}", self.workflow_path, self.git_ref
            ),
            "ci_config_sha": sha,
            "runner_id": stable_id(&[project, "runner"]),
            "runner_environment": "gitlab-hosted",
        }) else {
            return (sub, Map::new());
        };
        if let Some(env) = &self.environment {
            claims.insert("environment".into(), json!(env));
        }
        (sub, claims)
    }
}

impl CircleCiJob {
    /// The subject (`sub`) and the claims of this job's ID token.
    pub fn claims(&self) -> (String, Map<String, Value>) {
        let org = stable_hex(&[&self.vcs_origin, "org"], 32);
        let sub = format!(
            "org/{org}/project/{}/user/{}",
            self.project_id,
            stable_hex(&[&org, "user"], 32)
        );
        let claim = |k: &str| format!("oidc.circleci.com/{k}");
        let mut claims = Map::new();
        for (k, v) in [
            ("iss".to_string(), json!(CIRCLECI_ISSUER)),
            ("sub".to_string(), json!(sub)),
            (claim("org-id"), json!(org)),
            (claim("project-id"), json!(self.project_id)),
            (
                claim("pipeline-definition-id"),
                json!(self.pipeline_definition_id),
            ),
            (
                claim("pipeline-id"),
                json!(stable_hex(&[&self.project_id, "pipeline"], 32)),
            ),
            (
                claim("workflow-id"),
                json!(stable_hex(&[&self.project_id, "workflow"], 32)),
            ),
            (
                claim("job-id"),
                json!(stable_hex(&[&self.project_id, "job"], 32)),
            ),
            (claim("vcs-origin"), json!(self.vcs_origin)),
            (claim("vcs-ref"), json!(self.vcs_ref)),
            (claim("ssh-rerun"), json!(false)),
        ] {
            claims.insert(k, v);
        }
        (sub, claims)
    }
}

/// The claims of a Google service account's ID token for `email`.
pub fn google_claims(email: &str) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("iss".into(), json!(GOOGLE_ISSUER));
    claims.insert("email".into(), json!(email));
    claims.insert("email_verified".into(), json!(true));
    claims
}

/// One certificate extension Fulcio writes for a CI provider.
struct Template {
    /// The last arc under 1.3.6.1.4.1.57264.1.
    arc: u64,
    /// A claim name, or a template with `{claim}` placeholders.
    value: &'static str,
}

/// Fulcio's deprecated GitHub extensions (`.2`-`.6`), raw bytes rather than
/// DER strings.
const GITHUB_LEGACY: [Template; 5] = [
    Template {
        arc: 2,
        value: "event_name",
    },
    Template {
        arc: 3,
        value: "sha",
    },
    Template {
        arc: 4,
        value: "workflow",
    },
    Template {
        arc: 5,
        value: "repository",
    },
    Template {
        arc: 6,
        value: "ref",
    },
];

const GITHUB: [Template; 15] = [
    Template {
        arc: 9,
        value: "{url}/{job_workflow_ref}",
    },
    Template {
        arc: 10,
        value: "job_workflow_sha",
    },
    Template {
        arc: 11,
        value: "runner_environment",
    },
    Template {
        arc: 12,
        value: "{url}/{repository}",
    },
    Template {
        arc: 13,
        value: "sha",
    },
    Template {
        arc: 14,
        value: "ref",
    },
    Template {
        arc: 15,
        value: "repository_id",
    },
    Template {
        arc: 16,
        value: "{url}/{repository_owner}",
    },
    Template {
        arc: 17,
        value: "repository_owner_id",
    },
    Template {
        arc: 18,
        value: "{url}/{workflow_ref}",
    },
    Template {
        arc: 19,
        value: "workflow_sha",
    },
    Template {
        arc: 20,
        value: "event_name",
    },
    Template {
        arc: 21,
        value: "{url}/{repository}/actions/runs/{run_id}/attempts/{run_attempt}",
    },
    Template {
        arc: 22,
        value: "repository_visibility",
    },
    Template {
        arc: 23,
        value: "environment",
    },
];

const GITLAB: [Template; 15] = [
    Template {
        arc: 9,
        value: "https://{ci_config_ref_uri}",
    },
    Template {
        arc: 10,
        value: "ci_config_sha",
    },
    Template {
        arc: 11,
        value: "runner_environment",
    },
    Template {
        arc: 12,
        value: "{url}/{project_path}",
    },
    Template {
        arc: 13,
        value: "sha",
    },
    // Fulcio: refs/{heads|tags}/{ref}, by ref_type.
    Template {
        arc: 14,
        value: "refs/{ref_kind}/{ref}",
    },
    Template {
        arc: 15,
        value: "project_id",
    },
    Template {
        arc: 16,
        value: "{url}/{namespace_path}",
    },
    Template {
        arc: 17,
        value: "namespace_id",
    },
    Template {
        arc: 18,
        value: "https://{ci_config_ref_uri}",
    },
    Template {
        arc: 19,
        value: "ci_config_sha",
    },
    Template {
        arc: 20,
        value: "pipeline_source",
    },
    Template {
        arc: 21,
        value: "{url}/{project_path}/-/jobs/{job_id}",
    },
    Template {
        arc: 22,
        value: "project_visibility",
    },
    Template {
        arc: 23,
        value: "environment",
    },
];

const CIRCLECI: [Template; 5] = [
    Template { arc: 9, value: "{api_url}/projects/{oidc.circleci.com/project-id}/pipeline-definitions/{oidc.circleci.com/pipeline-definition-id}" },
    // Fulcio writes `ssh-rerun` for a job re-run with SSH, else a template
    // artefact; a re-run never signs here, so it is left out.
    Template { arc: 14, value: "oidc.circleci.com/vcs-ref" },
    Template { arc: 12, value: "oidc.circleci.com/vcs-origin" },
    Template { arc: 18, value: "{api_url}/pipeline/{oidc.circleci.com/pipeline-id}/config" },
    Template { arc: 21, value: "{platform_url}/workflow/{oidc.circleci.com/workflow-id}/job/{oidc.circleci.com/job-id}" },
];

/// What Fulcio puts in a certificate for a CI provider's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiCertificate {
    /// The URI SAN.
    pub san_uri: String,
    /// `(OID arcs, DER value)` of each extension besides the issuer's.
    pub extensions: Vec<(Vec<u64>, Vec<u8>)>,
}

/// The certificate content for `token` when its issuer is a CI provider
/// (GitHub Actions, GitLab CI, CircleCI); `None` for any other issuer; an error
/// naming the claim when the token lacks one Fulcio needs.
pub fn certificate_for(token: &VerifiedToken) -> Option<Result<CiCertificate, String>> {
    let mut values: Map<String, Value> = Map::new();
    let (san, legacy, templates): (&str, &[Template], &[Template]) = match token.issuer.as_str() {
        GITHUB_ISSUER => {
            values.insert("url".into(), json!("https://github.com"));
            ("{url}/{job_workflow_ref}", &GITHUB_LEGACY, &GITHUB)
        }
        GITLAB_ISSUER => {
            values.insert("url".into(), json!("https://gitlab.com"));
            let kind = if token.claims.get("ref_type") == Some(&json!("branch")) {
                "heads"
            } else {
                "tags"
            };
            values.insert("ref_kind".into(), json!(kind));
            ("https://{ci_config_ref_uri}", &[], &GITLAB)
        }
        CIRCLECI_ISSUER => {
            values.insert("api_url".into(), json!("https://circleci.com/api/v2"));
            values.insert("platform_url".into(), json!("https://app.circleci.com/"));
            (CIRCLECI[0].value, &[], &CIRCLECI)
        }
        _ => return None,
    };
    // Fulcio's defaults: an absent environment is empty (and so left out).
    values.insert("environment".into(), json!(""));
    for (k, v) in &token.claims {
        values.insert(k.clone(), v.clone());
    }
    Some(render_all(&values, san, legacy, templates, &token.issuer))
}

fn render_all(
    values: &Map<String, Value>,
    san: &str,
    legacy: &[Template],
    templates: &[Template],
    issuer: &str,
) -> Result<CiCertificate, String> {
    let san_uri = render(san, values, issuer)?;
    let mut extensions = Vec::new();
    for t in legacy {
        let v = render(t.value, values, issuer)?;
        if !v.is_empty() {
            extensions.push((fulcio_oid(t.arc), v.into_bytes()));
        }
    }
    for t in templates {
        let v = render(t.value, values, issuer)?;
        if !v.is_empty() {
            extensions.push((fulcio_oid(t.arc), crate::der::write::utf8(&v)));
        }
    }
    Ok(CiCertificate {
        san_uri,
        extensions,
    })
}

fn fulcio_oid(arc: u64) -> Vec<u64> {
    vec![1, 3, 6, 1, 4, 1, 57264, 1, arc]
}

/// A claim's value as Fulcio prints it (`%s`): strings as they are,
/// numbers and booleans in their JSON spelling; `null` counts as absent
/// (Fulcio would print Go's `%!s(<nil>)` into the certificate).
fn claim_string(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A claim name, or a `{claim}` template, over `values`.
fn render(template: &str, values: &Map<String, Value>, issuer: &str) -> Result<String, String> {
    let missing =
        |name: &str| format!("the {issuer} token has no {name:?} claim, which Fulcio needs");
    if !template.contains('{') {
        return values
            .get(template)
            .and_then(claim_string)
            .ok_or_else(|| missing(template));
    }
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(format!("unterminated template {template:?}"));
        };
        let name = &after[..close];
        out.push_str(
            &values
                .get(name)
                .and_then(claim_string)
                .ok_or_else(|| missing(name))?,
        );
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}
