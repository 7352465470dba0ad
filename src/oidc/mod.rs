//! OIDC identity tokens for keyless signing: parsing and checking a token
//! ([`IdentityToken`]), and obtaining one — explicitly, from the ambient CI
//! environment ([`ambient`]), or interactively in a browser ([`interactive`]).
//!
//! The token's signature is not checked here: Fulcio checks it against the
//! issuer's keys when it issues the certificate. The checks here exist to
//! fail early and clearly (wrong audience, expired) before any request.
//!
//! Tokens are OpenID Connect ID tokens (compact JWTs, RFC 7519) for the
//! audience [`AUDIENCE`]; the claim Fulcio certifies is described at
//! <https://github.com/sigstore/fulcio/blob/main/docs/oidc.md>.
//!
//! ```no_run
//! use sigstore_rs::net::Http;
//! use sigstore_rs::oidc::{ambient::Env, detect};
//!
//! # fn main() -> sigstore_rs::Result<()> {
//! // `--identity-token`, else SIGSTORE_ID_TOKEN, else the CI provider's token.
//! match detect(None, &Env::process(), &Http::new())? {
//!     Some((token, source)) => println!("{} via {source:?}", token.identity()),
//!     None => println!("no token: run oidc::interactive::identity_token"),
//! }
//! # Ok(()) }
//! ```

pub mod ambient;
pub mod interactive;

use crate::error::{Error, Result};
use crate::trust::rfc3339;
use base64::Engine as _;
use serde_json::Value;

/// The audience Sigstore tokens are minted for (the Fulcio client ID).
pub const AUDIENCE: &str = "sigstore";

/// Clock skew tolerated on `iat` and `nbf` (sigstore-python's `leeway=5`).
const LEEWAY_SECONDS: i64 = 5;

/// Issuers whose identity claim is fixed (sigstore-python
/// `_KNOWN_OIDC_ISSUERS`); for others the identity is the verified email if
/// the token has one, else `sub` — what Fulcio puts in the certificate's SAN.
const KNOWN_ISSUERS: &[(&str, &str)] = &[
    ("https://accounts.google.com", "email"),
    ("https://oauth2.sigstore.dev/auth", "email"),
    ("https://oauth2.sigstage.dev/auth", "email"),
    ("https://token.actions.githubusercontent.com", "sub"),
];

/// A checked (not signature-verified) OIDC identity token.
#[derive(Clone, PartialEq, Eq)]
pub struct IdentityToken {
    raw: String,
    issuer: String,
    subject: String,
    email: Option<String>,
    identity: String,
    ci_identity: Option<String>,
    federated_issuer: Option<String>,
    expiry: i64,
    not_before: Option<i64>,
    issued_at: i64,
}

impl std::fmt::Debug for IdentityToken {
    // The raw token is a bearer credential: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityToken")
            .field("identity", &self.identity)
            .field("issuer", &self.issuer)
            .field("expiry", &self.expiry)
            .finish_non_exhaustive()
    }
}

/// The URI SAN Fulcio writes for a CI provider's token, from its claims
/// (Fulcio's `ci-issuer-metadata` SAN templates, `config/identity/config.yaml`):
/// GitHub Actions `https://github.com/{job_workflow_ref}`, GitLab
/// `https://{ci_config_ref_uri}`, Buildkite
/// `https://buildkite.com/{organization_slug}/{pipeline_slug}`, CircleCI
/// its pipeline definition. `None` for other issuers (their certificates
/// name the email or `sub`) and when a claim the template needs is absent.
fn ci_identity(issuer: &str, claims: &serde_json::Map<String, Value>) -> Option<String> {
    let get = |k: &str| claims.get(k).and_then(Value::as_str);
    const GITLAB: [&str; 4] = [
        "https://gitlab.com",
        "https://dev.gitlab.org",
        "https://gitlab.archlinux.org",
        "https://ops.gitlab.net",
    ];
    if issuer == "https://token.actions.githubusercontent.com"
        || issuer.starts_with("https://token.actions.githubusercontent.com/")
    {
        return get("job_workflow_ref").map(|r| format!("https://github.com/{r}"));
    }
    if GITLAB.contains(&issuer) {
        return get("ci_config_ref_uri").map(|r| format!("https://{r}"));
    }
    if issuer == "https://agent.buildkite.com" {
        let (org, pipeline) = (get("organization_slug")?, get("pipeline_slug")?);
        return Some(format!("https://buildkite.com/{org}/{pipeline}"));
    }
    if issuer == "https://oidc.circleci.com" || issuer.starts_with("https://oidc.circleci.com/org/")
    {
        let project = get("oidc.circleci.com/project-id")?;
        let definition = get("oidc.circleci.com/pipeline-definition-id")?;
        return Some(format!(
            "https://circleci.com/api/v2/projects/{project}/pipeline-definitions/{definition}"
        ));
    }
    None
}

