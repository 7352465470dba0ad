//! The instance's transparency logs: a Rekor v1 log (P-256 key, signed
//! entry timestamps) and a Rekor v2 log (Ed25519 checkpoint key, no
//! integrated time), each an in-memory RFC 6962 tree.
//!
//! Rekor v1 (`openapi.yaml`): `POST /api/v1/log/entries` takes a proposed
//! `hashedrekord` or `dsse` 0.0.1 entry and answers 201 with
//! `{uuid: {body, integratedTime, logID, logIndex, verification:
//! {inclusionProof: {checkpoint, hashes, logIndex, rootHash, treeSize},
//! signedEntryTimestamp}}}`; also `GET /api/v1/log/entries/{uuid}`,
//! `GET /api/v1/log/entries?logIndex=N`, `POST /api/v1/log/entries/retrieve`,
//! `POST /api/v1/index/retrieve`, `GET /api/v1/log`, `GET /api/v1/log/publicKey`.
//! The logged body is the entry in canonical JSON (sorted keys, no spaces).
//!
//! Rekor v2 (rekor-tiles `CLIENTS.md`): `POST /api/v2/log/entries` with
//! `{"hashedRekordRequestV002": {digest, signature: {content, verifier}}}` or
//! `{"dsseRequestV002": {envelope, verifiers}}` answers a protobuf-JSON
//! `TransparencyLogEntry`. Its checkpoint origin is the log URL's host, and
//! its log ID is the C2SP signed-note key ID SHA-256(origin || 0x0A || 0x01 || key).

use super::http::{Request, Response};
use super::log::{inclusion_path, leaf_hash, root, Hash};
use super::{Fault, Faults};
use crate::crypto::{self, Digest, HashAlgorithm, KeyKind, SignatureAlgorithm};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::Signer as _;
use p256::pkcs8::EncodePublicKey as _;
use serde_json::{json, Value};
use std::sync::Mutex;

struct Entry {
    body: Vec<u8>,
    integrated_time: i64,
    set: Vec<u8>,
    /// `sha256:<hex>` keys of the search index.
    index_keys: Vec<String>,
}

#[derive(Default)]
struct Tree {
    leaves: Vec<Hash>,
    entries: Vec<Entry>,
}

fn err(status: u16, m: impl Into<String>) -> Response {
    Response::error(status, m)
}

fn b64d(field: &str, v: &Value) -> Result<Vec<u8>, String> {
    let s = v.as_str().ok_or_else(|| format!("{field} is missing"))?;
    B64.decode(s.trim())
        .map_err(|e| format!("{field} is not base64: {e}"))
}

/// The DER SPKI of a PEM certificate or public key, and whether it was a
/// certificate.
fn pem_key(pem_bytes: &[u8]) -> Result<Vec<u8>, String> {
    let (_, p) =
        x509_parser::pem::parse_x509_pem(pem_bytes).map_err(|e| format!("not PEM: {e}"))?;
    match p.label.as_str() {
        "CERTIFICATE" => super::ca::spki_of(&p.contents).map_err(|e| e.to_string()),
        "PUBLIC KEY" => Ok(p.contents),
        other => Err(format!("unexpected PEM block {other:?}")),
    }
}

fn message_algorithm(kind: KeyKind, h: HashAlgorithm) -> SignatureAlgorithm {
    match kind {
        KeyKind::EcP256 | KeyKind::EcP384 => SignatureAlgorithm::Ecdsa(h),
        KeyKind::Ed25519 => SignatureAlgorithm::Ed25519,
        KeyKind::Rsa => SignatureAlgorithm::RsaPkcs1(h),
    }
}

fn hash_alg(name: &str) -> Result<HashAlgorithm, String> {
    match name {
        "sha256" | "SHA2_256" => Ok(HashAlgorithm::Sha256),
        "sha384" | "SHA2_384" => Ok(HashAlgorithm::Sha384),
        "sha512" | "SHA2_512" => Ok(HashAlgorithm::Sha512),
        other => Err(format!("unsupported hash algorithm {other:?}")),
    }
}

fn verify_digest(spki: &[u8], digest: &Digest, sig: &[u8]) -> Result<(), String> {
    let kind = crypto::key_kind(spki).map_err(|e| e.to_string())?;
    crypto::default_backend()
        .verify_prehashed(
            spki,
            message_algorithm(kind, digest.algorithm()),
            digest,
            sig,
        )
        .map_err(|e| format!("the signature does not verify with the entry's key: {e}"))
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(sha256(data))
}

