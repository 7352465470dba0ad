use super::rust_crypto::RustCrypto;
use super::*;
use crate::test_support::expect_err;
use ecdsa::signature::hazmat::PrehashSigner;
use ecdsa::signature::Signer;
use spki::EncodePublicKey;

fn p256_key() -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).expect("key")
}

fn p384_key() -> p384::ecdsa::SigningKey {
    p384::ecdsa::SigningKey::from_slice(&[9u8; 48]).expect("key")
}

fn spki_p256() -> Vec<u8> {
    p256_key()
        .verifying_key()
        .to_public_key_der()
        .expect("der")
        .into_vec()
}

fn spki_p384() -> Vec<u8> {
    p384_key()
        .verifying_key()
        .to_public_key_der()
        .expect("der")
        .into_vec()
}

#[test]
fn key_kinds() {
    assert_eq!(key_kind(&spki_p256()), Ok(KeyKind::EcP256));
    assert_eq!(key_kind(&spki_p384()), Ok(KeyKind::EcP384));
    let ed = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
    let der =
        ed25519_dalek::pkcs8::EncodePublicKey::to_public_key_der(&ed.verifying_key()).expect("der");
    assert_eq!(key_kind(der.as_bytes()), Ok(KeyKind::Ed25519));
    expect_err!(key_kind(b"junk"), CryptoError::BadKey(_));
}

#[test]
fn digests_agree() {
    for b in all_backends() {
        let d = b.digest(HashAlgorithm::Sha256, b"abc");
        assert_eq!(
            d.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "{}",
            b.name()
        );
        let mut h = b.hasher(HashAlgorithm::Sha384);
        h.update(b"a");
        h.update(b"bc");
        assert_eq!(
            h.finish().to_hex(),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
        );
    }
}

#[test]
fn ecdsa_p256_sha256() {
    let sig: p256::ecdsa::Signature = p256_key().sign(b"hello");
    let der = sig.to_der();
    let spki = spki_p256();
    let alg = SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha256);
    for b in all_backends() {
        assert_eq!(
            b.verify(&spki, alg, b"hello", der.as_bytes()),
            Ok(()),
            "{}",
            b.name()
        );
        assert_eq!(
            b.verify(&spki, alg, b"hellp", der.as_bytes()),
            Err(CryptoError::BadSignature),
            "{}",
            b.name()
        );
        let d = b.digest(HashAlgorithm::Sha256, b"hello");
        assert_eq!(b.verify_prehashed(&spki, alg, &d, der.as_bytes()), Ok(()));
        // Wrong digest algorithm for the scheme is refused, not misread.
        let d384 = b.digest(HashAlgorithm::Sha384, b"hello");
        assert!(b
            .verify_prehashed(&spki, alg, &d384, der.as_bytes())
            .is_err());
        // Garbage signature bytes are an error, not a panic.
        assert_eq!(
            b.verify(&spki, alg, b"hello", b"\x30\x00"),
            Err(CryptoError::BadSignature)
        );
        assert_eq!(
            b.verify(&spki, alg, b"hello", b""),
            Err(CryptoError::BadSignature)
        );
    }
}

#[test]
fn ecdsa_p384_sha384_and_cross_hash() {
    let spki = spki_p384();
    let sig: p384::ecdsa::Signature = p384_key().sign(b"payload");
    let der = sig.to_der();
    for b in all_backends() {
        let alg = SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha384);
        assert_eq!(
            b.verify(&spki, alg, b"payload", der.as_bytes()),
            Ok(()),
            "{}",
            b.name()
        );
        assert!(b
            .verify(
                &spki,
                SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha256),
                b"payload",
                der.as_bytes()
            )
            .is_err());
    }
    // P-256 key signing a SHA-384 digest (seen in certificate chains).
    let d = RustCrypto.digest(HashAlgorithm::Sha384, b"tbs");
    let sig: p256::ecdsa::Signature = p256_key().sign_prehash(d.as_bytes()).expect("sign");
    let der = sig.to_der();
    for b in all_backends() {
        let alg = SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha384);
        assert_eq!(
            b.verify(&spki_p256(), alg, b"tbs", der.as_bytes()),
            Ok(()),
            "{}",
            b.name()
        );
    }
}

