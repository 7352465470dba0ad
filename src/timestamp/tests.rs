#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::bundle::{Bundle, SigningMaterial};
use crate::crypto::all_backends;
use crate::der::write::{octets, seq, set_of, tlv, uint};
use crate::test_support::{assert_mentions, expect_err, fixtures, read};
use crate::trust::{TrustedRoot, Validity};
use p256::ecdsa::signature::Signer;
use p256::pkcs8::EncodePrivateKey;
use sha2::Digest as _;

// ---------------------------------------------------------------- DER writer
// TimeStampResps are assembled with the crate's DER writer.

fn oid(dotted: &str) -> Vec<u8> {
    crate::der::write::oid(dotted).unwrap()
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn sha256(data: &[u8]) -> Vec<u8> {
    sha2::Sha256::digest(data).to_vec()
}

// ---------------------------------------------------------------- test TSA

/// 2025-01-01T00:00:00Z
const T2025: i64 = 1_735_689_600;
const DAY: i64 = 86_400;

#[derive(Clone, Copy, PartialEq)]
enum Eku {
    Critical,
    NonCritical,
    Missing,
}

struct TestTsa {
    leaf_der: Vec<u8>,
    leaf_key: p256::ecdsa::SigningKey,
    ca: CertificateAuthority,
}

fn time(t: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(t).unwrap()
}

fn key_pair(sk: &p256::ecdsa::SigningKey) -> rcgen::KeyPair {
    let der = sk.to_pkcs8_der().unwrap();
    rcgen::KeyPair::try_from(der.as_bytes()).unwrap()
}

/// A root CA and a TSA leaf (valid `leaf_validity`), trusted for `window`.
fn make_tsa(eku: Eku, leaf_validity: (i64, i64), window: Validity) -> TestTsa {
    make_tsa_with_keys((7, 9), eku, leaf_validity, window)
}

/// Like `make_tsa`, with the root and leaf P-256 keys made from `seeds`.
fn make_tsa_with_keys(
    seeds: (u8, u8),
    eku: Eku,
    leaf_validity: (i64, i64),
    window: Validity,
) -> TestTsa {
    make_tsa_shaped(seeds, eku, leaf_validity, window, |_| {})
}

/// Like `make_tsa_with_keys`, with `shape` applied to the leaf's parameters
/// last.
fn make_tsa_shaped(
    seeds: (u8, u8),
    eku: Eku,
    leaf_validity: (i64, i64),
    window: Validity,
    shape: impl FnOnce(&mut rcgen::CertificateParams),
) -> TestTsa {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyUsagePurpose};
    let root_sk = p256::ecdsa::SigningKey::from_slice(&[seeds.0; 32]).unwrap();
    let leaf_sk = p256::ecdsa::SigningKey::from_slice(&[seeds.1; 32]).unwrap();
    let (root_kp, leaf_kp) = (key_pair(&root_sk), key_pair(&leaf_sk));

    let mut rp = CertificateParams::new(Vec::<String>::new()).unwrap();
    rp.distinguished_name
        .push(DnType::CommonName, "Test TSA Root");
    rp.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    rp.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    rp.not_before = time(T2025 - 1000 * DAY);
    rp.not_after = time(T2025 + 1000 * DAY);
    let root = rp.self_signed(&root_kp).unwrap();

    let mut lp = CertificateParams::new(Vec::<String>::new()).unwrap();
    lp.distinguished_name.push(DnType::CommonName, "Test TSA");
    lp.serial_number = Some(rcgen::SerialNumber::from_slice(&[0x8F, 0x01, 0x02]));
    lp.not_before = time(leaf_validity.0);
    lp.not_after = time(leaf_validity.1);
    lp.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    if eku != Eku::Missing {
        // SEQUENCE { id-kp-timeStamping }
        let content = seq(&[&oid("1.3.6.1.5.5.7.3.8")]);
        let mut ext = rcgen::CustomExtension::from_oid_content(&[2, 5, 29, 37], content);
        ext.set_criticality(eku == Eku::Critical);
        lp.custom_extensions.push(ext);
    }
    shape(&mut lp);
    let leaf = lp.signed_by(&leaf_kp, &root, &root_kp).unwrap();

    TestTsa {
        leaf_der: leaf.der().to_vec(),
        leaf_key: leaf_sk,
        ca: CertificateAuthority {
            uri: "https://tsa.test".into(),
            chain: vec![leaf.der().to_vec(), root.der().to_vec()],
            validity: window,
        },
    }
}

