use super::chain::{check_ca_profile, check_leaf_profile};
use super::*;
use crate::crypto::{all_backends, CryptoBackend};
use crate::test_support::{assert_mentions, expect_err, expect_message, read};
use crate::trust::{CertificateAuthority, TransparencyLog, TrustedKey, TrustedRoot, Validity};
use base64::Engine as _;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

// ---------------------------------------------------------------- fixtures

/// The leaf, any further chain certificates, and `integratedTime` of a
/// recorded bundle (v0.1–v0.3 layouts).
fn bundle_material(rel: &str) -> (Vec<Certificate>, i64) {
    let data = read(rel);
    let v: serde_json::Value = serde_json::from_slice(&data).expect("bundle JSON");
    let vm = &v["verificationMaterial"];
    let raws: Vec<&str> = if let Some(c) = vm["certificate"]["rawBytes"].as_str() {
        vec![c]
    } else {
        vm["x509CertificateChain"]["certificates"]
            .as_array()
            .expect("chain")
            .iter()
            .map(|c| c["rawBytes"].as_str().expect("rawBytes"))
            .collect()
    };
    let certs = raws
        .iter()
        .map(|r| Certificate::from_der(B64.decode(r).expect("base64")).expect("certificate"))
        .collect();
    let t = &vm["tlogEntries"][0]["integratedTime"];
    let at = t
        .as_i64()
        .or_else(|| t.as_str().and_then(|s| s.parse().ok()))
        .expect("integratedTime");
    (certs, at)
}

fn root(rel: &str) -> TrustedRoot {
    TrustedRoot::from_json(&read(rel)).expect("trust root")
}

/// The chain of `leaf` to one of `tr`'s CAs at `at`.
fn chain_in(
    crypto: &dyn CryptoBackend,
    leaf: &Certificate,
    tr: &TrustedRoot,
    at: i64,
    purpose: Purpose,
) -> Result<ChainInfo, X509Error> {
    verify_chain(crypto, leaf, &tr.certificate_authorities, at, purpose)
}

/// (bundle, trust root) pairs of real Fulcio leaves.
const REAL: [(&str, &str); 5] = [
    (
        "sigstore-python/bundle_v3.txt.sigstore",
        "trust/staging/trusted_root.json",
    ),
    (
        "sigstore-python/bundle.txt.sigstore",
        "trust/staging/trusted_root.json",
    ),
    (
        "conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json",
        "trust/production/trusted_root.json",
    ),
    (
        "conformance/bundle-verify/happy-path-v0.1/bundle.sigstore.json",
        "trust/production/trusted_root.json",
    ),
    (
        "sigstore-python/integration/Python-3.12.5.tgz.sigstore",
        "trust/production/trusted_root.json",
    ),
];

#[test]
fn real_leaves_chain_and_scts_verify_at_integration_time() {
    for (bundle, trust) in REAL {
        let (certs, at) = bundle_material(bundle);
        let tr = root(trust);
        let leaf = &certs[0];
        for crypto in all_backends() {
            let info = chain_in(crypto, leaf, &tr, at, Purpose::CodeSigning)
                .unwrap_or_else(|e| panic!("{bundle} on {}: {e}", crypto.name()));
            assert_eq!(
                info.issuer_der,
                tr.certificate_authorities[info.ca_index].chain[0]
            );
            let n = verify_embedded_scts(crypto, leaf, &info.issuer_der, &tr.ctlogs)
                .unwrap_or_else(|e| panic!("{bundle} SCTs on {}: {e}", crypto.name()));
            assert!(n >= 1);

            for t in [leaf.not_before() - 1, leaf.not_after() + 1] {
                expect_err!(
                    chain_in(crypto, leaf, &tr, t, Purpose::CodeSigning),
                    X509Error::NotValidAt { .. },
                    "{bundle}"
                );
            }
            // Ends are inclusive (RFC 5280 §4.1.2.5).
            chain_in(crypto, leaf, &tr, leaf.not_before(), Purpose::CodeSigning)
                .expect("at notBefore");
            expect_message(
                chain_in(crypto, leaf, &tr, at, Purpose::TimeStamping),
                &["timeStamping"],
            );
        }
    }
}

#[test]
fn real_leaf_against_the_other_instance_is_untrusted() {
    let (certs, at) = bundle_material(REAL[0].0);
    let prod = root("trust/production/trusted_root.json");
    for crypto in all_backends() {
        // Production and staging CAs share names; the signature decides.
        expect_message(
            chain_in(crypto, &certs[0], &prod, at, Purpose::CodeSigning),
            &["does not verify"],
        );
        let staging = root("trust/staging/trusted_root.json");
        let info_staging =
            chain_in(crypto, &certs[0], &staging, at, Purpose::CodeSigning).expect("staging");
        expect_message(
            verify_embedded_scts(crypto, &certs[0], &info_staging.issuer_der, &prod.ctlogs),
            &["not a trusted CT log"],
        );
    }
}

