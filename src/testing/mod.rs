//! A local Sigstore instance for tests: an OIDC issuer, a Fulcio-compatible
//! CA with a CT log, an RFC 3161 timestamp authority, a Rekor v1 log and a
//! Rekor v2 log, each served over HTTP on its own 127.0.0.1 port, with the
//! client trust config (trusted root + signing config v0.2) that trusts them.
//!
//! Everything speaks the real Sigstore HTTP protocols, so any Sigstore client
//! (ours, sigstore-python 4.x) can sign against it; all keys are fresh per
//! instance and live in memory. See each service's module for its protocol.
//!
//! A package index runs beside them (`index/`): the simple API with PEP
//! 740 provenance and the legacy upload API, where an upload's identity
//! token stands for a Trusted Publisher and its attestations are checked
//! against this instance's trusted root ([`Instance::add_trusted_publisher`]).
//!
//! Built with the Cargo feature `testing` (the wheel enables it), and for the
//! crate's own unit tests.
//!
//! ```no_run
//! # fn main() -> sigstore_rs::Result<()> {
//! use sigstore_rs::testing::{Instance, Options};
//! let instance = Instance::start(Options::default())?;
//! let trust_config = instance.trust_config_json();
//! let token = instance.mint_token("alice@example.com");
//! # Ok(()) }
//! ```

mod ca;
pub mod ci;
mod http;
mod index;
mod log;
mod oidc;
mod rekor;
mod tsa;
pub mod tuf;

#[cfg(test)]
mod tests;

use crate::trust::{TRUSTED_ROOT_MEDIA_TYPE, TRUST_CONFIG_MEDIA_TYPE};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rand_core::RngCore as _;
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use index::publishers::parse_project_spec as parse_trusted_publisher_arg;
pub use index::INTEGRITY_MEDIA_TYPE;
pub use oidc::DEFAULT_TOKEN_LIFETIME;

const SIGNING_CONFIG_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.signingconfig.v0.2+json";
/// Identity the interactive flow approves unless told otherwise.
pub const DEFAULT_IDENTITY: &str = "signer@sigstore-rs.test";

/// How to start an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The Rekor major version the signing config prefers (1 or 2). Both
    /// logs run and both are in the trusted root either way.
    pub rekor_version: u8,
    /// Identity the interactive (PKCE) flow approves.
    pub default_identity: String,
    /// Which logs the signing config offers (the trusted root lists both).
    pub rekor_logs: RekorLogs,
    /// How long the CA's leaf certificates are valid, in seconds (Fulcio's
    /// are 600); shorter makes certificate renewal testable.
    pub leaf_lifetime: i64,
    /// Per-service delays before each answer (see [`Instance::set_latency`]).
    pub latency: Vec<(ServiceKind, Duration)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            rekor_version: 1,
            default_identity: DEFAULT_IDENTITY.into(),
            rekor_logs: RekorLogs::Both,
            leaf_lifetime: ca::LEAF_LIFETIME,
            latency: Vec::new(),
        }
    }
}

/// Which Rekor logs the signing config offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RekorLogs {
    /// Only the Rekor v1 log.
    V1,
    /// Only the Rekor v2 log.
    V2,
    /// Both, [`Options::rekor_version`]'s first.
    Both,
}

impl RekorLogs {
    /// `v1`, `v2` or `both`.
    pub fn from_name(name: &str) -> Option<RekorLogs> {
        Some(match name {
            "v1" | "1" => RekorLogs::V1,
            "v2" | "2" => RekorLogs::V2,
            "both" => RekorLogs::Both,
            _ => return None,
        })
    }
}

/// Failure modes to switch on, for clients' error-path tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `POST /api/v2/signingCert` answers 500.
    CaError,
    /// The CA issues a leaf followed by a CA certificate that did not issue it.
    CaBadChain,
    /// The CA issues the leaf from a CA outside the trusted root, so the
    /// returned certificate does not chain.
    CaUntrusted,
    /// The TSA answers 500.
    TsaError,
    /// Both Rekor logs refuse new entries with 500.
    RekorError,
}

impl Fault {
    /// Every fault.
    pub const ALL: [Fault; 5] = [
        Fault::CaError,
        Fault::CaBadChain,
        Fault::CaUntrusted,
        Fault::TsaError,
        Fault::RekorError,
    ];

