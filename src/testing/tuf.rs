//! A TUF repository for tests (TUF specification 1.0, §4): the top-level
//! roles, each with its own fresh P-256 key, consistent snapshots (as
//! Sigstore's repositories have), and target files, published as the files
//! a TUF HTTP repository serves (`metadata/1.root.json`,
//! `metadata/timestamp.json`, `metadata/<v>.snapshot.json`, …,
//! `targets/<sha256>.<name>`). Helpers rotate keys, expire metadata and
//! serve old versions, to exercise a client's refusals.
//!
//! It is also a [`Fetcher`], answering URLs under any base as a repository
//! laid out like Sigstore's (metadata at the base, targets below
//! `targets/`), for tests that need no sockets.

use crate::crypto::{CryptoBackend, HashAlgorithm, SigningKey};
use crate::tuf::canonical;
use crate::tuf::metadata::{ROOT, SNAPSHOT, TARGETS, TIMESTAMP};
use crate::tuf::updater::Fetcher;
use crate::tuf::FetchError;
use crate::{Error, Result};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::Mutex;

const ROLES: [&str; 4] = [ROOT, TIMESTAMP, SNAPSHOT, TARGETS];
/// How long fresh metadata stays valid.
const LIFETIME: i64 = 7 * 24 * 3600;

fn sign_err(e: impl std::fmt::Display) -> Error {
    Error::Signing(format!("test TUF repository: {e}"))
}

/// One signing key and its TUF key ID and key object.
struct RoleKey {
    signer: Box<dyn SigningKey>,
    keyid: String,
    key: Value,
}

impl RoleKey {
    fn new(crypto: &dyn CryptoBackend) -> Result<RoleKey> {
        let signer = crypto.generate_p256().map_err(sign_err)?;
        let pem = crate::sign::services::pem("PUBLIC KEY", signer.public_key_spki());
        let key =
            json!({"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256", "keyval": {"public": pem}});
        // The key ID is the SHA-256 of the key's canonical form (§4.2).
        let canon = canonical::encode(&key).map_err(sign_err)?;
        let keyid = crypto.digest(HashAlgorithm::Sha256, &canon).to_hex();
        Ok(RoleKey { signer, keyid, key })
    }
}

struct State {
    keys: BTreeMap<&'static str, RoleKey>,
    /// Retired root keys that must still sign the next root (§5.3.4).
    previous_root_key: Option<RoleKey>,
    versions: BTreeMap<&'static str, u64>,
    targets: BTreeMap<String, Vec<u8>>,
    files: BTreeMap<String, Vec<u8>>,
    /// Every timestamp published, oldest first.
    timestamps: Vec<Vec<u8>>,
    now: i64,
}

/// An in-memory TUF repository. Thread-safe, so a server can share it.
pub struct TufRepository {
    crypto: &'static dyn CryptoBackend,
    state: Mutex<State>,
}

impl std::fmt::Debug for TufRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TufRepository").finish_non_exhaustive()
    }
}

impl State {
    fn sign(&self, signed: Value, by: &[&RoleKey]) -> Result<Vec<u8>> {
        let canon = canonical::encode(&signed).map_err(sign_err)?;
        let mut signatures = Vec::new();
        for k in by {
            let sig = k.signer.sign(&canon).map_err(sign_err)?;
            signatures.push(json!({"keyid": k.keyid, "sig": hex::encode(sig)}));
        }
        serde_json::to_vec_pretty(&json!({"signed": signed, "signatures": signatures}))
            .map_err(sign_err)
    }

    fn key(&self, role: &str) -> Result<&RoleKey> {
        self.keys
            .get(role)
            .ok_or_else(|| sign_err(format!("no key for {role}")))
    }

    fn common(&self, role: &'static str, lifetime: i64) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("_type".into(), json!(role));
        m.insert("spec_version".into(), json!("1.0.31"));
        m.insert(
            "version".into(),
            json!(self.versions.get(role).copied().unwrap_or(1)),
        );
        m.insert(
            "expires".into(),
            json!(crate::tuf::metadata::format_expires(self.now + lifetime)),
        );
        m
    }

