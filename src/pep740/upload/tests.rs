use super::*;
use crate::pep740::tests::{dist, github, production, read};
use crate::pep740::Expected;
use crate::test_support;
use std::collections::HashMap;

const SDIST: &str = "pypi_attestations-0.0.19.tar.gz";

fn publisher() -> Publisher {
    github("trailofbits/pypi-attestations", "release.yml")
}

/// The recorded attestation of [`SDIST`], `n` times in a list.
fn list_of(n: usize) -> Vec<u8> {
    let a: serde_json::Value =
        serde_json::from_slice(&read(&format!("{SDIST}.publish.attestation"))).unwrap();
    serde_json::to_vec(&vec![a; n]).unwrap()
}

fn check(
    dist: &Distribution,
    json: &[u8],
    publisher: Option<&Publisher>,
) -> Result<Vec<Accepted>, UploadError> {
    check_upload(&production(), dist, json, publisher)
}

#[test]
fn accepted_upload_builds_provenance_that_verifies() {
    let d = dist(SDIST);
    let p = publisher();
    let accepted = check(&d, &list_of(1), Some(&p)).unwrap();
    assert_eq!(accepted.len(), 1);
    assert_eq!(
        accepted[0].verified.predicate_type,
        crate::pep740::PYPI_PUBLISH_V1
    );
    assert_eq!(accepted[0].verified.publisher.as_ref(), Some(&p));

    let atts: Vec<Attestation> = accepted.into_iter().map(|a| a.attestation).collect();
    let provenance = build_provenance(&p, &atts);
    let json: serde_json::Value = serde_json::from_str(&provenance.to_json().unwrap()).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["attestation_bundles"].as_array().unwrap().len(), 1);
    assert_eq!(
        json["attestation_bundles"][0]["publisher"]["kind"],
        "GitHub"
    );
    // What the index serves parses and verifies as any provenance object.
    let served = Provenance::from_json(provenance.to_json().unwrap().as_bytes()).unwrap();
    let v = served
        .verify(&production(), &d, &Expected::Policy(p.policy()))
        .unwrap();
    assert_eq!(v[0].publisher.as_ref(), Some(&p));
}

#[test]
fn accepted_gitlab_upload() {
    let d = dist("gitlab_oidc_project-0.0.3.tar.gz");
    let p = Publisher::GitLab {
        repository: "facutuesca/gitlab-oidc-project".into(),
        workflow_filepath: ".gitlab-ci.yml".into(),
        environment: None,
    };
    let a: serde_json::Value = serde_json::from_slice(&read(
        "gitlab_oidc_project-0.0.3.tar.gz.publish.attestation",
    ))
    .unwrap();
    let json = serde_json::to_vec(&[a]).unwrap();
    assert_eq!(check(&d, &json, Some(&p)).unwrap().len(), 1);
}

#[test]
fn no_trusted_publisher() {
    let e = check(&dist(SDIST), &list_of(1), None).unwrap_err();
    assert_eq!(e, UploadError::NoTrustedPublisher);
    assert_eq!(
        e.http_message(),
        "Invalid attestations supplied during upload: \
         Attestations are only supported when using Trusted Publishing"
    );
}

#[test]
fn malformed_field() {
    let d = dist(SDIST);
    let p = publisher();
    for (json, phrase) in [
        (&b"{not json"[..], "not JSON"),
        (
            &read(&format!("{SDIST}.publish.attestation"))[..],
            "expected a JSON list of attestation objects, got an object",
        ),
        (&b"[{\"version\": 1}]"[..], "attestations[0]"),
        (&b"\"x\""[..], "got a string"),
    ] {
        let e = check(&d, json, Some(&p)).unwrap_err();
        assert!(matches!(e, UploadError::Malformed(_)), "{e}");
        test_support::assert_mentions(&e, &["Malformed attestations: ", phrase]);
    }
    let e = check(&d, b"[]", Some(&p)).unwrap_err();
    assert_eq!(e, UploadError::Empty);
}

#[test]
fn too_many_and_duplicates() {
    let d = dist(SDIST);
    let p = publisher();
    let e = check(&d, &list_of(3), Some(&p)).unwrap_err();
    assert_eq!(e, UploadError::TooMany { count: 3, max: 2 });
    test_support::assert_mentions(&e, &["A maximum of 2 attestations per file are supported"]);
    let e = check(&d, &list_of(2), Some(&p)).unwrap_err();
    assert_eq!(
        e,
        UploadError::DuplicatePredicateType(crate::pep740::PYPI_PUBLISH_V1.into())
    );
}

#[test]
fn unsupported_predicate_type() {
    let mut a = Attestation::from_json(&read(&format!("{SDIST}.publish.attestation"))).unwrap();
    let mut st: serde_json::Value = serde_json::from_slice(&a.envelope.statement.0).unwrap();
    st["predicateType"] = "https://example.com/predicate/v1".into();
    a.envelope.statement.0 = serde_json::to_vec(&st).unwrap();
    let json = format!("[{}]", a.to_json().unwrap());
    let e = check(&dist(SDIST), json.as_bytes(), Some(&publisher())).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Attestation with unsupported predicate type: https://example.com/predicate/v1"
    );
}

