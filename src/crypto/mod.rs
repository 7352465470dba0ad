//! The crypto seam: every signature verification and digest in the crate goes
//! through [`CryptoBackend`]. Two implementations exist:
//!
//! * `aws_lc::AwsLc` (Cargo feature `aws-lc`, the default): aws-lc-rs, about
//!   6x faster than RustCrypto for ECDSA verification on this class of machine.
//! * [`rust_crypto::RustCrypto`]: pure Rust (p256, p384, ecdsa, ed25519-dalek,
//!   rsa, sha2), always compiled, used when `aws-lc` is off (targets where
//!   aws-lc does not build) and in tests so both backends run the same vectors.
//!
//! Public keys cross the seam as DER `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7),
//! which is what trusted roots, certificates and PEM `PUBLIC KEY` blocks hold.

#[cfg(feature = "aws-lc")]
pub mod aws_lc;
pub mod rust_crypto;

use thiserror::Error;
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

/// Digest algorithms used by Sigstore material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// SHA-256 (FIPS 180-4): artifact digests, Merkle trees, log IDs.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// The digest length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
            HashAlgorithm::Sha512 => 64,
        }
    }

    /// The lowercase name used in `sha256:<hex>` strings and in-toto subjects.
    pub fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Sha384 => "sha384",
            HashAlgorithm::Sha512 => "sha512",
        }
    }

    /// The name in prose, for messages ("SHA-256").
    pub fn prose_name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "SHA-256",
            HashAlgorithm::Sha384 => "SHA-384",
            HashAlgorithm::Sha512 => "SHA-512",
        }
    }
}

/// A computed (or caller-supplied) digest, tagged with its algorithm.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Digest {
    algorithm: HashAlgorithm,
    bytes: Vec<u8>,
}

impl Digest {
    /// Wraps digest bytes; fails if the length does not match the algorithm.
    pub fn new(algorithm: HashAlgorithm, bytes: Vec<u8>) -> Result<Self, CryptoError> {
        if bytes.len() != algorithm.output_len() {
            return Err(CryptoError::BadDigestLength {
                algorithm: algorithm.name(),
                expected: algorithm.output_len(),
                actual: bytes.len(),
            });
        }
        Ok(Digest { algorithm, bytes })
    }

    /// The algorithm.
    pub fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }

    /// The raw digest bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The digest in lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(&self.bytes)
    }
}

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.algorithm.name(), self.to_hex())
    }
}

/// How a signature was made. The key type (P-256, P-384, Ed25519, RSA) comes
/// from the public key itself; this names the scheme and digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// ECDSA, ASN.1 DER-encoded signature (RFC 3279 §2.2.3).
    Ecdsa(HashAlgorithm),
    /// Ed25519 over the whole message (RFC 8032); cannot be prehashed.
    Ed25519,
    /// RSASSA-PKCS1-v1_5 (RFC 8017 §8.2).
    RsaPkcs1(HashAlgorithm),
    /// RSASSA-PSS with MGF1 over the same hash and salt length = hash length.
    RsaPss(HashAlgorithm),
}

/// The kind of key a SubjectPublicKeyInfo holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// ECDSA on NIST P-256 (secp256r1): Fulcio leaves, Rekor, CT logs.
    EcP256,
    /// ECDSA on NIST P-384: Fulcio's intermediate and root CAs.
    EcP384,
    /// Ed25519 (RFC 8032).
    Ed25519,
    /// RSA, any modulus size the backend accepts.
    Rsa,
}

impl KeyKind {
    /// The signature scheme Sigstore uses by default for artifact signatures
    /// made with this kind of key (protobuf-specs `PublicKeyDetails`).
    pub fn default_signature_algorithm(self) -> SignatureAlgorithm {
        match self {
            KeyKind::EcP256 => SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha256),
            KeyKind::EcP384 => SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha384),
            KeyKind::Ed25519 => SignatureAlgorithm::Ed25519,
            KeyKind::Rsa => SignatureAlgorithm::RsaPkcs1(HashAlgorithm::Sha256),
        }
    }
}

const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_ED25519: &str = "1.3.101.112";
const OID_RSA: &str = "1.2.840.113549.1.1.1";

/// Classifies a DER SubjectPublicKeyInfo by its algorithm identifier.
pub fn key_kind(spki_der: &[u8]) -> Result<KeyKind, CryptoError> {
    let (rest, spki) = SubjectPublicKeyInfo::from_der(spki_der)
        .map_err(|e| CryptoError::BadKey(format!("not a DER SubjectPublicKeyInfo: {e}")))?;
    if !rest.is_empty() {
        return Err(CryptoError::BadKey(
            "trailing bytes after SubjectPublicKeyInfo".into(),
        ));
    }
    let alg = spki.algorithm.algorithm.to_id_string();
    match alg.as_str() {
        OID_EC_PUBLIC_KEY => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string())
                .ok_or_else(|| CryptoError::BadKey("EC key without a named curve".into()))?;
            match curve.as_str() {
                OID_P256 => Ok(KeyKind::EcP256),
                OID_P384 => Ok(KeyKind::EcP384),
                other => Err(CryptoError::UnsupportedKey(format!("EC curve {other}"))),
            }
        }
        OID_ED25519 => Ok(KeyKind::Ed25519),
        OID_RSA => Ok(KeyKind::Rsa),
        other => Err(CryptoError::UnsupportedKey(format!(
            "public key algorithm {other}"
        ))),
    }
}