fn good_tsa() -> TestTsa {
    make_tsa(
        Eku::Critical,
        (T2025 - 100 * DAY, T2025 + 100 * DAY),
        Validity {
            start: T2025 - 10 * DAY,
            end: None,
        },
    )
}

const SIG: &[u8] = b"the bundle's signature bytes";

/// A trusted-root validity window that is always open.
const ALL_TIME: Validity = Validity {
    start: 0,
    end: None,
};

struct Spec {
    gen_time: String,
    imprint: Option<Vec<u8>>,
    message_digest: Option<Vec<u8>>,
    embed: bool,
    corrupt_signature: bool,
    status: u8,
    bare: bool,
    signing_cert_v2: Option<Vec<u8>>,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            gen_time: "20250101000000Z".into(),
            imprint: None,
            message_digest: None,
            embed: true,
            corrupt_signature: false,
            status: 0,
            bare: false,
            signing_cert_v2: None,
        }
    }
}

fn gen_time_string(t: i64) -> String {
    let dt = time(t);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        dt.year(),
        dt.month() as u8,
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// Assembles a TimeStampResp over `SIG` signed by the test TSA's leaf.
fn build_token(tsa: &TestTsa, spec: &Spec) -> Vec<u8> {
    use x509_parser::prelude::FromDer;
    let (_, leaf) = x509_parser::certificate::X509Certificate::from_der(&tsa.leaf_der).unwrap();
    let sha256_alg = seq(&[&oid(asn1::OID_SHA256), &[0x05, 0x00]]);
    let imprint = spec.imprint.clone().unwrap_or_else(|| sha256(SIG));
    let tst_info = seq(&[
        &uint(&[1]),
        &oid("1.2.3.4.1"),
        &seq(&[&sha256_alg, &octets(&imprint)]),
        &uint(&[0x42, 0x17]),
        &tlv(0x18, spec.gen_time.as_bytes()),
        &tlv(0x01, &[0xFF]),
        &uint(&[0x12, 0x34]),
    ]);
    let md = spec
        .message_digest
        .clone()
        .unwrap_or_else(|| sha256(&tst_info));
    let mut attrs = cat(&[
        &seq(&[
            &oid(asn1::OID_ATTR_CONTENT_TYPE),
            &set_of(&[&oid(asn1::OID_CT_TST_INFO)]),
        ]),
        &seq(&[
            &oid(asn1::OID_ATTR_MESSAGE_DIGEST),
            &set_of(&[&octets(&md)]),
        ]),
    ]);
    if let Some(h) = &spec.signing_cert_v2 {
        let id = seq(&[&octets(h)]);
        attrs.extend(seq(&[
            &oid(asn1::OID_ATTR_SIGNING_CERTIFICATE_V2),
            &set_of(&[&seq(&[&seq(&[&id])])]),
        ]));
    }
    let sig: p256::ecdsa::Signature = tsa.leaf_key.sign(&tlv(0x31, &attrs));
    let mut sig = sig.to_der().as_bytes().to_vec();
    if spec.corrupt_signature {
        let n = sig.len();
        sig[n - 3] ^= 0x01;
    }
    let signer_info = seq(&[
        &uint(&[1]),
        &seq(&[leaf.issuer().as_raw(), &uint(leaf.raw_serial())]),
        &sha256_alg,
        &tlv(0xA0, &attrs),
        &seq(&[&oid("1.2.840.10045.4.3.2")]),
        &octets(&sig),
    ]);
    let certs = if spec.embed {
        tlv(0xA0, &tsa.leaf_der)
    } else {
        Vec::new()
    };
    let signed_data = seq(&[
        &uint(&[3]),
        &set_of(&[&sha256_alg]),
        &seq(&[&oid(asn1::OID_CT_TST_INFO), &tlv(0xA0, &octets(&tst_info))]),
        &certs,
        &set_of(&[&signer_info]),
    ]);
    let content_info = seq(&[&oid(asn1::OID_SIGNED_DATA), &tlv(0xA0, &signed_data)]);
    if spec.bare {
        content_info
    } else {
        seq(&[&seq(&[&uint(&[spec.status])]), &content_info])
    }
}

fn verify_one(tsa: &TestTsa, spec: &Spec) -> Vec<Result<VerifiedTimestamp, TimestampError>> {
    let token = build_token(tsa, spec);
    all_backends()
        .into_iter()
        .map(|b| verify_timestamp(b, &token, SIG, std::slice::from_ref(&tsa.ca)))
        .collect()
}

// ---------------------------------------------------------------- made-up material

#[test]
fn happy_path_with_and_without_embedded_cert_and_bare_token() {
    let tsa = good_tsa();
    for spec in [
        Spec::default(),
        Spec {
            embed: false,
            ..Spec::default()
        },
        Spec {
            bare: true,
            ..Spec::default()
        },
        Spec {
            status: 1,
            signing_cert_v2: Some(sha256(&tsa.leaf_der)),
            ..Spec::default()
        },
    ] {
        for r in verify_one(&tsa, &spec) {
            assert_eq!(
                r.unwrap(),
                VerifiedTimestamp {
                    time: T2025,
                    tsa_index: 0
                }
            );
        }
    }
}

#[test]
fn parses_tst_info_fields() {
    let tsa = good_tsa();
    let t = parse_signed_timestamp(&build_token(&tsa, &Spec::default())).unwrap();
    assert_eq!(t.tst_info.gen_time, T2025);
    assert_eq!(t.tst_info.policy, "1.2.3.4.1");
    assert_eq!(t.tst_info.serial_number, vec![0x42, 0x17]);
    assert_eq!(t.tst_info.nonce, Some(vec![0x12, 0x34]));
    assert_eq!(t.tst_info.imprint_algorithm, HashAlgorithm::Sha256);
}

#[test]
fn status_not_granted_is_rejected() {
    let tsa = good_tsa();
    for r in verify_one(
        &tsa,
        &Spec {
            status: 2,
            ..Spec::default()
        },
    ) {
        expect_err!(r, TimestampError::NotGranted { status: 2, .. });
    }
}

#[test]
fn wrong_imprint_is_rejected() {
    let tsa = good_tsa();
    for r in verify_one(
        &tsa,
        &Spec {
            imprint: Some(sha256(b"another signature")),
            ..Spec::default()
        },
    ) {
        expect_err!(r, TimestampError::ImprintMismatch { .. });
    }
}

#[test]
fn wrong_message_digest_attribute_is_rejected() {
    let tsa = good_tsa();
    for r in verify_one(
        &tsa,
        &Spec {
            message_digest: Some(vec![0u8; 32]),
            ..Spec::default()
        },
    ) {
        expect_err!(r, TimestampError::MessageDigestMismatch { .. });
    }
}

#[test]
fn bad_signature_is_rejected() {
    let tsa = good_tsa();
    for embed in [true, false] {
        for r in verify_one(
            &tsa,
            &Spec {
                corrupt_signature: true,
                embed,
                ..Spec::default()
            },
        ) {
            expect_err!(r, TimestampError::BadSignature { .. });
        }
    }
}

#[test]
fn wrong_signing_certificate_v2_hash_is_rejected() {
    let tsa = good_tsa();
    for r in verify_one(
        &tsa,
        &Spec {
            signing_cert_v2: Some(vec![0xAB; 32]),
            ..Spec::default()
        },
    ) {
        expect_err!(r, TimestampError::SigningCertificateMismatch(_));
    }
}

#[test]
fn non_critical_or_missing_eku_is_rejected() {
    for eku in [Eku::NonCritical, Eku::Missing] {
        let tsa = make_tsa(eku, (T2025 - DAY, T2025 + DAY), ALL_TIME);
        for r in verify_one(&tsa, &Spec::default()) {
            expect_err!(r, TimestampError::BadExtendedKeyUsage { .. });
        }
    }
}

/// The signer certificate a token embeds, when the trusted root lists only
/// the TSA's CA, is held to the end-entity profile a Fulcio leaf is held to
/// (`x509::check_leaf_profile`, with timeStamping for codeSigning): not a
/// CA, keyUsage digitalSignature without keyCertSign, no critical extension
/// we do not understand. A CA-issued certificate that fails it is not a TSA
/// signing certificate, whatever its EKU says.
#[test]
fn embedded_signer_must_have_the_end_entity_profile() {
    use rcgen::{BasicConstraints, IsCa, KeyUsagePurpose};
    type Shape<'a> = &'a dyn Fn(&mut rcgen::CertificateParams);
    let shaped = |shape: Shape<'_>| {
        let mut tsa = make_tsa_shaped(
            (7, 9),
            Eku::Critical,
            (T2025 - DAY, T2025 + DAY),
            ALL_TIME,
            shape,
        );
        // The trusted root names the CA only: the signer comes from the token.
        tsa.ca.chain.remove(0);
        tsa
    };
    // The profile as it should be: verifies.
    for r in verify_one(&shaped(&|_| {}), &Spec::default()) {
        assert_eq!(r.unwrap().time, T2025);
    }
    let cases: [(&str, Shape<'_>, &str); 5] = [
        (
            "a CA",
            &|p| p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained),
            "cA TRUE",
        ),
        ("no keyUsage", &|p| p.key_usages.clear(), "no keyUsage"),
        (
            "keyUsage without digitalSignature",
            &|p| p.key_usages = vec![KeyUsagePurpose::ContentCommitment],
            "without digitalSignature",
        ),
        (
            "keyUsage with keyCertSign",
            &|p| p.key_usages.push(KeyUsagePurpose::KeyCertSign),
            "keyCertSign",
        ),
        (
            "an unknown critical extension",
            &|p| {
                let mut ext = rcgen::CustomExtension::from_oid_content(
                    &[1, 3, 6, 1, 4, 1, 99999, 1],
                    vec![0x05, 0x00],
                );
                ext.set_criticality(true);
                p.custom_extensions.push(ext);
            },
            "1.3.6.1.4.1.99999.1",
        ),
    ];
    for (what, shape, needle) in cases {
        for r in verify_one(&shaped(shape), &Spec::default()) {
            let e = expect_err!(r, TimestampError::SignerProfile { .. }, "{what}");
            assert_mentions(&e, &[needle]);
        }
    }
}

