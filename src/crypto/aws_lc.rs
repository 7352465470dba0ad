//! aws-lc-rs backend (the default).

use super::{
    check_pair, key_kind, prehash_algorithm, CryptoBackend, CryptoError, Digest, HashAlgorithm,
    Hasher, KeyKind, SignatureAlgorithm,
};
use aws_lc_rs::{digest, signature};

/// The aws-lc-rs backend (AWS-LC, a BoringSSL fork with assembly for
/// ECDSA and SHA-2).
#[derive(Debug, Clone, Copy, Default)]
pub struct AwsLc;

fn digest_alg(h: HashAlgorithm) -> &'static digest::Algorithm {
    match h {
        HashAlgorithm::Sha256 => &digest::SHA256,
        HashAlgorithm::Sha384 => &digest::SHA384,
        HashAlgorithm::Sha512 => &digest::SHA512,
    }
}

fn verification_alg(
    kind: KeyKind,
    algorithm: SignatureAlgorithm,
) -> Result<&'static dyn signature::VerificationAlgorithm, CryptoError> {
    use HashAlgorithm::*;
    check_pair(kind, algorithm)?;
    Ok(match (kind, algorithm) {
        (KeyKind::EcP256, SignatureAlgorithm::Ecdsa(Sha256)) => &signature::ECDSA_P256_SHA256_ASN1,
        (KeyKind::EcP256, SignatureAlgorithm::Ecdsa(Sha384)) => &signature::ECDSA_P256_SHA384_ASN1,
        (KeyKind::EcP256, SignatureAlgorithm::Ecdsa(Sha512)) => &signature::ECDSA_P256_SHA512_ASN1,
        (KeyKind::EcP384, SignatureAlgorithm::Ecdsa(Sha256)) => &signature::ECDSA_P384_SHA256_ASN1,
        (KeyKind::EcP384, SignatureAlgorithm::Ecdsa(Sha384)) => &signature::ECDSA_P384_SHA384_ASN1,
        (KeyKind::EcP384, SignatureAlgorithm::Ecdsa(Sha512)) => &signature::ECDSA_P384_SHA512_ASN1,
        (KeyKind::Ed25519, SignatureAlgorithm::Ed25519) => &signature::ED25519,
        (KeyKind::Rsa, SignatureAlgorithm::RsaPkcs1(Sha256)) => {
            &signature::RSA_PKCS1_2048_8192_SHA256
        }
        (KeyKind::Rsa, SignatureAlgorithm::RsaPkcs1(Sha384)) => {
            &signature::RSA_PKCS1_2048_8192_SHA384
        }
        (KeyKind::Rsa, SignatureAlgorithm::RsaPkcs1(Sha512)) => {
            &signature::RSA_PKCS1_2048_8192_SHA512
        }
        (KeyKind::Rsa, SignatureAlgorithm::RsaPss(Sha256)) => &signature::RSA_PSS_2048_8192_SHA256,
        (KeyKind::Rsa, SignatureAlgorithm::RsaPss(Sha384)) => &signature::RSA_PSS_2048_8192_SHA384,
        (KeyKind::Rsa, SignatureAlgorithm::RsaPss(Sha512)) => &signature::RSA_PSS_2048_8192_SHA512,
        _ => {
            return Err(CryptoError::AlgorithmMismatch {
                key: kind,
                algorithm,
            })
        }
    })
}

struct AwsHasher(digest::Context, HashAlgorithm);

impl Hasher for AwsHasher {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    fn finish(self: Box<Self>) -> Digest {
        let alg = self.1;
        let d = self.0.finish();
        Digest {
            algorithm: alg,
            bytes: d.as_ref().to_vec(),
        }
    }
}

impl CryptoBackend for AwsLc {
    fn name(&self) -> &'static str {
        "aws-lc-rs"
    }

    fn hasher(&self, algorithm: HashAlgorithm) -> Box<dyn Hasher> {
        Box::new(AwsHasher(
            digest::Context::new(digest_alg(algorithm)),
            algorithm,
        ))
    }

    fn verify(
        &self,
        spki_der: &[u8],
        algorithm: SignatureAlgorithm,
        message: &[u8],
        sig: &[u8],
    ) -> Result<(), CryptoError> {
        let kind = key_kind(spki_der)?;
        let alg = verification_alg(kind, algorithm)?;
        signature::UnparsedPublicKey::new(alg, spki_der)
            .verify(message, sig)
            .map_err(|_| CryptoError::BadSignature)
    }

    fn verify_prehashed(
        &self,
        spki_der: &[u8],
        algorithm: SignatureAlgorithm,
        digest_in: &Digest,
        sig: &[u8],
    ) -> Result<(), CryptoError> {
        let h = prehash_algorithm(algorithm)?;
        if digest_in.algorithm != h {
            return Err(CryptoError::BadDigestLength {
                algorithm: h.name(),
                expected: h.output_len(),
                actual: digest_in.bytes.len(),
            });
        }
        let kind = key_kind(spki_der)?;
        let alg = verification_alg(kind, algorithm)?;
        let d =
            digest::Digest::import_less_safe(&digest_in.bytes, digest_alg(h)).map_err(|_| {
                CryptoError::BadDigestLength {
                    algorithm: h.name(),
                    expected: h.output_len(),
                    actual: digest_in.bytes.len(),
                }
            })?;
        signature::UnparsedPublicKey::new(alg, spki_der)
            .verify_digest(&d, sig)
            .map_err(|_| CryptoError::BadSignature)
    }

    fn generate_p256(&self) -> Result<Box<dyn super::SigningKey>, CryptoError> {
        self.generate_p256_key()
    }
}

/// An ephemeral P-256 key in aws-lc.
struct AwsP256 {
    key: signature::EcdsaKeyPair,
    spki: Vec<u8>,
}

impl super::SigningKey for AwsP256 {
    fn public_key_spki(&self) -> &[u8] {
        &self.spki
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha256)
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.key
            .sign(&rng, message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| CryptoError::Signing("aws-lc ECDSA signing failed".into()))
    }

    fn sign_prehashed(&self, d: &Digest) -> Result<Vec<u8>, CryptoError> {
        if d.algorithm != HashAlgorithm::Sha256 {
            return Err(CryptoError::Signing(format!(
                "a P-256 key signs SHA-256 digests, not {}",
                d.algorithm.name()
            )));
        }
        let digest = digest::Digest::import_less_safe(&d.bytes, &digest::SHA256)
            .map_err(|_| CryptoError::Signing("cannot import the digest".into()))?;
        self.key
            .sign_digest(&digest)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| CryptoError::Signing("aws-lc ECDSA signing failed".into()))
    }
}

impl AwsLc {
    pub(super) fn generate_p256_key(&self) -> Result<Box<dyn super::SigningKey>, CryptoError> {
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::signature::KeyPair;
        let key = signature::EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_ASN1_SIGNING)
            .map_err(|_| CryptoError::Signing("aws-lc P-256 key generation failed".into()))?;
        let spki = key
            .public_key()
            .as_der()
            .map_err(|_| CryptoError::Signing("cannot encode the P-256 public key".into()))?
            .as_ref()
            .to_vec();
        Ok(Box::new(AwsP256 { key, spki }))
    }
}
