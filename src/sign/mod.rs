//! Keyless signing (Sigstore client spec §3 "Signing"):
//!
//! 1. an ephemeral P-256 key, held only in memory;
//! 2. a Fulcio certificate for it, bound to the OIDC identity token, whose
//!    chain (to the trusted root's CAs) and embedded SCTs are verified before
//!    the certificate is used;
//! 3. the signature: over the artifact digest (hashedrekord), or over the
//!    DSSE PAE of an in-toto statement;
//! 4. RFC 3161 timestamps over the signature from the signing config's TSAs;
//! 5. the transparency log entry (Rekor v1 or v2, per the signing config);
//! 6. a v0.3 bundle, verified with [`Verifier`] against the token's identity
//!    before it is returned.
//!
//! One [`Signer`] (one key and certificate) signs many inputs, as
//! sigstore-python's `Signer` does while its certificate is valid;
//! [`Signer::sign_batch`] signs them concurrently, renewing the
//! certificate when it would expire mid-run.
//!
//! ```no_run
//! use sigstore_rs::oidc::IdentityToken;
//! use sigstore_rs::sign::SigningContext;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let token = IdentityToken::parse(&std::env::var("SIGSTORE_ID_TOKEN")?)?;
//! let signer = SigningContext::production()?.signer(token)?;
//! let bundle = signer.sign_artifact(&std::fs::read("dist.tar.gz")?)?;
//! std::fs::write("dist.tar.gz.sigstore.json", bundle.to_json_string())?;
//! # Ok(()) }
//! ```
//!
//! [`crate::testing::Instance`] is a local instance to sign against in tests
//! (Cargo feature `testing`).
//!
// Without the feature the link points at the crate's list of features.
#![cfg_attr(
    feature = "testing",
    doc = "[`crate::testing::Instance`]: crate::testing::Instance"
)]
#![cfg_attr(
    not(feature = "testing"),
    doc = "[`crate::testing::Instance`]: crate#cargo-features"
)]

mod batch;
pub(crate) mod services;

pub use batch::{BatchInput, BatchOptions, JOBS_REKOR_V1, JOBS_REKOR_V2};

use crate::bundle::{Bundle, Content, TlogEntry};
use crate::crypto::{self, CryptoBackend, Digest, HashAlgorithm, SigningKey};
use crate::dsse::{Envelope, Statement, IN_TOTO_PAYLOAD_TYPE};
use crate::error::{Error, Result, Step};
use crate::net::Http;
use crate::oidc::{self, IdentityToken};
use crate::policy::Policy;
use crate::trust::{
    self, ClientTrustConfig, SelectedServices, Service, SigningConfig, TrustedRoot,
};
use crate::verify::{Artifact, Verifier};
use crate::x509::{self, Certificate, Purpose};
use base64::Engine as _;
use std::sync::Arc;

/// The services and trust material of one Sigstore instance.
#[derive(Clone)]
pub struct SigningContext {
    inner: Arc<Context>,
}

struct Context {
    verifier: Verifier,
    services: SelectedServices,
    http: Http,
    crypto: &'static dyn CryptoBackend,
}

impl SigningContext {
    /// Selects the services valid now from `signing_config`.
    pub fn new(trusted_root: TrustedRoot, signing_config: &SigningConfig) -> Result<Self> {
        let services = signing_config.select(oidc::now(), None)?;
        Ok(Self::with_services(trusted_root, services, Http::new()))
    }

    /// A context with services already chosen and a given HTTP client.
    pub fn with_services(
        trusted_root: TrustedRoot,
        services: SelectedServices,
        http: Http,
    ) -> Self {
        SigningContext {
            inner: Arc::new(Context {
                verifier: Verifier::new(trusted_root),
                services,
                http,
                crypto: crypto::default_backend(),
            }),
        }
    }

    /// The context a client trust config describes.
    pub fn from_trust_config(config: &ClientTrustConfig) -> Result<Self> {
        Self::new(config.trusted_root.clone(), &config.signing_config)
    }

    /// The public-good production instance (embedded trust config).
    pub fn production() -> Result<Self> {
        Self::from_trust_config(&ClientTrustConfig::production()?)
    }

    /// The public-good staging instance (embedded trust config).
    pub fn staging() -> Result<Self> {
        Self::from_trust_config(&ClientTrustConfig::staging()?)
    }

    /// The same context with another HTTP client (retry policy).
    pub fn with_http(&self, http: Http) -> Self {
        Self::with_services(
            self.inner.verifier.trusted_root().clone(),
            self.inner.services.clone(),
            http,
        )
    }

    /// The services this context signs with.
    pub fn services(&self) -> &SelectedServices {
        &self.inner.services
    }

    /// The HTTP client.
    pub fn http(&self) -> &Http {
        &self.inner.http
    }

