use super::*;
use crate::oidc::tests::{jwt, quick_http, FakeServer};
use crate::test_support::expect_err;
use crate::trust::Validity;

fn token() -> IdentityToken {
    let now = oidc::now();
    IdentityToken::parse(&jwt(serde_json::json!({
        "iss": "https://issuer.test", "sub": "subject-1", "aud": "sigstore",
        "iat": now - 10, "exp": now + 300, "email": "a@example.com",
    })))
    .expect("token")
}

fn service(url: &str, version: u32) -> Service {
    Service {
        url: url.to_string(),
        major_api_version: version,
        validity: Validity {
            start: 0,
            end: None,
        },
        operator: "test".into(),
    }
}

fn context(fulcio: &str, rekor: &str, tsa: Option<&str>) -> SigningContext {
    let services = SelectedServices {
        fulcio: service(fulcio, 1),
        tlogs: vec![service(rekor, 1)],
        tsas: tsa.map(|t| service(t, 1)).into_iter().collect(),
        oidc: None,
    };
    let root = TrustedRoot::production().expect("root");
    SigningContext::with_services(root, services, quick_http())
}

/// A port nothing listens on.
fn closed_port_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", l.local_addr().expect("addr"));
    drop(l);
    url
}

#[test]
fn an_expired_token_fails_before_any_request() {
    let fulcio = FakeServer::start(|_, _| (500, "text/plain".into(), Vec::new()));
    let now = oidc::now();
    let raw = jwt(serde_json::json!({
        "iss": "https://issuer.test", "sub": "s", "aud": "sigstore",
        "iat": now - 100, "exp": now - 50,
    }));
    let t = IdentityToken::parse_at(&raw, now - 60).expect("valid then");
    let ctx = context(&fulcio.url, &closed_port_url(), None);
    let e = ctx.signer(t).err().expect("expired");
    assert!(
        matches!(&e, Error::Identity(m) if m.contains("expired at")),
        "{e}"
    );
    assert_eq!(fulcio.count(), 0);
}

#[test]
fn a_refusing_ca_is_a_clear_error() {
    let fulcio = FakeServer::start(|_, _| {
        (
            401,
            "application/json".into(),
            br#"{"code":16,"message":"error processing the identity token"}"#.to_vec(),
        )
    });
    let ctx = context(&fulcio.url, &closed_port_url(), None);
    let e = ctx.signer(token()).err().expect("refused");
    assert!(
        matches!(&e, Error::Signing(m) if m.contains("HTTP 401") && m.contains("identity token")),
        "{e}"
    );
    // 4xx is final: no retry.
    assert_eq!(fulcio.count(), 1);
    let reqs = fulcio.requests.lock().expect("lock");
    let (line, headers, body) = &reqs[0];
    assert!(line.starts_with("POST /api/v2/signingCert"), "{line}");
    assert!(headers
        .iter()
        .any(|h| h.to_ascii_lowercase().starts_with("authorization: bearer ")));
    let v: serde_json::Value = serde_json::from_slice(body).expect("json");
    assert_eq!(v["credentials"]["oidcIdentityToken"], token().raw());
    assert_eq!(v["publicKeyRequest"]["publicKey"]["algorithm"], "ECDSA");
    // The proof of possession is a signature over the identity by the key.
    let pem = v["publicKeyRequest"]["publicKey"]["content"]
        .as_str()
        .expect("pem");
    let spki = crate::verify::public_key_from_pem(pem.as_bytes()).expect("spki");
    let proof = base64::engine::general_purpose::STANDARD
        .decode(
            v["publicKeyRequest"]["proofOfPossession"]
                .as_str()
                .expect("pop"),
        )
        .expect("b64");
    crypto::default_backend()
        .verify(
            &spki,
            crypto::SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha256),
            b"a@example.com",
            &proof,
        )
        .expect("proof of possession");
}

#[test]
fn a_failing_ca_is_retried_then_reported() {
    let fulcio = FakeServer::start(|_, _| (503, "text/plain".into(), b"overloaded".to_vec()));
    let e = context(&fulcio.url, &closed_port_url(), None)
        .signer(token())
        .err()
        .expect("5xx");
    assert!(
        matches!(&e, Error::Signing(m) if m.contains("HTTP 503")),
        "{e}"
    );
    assert_eq!(fulcio.count(), 3, "bounded retries");
    let e = context(&closed_port_url(), &closed_port_url(), None)
        .signer(token())
        .err()
        .expect("down");
    assert!(
        matches!(&e, Error::Network(m) if m.contains("after 3 attempts")),
        "{e}"
    );
}

