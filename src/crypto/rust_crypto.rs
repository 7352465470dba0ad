//! Pure-Rust backend (RustCrypto crates). Always compiled; the default only
//! when the `aws-lc` feature is off.

use super::{
    check_pair, key_kind, prehash_algorithm, CryptoBackend, CryptoError, Digest, HashAlgorithm,
    Hasher, KeyKind, SignatureAlgorithm,
};
use sha2::Digest as _;

/// The RustCrypto backend: portable, no C or assembly to build.
#[derive(Debug, Clone, Copy, Default)]
pub struct RustCrypto;

enum AnyHasher {
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher for AnyHasher {
    fn update(&mut self, data: &[u8]) {
        match self {
            AnyHasher::Sha256(h) => h.update(data),
            AnyHasher::Sha384(h) => h.update(data),
            AnyHasher::Sha512(h) => h.update(data),
        }
    }

    fn finish(self: Box<Self>) -> Digest {
        let (algorithm, bytes) = match *self {
            AnyHasher::Sha256(h) => (HashAlgorithm::Sha256, h.finalize().to_vec()),
            AnyHasher::Sha384(h) => (HashAlgorithm::Sha384, h.finalize().to_vec()),
            AnyHasher::Sha512(h) => (HashAlgorithm::Sha512, h.finalize().to_vec()),
        };
        Digest { algorithm, bytes }
    }
}

fn bad_key<E: std::fmt::Display>(e: E) -> CryptoError {
    CryptoError::BadKey(e.to_string())
}

fn verify_ecdsa_prehash(
    kind: KeyKind,
    spki_der: &[u8],
    digest: &[u8],
    sig: &[u8],
) -> Result<(), CryptoError> {
    use ecdsa::signature::hazmat::PrehashVerifier;
    use spki::DecodePublicKey;
    match kind {
        KeyKind::EcP256 => {
            let key = p256::ecdsa::VerifyingKey::from_public_key_der(spki_der).map_err(bad_key)?;
            let s = p256::ecdsa::Signature::from_der(sig).map_err(|_| CryptoError::BadSignature)?;
            key.verify_prehash(digest, &s)
                .map_err(|_| CryptoError::BadSignature)
        }
        KeyKind::EcP384 => {
            let key = p384::ecdsa::VerifyingKey::from_public_key_der(spki_der).map_err(bad_key)?;
            let s = p384::ecdsa::Signature::from_der(sig).map_err(|_| CryptoError::BadSignature)?;
            key.verify_prehash(digest, &s)
                .map_err(|_| CryptoError::BadSignature)
        }
        _ => Err(CryptoError::AlgorithmMismatch {
            key: kind,
            algorithm: SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha256),
        }),
    }
}

fn verify_rsa_prehash(
    spki_der: &[u8],
    algorithm: SignatureAlgorithm,
    digest: &[u8],
    sig: &[u8],
) -> Result<(), CryptoError> {
    use rsa::pkcs8::DecodePublicKey;
    let key = rsa::RsaPublicKey::from_public_key_der(spki_der).map_err(bad_key)?;
    // Same floor as aws-lc-rs's RSA_*_2048_8192 algorithms.
    let bits = rsa::traits::PublicKeyParts::size(&key) * 8;
    if !(2048..=8192).contains(&bits) {
        return Err(CryptoError::UnsupportedKey(format!("{bits}-bit RSA key")));
    }
    let r = match algorithm {
        SignatureAlgorithm::RsaPkcs1(HashAlgorithm::Sha256) => {
            key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), digest, sig)
        }
        SignatureAlgorithm::RsaPkcs1(HashAlgorithm::Sha384) => {
            key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha384>(), digest, sig)
        }
        SignatureAlgorithm::RsaPkcs1(HashAlgorithm::Sha512) => {
            key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha512>(), digest, sig)
        }
        SignatureAlgorithm::RsaPss(HashAlgorithm::Sha256) => {
            key.verify(rsa::Pss::new::<sha2::Sha256>(), digest, sig)
        }
        SignatureAlgorithm::RsaPss(HashAlgorithm::Sha384) => {
            key.verify(rsa::Pss::new::<sha2::Sha384>(), digest, sig)
        }
        SignatureAlgorithm::RsaPss(HashAlgorithm::Sha512) => {
            key.verify(rsa::Pss::new::<sha2::Sha512>(), digest, sig)
        }
        _ => {
            return Err(CryptoError::AlgorithmMismatch {
                key: KeyKind::Rsa,
                algorithm,
            })
        }
    };
    r.map_err(|_| CryptoError::BadSignature)
}

