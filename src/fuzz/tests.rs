//! Replays each fuzz target over its committed corpus (`fuzz/corpus/<target>/`):
//! what a fuzzing campaign kept as interesting inputs, plus the seeds, must
//! still run to completion. A missing or empty corpus fails the test, so a
//! target cannot silently lose its corpus.

use super::TARGETS;
use std::path::PathBuf;

fn corpus_files(target: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {} is missing: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("read corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "corpus {} is empty", dir.display());
    files
}

#[test]
fn every_target_has_a_corpus_directory_and_no_other_directory_exists() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .expect("fuzz/corpus exists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let mut expected: Vec<String> = TARGETS.iter().map(|(n, _)| n.to_string()).collect();
    expected.sort();
    assert_eq!(found, expected);
}

/// Runs `target` over every file of `fuzz/corpus/<name>/`.
fn replay(name: &str, target: super::Target) {
    assert!(
        TARGETS.iter().any(|(n, _)| *n == name),
        "unknown target {name}"
    );
    for file in corpus_files(name) {
        let data = std::fs::read(&file).expect("read corpus file");
        target(&data);
    }
}

macro_rules! replay_tests {
    ($($name:ident),*) => {$(
        #[test]
        fn $name() {
            replay(stringify!($name), crate::fuzz::$name);
        }
    )*};
}

mod corpus {
    use super::replay;
    replay_tests!(
        bundle_json,
        x509_cert,
        rfc3161_token,
        checkpoint,
        provenance_json,
        dist_name
    );
}

// Recorded material passes every step of its harness, so the campaign's
// mutations start from inputs that reach the deepest checks (an harness that
// stopped early, e.g. on the wrong artifact digest, would fuzz only parsing).

fn json(rel: &str) -> serde_json::Value {
    serde_json::from_slice(&crate::test_support::read(rel)).expect("recorded JSON")
}

fn b64(v: &serde_json::Value) -> Vec<u8> {
    use base64::Engine as _;
    let s = v.as_str().expect("a base64 string");
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("base64")
}

const STAGING_BUNDLE: &str = "sigstore-python/tsa/bundle.txt.sigstore";
const PRODUCTION_BUNDLE: &str = "conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json";

#[test]
fn recorded_bundles_verify_through_the_bundle_harness() {
    for rel in [PRODUCTION_BUNDLE, "sigstore-python/bundle_v3.txt.sigstore"] {
        let data = crate::test_support::read(rel);
        assert_eq!(super::run_bundle_json(&data), 1, "{rel}");
    }
}

#[test]
fn a_recorded_leaf_verifies_its_scts_through_the_x509_harness() {
    let b = json(PRODUCTION_BUNDLE);
    let leaf = b64(&b["verificationMaterial"]["certificate"]["rawBytes"]);
    assert_eq!(super::run_x509_cert(&leaf), 1);
}

#[test]
fn a_recorded_token_verifies_through_the_rfc3161_harness() {
    // A token from the staging TSA (tsa/bundle.txt.sigstore's are from
    // sigstore-python's test TSA, which no embedded root trusts).
    let b = json("sigstore-python/staging-rekor-v2.txt.sigstore.json");
    let signature = b64(&b["messageSignature"]["signature"]);
    let token = b64(
        &b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]
            ["signedTimestamp"],
    );
    let mut framed = u16::try_from(signature.len())
        .expect("short signature")
        .to_be_bytes()
        .to_vec();
    framed.extend(signature);
    framed.extend(token);
    assert_eq!(super::run_rfc3161_token(&framed), 1);
}

#[test]
fn a_recorded_checkpoint_verifies_through_the_checkpoint_harness() {
    let b = json(STAGING_BUNDLE);
    let note =
        &b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"];
    let note = note.as_str().expect("a checkpoint");
    assert_eq!(super::run_checkpoint(note.as_bytes()), 1);
}

#[test]
fn recorded_provenance_and_attestations_verify_through_the_provenance_harness() {
    for rel in [
        "pypi-attestations/pypi_attestations-0.0.19.tar.gz.provenance",
        "pypi-attestations/rfc8785-0.1.2-py3-none-any.whl.publish.attestation",
    ] {
        let data = crate::test_support::read(rel);
        assert_eq!(super::run_provenance_json(&data), 1, "{rel}");
    }
}