#[test]
fn gen_time_outside_leaf_validity_is_rejected() {
    let tsa = make_tsa(Eku::Critical, (T2025 - 10 * DAY, T2025 - DAY), ALL_TIME);
    for r in verify_one(&tsa, &Spec::default()) {
        expect_err!(r, TimestampError::CertificateNotValidAtTime { .. });
    }
}

#[test]
fn gen_time_outside_tsa_window_is_rejected_and_end_is_inclusive() {
    let window = |start, end| {
        make_tsa(
            Eku::Critical,
            (T2025 - 10 * DAY, T2025 + 10 * DAY),
            Validity {
                start,
                end: Some(end),
            },
        )
    };
    // Window ends one second before genTime.
    for r in verify_one(&window(T2025 - DAY, T2025 - 1), &Spec::default()) {
        expect_err!(r, TimestampError::OutsideTsaValidity { .. });
    }
    // Window starts one second after genTime.
    for r in verify_one(&window(T2025 + 1, T2025 + DAY), &Spec::default()) {
        expect_err!(r, TimestampError::OutsideTsaValidity { .. });
    }
    // genTime exactly at the (inclusive) end, and exactly at the start.
    for r in verify_one(&window(T2025 - DAY, T2025), &Spec::default()) {
        assert_eq!(r.unwrap().time, T2025);
    }
    for r in verify_one(&window(T2025, T2025 + DAY), &Spec::default()) {
        assert_eq!(r.unwrap().time, T2025);
    }
}