    /// The fault's name (`ca_error`, …), as the Python API takes it.
    pub fn name(self) -> &'static str {
        match self {
            Fault::CaError => "ca_error",
            Fault::CaBadChain => "ca_bad_chain",
            Fault::CaUntrusted => "ca_untrusted",
            Fault::TsaError => "tsa_error",
            Fault::RekorError => "rekor_error",
        }
    }

    /// The fault named `name`.
    pub fn from_name(name: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// The faults switched on, shared by the services: per fault, 0 (off),
/// -1 (on until switched off) or how many more requests it affects.
#[derive(Default)]
pub(crate) struct Faults([AtomicI64; 5]);

impl Faults {
    fn slot(&self, f: Fault) -> &AtomicI64 {
        &self.0[f as usize]
    }
    /// Whether the fault affects this request (which uses up one of a
    /// counted fault's requests).
    pub fn is_set(&self, f: Fault) -> bool {
        self.slot(f)
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| match v {
                v if v > 0 => Some(v - 1),
                _ => None,
            })
            .map(|_| true)
            .unwrap_or_else(|v| v < 0)
    }
    fn set(&self, f: Fault, requests: i64) {
        self.slot(f).store(requests, Ordering::SeqCst)
    }
}

/// Per-service delays, in the order of [`LATENCY_SERVICES`].
#[derive(Default)]
struct Latency(Mutex<[Duration; 5]>);

/// The services a delay can be set for, by their `--latency` names.
pub const LATENCY_SERVICES: [(&str, ServiceKind); 5] = [
    ("oidc", ServiceKind::Oidc),
    ("fulcio", ServiceKind::Fulcio),
    ("rekor-v1", ServiceKind::RekorV1),
    ("rekor-v2", ServiceKind::RekorV2),
    ("tsa", ServiceKind::Tsa),
];

impl Latency {
    fn slot(service: ServiceKind) -> Option<usize> {
        LATENCY_SERVICES.iter().position(|(_, s)| *s == service)
    }

    fn get(&self, service: ServiceKind) -> Duration {
        match (Self::slot(service), self.0.lock()) {
            (Some(i), Ok(g)) => g[i],
            _ => Duration::ZERO,
        }
    }

    fn set(&self, service: ServiceKind, delay: Duration) -> crate::Result<()> {
        let i = Self::slot(service).ok_or_else(|| {
            crate::Error::InvalidInput(format!(
                "no latency can be set for {service:?}; services: oidc, fulcio, rekor-v1, rekor-v2, tsa"
            ))
        })?;
        if let Ok(mut g) = self.0.lock() {
            g[i] = delay;
        }
        Ok(())
    }

    /// Waits as `service` would before answering. Rekor v2 answers an
    /// upload once its batch is sequenced, so its delay is a window: every
    /// request arriving in one window is answered together at its end
    /// (windows are counted from `origin`). Others wait the delay.
    fn wait(&self, service: ServiceKind, origin: std::time::Instant) {
        let d = self.get(service);
        if d.is_zero() {
            return;
        }
        if service != ServiceKind::RekorV2 {
            std::thread::sleep(d);
            return;
        }
        let elapsed = origin.elapsed().as_nanos();
        let window = d.as_nanos().max(1);
        let end = (elapsed / window + 1) * window;
        let wait = u64::try_from(end - elapsed).unwrap_or(u64::MAX);
        std::thread::sleep(Duration::from_nanos(wait));
    }
}

/// Which service a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceKind {
    /// The OIDC issuer (discovery, JWKS, authorization and token endpoints).
    Oidc,
    /// The Fulcio v2 CA (`/api/v2/signingCert`) and its CT log.
    Fulcio,
    /// The Rekor v1 log.
    RekorV1,
    /// The Rekor v2 log.
    RekorV2,
    /// The RFC 3161 timestamp authority.
    Tsa,
    /// The TUF repository publishing the trusted root and signing config
    /// (metadata at its base URL, targets under `/targets/`).
    Tuf,
    /// The package index (simple API under `/simple/`, uploads at `/legacy/`).
    Index,
}

