//! Rekor v2 entry bodies: the recorded conformance and sigstore-python
//! fixtures, log selection for v2 entries, and malformed bodies made here.

use super::tests::{b64d, b64e, Case};
use super::*;
use crate::crypto::{all_backends, Digest, HashAlgorithm};
use crate::test_support::{expect_err, fixtures};
use serde_json::{json, Value};

/// Every rekor2 conformance case whose entry body matches its bundle: the
/// `_fail` ones here fail for their checkpoint, proof or timestamp, not
/// for their body.
const BODY_MATCHES: &[&str] = &[
    "rekor2-happy-path",
    "rekor2-dsse-happy-path",
    "rekor2-checkpoint-cosigned",
    "rekor2-checkpoint-multiple-cosigs",
    "rekor2-checkpoint-two-sigs-cosigned",
    "rekor2-checkpoint-missing-log-signature_fail",
    "rekor2-checkpoint-missing-origin_fail",
    "rekor2-checkpoint-missing-root-hash_fail",
    "rekor2-checkpoint-missing-size_fail",
    "rekor2-checkpoint-no-matching-signature_fail",
    "rekor2-no-inclusion-proof_fail",
    "rekor2-no-timestamp_fail",
    "rekor2-timestamp-outside-trust-root-tsa-validity_fail",
    "rekor2-timestamp-outside-tsa-cert-validity_fail",
    "rekor2-timestamp-payload-mismatch_fail",
    "rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail",
    "rekor2-timestamp-with-embedded-cert",
    "rekor2-timestamp-with-incorrect-time_fail",
    "rekor2-timestamp-without-embedded-cert",
];

fn matching_cases() -> Vec<Case> {
    let mut cases = vec![];
    for name in BODY_MATCHES {
        cases.push(Case::conformance(name));
    }
    for name in ["staging-rekor-v2.txt", "a.dsse.staging-rekor-v2.txt"] {
        cases.push(Case::load(
            name,
            &format!("sigstore-python/{name}.sigstore.json"),
            "trust/staging/trusted_root.json",
        ));
    }
    cases
}

