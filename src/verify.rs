//! The verifier: the Sigstore client specification's verification procedure
//! as numbered steps (<https://github.com/sigstore/architecture-docs>,
//! "Sigstore Client Spec", §4 Verification). Each step either passes or
//! returns [`Error::Verification`] naming the [`Step`] and what was expected.
//!
//! A [`Verifier`] holds one [`TrustedRoot`]. Given an already parsed and
//! structurally checked [`Bundle`], it runs, in order:
//!
//! 1. the signing key: the bundle's certificate (its chain must not smuggle
//!    in a root) or the caller's managed key;
//! 2. the input digest: the artifact's bytes hashed with the algorithm of
//!    the digest the bundle signs ([`input_hash_algorithm`]), or the
//!    digest the caller gave;
//! 3. the input against what the bundle signs (its `messageDigest`, else
//!    the digest its hashedrekord entry records) and the signature over it,
//!    or the DSSE signature and the in-toto subject digest
//!    ([`Step::ArtifactDigest`], [`Step::Signature`]);
//! 4. the log entry: from a log in the trusted root, and its body records
//!    exactly this signature, key and content ([`Step::TlogEntry`]);
//! 5. the signed entry timestamp, Rekor v1's promise of inclusion
//!    ([`Step::SignedEntryTimestamp`]);
//! 6. the RFC 6962 inclusion proof (for Rekor v2, of the entry's own
//!    logIndex) and the signed checkpoint it ends in, signed by the log
//!    under its own name with the log's origin
//!    ([`Step::InclusionProof`], [`Step::Checkpoint`]);
//! 7. verified signing times: the SET's integrated time and the RFC 3161
//!    timestamps that verify against the trusted root's TSAs; at least one
//!    is required ([`Step::Timestamp`], [`Step::SigningTime`]);
//! 8. every verified time inside the certificate's validity, and its chain
//!    to a trusted Fulcio CA at each of them ([`Step::SigningTime`],
//!    [`Step::CertificateChain`]);
//! 9. the certificate's embedded SCTs against the trusted CT logs
//!    ([`Step::Sct`]);
//! 10. the identity [`Policy`] ([`Step::Policy`]).
//!
//! Every step must pass; the order decides only which failure is reported
//! when several would be. Step 3 comes before step 4 so that each defect is
//! reported at the step that describes it: a wrong input is an artifact
//! digest failure naming both digests, and a signature that is not valid is
//! a signature failure, not a log entry that disagrees with the bundle (which
//! it also would, since a log records only signatures it has checked). A
//! log entry that disagrees with a bundle whose signature is valid for the
//! input is a log entry failure.

use crate::bundle::{Bundle, Content, SigningMaterial, TlogEntry};
use crate::crypto::{self, CryptoBackend, Digest, HashAlgorithm, KeyKind, SignatureAlgorithm};
use crate::dsse::{Statement, IN_TOTO_PAYLOAD_TYPE};
use crate::error::{Error, Result, Step};
use crate::policy::{Claim, Claims, Policy};
use crate::trust::{self, TransparencyLog, TrustedRoot};
use crate::{timestamp, tlog, x509};
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// What was signed, as the caller supplies it.
#[derive(Debug, Clone)]
pub enum Artifact {
    /// The artifact's digest (`sha256:<hex>`): enough for hashedrekord
    /// ECDSA/RSA signatures and in-toto subjects.
    Digest(Digest),
    /// The artifact's bytes.
    Bytes(Vec<u8>),
}

/// What a successful verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBundle {
    /// The DSSE payload type, for DSSE bundles (`None` for message signatures).
    pub payload_type: Option<String>,
    /// The DSSE payload (for in-toto, the statement JSON), now authenticated.
    pub payload: Option<Vec<u8>>,
    /// The earliest verified signing time (Unix seconds).
    pub signing_time: i64,
    /// The certificate's first SAN (`None` for managed keys).
    pub identity: Option<String>,
    /// The certificate's OIDC issuer extension (`None` for managed keys).
    pub issuer: Option<String>,
}