#[test]
fn ed25519() {
    use ed25519_dalek::Signer as _;
    let sk = ed25519_dalek::SigningKey::from_bytes(&[5u8; 32]);
    let spki = ed25519_dalek::pkcs8::EncodePublicKey::to_public_key_der(&sk.verifying_key())
        .expect("der")
        .into_vec();
    let sig = sk.sign(b"note").to_bytes();
    for b in all_backends() {
        assert_eq!(
            b.verify(&spki, SignatureAlgorithm::Ed25519, b"note", &sig),
            Ok(()),
            "{}",
            b.name()
        );
        assert_eq!(
            b.verify(&spki, SignatureAlgorithm::Ed25519, b"nots", &sig),
            Err(CryptoError::BadSignature)
        );
        let d = b.digest(HashAlgorithm::Sha256, b"note");
        expect_err!(
            b.verify_prehashed(&spki, SignatureAlgorithm::Ed25519, &d, &sig),
            CryptoError::NoPrehash(_)
        );
        // Scheme/key mismatch is refused.
        expect_err!(
            b.verify(
                &spki,
                SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha256),
                b"note",
                &sig
            ),
            CryptoError::AlgorithmMismatch { .. }
        );
    }
}

#[test]
fn rsa_pkcs1_and_pss() {
    use rsa::pkcs8::EncodePublicKey as _;
    use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer as _};
    let mut rng = rand_core::OsRng;
    let sk = rsa::RsaPrivateKey::new(&mut rng, 2048).expect("rsa keygen");
    let spki = sk
        .to_public_key()
        .to_public_key_der()
        .expect("der")
        .into_vec();
    let pkcs1 = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(sk.clone());
    let sig = pkcs1.sign(b"root").to_vec();
    let pss = rsa::pss::SigningKey::<sha2::Sha256>::new(sk);
    let pss_sig = pss.sign_with_rng(&mut rng, b"root").to_vec();
    for b in all_backends() {
        let alg = SignatureAlgorithm::RsaPkcs1(HashAlgorithm::Sha256);
        assert_eq!(b.verify(&spki, alg, b"root", &sig), Ok(()), "{}", b.name());
        assert_eq!(
            b.verify(&spki, alg, b"rooT", &sig),
            Err(CryptoError::BadSignature)
        );
        let palg = SignatureAlgorithm::RsaPss(HashAlgorithm::Sha256);
        assert_eq!(
            b.verify(&spki, palg, b"root", &pss_sig),
            Ok(()),
            "{}",
            b.name()
        );
        assert_eq!(
            b.verify(&spki, palg, b"root", &sig),
            Err(CryptoError::BadSignature)
        );
    }
}

#[test]
fn ephemeral_keys_sign_and_every_backend_verifies() {
    let alg = SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha256);
    for signer in all_backends() {
        let key = signer.generate_p256().expect("key generation");
        assert_eq!(key.algorithm(), alg);
        assert_eq!(key_kind(key.public_key_spki()), Ok(KeyKind::EcP256));
        let sig = key.sign(b"message").expect("sign");
        let digest = signer.digest(HashAlgorithm::Sha256, b"artifact");
        let pre = key.sign_prehashed(&digest).expect("sign prehashed");
        let d384 = signer.digest(HashAlgorithm::Sha384, b"artifact");
        assert!(key.sign_prehashed(&d384).is_err());
        for verifier in all_backends() {
            let spki = key.public_key_spki();
            assert_eq!(verifier.verify(spki, alg, b"message", &sig), Ok(()));
            assert_eq!(verifier.verify_prehashed(spki, alg, &digest, &pre), Ok(()));
            assert_eq!(verifier.verify(spki, alg, b"artifact", &pre), Ok(()));
            assert_eq!(
                verifier.verify(spki, alg, b"other", &sig),
                Err(CryptoError::BadSignature)
            );
        }
        // Two keys are never the same key.
        let other = signer.generate_p256().expect("key generation");
        assert_ne!(other.public_key_spki(), key.public_key_spki());
    }
    assert_ne!(
        random_bytes(16).expect("rng"),
        random_bytes(16).expect("rng")
    );
}
