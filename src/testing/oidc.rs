//! The instance's OpenID Connect issuer: ES256 ID tokens for chosen
//! identities, OIDC discovery and JWKS (OpenID Connect Discovery 1.0 §3-4,
//! RFC 7517), and an authorization-code flow with PKCE (RFC 7636) that
//! approves every request without a login page.

use super::http::{form_params, Request, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

/// The audience Sigstore clients request and Fulcio expects.
pub const AUDIENCE: &str = "sigstore";
/// Lifetime of minted tokens unless the caller chooses one.
pub const DEFAULT_TOKEN_LIFETIME: i64 = 600;

/// An identity, as the certificate will name it: an e-mail address (tokens
/// carry `email` and `email_verified`, and the certificate an rfc822Name
/// SAN) or anything else, used as the token's `sub` (the certificate gets a
/// URI SAN, as Fulcio does for CI and SPIFFE-style issuers).
pub fn is_email(identity: &str) -> bool {
    identity.contains('@') && !identity.contains("://")
}

struct Pending {
    identity: String,
    challenge: Option<(String, String)>,
    redirect_uri: String,
    nonce: Option<String>,
    client_id: String,
}

pub struct Issuer {
    pub url: String,
    key: p256::ecdsa::SigningKey,
    kid: String,
    /// Identity approved by the interactive flow when the request does not
    /// name one (`login_hint`).
    pub default_identity: Mutex<String>,
    codes: Mutex<HashMap<String, Pending>>,
    /// The bearer secret of `POST /testing/mint`, so that only whoever
    /// started the instance (and can read its directory) mints through it.
    pub mint_secret: String,
}

/// What Fulcio learns from a verified token.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    /// Every claim of the token (CI claims become certificate extensions,
    /// and the package index maps them to a Trusted Publisher).
    pub claims: Map<String, Value>,
}

impl Issuer {
    pub fn new(url: String, default_identity: String) -> Issuer {
        let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let kid = hex::encode(&Sha256::digest(key.verifying_key().to_encoded_point(false))[..8]);
        Issuer {
            url,
            key,
            kid,
            default_identity: Mutex::new(default_identity),
            codes: Mutex::new(HashMap::new()),
            mint_secret: super::random_hex(32),
        }
    }

    /// A signed ID token for `identity`, valid `lifetime` seconds from now,
    /// with `extra` claims merged over the standard ones.
    pub fn mint(&self, identity: &str, lifetime: i64, extra: &Map<String, Value>) -> String {
        let now = super::now();
        let mut claims = Map::new();
        claims.insert("iss".into(), json!(self.url));
        claims.insert("aud".into(), json!(AUDIENCE));
        claims.insert("sub".into(), json!(identity));
        claims.insert("iat".into(), json!(now));
        claims.insert("nbf".into(), json!(now));
        claims.insert("exp".into(), json!(now + lifetime));
        if is_email(identity) {
            claims.insert("email".into(), json!(identity));
            claims.insert("email_verified".into(), json!(true));
        }
        for (k, v) in extra {
            claims.insert(k.clone(), v.clone());
        }
        self.sign(&Value::Object(claims))
    }

    fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": "ES256", "typ": "JWT", "kid": self.kid});
        let input = format!(
            "{}.{}",
            B64URL.encode(header.to_string()),
            B64URL.encode(claims.to_string())
        );
        // JWS ES256 signatures are the raw 64-byte r || s (RFC 7518 §3.4).
        let sig: p256::ecdsa::Signature = self.key.sign(input.as_bytes());
        format!("{input}.{}", B64URL.encode(sig.to_bytes()))
    }

    /// Verifies a token as Fulcio does: our key, our issuer, audience
    /// `sigstore`, within its validity (60 s leeway).
    pub fn verify(&self, token: &str) -> Result<VerifiedToken, String> {
        self.verify_for(token, &[AUDIENCE])
    }

    /// Verifies a token for a service that takes any of `audiences`: our
    /// key, and as issuer our URL or one of the CI issuers we sign as
    /// ([`super::ci::CI_ISSUERS`]).
    pub fn verify_for(&self, token: &str, audiences: &[&str]) -> Result<VerifiedToken, String> {
        let parts: Vec<&str> = token.trim().split('.').collect();
        let [h, p, s] = parts.as_slice() else {
            return Err("the identity token is not a JWS compact serialization".into());
        };
        let header: Value = B64URL
            .decode(h)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("the identity token's header is not base64url JSON")?;
        if header["alg"] != "ES256" {
            return Err(format!(
                "the identity token is signed with {}, expected ES256",
                header["alg"]
            ));
        }
        let sig = B64URL
            .decode(s)
            .ok()
            .and_then(|b| p256::ecdsa::Signature::from_slice(&b).ok())
            .ok_or("the identity token's signature is malformed")?;
        self.key
            .verifying_key()
            .verify(format!("{h}.{p}").as_bytes(), &sig)
            .map_err(|_| "the identity token's signature does not verify with the issuer's key")?;
        let claims: Map<String, Value> = B64URL
            .decode(p)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("the identity token's claims are not base64url JSON")?;
        let iss = claims
            .get("iss")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if iss != self.url && !super::ci::CI_ISSUERS.contains(&iss) {
            return Err(format!(
                "the identity token's issuer is {iss:?}, expected {:?} or one of {:?}",
                self.url,
                super::ci::CI_ISSUERS
            ));
        }
        let aud_ok = match claims.get("aud") {
            Some(Value::String(a)) => audiences.contains(&a.as_str()),
            Some(Value::Array(a)) => a
                .iter()
                .any(|v| v.as_str().is_some_and(|v| audiences.contains(&v))),
            _ => false,
        };
        if !aud_ok {
            return Err(format!(
                "the identity token's audience is not {}",
                audiences.join(" or ")
            ));
        }
        let now = super::now();
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        if exp + 60 < now {
            return Err(format!("the identity token expired at {exp}"));
        }
        if let Some(nbf) = claims.get("nbf").and_then(Value::as_i64) {
            if nbf > now + 60 {
                return Err(format!("the identity token is not valid before {nbf}"));
            }
        }
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or("the identity token has no subject")?
            .to_string();
        let email = match claims.get("email").and_then(Value::as_str) {
            Some(e) => {
                if claims.get("email_verified") != Some(&Value::Bool(true)) {
                    return Err("the identity token's email is not verified".into());
                }
                Some(e.to_string())
            }
            None => None,
        };
        Ok(VerifiedToken {
            issuer: iss.to_string(),
            subject,
            email,
            claims: claims.clone(),
        })
    }

    fn jwks(&self) -> Value {
        let point = self.key.verifying_key().to_encoded_point(false);
        let x = point.x().map(|x| B64URL.encode(x)).unwrap_or_default();
        let y = point.y().map(|y| B64URL.encode(y)).unwrap_or_default();
        json!({"keys": [{"kty": "EC", "crv": "P-256", "x": x, "y": y,
                         "kid": self.kid, "use": "sig", "alg": "ES256"}]})
    }

    fn discovery(&self) -> Value {
        let u = &self.url;
        json!({
            "issuer": u,
            "jwks_uri": format!("{u}/jwks"),
            "authorization_endpoint": format!("{u}/auth"),
            "token_endpoint": format!("{u}/token"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "scopes_supported": ["openid", "email"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nbf", "email", "email_verified", "nonce"],
            "grant_types_supported": ["authorization_code"],
            "code_challenge_methods_supported": ["S256", "plain"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
        })
    }

    pub fn handle(&self, req: &Request) -> Response {
        match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/.well-known/openid-configuration") => Response::json(200, &self.discovery()),
            ("GET", "/jwks") | ("GET", "/keys") => Response::json(200, &self.jwks()),
            ("GET", "/auth") => self.authorize(req),
            ("POST", "/token") => self.token(req),
            ("POST", "/testing/mint") => self.mint_request(req),
            _ => Response::not_found(req),
        }
    }

    /// `POST /testing/mint` (not an OIDC endpoint: the test double's own, for
    /// `sigstore-rs testing token`): `{"identity": SUB, "claims": {...},
    /// "lifetime": SECONDS}` with `Authorization: Bearer` [`Self::mint_secret`]
    /// answers `{"token": JWT}`.
    fn mint_request(&self, req: &Request) -> Response {
        let bearer = req
            .header("Authorization")
            .and_then(|h| h.strip_prefix("Bearer "));
        if bearer != Some(self.mint_secret.as_str()) {
            return Response::error(
                401,
                "minting needs the instance's mint secret (DIR/mint.json)",
            );
        }
        let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
            return Response::error(400, "the request body is not JSON");
        };
        let Some(identity) = body["identity"].as_str() else {
            return Response::error(400, "\"identity\" (a string) is required");
        };
        let claims = match &body["claims"] {
            Value::Object(m) => m.clone(),
            Value::Null => Map::new(),
            _ => return Response::error(400, "\"claims\" must be an object"),
        };
        let lifetime = body["lifetime"].as_i64().unwrap_or(DEFAULT_TOKEN_LIFETIME);
        Response::json(
            200,
            &json!({"token": self.mint(identity, lifetime, &claims)}),
        )
    }

    /// `GET /auth`: approves at once and redirects back with a code.
    fn authorize(&self, req: &Request) -> Response {
        let q = form_params(&req.query);
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let Some(redirect_uri) = get("redirect_uri") else {
            return Response::oauth_error(400, "invalid_request", "redirect_uri is required");
        };
        if get("response_type").as_deref() != Some("code") {
            return Response::oauth_error(
                400,
                "unsupported_response_type",
                "only code is supported",
            );
        }
        let challenge = match get("code_challenge") {
            Some(c) => {
                let method = get("code_challenge_method").unwrap_or_else(|| "plain".into());
                if method != "S256" && method != "plain" {
                    return Response::oauth_error(
                        400,
                        "invalid_request",
                        "unsupported code_challenge_method",
                    );
                }
                Some((c, method))
            }
            None => None,
        };
        let identity = get("login_hint").unwrap_or_else(|| {
            self.default_identity
                .lock()
                .map(|g| g.clone())
                .unwrap_or_default()
        });
        let code = super::random_hex(16);
        if let Ok(mut codes) = self.codes.lock() {
            codes.insert(
                code.clone(),
                Pending {
                    identity,
                    challenge,
                    redirect_uri: redirect_uri.clone(),
                    nonce: get("nonce"),
                    client_id: get("client_id").unwrap_or_else(|| AUDIENCE.into()),
                },
            );
        }
        let mut location = format!(
            "{redirect_uri}{}code={code}",
            if redirect_uri.contains('?') { '&' } else { '?' }
        );
        if let Some(state) = get("state") {
            location.push_str("&state=");
            location.push_str(&crate::tuf::updater::quote(&state));
        }
        Response::redirect(&location)
    }

    /// `POST /token` (form-encoded): exchanges a code and its PKCE verifier.
    fn token(&self, req: &Request) -> Response {
        let f = form_params(&String::from_utf8_lossy(&req.body));
        let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if get("grant_type").as_deref() != Some("authorization_code") {
            return Response::oauth_error(
                400,
                "unsupported_grant_type",
                "only authorization_code is supported",
            );
        }
        let code = get("code").unwrap_or_default();
        let pending = self.codes.lock().ok().and_then(|mut c| c.remove(&code));
        let Some(p) = pending else {
            return Response::oauth_error(400, "invalid_grant", "unknown or already used code");
        };
        if let Some(uri) = get("redirect_uri") {
            if uri != p.redirect_uri {
                return Response::oauth_error(400, "invalid_grant", "redirect_uri does not match");
            }
        }
        if let Some((challenge, method)) = &p.challenge {
            let verifier = get("code_verifier").unwrap_or_default();
            let computed = if method == "S256" {
                B64URL.encode(Sha256::digest(verifier.as_bytes()))
            } else {
                verifier
            };
            if &computed != challenge {
                return Response::oauth_error(
                    400,
                    "invalid_grant",
                    "code_verifier does not match the code_challenge",
                );
            }
        }
        let mut extra = Map::new();
        if let Some(n) = p.nonce {
            extra.insert("nonce".into(), json!(n));
        }
        if p.client_id != AUDIENCE {
            extra.insert("aud".into(), json!(p.client_id));
        }
        let id_token = self.mint(&p.identity, DEFAULT_TOKEN_LIFETIME, &extra);
        Response::json(
            200,
            &json!({"access_token": super::random_hex(16), "token_type": "Bearer",
                    "expires_in": DEFAULT_TOKEN_LIFETIME, "id_token": id_token}),
        )
    }
}