/// How the signing key is established.
enum KeySource<'a> {
    /// A Fulcio certificate, whose identity must satisfy the policy.
    Certificate(&'a Policy),
    /// A managed key (DER SubjectPublicKeyInfo) the caller trusts.
    Managed(&'a [u8]),
}

/// Streams a file through SHA-256 (1 MiB reads; the crypto backend's SHA
/// uses the CPU's SHA extensions where present).
pub fn hash_file(path: &Path) -> Result<Digest> {
    hash_file_with(crypto::default_backend(), path)
}

/// As [`hash_file`], on a chosen crypto backend.
pub fn hash_file_with(backend: &dyn CryptoBackend, path: &Path) -> Result<Digest> {
    hash_file_as_with(backend, path, HashAlgorithm::Sha256)
}

/// As [`hash_file`], with another algorithm: a bundle that signs a SHA-384
/// or SHA-512 digest needs the file hashed with it
/// ([`input_hash_algorithm`] says which).
pub fn hash_file_as(path: &Path, algorithm: HashAlgorithm) -> Result<Digest> {
    hash_file_as_with(crypto::default_backend(), path, algorithm)
}

fn hash_file_as_with(
    backend: &dyn CryptoBackend,
    path: &Path,
    algorithm: HashAlgorithm,
) -> Result<Digest> {
    let mut f = std::fs::File::open(path)
        .map_err(|e| Error::Io(format!("cannot open {}: {e}", path.display())))?;
    let mut h = backend.hasher(algorithm);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| Error::Io(format!("cannot read {}: {e}", path.display())))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finish())
}

/// Parses `sha256:<64 hex digits>` (also sha384/sha512).
pub fn parse_digest(s: &str) -> Result<Digest> {
    let (alg, hex_part) = s.split_once(':').ok_or_else(|| {
        Error::InvalidInput(format!("digest {s:?} is not of the form sha256:<hex>"))
    })?;
    let alg = match alg {
        "sha256" => HashAlgorithm::Sha256,
        "sha384" => HashAlgorithm::Sha384,
        "sha512" => HashAlgorithm::Sha512,
        other => {
            return Err(Error::InvalidInput(format!(
                "unsupported digest algorithm {other:?} (expected sha256)"
            )))
        }
    };
    let bytes = hex::decode(hex_part)
        .map_err(|e| Error::InvalidInput(format!("digest {s:?} is not hex: {e}")))?;
    Digest::new(alg, bytes).map_err(|e| Error::InvalidInput(format!("digest {s:?}: {e}")))
}

/// Parses a PEM `PUBLIC KEY` block into DER SubjectPublicKeyInfo.
pub fn public_key_from_pem(pem: &[u8]) -> Result<Vec<u8>> {
    let (_, p) = x509_parser::pem::parse_x509_pem(pem)
        .map_err(|e| Error::InvalidInput(format!("key is not PEM: {e}")))?;
    if p.label != "PUBLIC KEY" {
        return Err(Error::InvalidInput(format!(
            "expected a PEM PUBLIC KEY block, found {:?}",
            p.label
        )));
    }
    crypto::key_kind(&p.contents).map_err(|e| Error::InvalidInput(format!("public key: {e}")))?;
    Ok(p.contents)
}

/// Subjects of an in-toto statement a wrong-input message lists (a
/// statement may have thousands).
const MAX_SUBJECTS_NAMED: usize = 5;

/// Verified times a bundle needs (sigstore-python `VERIFIED_TIME_THRESHOLD`).
const VERIFIED_TIME_THRESHOLD: usize = 1;

fn fail(step: Step, msg: impl Into<String>) -> Error {
    Error::verification(step, msg)
}

/// Where a verified signing time comes from, for messages that name it.
#[derive(Debug, Clone, Copy)]
enum TimeSource {
    /// The Rekor v1 integrated time its signed entry timestamp covers.
    IntegratedTime,
    /// The `index`th RFC 3161 timestamp of the bundle.
    Timestamp(usize),
}

impl TimeSource {
    fn describe(self, t: i64) -> String {
        match self {
            TimeSource::IntegratedTime => format!(
                "the signed entry timestamp's integrated time {} ({t})",
                trust::rfc3339(t)
            ),
            TimeSource::Timestamp(i) => {
                format!("RFC 3161 timestamp {i}'s time {} ({t})", trust::rfc3339(t))
            }
        }
    }
}

