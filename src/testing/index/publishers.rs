//! Trusted Publishers of the local index: the spec strings tests and the
//! command line configure them with, and the mapping of a verified identity
//! token's claims to the publisher of a project, as Warehouse does it
//! (`warehouse/oidc/models/{github,gitlab,google,circleci}.py`).
//!
//! GitHub: `repository` (case-insensitive), `repository_owner` and `sub`
//! (`repo:OWNER/REPO:…`) name the publisher's repository, and
//! `job_workflow_ref` is
//! `OWNER/REPO/.github/workflows/WORKFLOW@REF` where REF is the token's
//! `ref` or `sha` claim. `job_workflow_ref` names the workflow the job
//! runs: for a job that calls a reusable workflow, the reusable one (the
//! calling one is `workflow_ref`), so on PyPI, as here, the publisher names
//! the workflow file that holds the publishing job. A publisher that names
//! an environment needs the token's `environment` (case-insensitive); when
//! several match, one naming the token's environment wins over one naming
//! none. Tokens of `pull_request_target` runs are refused.
//! GitLab: `project_path` (case-insensitive) and `ci_config_ref_uri` =
//! `gitlab.com/NAMESPACE/PROJECT//PATH@REF` where REF is `ref_path` or
//! `sha` (both must be present), and `environment` when the publisher
//! names one. Google: `email`, verified. CircleCI: the
//! `oidc.circleci.com/project-id` and `…/pipeline-definition-id` claims,
//! and `…/vcs-origin` and `…/vcs-ref` when the publisher names them;
//! `…/ssh-rerun` false.

use crate::pep740::publisher::{CIRCLECI_ISSUER, GITHUB_ISSUER, GITLAB_ISSUER, GOOGLE_ISSUER};
use crate::pep740::Publisher;
use serde_json::{Map, Value};

/// `PROJECT=SPEC`, the command line's `--trusted-publisher` value.
pub fn parse_project_spec(arg: &str) -> Result<(String, Publisher), String> {
    let (project, spec) = arg
        .split_once('=')
        .filter(|(p, _)| !p.is_empty())
        .ok_or_else(|| format!("--trusted-publisher {arg:?}: expected PROJECT=SPEC"))?;
    Ok((project.to_string(), Publisher::from_spec(spec)?))
}

/// The publisher among `publishers` (those of one project) that a verified
/// token's `claims` stand for, or why there is none.
pub fn match_claims<'a>(
    claims: &Map<String, Value>,
    publishers: &'a [Publisher],
) -> Result<&'a Publisher, String> {
    let iss = str_claim(claims, "iss").unwrap_or_default();
    let kind = match iss {
        GITHUB_ISSUER => "GitHub",
        GITLAB_ISSUER => "GitLab",
        GOOGLE_ISSUER => "Google",
        CIRCLECI_ISSUER => "CircleCI",
        _ => {
            return Err(format!(
                "the identity token's issuer {iss:?} is not one Trusted Publishers use \
                 (GitHub Actions {GITHUB_ISSUER:?}, GitLab CI/CD {GITLAB_ISSUER:?}, \
                 Google {GOOGLE_ISSUER:?}, CircleCI {CIRCLECI_ISSUER:?})"
            ))
        }
    };
    if kind == "GitHub" && str_claim(claims, "event_name") == Some("pull_request_target") {
        return Err(
            "publishing from a workflow run by the pull_request_target event is not supported"
                .into(),
        );
    }
    let candidates: Vec<&Publisher> = publishers.iter().filter(|p| p.kind() == kind).collect();
    if candidates.is_empty() {
        return Err(format!(
            "the project has no {kind} Trusted Publisher{}",
            configured(publishers)
        ));
    }
    let mut reasons = Vec::new();
    let mut matched: Vec<&Publisher> = Vec::new();
    for p in candidates {
        match check(claims, p) {
            Ok(()) => matched.push(p),
            Err(r) => reasons.push(format!("{p}: {r}")),
        }
    }
    // Warehouse: a publisher naming the token's environment is more
    // specific than one naming none.
    let env = str_claim(claims, "environment").map(str::to_lowercase);
    let specific = matched
        .iter()
        .find(|p| env.is_some() && environment_of(p).map(str::to_lowercase) == env);
    if let Some(p) = specific.or_else(|| matched.first()) {
        return Ok(p);
    }
    let mut message = format!(
        "the identity token's claims match no Trusted Publisher of the project: {}",
        reasons.join("; ")
    );
    if let Some(hint) = reusable_hint(claims) {
        message.push_str("; ");
        message.push_str(&hint);
    }
    Err(message)
}

fn configured(publishers: &[Publisher]) -> String {
    if publishers.is_empty() {
        return String::new();
    }
    let list: Vec<String> = publishers.iter().map(ToString::to_string).collect();
    format!(" (it has: {})", list.join("; "))
}

fn environment_of(p: &Publisher) -> Option<&str> {
    match p {
        Publisher::GitHub { environment, .. } | Publisher::GitLab { environment, .. } => {
            environment.as_deref()
        }
        Publisher::Google { .. } | Publisher::CircleCI { .. } => None,
    }
}

fn str_claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The claim `name`, which must be present.
fn required<'a>(claims: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    str_claim(claims, name).ok_or_else(|| format!("the token has no {name} claim"))
}

fn differs(name: &str, expected: &str, found: &str) -> String {
    format!("the {name} claim is {found:?}, expected {expected:?}")
}