fn sha256(data: &[u8]) -> Vec<u8> {
    crypto::default_backend()
        .digest(HashAlgorithm::Sha256, data)
        .as_bytes()
        .to_vec()
}

/// DSSE pre-authentication encoding (DSSE v1 protocol).
fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut m = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    m.extend_from_slice(payload);
    m
}

struct Envelope {
    payload_type: String,
    payload: Vec<u8>,
    sigs: Vec<Vec<u8>>,
}

fn envelope(v: &Value) -> Result<Envelope, String> {
    let payload_type = v["payloadType"]
        .as_str()
        .ok_or("envelope.payloadType is missing")?
        .to_string();
    let payload = b64d("envelope.payload", &v["payload"])?;
    let sigs = v["signatures"]
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or("envelope.signatures is missing or empty")?
        .iter()
        .map(|s| b64d("envelope.signatures[].sig", &s["sig"]))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Envelope {
        payload_type,
        payload,
        sigs,
    })
}

/// Each signature must verify with one of the keys.
fn verify_envelope(env: &Envelope, keys: &[Vec<u8>]) -> Result<Vec<usize>, String> {
    let c = crypto::default_backend();
    let m = pae(&env.payload_type, &env.payload);
    env.sigs
        .iter()
        .map(|sig| {
            keys.iter()
                .position(|k| {
                    crypto::key_kind(k)
                        .map(|kind| {
                            c.verify(k, kind.default_signature_algorithm(), &m, sig)
                                .is_ok()
                        })
                        .unwrap_or(false)
                })
                .ok_or_else(|| {
                    "a DSSE signature does not verify with any of the verifiers".to_string()
                })
        })
        .collect()
}

// ---------------------------------------------------------------- Rekor v1

pub struct LogV1 {
    pub url: String,
    key: p256::ecdsa::SigningKey,
    pub spki: Vec<u8>,
    pub log_id: Vec<u8>,
    tree_id: u64,
    /// The checkpoint's key name: the URL's host, as `rekor.sigstore.dev`.
    name: String,
    tree: Mutex<Tree>,
}

impl LogV1 {
    pub fn new(url: String) -> crate::Result<LogV1> {
        let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let spki = key
            .verifying_key()
            .to_public_key_der()
            .map_err(|e| crate::Error::Io(format!("encoding the Rekor key: {e}")))?
            .as_bytes()
            .to_vec();
        let mut id = [0u8; 8];
        id.copy_from_slice(&super::random_bytes(8));
        Ok(LogV1 {
            name: super::host_of(&url),
            url,
            log_id: sha256(&spki),
            spki,
            key,
            tree_id: u64::from_be_bytes(id) >> 2,
            tree: Mutex::new(Tree::default()),
        })
    }

    fn checkpoint(&self, size: usize, root_hash: &Hash) -> String {
        let text = format!(
            "{} - {}\n{size}\n{}\nTimestamp: {}\n",
            self.name,
            self.tree_id,
            B64.encode(root_hash),
            super::now_nanos()
        );
        let sig: p256::ecdsa::Signature = self.key.sign(text.as_bytes());
        let mut raw = self.log_id[..4].to_vec();
        raw.extend_from_slice(sig.to_der().as_bytes());
        format!("{text}\n\u{2014} {} {}\n", self.name, B64.encode(raw))
    }

    fn uuid(&self, leaf: &Hash) -> String {
        format!("{:016x}{}", self.tree_id, hex::encode(leaf))
    }

    /// The API's `LogEntry` for entry `index`, proved against the current tree.
    fn log_entry(&self, tree: &Tree, index: usize) -> Value {
        let e = &tree.entries[index];
        let size = tree.leaves.len();
        let r = root(&tree.leaves);
        let hashes: Vec<String> = inclusion_path(index, &tree.leaves)
            .iter()
            .map(hex::encode)
            .collect();
        let mut m = serde_json::Map::new();
        m.insert(
            self.uuid(&tree.leaves[index]),
            json!({
                "body": B64.encode(&e.body),
                "integratedTime": e.integrated_time,
                "logID": hex::encode(&self.log_id),
                "logIndex": index,
                "verification": {
                    "inclusionProof": {
                        "checkpoint": self.checkpoint(size, &r),
                        "hashes": hashes,
                        "logIndex": index,
                        "rootHash": hex::encode(r),
                        "treeSize": size,
                    },
                    "signedEntryTimestamp": B64.encode(&e.set),
                },
            }),
        );
        Value::Object(m)
    }