/// A message signature and the key it must verify with.
struct MessageSignature<'a> {
    spki: &'a [u8],
    kind: KeyKind,
    signature: &'a [u8],
}

/// Why a message signature did not verify: the signature is not valid, or
/// it cannot be checked against what the caller gave.
enum SignatureFailure {
    Invalid(crypto::CryptoError),
    Unusable(Error),
}

/// Verifies bundles against one trusted root. Cheap to clone and share
/// across threads.
#[derive(Debug, Clone)]
pub struct Verifier {
    root: Arc<TrustedRoot>,
    /// The trusted root's Fulcio CAs, parsed once, with their chain-internal
    /// signatures checked once (see [`x509::CaSet`]).
    fulcio: Arc<x509::CaSet>,
    crypto: &'static dyn CryptoBackend,
}

impl Verifier {
    /// A verifier for the public-good production instance (embedded root).
    /// Process-wide and shared: the root is parsed and its CA chains are
    /// checked once, however many times this is called.
    pub fn production() -> Result<Verifier> {
        static CELL: OnceLock<Result<Verifier>> = OnceLock::new();
        CELL.get_or_init(|| TrustedRoot::production().map(Verifier::new))
            .clone()
    }

    /// As [`Self::production`], for the staging instance.
    pub fn staging() -> Result<Verifier> {
        static CELL: OnceLock<Result<Verifier>> = OnceLock::new();
        CELL.get_or_init(|| TrustedRoot::staging().map(Verifier::new))
            .clone()
    }

    /// A verifier for `trusted_root`, on the default crypto backend. The
    /// root's Fulcio CA certificates are parsed here; the signatures within
    /// their chains are checked on first use and the outcome kept, so each
    /// later verification pays only for its own leaf. Reuse (clone) one
    /// verifier rather than making one per bundle.
    pub fn new(trusted_root: TrustedRoot) -> Verifier {
        Verifier {
            fulcio: Arc::new(x509::CaSet::new(&trusted_root.certificate_authorities)),
            root: Arc::new(trusted_root),
            crypto: crypto::default_backend(),
        }
    }

    /// The same verifier on a chosen crypto backend (tests run both).
    pub fn with_backend(mut self, backend: &'static dyn CryptoBackend) -> Verifier {
        // Fresh caches, so nothing one backend concluded is reused by another.
        self.fulcio = Arc::new(x509::CaSet::new(&self.root.certificate_authorities));
        self.crypto = backend;
        self
    }

    /// The trusted root this verifier checks against.
    pub fn trusted_root(&self) -> &TrustedRoot {
        &self.root
    }

    /// Verifies that `bundle` signs `artifact` with a certificate whose
    /// identity satisfies `policy`.
    pub fn verify_artifact(
        &self,
        artifact: &Artifact,
        bundle: &Bundle,
        policy: &Policy,
    ) -> Result<VerifiedBundle> {
        self.verify(bundle, Some(artifact), KeySource::Certificate(policy))
    }

    /// As [`Self::verify_artifact`], with a managed key (DER
    /// SubjectPublicKeyInfo, see [`public_key_from_pem`]) instead of a
    /// certificate and identity policy.
    pub fn verify_artifact_with_key(
        &self,
        artifact: &Artifact,
        bundle: &Bundle,
        spki_der: &[u8],
    ) -> Result<VerifiedBundle> {
        self.verify(bundle, Some(artifact), KeySource::Managed(spki_der))
    }

    /// Verifies a DSSE bundle and returns its payload (no artifact check).
    pub fn verify_dsse(&self, bundle: &Bundle, policy: &Policy) -> Result<VerifiedBundle> {
        self.verify(bundle, None, KeySource::Certificate(policy))
    }

    /// As [`Self::verify_dsse`], with a managed key (DER
    /// SubjectPublicKeyInfo, see [`public_key_from_pem`]) instead of a
    /// certificate.
    pub fn verify_dsse_with_key(&self, bundle: &Bundle, spki_der: &[u8]) -> Result<VerifiedBundle> {
        self.verify(bundle, None, KeySource::Managed(spki_der))
    }

