use super::*;
use crate::test_support::{self, expect_err, expect_step};
use crate::trust::TrustedRoot;
use crate::x509::Certificate;

const DIR: &str = "pypi-attestations";

pub(super) fn read(name: &str) -> Vec<u8> {
    test_support::read(&format!("{DIR}/{name}"))
}

pub(super) fn dist(name: &str) -> Distribution {
    let p = test_support::fixtures().join(DIR).join(name);
    Distribution::from_file(&p).unwrap()
}

pub(super) fn production() -> Verifier {
    Verifier::new(TrustedRoot::production().unwrap())
}

pub(super) fn github(repository: &str, workflow: &str) -> Publisher {
    Publisher::GitHub {
        repository: repository.into(),
        workflow: workflow.into(),
        environment: None,
    }
}

fn json(b: &[u8]) -> serde_json::Value {
    serde_json::from_slice(b).unwrap()
}

#[test]
fn versions_compare_as_pep440() {
    let v = |s: &str| dist::Version::parse(s).unwrap();
    assert_eq!(v("1.0"), v("1.0.0"));
    assert_eq!(v("1.0"), v("v1.00"));
    assert_eq!(v("0.0.4a2"), v("0.0.4.alpha.2"));
    assert_eq!(v("1.0-1"), v("1.0.post1"));
    assert_eq!(v("1.0rc"), v("1.0c0"));
    assert_eq!(v("1.0.dev"), v("1.0-dev0"));
    assert_eq!(v("1.0+Ubuntu.01"), v("1.0+ubuntu-1"));
    assert_eq!(v("0!1.0"), v("1.0"));
    assert_ne!(v("1.0"), v("1.0.1"));
    assert_ne!(v("1.0a1"), v("1.0b1"));
    assert_ne!(v("1.0"), v("1.0+local"));
    assert_ne!(v("1!1.0"), v("1.0"));
    for bad in ["", "1.0-", "one", "1.0+", "1..0", "1.0_dev_x"] {
        assert!(dist::Version::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn distribution_names() {
    let p = |s: &str| DistName::parse(s);
    // sdists: .tar.gz and .zip, name normalised, version compared as PEP 440.
    assert_eq!(
        p("pypi_attestations-0.0.19.tar.gz"),
        p("PyPI.Attestations-0.0.019.tar.gz")
    );
    assert_eq!(
        p("pypi_attestations-0.0.19.tar.gz"),
        p("pypi_attestations-0.0.19.zip")
    );
    assert_ne!(
        p("pypi_attestations-0.0.19.tar.gz"),
        p("pypi_attestations-0.0.20.tar.gz")
    );
    assert_ne!(
        p("pypi_attestations-0.0.19.tar.gz"),
        p("pypi_attestation-0.0.19.tar.gz")
    );
    assert_eq!(p("a-b-1.0.tar.gz").unwrap().project(), "a-b");
    // wheels: tag sets expanded and lowercased, build tags compared.
    assert_eq!(
        p("rfc8785-0.1.2-py3-none-any.whl"),
        p("RFC8785-0.1.2-PY3-none-ANY.whl")
    );
    assert_eq!(
        p("foo-1.0-py2.py3-none-any.whl"),
        p("foo-1.0-py3.py2-none-any.whl")
    );
    assert_eq!(
        p("foo-1.0-01-py3-none-any.whl"),
        p("foo-1.0-1-py3-none-any.whl")
    );
    assert_ne!(
        p("foo-1.0-1-py3-none-any.whl"),
        p("foo-1.0-py3-none-any.whl")
    );
    assert_ne!(
        p("foo-1.0-py3-none-any.whl"),
        p("foo-1.0-cp312-none-any.whl")
    );
    assert_ne!(p("foo-1.0-py3-none-any.whl"), p("foo-1.0.tar.gz"));
    for bad in [
        "foo-1.0.tgz",
        "foo-1.0.tar.bz2",
        "foo-1.0.TAR.GZ",
        "foo.tar.gz",
        "-1.0.tar.gz",
        "foo-one.tar.gz",
        "foo-1.0-py3-none.whl",
        "foo-1.0-a-b-c-d-e.whl",
        "foo__bar-1.0-py3-none-any.whl",
        "foo bar-1.0-py3-none-any.whl",
        "foo-1.0-x1-py3-none-any.whl",
        "foo-1.0-py3..py2-none-any.whl",
        "foo-1.0-3py-none-any.whl",
        "foo-x-py3-none-any.whl",
        "rfc8785-0.1.2-py3-none-any.tar.gz",
    ] {
        assert!(p(bad).is_err(), "{bad:?} should be rejected");
    }
    assert!(Distribution::new("foo-1.0.tar.gz", "00").is_err());
    assert!(Distribution::new("foo-1.0.tar.gz", &"zz".repeat(32)).is_err());
    let d = Distribution::new("foo-1.0.tar.gz", &"AB".repeat(32)).unwrap();
    assert_eq!(d.sha256_hex(), "ab".repeat(32));
}

#[test]
fn publisher_json() {
    let p = Publisher::from_json(
        br#"{"kind":"GitHub","repository":"o/r","workflow":"release.yml","environment":null}"#,
    )
    .unwrap();
    assert_eq!(p, github("o/r", "release.yml"));
    assert_eq!(
        json(p.to_json().unwrap().as_bytes()),
        serde_json::json!({"kind":"GitHub","repository":"o/r","workflow":"release.yml","environment":null})
    );
    let g = Publisher::from_json(
        br#"{"kind":"GitLab","repository":"a/b/c","workflow_filepath":".gitlab-ci.yml"}"#,
    )
    .unwrap();
    assert_eq!(g.kind(), "GitLab");
    let e = Publisher::from_json(br#"{"kind":"Google","email":"x@y.z"}"#).unwrap();
    assert_eq!(e.kind(), "Google");
    for bad in [
        &br#"{"kind":"Jenkins","url":"x"}"#[..],
        br#"{"kind":"GitHub","repository":"o/r"}"#,
        br#"{"repository":"o/r","workflow":"w"}"#,
    ] {
        expect_err!(Publisher::from_json(bad), Error::InvalidAttestation(_));
    }
    // Unknown fields are ignored, as pypi-attestations does.
    let p = Publisher::from_json(
        br#"{"kind":"GitHub","repository":"o/r","workflow":"w","claims":{"sha":"x"},"extra":1}"#,
    )
    .unwrap();
    assert_eq!(p, github("o/r", "w"));
    let c = Publisher::from_json(
        br#"{"kind":"CircleCI","project_id":"p","pipeline_definition_id":"d"}"#,
    )
    .unwrap();
    assert_eq!(c.kind(), "CircleCI");
    assert_eq!(
        json(c.to_json().unwrap().as_bytes()),
        serde_json::json!({"kind":"CircleCI","project_id":"p","pipeline_definition_id":"d",
            "vcs_origin":null,"vcs_ref":null})
    );
}

/// A publisher of a kind this release does not know (in a publisher object,
/// or filed in a provenance object) is refused with a message naming the
/// kind and the supported ones, not serde's "unknown variant".
#[test]
fn unsupported_publisher_kind_names_the_kind_and_the_supported_ones() {
    let supported = "(supported kinds: GitHub, GitLab, Google, CircleCI)";
    let e = Publisher::from_json(br#"{"kind":"Jenkins","url":"x"}"#).unwrap_err();
    test_support::assert_mentions(
        &e,
        &["unsupported Trusted Publisher kind \"Jenkins\"", supported],
    );
    let mut doc = json(&read("pypi_attestations-0.0.19.tar.gz.provenance"));
    doc["attestation_bundles"][0]["publisher"] =
        serde_json::json!({"kind": "ActiveState", "organization": "o"});
    let e = Provenance::from_json(doc.to_string().as_bytes()).unwrap_err();
    test_support::assert_mentions(
        &e,
        &[
            "unsupported Trusted Publisher kind \"ActiveState\"",
            supported,
        ],
    );
    for (bad, says) in [
        (&br#"{"kind":7}"#[..], "\"kind\" must be a string"),
        (br#"{"repository":"o/r"}"#, "needs a \"kind\""),
        (br#"["GitHub"]"#, "must be a JSON object"),
    ] {
        let e = Publisher::from_json(bad).unwrap_err();
        test_support::assert_mentions(&e, &[says, "GitHub, GitLab, Google, CircleCI"]);
    }
}

/// The CircleCI policy is pypi-attestations 0.0.30's: CircleCI's issuer, the
/// Build Signer URI naming the project and pipeline definition, and the
/// origin and ref only when the publisher gives them.
#[test]
fn circleci_publisher_policy() {
    let c = |origin: Option<&str>, r: Option<&str>| Publisher::CircleCI {
        project_id: "p".into(),
        pipeline_definition_id: "d".into(),
        vcs_origin: origin.map(Into::into),
        vcs_ref: r.map(Into::into),
    };
    let signer = Policy::claim(
        crate::policy::Claim::BuildSignerUri,
        "https://circleci.com/api/v2/projects/p/pipeline-definitions/d",
    );
    let issuer = Policy::claim(crate::policy::Claim::OidcIssuer, publisher::CIRCLECI_ISSUER);
    let same = |a: Policy, b: Policy| assert_eq!(format!("{a:?}"), format!("{b:?}"));
    same(
        c(None, None).policy(),
        Policy::AllOf(vec![issuer.clone(), signer.clone()]),
    );
    same(
        c(Some("github.com/o/r"), Some("refs/heads/main")).policy(),
        Policy::AllOf(vec![
            issuer,
            Policy::claim(crate::policy::Claim::SourceRepositoryUri, "github.com/o/r"),
            Policy::claim(crate::policy::Claim::SourceRepositoryRef, "refs/heads/main"),
            signer,
        ]),
    );
    assert_eq!(
        c(Some("github.com/o/r"), None).to_string(),
        "CircleCI project p, pipeline definition d, origin github.com/o/r"
    );
}

/// Provenance objects PyPI has served carry a publisher `claims` key, and
/// a signer or index may add others to any unsigned object: they are
/// ignored, and the object verifies exactly as the original.
#[test]
fn provenance_with_unknown_unsigned_keys_verifies_as_the_original() {
    let d = dist("pypi_attestations-0.0.19.tar.gz");
    let v = production();
    let raw = read("pypi_attestations-0.0.19.tar.gz.provenance");
    let mut doc = json(&raw);
    doc["extra"] = 1.into();
    let bundle = &mut doc["attestation_bundles"][0];
    bundle["extra"] = serde_json::json!([1]);
    bundle["publisher"]["claims"] = serde_json::json!({
        "ref": "refs/tags/v0.0.19", "sha": "0123456789abcdef0123456789abcdef01234567",
    });
    let att = &mut bundle["attestations"][0];
    att["extra"] = serde_json::json!({"a": null});
    att["verification_material"]["extra"] = 1.into();
    att["envelope"]["extra"] = "x".into();
    let lenient = Provenance::from_json(doc.to_string().as_bytes()).unwrap();
    let original = Provenance::from_json(&raw).unwrap();
    assert_eq!(lenient, original);
    assert_eq!(
        json(lenient.to_json().unwrap().as_bytes()),
        json(original.to_json().unwrap().as_bytes())
    );
    let real = github("trailofbits/pypi-attestations", "release.yml");
    for expected in [Expected::Policy(real.policy()), Expected::TrustOnFirstUse] {
        let a = lenient.verify(&v, &d, &expected).unwrap();
        assert_eq!(a, original.verify(&v, &d, &expected).unwrap());
        assert_eq!(a[0].publisher.as_ref(), Some(&real));
    }
    // Without `version`, a provenance object is version 1.
    let mut doc = json(&raw);
    doc.as_object_mut().unwrap().remove("version");
    assert_eq!(
        Provenance::from_json(doc.to_string().as_bytes()).unwrap(),
        original
    );
}

#[test]
fn publisher_policies_on_edge_case_certificates() {
    let no_ref = read("no-source-repository-ref-extension.pem");
    let no_ref = Certificate::from_pem(&no_ref).unwrap();
    let google = Certificate::from_pem(&read("200170367.pem")).unwrap();
    let ok = |p: &Publisher, c: &Certificate| p.policy().check(c).is_ok();

    // The Build Config URI ends in the commit digest; there is no ref claim.
    let swift = github("SWIFTSIM/swiftgalaxy", "python-publish.yml");
    assert!(ok(&swift, &no_ref));
    assert!(!ok(&github("SWIFTSIM/swiftgalaxy", "other.yml"), &no_ref));
    assert!(!ok(
        &github("SWIFTSIM/other", "python-publish.yml"),
        &no_ref
    ));
    assert!(!ok(
        &github("swiftsim/swiftgalaxy", "python-publish.yml"),
        &no_ref
    ));
    let gitlab = Publisher::GitLab {
        repository: "SWIFTSIM/swiftgalaxy".into(),
        workflow_filepath: "python-publish.yml".into(),
        environment: None,
    };
    assert!(!ok(&gitlab, &no_ref));
    let err = swift.policy().check(&google).unwrap_err().to_string();
    assert!(err.contains("OIDC issuer"), "{err}");

    let email = "919436158236-compute@developer.gserviceaccount.com";
    assert!(ok(
        &Publisher::Google {
            email: email.into()
        },
        &google
    ));
    assert!(!ok(
        &Publisher::Google {
            email: "x@developer.gserviceaccount.com".into()
        },
        &google
    ));
    assert!(!ok(
        &Publisher::Google {
            email: email.into()
        },
        &no_ref
    ));
}

#[test]
fn attestation_json_round_trips_and_ignores_unknowns() {
    let raw = read("pypi_attestations-0.0.19.tar.gz.publish.attestation");
    let a = Attestation::from_json(&raw).unwrap();
    assert_eq!(json(a.to_json().unwrap().as_bytes()), json(&raw));
    // Attestation -> bundle -> attestation is the identity.
    let back = Attestation::from_bundle(&a.to_bundle().unwrap()).unwrap();
    assert_eq!(back, a);

    // Unknown keys in the unsigned wrappers are ignored (pydantic's
    // `extra="ignore"`), and dropped when written back.
    let mut v = json(&raw);
    v["extra"] = 1.into();
    v["envelope"]["x"] = 1.into();
    v["verification_material"]["x"] = serde_json::json!({"y": [1]});
    assert_eq!(Attestation::from_json(v.to_string().as_bytes()).unwrap(), a);
    let mut v = json(&raw);
    v["version"] = 2.into();
    let err = Attestation::from_json(v.to_string().as_bytes()).unwrap_err();
    assert!(err.to_string().contains("unsupported version 2"), "{err}");
    let mut v = json(&raw);
    v["verification_material"]["transparency_entries"] = serde_json::json!([]);
    assert!(Attestation::from_json(v.to_string().as_bytes()).is_err());
    let mut v = json(&raw);
    v["verification_material"]["certificate"] = "bm90IGEgY2VydA==".into();
    let a = Attestation::from_json(v.to_string().as_bytes()).unwrap();
    expect_err!(a.to_bundle(), Error::Conversion(_));
}

#[test]
fn bundle_converts_to_the_recorded_attestation() {
    let bundle = read("pypi_attestation_models-0.0.4a2.tar.gz.sigstore");
    let want = read("pypi_attestation_models-0.0.4a2.tar.gz.attestation");
    let a = Attestation::from_bundle(&crate::bundle::Bundle::from_json(&bundle).unwrap()).unwrap();
    assert_eq!(json(a.to_json().unwrap().as_bytes()), json(&want));
}

#[test]
fn fixtures_verify_with_their_publishers() {
    let d = dist("pypi_attestations-0.0.19.tar.gz");
    let v = production();
    let a = Attestation::from_json(&read("pypi_attestations-0.0.19.tar.gz.publish.attestation"))
        .unwrap();
    let publisher = github("trailofbits/pypi-attestations", "release.yml");
    let ok = a.verify(&v, &publisher.policy(), &d).unwrap();
    assert_eq!(ok.predicate_type, PYPI_PUBLISH_V1);
    assert_eq!(ok.predicate, None);

    let other_workflow = github("trailofbits/pypi-attestations", "other.yml");
    expect_step(
        a.verify(&v, &other_workflow.policy(), &d),
        Step::Policy,
        &[],
    );
    let renamed = Distribution::new("pypi_attestations-0.0.20.tar.gz", &d.sha256_hex()).unwrap();
    expect_step(
        a.verify(&v, &publisher.policy(), &renamed),
        Step::Statement,
        &[],
    );
    let normalised = Distribution::new("PyPI.Attestations-0.0.19.zip", &d.sha256_hex()).unwrap();
    assert!(a.verify(&v, &publisher.policy(), &normalised).is_ok());
    let other_bytes = Distribution::new(d.name(), &"00".repeat(32)).unwrap();
    expect_step(
        a.verify(&v, &publisher.policy(), &other_bytes),
        Step::ArtifactDigest,
        &[],
    );

    let p = Provenance::from_json(&read("pypi_attestations-0.0.19.tar.gz.provenance")).unwrap();
    assert_eq!(
        p.verify(&v, &d, &Expected::TrustOnFirstUse).unwrap().len(),
        1
    );
    let wrong = github("trailofbits/other", "release.yml").policy();
    assert!(p.verify(&v, &d, &Expected::Policy(wrong)).is_err());

    let gl = Attestation::from_json(&read(
        "gitlab_oidc_project-0.0.3.tar.gz.publish.attestation",
    ))
    .unwrap();
    let gl_dist = dist("gitlab_oidc_project-0.0.3.tar.gz");
    let gitlab = |w: &str| Publisher::GitLab {
        repository: "facutuesca/gitlab-oidc-project".into(),
        workflow_filepath: w.into(),
        environment: None,
    };
    assert!(gl
        .verify(&v, &gitlab(".gitlab-ci.yml").policy(), &gl_dist)
        .is_ok());
    assert!(gl
        .verify(&v, &gitlab("other.yml").policy(), &gl_dist)
        .is_err());

    // A batch: results in order, a failure beside successes.
    let items = vec![
        BatchItem {
            dist: DistSource::Known(Box::new(d.clone())),
            evidence: Evidence::Attestation(a.clone()),
            expected: Expected::Policy(publisher.policy()),
        },
        BatchItem {
            dist: DistSource::Known(Box::new(renamed)),
            evidence: Evidence::Attestation(a.clone()),
            expected: Expected::Policy(publisher.policy()),
        },
        BatchItem {
            dist: DistSource::Known(Box::new(gl_dist)),
            evidence: Evidence::Attestation(gl),
            expected: Expected::Policy(gitlab(".gitlab-ci.yml").policy()),
        },
        BatchItem {
            dist: DistSource::Known(Box::new(d.clone())),
            evidence: Evidence::Provenance(p.clone()),
            expected: Expected::TrustOnFirstUse,
        },
        BatchItem {
            dist: DistSource::Known(Box::new(d.clone())),
            evidence: Evidence::Provenance(p),
            expected: Expected::Policy(publisher.policy()),
        },
        // An attestation names no publisher to trust.
        BatchItem {
            dist: DistSource::Known(Box::new(d)),
            evidence: Evidence::Attestation(a),
            expected: Expected::TrustOnFirstUse,
        },
    ];
    let r = verify_batch(&v, &items);
    assert_eq!(r.len(), 6);
    assert!(
        r[0].is_ok() && r[1].is_err() && r[2].is_ok() && r[3].is_ok() && r[4].is_ok(),
        "{r:?}"
    );
    expect_err!(&r[5], Error::InvalidInput(_));
}

#[test]
fn wheel_tag_sets_compare_per_component() {
    let p = |s: &str| DistName::parse(s).unwrap();
    // Each component is a set: order and repetition do not matter.
    assert_eq!(
        p("foo-1.0-py2.py3-none-any.whl"),
        p("foo-1.0-py3.py2.py3-none-any.whl")
    );
    assert_eq!(
        p("foo-1.0-cp312-cp312-manylinux1_x86_64.manylinux_2_5_x86_64.whl"),
        p("foo-1.0-cp312-cp312-manylinux_2_5_x86_64.manylinux1_x86_64.whl")
    );
    assert_eq!(
        p("foo-1.0-cp312-abi3.none-any.whl"),
        p("foo-1.0-cp312-NONE.abi3-any.whl")
    );
    // A subset or superset of any component is another wheel.
    assert_ne!(
        p("foo-1.0-py2.py3-none-any.whl"),
        p("foo-1.0-py3-none-any.whl")
    );
    assert_ne!(
        p("foo-1.0-cp312-abi3.none-any.whl"),
        p("foo-1.0-cp312-abi3-any.whl")
    );
    assert_ne!(
        p("foo-1.0-cp312-cp312-manylinux1_x86_64.manylinux_2_5_x86_64.whl"),
        p("foo-1.0-cp312-cp312-manylinux1_x86_64.whl")
    );
    // The same tags in another component are not the same wheel.
    assert_ne!(p("foo-1.0-py3-none-any.whl"), p("foo-1.0-py3-any-none.whl"));
}

/// A file name longer than any common filesystem allows is rejected before
/// its tags are looked at; the bound is on bytes, so a name just under it is
/// fine however many tags it holds.
#[test]
fn overlong_distribution_names_are_rejected() {
    // cp300.cp301.… : 124 interpreters × 1 abi × 1 platform in ~1 KB, and
    // the same with many platforms (the issue's 3.9 KB name is this shape).
    let many = |n: usize, prefix: &str| {
        (0..n)
            .map(|i| format!("{prefix}{i}"))
            .collect::<Vec<_>>()
            .join(".")
    };
    let long_wheel = format!(
        "foo-1.0-{}-{}-{}.whl",
        many(100, "cp3"),
        many(100, "a"),
        many(100, "p")
    );
    assert!(long_wheel.len() > 1000);
    let long_sdist = format!("{}-1.0.tar.gz", "a".repeat(300));
    for name in [&long_wheel, &long_sdist] {
        // Not `unwrap_err`: an accepted name would print its whole tag set.
        let Err(err) = DistName::parse(name) else {
            panic!("a {}-byte name was accepted", name.len());
        };
        assert!(err.contains("at most 255 bytes"), "{err}");
        // The message does not repeat the whole name.
        assert!(err.len() < 300, "{err}");
        assert!(Distribution::new(name, &"00".repeat(32)).is_err());
    }
    // 255 bytes exactly is accepted.
    let stem = "foo-1.0-py3-none-";
    let at_limit = format!("{stem}{}.whl", "x".repeat(255 - stem.len() - 4));
    assert_eq!(at_limit.len(), 255);
    assert!(DistName::parse(&at_limit).is_ok(), "{at_limit}");
    let over = format!("{stem}{}.whl", "x".repeat(256 - stem.len() - 4));
    assert!(DistName::parse(&over).is_err());
}

/// A provenance object names its own publisher: verifying it against that
/// alone proves nothing (anyone can sign as themselves), so the caller says
/// whom it expects or explicitly trusts on first use; either way the result
/// names the publisher the certificates vouched for.
#[test]
fn provenance_is_verified_against_the_expected_publisher() {
    let d = dist("pypi_attestations-0.0.19.tar.gz");
    let v = production();
    let raw = read("pypi_attestations-0.0.19.tar.gz.provenance");
    let p = Provenance::from_json(&raw).unwrap();
    let real = github("trailofbits/pypi-attestations", "release.yml");

    for expected in [Expected::Policy(real.policy()), Expected::TrustOnFirstUse] {
        let ok = p.verify(&v, &d, &expected).unwrap();
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].publisher.as_ref(), Some(&real));
        assert_eq!(ok[0].predicate_type, PYPI_PUBLISH_V1);
    }
    // Any identity policy may be expected: here any workflow of the repository.
    let repo_only = Policy::AllOf(vec![
        Policy::claim(crate::policy::Claim::OidcIssuer, publisher::GITHUB_ISSUER),
        Policy::claim(
            crate::policy::Claim::SourceRepositoryUri,
            "https://github.com/trailofbits/pypi-attestations",
        ),
    ]);
    let ok = p.verify(&v, &d, &Expected::Policy(repo_only)).unwrap();
    assert_eq!(ok[0].publisher.as_ref(), Some(&real));

    // Someone else's publisher: rejected at the policy step, naming the attestation.
    let other = github("trailofbits/other", "release.yml");
    let message = expect_step(
        p.verify(&v, &d, &Expected::Policy(other.policy())),
        Step::Policy,
        &[],
    );
    assert!(
        message.starts_with("attestation_bundles[0].attestations[0]: "),
        "{message}"
    );

    // The same attestations filed under another publisher: the expected
    // policy holds, but the publisher the result would name does not, so
    // the object is rejected either way.
    let mut doc = json(&raw);
    doc["attestation_bundles"][0]["publisher"] = serde_json::to_value(&other).unwrap();
    let relabelled = Provenance::from_json(doc.to_string().as_bytes()).unwrap();
    for expected in [Expected::Policy(real.policy()), Expected::TrustOnFirstUse] {
        expect_step(relabelled.verify(&v, &d, &expected), Step::Policy, &[]);
    }
}

#[test]
fn publishers_display_their_claims() {
    assert_eq!(
        github("o/r", "release.yml").to_string(),
        "GitHub repository o/r, workflow release.yml"
    );
    let with_env = Publisher::GitHub {
        repository: "o/r".into(),
        workflow: "release.yml".into(),
        environment: Some("pypi".into()),
    };
    assert_eq!(
        with_env.to_string(),
        "GitHub repository o/r, workflow release.yml, environment pypi"
    );
    let gl = Publisher::GitLab {
        repository: "a/b/c".into(),
        workflow_filepath: ".gitlab-ci.yml".into(),
        environment: None,
    };
    assert_eq!(
        gl.to_string(),
        "GitLab project a/b/c, workflow .gitlab-ci.yml"
    );
    let google = Publisher::Google {
        email: "x@y.iam.gserviceaccount.com".into(),
    };
    assert_eq!(
        google.to_string(),
        "Google service account x@y.iam.gserviceaccount.com"
    );
}

/// A key given twice in a transparency entry is an error, as it is in a
/// bundle, not silently the last one: at the entry's top level and inside
/// its inclusion proof, in an attestation and in a provenance object.
#[test]
fn duplicate_keys_in_transparency_entries_are_rejected() {
    let name = "pypi_attestations-0.0.19.tar.gz";
    let raw = String::from_utf8(read(&format!("{name}.publish.attestation"))).unwrap();
    let edits = [
        (
            r#""logIndex":"153454663"}"#,
            r#""logIndex":"1","logIndex":"153454663"}"#,
        ),
        (
            r#""logIndex":"31550401","#,
            r#""logIndex":"31550401","logIndex":"31550401","#,
        ),
    ];
    for (from, to) in edits {
        assert_eq!(raw.matches(from).count(), 1, "{from}");
        let dup = raw.replace(from, to);
        match Attestation::from_json(dup.as_bytes()) {
            Err(Error::InvalidAttestation(m)) => {
                assert!(m.contains("duplicate key \"logIndex\""), "{m}")
            }
            other => panic!(
                "{to}: expected a duplicate-key error, got {:?}",
                other.map(|_| ())
            ),
        }
        let provenance = String::from_utf8(read(&format!("{name}.provenance"))).unwrap();
        let attestation = raw.trim_end();
        assert!(
            provenance.contains(attestation),
            "the provenance holds the attestation"
        );
        let dup = provenance.replace(attestation, dup.trim_end());
        match Provenance::from_json(dup.as_bytes()) {
            Err(Error::InvalidAttestation(m)) => {
                assert!(m.contains("duplicate key \"logIndex\""), "{m}")
            }
            other => panic!(
                "{to}: expected a duplicate-key error, got {:?}",
                other.map(|_| ())
            ),
        }
    }
    // The recorded attestation itself parses; an entry must be an object.
    Attestation::from_json(raw.as_bytes()).unwrap();
    let mut v = json(raw.as_bytes());
    v["verification_material"]["transparency_entries"] = serde_json::json!([5]);
    match Attestation::from_json(v.to_string().as_bytes()) {
        Err(Error::InvalidAttestation(m)) => {
            assert!(
                m.contains("transparency_entries[0] is not a JSON object"),
                "{m}"
            )
        }
        other => panic!("expected a malformed entry, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn certificate_claims_are_the_fulcio_extensions_from_8_on() {
    // The values pypi-attestations' own test expects of this attestation.
    let a = Attestation::from_json(&read("pypi_attestations-0.0.19.tar.gz.publish.attestation"))
        .unwrap();
    let claims = a.certificate_claims().unwrap();
    let oids: Vec<&str> = claims.iter().map(|(o, _)| o.as_str()).collect();
    let want: Vec<String> = (8..=22)
        .map(|a| format!("1.3.6.1.4.1.57264.1.{a}"))
        .collect();
    assert_eq!(oids, want);
    let get = |oid: &str| {
        claims
            .iter()
            .find(|(o, _)| o == oid)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(
        get("1.3.6.1.4.1.57264.1.8"),
        Some("https://token.actions.githubusercontent.com")
    );
    assert_eq!(get("1.3.6.1.4.1.57264.1.14"), Some("refs/tags/v0.0.19"));
    assert_eq!(get("1.3.6.1.4.1.57264.1.22"), Some("public"));

    let mut v = json(&read("pypi_attestations-0.0.19.tar.gz.publish.attestation"));
    v["verification_material"]["certificate"] = "bm90IGEgY2VydA==".into();
    let a = Attestation::from_json(v.to_string().as_bytes()).unwrap();
    expect_err!(a.certificate_claims(), Error::Conversion(_));
}

/// What `inspect` shows of a signing certificate: pyca/cryptography's RFC
/// 4514 issuer string (pypi-attestations' `inspect` prints it), the SANs,
/// the end of validity.
#[test]
fn certificate_details_are_the_sans_issuer_and_expiry() {
    let a = Attestation::from_json(&read("pypi_attestations-0.0.19.tar.gz.publish.attestation"))
        .unwrap();
    let d = a.certificate_details().unwrap();
    assert_eq!(d.issuer, "CN=sigstore-intermediate,O=sigstore.dev");
    assert_eq!(
        d.sans,
        ["https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19"]
    );
    let cert = Certificate::from_der(a.verification_material.certificate.0.clone()).unwrap();
    assert_eq!(d.not_after, cert.not_after());
    let mut v = json(&read("pypi_attestations-0.0.19.tar.gz.publish.attestation"));
    v["verification_material"]["certificate"] = "bm90IGEgY2VydA==".into();
    let bad = Attestation::from_json(v.to_string().as_bytes()).unwrap();
    expect_err!(bad.certificate_details(), Error::Conversion(_));
}