#[test]
fn a_rate_limited_request_is_retried_and_other_4xx_are_final() {
    let limited = FakeServer::start(|_, _| (429, "text/plain".into(), b"slow down".to_vec()));
    let e = context(&limited.url, &closed_port_url(), None)
        .signer(token())
        .err()
        .expect("429");
    assert!(
        matches!(&e, Error::Signing(m) if m.contains("HTTP 429")),
        "{e}"
    );
    assert_eq!(limited.count(), 3, "429 retried, bounded");
    let refused = FakeServer::start(|_, _| (400, "text/plain".into(), b"no".to_vec()));
    let _ = context(&refused.url, &closed_port_url(), None).signer(token());
    assert_eq!(refused.count(), 1, "400 is final");
}

#[test]
fn a_certificate_that_does_not_chain_is_refused() {
    use rcgen::{CertificateParams, KeyPair, PKCS_ECDSA_P256_SHA256};
    let fulcio = FakeServer::start(|_, body| {
        let v: serde_json::Value = serde_json::from_slice(body).expect("json");
        let pem = v["publicKeyRequest"]["publicKey"]["content"]
            .as_str()
            .expect("pem")
            .to_string();
        let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).expect("ca");
        let leaf_key = rcgen::SubjectPublicKeyInfo::from_pem(&pem).expect("spki");
        let leaf = CertificateParams::new(Vec::<String>::new())
            .expect("params")
            .signed_by(&leaf_key, &ca, &ca_key)
            .expect("leaf");
        let answer = serde_json::json!({"signedCertificateEmbeddedSct": {"chain": {"certificates": [leaf.pem(), ca.pem()]}}});
        (
            200,
            "application/json".into(),
            answer.to_string().into_bytes(),
        )
    });
    let e = context(&fulcio.url, &closed_port_url(), None)
        .signer(token())
        .err()
        .expect("untrusted");
    assert!(
        matches!(&e, Error::Verification { step: Step::CertificateChain, message } if message.contains("does not chain")),
        "{e}"
    );
}

