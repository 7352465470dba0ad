#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Signs through the instance with a minimal in-test signer and verifies
//! the result with our own [`Verifier`].

use super::*;
use crate::bundle::Bundle;
use crate::der::write as der;
use crate::policy::Policy;
use crate::test_support::expect_step;
use crate::trust::TrustedRoot;
use crate::verify::{Artifact, Verifier};
use p256::ecdsa::signature::Signer as _;
use p256::pkcs8::EncodePublicKey as _;
use sha2::Digest as _;

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(std::time::Duration::from_secs(30))
        .redirects(0)
        .build()
}

fn post_json(url: &str, body: &Value) -> Result<(u16, Value), (u16, String)> {
    match agent()
        .post(url)
        .set("Content-Type", "application/json")
        .send_string(&body.to_string())
    {
        Ok(r) => {
            let status = r.status();
            Ok((
                status,
                serde_json::from_str(&r.into_string().unwrap()).unwrap(),
            ))
        }
        Err(ureq::Error::Status(code, r)) => Err((code, r.into_string().unwrap())),
        Err(e) => panic!("{url}: {e}"),
    }
}

struct Signed {
    chain_len: usize,
    leaf_der: Vec<u8>,
    key: p256::ecdsa::SigningKey,
}

/// Ephemeral key, proof of possession over the identity, certificate.
fn certificate(inst: &Instance, token: &str, identity: &str) -> Result<Signed, (u16, String)> {
    let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
    let spki = key.verifying_key().to_public_key_der().unwrap();
    let pop: p256::ecdsa::Signature = key.sign(identity.as_bytes());
    let req = json!({
        "credentials": {"oidcIdentityToken": token},
        "publicKeyRequest": {
            "publicKey": {"algorithm": "ECDSA", "content": pem("PUBLIC KEY", spki.as_bytes())},
            "proofOfPossession": B64.encode(pop.to_der().as_bytes()),
        },
    });
    let (_, resp) = post_json(
        &format!("{}/api/v2/signingCert", inst.url(ServiceKind::Fulcio)),
        &req,
    )?;
    let certs = resp["signedCertificateEmbeddedSct"]["chain"]["certificates"]
        .as_array()
        .unwrap();
    let (_, p) = x509_parser::pem::parse_x509_pem(certs[0].as_str().unwrap().as_bytes()).unwrap();
    Ok(Signed {
        chain_len: certs.len(),
        leaf_der: p.contents,
        key,
    })
}

/// RFC 3161 TimeStampReq over SHA-256(`sig`), certReq true.
fn timestamp(inst: &Instance, sig: &[u8]) -> Vec<u8> {
    let req = der::seq(&[
        &der::uint(&[1]),
        &der::seq(&[
            &der::seq(&[&der::oid("2.16.840.1.101.3.4.2.1").unwrap()]),
            &der::octets(&sha2::Sha256::digest(sig)),
        ]),
        &der::uint(&random_bytes(8)),
        &der::tlv(0x01, &[0xff]),
    ]);
    let r = agent()
        .post(&inst.url(ServiceKind::Tsa))
        .set("Content-Type", "application/timestamp-query")
        .send_bytes(&req)
        .unwrap();
    assert_eq!(
        r.header("Content-Type"),
        Some("application/timestamp-reply")
    );
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut r.into_reader(), &mut out).unwrap();
    out
}

fn v1_tlog_entry(resp: &Value) -> Value {
    let (_, e) = resp.as_object().unwrap().iter().next().unwrap();
    let body = B64.decode(e["body"].as_str().unwrap()).unwrap();
    let body_json: Value = serde_json::from_slice(&body).unwrap();
    let p = &e["verification"]["inclusionProof"];
    let hex_b64 = |v: &Value| B64.encode(hex::decode(v.as_str().unwrap()).unwrap());
    json!({
        "logIndex": e["logIndex"].to_string(),
        "logId": {"keyId": hex_b64(&e["logID"])},
        "kindVersion": {"kind": body_json["kind"], "version": body_json["apiVersion"]},
        "integratedTime": e["integratedTime"].to_string(),
        "inclusionPromise": {"signedEntryTimestamp": e["verification"]["signedEntryTimestamp"]},
        "inclusionProof": {
            "logIndex": p["logIndex"].to_string(),
            "rootHash": hex_b64(&p["rootHash"]),
            "treeSize": p["treeSize"].to_string(),
            "hashes": p["hashes"].as_array().unwrap().iter().map(hex_b64).collect::<Vec<_>>(),
            "checkpoint": {"envelope": p["checkpoint"]},
        },
        "canonicalizedBody": e["body"],
    })
}