    fn publish_root(&mut self) -> Result<()> {
        let mut signed = self.common(ROOT, LIFETIME);
        let mut keys = Map::new();
        let mut roles = Map::new();
        for role in ROLES {
            let k = self.key(role)?;
            keys.insert(k.keyid.clone(), k.key.clone());
            roles.insert(role.into(), json!({"keyids": [k.keyid], "threshold": 1}));
        }
        signed.insert("consistent_snapshot".into(), json!(true));
        signed.insert("keys".into(), Value::Object(keys));
        signed.insert("roles".into(), Value::Object(roles));
        let mut by = vec![self.key(ROOT)?];
        if let Some(old) = &self.previous_root_key {
            by.push(old);
        }
        let data = self.sign(Value::Object(signed), &by)?;
        let v = self.versions.get(ROOT).copied().unwrap_or(1);
        self.files.insert(format!("metadata/{v}.root.json"), data);
        Ok(())
    }

    /// Publishes targets, snapshot and timestamp, each a version up, with
    /// `lifetimes` overriding a role's validity.
    fn publish_top(&mut self, lifetimes: &BTreeMap<&str, i64>) -> Result<()> {
        let life = |r: &str| lifetimes.get(r).copied().unwrap_or(LIFETIME);
        for role in [TARGETS, SNAPSHOT, TIMESTAMP] {
            *self.versions.entry(role).or_insert(0) += 1;
        }
        let mut targets = Map::new();
        for (name, data) in &self.targets {
            let h = crate::crypto::default_backend().digest(HashAlgorithm::Sha256, data);
            targets.insert(
                name.clone(),
                json!({"length": data.len(), "hashes": {"sha256": h.to_hex()}}),
            );
            let (dir, base) = match name.rsplit_once('/') {
                Some((d, b)) => (format!("{d}/"), b),
                None => (String::new(), name.as_str()),
            };
            self.files
                .insert(format!("targets/{dir}{}.{base}", h.to_hex()), data.clone());
        }
        let mut signed = self.common(TARGETS, life(TARGETS));
        signed.insert("targets".into(), Value::Object(targets));
        let data = self.sign(Value::Object(signed), &[self.key(TARGETS)?])?;
        let tv = self.versions[TARGETS];
        self.files
            .insert(format!("metadata/{tv}.targets.json"), data);

        let mut signed = self.common(SNAPSHOT, life(SNAPSHOT));
        signed.insert("meta".into(), json!({"targets.json": {"version": tv}}));
        let data = self.sign(Value::Object(signed), &[self.key(SNAPSHOT)?])?;
        let sv = self.versions[SNAPSHOT];
        let h = crate::crypto::default_backend().digest(HashAlgorithm::Sha256, &data);
        let len = data.len();
        self.files
            .insert(format!("metadata/{sv}.snapshot.json"), data);

        let mut signed = self.common(TIMESTAMP, life(TIMESTAMP));
        signed.insert(
            "meta".into(),
            json!({"snapshot.json": {"version": sv, "length": len, "hashes": {"sha256": h.to_hex()}}}),
        );
        let data = self.sign(Value::Object(signed), &[self.key(TIMESTAMP)?])?;
        self.timestamps.push(data.clone());
        self.files.insert("metadata/timestamp.json".into(), data);
        Ok(())
    }
}