/// Why a cryptographic operation failed. The verifier wraps these in
/// [`crate::Error::Verification`] with the step that needed the operation.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CryptoError {
    /// The key's DER does not parse.
    #[error("malformed public key: {0}")]
    BadKey(String),
    /// The key parses but is of a kind or curve this crate does not verify with.
    #[error("unsupported key: {0}")]
    UnsupportedKey(String),
    /// The signature scheme does not fit the key.
    #[error("{algorithm:?} cannot be used with a {key:?} key")]
    AlgorithmMismatch {
        /// The key's kind.
        key: KeyKind,
        /// The scheme asked for.
        algorithm: SignatureAlgorithm,
    },
    /// Ed25519 cannot verify a digest in place of the message.
    #[error("{0:?} signatures cannot be verified over a precomputed digest")]
    NoPrehash(SignatureAlgorithm),
    /// A digest has the wrong length for its algorithm.
    #[error("{algorithm} digest must be {expected} bytes, got {actual}")]
    BadDigestLength {
        /// The algorithm's name.
        algorithm: &'static str,
        /// Its output length.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// The signature is malformed or does not verify with the key.
    #[error("signature does not verify")]
    BadSignature,
    /// Key generation, signing or the OS random number generator failed.
    #[error("signing failed: {0}")]
    Signing(String),
}

/// A private key held only in memory, for one signing session (Sigstore
/// keyless signing: the key lives as long as its short-lived certificate).
/// ECDSA signatures come out ASN.1 DER-encoded (RFC 3279 §2.2.3).
pub trait SigningKey: Send + Sync {
    /// The public key as DER SubjectPublicKeyInfo.
    fn public_key_spki(&self) -> &[u8];
    /// The scheme [`Self::sign`] uses.
    fn algorithm(&self) -> SignatureAlgorithm;
    /// Signs `message` (hashed with the scheme's digest).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// Signs a message whose digest is `digest` (of the scheme's algorithm).
    fn sign_prehashed(&self, digest: &Digest) -> Result<Vec<u8>, CryptoError>;
}

/// Random bytes from the operating system.
pub(crate) fn random_bytes(n: usize) -> Result<Vec<u8>, CryptoError> {
    use rand_core::RngCore as _;
    let mut out = vec![0u8; n];
    rand_core::OsRng
        .try_fill_bytes(&mut out)
        .map_err(|e| CryptoError::Signing(format!("the OS random number generator failed: {e}")))?;
    Ok(out)
}

/// Incremental hashing, for streaming large files.
pub trait Hasher: Send {
    /// Feeds more data.
    fn update(&mut self, data: &[u8]);
    /// The digest of everything fed.
    fn finish(self: Box<Self>) -> Digest;
}

/// The one interface to cryptography. Implemented by the backends in this
/// module; a caller may implement it too (to count or record operations, as
/// `bench/floor.rs` does) and hand it to [`crate::Verifier::with_backend`].
pub trait CryptoBackend: Send + Sync + std::fmt::Debug {
    /// The backend's name, for diagnostics (`"aws-lc-rs"`, `"rustcrypto"`).
    fn name(&self) -> &'static str;

    /// A fresh incremental hasher.
    fn hasher(&self, algorithm: HashAlgorithm) -> Box<dyn Hasher>;

    /// The digest of `data` in one call.
    fn digest(&self, algorithm: HashAlgorithm, data: &[u8]) -> Digest {
        let mut h = self.hasher(algorithm);
        h.update(data);
        h.finish()
    }

    /// Verifies `signature` over `message` with the key in `spki_der`.
    fn verify(
        &self,
        spki_der: &[u8],
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError>;

    /// Verifies `signature` over a message whose digest is `digest`
    /// (the digest algorithm must be the one `algorithm` names).
    fn verify_prehashed(
        &self,
        spki_der: &[u8],
        algorithm: SignatureAlgorithm,
        digest: &Digest,
        signature: &[u8],
    ) -> Result<(), CryptoError>;

    /// A fresh P-256 key (ECDSA with SHA-256) from OS randomness: the
    /// ephemeral key Sigstore clients sign with.
    fn generate_p256(&self) -> Result<Box<dyn SigningKey>, CryptoError>;
}

/// The backend the crate uses unless a caller picks one.
pub fn default_backend() -> &'static dyn CryptoBackend {
    #[cfg(feature = "aws-lc")]
    {
        &aws_lc::AwsLc
    }
    #[cfg(not(feature = "aws-lc"))]
    {
        &rust_crypto::RustCrypto
    }
}

/// Every backend compiled into this build (tests run their vectors on each).
pub fn all_backends() -> Vec<&'static dyn CryptoBackend> {
    vec![
        #[cfg(feature = "aws-lc")]
        &aws_lc::AwsLc,
        &rust_crypto::RustCrypto,
    ]
}

pub(crate) fn check_pair(kind: KeyKind, algorithm: SignatureAlgorithm) -> Result<(), CryptoError> {
    let ok = matches!(
        (kind, algorithm),
        (
            KeyKind::EcP256 | KeyKind::EcP384,
            SignatureAlgorithm::Ecdsa(_)
        ) | (KeyKind::Ed25519, SignatureAlgorithm::Ed25519)
            | (
                KeyKind::Rsa,
                SignatureAlgorithm::RsaPkcs1(_) | SignatureAlgorithm::RsaPss(_)
            )
    );
    if ok {
        Ok(())
    } else {
        Err(CryptoError::AlgorithmMismatch {
            key: kind,
            algorithm,
        })
    }
}

pub(crate) fn prehash_algorithm(
    algorithm: SignatureAlgorithm,
) -> Result<HashAlgorithm, CryptoError> {
    match algorithm {
        SignatureAlgorithm::Ecdsa(h)
        | SignatureAlgorithm::RsaPkcs1(h)
        | SignatureAlgorithm::RsaPss(h) => Ok(h),
        SignatureAlgorithm::Ed25519 => Err(CryptoError::NoPrehash(algorithm)),
    }
}

#[cfg(test)]
mod tests;
