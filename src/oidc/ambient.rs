//! Ambient OIDC credentials: identity tokens a CI system hands its jobs,
//! requested for audience "sigstore". Detection follows the `id` package
//! (sigstore-python's `detect_credential`): GitHub Actions, Google Cloud,
//! Buildkite, GitLab CI, CircleCI, in that order. A provider that is
//! recognised but cannot produce a token is an error, not a fall-through.

use super::AUDIENCE;
use crate::error::{Error, Result};
use crate::net::Http;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The CI system a token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// GitHub Actions (`ACTIONS_ID_TOKEN_REQUEST_URL`; needs `id-token: write`).
    GitHubActions,
    /// Google Cloud: the metadata server, or IAM impersonation of
    /// `GOOGLE_SERVICE_ACCOUNT_NAME`.
    GoogleCloud,
    /// Buildkite (`buildkite-agent oidc request-token`).
    Buildkite,
    /// GitLab CI (`SIGSTORE_ID_TOKEN` from an `id_tokens:` entry).
    GitLab,
    /// CircleCI (`circleci run oidc get`).
    CircleCi,
}

impl Provider {
    /// The provider's display name.
    pub fn name(self) -> &'static str {
        match self {
            Provider::GitHubActions => "GitHub Actions",
            Provider::GoogleCloud => "Google Cloud",
            Provider::Buildkite => "Buildkite",
            Provider::GitLab => "GitLab CI",
            Provider::CircleCi => "CircleCI",
        }
    }
}

/// Looks a variable up.
type VarLookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The environment detection reads: variables, and where the Google Cloud
/// endpoints are (fixed in production; tests point them at 127.0.0.1).
pub struct Env {
    vars: VarLookup,
    /// `/sys/class/dmi/id/product_name`: "Google" or "Google Compute Engine"
    /// on Google Cloud machines.
    pub gcp_product_file: PathBuf,
    /// The metadata server's service-account base URL.
    pub gcp_metadata_url: String,
    /// The IAM credentials API (service account impersonation).
    pub gcp_iam_url: String,
}

impl Env {
    /// The process environment.
    pub fn process() -> Env {
        Env::with_vars(|k| std::env::var(k).ok())
    }

    /// Variables from `vars`, production endpoints.
    pub fn with_vars(vars: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Env {
        Env {
            vars: Box::new(vars),
            gcp_product_file: PathBuf::from("/sys/class/dmi/id/product_name"),
            gcp_metadata_url:
                "http://metadata/computeMetadata/v1/instance/service-accounts/default".into(),
            gcp_iam_url: "https://iamcredentials.googleapis.com/v1".into(),
        }
    }

    /// Variables from a map (tests).
    pub fn from_map(map: HashMap<String, String>) -> Env {
        Env::with_vars(move |k| map.get(k).cloned())
    }

    /// A variable's value; empty counts as unset.
    pub fn var(&self, name: &str) -> Option<String> {
        (self.vars)(name).filter(|v| !v.trim().is_empty())
    }

    /// `program` on this environment's `PATH`.
    fn which(&self, program: &str) -> Option<PathBuf> {
        let path = self.var("PATH")?;
        std::env::split_paths(&path)
            .map(|d| d.join(program))
            .find(|p| is_executable(p))
    }
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

fn fail(provider: Provider, msg: impl std::fmt::Display) -> Error {
    Error::Identity(format!("{}: {msg}", provider.name()))
}

/// The first ambient credential found, with where it came from.
pub fn detect_credential(env: &Env, http: &Http) -> Result<Option<(String, Provider)>> {
    type Detector = fn(&Env, &Http) -> Result<Option<String>>;
    let detectors: [(Provider, Detector); 5] = [
        (Provider::GitHubActions, github),
        (Provider::GoogleCloud, gcp),
        (Provider::Buildkite, |e, _| buildkite(e)),
        (Provider::GitLab, |e, _| gitlab(e)),
        (Provider::CircleCi, |e, _| circleci(e)),
    ];
    for (provider, detect) in detectors {
        if let Some(token) = detect(env, http)? {
            return Ok(Some((token, provider)));
        }
    }
    Ok(None)
}

/// Appends `key=value` (both already URL-safe) to `url`'s query.
fn with_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = url.to_string();
    for (k, v) in pairs {
        out.push(if out.contains('?') { '&' } else { '?' });
        out.push_str(k);
        out.push('=');
        out.push_str(&super::interactive::url_encode(v));
    }
    out
}

/// GitHub Actions: with `permissions: id-token: write`, the runner sets
/// `ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`;
/// `GET {url}&audience=sigstore` with the request token as bearer answers
/// `{"value": "<jwt>"}`.
pub(crate) fn github(env: &Env, http: &Http) -> Result<Option<String>> {
    let p = Provider::GitHubActions;
    if env.var("GITHUB_ACTIONS").is_none() {
        return Ok(None);
    }
    let hint = "missing or insufficient OIDC token permissions (the workflow needs `permissions: id-token: write`)";
    let req_token = env.var("ACTIONS_ID_TOKEN_REQUEST_TOKEN").ok_or_else(|| {
        fail(
            p,
            format!("{hint}: ACTIONS_ID_TOKEN_REQUEST_TOKEN is unset"),
        )
    })?;
    let req_url = env
        .var("ACTIONS_ID_TOKEN_REQUEST_URL")
        .ok_or_else(|| fail(p, format!("{hint}: ACTIONS_ID_TOKEN_REQUEST_URL is unset")))?;
    let url = with_query(&req_url, &[("audience", AUDIENCE)]);
    let auth = format!("bearer {req_token}");
    let resp = ok_response(
        p,
        "OIDC token",
        http.get(
            &url,
            &[("Authorization", &auth), ("Accept", "application/json")],
        ),
    )?;
    json_string(p, "OIDC token", &resp.body, "value").map(Some)
}

/// The response of a request that must answer 200.
fn ok_response(
    p: Provider,
    what: &str,
    resp: Result<crate::net::HttpResponse>,
) -> Result<crate::net::HttpResponse> {
    let resp = resp.map_err(|e| fail(p, format!("{what} request failed: {e}")))?;
    if resp.status != 200 {
        return Err(fail(
            p,
            format!(
                "{what} request failed (HTTP {}: {})",
                resp.status,
                resp.body_snippet()
            ),
        ));
    }
    Ok(resp)
}

/// A non-empty string member `field` of a JSON response body.
fn json_string(p: Provider, what: &str, body: &[u8], field: &str) -> Result<String> {
    let v: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| fail(p, format!("malformed {what} response: {e}")))?;
    v.get(field)
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .ok_or_else(|| fail(p, format!("{what} response has no string {field:?}")))
}

