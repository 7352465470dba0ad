//! The verifier against the sigstore-python fixtures, on every crypto
//! backend (the conformance cases are in `tests_conformance.rs`).

use super::*;
use crate::test_support::{expect_err, expect_step, fixtures, read};

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

fn staging() -> Verifier {
    Verifier::new(TrustedRoot::staging().unwrap())
}

fn sp(rel: &str) -> Vec<u8> {
    read(&format!("sigstore-python/{rel}"))
}

/// A bundle verified against the other public instance's trusted root fails
/// at the log step, and the message says which instance the log belongs to.
#[test]
fn wrong_instance_names_the_right_one() {
    let cases = [
        (
            "bundle_v3.txt",
            "bundle_v3.txt.sigstore",
            "staging instance",
        ),
        (
            "staging-rekor-v2.txt",
            "staging-rekor-v2.txt.sigstore.json",
            "staging instance",
        ),
    ];
    let production = Verifier::new(TrustedRoot::production().unwrap());
    for (artifact, bundle, instance) in cases {
        let bundle = Bundle::from_json(&sp(bundle)).unwrap();
        let err = production
            .verify_artifact(
                &Artifact::Bytes(sp(artifact)),
                &bundle,
                &Policy::identity("x@example.com", "https://github.com/login/oauth"),
            )
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("transparency log entry") && err.contains(instance),
            "{err}"
        );
        assert!(
            err.contains("verify against that instance's trusted root"),
            "{err}"
        );
    }
    let cpython = Bundle::from_json(&sp("integration/Python-3.12.5.tgz.sigstore")).unwrap();
    // The artifact it signs (by digest; the tarball is not in the repository).
    let Content::MessageSignature {
        digest: Some(signed),
        ..
    } = &cpython.content
    else {
        panic!("a message signature with its digest")
    };
    let err = staging()
        .verify_artifact(
            &Artifact::Digest(signed.clone()),
            &cpython,
            &Policy::identity("thomas@python.org", "https://accounts.google.com"),
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("public-good (production) instance"), "{err}");
}

#[test]
fn sigstore_python_bundles() {
    let cases = [
        ("bundle.txt", "bundle.txt.sigstore", "a@tny.town"),
        (
            "bundle_v3.txt",
            "bundle_v3.txt.sigstore",
            "william@yossarian.net",
        ),
        (
            "bundle_v3_alt.txt",
            "bundle_v3_alt.txt.sigstore",
            "william@yossarian.net",
        ),
        (
            "integration/bundle_v3.txt",
            "integration/bundle_v3.txt.sigstore",
            "william@yossarian.net",
        ),
    ];
    for backend in crypto::all_backends() {
        let v = staging().with_backend(backend);
        for (art, b, id) in cases {
            let bundle = Bundle::from_json(&sp(b)).unwrap();
            let bytes = sp(art);
            let policy = Policy::identity(id, "https://github.com/login/oauth");
            let r = v.verify_artifact(&Artifact::Bytes(bytes.clone()), &bundle, &policy);
            let ok = r.unwrap_or_else(|e| panic!("{b} on {}: {e}", backend.name()));
            assert_eq!(ok.identity.as_deref(), Some(id));
            // Wrong identity: a policy failure naming the claim.
            let mallory =
                Policy::identity("mallory@evil.example", "https://github.com/login/oauth");
            expect_step(
                v.verify_artifact(&Artifact::Bytes(bytes.clone()), &bundle, &mallory),
                Step::Policy,
                &["mallory@evil.example", id],
            );
            // A modified artifact fails.
            let mut tampered = bytes;
            tampered.push(b'!');
            assert!(v
                .verify_artifact(&Artifact::Bytes(tampered), &bundle, &policy)
                .is_err());
        }
    }
}