fn bad(msg: impl Into<String>) -> Error {
    Error::Identity(msg.into())
}

pub(crate) fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn b64url(part: &str, what: &str) -> Result<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|e| bad(format!("the token's {what} is not base64url: {e}")))
}

fn numeric(claims: &serde_json::Map<String, Value>, name: &str) -> Result<Option<i64>> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| bad(format!("claim {name:?} is not a NumericDate"))),
        Some(_) => Err(bad(format!("claim {name:?} is not a NumericDate"))),
    }
}

fn string(claims: &serde_json::Map<String, Value>, name: &str) -> Result<Option<String>> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(format!("claim {name:?} is not a string"))),
    }
}

impl IdentityToken {
    /// Parses and checks a compact JWT now.
    pub fn parse(jwt: &str) -> Result<IdentityToken> {
        Self::parse_at(jwt, now())
    }

    /// Parses and checks a compact JWT at Unix time `now`: the audience
    /// must include [`AUDIENCE`], the token must not be expired or not yet
    /// valid, and `iss`, `sub`, `iat` and `exp` must be present.
    pub fn parse_at(jwt: &str, now: i64) -> Result<IdentityToken> {
        let raw = jwt.trim();
        let parts: Vec<&str> = raw.split('.').collect();
        if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
            return Err(bad(
                "not a JWT (expected three non-empty base64url parts separated by '.')",
            ));
        }
        let header: Value = serde_json::from_slice(&b64url(parts[0], "header")?)
            .map_err(|e| bad(format!("the token's header is not JSON: {e}")))?;
        if !header.is_object() {
            return Err(bad("the token's header is not a JSON object"));
        }
        let claims: Value = serde_json::from_slice(&b64url(parts[1], "payload")?)
            .map_err(|e| bad(format!("the token's payload is not JSON: {e}")))?;
        let Value::Object(claims) = claims else {
            return Err(bad("the token's payload is not a JSON object"));
        };