impl CryptoBackend for RustCrypto {
    fn name(&self) -> &'static str {
        "rustcrypto"
    }

    fn hasher(&self, algorithm: HashAlgorithm) -> Box<dyn Hasher> {
        Box::new(match algorithm {
            HashAlgorithm::Sha256 => AnyHasher::Sha256(sha2::Sha256::new()),
            HashAlgorithm::Sha384 => AnyHasher::Sha384(sha2::Sha384::new()),
            HashAlgorithm::Sha512 => AnyHasher::Sha512(sha2::Sha512::new()),
        })
    }

    fn verify(
        &self,
        spki_der: &[u8],
        algorithm: SignatureAlgorithm,
        message: &[u8],
        sig: &[u8],
    ) -> Result<(), CryptoError> {
        let kind = key_kind(spki_der)?;
        check_pair(kind, algorithm)?;
        if let SignatureAlgorithm::Ed25519 = algorithm {
            use ed25519_dalek::pkcs8::DecodePublicKey;
            let key =
                ed25519_dalek::VerifyingKey::from_public_key_der(spki_der).map_err(bad_key)?;
            let s =
                ed25519_dalek::Signature::from_slice(sig).map_err(|_| CryptoError::BadSignature)?;
            return key
                .verify_strict(message, &s)
                .map_err(|_| CryptoError::BadSignature);
        }
        let h = prehash_algorithm(algorithm)?;
        let digest = self.digest(h, message);
        self.verify_prehashed(spki_der, algorithm, &digest, sig)
    }

    fn verify_prehashed(
        &self,
        spki_der: &[u8],
        algorithm: SignatureAlgorithm,
        digest: &Digest,
        sig: &[u8],
    ) -> Result<(), CryptoError> {
        let h = prehash_algorithm(algorithm)?;
        if digest.algorithm != h {
            return Err(CryptoError::BadDigestLength {
                algorithm: h.name(),
                expected: h.output_len(),
                actual: digest.bytes.len(),
            });
        }
        let kind = key_kind(spki_der)?;
        check_pair(kind, algorithm)?;
        match kind {
            KeyKind::EcP256 | KeyKind::EcP384 => {
                verify_ecdsa_prehash(kind, spki_der, &digest.bytes, sig)
            }
            KeyKind::Rsa => verify_rsa_prehash(spki_der, algorithm, &digest.bytes, sig),
            KeyKind::Ed25519 => Err(CryptoError::NoPrehash(algorithm)),
        }
    }

    fn generate_p256(&self) -> Result<Box<dyn super::SigningKey>, CryptoError> {
        use p256::pkcs8::EncodePublicKey;
        let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let spki = key
            .verifying_key()
            .to_public_key_der()
            .map_err(|e| CryptoError::Signing(format!("cannot encode the P-256 public key: {e}")))?
            .as_bytes()
            .to_vec();
        Ok(Box::new(RcP256 { key, spki }))
    }
}

/// An ephemeral P-256 key in RustCrypto.
struct RcP256 {
    key: p256::ecdsa::SigningKey,
    spki: Vec<u8>,
}

impl super::SigningKey for RcP256 {
    fn public_key_spki(&self) -> &[u8] {
        &self.spki
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha256)
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let digest = RustCrypto.digest(HashAlgorithm::Sha256, message);
        self.sign_prehashed(&digest)
    }

    fn sign_prehashed(&self, d: &Digest) -> Result<Vec<u8>, CryptoError> {
        use p256::ecdsa::signature::hazmat::PrehashSigner;
        if d.algorithm != HashAlgorithm::Sha256 {
            return Err(CryptoError::Signing(format!(
                "a P-256 key signs SHA-256 digests, not {}",
                d.algorithm.name()
            )));
        }
        let sig: p256::ecdsa::Signature = self
            .key
            .sign_prehash(&d.bytes)
            .map_err(|e| CryptoError::Signing(format!("ECDSA signing failed: {e}")))?;
        Ok(sig.to_der().as_bytes().to_vec())
    }
}