    fn verify(
        &self,
        bundle: &Bundle,
        artifact: Option<&Artifact>,
        key: KeySource<'_>,
    ) -> Result<VerifiedBundle> {
        let c = self.crypto;
        let entry = &bundle.tlog_entry;

        // Step 1: the signing key. A certificate is parsed (trust decisions
        // come in step 8); a managed key must be what the bundle was made for.
        let (leaf, signer_spki): (Option<x509::Certificate>, Vec<u8>) = match (&bundle.material, &key) {
            (SigningMaterial::Certificate { leaf, rest }, KeySource::Certificate(_)) => {
                let cert = x509::Certificate::from_der(leaf.clone())
                    .map_err(|e| Error::bundle(format!("signing certificate: {e}")))?;
                let rest = rest
                    .iter()
                    .map(|d| x509::Certificate::from_der(d.clone()))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| Error::bundle(format!("certificate chain: {e}")))?;
                x509::check_bundle_chain(&rest).map_err(|e| fail(Step::CertificateChain, e.to_string()))?;
                let spki = cert.public_key_spki().to_vec();
                (Some(cert), spki)
            }
            (SigningMaterial::PublicKey { .. }, KeySource::Managed(k)) => (None, k.to_vec()),
            (SigningMaterial::PublicKey { .. }, KeySource::Certificate(_)) => {
                return Err(fail(
                    Step::CertificateChain,
                    "the bundle is signed with a managed key, not a certificate: verify it with a key",
                ))
            }
            (SigningMaterial::Certificate { .. }, KeySource::Managed(_)) => {
                return Err(fail(
                    Step::Signature,
                    "the bundle carries a certificate, not a managed-key signature: verify it with an identity",
                ))
            }
        };
        let verifier_der: &[u8] = match &bundle.material {
            SigningMaterial::Certificate { leaf, .. } => leaf,
            SigningMaterial::PublicKey { .. } => &signer_spki,
        };

        // Parsed once: steps 2 and 3 read a hashedrekord's digest from it
        // (the algorithm to hash the input with, what a wrong input should
        // have been), step 4 compares it with the bundle (and reports it if
        // it does not parse).
        let body = tlog::parse_body(&entry.body, &entry.kind, &entry.version);
        let logged = body.as_ref().ok().and_then(|b| b.hashedrekord_digest());

        // Step 2: the input digest. Bytes are hashed with the algorithm of
        // the digest the bundle signs, so that a SHA-384 or SHA-512
        // hashedrekord verifies against the right bytes.
        let input_digest = match artifact {
            None => None,
            Some(Artifact::Digest(d)) => Some(d.clone()),
            Some(Artifact::Bytes(b)) => Some(c.digest(signed_algorithm(bundle, logged), b)),
        };
        if let (Content::MessageSignature { .. }, None) = (&bundle.content, &input_digest) {
            return Err(Error::InvalidInput(
                "a message-signature bundle can only be verified against an artifact (use verify_artifact)".into(),
            ));
        }