#[test]
fn statements_and_atomic_writes() {
    let d = crypto::default_backend().digest(HashAlgorithm::Sha256, b"x");
    let s =
        statement(&[("a.whl".into(), d.clone())], PYPI_PUBLISH_PREDICATE, None).expect("statement");
    let v: serde_json::Value = serde_json::from_slice(&s).expect("json");
    assert_eq!(v["subject"][0]["digest"]["sha256"], d.to_hex());
    assert_eq!(v["predicate"], serde_json::Value::Null);
    Statement::from_json(&s).expect("parses as a statement");

    let dir = std::env::temp_dir().join(format!("sigstore-rs-atomic-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let p = dir.join("out.json");
    write_atomic(&p, b"one").expect("write");
    write_atomic(&p, b"two").expect("overwrite");
    assert_eq!(std::fs::read(&p).expect("read"), b"two");
    assert_eq!(
        std::fs::read_dir(&dir).expect("ls").count(),
        1,
        "no temp files left"
    );
    expect_err!(
        write_atomic(&dir.join("missing/out.json"), b"x"),
        Error::Io(_)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The way users sign and verify: the instance's trusted root and signing
/// config come through its TUF repository (trusted from its first root),
/// then a warm cache serves the verifier without a request (the repository
/// is down by then: a request would show as a warning).
#[test]
fn signs_and_verifies_with_trust_material_from_tuf() {
    use crate::testing::{Instance, Options, ServiceKind};
    use crate::trust::tuf::{Origin, RefreshPolicy, TufTrust};

    let mut inst = Instance::start(Options::default()).expect("instance");
    let cache = std::env::temp_dir().join(format!("sigstore-rs-sign-tuf-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    let policy = RefreshPolicy {
        cache_dir: cache.clone(),
        offline: false,
        max_age: 3600,
        now: oidc::now(),
    };
    let crypto = crypto::default_backend();
    let tuf = TufTrust::for_url(&inst.url(ServiceKind::Tuf)).expect("url");
    let first_root = inst.tuf().root(1).expect("root");
    tuf.trust_instance(&first_root, &policy, crypto)
        .expect("trust");
    let m = tuf.load(&Http::new(), &policy, crypto).expect("refresh");
    assert!(
        matches!(m.origin, Origin::Refreshed { .. }),
        "{:?}",
        m.origin
    );
    let config = SigningConfig::from_json(m.signing_config.as_deref().expect("config"))
        .expect("signing config");
    let root = TrustedRoot::from_json(&m.trusted_root).expect("trusted root");
    let ctx = SigningContext::new(root, &config).expect("context");
    assert_eq!(ctx.services().fulcio.url, inst.url(ServiceKind::Fulcio));
    let token = IdentityToken::parse(&inst.mint_token("alice@example.com")).expect("token");
    let data = b"signed with trust material from TUF";
    let bundle = ctx
        .signer(token)
        .expect("signer")
        .sign_artifact(data)
        .expect("sign");
    let issuer = inst.issuer_url().to_string();
    inst.stop();

    let warm = tuf.load(&Http::new(), &policy, crypto).expect("warm cache");
    assert!(
        matches!(warm.origin, Origin::Cache { .. }),
        "{:?}",
        warm.origin
    );
    assert!(warm.warnings.is_empty(), "{:?}", warm.warnings);
    let verifier = Verifier::new(TrustedRoot::from_json(&warm.trusted_root).expect("root"));
    let policy = Policy::identity("alice@example.com", issuer);
    verifier
        .verify_artifact(&Artifact::Bytes(data.to_vec()), &bundle, &policy)
        .expect("verifies");
    let _ = std::fs::remove_dir_all(&cache);
}

mod batch {
    use super::*;
    use crate::testing::{Fault, Instance, Options, RekorLogs, ServiceKind};
    use std::sync::Mutex;
    use std::time::Duration;

    fn instance(options: Options) -> (Instance, SigningContext, IdentityToken) {
        let inst = Instance::start(options).expect("instance");
        let config = ClientTrustConfig::from_json(inst.trust_config_json().as_bytes())
            .expect("trust config");
        let ctx = SigningContext::from_trust_config(&config).expect("context");
        let token = IdentityToken::parse(&inst.mint_token("batch@example.com")).expect("token");
        (inst, ctx, token)
    }

    fn digests(n: usize) -> Vec<(Vec<u8>, BatchInput)> {
        (0..n)
            .map(|i| {
                let data = format!("artifact {i}").into_bytes();
                let d = crypto::default_backend().digest(HashAlgorithm::Sha256, &data);
                (data, BatchInput::Digest(d))
            })
            .collect()
    }

    fn leaf_of(b: &Bundle) -> Vec<u8> {
        let v: serde_json::Value = serde_json::from_str(&b.to_json_string()).expect("json");
        v["verificationMaterial"]["certificate"]["rawBytes"]
            .as_str()
            .expect("certificate")
            .as_bytes()
            .to_vec()
    }

    #[test]
    fn a_batch_signs_every_input_with_either_log_concurrently() {
        for logs in [RekorLogs::V1, RekorLogs::V2] {
            let (inst, ctx, token) = instance(Options {
                rekor_logs: logs,
                latency: vec![
                    (ServiceKind::RekorV1, Duration::from_millis(300)),
                    (ServiceKind::RekorV2, Duration::from_millis(500)),
                ],
                ..Options::default()
            });
            let signer = ctx.signer(token).expect("signer");
            let items = digests(12);
            let inputs: Vec<_> = items.iter().map(|(_, i)| i.clone()).collect();
            let BatchInput::Digest(d0) = &items[0].1 else {
                panic!("a digest")
            };
            let mut statement_inputs = inputs.clone();
            statement_inputs.push(BatchInput::Statement(
                statement(
                    &[("a.whl".into(), d0.clone())],
                    PYPI_PUBLISH_PREDICATE,
                    None,
                )
                .expect("statement"),
            ));
            let results = signer.sign_many(
                &statement_inputs,
                &BatchOptions {
                    jobs: Some(8),
                    ..BatchOptions::default()
                },
            );
            // The uploads overlapped (counted by the log, not timed).
            let log = if matches!(logs, RekorLogs::V1) {
                ServiceKind::RekorV1
            } else {
                ServiceKind::RekorV2
            };
            assert!(inst.peak_concurrency(log) >= 2, "{logs:?}");
            let verifier = Verifier::new(ctx.inner.verifier.trusted_root().clone());
            let policy = Policy::identity("batch@example.com", inst.issuer_url());
            for (i, r) in results.iter().enumerate() {
                let b = r
                    .as_ref()
                    .unwrap_or_else(|e| panic!("{logs:?} item {i}: {e}"));
                // One certificate for the run.
                assert_eq!(leaf_of(b), leaf_of(results[0].as_ref().expect("first")));
                if let Some((data, _)) = items.get(i) {
                    verifier
                        .verify_artifact(&Artifact::Bytes(data.clone()), b, &policy)
                        .expect("verifies");
                }
            }
        }
    }

    #[test]
    fn one_failing_item_fails_alone() {
        let (inst, ctx, token) = instance(Options::default());
        let signer = ctx.signer(token).expect("signer");
        let mut inputs: Vec<_> = digests(4).into_iter().map(|(_, i)| i).collect();
        inputs.insert(2, BatchInput::File("/nonexistent/dist.whl".into()));
        let results = signer.sign_many(&inputs, &BatchOptions::default());
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 4);
        let Err(e) = &results[2] else {
            panic!("the missing file fails")
        };
        assert!(e.to_string().contains("/nonexistent/dist.whl"), "{e}");
        // A log refusing one upload (and its retries), mid-batch.
        inst.set_fault_count(Fault::RekorError, 3);
        let fresh: Vec<_> = digests(6).into_iter().skip(4).map(|(_, i)| i).collect();
        let results = signer.sign_many(
            &fresh,
            &BatchOptions {
                jobs: Some(1),
                ..BatchOptions::default()
            },
        );
        let Err(e) = &results[0] else {
            panic!("refused")
        };
        assert!(e.to_string().contains("failing on purpose"), "{e}");
        if let Err(e) = &results[1] {
            panic!("the next item is signed: {e}");
        }
    }

    #[test]
    fn the_certificate_is_renewed_when_it_would_expire_mid_batch() {
        let (_inst, ctx, token) = instance(Options {
            leaf_lifetime: 4,
            latency: vec![(ServiceKind::RekorV1, Duration::from_millis(700))],
            ..Options::default()
        });
        let signer = ctx.signer(token).expect("signer");
        let inputs: Vec<_> = digests(12).into_iter().map(|(_, i)| i).collect();
        let results = signer.sign_many(
            &inputs,
            &BatchOptions {
                jobs: Some(2),
                renew_margin: 2,
            },
        );
        let leaves: std::collections::BTreeSet<_> = results
            .iter()
            .map(|r| leaf_of(r.as_ref().expect("signed")))
            .collect();
        // Six rounds of 0.7 s outlive a 4 s certificate (used only while it
        // has 2 s left); every item still signed and verified.
        assert!(leaves.len() >= 2, "{} certificates", leaves.len());
    }

    #[test]
    fn the_default_jobs_suit_the_log() {
        for (logs, jobs) in [
            (RekorLogs::V1, JOBS_REKOR_V1),
            (RekorLogs::V2, JOBS_REKOR_V2),
        ] {
            let (_inst, ctx, token) = instance(Options {
                rekor_logs: logs,
                ..Options::default()
            });
            assert_eq!(ctx.signer(token).expect("signer").default_jobs(), jobs);
        }
    }

    #[test]
    fn the_timestamp_and_the_upload_of_an_item_overlap() {
        // Counted by the instance, not timed: with the TSA and the log each
        // holding a request for 400 ms, a single item has both in flight at
        // once when they overlap.
        let (inst, ctx, token) = instance(Options {
            latency: vec![
                (ServiceKind::RekorV1, Duration::from_millis(400)),
                (ServiceKind::Tsa, Duration::from_millis(400)),
            ],
            ..Options::default()
        });
        let signer = ctx.signer(token).expect("signer");
        let (_, input) = digests(1).remove(0);
        let BatchInput::Digest(d) = input else {
            panic!("a digest")
        };
        signer.sign_digest(&d).expect("signed");
        assert_eq!(inst.peak_concurrency_overall(), 2);
    }

    #[test]
    fn with_rekor_v2_nothing_is_logged_without_a_timestamp() {
        let (inst, ctx, token) = instance(Options {
            rekor_logs: RekorLogs::V2,
            ..Options::default()
        });
        let signer = ctx.signer(token).expect("signer");
        inst.set_fault(Fault::TsaError, true);
        let (_, input) = digests(1).remove(0);
        let BatchInput::Digest(d) = input else {
            panic!("a digest")
        };
        let e = signer.sign_digest(&d).expect_err("no timestamp");
        assert!(e.to_string().contains("nothing was logged"), "{e}");
        assert_eq!(inst.peak_concurrency(ServiceKind::RekorV2), 0, "no upload");
    }

    #[test]
    fn an_entry_the_log_already_holds_is_fetched_not_refused() {
        // The same proposed entry twice: Rekor v1 answers 409 with the
        // entry's location, and the signer uses that entry (deterministic
        // ECDSA, RustCrypto's, signs a repeated input identically).
        let (_inst, ctx, token) = instance(Options::default());
        let signer = ctx.signer(token).expect("signer");
        let tlog = ctx.services().tlogs[0].clone();
        let (_, input) = digests(1).remove(0);
        let BatchInput::Digest(d) = input else {
            panic!("a digest")
        };
        let signature = signer.key.sign_prehashed(&d).expect("signature");
        let cert_pem = services::pem("CERTIFICATE", signer.leaf.der());
        let body = services::rekor_v1::hashedrekord(&d, &signature, &cert_pem);
        let first = signer.upload(&tlog, Ok(body.clone())).expect("logged");
        let again = signer.upload(&tlog, Ok(body)).expect("the logged entry");
        assert_eq!(first.log_index, again.log_index);
        assert_eq!(first.integrated_time, again.integrated_time);
    }

    #[test]
    fn identical_inputs_in_one_batch_are_each_signed() {
        // With deterministic ECDSA (the RustCrypto backend) the second
        // upload is the first's entry again and the log's 409 is followed;
        // with aws-lc-rs (random nonces) they are two entries. The 409 path
        // itself is forced in the test above.
        let (_inst, ctx, token) = instance(Options::default());
        let signer = ctx.signer(token).expect("signer");
        let (_, input) = digests(1).remove(0);
        let results = signer.sign_many(&[input.clone(), input], &BatchOptions::default());
        for r in &results {
            r.as_ref().expect("signed");
        }
    }

    #[test]
    fn an_interrupted_batch_starts_nothing_more_and_names_what_it_did_not_sign() {
        let (_inst, ctx, token) = instance(Options {
            latency: vec![(ServiceKind::RekorV1, Duration::from_millis(300))],
            ..Options::default()
        });
        let signer = ctx.signer(token).expect("signer");
        let inputs: Vec<_> = digests(20).into_iter().map(|(_, i)| i).collect();
        let results: Mutex<Vec<(usize, bool, String)>> = Mutex::new(Vec::new());
        let mut asked = 0;
        let completed = signer.sign_batch_watched(
            &inputs,
            &BatchOptions {
                jobs: Some(2),
                ..BatchOptions::default()
            },
            |i, r| {
                let msg = r.as_ref().err().map(|e| e.to_string()).unwrap_or_default();
                results.lock().expect("lock").push((i, r.is_ok(), msg));
            },
            || {
                // Interrupted once two items are done.
                asked += 1;
                results.lock().expect("lock").len() < 2
            },
        );
        assert!(!completed);
        assert!(asked >= 1);
        let results = results.into_inner().expect("results");
        assert_eq!(results.len(), inputs.len(), "every input is reported once");
        let signed = results.iter().filter(|(_, ok, _)| *ok).count();
        // The two done, the ones then in flight, a few more on a loaded
        // machine (the watch is every 100 ms); never the whole batch.
        assert!((2..=8).contains(&signed), "{signed} signed");
        for (i, ok, msg) in &results {
            if !ok {
                assert!(
                    msg.starts_with("not signed: the run was stopped before this input started"),
                    "{i}: {msg}"
                );
            }
        }
    }
}
