//! Detached signatures: Rekor API entries and cosign Rekor bundles read into
//! log entries, the bundle they make, and malformed inputs rejected.
//!
//! The recorded pair `bundle.txt.crt` + `bundle.txt.sig` was logged as the
//! entry inside `bundle.txt.sigstore` (fixtures MANIFEST); the tests write
//! that entry in the Rekor API and cosign shapes themselves.

use super::*;
use crate::error::Step;
use crate::policy::Policy;
use crate::test_support::{expect_err, expect_step, read};
use crate::trust::TrustedRoot;
use crate::verify::Verifier;
use serde_json::{json, Value};

const IDENTITY: &str = "a@tny.town";
const ISSUER: &str = "https://github.com/login/oauth";

fn b64e(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

struct Recorded {
    entry: TlogEntry,
    sig: DetachedSignature,
    artifact: Vec<u8>,
}

fn recorded() -> Recorded {
    let bundle = Bundle::from_json(&read("sigstore-python/bundle.txt.sigstore")).unwrap();
    let sig = DetachedSignature::from_pem_and_base64(
        &read("sigstore-python/bundle.txt.crt"),
        &read("sigstore-python/bundle.txt.sig"),
    )
    .unwrap();
    Recorded {
        entry: bundle.tlog_entry,
        sig,
        artifact: read("sigstore-python/bundle.txt"),
    }
}

fn uuid_of(body: &[u8]) -> String {
    hex::encode(tlog::leaf_hash(crypto::default_backend(), body))
}

/// The entry as `GET /api/v1/log/entries/{uuid}` returns it.
fn api_json(e: &TlogEntry) -> Value {
    let p = e.inclusion_proof.as_ref().unwrap();
    json!({ uuid_of(&e.body): {
        "body": b64e(&e.body),
        "integratedTime": e.integrated_time.unwrap(),
        "logID": hex::encode(&e.log_id),
        "logIndex": e.log_index,
        "verification": {
            "inclusionProof": {
                "checkpoint": p.checkpoint.clone().unwrap(),
                "hashes": p.hashes.iter().map(hex::encode).collect::<Vec<_>>(),
                "logIndex": p.log_index,
                "rootHash": hex::encode(p.root_hash),
                "treeSize": p.tree_size,
            },
            "signedEntryTimestamp": b64e(e.signed_entry_timestamp.as_ref().unwrap()),
        },
    }})
}

/// The entry as cosign's offline Rekor bundle.
fn cosign_json(e: &TlogEntry) -> Value {
    json!({
        "SignedEntryTimestamp": b64e(e.signed_entry_timestamp.as_ref().unwrap()),
        "Payload": {
            "body": b64e(&e.body),
            "integratedTime": e.integrated_time.unwrap(),
            "logIndex": e.log_index,
            "logID": hex::encode(&e.log_id),
        },
    })
}

fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

fn staging() -> Verifier {
    Verifier::new(TrustedRoot::staging().unwrap())
}

fn policy() -> Policy {
    Policy::identity(IDENTITY, ISSUER)
}

#[test]
fn rekor_api_entry_is_the_bundles_entry() {
    let r = recorded();
    let (uuid, entry) = entry_from_rekor_api(&bytes(&api_json(&r.entry))).unwrap();
    assert_eq!(uuid, uuid_of(&r.entry.body));
    // The bundle's entry, field for field: kind and version come from the body.
    assert_eq!(entry, r.entry);
    // Also with the 16-hex-digit tree ID in front, as Rekor's EntryIDs have.
    let mut v = api_json(&r.entry);
    let obj = v.as_object_mut().unwrap();
    let (k, inner) = obj
        .iter()
        .next()
        .map(|(k, v)| (k.clone(), v.clone()))
        .unwrap();
    obj.remove(&k);
    obj.insert(format!("24296fb24b8ad77a{k}"), inner);
    let (uuid, entry2) = entry_from_rekor_api(&bytes(&v)).unwrap();
    assert!(uuid.ends_with(&k) && uuid.len() == 80);
    assert_eq!(entry2, r.entry);
}

#[test]
fn cosign_bundle_entry_has_no_proof() {
    let r = recorded();
    let logged = entry_from_json(&bytes(&cosign_json(&r.entry))).unwrap();
    let expected = TlogEntry {
        inclusion_proof: None,
        ..r.entry.clone()
    };
    assert_eq!(logged.entry, expected);
    assert_eq!((logged.signature, logged.certificate_der), (None, None));
    // The API shape through the same entry point.
    let logged = entry_from_json(&bytes(&api_json(&r.entry))).unwrap();
    assert_eq!(logged.entry, r.entry);
}

#[test]
fn detached_pair_verifies_with_either_entry_shape() {
    let r = recorded();
    let v = staging();
    let artifact = Artifact::Bytes(r.artifact.clone());
    for doc in [api_json(&r.entry), cosign_json(&r.entry)] {
        let logged = entry_from_json(&bytes(&doc)).unwrap();
        let got = verify_detached(&v, &artifact, &r.sig, logged.clone(), &policy()).unwrap();
        assert_eq!(got.identity.as_deref(), Some(IDENTITY));
        assert_eq!(got.signing_time, r.entry.integrated_time.unwrap());
        // By digest too.
        let digest = Artifact::Digest(artifact_digest(&artifact));
        verify_detached(&v, &digest, &r.sig, logged, &policy()).unwrap();
    }
    let bundle = bundle_from_detached(&r.sig, r.entry.clone().into()).unwrap();
    assert_eq!(
        bundle.media_type(),
        "application/vnd.dev.sigstore.bundle+json;version=0.1"
    );
}

#[test]
fn detached_pair_failures() {
    let r = recorded();
    let v = staging();
    let logged: LoggedEntry = r.entry.clone().into();
    // Another artifact: the signature and its entry agree on another
    // digest, so the input is wrong, and the message names both digests.
    let other = Artifact::Bytes(b"not the artifact".to_vec());
    let m = expect_step(
        verify_detached(&v, &other, &r.sig, logged.clone(), &policy()),
        Step::ArtifactDigest,
        &[],
    );
    let signed = artifact_digest(&Artifact::Bytes(r.artifact.clone()));
    assert_eq!(
        m,
        format!(
            "the input does not match what this bundle signs: the input's digest is {:?}, the signed digest is {signed:?} (as its log entry records)",
            artifact_digest(&other)
        )
    );

    // Another identity.
    let artifact = Artifact::Bytes(r.artifact.clone());
    let wrong = Policy::identity("b@tny.town", ISSUER);
    expect_step(
        verify_detached(&v, &artifact, &r.sig, logged.clone(), &wrong),
        Step::Policy,
        &[],
    );

    // A damaged signature: invalid, before it is also not the logged one.
    let mut sig = r.sig.clone();
    sig.signature[10] ^= 1;
    expect_step(
        verify_detached(&v, &artifact, &sig, logged.clone(), &policy()),
        Step::Signature,
        &["the signature is not valid for this input"],
    );

    // A tampered SET.
    let mut bad = r.entry.clone();
    if let Some(set) = bad.signed_entry_timestamp.as_mut() {
        set[20] ^= 1;
    }
    expect_step(
        verify_detached(&v, &artifact, &r.sig, bad.into(), &policy()),
        Step::SignedEntryTimestamp,
        &[],
    );

    // The production root does not know the staging log.
    let prod = Verifier::new(TrustedRoot::production().unwrap());
    expect_step(
        verify_detached(&prod, &artifact, &r.sig, logged.clone(), &policy()),
        Step::TlogEntry,
        &[],
    );

    // A cosign bundle naming another signature or certificate.
    let mut doc = json!({
        "base64Signature": b64e(&sig.signature),
        "rekorBundle": cosign_json(&r.entry),
    });
    expect_err!(
        verify_detached(
            &v,
            &artifact,
            &r.sig,
            entry_from_json(&bytes(&doc)).unwrap(),
            &policy(),
        ),
        Error::InvalidBundle(m) if m.contains("base64Signature")
    );
    doc["base64Signature"] = json!(b64e(&r.sig.signature));
    let pem = read("sigstore-python/a.txt.crt");
    doc["cert"] = json!(b64e(&pem));
    expect_err!(
        bundle_from_detached(&r.sig, entry_from_json(&bytes(&doc)).unwrap()),
        Error::InvalidBundle(m) if m.contains("cert")
    );
    // ... and the same fields matching verify.
    doc["cert"] = json!(b64e(&read("sigstore-python/bundle.txt.crt")));
    let logged = entry_from_json(&bytes(&doc)).unwrap();
    assert!(logged.certificate_der.is_some() && logged.signature.is_some());
    verify_detached(&v, &artifact, &r.sig, logged, &policy()).unwrap();
}

#[test]
fn records_picks_the_matching_entry() {
    let r = recorded();
    let d = artifact_digest(&Artifact::Bytes(r.artifact.clone()));
    assert!(records(&r.entry, &r.sig, &d));
    let other = artifact_digest(&Artifact::Bytes(b"x".to_vec()));
    assert!(!records(&r.entry, &r.sig, &other));
    let mut sig = r.sig.clone();
    sig.certificate_der = certificate_from_pem(&read("sigstore-python/a.txt.crt")).unwrap();
    assert!(!records(&r.entry, &sig, &d));
    let mut garbage = r.entry.clone();
    garbage.body = b"{}".to_vec();
    assert!(!records(&garbage, &r.sig, &d));
}

/// Every way an entry document can be malformed is an `InvalidBundle`
/// naming what is wrong, never a panic.
#[test]
fn malformed_entries_are_rejected() {
    let r = recorded();
    let good = api_json(&r.entry);
    let uuid = uuid_of(&r.entry.body);
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v[&uuid]);
        v
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not a JSON object", b"[1]".to_vec()),
        ("not a JSON object", b"\xff\xfe".to_vec()),
        ("exactly one entry, found 0", b"{}".to_vec()),
        ("exactly one entry, found 2", {
            let mut v = good.clone();
            v["0".repeat(64)] = good[&uuid].clone();
            bytes(&v)
        }),
        ("is not an entry UUID", bytes(&json!({"../x": good[&uuid]}))),
        (
            "not the leaf hash",
            bytes(&json!({"0".repeat(64): good[&uuid]})),
        ),
        ("unexpected shape", bytes(&json!({&uuid: [1]}))),
        ("unexpected shape", bytes(&edit(&|e| e["body"] = json!(5)))),
        (
            "verification is missing",
            bytes(&edit(&|e| e["verification"] = Value::Null)),
        ),
        (
            "signedEntryTimestamp is missing",
            bytes(&edit(&|e| {
                e["verification"]["signedEntryTimestamp"] = Value::Null
            })),
        ),
        (
            "signedEntryTimestamp is not valid base64",
            bytes(&edit(&|e| {
                e["verification"]["signedEntryTimestamp"] = json!("!!")
            })),
        ),
        (
            "signedEntryTimestamp is empty",
            bytes(&edit(&|e| {
                e["verification"]["signedEntryTimestamp"] = json!("")
            })),
        ),
        (
            "body is missing",
            bytes(&edit(&|e| e["body"] = Value::Null)),
        ),
        (
            "body is not valid base64",
            bytes(&edit(&|e| e["body"] = json!("%%%"))),
        ),
        (
            "logID is not hex",
            bytes(&edit(&|e| e["logID"] = json!("xyz"))),
        ),
        (
            "logID is missing",
            bytes(&edit(&|e| e["logID"] = Value::Null)),
        ),
        (
            "logIndex is negative",
            bytes(&edit(&|e| e["logIndex"] = json!(-1))),
        ),
        (
            "logIndex \"x\" is not an integer",
            bytes(&edit(&|e| e["logIndex"] = json!("x"))),
        ),
        (
            "unexpected shape",
            bytes(&edit(&|e| e["logIndex"] = json!(1e300))),
        ),
        (
            "integratedTime must be positive",
            bytes(&edit(&|e| e["integratedTime"] = json!(0))),
        ),
        (
            "integratedTime is missing",
            bytes(&edit(&|e| e["integratedTime"] = Value::Null)),
        ),
        (
            "rootHash is not hex",
            bytes(&edit(&|e| {
                e["verification"]["inclusionProof"]["rootHash"] = json!("zz")
            })),
        ),
        (
            "rootHash must be 32 bytes",
            bytes(&edit(&|e| {
                e["verification"]["inclusionProof"]["rootHash"] = json!("abcd")
            })),
        ),
        (
            "hashes[] must be 32 bytes",
            bytes(&edit(&|e| {
                e["verification"]["inclusionProof"]["hashes"][0] = json!("00")
            })),
        ),
        (
            "more than any tree can need",
            bytes(&edit(&|e| {
                e["verification"]["inclusionProof"]["hashes"] = json!(vec!["00".repeat(32); 65])
            })),
        ),
        (
            "treeSize is missing",
            bytes(&edit(&|e| {
                e["verification"]["inclusionProof"]["treeSize"] = Value::Null
            })),
        ),
    ];
    for (expect, doc) in &cases {
        match entry_from_rekor_api(doc) {
            Err(Error::InvalidBundle(m)) => assert!(m.contains(expect), "{expect:?} not in {m:?}"),
            other => panic!("{expect}: expected InvalidBundle, got {other:?}"),
        }
    }

    // A body that is not a Rekor entry: its UUID must match it to get that far.
    let body = b"not json";
    let mut inner = good[&uuid].clone();
    inner["body"] = json!(b64e(body));
    let doc = bytes(&json!({ uuid_of(body): inner }));
    let e = entry_from_rekor_api(&doc).unwrap_err();
    assert!(e.to_string().contains("body is not a Rekor entry"), "{e}");

    // A proof whose index is outside its tree parses, but cannot make a bundle.
    let doc = bytes(&edit(&|e| {
        e["verification"]["inclusionProof"]["logIndex"] = json!(u32::MAX)
    }));
    let (_, entry) = entry_from_rekor_api(&doc).unwrap();
    let e = bundle_from_detached(&r.sig, entry.into()).unwrap_err();
    assert!(e.to_string().contains("is not inside treeSize"), "{e}");
}