        // Step 3: the input against what the bundle signs, and the signature.
        // Before the log entry (step 4), so that a wrong input or a bad
        // signature is reported as such, not as a log entry that disagrees.
        let kind = crypto::key_kind(&signer_spki)
            .map_err(|e| fail(Step::Signature, format!("signing key: {e}")))?;
        let key_name = match key {
            KeySource::Certificate(_) => "the signing certificate's key",
            KeySource::Managed(_) => "the given key",
        };
        let (payload_type, payload) = match &bundle.content {
            Content::MessageSignature { digest, signature } => {
                let input = input_digest
                    .as_ref()
                    .ok_or_else(|| Error::InvalidInput("no artifact given".into()))?;
                let sig = MessageSignature {
                    spki: &signer_spki,
                    kind,
                    signature,
                };
                self.check_signed_digest(input, digest.as_ref(), logged, artifact, &sig)?;
                self.verify_message_signature(input, artifact, &sig)
                    .map_err(|e| match e {
                        SignatureFailure::Invalid(e) => fail(
                            Step::Signature,
                            format!("the signature is not valid for this input ({input:?}) with {key_name}: {e}"),
                        ),
                        SignatureFailure::Unusable(e) => e,
                    })?;
                (None, None)
            }
            Content::Dsse(env) => {
                let sig = env
                    .signatures
                    .first()
                    .map(|s| s.sig.as_slice())
                    .unwrap_or(&[]);
                c.verify(
                    &signer_spki,
                    kind.default_signature_algorithm(),
                    &env.pae(),
                    sig,
                )
                .map_err(|e| {
                    fail(
                        Step::Signature,
                        format!("the DSSE signature is not valid with {key_name}: {e}"),
                    )
                })?;
                if let Some(input) = &input_digest {
                    if env.payload_type != IN_TOTO_PAYLOAD_TYPE {
                        return Err(fail(
                            Step::ArtifactDigest,
                            format!(
                                "DSSE payload type is {:?}; only {IN_TOTO_PAYLOAD_TYPE:?} statements name an artifact",
                                env.payload_type
                            ),
                        ));
                    }
                    let st = Statement::from_json(&env.payload)
                        .map_err(|e| fail(Step::ArtifactDigest, e))?;
                    if !st.has_subject_digest(input) {
                        return Err(fail(
                            Step::ArtifactDigest,
                            format!(
                                "the input does not match what this bundle signs: the input's digest is {input:?}, the in-toto statement's subjects are {}",
                                st.describe_subjects(MAX_SUBJECTS_NAMED)
                            ),
                        ));
                    }
                }
                (Some(env.payload_type.clone()), Some(env.payload.clone()))
            }
        };

        // Step 4: the log entry is from a log in the trusted root, and its
        // body describes exactly this bundle's signature, key and content.
        let log = self.root.tlog_by_id(&entry.log_id).ok_or_else(|| {
            fail(
                Step::TlogEntry,
                format!(
                    "log entry is from log {}, which is not in the trusted root{}",
                    hex::encode(&entry.log_id),
                    TrustedRoot::instance_hint_for_log(&entry.log_id)
                ),
            )
        })?;
        let body = body.map_err(|e| fail(Step::TlogEntry, e.to_string()))?;
        self.check_entry_body(bundle, &body, verifier_der, input_digest.as_ref(), &key)?;
        let version = body.rekor_version();

        // Step 5: the signed entry timestamp (Rekor v1's promise of inclusion).
        let mut verified_times: Vec<(TimeSource, i64)> = Vec::new();
        if let Some(set) = &entry.signed_entry_timestamp {
            let log_index = i64::try_from(entry.log_index)
                .map_err(|_| fail(Step::SignedEntryTimestamp, "log index out of range"))?;
            let t = entry.integrated_time.ok_or_else(|| {
                fail(
                    Step::SignedEntryTimestamp,
                    "an inclusion promise without an integrated time",
                )
            })?;
            tlog::verify_set(c, log, &entry.body, t, log_index, set)
                .map_err(|e| fail(Step::SignedEntryTimestamp, e.to_string()))?;
            if !log.key.validity.contains(t) {
                return Err(fail(
                    Step::SignedEntryTimestamp,
                    format!(
                        "integrated time {t} is outside the log key's validity window {:?}",
                        log.key.validity
                    ),
                ));
            }
            verified_times.push((TimeSource::IntegratedTime, t));
        }

        // Step 6: the RFC 6962 inclusion proof for the entry's index, and
        // the checkpoint that commits the log, under its own name, to the
        // root hash.
        if let Some(proof) = &entry.inclusion_proof {
            self.check_inclusion(entry, proof, log, version)?;
        }