/// Whether `claims` stand for publisher `p` (of the token's kind).
fn check(claims: &Map<String, Value>, p: &Publisher) -> Result<(), String> {
    match p {
        Publisher::GitHub {
            repository,
            workflow,
            environment,
        } => {
            let repo = required(claims, "repository")?;
            if !repo.eq_ignore_ascii_case(repository) {
                return Err(differs("repository", repository, repo));
            }
            // `sub` is `repo:OWNER/REPO[:…]`; Warehouse checks its first two fields.
            let sub = required(claims, "sub")?;
            let mut fields = sub.split(':');
            let sub_repo = match (fields.next(), fields.next()) {
                (Some("repo"), Some(r)) => r,
                _ => "",
            };
            if !sub_repo.eq_ignore_ascii_case(repository) {
                return Err(format!(
                    "the sub claim is {sub:?}, expected \"repo:{repository}[:…]\""
                ));
            }
            let owner = repository.split('/').next().unwrap_or_default();
            let found_owner = required(claims, "repository_owner")?;
            if !found_owner.eq_ignore_ascii_case(owner) {
                return Err(differs("repository_owner", owner, found_owner));
            }
            let refs = refs(claims, &["ref", "sha"], false)?;
            let base = format!("{repository}/.github/workflows/{workflow}");
            one_of(claims, "job_workflow_ref", &base, &refs)?;
            check_environment(claims, environment.as_deref())
        }
        Publisher::GitLab {
            repository,
            workflow_filepath,
            environment,
        } => {
            let project = required(claims, "project_path")?;
            if !project.eq_ignore_ascii_case(repository) {
                return Err(differs("project_path", repository, project));
            }
            let refs = refs(claims, &["ref_path", "sha"], true)?;
            let base = format!("gitlab.com/{repository}//{workflow_filepath}");
            one_of(claims, "ci_config_ref_uri", &base, &refs)?;
            check_environment(claims, environment.as_deref())
        }
        Publisher::Google { email } => {
            let found = required(claims, "email")?;
            if !found.eq_ignore_ascii_case(email) {
                return Err(differs("email", email, found));
            }
            if claims.get("email_verified") != Some(&Value::Bool(true)) {
                return Err("the token's email is not verified".into());
            }
            Ok(())
        }
        Publisher::CircleCI {
            project_id,
            pipeline_definition_id,
            vcs_origin,
            vcs_ref,
        } => {
            // Warehouse refuses tokens of SSH re-runs: a person had a shell
            // in the build.
            if claims.get("oidc.circleci.com/ssh-rerun") != Some(&Value::Bool(false)) {
                return Err(
                    "the oidc.circleci.com/ssh-rerun claim is not false (a job re-run with SSH)"
                        .into(),
                );
            }
            let pairs = [
                ("oidc.circleci.com/project-id", Some(project_id)),
                (
                    "oidc.circleci.com/pipeline-definition-id",
                    Some(pipeline_definition_id),
                ),
                ("oidc.circleci.com/vcs-origin", vcs_origin.as_ref()),
                ("oidc.circleci.com/vcs-ref", vcs_ref.as_ref()),
            ];
            for (name, expected) in pairs {
                if let Some(expected) = expected {
                    let found = required(claims, name)?;
                    if found != expected {
                        return Err(differs(name, expected, found));
                    }
                }
            }
            Ok(())
        }
    }
}

/// The token's refs among `names`: all of them (`all`) or at least one.
fn refs<'a>(
    claims: &'a Map<String, Value>,
    names: &[&str],
    all: bool,
) -> Result<Vec<&'a str>, String> {
    let found: Vec<&str> = names.iter().filter_map(|n| str_claim(claims, n)).collect();
    if found.is_empty() || (all && found.len() < names.len()) {
        let need = if all { "all of" } else { "one of" };
        return Err(format!("the token needs {need} the {names:?} claims"));
    }
    Ok(found)
}

/// The claim `name` must be `BASE@REF` for one of `refs`.
fn one_of(
    claims: &Map<String, Value>,
    name: &str,
    base: &str,
    refs: &[&str],
) -> Result<(), String> {
    let found = required(claims, name)?;
    let expected: Vec<String> = refs.iter().map(|r| format!("{base}@{r}")).collect();
    if expected.iter().any(|e| e == found) {
        return Ok(());
    }
    Err(format!(
        "the {name} claim is {found:?}, expected one of {expected:?}"
    ))
}

fn check_environment(claims: &Map<String, Value>, expected: Option<&str>) -> Result<(), String> {
    let Some(expected) = expected else {
        return Ok(());
    };
    match str_claim(claims, "environment") {
        Some(found) if found.eq_ignore_ascii_case(expected) => Ok(()),
        Some(found) => Err(differs("environment", expected, found)),
        None => Err(format!(
            "the publisher requires the environment {expected:?}; the token has none"
        )),
    }
}

/// For a GitHub job that ran a reusable workflow: which claim names which.
fn reusable_hint(claims: &Map<String, Value>) -> Option<String> {
    let job = str_claim(claims, "job_workflow_ref")?;
    let caller = str_claim(claims, "workflow_ref")?;
    (job != caller).then(|| {
        format!(
            "the job ran the reusable workflow {job:?} (job_workflow_ref), called by \
             {caller:?} (workflow_ref); a Trusted Publisher is matched against \
             job_workflow_ref, the workflow file that holds the publishing job"
        )
    })
}