#[test]
fn every_rekor2_fixture_is_covered() {
    let dir = fixtures();
    let mut names: Vec<String> = std::fs::read_dir(dir.join("conformance/bundle-verify"))
        .expect("conformance dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("rekor2-"))
        .collect();
    names.sort();
    let mismatches = [
        "rekor2-dsse-invalid-sig_fail",
        "rekor2-dsse-mismatch-envelope_fail",
        "rekor2-dsse-mismatch-sig_fail",
    ];
    for n in &names {
        assert!(
            BODY_MATCHES.contains(&n.as_str()) || mismatches.contains(&n.as_str()),
            "{n} is not covered by the Rekor v2 body tests"
        );
    }
}

#[test]
fn recorded_v2_bodies_match_their_bundles() {
    let cases = matching_cases();
    for case in &cases {
        let name = &case.name;
        let body = case.parse().unwrap_or_else(|e| panic!("{name}: body: {e}"));
        assert_eq!(body.rekor_version(), RekorVersion::V2, "{name}");
        let EntryBody::HashedRekordV002(h) = &body else {
            panic!("{name}: every recorded v2 entry is a hashedrekord 0.0.2, found {body:?}");
        };
        assert_eq!(h.signature.verifier.key_details, "PKIX_ECDSA_P256_SHA_256");
        assert_eq!(
            h.signature.verifier.material,
            VerifierMaterial::Certificate(case.leaf_der()),
            "{name}"
        );
        for c in all_backends() {
            case.check_body(c, None)
                .unwrap_or_else(|e| panic!("{name} on {}: {e}", c.name()));
        }
    }
}

/// The DSSE-in-hashedrekord digest is SHA-256 over the envelope's PAE, and
/// nothing else: not the payload, not the serialized envelope.
#[test]
fn dsse_hashedrekord_digest_is_sha256_of_pae() {
    let case = Case::conformance("rekor2-dsse-happy-path");
    let Ok(EntryBody::HashedRekordV002(h)) = case.parse() else {
        panic!("expected hashedrekord 0.0.2");
    };
    let env = &case.bundle["dsseEnvelope"];
    let payload = b64d(env["payload"].as_str().expect("payload"));
    let payload_type = env["payloadType"].as_str().expect("payloadType");
    for c in all_backends() {
        let pae = crate::dsse::pae(payload_type, &payload);
        assert_eq!(h.digest, c.digest(HashAlgorithm::Sha256, &pae));
        assert_ne!(h.digest, c.digest(HashAlgorithm::Sha256, &payload));
        // The payload type is bound through the PAE.
        let sig = b64d(env["signatures"][0]["sig"].as_str().expect("sig"));
        let sigs = vec![sig.clone()];
        let other_type = DsseInput {
            payload_type: "application/json",
            payload: &payload,
            signatures: &sigs,
        };
        let body = EntryBody::HashedRekordV002(h.clone());
        expect_err!(
            check_dsse(c, &body, &other_type, &case.leaf_der()),
            TlogError::BodyMismatch { .. },
            "other type"
        );
        // Two signatures cannot match one hashedrekord signature.
        let two = vec![sig.clone(), sig.clone()];
        let two = DsseInput {
            payload_type,
            payload: &payload,
            signatures: &two,
        };
        expect_err!(
            check_dsse(c, &body, &two, &case.leaf_der()),
            TlogError::BodyMismatch {
                field: "number of DSSE signatures",
                ..
            },
            "two signatures"
        );
        // A message signature over the payload is not this entry.
        let digest = c.digest(HashAlgorithm::Sha256, &payload);
        assert!(check_hashedrekord(c, &body, &digest, &sig, &case.leaf_der()).is_err());
    }
}

/// Each DSSE `_fail` case is caught by the body comparison, at the field
/// its README describes.
#[test]
fn recorded_v2_dsse_mismatches() {
    for (name, field) in [
        // The logged PAE digest is of statement A; the envelope is statement B.
        (
            "rekor2-dsse-mismatch-envelope_fail",
            "digest of the DSSE pre-authentication encoding",
        ),
        // Same payload, so the PAE digest matches; the envelope carries a
        // second ECDSA signature that is not the logged one.
        ("rekor2-dsse-mismatch-sig_fail", "DSSE signature"),
        // The README calls this an invalid signature (made by another key);
        // it is also not the logged signature, so the body check refuses it
        // too (the verifier reports the invalid signature, which it checks
        // first).
        ("rekor2-dsse-invalid-sig_fail", "DSSE signature"),
    ] {
        let case = Case::conformance(name);
        assert!(case.is_dsse());
        case.parse()
            .unwrap_or_else(|e| panic!("{name}: the body itself is well-formed: {e}"));
        for c in all_backends() {
            let e = expect_err!(
                case.check_body(c, None),
                TlogError::BodyMismatch { field: f, .. } if *f == field,
                "{name} on {}",
                c.name()
            );
            assert_eq!(e.step(), crate::Step::TlogEntry);
        }
    }
}

/// `logId.keyId` of a v2 entry is the trusted root's `logId.keyId` of that
/// log, which is SHA-256(origin || "\n" || 0x01 || Ed25519 key): the C2SP
/// note key hash, whose first 4 bytes begin the checkpoint's log signature.
#[test]
fn v2_log_selection() {
    let cases = matching_cases();
    for case in &cases {
        let name = &case.name;
        let id = b64d(case.entry()["logId"]["keyId"].as_str().expect("logId"));
        let log = select_log(&case.root.tlogs, &id).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(log.checkpoint_key_id, None, "{name}");
        let origin = log
            .base_url
            .strip_prefix("https://")
            .expect("https base URL");
        let raw = log
            .key
            .spki_der
            .get(12..)
            .filter(|k| k.len() == 32)
            .expect("Ed25519 SPKI");
        for c in all_backends() {
            assert_eq!(
                sha256(c, &[origin.as_bytes(), b"\n\x01", raw]).to_vec(),
                id,
                "{name}"
            );
        }
        // The checkpoint names the same origin (the checkpoint `_fail`
        // cases tamper with exactly that, and are the checkpoint tests'
        // business).
        if name.ends_with("_fail") {
            continue;
        }
        let note = case.entry()["inclusionProof"]["checkpoint"]["envelope"]
            .as_str()
            .expect("checkpoint");
        let signed = SignedNote::parse(note).expect("signed note");
        let cp = parse_checkpoint(&signed.text).expect("checkpoint");
        assert_eq!(cp.origin, origin, "{name}");
    }
    // An ID no log has is refused, and so is a v2 checkpoint key ID prefix.
    let case = Case::conformance("rekor2-happy-path");
    let id = b64d(case.entry()["logId"]["keyId"].as_str().expect("logId"));
    expect_err!(
        select_log(&case.root.tlogs, &id[..4]),
        TlogError::UnknownLog(_)
    );
    assert!(select_log(&case.root.tlogs, &[0u8; 32]).is_err());
    assert_eq!(
        select_log(&case.root.tlogs, &id).map(|l| l.log_id.clone()),
        Ok(case
            .root
            .tlog_by_id(&id)
            .expect("tlog_by_id")
            .log_id
            .clone())
    );
}

// ---------------------------------------------------------------- bodies made here

/// The happy-path body, as JSON to mutate.
fn happy() -> (Case, Value) {
    let case = Case::conformance("rekor2-happy-path");
    let body = case.body_json();
    (case, body)
}

fn parse_value(v: &Value) -> Result<EntryBody, TlogError> {
    let kind = v["kind"].as_str().unwrap_or("hashedrekord");
    let version = v["apiVersion"].as_str().unwrap_or("0.0.2");
    parse_body(&serde_json::to_vec(v).expect("json"), kind, version)
}

/// Applies `f` to a copy of `v` at the JSON pointer `at`.
fn edit(v: &Value, at: &str, f: impl FnOnce(&mut Value)) -> Value {
    let mut v = v.clone();
    f(v.pointer_mut(at).unwrap_or_else(|| panic!("no {at}")));
    v
}

const HR: &str = "/spec/hashedRekordV002";

#[test]
fn malformed_hashedrekord_v002() {
    let (_, good) = happy();
    parse_value(&good).expect("the unmodified body parses");

    // Every field is required.
    for (parent, field) in [
        ("", "spec"),
        ("/spec", "hashedRekordV002"),
        (HR, "data"),
        (HR, "signature"),
        (&format!("{HR}/data"), "algorithm"),
        (&format!("{HR}/data"), "digest"),
        (&format!("{HR}/signature"), "content"),
        (&format!("{HR}/signature"), "verifier"),
        (&format!("{HR}/signature/verifier"), "keyDetails"),
        (&format!("{HR}/signature/verifier"), "x509Certificate"),
        (
            &format!("{HR}/signature/verifier/x509Certificate"),
            "rawBytes",
        ),
    ] {
        let v = edit(&good, parent, |o| {
            o.as_object_mut().expect("object").remove(field);
        });
        expect_err!(
            parse_value(&v),
            TlogError::MalformedBody(_),
            "without {parent}/{field}: {:?}",
            parse_value(&v)
        );
    }

    // No unknown fields at any level.
    for parent in [
        "",
        "/spec",
        HR,
        &format!("{HR}/data"),
        &format!("{HR}/signature"),
        &format!("{HR}/signature/verifier"),
        &format!("{HR}/signature/verifier/x509Certificate"),
    ] {
        let v = edit(&good, parent, |o| {
            o.as_object_mut()
                .expect("object")
                .insert("extra".into(), json!("x"));
        });
        assert!(parse_value(&v).is_err(), "unknown field in {parent:?}");
    }
    // protojson's snake_case spelling is not what Rekor emits.
    let v = edit(&good, "/spec", |s| {
        let inner = s["hashedRekordV002"].take();
        *s = json!({ "hashed_rekord_v002": inner });
    });
    assert!(parse_value(&v).is_err());

    // Bad base64 in every bytes field, and empty bytes.
    for at in [
        format!("{HR}/data/digest"),
        format!("{HR}/signature/content"),
        format!("{HR}/signature/verifier/x509Certificate/rawBytes"),
    ] {
        for bad in ["not base64!", "", "AAAA=", "_-_-"] {
            let v = edit(&good, &at, |s| *s = json!(bad));
            expect_err!(
                parse_value(&v),
                TlogError::MalformedBody(_),
                "{at} = {bad:?}"
            );
        }
        let v = edit(&good, &at, |s| *s = json!(7));
        assert!(parse_value(&v).is_err(), "{at} as a number");
    }
    // Not a certificate.
    let v = edit(
        &good,
        &format!("{HR}/signature/verifier/x509Certificate/rawBytes"),
        |s| *s = json!(b64e(&[0x30, 0x03, 0x02, 0x01, 0x05])),
    );
    assert!(parse_value(&v).is_err());

    // keyDetails must be a scheme we know and agree with the key (P-256).
    for kd in [
        "PKIX_ECDSA_P384_SHA_384",
        "PKIX_ED25519",
        "PKIX_ED25519_PH",
        "PKIX_RSA_PKCS1V15_2048_SHA256",
        "PKIX_ECDSA_P521_SHA_512",
        "PKCS1_RSA_PKCS1V5",
        "PUBLIC_KEY_DETAILS_UNSPECIFIED",
        "pkix_ecdsa_p256_sha_256",
        "",
    ] {
        let v = edit(&good, &format!("{HR}/signature/verifier/keyDetails"), |s| {
            *s = json!(kd)
        });
        expect_err!(
            parse_value(&v),
            TlogError::MalformedBody(_),
            "keyDetails {kd:?}"
        );
    }
    let v = edit(&good, &format!("{HR}/signature/verifier/keyDetails"), |s| {
        *s = json!(5)
    });
    assert!(parse_value(&v).is_err());

    // The digest algorithm must be a known name, fit the digest, and be the
    // one keyDetails prehashes with.
    for alg in [
        "SHA2_384",
        "SHA2_512",
        "SHA3_256",
        "sha256",
        "HASH_ALGORITHM_UNSPECIFIED",
    ] {
        let v = edit(&good, &format!("{HR}/data/algorithm"), |s| *s = json!(alg));
        assert!(parse_value(&v).is_err(), "algorithm {alg}");
    }
    let v = edit(&good, &format!("{HR}/data"), |d| {
        *d = json!({ "algorithm": "SHA2_384", "digest": b64e(&[7u8; 48]) });
    });
    expect_err!(
        parse_value(&v),
        TlogError::MalformedBody(m) if m.contains("SHA2_384") || m.contains("Sha384"),
        "a SHA-384 digest under a P-256/SHA-256 verifier"
    );

    // Both verifiers, or neither.
    let cert = good
        .pointer(&format!("{HR}/signature/verifier/x509Certificate/rawBytes"))
        .cloned()
        .expect("cert");
    let v = edit(&good, &format!("{HR}/signature/verifier"), |o| {
        o["publicKey"] = json!({ "rawBytes": cert });
    });
    assert!(parse_value(&v).is_err(), "both verifiers");

    // The spec must be the kind's own.
    let v = edit(&good, "/spec", |s| {
        let inner = s["hashedRekordV002"].take();
        *s = json!({ "dsseV002": inner });
    });
    assert!(parse_value(&v).is_err());
    let v = edit(&good, "/spec", |s| *s = json!(null));
    assert!(parse_value(&v).is_err());

    // kindVersion must agree with the body.
    let bytes = serde_json::to_vec(&good).expect("json");
    expect_err!(
        parse_body(&bytes, "hashedrekord", "0.0.1"),
        TlogError::KindMismatch { .. }
    );
    expect_err!(
        parse_body(&bytes, "dsse", "0.0.2"),
        TlogError::KindMismatch { .. }
    );
    // Truncated and non-JSON bodies.
    for n in [0, 1, bytes.len() / 2, bytes.len() - 1] {
        assert!(parse_body(&bytes[..n], "hashedrekord", "0.0.2").is_err());
    }
    // Unknown v2 kinds.
    expect_err!(
        parse_body(
            br#"{"apiVersion":"0.0.2","kind":"rekord","spec":{}}"#,
            "rekord",
            "0.0.2"
        ),
        TlogError::UnsupportedKind(_)
    );
}

#[test]
fn hashedrekord_v002_comparisons() {
    let (case, good) = happy();
    let body = parse_value(&good).expect("parses");
    let ms = &case.bundle["messageSignature"];
    let digest = Digest::new(
        HashAlgorithm::Sha256,
        b64d(ms["messageDigest"]["digest"].as_str().expect("digest")),
    )
    .expect("digest");
    let sig = b64d(ms["signature"].as_str().expect("sig"));
    let leaf = case.leaf_der();
    for c in all_backends() {
        check_hashedrekord(c, &body, &digest, &sig, &leaf).expect("matches");
        let other = c.digest(HashAlgorithm::Sha256, b"other");
        assert_eq!(
            mismatched_field(check_hashedrekord(c, &body, &other, &sig, &leaf)),
            "artifact digest"
        );
        // Same bytes under another algorithm name is another digest.
        let mut d48 = digest.as_bytes().to_vec();
        d48.extend_from_slice(&[0; 16]);
        let sha384 = Digest::new(HashAlgorithm::Sha384, d48).expect("48 bytes");
        assert_eq!(
            mismatched_field(check_hashedrekord(c, &body, &sha384, &sig, &leaf)),
            "artifact digest"
        );
        let mut bad_sig = sig.clone();
        bad_sig[10] ^= 1;
        assert_eq!(
            mismatched_field(check_hashedrekord(c, &body, &digest, &bad_sig, &leaf)),
            "signature"
        );
        // The leaf's SPKI is not the certificate the entry records.
        let spki = crate::x509::Certificate::from_der(leaf.clone())
            .expect("leaf")
            .public_key_spki()
            .to_vec();
        assert_eq!(
            mismatched_field(check_hashedrekord(c, &body, &digest, &sig, &spki)),
            "verifier: verification material"
        );
        // A DSSE envelope cannot be matched against a message-signature entry.
        let sigs = vec![sig.clone()];
        let input = DsseInput {
            payload_type: "application/vnd.in-toto+json",
            payload: b"{}",
            signatures: &sigs,
        };
        assert!(check_dsse(c, &body, &input, &leaf).is_err());
    }
}

/// A managed-key body (`publicKey` verifier) made here with P-256 and
/// Ed25519ph keys, and pure Ed25519 refused for a hashedrekord.
#[test]
fn hashedrekord_v002_public_key_verifiers() {
    use ed25519_dalek::pkcs8::EncodePublicKey as _;
    let p256_spki = p256::ecdsa::SigningKey::from_slice(&[7u8; 32])
        .expect("p256 key")
        .verifying_key()
        .to_public_key_der()
        .expect("spki")
        .as_bytes()
        .to_vec();
    let ed_spki = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32])
        .verifying_key()
        .to_public_key_der()
        .expect("spki")
        .as_bytes()
        .to_vec();
    let body = |alg: &str, digest: &[u8], kd: &str, spki: &[u8]| {
        json!({
            "apiVersion": "0.0.2",
            "kind": "hashedrekord",
            "spec": { "hashedRekordV002": {
                "data": { "algorithm": alg, "digest": b64e(digest) },
                "signature": {
                    "content": b64e(b"sig"),
                    "verifier": { "keyDetails": kd, "publicKey": { "rawBytes": b64e(spki) } }
                }
            }}
        })
    };
    for c in all_backends() {
        let d256 = c.digest(HashAlgorithm::Sha256, b"artifact");
        let d512 = c.digest(HashAlgorithm::Sha512, b"artifact");

        let parsed = parse_value(&body(
            "SHA2_256",
            d256.as_bytes(),
            "PKIX_ECDSA_P256_SHA_256",
            &p256_spki,
        ))
        .expect("P-256 public key body");
        let EntryBody::HashedRekordV002(h) = &parsed else {
            panic!("v2 body")
        };
        assert_eq!(
            h.signature.verifier.material,
            VerifierMaterial::PublicKey(p256_spki.clone())
        );
        check_hashedrekord(c, &parsed, &d256, b"sig", &p256_spki).expect("matches");
        assert!(check_hashedrekord(c, &parsed, &d256, b"sig", &ed_spki).is_err());

        let parsed = parse_value(&body(
            "SHA2_512",
            d512.as_bytes(),
            "PKIX_ED25519_PH",
            &ed_spki,
        ))
        .expect("Ed25519ph body");
        check_hashedrekord(c, &parsed, &d512, b"sig", &ed_spki).expect("matches");

        // Pure Ed25519 has no prehash, so it cannot sign a hashedrekord.
        assert!(parse_value(&body("SHA2_512", d512.as_bytes(), "PKIX_ED25519", &ed_spki)).is_err());
        // keyDetails against the wrong key type, both ways.
        assert!(parse_value(&body(
            "SHA2_256",
            d256.as_bytes(),
            "PKIX_ECDSA_P256_SHA_256",
            &ed_spki
        ))
        .is_err());
        assert!(parse_value(&body(
            "SHA2_512",
            d512.as_bytes(),
            "PKIX_ED25519_PH",
            &p256_spki
        ))
        .is_err());
        // A certificate where a public key belongs, and junk.
        assert!(parse_value(&body(
            "SHA2_256",
            d256.as_bytes(),
            "PKIX_ECDSA_P256_SHA_256",
            &[0x30, 0x00]
        ))
        .is_err());
    }
}

