//! The verifier against every recorded conformance case
//! (`tests/assets/conformance/bundle-verify`), on every crypto backend, given
//! the artifact's bytes and given only its digest.
//!
//! Rejecting a negative case is not enough: [`NEGATIVE`] names, for each
//! `_fail` case, the step its name promises and a phrase of the message, so a
//! case rejected for an earlier, unrelated reason fails the test. Where a
//! recorded bundle plants a second defect that is (rightly) reported first,
//! the table names that one, and [`VARIANTS`] rebuilds the case from the same
//! material with only the promised defect left, re-signing what the edit
//! invalidates with a test log that takes the recorded log's place in the
//! trusted root.

use super::*;
use crate::crypto::{all_backends, SignatureAlgorithm};
use crate::test_support::{expect_step, fixtures};
use crate::trust::TrustedKey;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::{json, Value};
use std::path::PathBuf;

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// How a negative case must be rejected.
#[derive(Debug, Clone, Copy)]
enum Rejected {
    /// A verification failure at this step, whose message contains the phrase.
    At(Step, &'static str),
    /// A malformed bundle ([`Error::InvalidBundle`]), rejected before any step.
    Malformed(&'static str),
    /// A malformed trusted root ([`Error::InvalidTrustRoot`]).
    BadRoot(&'static str),
    /// A malformed caller input, here the key file ([`Error::InvalidInput`]).
    BadInput(&'static str),
}
use Rejected::{At, BadInput, BadRoot, Malformed};

impl Rejected {
    fn check(self, result: &Result<VerifiedBundle>) -> Result<(), String> {
        let matched = match (self, result) {
            (At(want, phrase), Err(Error::Verification { step, message })) => {
                *step == want && message.contains(phrase)
            }
            (Malformed(phrase), Err(Error::InvalidBundle(m)))
            | (BadRoot(phrase), Err(Error::InvalidTrustRoot(m)))
            | (BadInput(phrase), Err(Error::InvalidInput(m))) => m.contains(phrase),
            _ => false,
        };
        if matched {
            Ok(())
        } else {
            Err(format!("expected {self:?}, got {result:?}"))
        }
    }
}

/// Every negative conformance case and how it must be rejected: the step
/// its name (and README) promises. A `_fail` case missing here fails the
/// test, so a new case cannot pass unexamined. Phrases are our own wording,
/// never a crypto backend's, and name the reason, not only a host name or a
/// digest it mentions: a case rejected at the right step for another reason
/// (three malformed checkpoints that each lack another line, two log
/// entries that disagree with the bundle in different fields) fails the
/// test.
const NEGATIVE: &[(&str, Rejected)] = &[
    ("bundle-empty-certificate-chain_fail", Malformed("x509CertificateChain has no certificates")),
    ("bundle-from-wrong-instance_fail", At(Step::TlogEntry, "which is not in the trusted root; it is a log of Sigstore's staging instance")),
    ("bundle-invalid-base64-signature_fail", Malformed("messageSignature.signature is not valid base64")),
    ("bundle-malformed-json_fail", Malformed("not valid bundle JSON")),
    ("bundle-unknown-version_fail", Malformed("unsupported bundle media type")),
    ("bundle-with-root-cert_fail", At(Step::CertificateChain, "must not contain a root certificate")),
    ("checkpoint-wrong-roothash_fail", At(Step::Checkpoint, "checkpoint root hash 20bd7de58ee11ffe7c5b71dc332c75589f500b0f44fc678a30b0a9f2d828b05e differs from the inclusion proof's 75aba195")),
    // The log entry records the original signature, so the entry does not
    // match either: the variant logs the invalid signature.
    ("dsse-invalid-sig_fail", At(Step::Signature, "the DSSE signature is not valid with the signing certificate's key")),
    ("dsse-mismatch-envelope_fail", At(Step::TlogEntry, "log entry does not match the bundle: DSSE payload hash is")),
    ("dsse-mismatch-sig_fail", At(Step::TlogEntry, "log entry does not match the bundle: DSSE signature is")),
    ("inclusion-proof-corrupted-hash_fail", At(Step::InclusionProof, "inclusion proof does not lead to the expected root")),
    ("incorrect-public-key_fail", At(Step::TlogEntry, "log entry does not match the bundle: verification material is")),
    // The leaf (valid from 2030) is not valid at the integrated time (2023);
    // the README's reading, a leaf outside its CA's window, is a variant.
    ("intoto-expired-certificate_fail", At(Step::SigningTime, "the signed entry timestamp's integrated time 2023-02-01T00:00:00Z (1675209600) is outside the certificate's validity (2030-01-01T00:00:00Z to 2030-01-01T00:10:00Z)")),
    // The entry's signature is not base64 of base64 as intoto 0.0.2 has
    // it, and is not the bundle's: the variant encodes it as Rekor does.
    ("intoto-log-entry-mismatch_fail", At(Step::TlogEntry, "malformed log entry body: spec.content.envelope.signatures[0].sig: expected base64 of a base64 string")),
    ("intoto-missing-inclusion-proof_fail", Malformed("a V0_2 bundle requires an inclusion proof")),
    ("intoto-set-outside-signing-cert-validity_fail", At(Step::SigningTime, "the signed entry timestamp's integrated time 2023-02-02T00:00:00Z (1675296000) is outside the certificate's validity")),
    ("invalid-checkpoint-signature_fail", At(Step::Checkpoint, "checkpoint signature by \"rekor.sigstore.dev\" (key ID c0d23d6a) does not verify with the log key")),
    ("invalid-ct-key_fail", At(Step::Sct, "expected at least 1 valid SCT from a trusted CT log, found none among 1: SCT 0: log dd3d306a")),
    // The v0.2 bundle also lacks the checkpoint v0.2 requires: the variant
    // is the same bundle as v0.1, where a checkpoint is optional.
    ("invalid-inclusion-proof_fail", Malformed("a V0_2 bundle requires a checkpoint")),
    ("managed-key-no-key_fail", At(Step::CertificateChain, "signed with a managed key, not a certificate")),
    // key.pub is not even a key (its base64 ends "wrongkey=="): the variant
    // is a well-formed key that did not sign.
    ("managed-key-wrong-key_fail", BadInput("key is not PEM")),
    ("message-digest-mismatch_fail", At(Step::ArtifactDigest, "does not match the input's digest sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf, which the signature does cover: the bundle's messageDigest is wrong")),
    ("rekor2-checkpoint-missing-log-signature_fail", At(Step::Checkpoint, "malformed checkpoint: expected at least one signature line")),
    ("rekor2-checkpoint-missing-origin_fail", At(Step::Checkpoint, "malformed checkpoint: expected at least 3 lines (origin, tree size, root hash), found 2: \"736\\n")),
    ("rekor2-checkpoint-missing-root-hash_fail", At(Step::Checkpoint, "malformed checkpoint: expected at least 3 lines (origin, tree size, root hash), found 2: \"log2025-alpha1.rekor.sigstage.dev\\n736\\n\"")),
    ("rekor2-checkpoint-missing-size_fail", At(Step::Checkpoint, "malformed checkpoint: expected at least 3 lines (origin, tree size, root hash), found 2: \"log2025-alpha1.rekor.sigstage.dev\\nrs1Y")),
    ("rekor2-checkpoint-no-matching-signature_fail", At(Step::Checkpoint, "is by key name \"log2025-alpha1.rekor.github.dev\", expected \"log2025-alpha1.rekor.sigstage.dev\"")),
    // As dsse-invalid-sig_fail, for a Rekor v2 hashedrekord over DSSE.
    ("rekor2-dsse-invalid-sig_fail", At(Step::Signature, "the DSSE signature is not valid with the signing certificate's key")),
    ("rekor2-dsse-mismatch-envelope_fail", At(Step::TlogEntry, "log entry does not match the bundle: digest of the DSSE pre-authentication encoding is")),
    ("rekor2-dsse-mismatch-sig_fail", At(Step::TlogEntry, "log entry does not match the bundle: DSSE signature is")),
    ("rekor2-no-inclusion-proof_fail", Malformed("a V0_3 bundle requires an inclusion proof")),
    ("rekor2-no-timestamp_fail", Malformed("the bundle has no signed time")),
    ("rekor2-timestamp-outside-trust-root-tsa-validity_fail", At(Step::Timestamp, "timestamp genTime 1749729740 is outside the trusted root's validity for the TSA")),
    ("rekor2-timestamp-outside-tsa-cert-validity_fail", At(Step::Timestamp, "TSA certificate O=local, CN=Test TSA Timestamping is not valid at genTime 1754581112")),
    ("rekor2-timestamp-payload-mismatch_fail", At(Step::Timestamp, "timestamp message imprint does not match the sha256 hash of the signature")),
    ("rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail", At(Step::Timestamp, "timestamp signer does not chain to the trusted TSA")),
    ("rekor2-timestamp-with-incorrect-time_fail", At(Step::SigningTime, "RFC 3161 timestamp 0's time 2025-07-15T10:33:31Z (1752575611) is outside the certificate's validity")),
    ("set-invalid-signature_fail", At(Step::SignedEntryTimestamp, "signed entry timestamp does not verify with the log key")),
    // As dsse-invalid-sig_fail, for a message signature.
    ("signature-mismatch_fail", At(Step::Signature, "the signature is not valid for this input (sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf) with the signing certificate's key")),
    ("trust-root-tlog-missing-validity-start_fail", BadRoot("tlogs[1]: validFor.start is missing")),
    // The bundle is right for a.txt; its log entry is another artifact's.
    ("wrong-hashedrekord-artifact_fail", At(Step::TlogEntry, "log entry does not match the bundle: artifact digest is sha256:d40ec3ee")),
    ("wrong-hashedrekord-entry_fail", At(Step::TlogEntry, "log entry does not match the bundle: artifact digest is sha256:9d92fa52")),
    // Bundle and log entry agree on a.txt; the input is another file.
    ("wrong-material_fail", At(Step::ArtifactDigest, "the input does not match what this bundle signs: the input's digest is sha256:1fa70528")),
];

/// A recorded negative case rebuilt with only the defect its name promises.
struct Variant {
    case: &'static str,
    what: &'static str,
    make: fn(&Path) -> Input,
    rejected: Rejected,
}

const VARIANTS: &[Variant] = &[
    Variant {
        case: "dsse-invalid-sig_fail",
        what: "the log entry records the invalid signature",
        make: |dir| log_bundle_signature(load(dir)),
        rejected: At(
            Step::Signature,
            "the DSSE signature is not valid with the signing certificate's key",
        ),
    },
    Variant {
        case: "rekor2-dsse-invalid-sig_fail",
        what: "the Rekor v2 entry records the invalid signature",
        make: |dir| log_bundle_signature(load(dir)),
        rejected: At(
            Step::Signature,
            "the DSSE signature is not valid with the signing certificate's key",
        ),
    },
    Variant {
        case: "signature-mismatch_fail",
        what: "the log entry records the invalid signature",
        make: |dir| log_bundle_signature(load(dir)),
        rejected: At(
            Step::Signature,
            "the signature is not valid for this input (sha256:a0cfc712",
        ),
    },
    Variant {
        case: "intoto-log-entry-mismatch_fail",
        what: "the entry's other signature, encoded as intoto 0.0.2 has it",
        make: |dir| {
            relog(load(dir), |body| {
                let sig = &mut body["spec"]["content"]["envelope"]["signatures"][0]["sig"];
                *sig = json!(B64.encode(sig.as_str().unwrap()));
            })
        },
        rejected: At(
            Step::TlogEntry,
            "log entry does not match the bundle: DSSE signature is",
        ),
    },
    Variant {
        case: "intoto-expired-certificate_fail",
        what: "the README's reading: a leaf issued while no trusted CA was valid",
        make: |dir| {
            let mut input = load(&dir.with_file_name("intoto-with-custom-trust-root"));
            let root = input.trust.as_mut().unwrap();
            // The bundle's integrated time is the leaf's first second.
            root.certificate_authorities[0].validity.end = Some(1675209600 - 1);
            input
        },
        rejected: At(
            Step::CertificateChain,
            "no trusted certificate authority is valid at 1675209600",
        ),
    },
    Variant {
        case: "invalid-inclusion-proof_fail",
        what: "the same bundle as v0.1, where a checkpoint is optional",
        make: |dir| {
            let mut input = load(dir);
            let mut doc: Value = serde_json::from_slice(&input.bundle).unwrap();
            doc["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json;version=0.1");
            input.bundle = serde_json::to_vec(&doc).unwrap();
            input
        },
        rejected: At(Step::InclusionProof, "does not lead to the expected root"),
    },
    Variant {
        case: "managed-key-wrong-key_fail",
        what: "a well-formed P-256 key that did not sign",
        make: |dir| {
            use p256::pkcs8::EncodePublicKey as _;
            let mut input = load(dir);
            let key = p256::ecdsa::SigningKey::from_slice(&[9; 32]).unwrap();
            let pem = key
                .verifying_key()
                .to_public_key_pem(p256::pkcs8::LineEnding::LF)
                .unwrap();
            input.key_pem = Some(pem.into_bytes());
            input
        },
        rejected: At(
            Step::Signature,
            "the signature is not valid for this input (sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf) with the given key",
        ),
    },
];

/// A case's material, unparsed: parsing is part of what is verified.
#[derive(Clone)]
struct Input {
    bundle: Vec<u8>,
    trust: Result<TrustedRoot>,
    artifact: Vec<u8>,
    key_pem: Option<Vec<u8>>,
    identity: String,
    issuer: String,
}

/// The conformance case folders, sorted.
fn case_dirs(root: &Path) -> Vec<PathBuf> {
    let mut names: Vec<_> = std::fs::read_dir(root.join("conformance/bundle-verify"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    names.sort();
    names
}

fn load(dir: &Path) -> Input {
    let artifact = if dir.join("artifact").exists() {
        dir.join("artifact")
    } else {
        dir.with_file_name("a.txt")
    };
    let text = |name: &str, default: &str| {
        std::fs::read_to_string(dir.join(name))
            .map(|s| s.trim().to_string())
            .unwrap_or(default.into())
    };
    // A case's own trusted root, else the production one.
    let trust = dir.join("trusted_root.json");
    Input {
        bundle: std::fs::read(dir.join("bundle.sigstore.json")).unwrap(),
        trust: if trust.exists() {
            TrustedRoot::from_json(&std::fs::read(trust).unwrap())
        } else {
            TrustedRoot::production()
        },
        artifact: std::fs::read(artifact).unwrap(),
        key_pem: std::fs::read(dir.join("key.pub")).ok(),
        identity: text("identity", DEFAULT_IDENTITY),
        issuer: text("issuer", DEFAULT_ISSUER),
    }
}

fn run(
    input: &Input,
    backend: &'static dyn CryptoBackend,
    by_digest: bool,
) -> Result<VerifiedBundle> {
    let v = Verifier::new(input.trust.clone()?).with_backend(backend);
    let bundle = Bundle::from_json(&input.bundle)?;
    let artifact = if by_digest {
        Artifact::Digest(backend.digest(HashAlgorithm::Sha256, &input.artifact))
    } else {
        Artifact::Bytes(input.artifact.clone())
    };
    match &input.key_pem {
        Some(pem) => v.verify_artifact_with_key(&artifact, &bundle, &public_key_from_pem(pem)?),
        None => v.verify_artifact(
            &artifact,
            &bundle,
            &Policy::identity(input.identity.clone(), input.issuer.clone()),
        ),
    }
}

#[test]
fn conformance_bundle_verify() {
    let root = fixtures();
    let dirs = case_dirs(&root);
    assert!(
        dirs.len() > 50,
        "only {} conformance cases found",
        dirs.len()
    );
    let names: Vec<String> = dirs
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut wrong = Vec::new();
    for n in names.iter().filter(|n| n.ends_with("_fail")) {
        if !NEGATIVE.iter().any(|(c, _)| c == n) {
            wrong.push(format!("{n}: a negative case missing from NEGATIVE"));
        }
    }
    for (c, _) in NEGATIVE {
        if !names.iter().any(|n| n == c) {
            wrong.push(format!("{c}: in NEGATIVE but not a recorded case"));
        }
    }
    for v in VARIANTS {
        if !NEGATIVE.iter().any(|(c, _)| *c == v.case) {
            wrong.push(format!("variant of {}: not a negative case", v.case));
        }
    }
    let mut checked = 0;
    for backend in all_backends() {
        let verbose = backend.name() == crypto::default_backend().name();
        for (dir, name) in dirs.iter().zip(&names) {
            let input = load(dir);
            let expected = NEGATIVE.iter().find(|(c, _)| c == name).map(|(_, r)| *r);
            for by_digest in [false, true] {
                let result = run(&input, backend, by_digest);
                checked += 1;
                if verbose && !by_digest {
                    // The verdicts and reasons (`cargo test conformance -- --nocapture`).
                    let reason = result.as_ref().err().map(ToString::to_string);
                    println!("{name:55} {}", reason.as_deref().unwrap_or("OK"));
                }
                let verdict = match (expected, &result) {
                    (Some(r), _) => r.check(&result),
                    (None, Ok(_)) => Ok(()),
                    (None, Err(e)) => Err(format!("rejected: {e}")),
                };
                if let Err(why) = verdict {
                    wrong.push(format!(
                        "{} {name} (digest={by_digest}): {why}",
                        backend.name()
                    ));
                }
            }
        }
        for v in VARIANTS {
            let input = (v.make)(&root.join("conformance/bundle-verify").join(v.case));
            for by_digest in [false, true] {
                let result = run(&input, backend, by_digest);
                checked += 1;
                if verbose && !by_digest {
                    let reason = result.as_ref().err().map(ToString::to_string);
                    println!(
                        "{} ({}): {}",
                        v.case,
                        v.what,
                        reason.as_deref().unwrap_or("OK")
                    );
                }
                if let Err(why) = v.rejected.check(&result) {
                    wrong.push(format!(
                        "{} variant of {} ({}, digest={by_digest}): {why}",
                        backend.name(),
                        v.case,
                        v.what
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Logs the bundle's own signature (message signature or the envelope's
/// one signature) in its entry, as a log that did not check it would.
fn log_bundle_signature(input: Input) -> Input {
    let doc: Value = serde_json::from_slice(&input.bundle).unwrap();
    let sig = match doc.get("messageSignature") {
        Some(m) => m["signature"].as_str().unwrap().to_string(),
        None => doc["dsseEnvelope"]["signatures"][0]["sig"]
            .as_str()
            .unwrap()
            .to_string(),
    };
    relog(input, move |body| {
        let spec = &mut body["spec"];
        let slot = if let Some(v2) = spec.get_mut("hashedRekordV002") {
            &mut v2["signature"]["content"]
        } else if spec.get("signatures").is_some() {
            // dsse 0.0.1
            &mut spec["signatures"][0]["signature"]
        } else {
            // hashedrekord 0.0.1
            &mut spec["signature"]["content"]
        };
        assert!(
            slot.is_string(),
            "no signature at the expected place in {body:?}"
        );
        *slot = json!(sig);
    })
}

/// Applies `edit` to the bundle's log entry body and logs the result anew:
/// a test log takes the place of the bundle's log in the trusted root
/// (same URL and validity, a key of the same family: P-256 for Rekor v1,
/// Ed25519 for Rekor v2) and signs the edited body as leaf 0 of a one-leaf
/// tree: a signed entry timestamp where the entry had one, an inclusion
/// proof and a checkpoint (with the original origin and key name) where it
/// had them. Everything but the edit then verifies as the recording did.
fn relog(mut input: Input, edit: impl FnOnce(&mut Value)) -> Input {
    let c = crypto::default_backend();
    let mut doc: Value = serde_json::from_slice(&input.bundle).unwrap();
    let entry = &mut doc["verificationMaterial"]["tlogEntries"][0];
    let mut body: Value = serde_json::from_slice(
        &B64.decode(entry["canonicalizedBody"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    edit(&mut body);
    let body = serde_json::to_vec(&body).unwrap();
    let old_id = B64
        .decode(entry["logId"]["keyId"].as_str().unwrap())
        .unwrap();
    let old_note = entry["inclusionProof"]["checkpoint"]["envelope"]
        .as_str()
        .map(str::to_owned);
    // The note's origin line and its first signature line's key name.
    let (origin, key_name) = old_note
        .as_deref()
        .map(|n| {
            let origin = n.lines().next().unwrap().to_string();
            let sig_line = n.lines().find(|l| l.starts_with('\u{2014}')).unwrap();
            let name = sig_line.split(' ').nth(1).unwrap().to_string();
            (origin, name)
        })
        .unwrap_or_default();

    let root = input.trust.as_mut().unwrap();
    let log = root.tlogs.iter_mut().find(|l| l.log_id == old_id).unwrap();
    let rekor_v1 = entry.get("inclusionPromise").is_some();
    let p256_key = p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
    let ed_key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let sign = |m: &[u8]| -> Vec<u8> {
        if rekor_v1 {
            use p256::ecdsa::signature::Signer as _;
            let s: p256::ecdsa::DerSignature = p256_key.sign(m);
            s.as_bytes().to_vec()
        } else {
            use ed25519_dalek::Signer as _;
            ed_key.sign(m).to_bytes().to_vec()
        }
    };
    let validity = log.key.validity;
    if rekor_v1 {
        use p256::pkcs8::EncodePublicKey as _;
        let spki = p256_key.verifying_key().to_public_key_der().unwrap();
        log.log_id = c
            .digest(HashAlgorithm::Sha256, spki.as_bytes())
            .as_bytes()
            .to_vec();
        log.key = TrustedKey {
            spki_der: spki.as_bytes().to_vec(),
            kind: KeyKind::EcP256,
            algorithm: SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha256),
            validity,
        };
    } else {
        use ed25519_dalek::pkcs8::EncodePublicKey as _;
        // C2SP signed-note key hash, which Rekor v2 uses as its log ID.
        let mut id = key_name.as_bytes().to_vec();
        id.extend_from_slice(&[0x0a, 0x01]);
        id.extend_from_slice(ed_key.verifying_key().as_bytes());
        log.log_id = c.digest(HashAlgorithm::Sha256, &id).as_bytes().to_vec();
        log.key = TrustedKey {
            spki_der: ed_key.verifying_key().to_public_key_der().unwrap().to_vec(),
            kind: KeyKind::Ed25519,
            algorithm: SignatureAlgorithm::Ed25519,
            validity,
        };
    }
    log.checkpoint_key_id = None;
    let log_id = log.log_id.clone();

    entry["canonicalizedBody"] = json!(B64.encode(&body));
    entry["logId"]["keyId"] = json!(B64.encode(&log_id));
    entry["logIndex"] = json!("0");
    if rekor_v1 {
        let t: i64 = entry["integratedTime"].as_str().unwrap().parse().unwrap();
        let set = sign(&tlog::set_payload(&body, t, &log_id, 0));
        entry["inclusionPromise"]["signedEntryTimestamp"] = json!(B64.encode(set));
    }
    if entry.get("inclusionProof").is_some() {
        let leaf = B64.encode(tlog::leaf_hash(c, &body));
        let mut proof = json!({"logIndex": "0", "rootHash": leaf, "treeSize": "1", "hashes": []});
        if old_note.is_some() {
            let text = format!("{origin}\n1\n{leaf}\n");
            let mut raw = log_id[..4].to_vec();
            raw.extend_from_slice(&sign(text.as_bytes()));
            let note = format!("{text}\n\u{2014} {key_name} {}\n", B64.encode(raw));
            proof["checkpoint"] = json!({ "envelope": note });
        }
        entry["inclusionProof"] = proof;
    }
    input.bundle = serde_json::to_vec(&doc).unwrap();
    input
}

/// A managed-key bundle whose signature verifies with the caller's key but
/// whose log entry records another key: the message names the caller's key
/// as given for verification, not as "in the bundle" (a key bundle carries
/// only a hint).
#[test]
fn managed_key_entry_mismatch_names_the_given_key() {
    use p256::pkcs8::EncodePublicKey as _;
    let dir = fixtures().join("conformance/bundle-verify/managed-key-happy-path");
    let other = p256::ecdsa::SigningKey::from_slice(&[9; 32])
        .unwrap()
        .verifying_key()
        .to_public_key_pem(p256::pkcs8::LineEnding::LF)
        .unwrap();
    let input = relog(load(&dir), |body| {
        body["spec"]["signature"]["publicKey"]["content"] = json!(B64.encode(other.as_bytes()));
    });
    for backend in all_backends() {
        for by_digest in [false, true] {
            let e = run(&input, backend, by_digest).unwrap_err();
            let Error::Verification { step, message } = &e else {
                panic!("{e}")
            };
            assert_eq!(*step, Step::TlogEntry, "{e}");
            assert!(
                message.starts_with("the log entry records another signing key (DER with SHA-256 ")
                    && message.contains("than the key given for verification (DER with SHA-256 ")
                    && !message.contains("bundle"),
                "{e}"
            );
        }
    }
}

/// Issue 10 item 6: every conformance bundle, rewritten with its protobuf
/// field names (`media_type`, `verification_material`, …) instead of
/// lowerCamelCase, verifies exactly as recorded: same verdict, same reason.
#[test]
fn conformance_with_proto_field_names() {
    let mut wrong = Vec::new();
    for dir in case_dirs(&fixtures()) {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let input = load(&dir);
        let mut renamed = input.clone();
        // Malformed JSON is a case of its own; it stays as recorded.
        if let Ok(json) = serde_json::from_slice::<Value>(&input.bundle) {
            renamed.bundle = crate::test_support::proto_field_names(&json)
                .to_string()
                .into_bytes();
        }
        let backend = crypto::default_backend();
        let want = run(&input, backend, false)
            .map(|_| ())
            .map_err(|e| e.to_string());
        let got = run(&renamed, backend, false)
            .map(|_| ())
            .map_err(|e| e.to_string());
        if got != want {
            wrong.push(format!("{name}: camelCase {want:?}, proto names {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Issue 10 item 7: every conformance case keeps its verdict when each
/// Fulcio CA chain of its trusted root stops at the intermediate (root
/// omitted, the intermediate the trust anchor), including bundles whose
/// `x509CertificateChain` carries that intermediate. A negative case must
/// still be rejected as [`NEGATIVE`] says, not for a reason the truncation
/// brought in.
#[test]
fn conformance_with_intermediate_anchored_roots() {
    let mut wrong = Vec::new();
    let mut truncated = 0;
    for dir in case_dirs(&fixtures()) {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let mut input = load(&dir);
        let Ok(trust) = &mut input.trust else {
            continue;
        };
        for ca in &mut trust.certificate_authorities {
            if ca.chain.len() > 1 {
                ca.chain.pop();
                truncated += 1;
            }
        }
        let result = run(&input, crypto::default_backend(), false);
        let expected = NEGATIVE.iter().find(|(c, _)| *c == name).map(|(_, r)| *r);
        let verdict = match (expected, &result) {
            (Some(r), _) => r.check(&result),
            (None, Ok(_)) => Ok(()),
            (None, Err(e)) => Err(format!("rejected: {e}")),
        };
        if let Err(why) = verdict {
            wrong.push(format!("{name}: {why}"));
        }
    }
    assert!(truncated > 50, "only {truncated} chains truncated");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `managed-key-happy-path` re-signed with a P-384 key over the SHA-384
/// digest of a.txt (the algorithm registry's pairing), its log entry
/// recording that digest: the bundle's `messageDigest` is that digest or,
/// without `message_digest`, absent as in v0.1/v0.2 bundles and detached
/// signatures. Its RFC 3161 timestamp covered the old signature and is
/// dropped (the signed entry timestamp gives the time).
fn sha384_signed(message_digest: bool) -> Input {
    use p384::ecdsa::signature::hazmat::PrehashSigner as _;
    use p384::pkcs8::EncodePublicKey as _;
    let dir = fixtures().join("conformance/bundle-verify/managed-key-happy-path");
    let mut input = load(&dir);
    let key = p384::ecdsa::SigningKey::from_slice(&[5; 48]).unwrap();
    let pem = key
        .verifying_key()
        .to_public_key_pem(p384::pkcs8::LineEnding::LF)
        .unwrap();
    let digest = crypto::default_backend().digest(HashAlgorithm::Sha384, &input.artifact);
    let sig: p384::ecdsa::Signature = key.sign_prehash(digest.as_bytes()).unwrap();
    let sig = sig.to_der().as_bytes().to_vec();
    let mut doc: Value = serde_json::from_slice(&input.bundle).unwrap();
    let ms = doc["messageSignature"].as_object_mut().unwrap();
    ms.insert("signature".into(), json!(B64.encode(&sig)));
    if message_digest {
        ms.insert(
            "messageDigest".into(),
            json!({"algorithm": "SHA2_384", "digest": B64.encode(digest.as_bytes())}),
        );
    } else {
        ms.remove("messageDigest");
    }
    doc["verificationMaterial"]
        .as_object_mut()
        .unwrap()
        .remove("timestampVerificationData");
    input.bundle = serde_json::to_vec(&doc).unwrap();
    input.key_pem = Some(pem.clone().into_bytes());
    relog(input, |body| {
        let spec = &mut body["spec"];
        spec["data"]["hash"] = json!({"algorithm": "sha384", "value": digest.to_hex()});
        spec["signature"]["content"] = json!(B64.encode(&sig));
        spec["signature"]["publicKey"]["content"] = json!(B64.encode(pem.as_bytes()));
    })
}

/// A bundle that signs a SHA-384 digest: the artifact's bytes are hashed
/// with SHA-384 and verify (also where only the log entry says so); a
/// SHA-256 digest of the right artifact is reported as an algorithm
/// mismatch, not as the wrong input; another artifact is the wrong input.
#[test]
fn sha384_signed_digest_is_compared_as_sha384() {
    for message_digest in [false, true] {
        let input = sha384_signed(message_digest);
        let bundle = Bundle::from_json(&input.bundle).unwrap();
        let key = public_key_from_pem(input.key_pem.as_ref().unwrap()).unwrap();
        let what = if message_digest {
            "with a SHA-384 messageDigest"
        } else {
            "without a messageDigest"
        };
        for backend in all_backends() {
            let v = Verifier::new(input.trust.clone().unwrap()).with_backend(backend);
            run(&input, backend, false)
                .unwrap_or_else(|e| panic!("{what}, bytes on {}: {e}", backend.name()));
            // A file is hashed as the bundle says (as the Python binding does).
            assert_eq!(
                input_hash_algorithm(&bundle),
                HashAlgorithm::Sha384,
                "{what}"
            );
            let file = fixtures().join("conformance/bundle-verify/a.txt");
            let sha384 =
                Artifact::Digest(hash_file_as(&file, input_hash_algorithm(&bundle)).unwrap());
            v.verify_artifact_with_key(&sha384, &bundle, &key)
                .unwrap_or_else(|e| panic!("{what}, SHA-384 digest on {}: {e}", backend.name()));
            let from_log = if message_digest {
                ""
            } else {
                " (as its log entry records)"
            };
            expect_step(
                run(&input, backend, true),
                Step::ArtifactDigest,
                &[&format!("the bundle signs a SHA-384 digest{from_log}, the input was given as a SHA-256 digest (sha256:")],
            );
            let mut other = input.clone();
            other.artifact.push(b'!');
            expect_step(
                run(&other, backend, false),
                Step::ArtifactDigest,
                &["the input does not match what this bundle signs: the input's digest is sha384:"],
            );
        }
    }
}