    /// Canonical body and index keys of a proposed entry, its signature checked.
    fn canonicalize(proposed: &Value) -> Result<(Vec<u8>, Vec<String>), String> {
        let kind = proposed["kind"].as_str().unwrap_or_default();
        let version = proposed["apiVersion"].as_str().unwrap_or_default();
        let spec = &proposed["spec"];
        match (kind, version) {
            ("hashedrekord", "0.0.1") => {
                let sig = b64d("spec.signature.content", &spec["signature"]["content"])?;
                let pem = b64d(
                    "spec.signature.publicKey.content",
                    &spec["signature"]["publicKey"]["content"],
                )?;
                let spki = pem_key(&pem).map_err(|e| format!("spec.signature.publicKey.content: {e}"))?;
                let h = &spec["data"]["hash"];
                let alg_name = h["algorithm"].as_str().unwrap_or("sha256");
                let alg = hash_alg(alg_name)?;
                let value = h["value"].as_str().ok_or("spec.data.hash.value is missing")?;
                let digest = hex::decode(value)
                    .ok()
                    .and_then(|d| Digest::new(alg, d).ok())
                    .ok_or("spec.data.hash.value is not a hex digest of its algorithm")?;
                verify_digest(&spki, &digest, &sig)?;
                let body = json!({
                    "apiVersion": "0.0.1", "kind": "hashedrekord",
                    "spec": {
                        "data": {"hash": {"algorithm": alg_name, "value": digest.to_hex()}},
                        "signature": {"content": B64.encode(&sig), "publicKey": {"content": B64.encode(&pem)}},
                    },
                });
                let keys = vec![format!("{}:{}", alg.name(), digest.to_hex())];
                Ok((body.to_string().into_bytes(), keys))
            }
            ("dsse", "0.0.1") => {
                let pc = &spec["proposedContent"];
                let env_str = pc["envelope"].as_str().ok_or("spec.proposedContent.envelope is missing")?;
                let env_json: Value = serde_json::from_str(env_str)
                    .map_err(|e| format!("spec.proposedContent.envelope is not JSON: {e}"))?;
                let env = envelope(&env_json)?;
                let pems = pc["verifiers"]
                    .as_array()
                    .ok_or("spec.proposedContent.verifiers is missing")?
                    .iter()
                    .map(|v| b64d("spec.proposedContent.verifiers[]", v))
                    .collect::<Result<Vec<_>, _>>()?;
                let keys = pems.iter().map(|p| pem_key(p)).collect::<Result<Vec<_>, _>>()?;
                let which = verify_envelope(&env, &keys)?;
                let signatures: Vec<Value> = env
                    .sigs
                    .iter()
                    .zip(which)
                    .map(|(s, k)| json!({"signature": B64.encode(s), "verifier": B64.encode(&pems[k])}))
                    .collect();
                let payload_hash = sha256_hex(&env.payload);
                let body = json!({
                    "apiVersion": "0.0.1", "kind": "dsse",
                    "spec": {
                        "envelopeHash": {"algorithm": "sha256", "value": sha256_hex(env_str.as_bytes())},
                        "payloadHash": {"algorithm": "sha256", "value": payload_hash},
                        "signatures": signatures,
                    },
                });
                Ok((body.to_string().into_bytes(), vec![format!("sha256:{payload_hash}")]))
            }
            _ => Err(format!("unsupported entry kind {kind:?} version {version:?} (hashedrekord 0.0.1 and dsse 0.0.1 are)")),
        }
    }