#[test]
fn untrusted_tsa_is_rejected_and_second_tsa_is_tried() {
    let tsa = good_tsa();
    // Another TSA whose leaf has a different key but the same names.
    let mut other = make_tsa(Eku::Critical, (T2025 - DAY, T2025 + DAY), ALL_TIME);
    other.leaf_key = p256::ecdsa::SigningKey::from_slice(&[3u8; 32]).unwrap();
    let token = build_token(&other, &Spec::default());
    for b in all_backends() {
        let r = verify_timestamp(b, &token, SIG, std::slice::from_ref(&tsa.ca));
        expect_err!(r, TimestampError::BadSignature { .. });
        expect_err!(
            verify_timestamp(b, &token, SIG, &[]),
            TimestampError::NoTimestampAuthorities
        );
        let good = build_token(&tsa, &Spec::default());
        let two = [other.ca.clone(), tsa.ca.clone()];
        assert_eq!(verify_timestamp(b, &good, SIG, &two).unwrap().tsa_index, 1);
    }
}

/// An impostor with the same names but its own keys embeds its leaf: the
/// signature verifies with the embedded certificate, but that certificate
/// is not the trusted leaf and the trusted chain did not issue it.
#[test]
fn embedded_impostor_certificate_is_untrusted() {
    let tsa = good_tsa();
    let impostor = make_tsa_with_keys(
        (11, 13),
        Eku::Critical,
        (T2025 - 100 * DAY, T2025 + 100 * DAY),
        ALL_TIME,
    );
    let token = build_token(&impostor, &Spec::default());
    for b in all_backends() {
        let r = verify_timestamp(b, &token, SIG, std::slice::from_ref(&tsa.ca));
        expect_err!(r, TimestampError::UntrustedChain(_));
        // The impostor's own root does vouch for it.
        let ok = verify_timestamp(b, &token, SIG, std::slice::from_ref(&impostor.ca));
        assert_eq!(ok.unwrap().time, T2025);
        // Without the embedded certificate, the trusted leaf is tried and
        // the signature does not verify with it.
        let bare = build_token(
            &impostor,
            &Spec {
                embed: false,
                ..Spec::default()
            },
        );
        let r = verify_timestamp(b, &bare, SIG, std::slice::from_ref(&tsa.ca));
        expect_err!(r, TimestampError::BadSignature { .. });
    }
}