    /// The OIDC issuer for the interactive flow, if the signing config names one.
    pub fn oidc_url(&self) -> Option<&str> {
        self.inner.services.oidc.as_ref().map(|s| s.url.as_str())
    }

    /// A signer for `token`: generates the key and obtains and checks its
    /// certificate. Fails before any request if the token is expired.
    pub fn signer(&self, token: IdentityToken) -> Result<Signer> {
        let c = &self.inner;
        token.check_valid_at(oidc::now())?;
        let key = c
            .crypto
            .generate_p256()
            .map_err(|e| Error::Signing(e.to_string()))?;
        let (leaf_der, chain) = self.request_certificate(&token, key.as_ref())?;
        let leaf = self.check_certificate(&leaf_der, key.as_ref())?;
        Ok(Signer {
            ctx: self.clone(),
            token,
            key,
            leaf,
            chain,
        })
    }

    fn request_certificate(
        &self,
        token: &IdentityToken,
        key: &dyn SigningKey,
    ) -> Result<(Vec<u8>, Vec<Vec<u8>>)> {
        let c = &self.inner;
        let proof = key
            .sign(token.identity().as_bytes())
            .map_err(|e| Error::Signing(e.to_string()))?;
        let public_pem = services::pem("PUBLIC KEY", key.public_key_spki());
        let url = format!("{}{}", c.services.fulcio.url, services::fulcio::PATH);
        let body = services::fulcio::request(token.raw(), &public_pem, &proof);
        let bearer = format!("Bearer {}", token.raw());
        let resp = c.http.post(
            &url,
            &[
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
                ("Authorization", &bearer),
            ],
            &body,
        )?;
        services::fulcio::parse_response(&url, &resp)
    }

    /// The certificate must certify our key, chain to a trusted Fulcio CA
    /// now, and carry a valid SCT from a trusted CT log.
    fn check_certificate(&self, leaf_der: &[u8], key: &dyn SigningKey) -> Result<Certificate> {
        let c = &self.inner;
        let fulcio = &c.services.fulcio.url;
        let leaf = Certificate::from_der(leaf_der.to_vec()).map_err(|e| {
            Error::verification(
                Step::CertificateChain,
                format!("Fulcio at {fulcio} returned a malformed certificate: {e}"),
            )
        })?;
        if leaf.public_key_spki() != key.public_key_spki() {
            return Err(Error::verification(
                Step::CertificateChain,
                format!("Fulcio at {fulcio} returned a certificate for another key"),
            ));
        }
        let root = c.verifier.trusted_root();
        let info = x509::verify_chain(
            c.crypto,
            &leaf,
            &root.certificate_authorities,
            oidc::now(),
            Purpose::CodeSigning,
        )
        .map_err(|e| {
            Error::verification(
                Step::CertificateChain,
                format!(
                    "the certificate from Fulcio at {fulcio} does not chain to a trusted CA (is the trusted root the one for this instance?): {e}"
                ),
            )
        })?;
        x509::verify_embedded_scts(c.crypto, &leaf, &info.issuer_der, &root.ctlogs).map_err(
            |e| {
                Error::verification(
                    Step::Sct,
                    format!("the certificate from Fulcio at {fulcio} has no valid SCT: {e}"),
                )
            },
        )?;
        Ok(leaf)
    }
}

/// One ephemeral key and its certificate, for one identity.
pub struct Signer {
    ctx: SigningContext,
    token: IdentityToken,
    key: Box<dyn SigningKey>,
    leaf: Certificate,
    chain: Vec<Vec<u8>>,
}

impl Signer {
    /// The token the certificate was issued for.
    pub fn identity_token(&self) -> &IdentityToken {
        &self.token
    }

    /// The signing certificate (DER).
    pub fn certificate_der(&self) -> &[u8] {
        self.leaf.der()
    }

    /// The intermediate certificates Fulcio returned (DER), leaf excluded.
    pub fn chain_der(&self) -> &[Vec<u8>] {
        &self.chain
    }

    fn check_still_valid(&self) -> Result<()> {
        let now = oidc::now();
        if !self.leaf.is_valid_at(now) {
            return Err(Error::Signing(format!(
                "the signing certificate expired at {}; start a new signer",
                trust::rfc3339(self.leaf.not_after())
            )));
        }
        Ok(())
    }

    /// Signs an artifact's bytes.
    pub fn sign_artifact(&self, data: &[u8]) -> Result<Bundle> {
        let digest = self.ctx.inner.crypto.digest(HashAlgorithm::Sha256, data);
        self.sign_digest(&digest)
    }