impl ServiceKind {
    /// The service named `name` (`oidc`, `fulcio`/`ca`, `rekor`/`rekor_v1`/`rekor-v1`,
    /// `rekor_v2`/`rekor-v2`, `tsa`, `tuf`, `index`).
    pub fn from_name(name: &str) -> Option<ServiceKind> {
        Some(match name {
            "oidc" => ServiceKind::Oidc,
            "fulcio" | "ca" => ServiceKind::Fulcio,
            "rekor" | "rekor_v1" | "rekor-v1" | "rekor1" => ServiceKind::RekorV1,
            "rekor_v2" | "rekor-v2" | "rekor2" => ServiceKind::RekorV2,
            "tsa" => ServiceKind::Tsa,
            "tuf" => ServiceKind::Tuf,
            "index" => ServiceKind::Index,
            _ => return None,
        })
    }
}

struct State {
    started: i64,
    options: Options,
    oidc: oidc::Issuer,
    ca: ca::Ca,
    fulcio_url: String,
    tsa: tsa::Tsa,
    tsa_url: String,
    rekor1: rekor::LogV1,
    rekor2: rekor::LogV2,
    faults: Faults,
    latency: Latency,
    /// Where Rekor v2's batching windows are counted from.
    origin: std::time::Instant,
}

/// A running local instance; its servers stop when it is dropped (or
/// [`Instance::stop`]ped).
pub struct Instance {
    state: Arc<State>,
    /// Each running service, with its kind.
    services: Vec<(ServiceKind, http::Service)>,
    tuf: Arc<tuf::TufRepository>,
    tuf_url: String,
    index: Arc<index::Index>,
    /// Requests being answered across all services.
    overall: Arc<http::Load>,
}

impl Instance {
    /// Generates fresh keys, binds seven 127.0.0.1 ports and serves them on
    /// background threads.
    pub fn start(options: Options) -> crate::Result<Instance> {
        if !matches!(options.rekor_version, 1 | 2) {
            return Err(crate::Error::InvalidInput(format!(
                "rekor_version must be 1 or 2, not {}",
                options.rekor_version
            )));
        }
        if options.leaf_lifetime < 1 {
            return Err(crate::Error::InvalidInput(format!(
                "leaf_lifetime must be at least 1 second, not {}",
                options.leaf_lifetime
            )));
        }
        let latency = Latency::default();
        for (service, d) in &options.latency {
            latency.set(*service, *d)?;
        }
        let now = now();
        let listeners = [
            http::bind()?,
            http::bind()?,
            http::bind()?,
            http::bind()?,
            http::bind()?,
            http::bind()?,
            http::bind()?,
        ];
        let [l_oidc, l_fulcio, l_rekor1, l_rekor2, l_tsa, l_tuf, l_index] = listeners;
        let state = Arc::new(State {
            started: now,
            oidc: oidc::Issuer::new(l_oidc.url.clone(), options.default_identity.clone()),
            ca: ca::Ca::new(now, options.leaf_lifetime)?,
            fulcio_url: l_fulcio.url.clone(),
            tsa: tsa::Tsa::new(now)?,
            tsa_url: l_tsa.url.clone(),
            rekor1: rekor::LogV1::new(l_rekor1.url.clone())?,
            rekor2: rekor::LogV2::new(l_rekor2.url.clone())?,
            faults: Faults::default(),
            latency,
            origin: std::time::Instant::now(),
            options,
        });
        let overall = Arc::new(http::Load::default());
        // Each handler waits its service's delay first, outside any lock
        // the service holds, so one delayed request holds up no other.
        let s = Arc::clone(&state);
        let oidc = l_oidc.serve(
            Arc::new(move |r| {
                s.latency.wait(ServiceKind::Oidc, s.origin);
                s.oidc.handle(r)
            }),
            &overall,
        );
        let s = Arc::clone(&state);
        let fulcio = l_fulcio.serve(
            Arc::new(move |r| {
                s.latency.wait(ServiceKind::Fulcio, s.origin);
                s.ca.handle(r, &s.oidc, &s.faults)
            }),
            &overall,
        );
        let s = Arc::clone(&state);
        let rekor1 = l_rekor1.serve(
            Arc::new(move |r| {
                s.latency.wait(ServiceKind::RekorV1, s.origin);
                s.rekor1.handle(r, &s.faults)
            }),
            &overall,
        );
        let s = Arc::clone(&state);
        let rekor2 = l_rekor2.serve(
            Arc::new(move |r| {
                s.latency.wait(ServiceKind::RekorV2, s.origin);
                s.rekor2.handle(r, &s.faults)
            }),
            &overall,
        );
        let s = Arc::clone(&state);
        let tsa = l_tsa.serve(
            Arc::new(move |r| {
                s.latency.wait(ServiceKind::Tsa, s.origin);
                s.tsa.handle(r, &s.faults)
            }),
            &overall,
        );
        let mut instance = Instance {
            state,
            services: vec![
                (ServiceKind::Oidc, oidc),
                (ServiceKind::Fulcio, fulcio),
                (ServiceKind::RekorV1, rekor1),
                (ServiceKind::RekorV2, rekor2),
                (ServiceKind::Tsa, tsa),
            ],
            tuf: Arc::new(tuf::TufRepository::new(&[])?),
            tuf_url: l_tuf.url.clone(),
            // Replaced below, once the trusted root can be made.
            index: Arc::new(index::Index::new(
                l_index.url.clone(),
                crate::Verifier::new(crate::trust::TrustedRoot::default()),
            )),
            overall: Arc::clone(&overall),
        };
        // The TUF targets name the other services' URLs, so they are made
        // once those are bound.
        let root = instance.trusted_root().to_string();
        let config = instance.signing_config().to_string();
        instance.tuf = Arc::new(tuf::TufRepository::new(&[
            (crate::trust::tuf::TRUSTED_ROOT_TARGET, root.as_bytes()),
            (crate::trust::tuf::SIGNING_CONFIG_TARGET, config.as_bytes()),
        ])?);
        let repo = Arc::clone(&instance.tuf);
        instance.services.push((
            ServiceKind::Tuf,
            l_tuf.serve(Arc::new(move |r| repo.handle(r)), &overall),
        ));
        // The index checks attestations against this instance's own root.
        let verifier = crate::Verifier::new(crate::trust::TrustedRoot::from_json(root.as_bytes())?);
        instance.index = Arc::new(index::Index::new(l_index.url.clone(), verifier));
        let (ix, s) = (Arc::clone(&instance.index), Arc::clone(&instance.state));
        instance.services.push((
            ServiceKind::Index,
            l_index.serve(Arc::new(move |r| ix.handle(r, &s.oidc)), &overall),
        ));
        Ok(instance)
    }