/// The field a body comparison found different.
fn mismatched_field(r: Result<(), TlogError>) -> String {
    match r {
        Err(TlogError::BodyMismatch { field, .. }) => field.to_string(),
        // The verifier is its own variant (the verifier words a managed
        // key's mismatch itself); "verifier:" keeps the two apart here.
        Err(TlogError::VerifierMismatch { field, .. }) => format!("verifier: {field}"),
        other => panic!("expected a body mismatch, got {other:?}"),
    }
}

fn dsse_body(payload_hash: &Digest, sigs: &[(&[u8], Value)]) -> Value {
    let alg = match payload_hash.algorithm() {
        HashAlgorithm::Sha256 => "SHA2_256",
        HashAlgorithm::Sha384 => "SHA2_384",
        HashAlgorithm::Sha512 => "SHA2_512",
    };
    json!({
        "apiVersion": "0.0.2",
        "kind": "dsse",
        "spec": { "dsseV002": {
            "payloadHash": { "algorithm": alg, "digest": b64e(payload_hash.as_bytes()) },
            "signatures": sigs.iter().map(|(s, v)| json!({ "content": b64e(s), "verifier": v })).collect::<Vec<_>>()
        }}
    })
}

#[test]
fn dsse_v002_made_here() {
    let (case, good) = happy();
    let leaf = case.leaf_der();
    let verifier = good
        .pointer(&format!("{HR}/signature/verifier"))
        .cloned()
        .expect("verifier");
    let payload = br#"{"_type":"https://in-toto.io/Statement/v1"}"#.to_vec();
    let (s1, s2) = (vec![1u8; 70], vec![2u8; 71]);
    for c in all_backends() {
        let ph = c.digest(HashAlgorithm::Sha256, &payload);
        let v = dsse_body(&ph, &[(&s1, verifier.clone()), (&s2, verifier.clone())]);
        let parsed = parse_value(&v).expect("dsse 0.0.2 parses");
        assert_eq!(parsed.rekor_version(), RekorVersion::V2);
        assert_eq!(parsed.kind(), "dsse 0.0.2");
        let both = vec![s2.clone(), s1.clone()];
        let ok = DsseInput {
            payload_type: "application/vnd.in-toto+json",
            payload: &payload,
            signatures: &both,
        };
        check_dsse(c, &parsed, &ok, &leaf).expect("matches in any order");
        let one = vec![s1.clone()];
        assert_eq!(
            mismatched_field(check_dsse(
                c,
                &parsed,
                &DsseInput {
                    signatures: &one,
                    ..ok
                },
                &leaf
            )),
            "number of DSSE signatures"
        );
        let dup = vec![s1.clone(), s1.clone()];
        assert_eq!(
            mismatched_field(check_dsse(
                c,
                &parsed,
                &DsseInput {
                    signatures: &dup,
                    ..ok
                },
                &leaf
            )),
            "DSSE signature"
        );
        assert_eq!(
            mismatched_field(check_dsse(
                c,
                &parsed,
                &DsseInput {
                    payload: b"other",
                    ..ok
                },
                &leaf
            )),
            "DSSE payload hash"
        );
        assert_eq!(
            mismatched_field(check_dsse(c, &parsed, &ok, &[0x30, 0])),
            "verifier: DSSE signature verifier"
        );
        // A dsse entry is not a message signature.
        assert!(check_hashedrekord(c, &parsed, &ph, &s1, &leaf).is_err());

        // Malformed: no signatures, missing payloadHash, unknown fields,
        // bad keyDetails, bad base64.
        let none = dsse_body(&ph, &[]);
        expect_err!(parse_value(&none), TlogError::MalformedBody(_));
        let no_sigs = edit(&none, "/spec/dsseV002", |o| {
            o.as_object_mut().expect("object").remove("signatures");
        });
        assert!(parse_value(&no_sigs).is_err());
        let no_hash = edit(&v, "/spec/dsseV002", |o| {
            o.as_object_mut().expect("object").remove("payloadHash");
        });
        assert!(parse_value(&no_hash).is_err());
        for parent in [
            "/spec/dsseV002",
            "/spec/dsseV002/payloadHash",
            "/spec/dsseV002/signatures/0",
            "/spec/dsseV002/signatures/1/verifier",
        ] {
            let x = edit(&v, parent, |o| {
                o.as_object_mut()
                    .expect("object")
                    .insert("keyid".into(), json!(""));
            });
            assert!(parse_value(&x).is_err(), "unknown field in {parent}");
        }
        let x = edit(&v, "/spec/dsseV002/signatures/1/verifier/keyDetails", |s| {
            *s = json!("PKIX_ED25519")
        });
        assert!(parse_value(&x).is_err());
        let x = edit(&v, "/spec/dsseV002/signatures/0/content", |s| {
            *s = json!("@@@")
        });
        assert!(parse_value(&x).is_err());
        let x = edit(&v, "/spec/dsseV002/payloadHash/digest", |s| {
            *s = json!(b64e(&[1u8; 31]))
        });
        assert!(parse_value(&x).is_err(), "31-byte SHA-256");
        // The spec must be the kind's own.
        let x = edit(&v, "/spec", |s| {
            let inner = s["dsseV002"].take();
            *s = json!({ "hashedRekordV002": inner });
        });
        assert!(parse_value(&x).is_err());
    }
}