#[test]
fn gen_time_with_fraction_is_truncated() {
    let tsa = good_tsa();
    for r in verify_one(
        &tsa,
        &Spec {
            gen_time: format!("{}.25Z", gen_time_string(T2025 + 5).trim_end_matches('Z')),
            ..Spec::default()
        },
    ) {
        assert_eq!(r.unwrap().time, T2025 + 5);
    }
}

#[test]
fn duplicate_and_too_many_tokens_are_rejected() {
    let tsa = good_tsa();
    let cas = std::slice::from_ref(&tsa.ca);
    let a = build_token(&tsa, &Spec::default());
    let b = build_token(
        &tsa,
        &Spec {
            gen_time: gen_time_string(T2025 + 60),
            ..Spec::default()
        },
    );
    for backend in all_backends() {
        assert_eq!(
            verify_timestamps(backend, &[a.clone(), b.clone()], SIG, cas).unwrap(),
            vec![T2025, T2025 + 60]
        );
        assert_eq!(
            verify_timestamps(backend, &[], SIG, cas).unwrap(),
            Vec::<i64>::new()
        );
        assert_eq!(
            verify_timestamps(backend, &[a.clone(), b.clone(), a.clone()], SIG, cas),
            Err(TimestampError::Duplicate {
                first: 0,
                second: 2
            })
        );
        let many: Vec<Vec<u8>> = (0..33)
            .map(|i| {
                build_token(
                    &tsa,
                    &Spec {
                        gen_time: gen_time_string(T2025 + i),
                        ..Spec::default()
                    },
                )
            })
            .collect();
        assert_eq!(
            verify_timestamps(backend, &many, SIG, cas),
            Err(TimestampError::TooMany { count: 33, max: 32 })
        );
        assert_eq!(
            verify_timestamps(backend, &many[..32], SIG, cas)
                .unwrap()
                .len(),
            32
        );
        // A well-formed token that fails is not counted; strict mode fails.
        let bad = build_token(
            &tsa,
            &Spec {
                imprint: Some(vec![0; 32]),
                ..Spec::default()
            },
        );
        let pair = [a.clone(), bad.clone()];
        assert_eq!(
            verify_timestamps(backend, &pair, SIG, cas).unwrap(),
            vec![T2025]
        );
        let r = verify_all_timestamps(backend, &pair, SIG, cas);
        expect_err!(r, TimestampError::Token { index: 1, .. });
        assert_eq!(
            verify_all_timestamps(backend, &[a.clone(), b.clone()], SIG, cas).unwrap(),
            vec![T2025, T2025 + 60]
        );
        let r = verify_timestamps(backend, std::slice::from_ref(&bad), SIG, cas);
        expect_err!(
            r,
            TimestampError::BelowThreshold {
                verified: 0,
                threshold: 1,
                ..
            }
        );
        // A malformed token is fatal even beside a good one.
        let r = verify_timestamps(backend, &[a.clone(), vec![0x30, 0x00]], SIG, cas);
        expect_err!(r, TimestampError::Token { index: 1, .. });
        let refused = build_token(
            &tsa,
            &Spec {
                status: 2,
                ..Spec::default()
            },
        );
        let r = verify_timestamps(backend, &[a.clone(), refused], SIG, cas);
        expect_err!(r, TimestampError::Token { index: 1, .. });
    }
}

