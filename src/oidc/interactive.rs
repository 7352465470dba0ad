//! The interactive flow: OAuth 2.0 authorization code with PKCE (RFC 7636,
//! S256) against the signing config's OIDC issuer, as sigstore-python's
//! `Issuer.identity_token` runs it. The browser returns to a loopback
//! listener on 127.0.0.1 (RFC 8252 §7.3), or — out of band — the user
//! pastes the code shown by the issuer (redirect `urn:ietf:wg:oauth:2.0:oob`).

use super::{IdentityToken, AUDIENCE};
use crate::crypto::{self, HashAlgorithm};
use crate::error::{Error, Result};
use crate::net::{Http, RedirectListener};
use base64::Engine as _;
use std::time::Duration;

/// The out-of-band redirect URI: the issuer shows the code for the user to
/// paste instead of redirecting (for machines without a browser).
pub const OOB_REDIRECT_URI: &str = "urn:ietf:wg:oauth:2.0:oob";
const REDIRECT_PATH: &str = "/auth/callback";
/// How long the browser flow waits for the redirect.
const REDIRECT_TIMEOUT: Duration = Duration::from_secs(300);

fn bad(msg: impl Into<String>) -> Error {
    Error::Identity(msg.into())
}

/// RFC 3986 unreserved characters pass; everything else is %-encoded.
pub(crate) fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn url_decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses `a=b&c=d` into pairs (percent-decoded).
pub(crate) fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (url_decode(k), url_decode(v))
        })
        .collect()
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn random_b64url(n: usize) -> Result<String> {
    let bytes = crypto::random_bytes(n).map_err(|e| bad(e.to_string()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The endpoints an issuer's discovery document names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// The issuer URL, without a trailing slash.
    pub url: String,
    /// Where the user authorizes (`authorization_endpoint`).
    pub authorization_endpoint: String,
    /// Where the code is exchanged for tokens (`token_endpoint`).
    pub token_endpoint: String,
}

impl Issuer {
    /// `GET {issuer}/.well-known/openid-configuration` (OpenID Connect
    /// Discovery 1.0 §4).
    pub fn discover(http: &Http, url: &str) -> Result<Issuer> {
        let url = url.trim_end_matches('/');
        let config = format!("{url}/.well-known/openid-configuration");
        let resp = http.get(&config, &[("Accept", "application/json")])?;
        if !resp.is_success() {
            return Err(bad(format!(
                "OIDC discovery at {config} failed (HTTP {}: {})",
                resp.status,
                resp.body_snippet()
            )));
        }
        let v: serde_json::Value = serde_json::from_slice(&resp.body)
            .map_err(|e| bad(format!("OIDC discovery at {config}: not JSON: {e}")))?;
        let field = |name: &str| {
            v.get(name)
                .and_then(|s| s.as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .ok_or_else(|| bad(format!("OIDC discovery at {config}: no {name}")))
        };
        Ok(Issuer {
            url: url.to_string(),
            authorization_endpoint: field("authorization_endpoint")?,
            token_endpoint: field("token_endpoint")?,
        })
    }
}

/// One authorization attempt's secrets.
#[derive(Debug, Clone)]
pub struct Session {
    /// The OAuth `state`, checked on the redirect (CSRF protection).
    pub state: String,
    /// The OIDC `nonce` sent with the request.
    pub nonce: String,
    /// The PKCE code verifier (RFC 7636 §4.1), sent only to the token endpoint.
    pub code_verifier: String,
    /// Where the issuer sends the browser back to.
    pub redirect_uri: String,
}

impl Session {
    /// Fresh random secrets for one attempt redirecting to `redirect_uri`.
    pub fn new(redirect_uri: String) -> Result<Session> {
        Ok(Session {
            state: random_b64url(16)?,
            nonce: random_b64url(16)?,
            code_verifier: random_b64url(32)?,
            redirect_uri,
        })
    }

    /// `BASE64URL(SHA256(code_verifier))` (RFC 7636 §4.2).
    pub fn code_challenge(&self) -> String {
        let d =
            crypto::default_backend().digest(HashAlgorithm::Sha256, self.code_verifier.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d.as_bytes())
    }

    /// The URL the user opens.
    pub fn authorization_url(&self, issuer: &Issuer) -> String {
        let sep = if issuer.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        let challenge = self.code_challenge();
        format!(
            "{}{sep}{}",
            issuer.authorization_endpoint,
            form(&[
                ("response_type", "code"),
                ("client_id", AUDIENCE),
                ("scope", "openid email"),
                ("redirect_uri", &self.redirect_uri),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
                ("state", &self.state),
                ("nonce", &self.nonce),
            ])
        )
    }

    /// Checks the redirect's query and returns the authorization code.
    pub fn code_from_redirect(&self, query: &str) -> Result<String> {
        let params = parse_query(query);
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if let Some(err) = get("error") {
            let desc = get("error_description").unwrap_or_default();
            return Err(bad(format!(
                "the issuer refused the authorization: {err} {desc}"
            )));
        }
        if get("state").as_deref() != Some(self.state.as_str()) {
            return Err(bad("OAuth state mismatch in the redirect"));
        }
        get("code")
            .filter(|c| !c.is_empty())
            .ok_or_else(|| bad("the redirect carries no authorization code"))
    }

    /// Exchanges `code` at the token endpoint (RFC 6749 §4.1.3, with the
    /// PKCE verifier) for an identity token.
    pub fn exchange(&self, http: &Http, issuer: &Issuer, code: &str) -> Result<IdentityToken> {
        let body = form(&[
            ("grant_type", "authorization_code"),
            ("redirect_uri", &self.redirect_uri),
            ("code", code),
            ("code_verifier", &self.code_verifier),
            ("client_id", AUDIENCE),
        ]);
        // The public client "sigstore" has an empty secret.
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{AUDIENCE}:"))
        );
        let resp = http.post(
            &issuer.token_endpoint,
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", "application/json"),
                ("Authorization", &basic),
            ],
            body.as_bytes(),
        )?;
        let v: serde_json::Value = serde_json::from_slice(&resp.body).unwrap_or_default();
        if let Some(err) = v.get("error").and_then(|e| e.as_str()) {
            return Err(bad(format!("the token endpoint refused the code: {err}")));
        }
        if !resp.is_success() {
            return Err(bad(format!(
                "the token request failed (HTTP {}: {})",
                resp.status,
                resp.body_snippet()
            )));
        }
        let token = ["id_token", "access_token"]
            .iter()
            .find_map(|k| v.get(k).and_then(|t| t.as_str()))
            .ok_or_else(|| bad("the token response has no id_token"))?;
        IdentityToken::parse(token)
    }
}

/// Runs the whole flow. `notify` shows the user a message (the URL to
/// open); `prompt` asks for the code in the out-of-band flow.
pub fn identity_token(
    http: &Http,
    issuer_url: &str,
    force_oob: bool,
    notify: &dyn Fn(&str),
    prompt: &dyn Fn(&str) -> Result<String>,
) -> Result<IdentityToken> {
    let issuer = Issuer::discover(http, issuer_url)?;
    if force_oob {
        let session = Session::new(OOB_REDIRECT_URI.to_string())?;
        notify(&format!(
            "Go to the following link in a browser:\n\n\t{}\n",
            session.authorization_url(&issuer)
        ));
        let code = prompt("Enter verification code: ")?;
        let code = code.trim();
        if code.is_empty() {
            return Err(bad("no verification code entered"));
        }
        return session.exchange(http, &issuer, code);
    }
    let listener = RedirectListener::bind()?;
    let session = Session::new(format!(
        "http://localhost:{}{REDIRECT_PATH}",
        listener.port()
    ))?;
    let url = session.authorization_url(&issuer);
    notify(&format!(
        "Open the following link in a browser to authenticate (waiting for the redirect):\n\n\t{url}\n"
    ));
    open_browser(&url);
    let query = listener.wait(REDIRECT_PATH, REDIRECT_TIMEOUT)?;
    let code = session.code_from_redirect(&query)?;
    session.exchange(http, &issuer, &code)
}

/// Best effort: `$BROWSER` (a command line; `%s` stands for the URL, which
/// is appended otherwise, as Python's `webbrowser` reads it), else the
/// platform opener. The URL was printed anyway, so failure is silent.
fn open_browser(url: &str) {
    let opener = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.is_empty())
        .or_else(|| {
            if cfg!(target_os = "macos") {
                Some("open".into())
            } else if cfg!(unix) {
                Some("xdg-open".into())
            } else {
                None
            }
        });
    let Some(o) = opener else { return };
    let mut words = o.split_whitespace();
    let Some(program) = words.next() else { return };
    let mut args: Vec<String> = words.map(|w| w.replace("%s", url)).collect();
    if !o.contains("%s") {
        args.push(url.to_string());
    }
    let _ = std::process::Command::new(program)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