#[test]
fn cve_2022_36056_is_rejected() {
    let b = sp("bundle_cve_2022_36056.txt.sigstore");
    let bundle = Bundle::from_json(&b).unwrap();
    let art = sp("bundle_cve_2022_36056.txt");
    let policy = Policy::identity("william@yossarian.net", "https://github.com/login/oauth");
    expect_err!(
        staging().verify_artifact(&Artifact::Bytes(art), &bundle, &policy),
        Error::Verification { .. }
    );
}

#[test]
fn no_signed_time_is_rejected() {
    let b = sp("bundle_v3_no_signed_time.txt.sigstore.json");
    let e = Bundle::from_json(&b).unwrap_err();
    assert!(e.to_string().contains("no signed time"), "{e}");
}

#[test]
fn staging_rekor_v2() {
    let b = sp("staging-rekor-v2.txt.sigstore.json");
    for backend in crypto::all_backends() {
        let v = staging().with_backend(backend);
        let bundle = Bundle::from_json(&b).unwrap();
        let art = Artifact::Bytes(sp("staging-rekor-v2.txt"));
        let policy = Policy::identity("jku@goto.fi", "https://github.com/login/oauth");
        v.verify_artifact(&art, &bundle, &policy).unwrap();
        let dsse = Bundle::from_json(&sp("a.dsse.staging-rekor-v2.txt.sigstore.json")).unwrap();
        let policy = Policy::identity(DEFAULT_IDENTITY, DEFAULT_ISSUER);
        let out = v.verify_dsse(&dsse, &policy).unwrap();
        assert_eq!(
            out.payload_type.as_deref(),
            Some("application/vnd.in-toto+json")
        );
        // The statement's subject is the conformance suite's a.txt.
        let art = Artifact::Bytes(read("conformance/bundle-verify/a.txt"));
        v.verify_artifact(&art, &dsse, &policy).unwrap();
        // Another input: the message names both its digest and the subjects'.
        expect_step(
            v.verify_artifact(&Artifact::Bytes(b"other".to_vec()), &dsse, &policy),
            Step::ArtifactDigest,
            &["the input does not match what this bundle signs: the input's digest is sha256:d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa, the in-toto statement's subjects are \"a.txt\" (sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf)"],
        );
    }
}

#[test]
fn digest_parsing() {
    assert!(parse_digest("sha256:00").is_err());
    assert!(parse_digest("md5:00").is_err());
    assert!(parse_digest("nonsense").is_err());
    let d = parse_digest(&format!("sha256:{}", "ab".repeat(32))).unwrap();
    assert_eq!(d.algorithm(), HashAlgorithm::Sha256);
    assert!(public_key_from_pem(b"not pem").is_err());
}

#[test]
fn tsa_bundles() {
    let cfg = sp("tsa/trust_config.json");
    let v = Verifier::new(TrustedRoot::from_trust_config_json(&cfg).unwrap());
    let art = Artifact::Bytes(sp("tsa/bundle.txt"));
    let policy = Policy::identity(
        "alexis.challande@trailofbits.com",
        "https://accounts.google.com",
    );
    let good = Bundle::from_json(&sp("tsa/bundle.txt.sigstore")).unwrap();
    v.verify_artifact(&art, &good, &policy).unwrap();
    // The late timestamp is the staging TSA's: against the staging root it
    // verifies, and its time is after the certificate expired.
    let late = Bundle::from_json(&sp("tsa/bundle.txt.late_timestamp.sigstore")).unwrap();
    assert!(v.verify_artifact(&art, &late, &policy).is_err());
    // The message says whose time it is: the timestamp's, not the log's.
    expect_step(
        staging().verify_artifact(&art, &late, &policy),
        Step::SigningTime,
        &["RFC 3161 timestamp 0's time 2025-05-12T19:00:27Z (1747076427) is outside the certificate's validity (2025-05-12T18:48:26Z to 2025-05-12T18:58:26Z)"],
    );
}