#[test]
fn real_leaf_claims() {
    let (certs, _) = bundle_material(REAL[0].0);
    let leaf = &certs[0];
    assert_eq!(leaf.sans(), vec!["william@yossarian.net".to_string()]);
    assert_eq!(
        leaf.claim(Claim::OidcIssuer).as_deref(),
        Some("https://github.com/login/oauth")
    );
    let (certs, _) = bundle_material(REAL[2].0);
    let leaf = &certs[0];
    assert_eq!(
        leaf.sans(),
        vec!["https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main".to_string()]
    );
    assert_eq!(
        leaf.claim(Claim::OidcIssuer).as_deref(),
        Some("https://token.actions.githubusercontent.com")
    );
    // `.5` is a deprecated raw-string extension, `.12` a DER UTF8String.
    assert_eq!(
        leaf.claim(Claim::GitHubWorkflowRepository).as_deref(),
        Some("sigstore-conformance/extremely-dangerous-public-oidc-beacon")
    );
    assert_eq!(
        leaf.claim(Claim::SourceRepositoryUri).as_deref(),
        Some("https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon")
    );
    assert_eq!(
        leaf.signature_algorithm(),
        Ok(SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha384))
    );
    assert!(!leaf.is_ca() && !leaf.is_self_issued());
}

#[test]
fn bundle_chain_with_root_is_rejected() {
    let (certs, _) = bundle_material(
        "conformance/bundle-verify/bundle-with-root-cert_fail/bundle.sigstore.json",
    );
    expect_err!(
        check_bundle_chain(&certs),
        X509Error::RootInBundleChain { index: 1, .. },
        "root in chain"
    );
    // Without the root, leaf + intermediate is an acceptable bundle chain.
    check_bundle_chain(&[certs[0].clone(), certs[2].clone()]).expect("leaf and intermediate");
}

fn bogus(name: &str) -> Certificate {
    let pem = read(&format!("sigstore-python/x509/bogus-{name}.pem"));
    Certificate::from_pem(&pem).expect(name)
}

fn leaf_error(e: &X509Error) -> bool {
    matches!(e, X509Error::Leaf { .. })
}

fn ca_error(e: &X509Error) -> bool {
    matches!(e, X509Error::Ca { .. })
}

/// Each `(name, phrase)`: `check` rejects the bogus certificate `name` with
/// an error of the `expected` kind whose message contains `phrase`.
fn bogus_rejected<T: std::fmt::Debug>(
    cases: &[(&str, &str)],
    expected: fn(&X509Error) -> bool,
    check: impl Fn(&Certificate) -> Result<T, X509Error>,
) {
    for &(name, phrase) in cases {
        let e = check(&bogus(name)).expect_err(name);
        assert!(expected(&e), "{name}: {e}");
        assert_mentions(&e, &[phrase]);
    }
}

#[test]
fn bogus_leaves_are_rejected_for_the_right_reason() {
    let ok = bogus("leaf");
    check_leaf_profile(&ok, Purpose::CodeSigning).expect("bogus-leaf is a valid leaf");
    bogus_rejected(
        &[
            ("leaf-invalid-ku", "keyUsage without digitalSignature"),
            ("leaf-missing-eku", "no extendedKeyUsage"),
            ("leaf-invalid-eku", "codeSigning"),
            ("root", "cA TRUE"),
            ("intermediate", "cA TRUE"),
        ],
        leaf_error,
        |c| check_leaf_profile(c, Purpose::CodeSigning),
    );
}

#[test]
fn bogus_cas_are_rejected_for_the_right_reason() {
    let ok = bogus("root");
    check_ca_profile(&ok, 5).expect("no pathLen on bogus-root");
    let inter = bogus("intermediate");
    check_ca_profile(&inter, 1).expect("pathlen 1");
    expect_message(check_ca_profile(&inter, 2), &["pathLenConstraint"]);
    bogus_rejected(
        &[
            ("root-invalid-ku", "keyUsage without keyCertSign"),
            ("root-missing-ku", "no keyUsage"),
            ("root-noncritical-bc", "critical basicConstraints"),
            ("leaf", "basicConstraints cA TRUE"),
        ],
        ca_error,
        |c| check_ca_profile(c, 0),
    );
}