    /// Signs an artifact given its SHA-256 digest (a hashedrekord entry).
    pub fn sign_digest(&self, digest: &Digest) -> Result<Bundle> {
        self.check_still_valid()?;
        if digest.algorithm() != HashAlgorithm::Sha256 {
            return Err(Error::InvalidInput(format!(
                "artifacts are signed by their SHA-256 digest, not {}",
                digest.algorithm().name()
            )));
        }
        let signature = self
            .key
            .sign_prehashed(digest)
            .map_err(|e| Error::Signing(e.to_string()))?;
        let content = Content::MessageSignature {
            digest: Some(digest.clone()),
            signature: signature.clone(),
        };
        let bundle = self.finish(content, &signature, |tlog, cert_pem, cert_der| {
            Ok(match tlog.major_api_version {
                1 => services::rekor_v1::hashedrekord(digest, &signature, cert_pem),
                _ => services::rekor_v2::hashedrekord(digest, &signature, cert_der),
            })
        })?;
        self.ctx.inner.verifier.verify_artifact(
            &Artifact::Digest(digest.clone()),
            &bundle,
            &self.policy(),
        )?;
        Ok(bundle)
    }

    /// Signs an in-toto statement (JSON) as a DSSE envelope with payload
    /// type `application/vnd.in-toto+json`.
    pub fn sign_dsse(&self, statement_json: &[u8]) -> Result<Bundle> {
        self.check_still_valid()?;
        let statement = Statement::from_json(statement_json)
            .map_err(|e| Error::InvalidInput(format!("not an in-toto statement: {e}")))?;
        if statement.subject.is_empty() {
            return Err(Error::InvalidInput(
                "the in-toto statement has no subject".into(),
            ));
        }
        let pae = crate::dsse::pae(IN_TOTO_PAYLOAD_TYPE, statement_json);
        let signature = self
            .key
            .sign(&pae)
            .map_err(|e| Error::Signing(e.to_string()))?;
        let envelope = Envelope {
            payload_type: IN_TOTO_PAYLOAD_TYPE.to_string(),
            payload: statement_json.to_vec(),
            signatures: vec![crate::dsse::Signature {
                sig: signature.clone(),
                keyid: String::new(),
            }],
        };
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let envelope_json = serde_json::json!({
            "payload": b64(statement_json),
            "payloadType": IN_TOTO_PAYLOAD_TYPE,
            "signatures": [{"sig": b64(&signature)}],
        })
        .to_string();
        let pae_digest = self.ctx.inner.crypto.digest(HashAlgorithm::Sha256, &pae);
        let bundle = self.finish(
            Content::Dsse(envelope),
            &signature,
            |tlog, cert_pem, cert_der| {
                Ok(match tlog.major_api_version {
                    1 => services::rekor_v1::dsse(&envelope_json, cert_pem),
                    _ => services::rekor_v2::hashedrekord(&pae_digest, &signature, cert_der),
                })
            },
        )?;
        self.ctx
            .inner
            .verifier
            .verify_dsse(&bundle, &self.policy())?;
        Ok(bundle)
    }

    /// The identity the certificate must name: the token's identity (or,
    /// should the CA certify the other claim, its email or subject; for a
    /// CI provider, the workflow URI Fulcio derives from its claims) under
    /// the token's (federated) issuer.
    fn policy(&self) -> Policy {
        let t = &self.token;
        let issuer = t.federated_issuer().to_string();
        let mut ids = vec![t.identity().to_string(), t.subject().to_string()];
        if let Some(e) = t.email() {
            ids.push(e.to_string());
        }
        if let Some(ci) = t.ci_identity() {
            ids.push(ci.to_string());
        }
        ids.dedup();
        Policy::AnyOf(
            ids.into_iter()
                .map(|id| Policy::identity(id, issuer.clone()))
                .collect(),
        )
    }