/// Google Cloud: with `GOOGLE_SERVICE_ACCOUNT_NAME`, impersonate that
/// service account (an access token from the metadata server, then IAM
/// `generateIdToken`); otherwise, on a Google Cloud machine, the metadata
/// server's identity endpoint for the default service account.
pub(crate) fn gcp(env: &Env, http: &Http) -> Result<Option<String>> {
    let p = Provider::GoogleCloud;
    let flavor = ("Metadata-Flavor", "Google");
    if let Some(account) = env.var("GOOGLE_SERVICE_ACCOUNT_NAME") {
        let url = with_query(
            &format!("{}/token", env.gcp_metadata_url),
            &[("scopes", "https://www.googleapis.com/auth/cloud-platform")],
        );
        let resp = ok_response(p, "access token", http.get(&url, &[flavor]))?;
        let access = json_string(p, "access token", &resp.body, "access_token")?;
        let url = format!(
            "{}/projects/-/serviceAccounts/{}:generateIdToken",
            env.gcp_iam_url,
            super::interactive::url_encode(&account)
        );
        let body = serde_json::json!({"audience": AUDIENCE, "includeEmail": true}).to_string();
        let auth = format!("Bearer {access}");
        let resp = ok_response(
            p,
            "OIDC token",
            http.post(
                &url,
                &[
                    ("Authorization", &auth),
                    ("Content-Type", "application/json"),
                ],
                body.as_bytes(),
            ),
        )?;
        return json_string(p, "OIDC token", &resp.body, "token").map(Some);
    }
    let Ok(product) = std::fs::read_to_string(&env.gcp_product_file) else {
        return Ok(None);
    };
    if !matches!(product.trim(), "Google" | "Google Compute Engine") {
        return Ok(None);
    }
    let url = with_query(
        &format!("{}/identity", env.gcp_metadata_url),
        &[("audience", AUDIENCE), ("format", "full")],
    );
    let resp = ok_response(p, "OIDC token", http.get(&url, &[flavor]))?;
    let token = String::from_utf8_lossy(&resp.body).trim().to_string();
    if token.is_empty() {
        return Err(fail(p, "the metadata server returned an empty token"));
    }
    Ok(Some(token))
}

fn run(p: Provider, program: &Path, args: &[&str]) -> Result<String> {
    let out = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| fail(p, format!("cannot run {}: {e}", program.display())))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let detail = if stderr.trim().is_empty() {
            stdout
        } else {
            stderr
        };
        return Err(fail(
            p,
            format!(
                "{} failed ({}): {}",
                program.display(),
                out.status,
                detail.trim()
            ),
        ));
    }
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if token.is_empty() {
        return Err(fail(p, format!("{} printed no token", program.display())));
    }
    Ok(token)
}

/// Buildkite: `buildkite-agent oidc request-token --audience sigstore`.
pub(crate) fn buildkite(env: &Env) -> Result<Option<String>> {
    let p = Provider::Buildkite;
    if env.var("BUILDKITE").is_none() {
        return Ok(None);
    }
    let agent = env
        .which("buildkite-agent")
        .ok_or_else(|| fail(p, "buildkite-agent is not on PATH"))?;
    run(
        p,
        &agent,
        &["oidc", "request-token", "--audience", AUDIENCE],
    )
    .map(Some)
}

/// GitLab CI: an `id_tokens:` entry with `aud: sigstore` named
/// `SIGSTORE_ID_TOKEN` (the `id` package's `<AUD>_ID_TOKEN` rule).
pub(crate) fn gitlab(env: &Env) -> Result<Option<String>> {
    let p = Provider::GitLab;
    if env.var("GITLAB_CI").is_none() {
        return Ok(None);
    }
    env.var("SIGSTORE_ID_TOKEN").map(Some).ok_or_else(|| {
        fail(
            p,
            "SIGSTORE_ID_TOKEN is unset (declare `id_tokens: SIGSTORE_ID_TOKEN: aud: sigstore` in the job)",
        )
    })
}

/// CircleCI: `circleci run oidc get --claims '{"aud":"sigstore"}'
/// --root-issuer` (as the `id` package asks: the org-level issuer).
pub(crate) fn circleci(env: &Env) -> Result<Option<String>> {
    let p = Provider::CircleCi;
    if env.var("CIRCLECI").is_none() {
        return Ok(None);
    }
    let cli = env
        .which("circleci")
        .ok_or_else(|| fail(p, "the circleci CLI is not on PATH"))?;
    let claims = serde_json::json!({"aud": AUDIENCE}).to_string();
    run(
        p,
        &cli,
        &["run", "oidc", "get", "--claims", &claims, "--root-issuer"],
    )
    .map(Some)
}