    pub fn handle(&self, req: &Request, faults: &Faults) -> Response {
        let Ok(mut tree) = self.tree.lock() else {
            return err(500, "the log is poisoned");
        };
        let path = req.path.as_str();
        match (req.method.as_str(), path) {
            ("POST", "/api/v1/log/entries") => {
                if faults.is_set(Fault::RekorError) {
                    return err(500, "the log is failing on purpose (Fault::RekorError)");
                }
                let Ok(proposed) = serde_json::from_slice::<Value>(&req.body) else {
                    return err(400, "the request body is not JSON");
                };
                let (body, index_keys) = match Self::canonicalize(&proposed) {
                    Ok(b) => b,
                    Err(e) => return err(400, e),
                };
                let leaf = leaf_hash(&body);
                if let Some(i) = tree.leaves.iter().position(|l| *l == leaf) {
                    let mut r = err(
                        409,
                        format!("an equivalent entry already exists in the transparency log with UUID {}", self.uuid(&tree.leaves[i])),
                    );
                    r.location = Some(format!(
                        "/api/v1/log/entries/{}",
                        self.uuid(&tree.leaves[i])
                    ));
                    return r;
                }
                let index = tree.leaves.len();
                let t = super::now();
                let payload = crate::tlog::set_payload(&body, t, &self.log_id, index as i64);
                let set: p256::ecdsa::Signature = self.key.sign(&payload);
                tree.leaves.push(leaf);
                tree.entries.push(Entry {
                    body,
                    integrated_time: t,
                    set: set.to_der().as_bytes().to_vec(),
                    index_keys,
                });
                let mut r = Response::json(201, &self.log_entry(&tree, index));
                r.location = Some(format!("/api/v1/log/entries/{}", self.uuid(&leaf)));
                r
            }
            ("GET", "/api/v1/log/entries") => {
                let idx = super::http::form_params(&req.query)
                    .into_iter()
                    .find(|(k, _)| k == "logIndex")
                    .and_then(|(_, v)| v.parse::<usize>().ok());
                match idx {
                    Some(i) if i < tree.entries.len() => {
                        Response::json(200, &self.log_entry(&tree, i))
                    }
                    _ => err(404, "no entry at that logIndex"),
                }
            }
            ("POST", "/api/v1/log/entries/retrieve") => {
                let Ok(q) = serde_json::from_slice::<Value>(&req.body) else {
                    return err(400, "the request body is not JSON");
                };
                let mut found = Vec::new();
                for p in q["entries"].as_array().into_iter().flatten() {
                    if let Ok((body, _)) = Self::canonicalize(p) {
                        let leaf = leaf_hash(&body);
                        found.extend(tree.leaves.iter().position(|l| *l == leaf));
                    }
                }
                for u in q["entryUUIDs"].as_array().into_iter().flatten() {
                    found.extend(u.as_str().and_then(|u| self.find(&tree, u)));
                }
                for i in q["logIndexes"].as_array().into_iter().flatten() {
                    found.extend(
                        i.as_u64()
                            .map(|i| i as usize)
                            .filter(|i| *i < tree.entries.len()),
                    );
                }
                let list: Vec<Value> = found
                    .into_iter()
                    .map(|i| self.log_entry(&tree, i))
                    .collect();
                Response::json(200, &Value::Array(list))
            }
            ("POST", "/api/v1/index/retrieve") => {
                let Ok(q) = serde_json::from_slice::<Value>(&req.body) else {
                    return err(400, "the request body is not JSON");
                };
                let Some(h) = q["hash"].as_str() else {
                    return err(400, "only search by \"hash\" is supported");
                };
                let h = h.to_ascii_lowercase();
                let h = if h.contains(':') {
                    h
                } else {
                    format!("sha256:{h}")
                };
                let uuids: Vec<String> = tree
                    .entries
                    .iter()
                    .zip(&tree.leaves)
                    .filter(|(e, _)| e.index_keys.contains(&h))
                    .map(|(_, l)| self.uuid(l))
                    .collect();
                Response::json(200, &json!(uuids))
            }
            ("GET", "/api/v1/log") => {
                let r = root(&tree.leaves);
                Response::json(
                    200,
                    &json!({"rootHash": hex::encode(r), "treeSize": tree.leaves.len(),
                            "signedTreeHead": self.checkpoint(tree.leaves.len(), &r),
                            "treeID": self.tree_id.to_string(), "inactiveShards": []}),
                )
            }
            ("GET", "/api/v1/log/publicKey") => Response::bytes(
                200,
                "application/x-pem-file",
                super::pem("PUBLIC KEY", &self.spki).into_bytes(),
            ),
            ("GET", p) if p.starts_with("/api/v1/log/entries/") => {
                let uuid = &p["/api/v1/log/entries/".len()..];
                match self.find(&tree, uuid) {
                    Some(i) => Response::json(200, &self.log_entry(&tree, i)),
                    None => err(404, format!("no entry with UUID {uuid}")),
                }
            }
            _ => Response::not_found(req),
        }
    }