fn verifier(inst: &Instance) -> Verifier {
    Verifier::new(TrustedRoot::from_trust_config_json(inst.trust_config_json().as_bytes()).unwrap())
}

fn sign_hashedrekord(inst: &Instance, identity: &str, rekor: u8, tsa: bool) -> (Vec<u8>, Bundle) {
    let (artifact, bundle) = sign_hashedrekord_json(inst, identity, rekor, tsa);
    (
        artifact,
        Bundle::from_json(bundle.to_string().as_bytes()).unwrap(),
    )
}

fn sign_hashedrekord_json(
    inst: &Instance,
    identity: &str,
    rekor: u8,
    tsa: bool,
) -> (Vec<u8>, Value) {
    sign_with_token(inst, &inst.mint_token(identity), identity, rekor, tsa)
}

/// Signs with a certificate for `token`, whose proof of possession is over
/// `identity` (the token's email or subject).
fn sign_with_token(
    inst: &Instance,
    token: &str,
    identity: &str,
    rekor: u8,
    tsa: bool,
) -> (Vec<u8>, Value) {
    let s = certificate(inst, token, identity).unwrap();
    assert_eq!(s.chain_len, 3);
    let artifact = format!("hello from {identity} via rekor v{rekor}").into_bytes();
    let digest = sha2::Sha256::digest(&artifact);
    let sig: p256::ecdsa::Signature =
        p256::ecdsa::signature::hazmat::PrehashSigner::sign_prehash(&s.key, &digest).unwrap();
    let sig = sig.to_der().as_bytes().to_vec();
    let entry = if rekor == 1 {
        let req = json!({"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {
            "signature": {"content": B64.encode(&sig),
                          "publicKey": {"content": B64.encode(pem("CERTIFICATE", &s.leaf_der))}},
            "data": {"hash": {"algorithm": "sha256", "value": hex::encode(digest)}}}});
        let (status, resp) = post_json(
            &format!("{}/api/v1/log/entries", inst.url(ServiceKind::RekorV1)),
            &req,
        )
        .unwrap();
        assert_eq!(status, 201);
        v1_tlog_entry(&resp)
    } else {
        let req = json!({"hashedRekordRequestV002": {
            "digest": B64.encode(digest),
            "signature": {"content": B64.encode(&sig), "verifier": {
                "x509Certificate": {"rawBytes": B64.encode(&s.leaf_der)},
                "keyDetails": "PKIX_ECDSA_P256_SHA_256"}}}});
        let (_, resp) = post_json(
            &format!("{}/api/v2/log/entries", inst.url(ServiceKind::RekorV2)),
            &req,
        )
        .unwrap();
        resp
    };
    let mut vm =
        json!({"certificate": {"rawBytes": B64.encode(&s.leaf_der)}, "tlogEntries": [entry]});
    if tsa {
        vm["timestampVerificationData"] =
            json!({"rfc3161Timestamps": [{"signedTimestamp": B64.encode(timestamp(inst, &sig))}]});
    }
    let bundle = json!({
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": vm,
        "messageSignature": {"messageDigest": {"algorithm": "SHA2_256", "digest": B64.encode(digest)},
                             "signature": B64.encode(&sig)},
    });
    (artifact, bundle)
}

#[test]
fn discovery_and_jwks() {
    let inst = Instance::start(Options::default()).unwrap();
    let d: Value = agent()
        .get(&format!(
            "{}/.well-known/openid-configuration",
            inst.issuer_url()
        ))
        .call()
        .unwrap()
        .into_string()
        .map(|s| serde_json::from_str(&s).unwrap())
        .unwrap();
    assert_eq!(d["issuer"], inst.issuer_url());
    let jwks: Value = agent()
        .get(d["jwks_uri"].as_str().unwrap())
        .call()
        .unwrap()
        .into_string()
        .map(|s| serde_json::from_str(&s).unwrap())
        .unwrap();
    assert_eq!(jwks["keys"][0]["crv"], "P-256");
}