#[test]
fn malformed_entry_files_are_rejected() {
    let r = recorded();
    let cosign = cosign_json(&r.entry);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("the file is empty", Vec::new()),
        ("the file is empty", b" \n".to_vec()),
        ("not valid JSON", b"{".to_vec()),
        ("expected a JSON object", b"\"x\"".to_vec()),
        (
            "this is a Sigstore bundle",
            read("sigstore-python/bundle.txt.sigstore"),
        ),
        (
            "this is a Sigstore bundle",
            bytes(&crate::test_support::proto_field_names(
                &serde_json::from_slice(&read("sigstore-python/bundle.txt.sigstore")).unwrap(),
            )),
        ),
        ("not a Rekor log entry", b"{\"a\": 1, \"b\": 2}".to_vec()),
        (
            "Payload is missing",
            bytes(&json!({"SignedEntryTimestamp": "AA=="})),
        ),
        (
            "signedEntryTimestamp is missing",
            bytes(&json!({"Payload": cosign["Payload"]})),
        ),
        (
            "unexpected shape of a Rekor bundle",
            bytes(&json!({"Payload": 3})),
        ),
        (
            "rekorBundle is missing",
            bytes(&json!({"base64Signature": "AA=="})),
        ),
        (
            "base64Signature is not valid base64",
            bytes(&json!({
                "base64Signature": "*", "rekorBundle": cosign
            })),
        ),
        (
            "cert: invalid input",
            bytes(&json!({
                "cert": b64e(b"not pem"), "rekorBundle": cosign
            })),
        ),
        ("is not an entry UUID", bytes(&json!({"abc": 1}))),
    ];
    for (expect, doc) in &cases {
        match entry_from_json(doc) {
            Err(Error::InvalidBundle(m)) => assert!(m.contains(expect), "{expect:?} not in {m:?}"),
            other => panic!("{expect}: expected InvalidBundle, got {other:?}"),
        }
    }
}