        // Step 7: verified signing times: the SET-backed integrated time
        // (step 5) and every RFC 3161 timestamp that verifies against the
        // trusted root's TSAs. At least VERIFIED_TIME_THRESHOLD are required
        // (client spec; sigstore-python `_establish_time`). A well-formed
        // token that does not verify is not counted; malformed, duplicate or
        // too many tokens are errors.
        let mut tsa_failures = Vec::new();
        if !bundle.timestamps.is_empty() {
            if self.root.timestamp_authorities.is_empty() {
                return Err(fail(
                    Step::Timestamp,
                    "the bundle carries RFC 3161 timestamps but the trusted root has no timestamp authorities",
                ));
            }
            let timestamp::Collected { times, failures } = timestamp::collect_timestamps(
                c,
                &bundle.timestamps,
                bundle.signature_bytes(),
                &self.root.timestamp_authorities,
            )
            .map_err(|e| fail(Step::Timestamp, e.to_string()))?;
            verified_times.extend(
                times
                    .into_iter()
                    .map(|(index, t)| (TimeSource::Timestamp(index), t)),
            );
            tsa_failures = failures;
        }
        if verified_times.len() < VERIFIED_TIME_THRESHOLD {
            let mut msg = format!(
                "{} verified signing times, at least {VERIFIED_TIME_THRESHOLD} required (a signed entry timestamp or a valid RFC 3161 timestamp)",
                verified_times.len()
            );
            if !tsa_failures.is_empty() {
                msg.push_str(": ");
                msg.push_str(&tsa_failures.join("; "));
            }
            let step = if tsa_failures.is_empty() {
                Step::SigningTime
            } else {
                Step::Timestamp
            };
            return Err(fail(step, msg));
        }
        // A log without a signed entry timestamp (Rekor v2) vouches for no
        // time itself; its key must still have been in service then: every
        // verified time must fall inside the log key's validity window.
        if entry.signed_entry_timestamp.is_none() {
            if let Some((source, t)) = verified_times
                .iter()
                .find(|(_, t)| !log.key.validity.contains(*t))
            {
                return Err(fail(
                    Step::TlogEntry,
                    format!(
                        "{} is outside the validity window {:?} of log {}",
                        source.describe(*t),
                        log.key.validity,
                        log.base_url
                    ),
                ));
            }
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(i64::MAX);
        for &(source, t) in &verified_times {
            if t > now {
                return Err(fail(
                    Step::SigningTime,
                    format!("{} is in the future", source.describe(t)),
                ));
            }
        }

        // Steps 8-10: certificate chain at every verified time, SCT, policy.
        let (mut identity, mut issuer) = (None, None);
        if let (Some(cert), KeySource::Certificate(policy)) = (&leaf, &key) {
            for &(source, t) in &verified_times {
                if t < cert.not_before() || t > cert.not_after() {
                    return Err(fail(
                        Step::SigningTime,
                        format!(
                            "{} is outside the certificate's validity ({} to {})",
                            source.describe(t),
                            trust::rfc3339(cert.not_before()),
                            trust::rfc3339(cert.not_after())
                        ),
                    ));
                }
            }
            let mut chain = None;
            for &(_, t) in &verified_times {
                chain = Some(
                    x509::verify_chain_in(c, cert, &self.fulcio, t, x509::Purpose::CodeSigning)
                        .map_err(|e| fail(Step::CertificateChain, e.to_string()))?,
                );
            }
            let chain = chain
                .ok_or_else(|| fail(Step::CertificateChain, "no time to validate the chain at"))?;
            x509::verify_embedded_scts(c, cert, &chain.issuer_der, &self.root.ctlogs)
                .map_err(|e| fail(Step::Sct, e.to_string()))?;
            policy
                .check(cert)
                .map_err(|e| fail(Step::Policy, e.to_string()))?;
            identity = cert.sans().into_iter().next();
            issuer = cert.claim(Claim::OidcIssuer);
        }

        Ok(VerifiedBundle {
            payload_type,
            payload,
            signing_time: verified_times
                .iter()
                .map(|&(_, t)| t)
                .min()
                .unwrap_or_default(),
            identity,
            issuer,
        })
    }