impl TufRepository {
    /// A repository at version 1 of every role, holding `targets`.
    pub fn new(targets: &[(&str, &[u8])]) -> Result<TufRepository> {
        let crypto = crate::crypto::default_backend();
        let mut keys = BTreeMap::new();
        for role in ROLES {
            keys.insert(role, RoleKey::new(crypto)?);
        }
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut state = State {
            keys,
            previous_root_key: None,
            versions: BTreeMap::from([(ROOT, 1)]),
            targets: targets
                .iter()
                .map(|(n, d)| (n.to_string(), d.to_vec()))
                .collect(),
            files: BTreeMap::new(),
            timestamps: Vec::new(),
            now,
        };
        state.publish_root()?;
        state.publish_top(&BTreeMap::new())?;
        Ok(TufRepository {
            crypto,
            state: Mutex::new(state),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> Result<T>) -> Result<T> {
        let mut s = self
            .state
            .lock()
            .map_err(|_| sign_err("repository lock poisoned"))?;
        f(&mut s)
    }

    /// `root.json` version `version` as published (version 1 is what a
    /// client starts from).
    pub fn root(&self, version: u64) -> Result<Vec<u8>> {
        self.with(|s| {
            s.files
                .get(&format!("metadata/{version}.root.json"))
                .cloned()
                .ok_or_else(|| sign_err(format!("no root version {version}")))
        })
    }

    /// A published file by its path (`metadata/…` or `targets/…`).
    pub fn file(&self, path: &str) -> Option<Vec<u8>> {
        self.with(|s| Ok(s.files.get(path).cloned())).ok().flatten()
    }

    /// Sets (or adds) a target and publishes new targets, snapshot and
    /// timestamp versions.
    pub fn set_target(&self, name: &str, data: &[u8]) -> Result<()> {
        self.with(|s| {
            s.targets.insert(name.to_string(), data.to_vec());
            s.publish_top(&BTreeMap::new())
        })
    }

    /// Publishes new versions of targets, snapshot and timestamp.
    pub fn publish(&self) -> Result<()> {
        self.with(|s| s.publish_top(&BTreeMap::new()))
    }

    /// Gives `role` a new key and publishes the next root (signed by the old
    /// and the new root key when `role` is root), then new top-level
    /// metadata signed with the new keys.
    pub fn rotate(&self, role: &str) -> Result<()> {
        let role = ROLES
            .into_iter()
            .find(|r| *r == role)
            .ok_or_else(|| sign_err(format!("{role} is not a top-level role")))?;
        self.with(|s| {
            let new = RoleKey::new(self.crypto)?;
            let old = s.keys.insert(role, new);
            s.previous_root_key = if role == ROOT { old } else { None };
            *s.versions.entry(ROOT).or_insert(1) += 1;
            s.publish_root()?;
            s.previous_root_key = None;
            s.publish_top(&BTreeMap::new())
        })
    }

    /// Publishes new top-level metadata in which `role` (timestamp,
    /// snapshot or targets) has already expired.
    pub fn expire(&self, role: &str) -> Result<()> {
        self.with(|s| s.publish_top(&BTreeMap::from([(role, -3600)])))
    }

    /// Serves the previous timestamp again (a rollback attack).
    pub fn roll_back_timestamp(&self) -> Result<()> {
        self.with(|s| {
            let n = s.timestamps.len();
            let old = s
                .timestamps
                .get(n.wrapping_sub(2))
                .cloned()
                .ok_or_else(|| sign_err("no earlier timestamp"))?;
            s.files.insert("metadata/timestamp.json".into(), old);
            Ok(())
        })
    }

    /// Replaces a published file's bytes (tampering, truncation).
    pub fn tamper(&self, path: &str, data: &[u8]) -> Result<()> {
        self.with(|s| {
            s.files.insert(path.to_string(), data.to_vec());
            Ok(())
        })
    }
}

impl TufRepository {
    /// Serves the repository over HTTP (`GET` only), laid out as the
    /// [`Fetcher`] below reads it.
    pub(crate) fn handle(&self, r: &super::http::Request) -> super::http::Response {
        use super::http::Response;
        if r.method != "GET" {
            return Response::error(405, "the TUF repository is read-only");
        }
        let path = r.path.trim_start_matches('/');
        let file = match path.strip_prefix("targets/") {
            Some(_) => path.to_string(),
            None => format!("metadata/{path}"),
        };
        match self.file(&file) {
            Some(data) => Response::bytes(200, "application/octet-stream", data),
            None => Response::not_found(r),
        }
    }
}

/// Answers as Sigstore's TUF repositories are laid out: metadata files at
/// `<base>/<file>`, targets at `<base>/targets/<path>`.
impl Fetcher for TufRepository {
    fn fetch(&self, url: &str, max_length: u64) -> std::result::Result<Vec<u8>, FetchError> {
        let path = match url.rfind("/targets/") {
            Some(i) => url[i + 1..].to_string(),
            None => format!("metadata/{}", url.rsplit('/').next().unwrap_or_default()),
        };
        let data = self.file(&path).ok_or(FetchError::Status(404))?;
        if data.len() as u64 > max_length {
            return Err(FetchError::TooLong(max_length));
        }
        Ok(data)
    }
}