    /// The most requests `service` has been answering at once since the
    /// instance started: how tests see that a client overlapped its requests
    /// (a figure, unlike a time, no loaded machine changes).
    pub fn peak_concurrency(&self, service: ServiceKind) -> usize {
        self.services
            .iter()
            .find(|(kind, _)| *kind == service)
            .map_or(0, |(_, s)| s.peak_concurrency())
    }

    /// The most requests the instance's services together have been
    /// answering at once: whether a client overlapped requests to
    /// different services (a timestamp and a log upload).
    pub fn peak_concurrency_overall(&self) -> usize {
        self.overall.peak()
    }

    /// Stops every server and waits for their threads.
    pub fn stop(&mut self) {
        for (_, s) in &mut self.services {
            s.stop();
        }
    }

    /// Base URL of a service (`http://127.0.0.1:PORT`); the TSA's is its
    /// timestamp endpoint, as signing configs name it.
    pub fn url(&self, service: ServiceKind) -> String {
        let s = &self.state;
        match service {
            ServiceKind::Oidc => s.oidc.url.clone(),
            ServiceKind::Fulcio => s.fulcio_url.clone(),
            ServiceKind::RekorV1 => s.rekor1.url.clone(),
            ServiceKind::RekorV2 => s.rekor2.url.clone(),
            ServiceKind::Tsa => format!("{}/api/v1/timestamp", s.tsa_url),
            ServiceKind::Tuf => self.tuf_url.clone(),
            ServiceKind::Index => self.index.url().to_string(),
        }
    }

    /// The package index's simple API (`…/simple/`, PEP 503/691 with PEP
    /// 740 provenance).
    pub fn index_url(&self) -> String {
        self.index.simple_url()
    }

    /// The package index's legacy upload API (`…/legacy/`, what twine's
    /// `--repository-url` takes).
    pub fn upload_url(&self) -> String {
        self.index.upload_url()
    }

    /// Lets `publisher` upload to `project` on the package index: an
    /// upload whose identity token's claims stand for it is that Trusted
    /// Publisher's, and its attestations are checked against it.
    pub fn add_trusted_publisher(&self, project: &str, publisher: crate::pep740::Publisher) {
        self.index.add_trusted_publisher(project, publisher)
    }

    /// Switches a failure mode on or off, from the next request on.
    pub fn set_fault(&self, fault: Fault, on: bool) {
        self.state.faults.set(fault, if on { -1 } else { 0 })
    }