#[test]
fn hashedrekord_via_rekor_v1_verifies() {
    let inst = Instance::start(Options::default()).unwrap();
    let v = verifier(&inst);
    for (identity, tsa) in [
        ("alice@example.com", false),
        ("https://ci.example/workflow@refs/heads/main", true),
    ] {
        let (artifact, bundle) = sign_hashedrekord(&inst, identity, 1, tsa);
        let got = v
            .verify_artifact(
                &Artifact::Bytes(artifact),
                &bundle,
                &Policy::identity(identity, inst.issuer_url()),
            )
            .unwrap_or_else(|e| panic!("{identity}: {e}"));
        assert_eq!(got.identity.as_deref(), Some(identity));
        assert_eq!(got.issuer.as_deref(), Some(inst.issuer_url()));
    }
}

#[test]
fn hashedrekord_via_rekor_v2_and_tsa_verifies() {
    let inst = Instance::start(Options {
        rekor_version: 2,
        ..Options::default()
    })
    .unwrap();
    let v = verifier(&inst);
    for _ in 0..3 {
        let (artifact, bundle) = sign_hashedrekord(&inst, "bob@example.com", 2, true);
        v.verify_artifact(
            &Artifact::Bytes(artifact),
            &bundle,
            &Policy::identity("bob@example.com", inst.issuer_url()),
        )
        .unwrap();
    }
    // Rekor v2 gives no signed time: without the timestamp the bundle is incomplete.
    let (_, bundle) = sign_hashedrekord_json(&inst, "bob@example.com", 2, false);
    let e = Bundle::from_json(bundle.to_string().as_bytes()).unwrap_err();
    assert!(e.to_string().contains("signed time"), "{e}");
}