    /// Step 3, message signatures: the input's digest against what the
    /// bundle says it signs, its `messageDigest` or else (a detached
    /// signature) the digest its hashedrekord records. Where the signature
    /// covers that digest, a different input is simply the wrong input.
    /// A `messageDigest` the signature does not cover is reported as such;
    /// an entry's digest the signature does not cover is left to the
    /// signature (step 3) and log entry (step 4) checks, since either the
    /// input or the entry may be wrong.
    fn check_signed_digest(
        &self,
        input: &Digest,
        bundle_digest: Option<&Digest>,
        logged_digest: Option<&Digest>,
        artifact: Option<&Artifact>,
        sig: &MessageSignature<'_>,
    ) -> Result<()> {
        let (claimed, from_log) = match (bundle_digest, logged_digest) {
            (Some(d), _) => (d, false),
            (None, Some(d)) => (d, true),
            (None, None) => return Ok(()),
        };
        if claimed == input {
            return Ok(());
        }
        let signs = |d: &Digest| {
            sig.kind != KeyKind::Ed25519
                && self
                    .crypto
                    .verify_prehashed(
                        sig.spki,
                        message_algorithm(sig.kind, d.algorithm()),
                        d,
                        sig.signature,
                    )
                    .is_ok()
        };
        let recorded = if from_log {
            " (as its log entry records)"
        } else {
            ""
        };
        // Bytes were hashed with the claimed algorithm (step 2), so only a
        // digest the caller gave can be of another algorithm; it says
        // nothing about whether the input is the right one.
        let other_algorithm = claimed.algorithm() != input.algorithm();
        if signs(claimed) {
            return Err(fail(
                Step::ArtifactDigest,
                if other_algorithm {
                    format!(
                        "the bundle signs a {} digest{recorded}, the input was given as a {} digest ({input:?}): give the artifact itself or its {} digest",
                        claimed.algorithm().prose_name(),
                        input.algorithm().prose_name(),
                        claimed.algorithm().prose_name(),
                    )
                } else {
                    format!(
                        "the input does not match what this bundle signs: the input's digest is {input:?}, the signed digest is {claimed:?}{recorded}"
                    )
                },
            ));
        }
        if from_log {
            return Ok(());
        }
        let covers_input = match self.verify_message_signature(input, artifact, sig) {
            Ok(()) => ", which the signature does cover: the bundle's messageDigest is wrong",
            Err(SignatureFailure::Invalid(_)) => ", and the signature covers neither",
            Err(SignatureFailure::Unusable(_)) => "",
        };
        Err(fail(
            Step::ArtifactDigest,
            if other_algorithm {
                format!(
                    "the bundle's messageDigest is a {} digest ({claimed:?}), the input was given as a {} digest ({input:?}){covers_input}",
                    claimed.algorithm().prose_name(),
                    input.algorithm().prose_name(),
                )
            } else {
                format!(
                    "the bundle's messageDigest {claimed:?} does not match the input's digest {input:?}{covers_input}"
                )
            },
        ))
    }

    /// The message signature over the input: ECDSA and RSA over its digest,
    /// Ed25519 over its bytes.
    fn verify_message_signature(
        &self,
        input: &Digest,
        artifact: Option<&Artifact>,
        sig: &MessageSignature<'_>,
    ) -> Result<(), SignatureFailure> {
        let c = self.crypto;
        let alg = message_algorithm(sig.kind, input.algorithm());
        match (alg, artifact) {
            (SignatureAlgorithm::Ed25519, Some(Artifact::Bytes(b))) => {
                c.verify(sig.spki, alg, b, sig.signature)
            }
            (SignatureAlgorithm::Ed25519, _) => {
                return Err(SignatureFailure::Unusable(Error::InvalidInput(
                    "an Ed25519 signature can only be verified against the artifact's bytes, not its digest".into(),
                )))
            }
            _ => c.verify_prehashed(sig.spki, alg, input, sig.signature),
        }
        .map_err(SignatureFailure::Invalid)
    }