#[test]
fn rekor_v2_log_must_be_valid_at_the_signing_time() {
    let b = sp("staging-rekor-v2.txt.sigstore.json");
    let bundle = Bundle::from_json(&b).unwrap();
    let art = Artifact::Bytes(sp("staging-rekor-v2.txt"));
    let policy = Policy::identity("jku@goto.fi", "https://github.com/login/oauth");
    let mut root = TrustedRoot::staging().unwrap();
    let log = root
        .tlogs
        .iter_mut()
        .find(|l| l.log_id == bundle.tlog_entry.log_id)
        .unwrap();
    // Retire the log's key the second after it came into service.
    log.key.validity.end = Some(log.key.validity.start + 1);
    for backend in crypto::all_backends() {
        expect_step(
            Verifier::new(root.clone())
                .with_backend(backend)
                .verify_artifact(&art, &bundle, &policy),
            Step::TlogEntry,
            &["validity window"],
        );
    }
}

/// Hostile input never panics: real bundles with bytes flipped (inside
/// base64 text that mostly still decodes, so the damage reaches the DER, the
/// log bodies, the checkpoints and the signatures) are all rejected with an
/// error, or verify if the flip was harmless. A deterministic sweep.
/// `SHOW_ACCEPTED=1` lists the mutations that still verify: as of writing,
/// only unsigned parts (a renamed optional `messageDigest`, certificates a
/// TSA token embeds beside the trusted chain), none that changes what is
/// signed.
#[test]
fn mutated_bundles_are_errors_not_panics() {
    let root = fixtures();
    let cases = [
        (
            "sigstore-python/bundle_v3.txt.sigstore",
            "sigstore-python/bundle_v3.txt",
            true,
        ),
        (
            "sigstore-python/staging-rekor-v2.txt.sigstore.json",
            "sigstore-python/staging-rekor-v2.txt",
            true,
        ),
        (
            "conformance/bundle-verify/happy-path-intoto-in-dsse-v3/bundle.sigstore.json",
            "conformance/bundle-verify/a.txt",
            false,
        ),
    ];
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let policy = Policy::identity_regex(".*", None).unwrap();
    let (mut parsed, mut rejected) = (0, 0);
    for (bundle, artifact, staging_root) in cases {
        let data = std::fs::read(root.join(bundle)).unwrap();
        let art = Artifact::Bytes(std::fs::read(root.join(artifact)).unwrap());
        let v = if staging_root {
            staging()
        } else {
            Verifier::new(TrustedRoot::production().unwrap())
        };
        for _ in 0..600 {
            let mut m = data.clone();
            let i = (next() as usize) % m.len();
            // Swap in another base64 letter, so most mutations survive parsing.
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            if m[i].is_ascii_alphanumeric() {
                m[i] = ALPHABET[(next() as usize) % ALPHABET.len()];
            } else {
                m[i] ^= 1 << (next() % 8);
            }
            if m == data {
                continue;
            }
            if let Ok(b) = Bundle::from_json(&m) {
                parsed += 1;
                if v.verify_artifact(&art, &b, &policy).is_err() {
                    rejected += 1;
                } else if std::env::var_os("SHOW_ACCEPTED").is_some() {
                    let lo = i.saturating_sub(30);
                    let hi = (i + 30).min(m.len());
                    eprintln!(
                        "accepted mutation at {i} in {bundle}: {:?}",
                        String::from_utf8_lossy(&m[lo..hi])
                    );
                }
                let _ = v.verify_dsse(&b, &policy);
            }
        }
    }
    // The sweep must reach the verifier, and damage must be caught there.
    assert!(
        parsed > 900 && rejected > 500,
        "parsed {parsed}, rejected {rejected}"
    );
}

type Edit<'a> = &'a dyn Fn(&mut serde_json::Value);

/// A recorded bundle changed by `edit` on its JSON, with what it verifies
/// against.
struct Edited {
    bundle: Bundle,
    artifact: Artifact,
    verifier: Verifier,
    policy: Policy,
}