/// Truncations and bit flips at every offset: Err or Ok, never a panic.
fn fuzz(token: &[u8], signature: &[u8], cas: &[CertificateAuthority]) {
    let backend = crate::crypto::default_backend();
    for i in 0..token.len() {
        let _ = parse_signed_timestamp(&token[..i]);
        let _ = verify_timestamp(backend, &token[..i], signature, cas);
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut t = token.to_vec();
            t[i] ^= mask;
            let _ = verify_timestamp(backend, &t, signature, cas);
        }
    }
}

#[test]
fn fuzz_made_up_token() {
    let tsa = good_tsa();
    let token = build_token(&tsa, &Spec::default());
    fuzz(&token, SIG, std::slice::from_ref(&tsa.ca));
}

#[test]
fn empty_and_truncated_tokens_are_malformed() {
    assert!(parse_signed_timestamp(&[]).is_err());
    assert!(parse_signed_timestamp(&[0x30, 0x00]).is_err());
}

// ---------------------------------------------------------------- recorded fixtures

fn ca_from_file(rel: &str) -> CertificateAuthority {
    CertificateAuthority::from_json(&read(rel)).unwrap()
}

/// Two tokens from the sigstore-python test TSA (`tsa/ca.json`): the first
/// covers the signature, the second's imprint is SHA-512("hello"). The bundle
/// verifies (sigstore-python counts tokens against a threshold of 1), and
/// strict mode names the second token.
#[test]
fn sigstore_python_tsa_bundle_verifies() {
    let data = read("sigstore-python/tsa/bundle.txt.sigstore");
    let bundle = Bundle::from_json(&data).unwrap();
    let ca = ca_from_file("sigstore-python/tsa/ca.json");
    let cas = std::slice::from_ref(&ca);
    let sig = bundle.signature_bytes();
    assert_eq!(bundle.timestamps.len(), 2);
    for b in all_backends() {
        let times = verify_timestamps(b, &bundle.timestamps, sig, cas).unwrap();
        assert_eq!(times, vec![1_730_370_219]); // 2024-10-31T10:23:39Z
        let r = verify_all_timestamps(b, &bundle.timestamps, sig, cas);
        expect_err!(
            r,
            TimestampError::Token { index: 1, source }
                if matches!(**source, TimestampError::ImprintMismatch { algorithm: "sha512" })
        );
        // A different signature must not verify.
        assert!(verify_timestamps(b, &bundle.timestamps, b"not it", cas).is_err());
        // tsa/trust_config.json's TSA is a later re-issue of the test TSA
        // (other keys): its chain must not vouch for these tokens.
        let tc = read("sigstore-python/tsa/trust_config.json");
        let root = TrustedRoot::from_trust_config_json(&tc).unwrap();
        let r = verify_timestamps(b, &bundle.timestamps, sig, &root.timestamp_authorities);
        assert!(r.is_err(), "{r:?}");
    }
    fuzz(&bundle.timestamps[0], sig, cas);
}