    fn check_entry_body(
        &self,
        bundle: &Bundle,
        body: &tlog::EntryBody,
        verifier_der: &[u8],
        input_digest: Option<&Digest>,
        key: &KeySource<'_>,
    ) -> Result<()> {
        let r = match &bundle.content {
            Content::MessageSignature { digest, signature } => {
                // Step 3 made the two equal where both are known.
                let d = digest.as_ref().or(input_digest).ok_or_else(|| {
                    fail(Step::TlogEntry, "no digest to compare the log entry with")
                })?;
                tlog::check_hashedrekord(self.crypto, body, d, signature, verifier_der)
            }
            Content::Dsse(env) => {
                let sigs: Vec<Vec<u8>> = env.signatures.iter().map(|s| s.sig.clone()).collect();
                let input = tlog::DsseInput {
                    payload_type: &env.payload_type,
                    payload: &env.payload,
                    signatures: &sigs,
                };
                tlog::check_dsse(self.crypto, body, &input, verifier_der)
            }
        };
        r.map_err(|e| match (e, key) {
            // The key compared with is the caller's, not the bundle's.
            (tlog::TlogError::VerifierMismatch { entry, bundle, .. }, KeySource::Managed(_)) => {
                fail(
                    Step::TlogEntry,
                    format!(
                        "the log entry records another signing key ({entry}) than the key given for verification ({bundle})"
                    ),
                )
            }
            (e, _) => fail(Step::TlogEntry, e.to_string()),
        })
    }

    fn check_inclusion(
        &self,
        entry: &TlogEntry,
        proof: &crate::bundle::InclusionProof,
        log: &TransparencyLog,
        version: tlog::RekorVersion,
    ) -> Result<()> {
        let c = self.crypto;
        tlog::check_log_index(version, entry.log_index, proof.log_index)?;
        let leaf = tlog::leaf_hash(c, &entry.body);
        tlog::verify_inclusion(
            c,
            &leaf,
            proof.log_index,
            proof.tree_size,
            &proof.hashes,
            &proof.root_hash,
        )
        .map_err(|e| fail(Step::InclusionProof, e.to_string()))?;
        if let Some(note) = &proof.checkpoint {
            let cp = tlog::verify_checkpoint(c, note, log, version)?;
            if cp.root_hash != proof.root_hash {
                return Err(fail(
                    Step::Checkpoint,
                    format!(
                        "checkpoint root hash {} differs from the inclusion proof's {}",
                        hex::encode(cp.root_hash),
                        hex::encode(proof.root_hash)
                    ),
                ));
            }
            if cp.tree_size != proof.tree_size {
                return Err(fail(
                    Step::Checkpoint,
                    format!(
                        "checkpoint tree size {} differs from the inclusion proof's {}",
                        cp.tree_size, proof.tree_size
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The algorithm an artifact's bytes are hashed with to compare them with
/// what `bundle` signs: its `messageDigest`'s, else (v0.1/v0.2 bundles and
/// detached signatures state none) that of the digest its hashedrekord
/// entry records, else SHA-256 (DSSE: in-toto subjects are compared by
/// their SHA-256 digests). The log entry is checked against the bundle in
/// step 4, so an entry naming another algorithm than the signature covers
/// is still rejected.
pub fn input_hash_algorithm(bundle: &Bundle) -> HashAlgorithm {
    let entry = &bundle.tlog_entry;
    let body = tlog::parse_body(&entry.body, &entry.kind, &entry.version);
    signed_algorithm(
        bundle,
        body.as_ref().ok().and_then(|b| b.hashedrekord_digest()),
    )
}

fn signed_algorithm(bundle: &Bundle, logged: Option<&Digest>) -> HashAlgorithm {
    match &bundle.content {
        Content::MessageSignature { digest, .. } => digest
            .as_ref()
            .or(logged)
            .map_or(HashAlgorithm::Sha256, Digest::algorithm),
        Content::Dsse(_) => HashAlgorithm::Sha256,
    }
}

/// The scheme of a hashedrekord signature: ECDSA and RSA sign the message
/// digest the bundle names (SHA-256 in practice) whatever the curve.
fn message_algorithm(kind: KeyKind, h: HashAlgorithm) -> SignatureAlgorithm {
    match kind {
        KeyKind::EcP256 | KeyKind::EcP384 => SignatureAlgorithm::Ecdsa(h),
        KeyKind::Ed25519 => SignatureAlgorithm::Ed25519,
        KeyKind::Rsa => SignatureAlgorithm::RsaPkcs1(h),
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_conformance;
