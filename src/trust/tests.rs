use super::*;
use crate::test_support::read;

#[test]
fn embedded_roots_parse() {
    let p = TrustedRoot::production().expect("production");
    assert!(!p.tlogs.is_empty() && !p.certificate_authorities.is_empty() && !p.ctlogs.is_empty());
    let s = TrustedRoot::staging().expect("staging");
    // Staging carries a PKCS#1 RSA CT log key; it must normalise to SPKI.
    assert!(s.ctlogs.iter().any(|l| l.key.kind == KeyKind::Rsa));
    assert!(s.tlogs.iter().any(|l| l.key.kind == KeyKind::Ed25519));
}

#[test]
fn validity_end_is_inclusive() {
    let v = Validity {
        start: 10,
        end: Some(20),
    };
    assert!(v.contains(10) && v.contains(20) && !v.contains(21) && !v.contains(9));
    assert!(Validity {
        start: 0,
        end: None
    }
    .contains(i64::MAX));
}

#[test]
fn sigstore_python_trust_documents() {
    let ok = read("sigstore-python/trusted_root/trustedroot.v1.json");
    TrustedRoot::from_json(&ok).expect("v1");
    let ed =
        read("sigstore-python/trusted_root/trustedroot.v1.local_tlog_ed25519_rekor-tiles.json");
    TrustedRoot::from_json(&ed).expect("ed25519 tiles root");
    let bad = read("sigstore-python/trusted_root/trustedroot.badtype.json");
    let e = TrustedRoot::from_json(&bad).expect_err("bad media type");
    assert!(e.to_string().contains("media type"), "{e}");
    let cfg = read("sigstore-python/trust_config/config.v1.json");
    TrustedRoot::from_trust_config_json(&cfg).expect("trust config");
    let bad = read("sigstore-python/trust_config/config.badtype.json");
    assert!(TrustedRoot::from_trust_config_json(&bad).is_err());
    let ca = read("sigstore-python/trusted_root/certificate_authority.json");
    CertificateAuthority::from_json(&ca).expect("ca");
    let d = read("sigstore-python/trusted_root/certificate_authority.empty.json");
    let e = CertificateAuthority::from_json(&d).expect_err("empty");
    assert!(e.to_string().contains("certChain"), "{e}");
}

/// Issue 10 item 7: the last certificate of `certChain` is the trust anchor
/// whether or not it is a self-signed root (protobuf-specs PR 245), so a
/// chain that stops at an intermediate loads. sigstore-python's
/// `missingroot` fixture is such a chain: a TSA leaf and its intermediate.
#[test]
fn ca_chain_may_end_in_an_intermediate() {
    let d = read("sigstore-python/trusted_root/certificate_authority.missingroot.json");
    let ca = CertificateAuthority::from_json(&d).expect("intermediate-anchored chain");
    assert_eq!(ca.chain.len(), 2);
    // Still every entry must be a certificate.
    let mut doc: serde_json::Value = serde_json::from_slice(&d).unwrap();
    doc["certChain"]["certificates"][1]["rawBytes"] = "AAAA".into();
    let e = CertificateAuthority::from_json(doc.to_string().as_bytes()).expect_err("junk");
    assert!(e.to_string().contains("not a DER certificate"), "{e}");
}

#[test]
fn missing_validity_start_is_rejected() {
    let d = read(
        "conformance/bundle-verify/trust-root-tlog-missing-validity-start_fail/trusted_root.json",
    );
    let e = TrustedRoot::from_json(&d).expect_err("must reject");
    assert!(e.to_string().contains("validFor.start"), "{e}");
}

#[test]
fn garbage_is_an_error() {
    assert!(TrustedRoot::from_json(b"{").is_err());
    assert!(TrustedRoot::from_json(b"[]").is_err());
    assert!(TrustedRoot::from_json(b"{\"mediaType\": 5}").is_err());
}