/// The late timestamp comes from the staging TSA and is genuine; what must
/// fail is the verifier's signing-time step, because its genTime is after the
/// Fulcio leaf expired.
#[test]
fn sigstore_python_late_timestamp_is_after_the_leaf_expired() {
    let (data, root) = (
        read("sigstore-python/tsa/bundle.txt.late_timestamp.sigstore"),
        read("trust/staging/trusted_root.json"),
    );
    let bundle = Bundle::from_json(&data).unwrap();
    let root = TrustedRoot::from_json(&root).unwrap();
    let SigningMaterial::Certificate { leaf, .. } = &bundle.material else {
        panic!("expected a certificate bundle");
    };
    use x509_parser::prelude::FromDer;
    let (_, leaf) = x509_parser::certificate::X509Certificate::from_der(leaf).unwrap();
    let not_after = leaf.validity().not_after.timestamp();
    for b in all_backends() {
        let times = verify_timestamps(
            b,
            &bundle.timestamps,
            bundle.signature_bytes(),
            &root.timestamp_authorities,
        )
        .unwrap();
        assert_eq!(times, vec![1_747_076_427]); // 2025-05-12T19:00:27Z
        assert!(times[0] > not_after, "{times:?} vs {not_after}");
        // The test TSA of tsa/ca.json did not issue it.
        let ca = ca_from_file("sigstore-python/tsa/ca.json");
        let r = verify_timestamps(b, &bundle.timestamps, bundle.signature_bytes(), &[ca]);
        assert!(r.is_err(), "{r:?}");
    }
}

/// sigstore-python issue 1482: a response with an empty `certificates`
/// field; the signer is the staging trusted root's TSA leaf.
#[test]
fn issue1482_token_without_certificates_verifies_against_staging_root() {
    let (token, message, root) = (
        read("sigstore-python/tsa/issue1482-timestamp-with-no-cert"),
        read("sigstore-python/tsa/issue1482-message"),
        read("trust/staging/trusted_root.json"),
    );
    let root = TrustedRoot::from_json(&root).unwrap();
    let parsed = parse_signed_timestamp(&token).unwrap();
    assert!(parsed.certificates.is_empty());
    for b in all_backends() {
        let v = verify_timestamp(b, &token, &message, &root.timestamp_authorities).unwrap();
        assert_eq!(v.time, 1_753_473_184); // 2025-07-25T19:53:04Z
                                           // Against the production root (another TSA) it must fail cleanly.
        let prod = TrustedRoot::production().unwrap();
        assert!(verify_timestamp(b, &token, &message, &prod.timestamp_authorities).is_err());
    }
    fuzz(&token, &message, &root.timestamp_authorities);
}