impl Edited {
    fn new(bundle: &str, artifact: &str, root: TrustedRoot, edit: Edit<'_>) -> Edited {
        let mut json: serde_json::Value = serde_json::from_slice(&read(bundle)).unwrap();
        edit(&mut json);
        Edited {
            bundle: Bundle::from_json(&serde_json::to_vec(&json).unwrap()).unwrap(),
            artifact: Artifact::Bytes(read(artifact)),
            verifier: Verifier::new(root),
            policy: Policy::identity(DEFAULT_IDENTITY, DEFAULT_ISSUER),
        }
    }

    /// The conformance case `rekor2-happy-path` (Rekor v2, staging).
    fn rekor2(edit: Edit<'_>) -> Edited {
        let dir = "conformance/bundle-verify/rekor2-happy-path";
        let root = TrustedRoot::from_json(&read(&format!("{dir}/trusted_root.json"))).unwrap();
        Edited::new(
            &format!("{dir}/bundle.sigstore.json"),
            "conformance/bundle-verify/a.txt",
            root,
            edit,
        )
    }

    /// The conformance case `happy-path-v0.3` (Rekor v1, production).
    fn rekor1(edit: Edit<'_>) -> Edited {
        Edited::new(
            "conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json",
            "conformance/bundle-verify/a.txt",
            TrustedRoot::production().unwrap(),
            edit,
        )
    }

    fn verify(&self) -> Result<VerifiedBundle> {
        self.verifier
            .verify_artifact(&self.artifact, &self.bundle, &self.policy)
    }
}

fn tlog_entry(json: &mut serde_json::Value) -> &mut serde_json::Value {
    &mut json["verificationMaterial"]["tlogEntries"][0]
}

/// C2SP signed-note names a key by name and hash: the log's signature line
/// carries the log's own name (its origin for Rekor v2, its host for Rekor
/// v1). Renaming the signer on a real checkpoint leaves the signed text and
/// the key ID bytes intact, so only the name check catches it.
#[test]
fn renamed_checkpoint_signer_is_rejected() {
    type Case = fn(Edit<'_>) -> Edited;
    let cases: [(Case, &str); 2] = [
        (Edited::rekor2, "log2025-alpha1.rekor.sigstage.dev"),
        (Edited::rekor1, "rekor.sigstore.dev"),
    ];
    for (make, name) in cases {
        make(&|_| {}).verify().unwrap();
        let rename = |j: &mut serde_json::Value| {
            let env = &mut tlog_entry(j)["inclusionProof"]["checkpoint"]["envelope"];
            let note = env
                .as_str()
                .unwrap()
                .replace(&format!("\u{2014} {name} "), "\u{2014} evil.example ");
            *env = note.into();
        };
        expect_step(
            make(&rename).verify(),
            Step::Checkpoint,
            &["evil.example", name],
        );
    }
}

/// Rekor v2 is not sharded: the entry's logIndex is the leaf its inclusion
/// proof proves, and nothing else (no SET) vouches for it.
#[test]
fn rekor_v2_log_index_must_be_the_proofs() {
    let case = Edited::rekor2(&|j| tlog_entry(j)["logIndex"] = "736".into());
    expect_step(
        case.verify(),
        Step::InclusionProof,
        &["the entry's logIndex is 736, but its inclusion proof is for leaf 735"],
    );
    // The other way round: the proof claims another leaf (on which its
    // Merkle path would fail too, at the same step).
    let case = Edited::rekor2(&|j| tlog_entry(j)["inclusionProof"]["logIndex"] = "734".into());
    expect_step(
        case.verify(),
        Step::InclusionProof,
        &["the entry's logIndex is 735, but its inclusion proof is for leaf 734"],
    );
    // Rekor v1 shards: there the two differ legitimately (the entry's index
    // is global, the proof's is within the shard) and the SET signs the
    // global one.
    let case = Edited::rekor1(&|_| {});
    let proof = case.bundle.tlog_entry.inclusion_proof.as_ref().unwrap();
    assert_ne!(case.bundle.tlog_entry.log_index, proof.log_index);
    case.verify().unwrap();
}
