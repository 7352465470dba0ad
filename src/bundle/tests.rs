use super::*;
use crate::test_support::{expect_err, fixtures, read};

fn parse(rel: &str) -> Result<Bundle> {
    Bundle::from_json(&read(rel))
}

#[test]
fn real_bundles_parse() {
    let root = fixtures();
    let mut n = 0;
    for dir in std::fs::read_dir(root.join("conformance/bundle-verify")).unwrap() {
        let dir = dir.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        if !dir.is_dir() || name.ends_with("_fail") {
            continue;
        }
        let data = std::fs::read(dir.join("bundle.sigstore.json")).unwrap();
        Bundle::from_json(&data).unwrap_or_else(|e| panic!("{name}: {e}"));
        n += 1;
    }
    assert!(n > 10, "only {n} happy cases found");
    for f in [
        "sigstore-python/bundle.txt.sigstore",
        "sigstore-python/bundle_v3.txt.sigstore",
        "sigstore-python/bundle_v3_alt.txt.sigstore",
        "sigstore-python/staging-rekor-v2.txt.sigstore.json",
        "sigstore-python/integration/Python-3.12.5.tgz.sigstore",
        "pypi-attestations/rfc8785-0.1.2-py3-none-any.whl.sigstore",
    ] {
        parse(f).unwrap_or_else(|e| panic!("{f}: {e}"));
    }
}

#[test]
fn both_v03_spellings() {
    let a = parse("sigstore-python/bundle_v3.txt.sigstore");
    let b = parse("sigstore-python/bundle_v3_alt.txt.sigstore").unwrap();
    assert_eq!(a.unwrap().version, BundleVersion::V0_3);
    assert_eq!(b.version, BundleVersion::V0_3);
}

#[test]
fn malformed_bundles_are_rejected_with_a_reason() {
    let cases = [
        (
            "sigstore-python/bundle_invalid_version.txt.sigstore",
            "media type",
        ),
        (
            "sigstore-python/bundle_no_cert_v1.txt.sigstore",
            "no certificates",
        ),
        (
            "sigstore-python/bundle_no_checkpoint.txt.sigstore",
            "checkpoint",
        ),
        (
            "sigstore-python/bundle_no_log_entry.txt.sigstore",
            "exactly one transparency log entry",
        ),
        (
            "conformance/bundle-verify/bundle-malformed-json_fail/bundle.sigstore.json",
            "JSON",
        ),
        (
            "conformance/bundle-verify/bundle-unknown-version_fail/bundle.sigstore.json",
            "media type",
        ),
        (
            "conformance/bundle-verify/bundle-invalid-base64-signature_fail/bundle.sigstore.json",
            "base64",
        ),
        (
            "conformance/bundle-verify/invalid-inclusion-proof_fail/bundle.sigstore.json",
            "checkpoint",
        ),
        (
            "conformance/bundle-verify/intoto-missing-inclusion-proof_fail/bundle.sigstore.json",
            "inclusion proof",
        ),
        (
            "conformance/bundle-verify/rekor2-no-inclusion-proof_fail/bundle.sigstore.json",
            "inclusion proof",
        ),
    ];
    for (f, needle) in cases {
        let r = parse(f);
        match r {
            Err(Error::InvalidBundle(m)) => {
                assert!(m.contains(needle), "{f}: {m:?} lacks {needle:?}")
            }
            other => panic!("{f}: expected InvalidBundle, got {other:?}"),
        }
    }
}

#[test]
fn hostile_shapes_do_not_panic() {
    for s in [
        "", "null", "[]", "{}", "{\"mediaType\":1}",
        "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\"}",
        "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":{}}",
        "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":{\"certificate\":{\"rawBytes\":\"AA==\"},\"tlogEntries\":[{}]}}",
        "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":{\"certificate\":{\"rawBytes\":\"AA==\"},\"tlogEntries\":[{\"logIndex\":\"-1\"}]}}",
    ] {
        expect_err!(Bundle::from_json(s.as_bytes()), Error::InvalidBundle(_), "{s}");
    }
}

fn json(rel: &str) -> serde_json::Value {
    serde_json::from_slice(&read(rel)).unwrap()
}

/// Every recorded bundle that parses, as `(name, JSON)`.
fn recorded_bundles() -> Vec<(String, serde_json::Value)> {
    let root = fixtures();
    let mut out = Vec::new();
    for dir in std::fs::read_dir(root.join("conformance/bundle-verify")).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let rel = format!("conformance/bundle-verify/{name}/bundle.sigstore.json");
        let data = std::fs::read(root.join(&rel)).unwrap();
        if Bundle::from_json(&data).is_ok() {
            out.push((rel, serde_json::from_slice(&data).unwrap()));
        }
    }
    for rel in [
        "sigstore-python/bundle.txt.sigstore",
        "sigstore-python/bundle_v3.txt.sigstore",
        "sigstore-python/staging-rekor-v2.txt.sigstore.json",
        "pypi-attestations/rfc8785-0.1.2-py3-none-any.whl.sigstore",
    ] {
        out.push((rel.to_string(), json(rel)));
    }
    out
}