    fn find(&self, tree: &Tree, uuid: &str) -> Option<usize> {
        let u = uuid.to_ascii_lowercase();
        let leaf = u.get(u.len().checked_sub(64)?..)?;
        tree.leaves.iter().position(|l| hex::encode(l) == leaf)
    }
}

// ---------------------------------------------------------------- Rekor v2

pub struct LogV2 {
    pub url: String,
    key: ed25519_dalek::SigningKey,
    pub spki: Vec<u8>,
    pub origin: String,
    pub log_id: Vec<u8>,
    tree: Mutex<Tree>,
}

/// The prehash a `PublicKeyDetails` signs hashedrekord digests with.
fn v2_scheme(key_details: &str) -> Result<(HashAlgorithm, SignatureAlgorithm), String> {
    let sa = crate::trust::key_details(key_details)?;
    match sa {
        SignatureAlgorithm::Ecdsa(h)
        | SignatureAlgorithm::RsaPkcs1(h)
        | SignatureAlgorithm::RsaPss(h) => Ok((h, sa)),
        SignatureAlgorithm::Ed25519 => Err(format!(
            "keyDetails {key_details} cannot sign a prehashed digest"
        )),
    }
}

/// A v2 `Verifier` JSON object: its key's SPKI, checked against `keyDetails`.
fn v2_verifier(v: &Value) -> Result<(Vec<u8>, SignatureAlgorithm, HashAlgorithm, Value), String> {
    let details = v["keyDetails"]
        .as_str()
        .ok_or("verifier.keyDetails is missing")?;
    let (h, sa) = v2_scheme(details)?;
    let (spki, canonical) = if v["x509Certificate"].is_object() {
        let der = b64d(
            "verifier.x509Certificate.rawBytes",
            &v["x509Certificate"]["rawBytes"],
        )?;
        let spki = super::ca::spki_of(&der).map_err(|e| e.to_string())?;
        (
            spki,
            json!({"keyDetails": details, "x509Certificate": {"rawBytes": B64.encode(&der)}}),
        )
    } else if v["publicKey"].is_object() {
        let der = b64d("verifier.publicKey.rawBytes", &v["publicKey"]["rawBytes"])?;
        (
            der.clone(),
            json!({"keyDetails": details, "publicKey": {"rawBytes": B64.encode(&der)}}),
        )
    } else {
        return Err("verifier has neither x509Certificate nor publicKey".into());
    };
    let kind = crypto::key_kind(&spki).map_err(|e| e.to_string())?;
    crypto::check_pair(kind, sa)
        .map_err(|_| format!("keyDetails {details} does not fit a {kind:?} key"))?;
    Ok((spki, sa, h, canonical))
}

fn proto_hash(h: HashAlgorithm) -> &'static str {
    match h {
        HashAlgorithm::Sha256 => "SHA2_256",
        HashAlgorithm::Sha384 => "SHA2_384",
        HashAlgorithm::Sha512 => "SHA2_512",
    }
}