#[test]
fn bogus_certificates_through_verify_chain() {
    let leaf = bogus("leaf");
    let at = 1_700_000_000;
    let ca = |c: &Certificate| CertificateAuthority {
        uri: "bogus".into(),
        chain: vec![c.der().to_vec()],
        validity: Validity {
            start: 0,
            end: None,
        },
    };
    let names = [
        "leaf",
        "leaf-invalid-ku",
        "leaf-missing-eku",
        "leaf-invalid-eku",
        "root",
        "root-invalid-ku",
        "root-missing-ku",
        "root-noncritical-bc",
        "intermediate",
        "intermediate-with-eku",
    ];
    for crypto in all_backends() {
        // Every bogus certificate is signed by the (shared) bogus root key.
        for name in names {
            let c = bogus(name);
            assert_eq!(
                c.signature_algorithm(),
                Ok(SignatureAlgorithm::RsaPkcs1(HashAlgorithm::Sha256))
            );
            assert!(c.is_self_issued(), "{name}");
        }
        let root_ok = bogus("root");
        let info = verify_chain(crypto, &leaf, &[ca(&root_ok)], at, Purpose::CodeSigning)
            .unwrap_or_else(|e| panic!("bogus-leaf under bogus-root on {}: {e}", crypto.name()));
        assert_eq!(info.issuer_der, root_ok.der());
        bogus_rejected(
            &[
                ("root-noncritical-bc", "critical basicConstraints"),
                ("root-invalid-ku", "keyUsage without keyCertSign"),
                ("root-missing-ku", "no keyUsage"),
            ],
            ca_error,
            |root| verify_chain(crypto, &leaf, &[ca(root)], at, Purpose::CodeSigning),
        );
        bogus_rejected(
            &[
                ("leaf-invalid-ku", "digitalSignature"),
                ("leaf-missing-eku", "no extendedKeyUsage"),
                ("leaf-invalid-eku", "codeSigning"),
                ("intermediate", "cA TRUE"),
            ],
            leaf_error,
            |l| verify_chain(crypto, l, &[ca(&root_ok)], at, Purpose::CodeSigning),
        );
        // The intermediate's key did not sign the leaf: under a chain that
        // the intermediate anchors, nothing else could have.
        let inter = bogus("intermediate");
        let chain = |certs: &[&Certificate]| CertificateAuthority {
            uri: "bogus".into(),
            chain: certs.iter().map(|c| c.der().to_vec()).collect(),
            validity: Validity {
                start: 0,
                end: None,
            },
        };
        expect_err!(
            verify_chain(crypto, &leaf, &[chain(&[&inter])], at, Purpose::CodeSigning),
            X509Error::BadSignature { .. },
            "wrong key"
        );
        // Under [intermediate, root] the root, which did sign it, is its issuer.
        let info = verify_chain(
            crypto,
            &leaf,
            &[chain(&[&inter, &root_ok])],
            at,
            Purpose::CodeSigning,
        )
        .expect("issued by the chain's root");
        assert_eq!(info.issuer_der, root_ok.der());
        // A bundle chain of bogus certificates is all roots by name.
        assert!(check_bundle_chain(std::slice::from_ref(&leaf)).is_err());
    }
}

#[test]
fn untrusted_input_never_panics() {
    for junk in [&b""[..], b"\x30", b"\x30\x82\xff\xff", b"not a certificate"] {
        assert!(Certificate::from_der(junk.to_vec()).is_err());
        assert!(Certificate::from_pem(junk).is_err());
    }
    let (certs, at) = bundle_material(REAL[0].0);
    let tr = root("trust/staging/trusted_root.json");
    let crypto = all_backends()[0];
    let der = certs[0].der().to_vec();
    let info = chain_in(crypto, &certs[0], &tr, at, Purpose::CodeSigning).expect("chain");
    // Flip every byte in turn: parsing, chain and SCT checks may fail, never panic,
    // and the chain never verifies (the leaf signature covers every TBS byte).
    let mut accepted_scts = 0;
    for i in 0..der.len() {
        let mut d = der.clone();
        d[i] ^= 0x01;
        let Ok(c) = Certificate::from_der(d) else {
            continue;
        };
        if chain_in(crypto, &c, &tr, at, Purpose::CodeSigning).is_ok() {
            // Only the outer signature's unsigned framing could be flipped harmlessly.
            assert_eq!(c.tbs_der(), certs[0].tbs_der(), "byte {i}");
        }
        if verify_embedded_scts(crypto, &c, &info.issuer_der, &tr.ctlogs).is_ok() {
            accepted_scts += 1;
        }
    }
    // Flips outside the TBS (outer signature) leave the SCT intact; flips
    // inside the TBS must all break the SCT.
    assert!(
        accepted_scts <= der.len() - certs[0].tbs_der().len(),
        "{accepted_scts}"
    );
}