    /// Switches a failure mode on for the next `requests` requests it
    /// affects (0 switches it off), e.g. one file of a batch.
    pub fn set_fault_count(&self, fault: Fault, requests: u32) {
        self.state.faults.set(fault, i64::from(requests))
    }

    /// Makes `service` (OIDC, Fulcio, either Rekor or the TSA) wait
    /// `delay` before each answer, from the next request on; for Rekor v2
    /// `delay` is its batching window (requests arriving in one window are
    /// answered together at its end).
    pub fn set_latency(&self, service: ServiceKind, delay: Duration) -> crate::Result<()> {
        self.state.latency.set(service, delay)
    }

    /// An ID token for `identity` (see [`Self::mint_token_with`]), valid ten minutes.
    pub fn mint_token(&self, identity: &str) -> String {
        self.mint_token_with(identity, DEFAULT_TOKEN_LIFETIME, &Map::new())
    }

    /// An ES256 ID token from the instance's issuer: `iss` its URL, `aud`
    /// `sigstore`, `sub` the identity, and for an e-mail address also
    /// `email` and `email_verified`; `extra` claims are merged over these
    /// (e.g. an `exp` in the past, or CI claims).
    pub fn mint_token_with(
        &self,
        identity: &str,
        lifetime: i64,
        extra: &Map<String, Value>,
    ) -> String {
        self.state.oidc.mint(identity, lifetime, extra)
    }

    /// An ID token of GitHub Actions' issuer for `run` (see [`ci`]): its
    /// certificates carry the extensions Fulcio writes for that workflow.
    pub fn mint_github(&self, run: &ci::GitHubRun) -> String {
        let (sub, claims) = run.claims();
        self.mint_token_with(&sub, DEFAULT_TOKEN_LIFETIME, &claims)
    }

    /// An ID token of GitLab's issuer for `job` (see [`ci`]).
    pub fn mint_gitlab(&self, job: &ci::GitLabJob) -> String {
        let (sub, claims) = job.claims();
        self.mint_token_with(&sub, DEFAULT_TOKEN_LIFETIME, &claims)
    }

    /// An ID token of CircleCI's issuer for `job` (see [`ci`]).
    pub fn mint_circleci(&self, job: &ci::CircleCiJob) -> String {
        let (sub, claims) = job.claims();
        self.mint_token_with(&sub, DEFAULT_TOKEN_LIFETIME, &claims)
    }

    /// An ID token of Google's issuer for the service account `email`.
    pub fn mint_google(&self, email: &str) -> String {
        self.mint_token_with(email, DEFAULT_TOKEN_LIFETIME, &ci::google_claims(email))
    }

    /// Verifies a token minted by this instance (under its own issuer URL
    /// or a CI issuer's) for a service taking any of `audiences`; returns
    /// its claims.
    pub fn verify_token(
        &self,
        token: &str,
        audiences: &[&str],
    ) -> Result<Map<String, Value>, String> {
        self.state
            .oidc
            .verify_for(token, audiences)
            .map(|t| t.claims)
    }

    /// The bearer secret of the issuer's `POST /testing/mint` endpoint.
    pub fn mint_secret(&self) -> &str {
        &self.state.oidc.mint_secret
    }

    /// The identity the interactive flow approves from now on.
    pub fn set_default_identity(&self, identity: &str) {
        if let Ok(mut g) = self.state.oidc.default_identity.lock() {
            *g = identity.to_string();
        }
    }

    /// The TUF repository that publishes this instance's trusted root and
    /// signing config (rotate keys, expire or roll back metadata through
    /// it). Its first root is [`tuf::TufRepository::root`]`(1)`.
    pub fn tuf(&self) -> &tuf::TufRepository {
        &self.tuf
    }

    /// The OIDC issuer's URL (the `iss` of its tokens).
    pub fn issuer_url(&self) -> &str {
        &self.state.oidc.url
    }