/// Issue 10 item 7, end to end: a trusted root whose CA chain stops at the
/// intermediate (the root omitted) loads, and a bundle from that
/// intermediate verifies; a leaf from a CA it does not list still fails at
/// the certificate-chain step.
#[test]
fn trusted_root_anchored_at_the_intermediate() {
    let inst = Instance::start(Options::default()).unwrap();
    let mut tc: Value = serde_json::from_str(&inst.trust_config_json()).unwrap();
    let chain = &mut tc["trustedRoot"]["certificateAuthorities"][0]["certChain"]["certificates"];
    let (inter, ca_root) = (chain[0].clone(), chain[1].clone());
    chain.as_array_mut().unwrap().truncate(1);
    let root = TrustedRoot::from_trust_config_json(tc.to_string().as_bytes())
        .expect("a chain ending in an intermediate loads");
    assert_eq!(root.certificate_authorities[0].chain.len(), 1);
    let v = Verifier::new(root);
    let id = "dana@example.com";
    let policy = Policy::identity(id, inst.issuer_url());
    let (artifact, bundle) = sign_hashedrekord(&inst, id, 1, false);
    v.verify_artifact(&Artifact::Bytes(artifact), &bundle, &policy)
        .expect("a leaf of the anchoring intermediate verifies");

    // A v0.2 bundle whose x509CertificateChain carries the anchoring
    // intermediate verifies too (signers SHOULD NOT include it; it is
    // ignored), while one carrying the self-signed root is still refused.
    let (artifact, mut json) = sign_hashedrekord_json(&inst, id, 1, false);
    json["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.2".into();
    let vm = json["verificationMaterial"].as_object_mut().unwrap();
    let leaf = vm.remove("certificate").unwrap();
    for (extra, ok) in [(vec![inter], true), (vec![ca_root], false)] {
        let mut j = json.clone();
        let certs: Vec<Value> = std::iter::once(leaf.clone()).chain(extra).collect();
        j["verificationMaterial"]["x509CertificateChain"] = json!({ "certificates": certs });
        let b = Bundle::from_json(j.to_string().as_bytes()).unwrap();
        let r = v.verify_artifact(&Artifact::Bytes(artifact.clone()), &b, &policy);
        assert_eq!(r.is_ok(), ok, "{:?}", r.map(|_| ()));
    }

    inst.set_fault(Fault::CaUntrusted, true);
    let (artifact, bundle) = sign_hashedrekord(&inst, id, 1, false);
    expect_step(
        v.verify_artifact(&Artifact::Bytes(artifact), &bundle, &policy),
        crate::Step::CertificateChain,
        &[],
    );
}

#[test]
fn ca_refuses_bad_requests_and_faults() {
    let inst = Instance::start(Options::default()).unwrap();
    let id = "carol@example.com";
    // A token from elsewhere, an expired one, a PoP over the wrong identity.
    let other = Instance::start(Options::default()).unwrap();
    assert_eq!(
        certificate(&inst, &other.mint_token(id), id)
            .err()
            .unwrap()
            .0,
        401
    );
    let expired = inst.mint_token_with(id, -3600, &Map::new());
    assert_eq!(certificate(&inst, &expired, id).err().unwrap().0, 401);
    assert_eq!(
        certificate(&inst, &inst.mint_token(id), "mallory@example.com")
            .err()
            .unwrap()
            .0,
        400
    );
    inst.set_fault(Fault::CaError, true);
    assert_eq!(
        certificate(&inst, &inst.mint_token(id), id)
            .err()
            .unwrap()
            .0,
        500
    );
    inst.set_fault(Fault::CaError, false);
    inst.set_fault(Fault::CaBadChain, true);
    let s = certificate(&inst, &inst.mint_token(id), id).unwrap();
    assert_eq!(s.chain_len, 2);
}

#[test]
fn trust_config_parses_and_prefers_the_chosen_rekor() {
    for v in [1u8, 2] {
        let inst = Instance::start(Options {
            rekor_version: v,
            ..Options::default()
        })
        .unwrap();
        let tc = inst.trust_config();
        let first = &tc["signingConfig"]["rekorTlogUrls"][0];
        assert_eq!(first["majorApiVersion"], v);
        let root =
            TrustedRoot::from_trust_config_json(inst.trust_config_json().as_bytes()).unwrap();
        assert_eq!(
            root.rekor_v1_url(),
            Some(inst.url(ServiceKind::RekorV1).as_str())
        );
    }
}

/// The claims Fulcio's certificate for `token` carries, by OID.
fn ci_leaf(inst: &Instance, token: &str, identity: &str) -> crate::x509::Certificate {
    let s = certificate(inst, token, identity).unwrap();
    crate::x509::Certificate::from_der(s.leaf_der).unwrap()
}

fn github_run(environment: Option<&str>) -> ci::GitHubRun {
    ci::GitHubRun {
        repository: "octo-org/sampleproject".into(),
        workflow: "release.yml".into(),
        git_ref: "refs/tags/v1.0".into(),
        environment: environment.map(str::to_string),
    }
}

fn verify_bundle(
    inst: &Instance,
    bundle: &Value,
    artifact: Vec<u8>,
    policy: &Policy,
) -> crate::Result<()> {
    let bundle = Bundle::from_json(bundle.to_string().as_bytes()).unwrap();
    verifier(inst)
        .verify_artifact(&Artifact::Bytes(artifact), &bundle, policy)
        .map(|_| ())
}

#[test]
fn github_tokens_get_fulcio_ci_extensions_and_pass_the_publisher_policy() {
    use crate::pep740::Publisher;
    use crate::policy::{Claim, Claims as _};
    let inst = Instance::start(Options::default()).unwrap();
    let run = github_run(Some("pypi"));
    let (sub, _) = run.claims();
    assert_eq!(sub, "repo:octo-org/sampleproject:environment:pypi");
    let token = inst.mint_github(&run);
    let leaf = ci_leaf(&inst, &token, &sub);
    let workflow =
        "https://github.com/octo-org/sampleproject/.github/workflows/release.yml@refs/tags/v1.0";
    let claim = |c: Claim| leaf.claim(c).unwrap_or_default();
    assert_eq!(claim(Claim::OidcIssuer), ci::GITHUB_ISSUER);
    assert_eq!(claim(Claim::BuildSignerUri), workflow);
    assert_eq!(claim(Claim::BuildConfigUri), workflow);
    assert_eq!(
        claim(Claim::SourceRepositoryUri),
        "https://github.com/octo-org/sampleproject"
    );
    assert_eq!(claim(Claim::SourceRepositoryRef), "refs/tags/v1.0");
    assert_eq!(
        claim(Claim::SourceRepositoryOwnerUri),
        "https://github.com/octo-org"
    );
    assert_eq!(claim(Claim::RunnerEnvironment), "github-hosted");
    assert_eq!(claim(Claim::BuildTrigger), "push");
    assert!(claim(Claim::RunInvocationUri)
        .starts_with("https://github.com/octo-org/sampleproject/actions/runs/"));
    assert_eq!(leaf.sans(), vec![workflow.to_string()]);

    let (artifact, bundle) = sign_with_token(&inst, &token, &sub, 1, false);
    let publisher = Publisher::GitHub {
        repository: "octo-org/sampleproject".into(),
        workflow: "release.yml".into(),
        environment: Some("pypi".into()),
    };
    verify_bundle(&inst, &bundle, artifact.clone(), &publisher.policy()).unwrap();
    assert_eq!(claim(Claim::DeploymentEnvironment), "pypi");
    // The environment is compared ignoring case, as GitHub and PyPI do.
    let upper = Publisher::GitHub {
        repository: "octo-org/sampleproject".into(),
        workflow: "release.yml".into(),
        environment: Some("PyPI".into()),
    };
    verify_bundle(&inst, &bundle, artifact.clone(), &upper.policy()).unwrap();
    let release = Publisher::GitHub {
        repository: "octo-org/sampleproject".into(),
        workflow: "release.yml".into(),
        environment: Some("release".into()),
    };
    let e = verify_bundle(&inst, &bundle, artifact.clone(), &release.policy()).unwrap_err();
    crate::test_support::assert_mentions(
        &e.to_string(),
        &[
            "Deployment Environment (1.3.6.1.4.1.57264.1.23)",
            "expected \"release\"",
            "\"pypi\"",
        ],
    );
    let other = Publisher::GitHub {
        repository: "octo-org/sampleproject".into(),
        workflow: "ci.yml".into(),
        environment: None,
    };
    verify_bundle(&inst, &bundle, artifact, &other.policy()).unwrap_err();
}

#[test]
fn a_reusable_workflow_signs_as_itself_but_is_built_from_the_caller() {
    use crate::policy::{Claim, Claims as _};
    let inst = Instance::start(Options::default()).unwrap();
    let run = github_run(None);
    let (sub, mut claims) = run.claims();
    claims.insert(
        "job_workflow_ref".into(),
        json!("octo-org/shared/.github/workflows/publish.yml@refs/heads/main"),
    );
    let token = inst.mint_token_with(&sub, 600, &claims);
    let leaf = ci_leaf(&inst, &token, &sub);
    assert_eq!(
        leaf.claim(Claim::BuildSignerUri).unwrap(),
        "https://github.com/octo-org/shared/.github/workflows/publish.yml@refs/heads/main"
    );
    assert_eq!(
        leaf.claim(Claim::BuildConfigUri).unwrap(),
        "https://github.com/octo-org/sampleproject/.github/workflows/release.yml@refs/tags/v1.0"
    );
}

#[test]
fn gitlab_and_google_tokens_pass_their_publisher_policies() {
    use crate::pep740::Publisher;
    use crate::policy::{Claim, Claims as _};
    let inst = Instance::start(Options::default()).unwrap();
    let job = ci::GitLabJob {
        project: "group/sampleproject".into(),
        workflow_path: ".gitlab-ci.yml".into(),
        git_ref: "refs/heads/main".into(),
        environment: None,
    };
    let (sub, _) = job.claims();
    let token = inst.mint_gitlab(&job);
    let leaf = ci_leaf(&inst, &token, &sub);
    assert_eq!(
        leaf.claim(Claim::BuildConfigUri).unwrap(),
        "https://gitlab.com/group/sampleproject//.gitlab-ci.yml@refs/heads/main"
    );
    assert_eq!(
        leaf.claim(Claim::SourceRepositoryRef).unwrap(),
        "refs/heads/main"
    );
    let (artifact, bundle) = sign_with_token(&inst, &token, &sub, 2, true);
    let publisher = Publisher::GitLab {
        repository: "group/sampleproject".into(),
        workflow_filepath: ".gitlab-ci.yml".into(),
        environment: None,
    };
    verify_bundle(&inst, &bundle, artifact, &publisher.policy()).unwrap();

    let email = "publisher@project.iam.gserviceaccount.com";
    let token = inst.mint_google(email);
    let (artifact, bundle) = sign_with_token(&inst, &token, email, 1, false);
    let google = Publisher::Google {
        email: email.into(),
    };
    verify_bundle(&inst, &bundle, artifact, &google.policy()).unwrap();
}

#[test]
fn a_ci_token_without_a_claim_fulcio_needs_is_refused_naming_it() {
    let inst = Instance::start(Options::default()).unwrap();
    let (sub, mut claims) = github_run(None).claims();
    claims.remove("run_id");
    let token = inst.mint_token_with(&sub, 600, &claims);
    let Err((status, body)) = certificate(&inst, &token, &sub) else {
        panic!("issued a certificate without run_id");
    };
    assert_eq!(status, 400);
    assert!(
        body.contains("run_id") && body.contains("Fulcio needs"),
        "{body}"
    );
    // Audiences: the index takes `pypi` too; Fulcio only `sigstore`.
    let mut pypi = Map::new();
    pypi.insert("aud".into(), json!("pypi"));
    let token = inst.mint_token_with("a@b.c", 600, &pypi);
    assert!(inst.verify_token(&token, &["sigstore", "pypi"]).is_ok());
    assert!(inst.verify_token(&token, &["sigstore"]).is_err());
}

/// GETs `path` of `service` from `n` threads at once; the seconds each took.
fn concurrent_gets(inst: &Instance, service: ServiceKind, path: &str, n: usize) -> Vec<f64> {
    let url = format!("{}{path}", inst.url(service));
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|_| {
                let url = url.clone();
                s.spawn(move || {
                    let t = std::time::Instant::now();
                    agent().get(&url).call().unwrap();
                    t.elapsed().as_secs_f64()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn a_delay_holds_up_no_other_request() {
    let inst = Instance::start(Options {
        latency: vec![(ServiceKind::Fulcio, Duration::from_millis(400))],
        ..Options::default()
    })
    .unwrap();
    let took = concurrent_gets(&inst, ServiceKind::Fulcio, "/api/v2/trustBundle", 6);
    assert!(took.iter().all(|d| *d >= 0.4), "{took:?}");
    // While one waits, the others are taken in too (counted, not timed: a
    // loaded machine changes times, not this).
    assert!(inst.peak_concurrency(ServiceKind::Fulcio) >= 2);
    assert!(inst.state.latency.get(ServiceKind::RekorV1).is_zero());
    // Switched off from the next request on.
    inst.set_latency(ServiceKind::Fulcio, Duration::ZERO)
        .unwrap();
    assert!(inst.state.latency.get(ServiceKind::Fulcio).is_zero());
    assert!(inst
        .set_latency(ServiceKind::Tuf, Duration::from_secs(1))
        .is_err());
}

#[test]
fn rekor_v2_answers_a_window_together_at_its_end() {
    let inst = Instance::start(Options::default()).unwrap();
    inst.set_latency(ServiceKind::RekorV2, Duration::from_millis(800))
        .unwrap();
    let origin = inst.state.origin;
    let url = format!("{}/api/v2/checkpoint", inst.url(ServiceKind::RekorV2));
    let spans: Vec<(f64, f64)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let url = url.clone();
                s.spawn(move || {
                    // Arrivals spread over a fraction of a window.
                    std::thread::sleep(Duration::from_millis(40 * i));
                    let sent = origin.elapsed().as_secs_f64();
                    let _ = agent().get(&url).call();
                    (sent, origin.elapsed().as_secs_f64())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // No answer comes before the end of the window its request arrived in
    // (windows are multiples of 0.8 s from the origin). Only this lower
    // bound is checked: how soon after it each answer comes is the
    // machine's business, not the instance's.
    for (sent, answered) in &spans {
        let window_end = ((sent / 0.8).floor() + 1.0) * 0.8;
        assert!(*answered >= window_end, "{spans:?}");
    }
    assert!(
        inst.peak_concurrency(ServiceKind::RekorV2) >= 2,
        "{spans:?}"
    );
}

#[test]
fn a_counted_fault_affects_that_many_requests() {
    let inst = Instance::start(Options::default()).unwrap();
    inst.set_fault_count(Fault::RekorError, 2);
    let f = &inst.state.faults;
    assert!(f.is_set(Fault::RekorError));
    assert!(f.is_set(Fault::RekorError));
    assert!(!f.is_set(Fault::RekorError));
    inst.set_fault(Fault::TsaError, true);
    assert!(f.is_set(Fault::TsaError) && f.is_set(Fault::TsaError));
}

#[test]
fn the_signing_config_offers_the_chosen_logs() {
    for (logs, versions) in [
        (RekorLogs::V1, vec![1]),
        (RekorLogs::V2, vec![2]),
        (RekorLogs::Both, vec![1, 2]),
    ] {
        let inst = Instance::start(Options {
            rekor_logs: logs,
            ..Options::default()
        })
        .unwrap();
        let got: Vec<u64> = inst.signing_config()["rekorTlogUrls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["majorApiVersion"].as_u64().unwrap())
            .collect();
        assert_eq!(got, versions, "{logs:?}");
        // The trusted root lists both logs either way.
        assert_eq!(inst.trusted_root()["tlogs"].as_array().unwrap().len(), 2);
    }
}