#[test]
fn tampered_real_sct_is_rejected() {
    let (certs, at) = bundle_material(REAL[0].0);
    let tr = root("trust/staging/trusted_root.json");
    let leaf = &certs[0];
    let sct_ext = leaf
        .extension(OID_SCT_LIST)
        .expect("SCT extension")
        .to_vec();
    // The SCT's signature is the list's last bytes: flip the final one.
    let pos = find(leaf.der(), &sct_ext).expect("extension bytes in DER") + sct_ext.len() - 1;
    let mut d = leaf.der().to_vec();
    d[pos] ^= 0x55;
    let tampered = Certificate::from_der(d).expect("still parses");
    for crypto in all_backends() {
        let info = chain_in(crypto, leaf, &tr, at, Purpose::CodeSigning).expect("chain");
        expect_err!(
            verify_embedded_scts(crypto, &tampered, &info.issuer_der, &tr.ctlogs),
            X509Error::NotEnoughScts { total: 1, .. },
            "tampered SCT"
        );
        // And with no trusted CT logs at all.
        expect_message(
            verify_embedded_scts(crypto, leaf, &info.issuer_der, &[]),
            &["not a trusted CT log"],
        );
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

// ------------------------------------------------------- generated material

mod generated {
    use super::*;
    use p256::pkcs8::EncodePublicKey as _;
    use rcgen::{
        BasicConstraints as RcBc, CertificateParams, CustomExtension, DnType,
        ExtendedKeyUsagePurpose as Eku, IsCa, KeyPair, KeyUsagePurpose as Ku, SanType,
        SerialNumber, PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384,
    };
    use time::OffsetDateTime;

    const NOW: i64 = 1_700_000_000;
    const SCT_OID: [u64; 10] = [1, 3, 6, 1, 4, 1, 11129, 2, 4, 2];

    fn t(unix: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(unix).expect("time")
    }

    fn ca_params(cn: &str, path_len: Option<u8>) -> CertificateParams {
        let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
        p.distinguished_name.push(DnType::CommonName, cn);
        p.is_ca = IsCa::Ca(path_len.map_or(RcBc::Unconstrained, RcBc::Constrained));
        p.key_usages = vec![Ku::KeyCertSign, Ku::CrlSign];
        p.not_before = t(NOW - 86_400 * 365);
        p.not_after = t(NOW + 86_400 * 365);
        p
    }

    fn leaf_params() -> CertificateParams {
        let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
        p.serial_number = Some(SerialNumber::from(vec![1, 2, 3, 4]));
        p.key_usages = vec![Ku::DigitalSignature];
        p.extended_key_usages = vec![Eku::CodeSigning];
        p.subject_alt_names = vec![SanType::Rfc822Name(
            "dev@example.com".try_into().expect("ia5"),
        )];
        p.not_before = t(NOW - 300);
        p.not_after = t(NOW + 300);
        p
    }

    struct Pki {
        root: rcgen::Certificate,
        root_key: KeyPair,
        inter: rcgen::Certificate,
        inter_key: KeyPair,
        leaf_key: KeyPair,
    }

    fn pki() -> Pki {
        let root_key = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).expect("key");
        let root = ca_params("test root", Some(1))
            .self_signed(&root_key)
            .expect("root");
        let inter_key = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).expect("key");
        let inter = ca_params("test intermediate", Some(0))
            .signed_by(&inter_key, &root, &root_key)
            .expect("intermediate");
        let leaf_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
        Pki {
            root,
            root_key,
            inter,
            inter_key,
            leaf_key,
        }
    }

    impl Pki {
        fn cas(&self) -> Vec<CertificateAuthority> {
            vec![CertificateAuthority {
                uri: "https://fulcio.test".into(),
                chain: vec![self.inter.der().to_vec(), self.root.der().to_vec()],
                validity: Validity {
                    start: NOW - 86_400,
                    end: None,
                },
            }]
        }
        fn leaf(&self, p: CertificateParams) -> Certificate {
            let c = p
                .signed_by(&self.leaf_key, &self.inter, &self.inter_key)
                .expect("leaf");
            Certificate::from_der(c.der().to_vec()).expect("parse")
        }
    }

    #[test]
    fn happy_path_and_leaf_rejections() {
        let pki = pki();
        let cas = pki.cas();
        let ok = pki.leaf(leaf_params());
        assert_eq!(ok.sans(), vec!["dev@example.com".to_string()]);
        assert_eq!(
            ok.signature_algorithm(),
            Ok(SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha384))
        );

        let mut ca_leaf = leaf_params();
        ca_leaf.is_ca = IsCa::Ca(RcBc::Unconstrained);
        let ca_leaf = pki.leaf(ca_leaf);

        let mut server = leaf_params();
        server.extended_key_usages = vec![Eku::ServerAuth];
        let server = pki.leaf(server);

        let mut no_ku = leaf_params();
        no_ku.key_usages = vec![];
        let no_ku = pki.leaf(no_ku);

        let mut expired = leaf_params();
        expired.not_after = t(NOW - 1);
        let expired = pki.leaf(expired);

        for crypto in all_backends() {
            let info = verify_chain(crypto, &ok, &cas, NOW, Purpose::CodeSigning).expect("happy");
            assert_eq!(
                info,
                ChainInfo {
                    issuer_der: pki.inter.der().to_vec(),
                    ca_index: 0
                }
            );
            for (c, needle) in [
                (&ca_leaf, "cA TRUE"),
                (&server, "codeSigning"),
                (&no_ku, "no keyUsage"),
                (&expired, "not valid at"),
            ] {
                expect_message(
                    verify_chain(crypto, c, &cas, NOW, Purpose::CodeSigning),
                    &[needle],
                );
            }
            // The CA's trusted-root window must contain the time, too.
            expect_err!(
                verify_chain(crypto, &ok, &cas, NOW - 86_400 - 1, Purpose::CodeSigning),
                X509Error::NotValidAt { .. } | X509Error::NoCaValidAt { .. },
                "before CA validity"
            );
            let mut later = cas.clone();
            later[0].validity = Validity {
                start: NOW + 1,
                end: None,
            };
            assert_eq!(
                verify_chain(crypto, &ok, &later, NOW, Purpose::CodeSigning),
                Err(X509Error::NoCaValidAt { at: NOW })
            );
        }
    }

    #[test]
    fn wrong_issuer_is_rejected() {
        let pki = pki();
        let other = pki_other_same_names();
        let ok = pki.leaf(leaf_params());
        for crypto in all_backends() {
            // Same names, different keys: the signature decides.
            expect_err!(
                verify_chain(crypto, &ok, &other, NOW, Purpose::CodeSigning),
                X509Error::BadSignature { .. },
                "other CA"
            );
            // Different names: rejected before any signature check.
            let mut root_only = pki.cas();
            root_only[0].chain.remove(0);
            expect_err!(
                verify_chain(crypto, &ok, &root_only, NOW, Purpose::CodeSigning),
                X509Error::IssuerMismatch { .. },
                "skipped intermediate"
            );
            // Two candidate CAs, the second right: found, with its index.
            let both: Vec<_> = other.iter().cloned().chain(pki.cas()).collect();
            let info =
                verify_chain(crypto, &ok, &both, NOW, Purpose::CodeSigning).expect("second CA");
            assert_eq!(info.ca_index, 1);
        }
    }

    /// Issue 10 item 7: protobuf-specs (PR 245) makes the last certificate
    /// of a CA's `certChain` the trust anchor, "regardless if it's a root or
    /// intermediate", and the ones before it chain-building intermediates.
    #[test]
    fn the_last_certificate_is_the_trust_anchor() {
        let pki = pki();
        let from_inter = pki.leaf(leaf_params());
        let from_root = Certificate::from_der(
            leaf_params()
                .signed_by(&pki.leaf_key, &pki.root, &pki.root_key)
                .expect("leaf")
                .der()
                .to_vec(),
        )
        .expect("parse");
        let unrelated = pki_other_same_names();
        let stray = pki_other().leaf(leaf_params());
        let full = pki.cas();
        let mut inter_only = pki.cas();
        inter_only[0].chain.truncate(1);
        for crypto in all_backends() {
            // [intermediate]: the root omitted, the intermediate anchors.
            let info = verify_chain(crypto, &from_inter, &inter_only, NOW, Purpose::CodeSigning)
                .unwrap_or_else(|e| panic!("intermediate anchor on {}: {e}", crypto.name()));
            assert_eq!(info.issuer_der, pki.inter.der().to_vec());
            // [intermediate, root]: a leaf the root issued directly.
            let info = verify_chain(crypto, &from_root, &full, NOW, Purpose::CodeSigning)
                .unwrap_or_else(|e| panic!("root-issued leaf on {}: {e}", crypto.name()));
            assert_eq!(info.issuer_der, pki.root.der().to_vec());
            // ... but not under a root-less chain that does not hold its issuer.
            expect_err!(
                verify_chain(crypto, &from_root, &inter_only, NOW, Purpose::CodeSigning),
                X509Error::IssuerMismatch { .. },
                "issuer not in the chain"
            );
            // A leaf of another CA with the same names fails on the signature,
            // under either shape of chain.
            for cas in [&inter_only, &full] {
                expect_err!(
                    verify_chain(crypto, &stray, cas, NOW, Purpose::CodeSigning),
                    X509Error::BadSignature { .. },
                    "unrelated CA"
                );
            }
            expect_err!(
                verify_chain(crypto, &from_inter, &unrelated, NOW, Purpose::CodeSigning),
                X509Error::BadSignature { .. },
                "unrelated trusted root"
            );
        }
    }

    /// A chain whose intermediate the root did not sign is not a path, even
    /// though each certificate parses: the chain-internal signatures count.
    #[test]
    fn a_broken_trusted_chain_does_not_anchor_its_first_certificate() {
        let pki = pki();
        let other = pki_other();
        let leaf = pki.leaf(leaf_params());
        let broken = vec![CertificateAuthority {
            uri: "https://fulcio.test".into(),
            chain: vec![pki.inter.der().to_vec(), other.root.der().to_vec()],
            validity: Validity {
                start: NOW - 86_400,
                end: None,
            },
        }];
        for crypto in all_backends() {
            expect_err!(
                verify_chain(crypto, &leaf, &broken, NOW, Purpose::CodeSigning),
                X509Error::BadSignature { .. },
                "broken chain"
            );
        }
    }

    /// Another PKI with the same names and other keys.
    fn pki_other() -> Pki {
        pki()
    }

    fn pki_other_same_names() -> Vec<CertificateAuthority> {
        pki().cas()
    }

    #[test]
    fn path_length_and_expired_ca_are_enforced() {
        let root_key = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).expect("key");
        let root = ca_params("test root", Some(0))
            .self_signed(&root_key)
            .expect("root");
        let inter_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
        let mut ip = ca_params("test intermediate", None);
        ip.not_after = t(NOW - 10);
        let inter = ip
            .signed_by(&inter_key, &root, &root_key)
            .expect("intermediate");
        let leaf_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
        let leaf = leaf_params()
            .signed_by(&leaf_key, &inter, &inter_key)
            .expect("leaf");
        let leaf = Certificate::from_der(leaf.der().to_vec()).expect("parse");
        let cas = vec![CertificateAuthority {
            uri: "x".into(),
            chain: vec![inter.der().to_vec(), root.der().to_vec()],
            validity: Validity {
                start: 0,
                end: None,
            },
        }];
        for crypto in all_backends() {
            expect_message(
                verify_chain(crypto, &leaf, &cas, NOW, Purpose::CodeSigning),
                &["test intermediate", "not valid"],
            );
            expect_message(
                verify_chain(crypto, &leaf, &cas, NOW - 20, Purpose::CodeSigning),
                &["pathLenConstraint"],
            );
        }
    }

    fn eku_ext(critical: bool) -> CustomExtension {
        // SEQUENCE { OID 1.3.6.1.5.5.7.3.8 } (id-kp-timeStamping)
        let mut e = CustomExtension::from_oid_content(
            &[2, 5, 29, 37],
            vec![
                0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08,
            ],
        );
        e.set_criticality(critical);
        e
    }

    #[test]
    fn timestamping_requires_a_critical_eku_and_pinned_leaves_work() {
        let pki = pki();
        let tsa = |critical| {
            let mut p = leaf_params();
            p.extended_key_usages = vec![];
            p.custom_extensions = vec![eku_ext(critical)];
            pki.leaf(p)
        };
        let (good, soft) = (tsa(true), tsa(false));
        for crypto in all_backends() {
            verify_chain(crypto, &good, &pki.cas(), NOW, Purpose::TimeStamping).expect("TSA");
            expect_message(
                verify_chain(crypto, &soft, &pki.cas(), NOW, Purpose::TimeStamping),
                &["critical extendedKeyUsage"],
            );
            expect_message(
                verify_chain(crypto, &good, &pki.cas(), NOW, Purpose::CodeSigning),
                &["codeSigning"],
            );
            // Trusted roots list a TSA's own certificate first.
            let mut pinned = pki.cas();
            pinned[0].chain.insert(0, good.der().to_vec());
            let info =
                verify_chain(crypto, &good, &pinned, NOW, Purpose::TimeStamping).expect("pinned");
            assert_eq!(info.issuer_der, pki.inter.der().to_vec());
        }
    }

    #[test]
    fn fulcio_claims_and_other_name_sans() {
        let pki = pki();
        let mut p = leaf_params();
        p.subject_alt_names = vec![
            SanType::URI("https://example.com/wf".try_into().expect("ia5")),
            SanType::OtherName((
                vec![1, 3, 6, 1, 4, 1, 57264, 1, 7],
                "octocat!github.com".into(),
            )),
            SanType::DnsName("ignored.example".try_into().expect("ia5")),
        ];
        let v1 = |s: &str| {
            CustomExtension::from_oid_content(
                &[1, 3, 6, 1, 4, 1, 57264, 1, 1],
                s.as_bytes().to_vec(),
            )
        };
        let v2 = |s: &str| {
            let mut der = vec![0x0c, s.len() as u8];
            der.extend_from_slice(s.as_bytes());
            CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 57264, 1, 8], der)
        };
        let with = |exts: Vec<CustomExtension>| {
            let mut q = p.clone();
            q.custom_extensions = exts;
            pki.leaf(q)
        };
        let c = with(vec![v1("https://a"), v2("https://a")]);
        assert_eq!(
            c.sans(),
            vec![
                "https://example.com/wf".to_string(),
                "octocat!github.com".to_string()
            ]
        );
        assert_eq!(c.claim(Claim::OidcIssuer).as_deref(), Some("https://a"));
        assert_eq!(
            with(vec![v1("https://a")])
                .claim(Claim::OidcIssuer)
                .as_deref(),
            Some("https://a")
        );
        assert_eq!(
            with(vec![v2("https://b")])
                .claim(Claim::OidcIssuer)
                .as_deref(),
            Some("https://b")
        );
        // Disagreeing v1/v2: fail closed.
        assert_eq!(
            with(vec![v1("https://a"), v2("https://b")]).claim(Claim::OidcIssuer),
            None
        );
        // A v2 extension holding a raw string is not decoded as one.
        let raw_v2 = CustomExtension::from_oid_content(
            &[1, 3, 6, 1, 4, 1, 57264, 1, 8],
            b"https://a".to_vec(),
        );
        assert_eq!(
            with(vec![raw_v2, v1("https://a")]).claim(Claim::OidcIssuer),
            None
        );
        assert_eq!(c.claim(Claim::BuildTrigger), None);
    }

    /// A CT log (P-256) and an SCT list signed by it over the precertificate.
    struct CtLog {
        key: p256::ecdsa::SigningKey,
        log: TransparencyLog,
    }

    fn ct_log(crypto: &dyn CryptoBackend) -> CtLog {
        let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let spki = key
            .verifying_key()
            .to_public_key_der()
            .expect("spki")
            .as_bytes()
            .to_vec();
        let log_id = crypto
            .digest(HashAlgorithm::Sha256, &spki)
            .as_bytes()
            .to_vec();
        CtLog {
            key,
            log: TransparencyLog {
                base_url: "https://ct.test".into(),
                hash_algorithm: HashAlgorithm::Sha256,
                key: TrustedKey {
                    spki_der: spki,
                    kind: crate::crypto::KeyKind::EcP256,
                    algorithm: SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha256),
                    validity: Validity {
                        start: NOW - 86_400,
                        end: None,
                    },
                },
                log_id,
                checkpoint_key_id: None,
            },
        }
    }

    /// RFC 6962 §3.2/§3.3: the SCT list extension value for one SCT over
    /// `precert_tbs`, with `tamper` applied to the signature.
    fn sct_extension(ct: &CtLog, issuer_spki: &[u8], precert_tbs: &[u8], tamper: bool) -> Vec<u8> {
        sct_extension_hashed(ct, issuer_spki, precert_tbs, tamper, 4)
    }

    /// As [`sct_extension`], an ECDSA signature over the TLS hash `hash`
    /// (RFC 5246 §7.4.1.4.1: 4 SHA-256, 5 SHA-384, 6 SHA-512) of the
    /// signed data.
    fn sct_extension_hashed(
        ct: &CtLog,
        issuer_spki: &[u8],
        precert_tbs: &[u8],
        tamper: bool,
        hash: u8,
    ) -> Vec<u8> {
        let ts: u64 = (NOW as u64) * 1000;
        let issuer_key_hash = sha2_256(issuer_spki);
        let mut signed = vec![0u8, 0];
        signed.extend_from_slice(&ts.to_be_bytes());
        signed.extend_from_slice(&[0, 1]);
        signed.extend_from_slice(&issuer_key_hash);
        signed.extend_from_slice(&(precert_tbs.len() as u32).to_be_bytes()[1..]);
        signed.extend_from_slice(precert_tbs);
        signed.extend_from_slice(&[0, 0]);
        let digest = {
            use sha2::Digest as _;
            match hash {
                4 => sha2::Sha256::digest(&signed).to_vec(),
                5 => sha2::Sha384::digest(&signed).to_vec(),
                6 => sha2::Sha512::digest(&signed).to_vec(),
                other => panic!("no hash {other} here"),
            }
        };
        let sig: p256::ecdsa::Signature =
            p256::ecdsa::signature::hazmat::PrehashSigner::sign_prehash(&ct.key, &digest)
                .expect("sign");
        let mut sig = sig.to_der().as_bytes().to_vec();
        if tamper {
            let last = sig.len() - 1;
            sig[last] ^= 1;
        }
        let mut sct = vec![0u8];
        sct.extend_from_slice(&ct.log.log_id);
        sct.extend_from_slice(&ts.to_be_bytes());
        sct.extend_from_slice(&[0, 0, hash, 3]);
        sct.extend_from_slice(&(sig.len() as u16).to_be_bytes());
        sct.extend_from_slice(&sig);
        let mut list = ((sct.len() + 2) as u16).to_be_bytes().to_vec();
        list.extend_from_slice(&(sct.len() as u16).to_be_bytes());
        list.extend_from_slice(&sct);
        // extnValue holds an OCTET STRING around the TLS-encoded list.
        let mut ext = vec![0x04, 0x81, list.len() as u8];
        ext.extend_from_slice(&list);
        ext
    }

    fn sha2_256(d: &[u8]) -> Vec<u8> {
        use sha2::Digest as _;
        sha2::Sha256::digest(d).to_vec()
    }

    #[test]
    fn generated_scts_verify_and_tampering_is_rejected() {
        let pki = pki();
        let inter_spki = Certificate::from_der(pki.inter.der().to_vec())
            .expect("inter")
            .public_key_spki()
            .to_vec();
        // The precertificate is the leaf without the SCT list; rcgen writes
        // custom extensions last, so the two TBSs differ only there.
        let precert = pki.leaf(leaf_params());
        for crypto in all_backends() {
            let ct = ct_log(crypto);
            let with_sct = |tamper: bool| {
                let mut p = leaf_params();
                p.custom_extensions = vec![CustomExtension::from_oid_content(
                    &SCT_OID,
                    sct_extension(&ct, &inter_spki, precert.tbs_der(), tamper),
                )];
                pki.leaf(p)
            };
            let good = with_sct(false);
            assert_eq!(
                sct::remove_extension(good.tbs_der(), &[0x2b, 6, 1, 4, 1, 0xd6, 0x79, 2, 4, 2])
                    .expect("strip"),
                precert.tbs_der(),
                "precertificate reconstruction"
            );
            assert_eq!(
                sct::remove_extension(precert.tbs_der(), &[0x2b, 6, 1, 4, 1, 0xd6, 0x79, 2, 4, 2])
                    .expect_err("no SCT list")
                    .to_string(),
                "TBSCertificate.extensions: expected exactly one extension to remove, found 0"
            );
            let info =
                verify_chain(crypto, &good, &pki.cas(), NOW, Purpose::CodeSigning).expect("chain");
            let logs = [ct.log.clone()];
            assert_eq!(
                verify_embedded_scts(crypto, &good, &info.issuer_der, &logs),
                Ok(1)
            );

            let bad = with_sct(true);
            expect_message(
                verify_embedded_scts(crypto, &bad, &info.issuer_der, &logs),
                &["does not verify"],
            );
            // The issuer key is part of the signed data.
            expect_err!(
                verify_embedded_scts(crypto, &good, pki.root.der(), &logs),
                X509Error::NotEnoughScts { .. },
                "wrong issuer"
            );
            // A key outside its validity window does not count.
            let mut retired = ct.log.clone();
            retired.key.validity = Validity {
                start: 0,
                end: Some(NOW - 1),
            };
            expect_message(
                verify_embedded_scts(crypto, &good, &info.issuer_der, &[retired]),
                &["validity"],
            );
            // No SCT extension at all.
            assert_eq!(
                verify_embedded_scts(crypto, &precert, &info.issuer_der, &logs),
                Err(X509Error::NoScts)
            );
        }
    }

    /// RFC 6962 §2.1.4: logs sign with SHA-256 ("ECDSA ... using the NIST
    /// P-256 curve ... or RSASSA-PKCS1-V1_5 with SHA-256"). The same log key
    /// signing the same data over SHA-384 or SHA-512 is not an SCT.
    #[test]
    fn sct_signed_with_another_hash_than_sha256_is_rejected() {
        let pki = pki();
        let precert = pki.leaf(leaf_params());
        let inter_spki = Certificate::from_der(pki.inter.der().to_vec())
            .expect("inter")
            .public_key_spki()
            .to_vec();
        for crypto in all_backends() {
            let ct = ct_log(crypto);
            let with_sct = |hash: u8| {
                let mut p = leaf_params();
                p.custom_extensions = vec![CustomExtension::from_oid_content(
                    &SCT_OID,
                    sct_extension_hashed(&ct, &inter_spki, precert.tbs_der(), false, hash),
                )];
                pki.leaf(p)
            };
            let logs = [ct.log.clone()];
            let sha256 = with_sct(4);
            let info = verify_chain(crypto, &sha256, &pki.cas(), NOW, Purpose::CodeSigning)
                .expect("chain");
            assert_eq!(
                verify_embedded_scts(crypto, &sha256, &info.issuer_der, &logs),
                Ok(1)
            );
            for (hash, name) in [(5, "SHA-384"), (6, "SHA-512")] {
                let e = expect_err!(
                    verify_embedded_scts(crypto, &with_sct(hash), &info.issuer_der, &logs),
                    X509Error::NotEnoughScts { .. },
                    "{name}"
                );
                assert_mentions(&e, &[name, "SHA-256"]);
            }
        }
    }
}

/// RFC 4514 §2.4's escapes: the specials anywhere, `#` and space first,
/// space last.
#[test]
fn rfc4514_escapes_the_special_characters() {
    assert_eq!(super::rfc4514_escape("sigstore.dev"), "sigstore.dev");
    assert_eq!(super::rfc4514_escape("a,b+c;d"), "a\\,b\\+c\\;d");
    assert_eq!(super::rfc4514_escape("#x y "), "\\#x y\\ ");
    assert_eq!(super::rfc4514_escape(" <\">\\"), "\\ \\<\\\"\\>\\\\");
}