impl LogV2 {
    pub fn new(url: String) -> crate::Result<LogV2> {
        let sk = ed25519_dalek::SigningKey::from_bytes(
            &<[u8; 32]>::try_from(super::random_bytes(32).as_slice())
                .map_err(|_| crate::Error::Io("random bytes".into()))?,
        );
        let raw = sk.verifying_key().to_bytes();
        let mut spki = vec![
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        spki.extend_from_slice(&raw);
        let origin = super::host_of(&url);
        let mut id_input = origin.as_bytes().to_vec();
        id_input.extend_from_slice(b"\n\x01");
        id_input.extend_from_slice(&raw);
        Ok(LogV2 {
            url,
            key: sk,
            spki,
            log_id: sha256(&id_input),
            origin,
            tree: Mutex::new(Tree::default()),
        })
    }

    fn checkpoint(&self, size: usize, root_hash: &Hash) -> String {
        let text = format!("{}\n{size}\n{}\n", self.origin, B64.encode(root_hash));
        let sig = self.key.sign(text.as_bytes());
        let mut raw = self.log_id[..4].to_vec();
        raw.extend_from_slice(&sig.to_bytes());
        format!("{text}\n\u{2014} {} {}\n", self.origin, B64.encode(raw))
    }

    fn canonicalize(req: &Value) -> Result<(Vec<u8>, &'static str), String> {
        if let Some(r) = req.get("hashedRekordRequestV002") {
            let digest = b64d("hashedRekordRequestV002.digest", &r["digest"])?;
            let sig = b64d(
                "hashedRekordRequestV002.signature.content",
                &r["signature"]["content"],
            )?;
            let (spki, _, h, verifier) = v2_verifier(&r["signature"]["verifier"])?;
            let d = Digest::new(h, digest)
                .map_err(|e| format!("hashedRekordRequestV002.digest: {e}"))?;
            verify_digest(&spki, &d, &sig)?;
            let body = json!({
                "apiVersion": "0.0.2", "kind": "hashedrekord",
                "spec": {"hashedRekordV002": {
                    "data": {"algorithm": proto_hash(h), "digest": B64.encode(d.as_bytes())},
                    "signature": {"content": B64.encode(&sig), "verifier": verifier},
                }},
            });
            Ok((body.to_string().into_bytes(), "hashedrekord"))
        } else if let Some(r) = req.get("dsseRequestV002") {
            let env = envelope(&r["envelope"])?;
            let verifiers = r["verifiers"]
                .as_array()
                .ok_or("dsseRequestV002.verifiers is missing")?
                .iter()
                .map(v2_verifier)
                .collect::<Result<Vec<_>, _>>()?;
            let keys: Vec<Vec<u8>> = verifiers.iter().map(|v| v.0.clone()).collect();
            let which = verify_envelope(&env, &keys)?;
            let signatures: Vec<Value> = env
                .sigs
                .iter()
                .zip(which)
                .map(|(s, k)| json!({"content": B64.encode(s), "verifier": verifiers[k].3}))
                .collect();
            let body = json!({
                "apiVersion": "0.0.2", "kind": "dsse",
                "spec": {"dsseV002": {
                    "payloadHash": {"algorithm": "SHA2_256", "digest": B64.encode(sha256(&env.payload))},
                    "signatures": signatures,
                }},
            });
            Ok((body.to_string().into_bytes(), "dsse"))
        } else {
            Err("expected hashedRekordRequestV002 or dsseRequestV002".into())
        }
    }

    pub fn handle(&self, req: &Request, faults: &Faults) -> Response {
        let Ok(mut tree) = self.tree.lock() else {
            return err(500, "the log is poisoned");
        };
        match (req.method.as_str(), req.path.as_str()) {
            ("POST", "/api/v2/log/entries") => {
                if faults.is_set(Fault::RekorError) {
                    return err(500, "the log is failing on purpose (Fault::RekorError)");
                }
                let Ok(r) = serde_json::from_slice::<Value>(&req.body) else {
                    return err(400, "the request body is not JSON");
                };
                let (body, kind) = match Self::canonicalize(&r) {
                    Ok(b) => b,
                    Err(e) => return err(400, e),
                };
                let leaf = leaf_hash(&body);
                let index = tree.leaves.len();
                tree.leaves.push(leaf);
                tree.entries.push(Entry {
                    body: body.clone(),
                    integrated_time: 0,
                    set: Vec::new(),
                    index_keys: Vec::new(),
                });
                let size = tree.leaves.len();
                let r = root(&tree.leaves);
                let hashes: Vec<String> = inclusion_path(index, &tree.leaves)
                    .iter()
                    .map(|h| B64.encode(h))
                    .collect();
                Response::json(
                    201,
                    &json!({
                        "logIndex": index.to_string(),
                        "logId": {"keyId": B64.encode(&self.log_id)},
                        "kindVersion": {"kind": kind, "version": "0.0.2"},
                        "inclusionProof": {
                            "logIndex": index.to_string(),
                            "rootHash": B64.encode(r),
                            "treeSize": size.to_string(),
                            "hashes": hashes,
                            "checkpoint": {"envelope": self.checkpoint(size, &r)},
                        },
                        "canonicalizedBody": B64.encode(&body),
                    }),
                )
            }
            ("GET", "/api/v2/checkpoint") | ("GET", "/checkpoint") => {
                let r = root(&tree.leaves);
                Response::bytes(
                    200,
                    "text/plain",
                    self.checkpoint(tree.leaves.len(), &r).into_bytes(),
                )
            }
            _ => Response::not_found(req),
        }
    }
}