    /// The trusted root: both Rekor logs, the CT log, the CA chain and the
    /// TSA chain, each valid from an hour before the instance started.
    pub fn trusted_root(&self) -> Value {
        let s = &self.state;
        let start = rfc3339(s.started - 3600);
        let valid = json!({"start": start});
        let raw = |d: &[u8]| json!({"rawBytes": B64.encode(d)});
        json!({
            "mediaType": TRUSTED_ROOT_MEDIA_TYPE,
            "tlogs": [
                {
                    "baseUrl": s.rekor1.url,
                    "hashAlgorithm": "SHA2_256",
                    "publicKey": {"rawBytes": B64.encode(&s.rekor1.spki),
                                  "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": valid},
                    "logId": {"keyId": B64.encode(&s.rekor1.log_id)},
                },
                {
                    "baseUrl": s.rekor2.url,
                    "hashAlgorithm": "SHA2_256",
                    "publicKey": {"rawBytes": B64.encode(&s.rekor2.spki),
                                  "keyDetails": "PKIX_ED25519", "validFor": valid},
                    "logId": {"keyId": B64.encode(&s.rekor2.log_id)},
                },
            ],
            "certificateAuthorities": [{
                "subject": {"organization": "sigstore-rs.test", "commonName": "sigstore-rs local intermediate"},
                "uri": s.fulcio_url,
                "certChain": {"certificates": [raw(&s.ca.inter_der), raw(&s.ca.root_der)]},
                "validFor": valid,
            }],
            "ctlogs": [{
                "baseUrl": format!("{}/ct", s.fulcio_url),
                "hashAlgorithm": "SHA2_256",
                "publicKey": {"rawBytes": B64.encode(&s.ca.ct_spki),
                              "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": valid},
                "logId": {"keyId": B64.encode(&s.ca.ct_log_id)},
            }],
            "timestampAuthorities": [{
                "subject": {"organization": "sigstore-rs.test", "commonName": "sigstore-rs local TSA"},
                "uri": self.url(ServiceKind::Tsa),
                "certChain": {"certificates": [raw(&s.tsa.leaf_der), raw(&s.tsa.root_der)]},
                "validFor": valid,
            }],
        })
    }

    /// Signing config v0.2. The Rekor logs [`Options::rekor_logs`] offers
    /// are listed, the preferred one ([`Options::rekor_version`]) first;
    /// they have different operators so that a client keeping the newest
    /// API per operator still sees both, and the `ANY` selector picks the
    /// first.
    pub fn signing_config(&self) -> Value {
        let s = &self.state;
        let valid = json!({"start": rfc3339(s.started - 3600)});
        let svc = |url: String, v: u8, op: &str| json!({"url": url, "majorApiVersion": v, "validFor": valid, "operator": op});
        let v1 = svc(s.rekor1.url.clone(), 1, "sigstore-rs.test rekor v1");
        let v2 = svc(s.rekor2.url.clone(), 2, "sigstore-rs.test rekor v2");
        let tlogs = match (s.options.rekor_logs, s.options.rekor_version) {
            (RekorLogs::V1, _) => vec![v1],
            (RekorLogs::V2, _) => vec![v2],
            (RekorLogs::Both, 2) => vec![v2, v1],
            (RekorLogs::Both, _) => vec![v1, v2],
        };
        json!({
            "mediaType": SIGNING_CONFIG_MEDIA_TYPE,
            "caUrls": [svc(s.fulcio_url.clone(), 1, "sigstore-rs.test")],
            "oidcUrls": [svc(s.oidc.url.clone(), 1, "sigstore-rs.test")],
            "rekorTlogUrls": tlogs,
            "tsaUrls": [svc(self.url(ServiceKind::Tsa), 1, "sigstore-rs.test")],
            "rekorTlogConfig": {"selector": "ANY"},
            "tsaConfig": {"selector": "ANY"},
        })
    }

    /// The `application/vnd.dev.sigstore.clienttrustconfig.v0.1+json` document.
    pub fn trust_config(&self) -> Value {
        json!({
            "mediaType": TRUST_CONFIG_MEDIA_TYPE,
            "trustedRoot": self.trusted_root(),
            "signingConfig": self.signing_config(),
        })
    }

    /// [`Self::trust_config`] as pretty-printed JSON, for
    /// [`crate::trust::ClientTrustConfig::from_json`] or a file.
    pub fn trust_config_json(&self) -> String {
        serde_json::to_string_pretty(&self.trust_config()).unwrap_or_default()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.stop();
    }
}

pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn now_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    rand_core::OsRng.fill_bytes(&mut b);
    b
}

fn random_hex(n: usize) -> String {
    hex::encode(random_bytes(n))
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// `host[:port]` of a URL: Rekor v2's checkpoint origin, and the key name
/// of Rekor v1's checkpoint signature.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or_default().to_string()
}

pub(crate) fn pem(label: &str, der: &[u8]) -> String {
    let b = B64.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