    /// Timestamps, logs and assembles.
    fn finish(
        &self,
        content: Content,
        signature: &[u8],
        entry_request: impl Fn(&Service, &str, &[u8]) -> Result<Vec<u8>>,
    ) -> Result<Bundle> {
        let c = &self.ctx.inner;
        let cert_der = self.leaf.der();
        let cert_pem = services::pem("CERTIFICATE", cert_der);
        let tlog = c.services.tlogs.first().ok_or_else(|| {
            Error::Signing("the signing config selects no transparency log".into())
        })?;

        let imprint = c.crypto.digest(HashAlgorithm::Sha256, signature);
        let stamp = || {
            let mut timestamps = Vec::new();
            let mut tsa_errors = Vec::new();
            for tsa in &c.services.tsas {
                match self.timestamp(tsa, &imprint) {
                    Ok(t) => timestamps.push(t),
                    Err(e) => tsa_errors.push(e.to_string()),
                }
            }
            (timestamps, tsa_errors)
        };
        let upload = || self.upload(tlog, entry_request(tlog, &cert_pem, cert_der));
        let (entry, timestamps) = if tlog.major_api_version >= 2 {
            // A Rekor v2 entry has no signed entry timestamp, so a timestamp
            // is required: it is obtained first, and nothing is logged
            // without one.
            let (timestamps, tsa_errors) = stamp();
            if timestamps.is_empty() {
                return Err(Error::Signing(format!(
                    "no timestamp authority answered, and a Rekor v2 entry needs one (nothing was logged): {}",
                    tsa_errors.join("; ")
                )));
            }
            (upload()?, timestamps)
        } else if c.services.tsas.is_empty() {
            (upload()?, Vec::new())
        } else {
            // A Rekor v1 entry's signed entry timestamp is signed time
            // enough, and the timestamps are extra: they are asked for on a
            // thread of their own while the entry uploads, so an item takes
            // the longer of the two round trips, not their sum. Should no
            // thread be had, one after the other.
            std::thread::scope(|s| {
                let asked = std::thread::Builder::new().spawn_scoped(s, stamp);
                let entry = upload();
                let (timestamps, _) = match asked {
                    Ok(t) => t.join().unwrap_or_default(),
                    Err(_) => stamp(),
                };
                Ok::<_, Error>((entry?, timestamps))
            })?
        };
        Bundle::new_v03(cert_der.to_vec(), content, entry, timestamps)
    }

    /// Uploads an entry to `tlog` and returns it as logged. A Rekor v1
    /// log answers 409 with the entry's location when an equal entry is
    /// already logged (an upload retried after its first answer was lost,
    /// or deterministic ECDSA signing a repeated input identically); that
    /// entry is fetched and used, as cosign does, and verified with the
    /// bundle like any other.
    fn upload(&self, tlog: &Service, body: Result<Vec<u8>>) -> Result<TlogEntry> {
        let c = &self.ctx.inner;
        let body = body?;
        let (path, v1) = match tlog.major_api_version {
            1 => (services::rekor_v1::PATH, true),
            2 => (services::rekor_v2::PATH, false),
            v => {
                return Err(Error::Signing(format!(
                    "Rekor API version {v} is not supported"
                )))
            }
        };
        let url = format!("{}{path}", tlog.url);
        let resp = c.http.post(
            &url,
            &[
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
            ],
            &body,
        )?;
        if v1 && resp.status == 409 {
            if let Some(existing) = services::rekor_v1::conflict_location(&tlog.url, &resp) {
                let found = c.http.get(&existing, &[("Accept", "application/json")])?;
                return services::rekor_v1::parse_response(&existing, &found);
            }
        }
        if v1 {
            services::rekor_v1::parse_response(&url, &resp)
        } else {
            services::rekor_v2::parse_response(&url, &resp)
        }
    }

    fn timestamp(&self, tsa: &Service, imprint: &Digest) -> Result<Vec<u8>> {
        let c = &self.ctx.inner;
        let mut nonce = crypto::random_bytes(8).map_err(|e| Error::Signing(e.to_string()))?;
        nonce[0] &= 0x7f;
        let req = services::tsa::request(imprint, &nonce)?;
        let resp = c.http.post(
            &tsa.url,
            &[
                ("Content-Type", services::tsa::CONTENT_TYPE),
                ("Accept", "application/timestamp-reply"),
            ],
            &req,
        )?;
        services::tsa::parse_response(&tsa.url, &resp, imprint, &nonce)
    }
}

/// An in-toto v1 statement over one subject: `name` with its SHA-256
/// digest, `predicate_type`, and `predicate` (JSON; `None` is written as
/// `null`, as sigstore-python's `StatementBuilder` writes an absent one).
pub fn statement(
    subjects: &[(String, Digest)],
    predicate_type: &str,
    predicate: Option<serde_json::Value>,
) -> Result<Vec<u8>> {
    if subjects.is_empty() {
        return Err(Error::InvalidInput("a statement needs a subject".into()));
    }
    let subject: Vec<_> = subjects
        .iter()
        .map(|(name, d)| {
            serde_json::json!({"name": name, "digest": {d.algorithm().name(): d.to_hex()}})
        })
        .collect();
    let v = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": subject,
        "predicateType": predicate_type,
        "predicate": predicate.unwrap_or(serde_json::Value::Null),
    });
    serde_json::to_vec(&v).map_err(|e| Error::InvalidInput(format!("statement: {e}")))
}

/// The PEP 740 publish attestation predicate type.
pub const PYPI_PUBLISH_PREDICATE: &str = "https://docs.pypi.org/attestations/publish/v1";

/// Writes `data` to `path` atomically (see [`crate::files::write_atomic`]).
pub fn write_atomic(path: &std::path::Path, data: &[u8]) -> Result<()> {
    crate::files::write_atomic(path, data).map_err(|e| Error::Io(e.to_string()))
}

#[cfg(test)]
mod tests;
