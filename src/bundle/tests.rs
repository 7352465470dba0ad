use super::*;
use crate::test_support::{fixtures, read};

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
        assert!(matches!(Bundle::from_json(s.as_bytes()), Err(Error::InvalidBundle(_))), "{s}");
    }
}