/// The recorded `bundle_no_checkpoint.txt.bundle` is an empty file, and its
/// `.crt` holds a base64 signature rather than a certificate (both as in
/// sigstore-python's test assets), so that pair cannot verify: each is
/// rejected with a message saying what it is not.
#[test]
fn recorded_cosign_bundle_cannot_verify() {
    let (bundle, crt) = (
        read("sigstore-python/bundle_no_checkpoint.txt.bundle"),
        read("sigstore-python/bundle_no_checkpoint.txt.crt"),
    );
    let e = entry_from_json(&bundle).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid bundle: Rekor bundle: the file is empty (expected a Rekor log entry as JSON)"
    );
    expect_err!(
        certificate_from_pem(&crt),
        Error::InvalidInput(m) if m.contains("not a PEM certificate")
    );
}

#[test]
fn certificate_and_signature_files() {
    assert!(certificate_from_pem(b"").is_err());
    assert!(
        certificate_from_pem(b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n").is_err()
    );
    assert!(
        certificate_from_pem(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
            .is_err()
    );
    assert!(signature_from_base64(b"").is_err());
    assert!(signature_from_base64(b" \n").is_err());
    assert!(signature_from_base64(b"not base64!").is_err());
    assert_eq!(signature_from_base64(b" AAEC\n").unwrap(), vec![0, 1, 2]);
}

#[test]
fn rekor_api_shapes() {
    let d = crypto::default_backend().digest(HashAlgorithm::Sha256, b"a");
    let q: Value = serde_json::from_slice(&api::index_query(&d).unwrap()).unwrap();
    assert_eq!(q, json!({"hash": format!("sha256:{}", d.to_hex())}));
    let d384 = crypto::default_backend().digest(HashAlgorithm::Sha384, b"a");
    assert!(api::index_query(&d384).is_err());

    let u = "ab".repeat(32);
    assert_eq!(
        api::parse_index_response(format!("[\"{u}\"]").as_bytes()),
        Ok(vec![u.clone()])
    );
    assert_eq!(api::parse_index_response(b"[]"), Ok(vec![]));
    for bad in [
        &b"{}"[..],
        b"[1]",
        b"[\"../../etc\"]",
        b"[\"abc\"]",
        b"nope",
    ] {
        assert!(api::parse_index_response(bad).is_err());
    }
}

#[test]
fn rekor_v1_url_of_the_public_roots() {
    assert_eq!(
        TrustedRoot::staging().unwrap().rekor_v1_url(),
        Some("https://rekor.sigstage.dev")
    );
    assert_eq!(
        TrustedRoot::production().unwrap().rekor_v1_url(),
        Some("https://rekor.sigstore.dev")
    );
    assert_eq!(TrustedRoot::default().rekor_v1_url(), None);
}

#[test]
fn rekor_client_rejects_bad_urls_and_uuids_without_io() {
    use crate::net::RekorV1Client;
    assert!(RekorV1Client::new("ftp://example").is_err());
    let c = RekorV1Client::new("http://127.0.0.1:9/").unwrap();
    assert_eq!(c.base_url(), "http://127.0.0.1:9");
    expect_err!(c.entry("../x"), Error::InvalidInput(_));
}