/// The signature and timestamps of a conformance bundle, decoded from its
/// JSON here (base64 with embedded line breaks, as in
/// `rekor2-timestamp-with-incorrect-time_fail`, is accepted like protojson
/// and Python's b64decode do).
fn conformance(case: &str) -> (Vec<u8>, Vec<Vec<u8>>, TrustedRoot) {
    use base64::Engine as _;
    let dir = format!("conformance/bundle-verify/{case}");
    let json: serde_json::Value =
        serde_json::from_slice(&read(&format!("{dir}/bundle.sigstore.json"))).unwrap();
    let b64 = |v: &serde_json::Value| {
        let s: String = v.as_str().unwrap().split_whitespace().collect();
        base64::engine::general_purpose::STANDARD.decode(s).unwrap()
    };
    let signature = match json.get("messageSignature") {
        Some(ms) => b64(&ms["signature"]),
        None => b64(&json["dsseEnvelope"]["signatures"][0]["sig"]),
    };
    let timestamps = json["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"]
        .as_array()
        .map(|a| a.iter().map(|t| b64(&t["signedTimestamp"])).collect())
        .unwrap_or_default();
    let root_path = fixtures().join(&dir).join("trusted_root.json");
    let root = if root_path.is_file() {
        TrustedRoot::from_json(&std::fs::read(root_path).unwrap()).unwrap()
    } else {
        TrustedRoot::production().unwrap()
    };
    (signature, timestamps, root)
}

fn conformance_result(case: &str) -> Vec<Result<Vec<i64>, TimestampError>> {
    let (signature, timestamps, root) = conformance(case);
    assert!(!timestamps.is_empty(), "{case} has no timestamps");
    all_backends()
        .into_iter()
        .map(|b| verify_all_timestamps(b, &timestamps, &signature, &root.timestamp_authorities))
        .collect()
}

fn inner(e: &TimestampError) -> &TimestampError {
    match e {
        TimestampError::Token { source, .. } => source,
        other => other,
    }
}

#[test]
fn conformance_timestamps_that_verify() {
    // with-incorrect-time_fail: the token is genuine; that case fails at the
    // verifier's signing-time step (genTime outside the Fulcio leaf).
    for case in [
        "rekor2-timestamp-with-embedded-cert",
        "rekor2-timestamp-without-embedded-cert",
        "rekor2-timestamp-with-incorrect-time_fail",
        "intoto-with-custom-trust-root",
        "managed-key-happy-path",
    ] {
        let results = conformance_result(case);
        for r in results {
            let times = r.unwrap_or_else(|e| panic!("{case}: {e}"));
            assert!(!times.is_empty(), "{case}");
        }
    }
}

#[test]
fn conformance_timestamps_that_fail() {
    type Check = fn(&TimestampError) -> bool;
    let cases: [(&str, Check); 4] = [
        ("rekor2-timestamp-outside-tsa-cert-validity_fail", |e| {
            matches!(e, TimestampError::CertificateNotValidAtTime { .. })
        }),
        (
            "rekor2-timestamp-outside-trust-root-tsa-validity_fail",
            |e| matches!(e, TimestampError::OutsideTsaValidity { .. }),
        ),
        ("rekor2-timestamp-payload-mismatch_fail", |e| {
            matches!(e, TimestampError::ImprintMismatch { .. })
        }),
        (
            "rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail",
            |e| matches!(e, TimestampError::UntrustedChain(_)),
        ),
    ];
    for (case, check) in cases {
        let results = conformance_result(case);
        for r in results {
            let e = r.expect_err(case);
            assert!(check(inner(&e)), "{case}: unexpected error {e}");
        }
    }
}