#[test]
fn subject_is_not_this_file() {
    let p = publisher();
    // Another file name.
    let other = dist("gitlab_oidc_project-0.0.3.tar.gz");
    let e = check(&other, &list_of(1), Some(&p)).unwrap_err();
    assert!(
        matches!(
            e,
            UploadError::Verification {
                index: 0,
                step: Step::Statement,
                ..
            }
        ),
        "{e}"
    );
    test_support::assert_mentions(
        &e,
        &[
            "Could not verify the uploaded artifact using the included attestation: attestations[0]",
            SDIST,
            "gitlab_oidc_project-0.0.3.tar.gz",
        ],
    );
    // The same name, other bytes.
    let d = Distribution::new(SDIST, &"0".repeat(64)).unwrap();
    let e = check(&d, &list_of(1), Some(&p)).unwrap_err();
    assert!(
        matches!(
            e,
            UploadError::Verification {
                step: Step::ArtifactDigest,
                ..
            }
        ),
        "{e}"
    );
    test_support::assert_mentions(&e, &["sha256", &"0".repeat(64), &dist(SDIST).sha256_hex()]);
}

#[test]
fn wrong_publisher_says_expected_and_found() {
    let d = dist(SDIST);
    // Another workflow of the same repository.
    let p = github("trailofbits/pypi-attestations", "publish.yml");
    let e = check(&d, &list_of(1), Some(&p)).unwrap_err();
    assert!(
        matches!(
            e,
            UploadError::Verification {
                step: Step::Policy,
                ..
            }
        ),
        "{e}"
    );
    test_support::assert_mentions(
        &e,
        &[
            "does not match the Trusted Publisher (GitHub repository trailofbits/pypi-attestations, workflow publish.yml)",
            "build config URI",
            "expected \"https://github.com/trailofbits/pypi-attestations/.github/workflows/publish.yml@",
            "got \"https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@",
        ],
    );
    // Not a reusable workflow (its signer and config URIs are the same).
    assert!(!e.to_string().contains("reusable workflow"), "{e}");
    // Another repository.
    let p = github("someone/else", "release.yml");
    let e = check(&d, &list_of(1), Some(&p)).unwrap_err();
    test_support::assert_mentions(
        &e,
        &[
            "source repository URI",
            "expected \"https://github.com/someone/else\"",
            "got \"https://github.com/trailofbits/pypi-attestations\"",
        ],
    );
}

struct Fake(HashMap<Claim, String>);

impl Claims for Fake {
    fn sans(&self) -> Vec<String> {
        self.0
            .get(&Claim::BuildSignerUri)
            .cloned()
            .into_iter()
            .collect()
    }
    fn claim(&self, c: Claim) -> Option<String> {
        self.0.get(&c).cloned()
    }
}

fn reusable(config: &str, signer: &str) -> Fake {
    Fake(HashMap::from([
        (Claim::BuildConfigUri, config.to_string()),
        (Claim::BuildSignerUri, signer.to_string()),
    ]))
}

#[test]
fn reusable_workflow_hint_names_the_calling_workflow() {
    let caller = "https://github.com/octo/app/.github/workflows/release.yml@refs/tags/v1";
    let called = "https://github.com/octo/shared/.github/workflows/publish.yml@refs/heads/main";
    // Publisher configured for the reusable workflow.
    let hint = reusable_workflow_hint(
        &github("octo/app", "publish.yml"),
        &reusable(caller, called),
    )
    .unwrap();
    test_support::assert_mentions(
        &hint,
        &[
            "the certificate comes from the reusable workflow",
            caller,
            called,
            "attestations are matched against the calling workflow (release.yml)",
            "sign and upload in a job of release.yml itself, with the Trusted Publisher \
             configured for release.yml",
        ],
    );
    // The calling workflow is the publisher's: the failure is elsewhere.
    assert_eq!(
        reusable_workflow_hint(
            &github("octo/app", "release.yml"),
            &reusable(caller, called)
        ),
        None
    );
    // Not a reusable workflow.
    assert_eq!(
        reusable_workflow_hint(
            &github("octo/app", "publish.yml"),
            &reusable(caller, caller)
        ),
        None
    );
    // Google publishers name no workflow.
    let google = Publisher::Google {
        email: "a@b.iam.gserviceaccount.com".into(),
    };
    assert_eq!(
        reusable_workflow_hint(&google, &reusable(caller, called)),
        None
    );
    // GitLab: the CI file in the project.
    let gitlab = Publisher::GitLab {
        repository: "g/p".into(),
        workflow_filepath: "ci/publish.yml".into(),
        environment: None,
    };
    let hint = reusable_workflow_hint(
        &gitlab,
        &reusable(
            "https://gitlab.com/g/p//.gitlab-ci.yml@refs/heads/main",
            "https://gitlab.com/g/components//templates/publish.yml@refs/heads/main",
        ),
    )
    .unwrap();
    test_support::assert_mentions(&hint, &["the calling workflow (.gitlab-ci.yml)"]);
}

#[test]
fn policy_message_carries_the_hint() {
    let caller = "https://github.com/octo/app/.github/workflows/release.yml@refs/tags/v1";
    let called = "https://github.com/octo/shared/.github/workflows/publish.yml@refs/heads/main";
    let p = github("octo/app", "publish.yml");
    let m = policy_message(
        &p,
        "build config URI: expected A, got B",
        Some(&reusable(caller, called)),
    );
    assert_eq!(
        m,
        format!(
            "the signing certificate does not match the Trusted Publisher (GitHub repository \
             octo/app, workflow publish.yml): build config URI: expected A, got B; the \
             certificate comes from the reusable workflow {called:?}, called by {caller:?}: \
             attestations are matched against the calling workflow (release.yml), while uploads \
             from a reusable workflow are only accepted under a Trusted Publisher naming the \
             reusable one, so attestations made inside a reusable workflow never match; sign \
             and upload in a job of release.yml itself, with the Trusted Publisher configured \
             for release.yml"
        )
    );
    // No certificate claims to read: the policy's message alone.
    assert!(policy_message(&p, "x", None).ends_with("workflow publish.yml): x"));
}
