use super::*;
use crate::crypto::{all_backends, Digest, HashAlgorithm, KeyKind, SignatureAlgorithm};
use crate::test_support::{assert_mentions, expect_err, read};
use crate::trust::{TrustedKey, TrustedRoot, Validity};
use base64::Engine as _;
use serde_json::Value;

pub(super) fn b64d(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("base64")
}

pub(super) fn b64e(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

// ---------------------------------------------------------------- Merkle

/// MTH(D[n]) per RFC 6962 §2.1, computed directly.
fn mth(c: &dyn CryptoBackend, leaves: &[Vec<u8>]) -> [u8; 32] {
    match leaves.len() {
        0 => sha256(c, &[]),
        1 => leaf_hash(c, &leaves[0]),
        n => {
            let k = split(n);
            node_hash(c, &mth(c, &leaves[..k]), &mth(c, &leaves[k..]))
        }
    }
}

/// The largest power of two smaller than n.
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// PATH(m, D[n]) per RFC 6962 §2.1.1.
fn path(c: &dyn CryptoBackend, m: usize, leaves: &[Vec<u8>]) -> Vec<[u8; 32]> {
    let n = leaves.len();
    if n <= 1 {
        return vec![];
    }
    let k = split(n);
    if m < k {
        let mut p = path(c, m, &leaves[..k]);
        p.push(mth(c, &leaves[k..]));
        p
    } else {
        let mut p = path(c, m - k, &leaves[k..]);
        p.push(mth(c, &leaves[..k]));
        p
    }
}

#[test]
fn merkle_every_leaf_of_small_trees() {
    for c in all_backends() {
        for n in 1..=9usize {
            let leaves: Vec<Vec<u8>> = (0..n).map(|i| format!("leaf {i}").into_bytes()).collect();
            let root = mth(c, &leaves);
            for m in 0..n {
                let leaf = leaf_hash(c, &leaves[m]);
                let proof = path(c, m, &leaves);
                let (mu, nu) = (m as u64, n as u64);
                verify_inclusion(c, &leaf, mu, nu, &proof, &root)
                    .unwrap_or_else(|e| panic!("{}: leaf {m} of {n}: {e}", c.name()));

                // Every flipped bit in every proof hash is caught.
                for i in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[i][7] ^= 0x10;
                    expect_err!(
                        verify_inclusion(c, &leaf, mu, nu, &bad, &root),
                        TlogError::RootMismatch { .. }
                    );
                }
                // Wrong leaf, wrong root.
                let other = leaf_hash(c, b"not in the tree");
                assert!(verify_inclusion(c, &other, mu, nu, &proof, &root).is_err());
                let mut bad_root = root;
                bad_root[0] ^= 1;
                assert!(verify_inclusion(c, &leaf, mu, nu, &proof, &bad_root).is_err());
                // The proof presented for another index fails.
                for w in 0..n as u64 {
                    if w != mu {
                        assert!(verify_inclusion(c, &leaf, w, nu, &proof, &root).is_err());
                    }
                }
                // Too long, too short.
                let mut longer = proof.clone();
                longer.push([0u8; 32]);
                expect_err!(
                    verify_inclusion(c, &leaf, mu, nu, &longer, &root),
                    TlogError::ProofLength { .. }
                );
                if !proof.is_empty() {
                    expect_err!(
                        verify_inclusion(c, &leaf, mu, nu, &proof[1..], &root),
                        TlogError::ProofLength { .. }
                    );
                }
            }
            // Index outside the tree.
            let leaf = leaf_hash(c, &leaves[0]);
            expect_err!(
                verify_inclusion(c, &leaf, n as u64, n as u64, &[], &root),
                TlogError::IndexOutOfRange { .. }
            );
        }
        expect_err!(
            verify_inclusion(c, &[0; 32], 0, 0, &[], &[0; 32]),
            TlogError::IndexOutOfRange { .. }
        );
    }
}