        let audiences: Vec<String> = match claims.get("aud") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| bad("claim \"aud\" holds a non-string"))
                })
                .collect::<Result<_>>()?,
            Some(_) => return Err(bad("claim \"aud\" is not a string or list of strings")),
            None => return Err(bad("the token has no \"aud\" claim")),
        };
        if !audiences.iter().any(|a| a == AUDIENCE) {
            return Err(bad(format!(
                "the token is for audience {audiences:?}, expected {AUDIENCE:?} (request the token with audience \"sigstore\")"
            )));
        }
        let issuer =
            string(&claims, "iss")?.ok_or_else(|| bad("the token has no \"iss\" claim"))?;
        let subject =
            string(&claims, "sub")?.ok_or_else(|| bad("the token has no \"sub\" claim"))?;
        let expiry =
            numeric(&claims, "exp")?.ok_or_else(|| bad("the token has no \"exp\" claim"))?;
        let issued_at =
            numeric(&claims, "iat")?.ok_or_else(|| bad("the token has no \"iat\" claim"))?;
        let not_before = numeric(&claims, "nbf")?;
        if expiry <= now {
            return Err(bad(format!(
                "the token expired at {} (now {}); obtain a fresh one",
                rfc3339(expiry),
                rfc3339(now)
            )));
        }
        if issued_at > now + LEEWAY_SECONDS {
            return Err(bad(format!(
                "the token was issued in the future ({}; now {})",
                rfc3339(issued_at),
                rfc3339(now)
            )));
        }
        if let Some(nbf) = not_before {
            if nbf > now + LEEWAY_SECONDS {
                return Err(bad(format!(
                    "the token is not valid before {} (now {})",
                    rfc3339(nbf),
                    rfc3339(now)
                )));
            }
        }

        let email = string(&claims, "email")?;
        // `email_verified` is a boolean; some issuers send it as a string.
        let email_verified = !matches!(claims.get("email_verified"), Some(Value::Bool(false)))
            && claims.get("email_verified") != Some(&Value::String("false".into()));
        let identity = match KNOWN_ISSUERS.iter().find(|(iss, _)| *iss == issuer) {
            Some((_, "email")) => email.clone().ok_or_else(|| {
                bad(format!(
                    "a token from {issuer} must carry an \"email\" claim"
                ))
            })?,
            Some(_) => subject.clone(),
            None => match &email {
                Some(e) if email_verified => e.clone(),
                _ => subject.clone(),
            },
        };

        let federated_issuer = match claims.get("federated_claims") {
            None | Some(Value::Null) => None,
            Some(Value::Object(f)) => match f.get("connector_id") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err(bad("claim federated_claims.connector_id is not a string")),
            },
            Some(_) => return Err(bad("claim \"federated_claims\" is not an object")),
        };

        let ci_identity = ci_identity(&issuer, &claims);
        Ok(IdentityToken {
            raw: raw.to_string(),
            issuer,
            subject,
            email,
            identity,
            ci_identity,
            federated_issuer,
            expiry,
            not_before,
            issued_at,
        })
    }

    /// The compact JWT (a bearer credential: never log it).
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The identity Fulcio certifies: the email for email issuers, else `sub`.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// For a CI provider's token, the URI the certificate names instead
    /// of [`Self::identity`] (a GitHub workflow's
    /// `https://github.com/OWNER/REPO/.github/workflows/FILE@REF`).
    pub fn ci_identity(&self) -> Option<&str> {
        self.ci_identity.as_deref()
    }

    /// The `iss` claim.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The issuer a certificate for this token names: the upstream
    /// connector for a federating issuer (Dex `federated_claims.connector_id`),
    /// else `iss`.
    pub fn federated_issuer(&self) -> &str {
        self.federated_issuer.as_deref().unwrap_or(&self.issuer)
    }

    /// The `sub` claim.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The `email` claim, if the token has one.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// `exp`, Unix seconds.
    pub fn expiry(&self) -> i64 {
        self.expiry
    }

    /// `iat`, Unix seconds.
    pub fn issued_at(&self) -> i64 {
        self.issued_at
    }

    /// Whether the token is inside its validity window at `now`.
    pub fn is_valid_at(&self, now: i64) -> bool {
        now < self.expiry
            && self
                .not_before
                .is_none_or(|nbf| nbf <= now + LEEWAY_SECONDS)
    }

    /// Fails with a clear error if the token expired before `now`.
    pub fn check_valid_at(&self, now: i64) -> Result<()> {
        if self.is_valid_at(now) {
            Ok(())
        } else {
            Err(bad(format!(
                "the token expired at {} (now {}); obtain a fresh one",
                rfc3339(self.expiry),
                rfc3339(now)
            )))
        }
    }
}

/// Where a token came from, in the order [`detect`] tries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// Given by the caller (a command-line flag).
    Explicit,
    /// Read from one of [`TOKEN_ENV_VARS`].
    Environment,
    /// Requested from the CI system.
    Ambient(ambient::Provider),
}

/// The environment variables an explicit token is read from:
/// `SIGSTORE_ID_TOKEN` (also GitLab CI's ID-token variable for audience
/// "sigstore") and sigstore-python's `SIGSTORE_IDENTITY_TOKEN`.
pub const TOKEN_ENV_VARS: &[&str] = &["SIGSTORE_ID_TOKEN", "SIGSTORE_IDENTITY_TOKEN"];

/// A token without user interaction: `explicit`, else a token environment
/// variable, else an ambient CI credential. `None` when there is none (the
/// caller may then run the interactive flow).
pub fn detect(
    explicit: Option<&str>,
    env: &ambient::Env,
    http: &crate::net::Http,
) -> Result<Option<(IdentityToken, TokenSource)>> {
    if let Some(t) = explicit.filter(|t| !t.trim().is_empty()) {
        return Ok(Some((IdentityToken::parse(t)?, TokenSource::Explicit)));
    }
    for var in TOKEN_ENV_VARS {
        if let Some(t) = env.var(var) {
            return Ok(Some((IdentityToken::parse(&t)?, TokenSource::Environment)));
        }
    }
    match ambient::detect_credential(env, http)? {
        Some((raw, provider)) => Ok(Some((
            IdentityToken::parse(&raw)?,
            TokenSource::Ambient(provider),
        ))),
        None => Ok(None),
    }
}

#[cfg(test)]
pub(crate) mod tests;