/// Issue 10 item 6: the protobuf JSON mapping has parsers accept the proto
/// field names (`media_type`) as well as lowerCamelCase (`mediaType`); they
/// were silently ignored as unknown fields.
#[test]
fn proto_field_names_parse_identically() {
    let all = recorded_bundles();
    assert!(all.len() > 20, "only {} bundles", all.len());
    for (name, camel) in all {
        let snake = crate::test_support::proto_field_names(&camel);
        assert_ne!(snake, camel, "{name}: nothing renamed");
        let want = Bundle::from_json(camel.to_string().as_bytes()).unwrap();
        let got = Bundle::from_json(snake.to_string().as_bytes())
            .unwrap_or_else(|e| panic!("{name} with proto field names: {e}"));
        assert_eq!(got, want, "{name}");
    }
    // A Rekor v2 answer (a bare TransparencyLogEntry) too.
    let b = json("sigstore-python/staging-rekor-v2.txt.sigstore.json");
    let entry = &b["verificationMaterial"]["tlogEntries"][0];
    let snake = crate::test_support::proto_field_names(entry);
    assert_eq!(
        TlogEntry::from_value(&snake).unwrap(),
        TlogEntry::from_value(entry).unwrap()
    );
}

/// Both names of one field in one object is a duplicate, as is a key given
/// twice; either is an error, never one value silently winning.
#[test]
fn duplicate_fields_are_rejected_under_either_name() {
    let text = String::from_utf8(read("sigstore-python/bundle_v3.txt.sigstore")).unwrap();
    let media = "\"mediaType\": \"application/vnd.dev.sigstore.bundle.v0.3+json\"";
    assert!(text.contains(media), "fixture changed");
    let cases = [
        // Mixed names, top level.
        text.replacen(
            media,
            &format!("{media}, \"media_type\": \"application/vnd.dev.sigstore.bundle.v0.3+json\""),
            1,
        ),
        // A literal duplicate.
        text.replacen(media, &format!("{media}, {media}"), 1),
        // Mixed names, nested in a log entry.
        text.replacen("\"logIndex\":", "\"log_index\": \"1\", \"logIndex\":", 1),
    ];
    for (i, case) in cases.iter().enumerate() {
        assert_ne!(case, &text, "case {i} did not apply");
        match Bundle::from_json(case.as_bytes()).map(|b| b.version) {
            Err(Error::InvalidBundle(m)) => assert!(m.contains("duplicate field"), "case {i}: {m}"),
            other => panic!("case {i}: expected a duplicate-field error, got {other:?}"),
        }
    }
}

/// protobuf-specs `VerificationMaterial`: form (3), `certificate`, MUST be
/// used in v0.3 bundles; sigstore-python refuses a chain there.
#[test]
fn v03_bundle_with_certificate_chain_is_rejected() {
    let mut b = json("sigstore-python/bundle_v3.txt.sigstore");
    let vm = b["verificationMaterial"].as_object_mut().unwrap();
    let cert = vm.remove("certificate").unwrap();
    vm.insert(
        "x509CertificateChain".into(),
        serde_json::json!({ "certificates": [cert] }),
    );
    match Bundle::from_json(b.to_string().as_bytes()).map(|b| b.version) {
        Err(Error::InvalidBundle(m)) => assert!(
            m.contains("v0.3") && m.contains("certificate") && m.contains("x509CertificateChain"),
            "{m}"
        ),
        other => panic!("expected InvalidBundle, got {other:?}"),
    }
    // Under its proto name too.
    let snake = crate::test_support::proto_field_names(&b);
    expect_err!(
        Bundle::from_json(snake.to_string().as_bytes()),
        Error::InvalidBundle(_)
    );
}