#[test]
fn merkle_known_hashes() {
    // RFC 6962 empty-tree hash and a leaf hash anyone can recompute.
    for c in all_backends() {
        assert_eq!(
            hex::encode(sha256(c, &[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex::encode(leaf_hash(c, b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }
}

// ---------------------------------------------------------------- Checkpoints made here

/// A log of `base_url` with the key `spki` (valid from the epoch on).
fn trusted_log(
    base_url: String,
    spki_der: Vec<u8>,
    kind: KeyKind,
    algorithm: SignatureAlgorithm,
    log_id: Vec<u8>,
) -> TransparencyLog {
    TransparencyLog {
        base_url,
        hash_algorithm: HashAlgorithm::Sha256,
        key: TrustedKey {
            spki_der,
            kind,
            algorithm,
            validity: Validity {
                start: 0,
                end: None,
            },
        },
        log_id,
        checkpoint_key_id: None,
    }
}

/// The C2SP signed-note key hash of an Ed25519 key named `name`.
fn ed_key_hash(sk: &ed25519_dalek::SigningKey, name: &str) -> [u8; 32] {
    let mut id_input = name.as_bytes().to_vec();
    id_input.extend_from_slice(&[0x0a, 0x01]);
    id_input.extend_from_slice(sk.verifying_key().as_bytes());
    sha256(crate::crypto::default_backend(), &[&id_input])
}

fn ed_log(name: &str, seed: u8) -> (ed25519_dalek::SigningKey, TransparencyLog) {
    let sk = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let spki = ed25519_dalek::pkcs8::EncodePublicKey::to_public_key_der(&sk.verifying_key())
        .expect("der")
        .as_bytes()
        .to_vec();
    let log = trusted_log(
        format!("https://{name}"),
        spki,
        KeyKind::Ed25519,
        SignatureAlgorithm::Ed25519,
        ed_key_hash(&sk, name).to_vec(),
    );
    (sk, log)
}

fn p256_log(seed: u8) -> (p256::ecdsa::SigningKey, TransparencyLog) {
    use spki::EncodePublicKey as _;
    let sk = p256::ecdsa::SigningKey::from_slice(&[seed; 32]).expect("key");
    let spki = sk
        .verifying_key()
        .to_public_key_der()
        .expect("der")
        .as_bytes()
        .to_vec();
    let log_id = sha256(crate::crypto::default_backend(), &[&spki]).to_vec();
    let log = trusted_log(
        "https://rekor.example".into(),
        spki,
        KeyKind::EcP256,
        SignatureAlgorithm::Ecdsa(HashAlgorithm::Sha256),
        log_id,
    );
    (sk, log)
}

fn ed_line(sk: &ed25519_dalek::SigningKey, name: &str, text: &str) -> String {
    use ed25519_dalek::Signer as _;
    let id = ed_key_hash(sk, name);
    let mut raw = id[..4].to_vec();
    raw.extend_from_slice(&sk.sign(text.as_bytes()).to_bytes());
    format!("\u{2014} {name} {}\n", b64e(&raw))
}

fn p256_line(sk: &p256::ecdsa::SigningKey, hint: &[u8], name: &str, text: &str) -> String {
    use ecdsa::signature::Signer as _;
    let sig: p256::ecdsa::DerSignature = sk.sign(text.as_bytes());
    let mut raw = hint[..4].to_vec();
    raw.extend_from_slice(sig.as_bytes());
    format!("\u{2014} {name} {}\n", b64e(&raw))
}

const ROOT: [u8; 32] = [0xab; 32];

fn text(origin: &str) -> String {
    format!("{origin}\n42\n{}\n", b64e(&ROOT))
}

#[test]
fn ed25519_checkpoint_with_cosignatures() {
    let name = "log.example/one";
    let (sk, log) = ed_log(name, 1);
    let (witness, _) = ed_log("witness.example", 2);
    let body = text(name);
    let own = ed_line(&sk, name, &body);
    let cosig = ed_line(&witness, "witness.example", &body);
    for c in all_backends() {
        for note in [
            format!("{body}\n{own}"),
            format!("{body}\n{cosig}{own}"),
            format!("{body}\n{own}{cosig}{cosig}"),
        ] {
            let cp = verify_v2(c, &note, &log).expect("verifies");
            assert_eq!(cp.origin, name);
            assert_eq!(cp.tree_size, 42);
            assert_eq!(cp.root_hash, ROOT);
            assert!(cp.extensions.is_empty());
        }
        // Only a witness signed: no line by the log key.
        expect_err!(
            verify_v2(c, &format!("{body}\n{cosig}"), &log),
            TlogError::NoLogSignature { .. }
        );
        // The log key's signature under another name (its key ID computed
        // for that name) is another key in C2SP terms: the log's name is
        // its baseUrl without the scheme, and that is not it.
        let renamed = ed_line(&sk, "log.example/other", &body);
        expect_err!(
            verify_v2(c, &format!("{body}\n{renamed}"), &log),
            TlogError::NoLogSignature { .. },
            "renamed signer"
        );
        // The log's own line with only its name changed: the key ID bytes
        // are the log's, the name is not.
        let relabelled = own.replace(name, "log.example/other");
        let e = expect_err!(
            verify_v2(c, &format!("{body}\n{relabelled}"), &log),
            TlogError::CheckpointKeyName { .. },
            "relabelled signer"
        );
        assert_mentions(&e, &["\"log.example/other\"", "\"log.example/one\""]);
        assert_eq!(e.step(), crate::Step::Checkpoint);
        // Beside the log's own line, a relabelled copy is just an unknown key.
        verify_v2(c, &format!("{body}\n{relabelled}{own}"), &log).expect("verifies");
        // A key ID computed for another name, on a line with our name: unknown.
        let mismatched = renamed.replace("log.example/other", name);
        expect_err!(
            verify_v2(c, &format!("{body}\n{mismatched}"), &log),
            TlogError::NoLogSignature { .. }
        );
        // Tampered text: the log's line no longer verifies.
        let tampered = format!("{}\n{own}", body.replace("42", "43"));
        expect_err!(
            verify_v2(c, &tampered, &log),
            TlogError::CheckpointSignature { .. }
        );
        // Extension lines are signed and returned.
        let ext = format!("{body}Timestamp: 1\n");
        let note = format!("{ext}\n{}", ed_line(&sk, name, &ext));
        let cp = verify_v2(c, &note, &log).expect("verifies");
        assert_eq!(cp.extensions, vec!["Timestamp: 1".to_string()]);
    }
}

#[test]
fn p256_checkpoint_uses_log_id_hint() {
    let (sk, log) = p256_log(7);
    let (other, other_log) = p256_log(8);
    let (witness, _) = ed_log("witness.example", 2);
    let body = text("rekor.example - 1234");
    let own = p256_line(&sk, &log.log_id, "rekor.example", &body);
    let foreign = p256_line(&other, &other_log.log_id, "rekor.example", &body);
    let cosig = ed_line(&witness, "witness.example", &body);
    for c in all_backends() {
        verify_v1(c, &format!("{body}\n{own}"), &log).expect("verifies");
        verify_v1(c, &format!("{body}\n{foreign}{cosig}{own}"), &log).expect("verifies");
        expect_err!(
            verify_v1(c, &format!("{body}\n{foreign}{cosig}"), &log),
            TlogError::NoLogSignature { .. }
        );
        // The log's hint on a signature by another key: rejected outright.
        let forged = p256_line(&other, &log.log_id, "rekor.example", &body);
        expect_err!(
            verify_v1(c, &format!("{body}\n{forged}"), &log),
            TlogError::CheckpointSignature { .. }
        );
        // checkpointKeyId, when the trusted root gives one, is honoured.
        let mut declared = log.clone();
        declared.checkpoint_key_id = Some(vec![9, 9, 9, 9, 1, 2]);
        let hinted = p256_line(&sk, &[9, 9, 9, 9], "rekor.example", &body);
        verify_v1(c, &format!("{body}\n{hinted}"), &declared).expect("verifies");

        // Picking the log among several.
        let logs = vec![other_log.clone(), log.clone()];
        let (_, chosen) =
            verify_checkpoint_any(c, &format!("{body}\n{own}"), &logs, RekorVersion::V1)
                .expect("verifies");
        assert_eq!(chosen.log_id, log.log_id);
        assert!(
            verify_checkpoint_any(c, &format!("{body}\n{cosig}"), &logs, RekorVersion::V1).is_err()
        );
    }
}

/// Checkpoint verification for a Rekor v1 log and a Rekor v2 log.
fn verify_v1(
    c: &dyn CryptoBackend,
    note: &str,
    log: &TransparencyLog,
) -> Result<Checkpoint, TlogError> {
    verify_checkpoint(c, note, log, RekorVersion::V1)
}
fn verify_v2(
    c: &dyn CryptoBackend,
    note: &str,
    log: &TransparencyLog,
) -> Result<Checkpoint, TlogError> {
    verify_checkpoint(c, note, log, RekorVersion::V2)
}

/// The origin names the log: Rekor v2 (C2SP tlog-checkpoint) uses its name,
/// the trusted root's baseUrl without the scheme; Rekor v1 appends
/// `" - <tree ID>"` to its host. A note the log key signed for another
/// origin is not a statement about this log.
#[test]
fn checkpoint_origin_must_name_the_log() {
    let name = "log.example/one";
    let (sk, log) = ed_log(name, 1);
    let (p_sk, p_log) = p256_log(7);
    let c = crate::crypto::default_backend();
    let ed_note = |origin: &str| {
        let body = text(origin);
        format!("{body}\n{}", ed_line(&sk, name, &body))
    };
    let p_note = |origin: &str| {
        let body = text(origin);
        format!(
            "{body}\n{}",
            p256_line(&p_sk, &p_log.log_id, "rekor.example", &body)
        )
    };
    verify_v2(c, &ed_note(name), &log).expect("own origin");
    for bad in [
        "other.example",
        "log.example/one - 1234",
        "log.example",
        "LOG.EXAMPLE/ONE",
        "log.example/one/",
    ] {
        let e = expect_err!(
            verify_v2(c, &ed_note(bad), &log),
            TlogError::CheckpointOrigin { .. },
            "{bad}"
        );
        assert_mentions(&e, &[format!("{bad:?}").as_str(), name]);
        assert_eq!(e.step(), crate::Step::Checkpoint);
    }
    for good in [
        "rekor.example - 1234",
        "rekor.example - 0",
        "rekor.example - 9223372036854775807",
    ] {
        verify_v1(c, &p_note(good), &p_log).unwrap_or_else(|e| panic!("{good}: {e}"));
    }
    for bad in [
        "rekor.example",
        "rekor.example - ",
        "rekor.example - 01234",
        "rekor.example - -1",
        "rekor.example - 12a",
        "rekor.example - 9223372036854775808",
        "rekor.example -1234",
        "other.example - 1234",
        "rekor.example.evil - 1234",
    ] {
        let e = expect_err!(
            verify_v1(c, &p_note(bad), &p_log),
            TlogError::CheckpointOrigin { .. },
            "{bad}"
        );
        assert_mentions(&e, &["rekor.example - <tree ID>"]);
    }
    // A trusted root without a baseUrl for the log gives it no name.
    for url in ["", "https://", "https:///"] {
        let mut unnamed = log.clone();
        unnamed.base_url = url.into();
        expect_err!(
            verify_v2(c, &ed_note(name), &unnamed),
            TlogError::UnnamedLog { .. },
            "{url:?}"
        );
    }
    // A Rekor v1 checkpoint is not one of a Rekor v2 log, nor the reverse.
    let mut v2_log = p_log.clone();
    v2_log.base_url = "https://rekor.example".into();
    expect_err!(
        verify_v2(c, &p_note("rekor.example - 1234"), &v2_log),
        TlogError::CheckpointOrigin { .. }
    );
}

#[test]
fn malformed_checkpoints() {
    let name = "log.example/one";
    let (sk, log) = ed_log(name, 1);
    let c = crate::crypto::default_backend();
    let root = b64e(&ROOT);
    let signed = |t: &str| format!("{t}\n{}", ed_line(&sk, name, t));
    let cases: Vec<(String, &str)> = vec![
        (signed(&format!("\n42\n{root}\n")), "origin"),
        (signed(&format!("{name}\n{root}\n")), "at least 3 lines"),
        (signed(&format!("{name}\n42\n")), "at least 3 lines"),
        (signed(&format!("{name}\n042\n{root}\n")), "tree size"),
        (signed(&format!("{name}\n-1\n{root}\n")), "tree size"),
        (signed(&format!("{name}\n 42\n{root}\n")), "tree size"),
        (signed(&format!("{name}\n42\n{root}x\n")), "base64"),
        (
            signed(&format!("{name}\n42\n{}\n", b64e(&[1; 31]))),
            "32-byte",
        ),
        (format!("{}\n", text(name)), "at least one signature"),
        (text(name), "blank line"),
        (
            signed(&text(name)).trim_end().to_string(),
            "end with a newline",
        ),
        (format!("{}\n- {name} AAAAAAAA\n", text(name)), "em dash"),
        (
            format!("{}\n\u{2014} {name} AAAA\n", text(name)),
            "4-byte key ID",
        ),
        (format!("{}\n\u{2014} {name} !!!!\n", text(name)), "base64"),
        (
            format!("{}\n\u{2014} {name}\n", text(name)),
            "separated by a space",
        ),
        (format!("{}\n\u{2014}  AAAAAAAA\n", text(name)), "key name"),
        (signed(&format!("{name}\n42\n{root}\n\u{7}\n")), "control"),
    ];
    for (note, why) in cases {
        let err = expect_err!(
            verify_v2(c, &note, &log),
            TlogError::MalformedCheckpoint(_),
            "{why}"
        );
        assert_mentions(&err, &[why]);
    }
}

// ---------------------------------------------------------------- SETs made here

#[test]
fn set_made_here() {
    use ecdsa::signature::Signer as _;
    let (sk, log) = p256_log(7);
    let body = br#"{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{}}"#;
    let payload = set_payload(body, 1_700_000_000, &log.log_id, 12);
    let expected = format!(
        r#"{{"body":"{}","integratedTime":1700000000,"logID":"{}","logIndex":12}}"#,
        b64e(body),
        hex::encode(&log.log_id)
    );
    assert_eq!(String::from_utf8(payload.clone()).expect("utf8"), expected);
    let sig: p256::ecdsa::DerSignature = sk.sign(&payload);
    for c in all_backends() {
        verify_set(c, &log, body, 1_700_000_000, 12, sig.as_bytes()).expect("verifies");
        assert!(verify_set(c, &log, body, 1_700_000_001, 12, sig.as_bytes()).is_err());
        assert!(verify_set(c, &log, body, 1_700_000_000, 13, sig.as_bytes()).is_err());
        assert!(verify_set(c, &log, b"{}", 1_700_000_000, 12, sig.as_bytes()).is_err());
    }
}

// ---------------------------------------------------------------- recorded fixtures

/// A recorded bundle (as JSON) and the trusted root it verifies against;
/// the Rekor v2 tests (`tests_v2.rs`) use it too.
pub(super) struct Case {
    pub(super) name: String,
    pub(super) bundle: Value,
    pub(super) root: TrustedRoot,
}

impl Case {
    pub(super) fn load(name: &str, bundle: &str, root: &str) -> Self {
        let bundle = serde_json::from_slice(&read(bundle)).expect("bundle json");
        let root = TrustedRoot::from_json(&read(root)).expect("trusted root");
        Case {
            name: name.into(),
            bundle,
            root,
        }
    }

    /// A conformance case, with its own trusted root when it has one.
    pub(super) fn conformance(name: &str) -> Self {
        let dir = format!("conformance/bundle-verify/{name}");
        let own = format!("{dir}/trusted_root.json");
        let has_own = crate::test_support::fixtures().join(&own).is_file();
        let root = if has_own {
            own
        } else {
            "trust/production/trusted_root.json".into()
        };
        Self::load(name, &format!("{dir}/bundle.sigstore.json"), &root)
    }

    pub(super) fn entry(&self) -> &Value {
        &self.bundle["verificationMaterial"]["tlogEntries"][0]
    }

    fn log(&self) -> &TransparencyLog {
        let id = b64d(self.entry()["logId"]["keyId"].as_str().expect("logId"));
        self.root.tlog_by_id(&id).expect("log in trusted root")
    }

    pub(super) fn body(&self) -> Vec<u8> {
        b64d(self.entry()["canonicalizedBody"].as_str().expect("body"))
    }

    pub(super) fn body_json(&self) -> Value {
        serde_json::from_slice(&self.body()).expect("body json")
    }

    pub(super) fn is_dsse(&self) -> bool {
        self.bundle.get("dsseEnvelope").is_some()
    }

    fn int(v: &Value) -> i64 {
        v.as_str().expect("int64 string").parse().expect("int")
    }

    fn check_set(&self, c: &dyn CryptoBackend) -> Result<(), TlogError> {
        let e = self.entry();
        let set = b64d(
            e["inclusionPromise"]["signedEntryTimestamp"]
                .as_str()
                .expect("SET"),
        );
        verify_set(
            c,
            self.log(),
            &self.body(),
            Self::int(&e["integratedTime"]),
            Self::int(&e["logIndex"]),
            &set,
        )
    }

    fn check_proof(&self, c: &dyn CryptoBackend) -> Result<Option<Checkpoint>, TlogError> {
        let p = &self.entry()["inclusionProof"];
        let hashes: Vec<Vec<u8>> = p["hashes"]
            .as_array()
            .expect("hashes")
            .iter()
            .map(|h| b64d(h.as_str().expect("hash")))
            .collect();
        let root = b64d(p["rootHash"].as_str().expect("root"));
        let proof = InclusionProof {
            log_index: Self::int(&p["logIndex"]) as u64,
            tree_size: Self::int(&p["treeSize"]) as u64,
            root_hash: &root,
            hashes: &hashes,
            checkpoint: p["checkpoint"]["envelope"].as_str(),
        };
        let version = self.parse()?.rekor_version();
        verify_inclusion_proof(c, self.log(), version, &self.body(), &proof)
    }

    pub(super) fn parse(&self) -> Result<EntryBody, TlogError> {
        let kv = &self.entry()["kindVersion"];
        parse_body(
            &self.body(),
            kv["kind"].as_str().expect("kind"),
            kv["version"].as_str().expect("version"),
        )
    }

    pub(super) fn leaf_der(&self) -> Vec<u8> {
        let vm = &self.bundle["verificationMaterial"];
        let raw = vm["certificate"]["rawBytes"]
            .as_str()
            .or_else(|| vm["x509CertificateChain"]["certificates"][0]["rawBytes"].as_str())
            .expect("leaf certificate");
        b64d(raw)
    }

    /// The body compared with the bundle's content, as `verify.rs` does it;
    /// `artifact` gives the artifact's bytes for message signatures (else
    /// the bundle's SHA-256 digest).
    pub(super) fn check_body(
        &self,
        c: &dyn CryptoBackend,
        artifact: Option<&[u8]>,
    ) -> Result<(), TlogError> {
        let body = self.parse()?;
        let leaf = self.leaf_der();
        if let Some(ms) = self.bundle.get("messageSignature") {
            let digest = match artifact {
                Some(a) => c.digest(HashAlgorithm::Sha256, a),
                None => {
                    let d = &ms["messageDigest"];
                    assert_eq!(d["algorithm"], "SHA2_256");
                    Digest::new(
                        HashAlgorithm::Sha256,
                        b64d(d["digest"].as_str().expect("digest")),
                    )
                    .expect("digest")
                }
            };
            let sig = b64d(ms["signature"].as_str().expect("signature"));
            check_hashedrekord(c, &body, &digest, &sig, &leaf)
        } else {
            let env = &self.bundle["dsseEnvelope"];
            let payload = b64d(env["payload"].as_str().expect("payload"));
            let sigs: Vec<Vec<u8>> = env["signatures"]
                .as_array()
                .expect("sigs")
                .iter()
                .map(|s| b64d(s["sig"].as_str().expect("sig")))
                .collect();
            let input = DsseInput {
                payload_type: env["payloadType"].as_str().expect("payloadType"),
                payload: &payload,
                signatures: &sigs,
            };
            check_dsse(c, &body, &input, &leaf)
        }
    }
}

#[test]
fn recorded_happy_paths() {
    let mut cases = vec![];
    for name in [
        "happy-path-v0.1",
        "happy-path-v0.2",
        "happy-path-v0.3",
        "happy-path-intoto-in-dsse-v3",
        "intoto-with-custom-trust-root",
        "trust-root-tlog-validity-end-inclusive",
    ] {
        let c = Case::conformance(name);
        let artifact = match name {
            "happy-path-intoto-in-dsse-v3" | "intoto-with-custom-trust-root" => None,
            _ => Some("conformance/bundle-verify/a.txt".to_string()),
        };
        cases.push((name.to_string(), c, artifact));
    }
    for name in ["bundle_v3.txt", "bundle.txt", "bundle_v3_alt.txt"] {
        let c = Case::load(
            name,
            &format!("sigstore-python/{name}.sigstore"),
            "trust/staging/trusted_root.json",
        );
        cases.push((name.to_string(), c, Some(format!("sigstore-python/{name}"))));
    }
    for (name, case, artifact) in &cases {
        let artifact = artifact.as_ref().map(|a| read(a));
        for c in all_backends() {
            let ctx = format!("{name} on {}", c.name());
            case.check_set(c)
                .unwrap_or_else(|e| panic!("{ctx}: SET: {e}"));
            let cp = case
                .check_proof(c)
                .unwrap_or_else(|e| panic!("{ctx}: proof: {e}"))
                .unwrap_or_else(|| panic!("{ctx}: no checkpoint"));
            assert!(!cp.origin.is_empty());
            case.parse().unwrap_or_else(|e| panic!("{ctx}: body: {e}"));
            case.check_body(c, artifact.as_deref())
                .unwrap_or_else(|e| panic!("{ctx}: body check: {e}"));
        }
    }
}

#[test]
fn recorded_rekor_v2_checkpoints() {
    for (name, ok) in [
        ("rekor2-happy-path", true),
        ("rekor2-checkpoint-cosigned", true),
        ("rekor2-checkpoint-multiple-cosigs", true),
        ("rekor2-checkpoint-two-sigs-cosigned", true),
        ("rekor2-checkpoint-missing-log-signature_fail", false),
        ("rekor2-checkpoint-missing-origin_fail", false),
        ("rekor2-checkpoint-missing-root-hash_fail", false),
        ("rekor2-checkpoint-missing-size_fail", false),
        ("rekor2-checkpoint-no-matching-signature_fail", false),
    ] {
        let case = Case::conformance(name);
        for c in all_backends() {
            let got = case.check_proof(c);
            assert_eq!(got.is_ok(), ok, "{name} on {}: {got:?}", c.name());
            if ok {
                let note = case.entry()["inclusionProof"]["checkpoint"]["envelope"]
                    .as_str()
                    .expect("note");
                let (_, log) = verify_checkpoint_any(c, note, &case.root.tlogs, RekorVersion::V2)
                    .expect("some log signed it");
                assert_eq!(log.log_id, case.log().log_id);
            }
        }
    }
}

#[test]
fn recorded_failures() {
    let set = Case::conformance("set-invalid-signature_fail");
    let corrupted = Case::conformance("inclusion-proof-corrupted-hash_fail");
    let old_proof = Case::conformance("invalid-inclusion-proof_fail");
    let wrong_root = Case::conformance("checkpoint-wrong-roothash_fail");
    let bad_cp_sig = Case::conformance("invalid-checkpoint-signature_fail");
    for c in all_backends() {
        let n = c.name();
        expect_err!(set.check_set(c), TlogError::SetSignature { .. }, "{n}");
        // Its proof is fine: the case is about the SET alone.
        set.check_proof(c)
            .expect("proof of set-invalid-signature_fail");

        expect_err!(
            corrupted.check_proof(c),
            TlogError::RootMismatch { .. },
            "{n}"
        );
        assert!(old_proof.check_proof(c).is_err(), "{n}");
        expect_err!(
            wrong_root.check_proof(c),
            TlogError::CheckpointMismatch { .. } | TlogError::RootMismatch { .. },
            "{n}"
        );
        let e = expect_err!(
            bad_cp_sig.check_proof(c),
            TlogError::CheckpointSignature { .. },
            "{n}"
        );
        assert_eq!(e.step(), crate::Step::Checkpoint);
    }
}

#[test]
fn recorded_body_mismatches() {
    let mut cases = vec![];
    for (name, artifact) in [
        (
            "wrong-hashedrekord-entry_fail",
            "conformance/bundle-verify/a.txt",
        ),
        (
            "wrong-hashedrekord-artifact_fail",
            "conformance/bundle-verify/a.txt",
        ),
        ("dsse-mismatch-envelope_fail", ""),
        ("dsse-mismatch-sig_fail", ""),
        ("intoto-log-entry-mismatch_fail", ""),
    ] {
        let c = Case::conformance(name);
        cases.push((name, c, artifact));
    }
    let cve = Case::load(
        "bundle_cve_2022_36056",
        "sigstore-python/bundle_cve_2022_36056.txt.sigstore",
        "trust/staging/trusted_root.json",
    );
    cases.push((
        "bundle_cve_2022_36056",
        cve,
        "sigstore-python/bundle_cve_2022_36056.txt",
    ));
    for (name, case, artifact) in &cases {
        let artifact = (!artifact.is_empty()).then(|| read(artifact));
        for c in all_backends() {
            let e = case
                .check_body(c, artifact.as_deref())
                .expect_err(&format!("{name} must not match its log entry"));
            assert_eq!(e.step(), crate::Step::TlogEntry, "{name}: {e}");
            // The bundle's own digest does not rescue a hashedrekord mismatch.
            if artifact.is_some() {
                assert!(case.check_body(c, None).is_err(), "{name}");
            }
        }
    }
}

// ---------------------------------------------------------------- bodies made here

fn pem(label: &str, der: &[u8]) -> String {
    let b = b64e(der);
    let lines: Vec<&str> = b
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

#[test]
fn hashedrekord_made_here() {
    let c = crate::crypto::default_backend();
    let der = vec![0x30, 0x03, 0x02, 0x01, 0x05];
    let digest = c.digest(HashAlgorithm::Sha256, b"artifact");
    let sig = vec![1u8, 2, 3];
    let body = |hash_alg: &str, extra: &str| {
        format!(
            r#"{{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{{"data":{{"hash":{{"algorithm":"{hash_alg}","value":"{}"}}}},"signature":{{"content":"{}","publicKey":{{"content":"{}"}}{extra}}}}}}}"#,
            digest.to_hex(),
            b64e(&sig),
            b64e(pem("PUBLIC KEY", &der).as_bytes())
        )
    };
    let parsed =
        parse_body(body("sha256", "").as_bytes(), "hashedrekord", "0.0.1").expect("parses");
    check_hashedrekord(c, &parsed, &digest, &sig, &der).expect("matches");
    assert!(check_hashedrekord(c, &parsed, &digest, &[1, 2, 4], &der).is_err());
    assert!(check_hashedrekord(c, &parsed, &digest, &sig, &[0x30, 0]).is_err());
    let other = c.digest(HashAlgorithm::Sha256, b"other");
    assert!(check_hashedrekord(c, &parsed, &other, &sig, &der).is_err());
    // Same digest bytes under another algorithm name is a different digest.
    let sha384 = parse_body(body("sha384", "").as_bytes(), "hashedrekord", "0.0.1");
    assert!(sha384.is_err(), "32 bytes is not a SHA-384 digest");

    // kindVersion must agree with the body.
    expect_err!(
        parse_body(body("sha256", "").as_bytes(), "hashedrekord", "0.0.2"),
        TlogError::KindMismatch { .. }
    );
    expect_err!(
        parse_body(body("sha256", "").as_bytes(), "dsse", "0.0.1"),
        TlogError::KindMismatch { .. }
    );
    // Unknown fields in a hashedrekord spec are not silently ignored.
    assert!(parse_body(
        body("sha256", r#","x":1"#).as_bytes(),
        "hashedrekord",
        "0.0.1"
    )
    .is_err());
    // A Rekor v2 body needs its own spec (see tests_v2.rs).
    expect_err!(
        parse_body(
            br#"{"apiVersion":"0.0.2","kind":"hashedrekord","spec":{}}"#,
            "hashedrekord",
            "0.0.2"
        ),
        TlogError::MalformedBody(_)
    );
    assert!(parse_body(b"not json", "hashedrekord", "0.0.1").is_err());
    // A DSSE envelope cannot be matched against a hashedrekord.
    let input = DsseInput {
        payload_type: "x",
        payload: b"p",
        signatures: std::slice::from_ref(&sig),
    };
    assert!(check_dsse(c, &parsed, &input, &der).is_err());
}

#[test]
fn dsse_made_here() {
    let c = crate::crypto::default_backend();
    let der = vec![0x30, 0x03, 0x02, 0x01, 0x05];
    let payload = b"{\"_type\":\"x\"}".to_vec();
    let s1 = vec![1u8, 1, 1];
    let s2 = vec![2u8, 2, 2];
    let verifier = b64e(pem("CERTIFICATE", &der).as_bytes());
    let body = format!(
        r#"{{"apiVersion":"0.0.1","kind":"dsse","spec":{{"envelopeHash":{{"algorithm":"sha256","value":"{}"}},"payloadHash":{{"algorithm":"sha256","value":"{}"}},"signatures":[{{"signature":"{}","verifier":"{verifier}"}},{{"signature":"{}","verifier":"{verifier}"}}]}}}}"#,
        c.digest(HashAlgorithm::Sha256, b"envelope").to_hex(),
        c.digest(HashAlgorithm::Sha256, &payload).to_hex(),
        b64e(&s1),
        b64e(&s2),
    );
    let parsed = parse_body(body.as_bytes(), "dsse", "0.0.1").expect("parses");
    let both = vec![s2.clone(), s1.clone()];
    let ok = DsseInput {
        payload_type: "application/vnd.in-toto+json",
        payload: &payload,
        signatures: &both,
    };
    check_dsse(c, &parsed, &ok, &der).expect("matches in any order");
    let one = vec![s1.clone()];
    assert!(check_dsse(
        c,
        &parsed,
        &DsseInput {
            signatures: &one,
            ..ok
        },
        &der
    )
    .is_err());
    let dup = vec![s1.clone(), s1.clone()];
    assert!(check_dsse(
        c,
        &parsed,
        &DsseInput {
            signatures: &dup,
            ..ok
        },
        &der
    )
    .is_err());
    assert!(check_dsse(
        c,
        &parsed,
        &DsseInput {
            payload: b"other",
            ..ok
        },
        &der
    )
    .is_err());
    assert!(check_dsse(c, &parsed, &ok, &[0x30, 0]).is_err());
}

// ---------------------------------------------------------------- every recorded checkpoint

/// Every `TransparencyLogEntry`-shaped object (with a checkpoint) in a JSON
/// document: bundles, PEP 740 attestations and provenance files alike.
fn entries_with_checkpoints<'v>(v: &'v Value, out: &mut Vec<&'v Value>) {
    match v {
        Value::Object(m) => {
            if m.contains_key("logId")
                && m.contains_key("canonicalizedBody")
                && v["inclusionProof"]["checkpoint"]["envelope"].is_string()
            {
                out.push(v);
            }
            m.values().for_each(|x| entries_with_checkpoints(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| entries_with_checkpoints(x, out)),
        _ => {}
    }
}

fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The naming rule ([`LogName`]) checked against every checkpoint in the
/// recorded material, next to the trusted-root log it verifies against:
/// the rule must accept every real checkpoint, and reject only the
/// conformance cases whose checkpoint is broken on purpose.
/// `cargo test every_recorded_checkpoint -- --nocapture` prints the table.
#[test]
fn every_recorded_checkpoint_names_its_log() {
    let base = crate::test_support::fixtures();
    let public = [
        TrustedRoot::from_json(&read("trust/production/trusted_root.json")).expect("production"),
        TrustedRoot::from_json(&read("trust/staging/trusted_root.json")).expect("staging"),
    ];
    let mut files = Vec::new();
    files_under(&base, &mut files);
    let (mut checked, mut v1_shape, mut v2_shape) = (0, 0, 0);
    let mut rejected = Vec::new();
    for path in files {
        let Ok(json) = serde_json::from_slice::<Value>(&std::fs::read(&path).expect("read")) else {
            continue;
        };
        let mut found = Vec::new();
        entries_with_checkpoints(&json, &mut found);
        if found.is_empty() {
            continue;
        }
        let rel = path
            .strip_prefix(&base)
            .expect("under assets")
            .display()
            .to_string();
        let own_root = path.with_file_name("trusted_root.json");
        // A case's own root, unless it is broken on purpose (then the log
        // is a public one).
        let own = own_root
            .is_file()
            .then(|| TrustedRoot::from_json(&std::fs::read(&own_root).expect("root")).ok())
            .flatten();
        for entry in found {
            checked += 1;
            let id = b64d(entry["logId"]["keyId"].as_str().expect("logId"));
            let log = own
                .iter()
                .chain(public.iter())
                .find_map(|r| r.tlog_by_id(&id))
                .unwrap_or_else(|| panic!("{rel}: log {} in no trusted root", hex::encode(&id)));
            let kv = &entry["kindVersion"];
            let body = b64d(entry["canonicalizedBody"].as_str().expect("body"));
            let (kind, kind_version) = (
                kv["kind"].as_str().expect("kind"),
                kv["version"].as_str().expect("version"),
            );
            // Some failure cases break the body on purpose; their
            // kindVersion still says which API logged them.
            let version = parse_body(&body, kind, kind_version).map_or_else(
                |_| match (kind, kind_version) {
                    ("hashedrekord" | "dsse", "0.0.2") => RekorVersion::V2,
                    _ => RekorVersion::V1,
                },
                |b| b.rekor_version(),
            );
            let note = entry["inclusionProof"]["checkpoint"]["envelope"]
                .as_str()
                .expect("note");
            let name = LogName::of(log, version).expect("a name for every trusted log");
            let verdict = SignedNote::parse(note).and_then(|signed| {
                let cp = parse_checkpoint(&signed.text)?;
                name.check_origin(&cp.origin)?;
                if !signed.signatures.iter().any(|s| s.name == name.key_name) {
                    return Err(TlogError::NoLogSignature {
                        expected: format!("a line named {:?}", name.key_name),
                        found: format!("{:?}", signed.signatures),
                    });
                }
                Ok(cp.origin)
            });
            println!(
                "{rel:100} {version:?} {:40} {}",
                log.base_url,
                verdict
                    .as_ref()
                    .map_or_else(|e| format!("REJECTED: {e}"), |o| format!("{o:?}"))
            );
            match (&verdict, version) {
                (Ok(_), RekorVersion::V1) => v1_shape += 1,
                (Ok(_), RekorVersion::V2) => v2_shape += 1,
                (Err(_), _) => rejected.push(rel.clone()),
            }
        }
    }
    println!("{checked} checkpoints: {v1_shape} \"<host> - <tree ID>\" (Rekor v1), {v2_shape} \"<host>\" (Rekor v2), {} rejected", rejected.len());
    // The conformance cases whose checkpoint is broken on purpose; every
    // other recorded checkpoint, positive case or not, names its log.
    let on_purpose = [
        "rekor2-checkpoint-missing-log-signature_fail",
        "rekor2-checkpoint-missing-origin_fail",
        "rekor2-checkpoint-missing-root-hash_fail",
        "rekor2-checkpoint-missing-size_fail",
        "rekor2-checkpoint-no-matching-signature_fail",
    ];
    let rejected_cases: Vec<_> = rejected
        .iter()
        .map(|r| r.split('/').nth(2).unwrap_or(r).to_string())
        .collect();
    assert_eq!(rejected_cases, on_purpose, "rejected: {rejected:?}");
    assert!(
        v1_shape >= 40 && v2_shape >= 15,
        "{v1_shape} v1, {v2_shape} v2"
    );
}
