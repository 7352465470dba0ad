//! TUF metadata (TUF specification 1.0, §4): the signed envelope, the four
//! top-level roles and delegated targets, parsed from JSON into checked
//! types ("parse, don't validate"). Fields a type does not know are kept in
//! the signed bytes: a signature covers the canonical form of the whole
//! `signed` object as received (§4: "implementers who encounter undefined
//! attribute-value pairs … must include the data when … verifying
//! signatures"), so nothing is lost by parsing only the known fields.
//!
//! The shape checks follow what python-tuf's `tuf.api.metadata` refuses
//! (the reference the TUF conformance suite was written against): a
//! missing or mistyped field, a version below 1, an `expires` not of the
//! form `YYYY-MM-DDTHH:MM:SSZ`, a spec version of another major, a
//! signature listed twice for one key ID, duplicate key IDs in a role, a
//! threshold below 1, top-level roles other than exactly the four, empty
//! hash maps, a delegation with both or neither of `paths` and
//! `path_hash_prefixes`.

use super::canonical;
use crate::crypto::{CryptoBackend, HashAlgorithm, KeyKind, SignatureAlgorithm};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The top-level role names (§2.1).
pub const ROOT: &str = "root";
/// The timestamp role.
pub const TIMESTAMP: &str = "timestamp";
/// The snapshot role.
pub const SNAPSHOT: &str = "snapshot";
/// The top-level targets role.
pub const TARGETS: &str = "targets";
const TOP_LEVEL: [&str; 4] = [ROOT, TIMESTAMP, SNAPSHOT, TARGETS];

/// The major version of the specification this client implements (§4.3:
/// a client must refuse metadata of another major version).
const SPEC_MAJOR: &str = "1";

type Fields<'a> = &'a Map<String, Value>;

fn field<'a>(obj: Fields<'a>, name: &str) -> Result<&'a Value, String> {
    obj.get(name).ok_or_else(|| format!("{name:?} is missing"))
}

fn object<'a>(v: &'a Value, what: &str) -> Result<Fields<'a>, String> {
    v.as_object()
        .ok_or_else(|| format!("{what} is not an object"))
}

fn string<'a>(obj: Fields<'a>, name: &str) -> Result<&'a str, String> {
    field(obj, name)?
        .as_str()
        .ok_or_else(|| format!("{name:?} is not a string"))
}

fn boolean(obj: Fields<'_>, name: &str) -> Result<bool, String> {
    field(obj, name)?
        .as_bool()
        .ok_or_else(|| format!("{name:?} is not a boolean"))
}

fn natural(v: &Value, what: &str) -> Result<u64, String> {
    v.as_u64()
        .ok_or_else(|| format!("{what} is not a non-negative integer"))
}

fn positive(v: &Value, what: &str) -> Result<u64, String> {
    match natural(v, what)? {
        0 => Err(format!("{what} must be at least 1")),
        n => Ok(n),
    }
}

fn strings(v: &Value, what: &str) -> Result<Vec<String>, String> {
    v.as_array()
        .ok_or_else(|| format!("{what} is not a list"))?
        .iter()
        .map(|s| {
            s.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("{what} holds a non-string"))
        })
        .collect()
}

/// Parses `expires` (§4.2: "YYYY-MM-DDTHH:MM:SSZ") to Unix seconds.
pub(crate) fn parse_expires(s: &str) -> Result<i64, String> {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::PrimitiveDateTime::parse(s, &format)
        .map(|t| t.assume_utc().unix_timestamp())
        .map_err(|_| format!("expires {s:?} is not of the form YYYY-MM-DDTHH:MM:SSZ"))
}

/// Formats Unix seconds as `expires` is written (for messages).
pub fn format_expires(t: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| format!("{t} (Unix seconds)"))
}

/// Fields every role's `signed` object has (§4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Common {
    /// The metadata version, from 1.
    pub version: u64,
    /// Expiry, Unix seconds; the metadata is expired from that second on.
    pub expires: i64,
}

impl Common {
    fn parse(signed: Fields<'_>, expected_type: &str) -> Result<Common, String> {
        let kind = string(signed, "_type")?;
        if kind != expected_type {
            return Err(format!("expected _type {expected_type:?}, found {kind:?}"));
        }
        let spec = string(signed, "spec_version")?;
        let parts: Vec<&str> = spec.split('.').collect();
        if !(2..=3).contains(&parts.len())
            || !parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(format!(
                "spec_version {spec:?} is not of the form MAJOR.MINOR[.PATCH]"
            ));
        }
        if parts[0] != SPEC_MAJOR {
            return Err(format!(
                "spec_version {spec:?} is of another major version than {SPEC_MAJOR}"
            ));
        }
        Ok(Common {
            version: positive(field(signed, "version")?, "\"version\"")?,
            expires: parse_expires(string(signed, "expires")?)?,
        })
    }

    /// Whether the metadata has expired at `now` (§5.4.4 etc.: expired when
    /// the expiry is not in the future).
    pub fn is_expired(&self, now: i64) -> bool {
        now >= self.expires
    }
}

/// A public key (§4.2 KEY). Parsed only for shape: a key this client cannot
/// use (another type or scheme, a malformed key value) never verifies a
/// signature, so it can never count toward a threshold, but it does not
/// make the metadata that lists it invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// `keytype`, e.g. "ecdsa", "ed25519", "rsa".
    pub keytype: String,
    /// `scheme`, e.g. "ecdsa-sha2-nistp256".
    pub scheme: String,
    /// `keyval.public`, if present.
    pub public: Option<String>,
}

/// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4): the raw
/// 32-byte key follows.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

impl Key {
    fn parse(v: &Value) -> Result<Key, String> {
        let obj = object(v, "a key")?;
        let keyval = object(field(obj, "keyval")?, "\"keyval\"")?;
        Ok(Key {
            keytype: string(obj, "keytype")?.to_string(),
            scheme: string(obj, "scheme")?.to_string(),
            public: keyval
                .get("public")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }

    /// The key as DER SubjectPublicKeyInfo and the scheme it verifies with,
    /// for the key types and schemes the specification names (ECDSA P-256
    /// and P-384 with SHA-256/384, Ed25519, RSASSA-PSS and PKCS#1 v1.5 with
    /// SHA-256/384/512).
    pub fn verifier(&self) -> Result<(Vec<u8>, SignatureAlgorithm), String> {
        use HashAlgorithm::*;
        let public = self
            .public
            .as_deref()
            .ok_or("the key has no keyval.public")?;
        let ecdsa = ["ecdsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384"];
        let (algorithm, kind) = match (self.keytype.as_str(), self.scheme.as_str()) {
            (t, "ecdsa-sha2-nistp256") if ecdsa.contains(&t) => {
                (SignatureAlgorithm::Ecdsa(Sha256), Some(KeyKind::EcP256))
            }
            (t, "ecdsa-sha2-nistp384") if ecdsa.contains(&t) => {
                (SignatureAlgorithm::Ecdsa(Sha384), Some(KeyKind::EcP384))
            }
            ("ed25519", "ed25519") => {
                let raw =
                    hex::decode(public).map_err(|e| format!("ed25519 key is not hex: {e}"))?;
                if raw.len() != 32 {
                    return Err(format!("ed25519 key is {} bytes, expected 32", raw.len()));
                }
                let mut spki = ED25519_SPKI_PREFIX.to_vec();
                spki.extend_from_slice(&raw);
                return Ok((spki, SignatureAlgorithm::Ed25519));
            }
            ("rsa", "rsassa-pss-sha256") => {
                (SignatureAlgorithm::RsaPss(Sha256), Some(KeyKind::Rsa))
            }
            ("rsa", "rsassa-pss-sha384") => {
                (SignatureAlgorithm::RsaPss(Sha384), Some(KeyKind::Rsa))
            }
            ("rsa", "rsassa-pss-sha512") => {
                (SignatureAlgorithm::RsaPss(Sha512), Some(KeyKind::Rsa))
            }
            ("rsa", "rsa-pkcs1v15-sha256") => {
                (SignatureAlgorithm::RsaPkcs1(Sha256), Some(KeyKind::Rsa))
            }
            ("rsa", "rsa-pkcs1v15-sha384") => {
                (SignatureAlgorithm::RsaPkcs1(Sha384), Some(KeyKind::Rsa))
            }
            ("rsa", "rsa-pkcs1v15-sha512") => {
                (SignatureAlgorithm::RsaPkcs1(Sha512), Some(KeyKind::Rsa))
            }
            (t, s) => return Err(format!("unsupported key type and scheme {t}/{s}")),
        };
        let (_, pem) = x509_parser::pem::parse_x509_pem(public.as_bytes())
            .map_err(|e| format!("{} key is not PEM: {e}", self.keytype))?;
        if pem.label != "PUBLIC KEY" {
            return Err(format!("expected a PEM PUBLIC KEY, found {:?}", pem.label));
        }
        let found = crate::crypto::key_kind(&pem.contents).map_err(|e| e.to_string())?;
        if kind.is_some_and(|k| k != found) {
            return Err(format!(
                "scheme {} does not fit a {found:?} key",
                self.scheme
            ));
        }
        Ok((pem.contents, algorithm))
    }
}

fn parse_keys(v: &Value) -> Result<BTreeMap<String, Key>, String> {
    object(v, "\"keys\"")?
        .iter()
        .map(|(id, k)| {
            Ok((
                id.clone(),
                Key::parse(k).map_err(|e| format!("key {id}: {e}"))?,
            ))
        })
        .collect()
}

/// Who may sign for a role: key IDs and how many of them must (§4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleKeys {
    /// Key IDs, without duplicates.
    pub keyids: Vec<String>,
    /// Signatures needed, at least 1.
    pub threshold: u64,
}

impl RoleKeys {
    fn parse(obj: Fields<'_>, what: &str) -> Result<RoleKeys, String> {
        let keyids = strings(field(obj, "keyids")?, &format!("{what} keyids"))?;
        let unique: BTreeSet<&String> = keyids.iter().collect();
        if unique.len() != keyids.len() {
            return Err(format!("{what} lists a key ID twice"));
        }
        Ok(RoleKeys {
            keyids,
            threshold: positive(field(obj, "threshold")?, &format!("{what} threshold"))?,
        })
    }
}

/// The signed half of `root.json` (§4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    /// Version and expiry.
    pub common: Common,
    /// Whether files are published under version- and hash-prefixed names.
    pub consistent_snapshot: bool,
    /// Keys by key ID.
    pub keys: BTreeMap<String, Key>,
    /// The four top-level roles.
    pub roles: BTreeMap<String, RoleKeys>,
}

/// `snapshot.json`'s or a targets file's entry in timestamp or snapshot
/// metadata (§4.4 METAFILES).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaFile {
    /// The version the file must have.
    pub version: u64,
    /// Its length in bytes, if listed.
    pub length: Option<u64>,
    /// Its digests by algorithm name, if listed (never empty).
    pub hashes: Option<BTreeMap<String, String>>,
}

fn parse_hashes(v: &Value, what: &str) -> Result<BTreeMap<String, String>, String> {
    let map = object(v, what)?;
    if map.is_empty() {
        return Err(format!("{what} is empty"));
    }
    map.iter()
        .map(|(alg, h)| {
            let h = h
                .as_str()
                .ok_or_else(|| format!("{what} {alg:?} is not a string"))?;
            Ok((alg.clone(), h.to_string()))
        })
        .collect()
}

impl MetaFile {
    fn parse(v: &Value, name: &str) -> Result<MetaFile, String> {
        let obj = object(v, name)?;
        Ok(MetaFile {
            version: positive(field(obj, "version")?, &format!("{name} version"))?,
            length: obj
                .get("length")
                .map(|l| natural(l, &format!("{name} length")))
                .transpose()?,
            hashes: obj
                .get("hashes")
                .map(|h| parse_hashes(h, &format!("{name} hashes")))
                .transpose()?,
        })
    }
}

/// The signed half of `timestamp.json` (§4.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timestamp {
    /// Version and expiry.
    pub common: Common,
    /// The snapshot it vouches for.
    pub snapshot: MetaFile,
}

/// The signed half of `snapshot.json` (§4.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Version and expiry.
    pub common: Common,
    /// Targets metadata files (`targets.json`, `<role>.json`) by file name.
    pub meta: BTreeMap<String, MetaFile>,
}

/// A target file's entry (§4.4 TARGETS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetFile {
    /// Its length in bytes.
    pub length: u64,
    /// Its digests by algorithm name (never empty); all must match.
    pub hashes: BTreeMap<String, String>,
}

/// How a delegation selects target paths (§4.5 DELEGATIONS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSet {
    /// Shell-style patterns, matched per `/`-separated component.
    Paths(Vec<String>),
    /// Lowercase hex prefixes of the SHA-256 of the target path.
    HashPrefixes(Vec<String>),
}

/// A delegated role (§4.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelegatedRole {
    /// Its name, which names its metadata file.
    pub name: String,
    /// Who signs it.
    pub keys: RoleKeys,
    /// Whether the search stops here for paths it matches.
    pub terminating: bool,
    /// The target paths it is trusted for.
    pub paths: PathSet,
}

/// Hash-bin delegations (TAP 15): `2^bit_length` roles named
/// `<name_prefix>-<bin in hex>`, each trusted for the targets whose path
/// hash falls in its bin, all signed by the same keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuccinctRoles {
    /// Who signs every bin.
    pub keys: RoleKeys,
    /// Bits of the path hash that pick the bin, 1 to 32.
    pub bit_length: u32,
    /// The bins' name prefix.
    pub name_prefix: String,
}

/// The roles a targets role delegates to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DelegatedRoles {
    /// Named roles, in the order they are searched.
    Roles(Vec<DelegatedRole>),
    /// Hash bins.
    Succinct(SuccinctRoles),
}

/// A targets role's `delegations` (§4.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegations {
    /// Keys by key ID.
    pub keys: BTreeMap<String, Key>,
    /// The delegated roles.
    pub roles: DelegatedRoles,
}

/// The signed half of `targets.json` or a delegated role's file (§4.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    /// Version and expiry.
    pub common: Common,
    /// Target files by path.
    pub targets: BTreeMap<String, TargetFile>,
    /// Further delegations, if any.
    pub delegations: Option<Delegations>,
}

/// A role's signed content type.
pub trait Signed: Sized {
    /// Its `_type`.
    const TYPE: &'static str;
    /// Parses the `signed` object.
    fn parse(signed: Fields<'_>) -> Result<Self, String>;
    /// Version and expiry.
    fn common(&self) -> &Common;
}

impl Signed for Root {
    const TYPE: &'static str = ROOT;
    fn parse(signed: Fields<'_>) -> Result<Root, String> {
        let common = Common::parse(signed, ROOT)?;
        let consistent_snapshot = match signed.get("consistent_snapshot") {
            None => false,
            Some(v) => v
                .as_bool()
                .ok_or("\"consistent_snapshot\" is not a boolean")?,
        };
        let roles_obj = object(field(signed, "roles")?, "\"roles\"")?;
        let mut roles = BTreeMap::new();
        for (name, r) in roles_obj {
            if !TOP_LEVEL.contains(&name.as_str()) {
                return Err(format!("roles lists {name:?}, not a top-level role"));
            }
            roles.insert(name.clone(), RoleKeys::parse(object(r, name)?, name)?);
        }
        if roles.len() != TOP_LEVEL.len() {
            return Err("roles must list root, timestamp, snapshot and targets".into());
        }
        Ok(Root {
            common,
            consistent_snapshot,
            keys: parse_keys(field(signed, "keys")?)?,
            roles,
        })
    }
    fn common(&self) -> &Common {
        &self.common
    }
}

impl Signed for Timestamp {
    const TYPE: &'static str = TIMESTAMP;
    fn parse(signed: Fields<'_>) -> Result<Timestamp, String> {
        let common = Common::parse(signed, TIMESTAMP)?;
        let meta = object(field(signed, "meta")?, "\"meta\"")?;
        let snapshot = MetaFile::parse(field(meta, "snapshot.json")?, "snapshot.json")?;
        Ok(Timestamp { common, snapshot })
    }
    fn common(&self) -> &Common {
        &self.common
    }
}

impl Signed for Snapshot {
    const TYPE: &'static str = SNAPSHOT;
    fn parse(signed: Fields<'_>) -> Result<Snapshot, String> {
        let common = Common::parse(signed, SNAPSHOT)?;
        let meta = object(field(signed, "meta")?, "\"meta\"")?
            .iter()
            .map(|(name, m)| Ok((name.clone(), MetaFile::parse(m, name)?)))
            .collect::<Result<_, String>>()?;
        Ok(Snapshot { common, meta })
    }
    fn common(&self) -> &Common {
        &self.common
    }
}

impl DelegatedRole {
    fn parse(v: &Value) -> Result<DelegatedRole, String> {
        let obj = object(v, "a delegated role")?;
        let name = string(obj, "name")?.to_string();
        if name.is_empty() || TOP_LEVEL.contains(&name.as_str()) {
            return Err(format!(
                "delegated role name {name:?} is empty or a top-level role"
            ));
        }
        let paths = match (obj.get("paths"), obj.get("path_hash_prefixes")) {
            (Some(p), None) => PathSet::Paths(strings(p, "paths")?),
            (None, Some(p)) => PathSet::HashPrefixes(strings(p, "path_hash_prefixes")?),
            _ => {
                return Err(format!(
                    "delegated role {name:?} must have exactly one of paths and path_hash_prefixes"
                ))
            }
        };
        Ok(DelegatedRole {
            keys: RoleKeys::parse(obj, &name)?,
            terminating: boolean(obj, "terminating")?,
            paths,
            name,
        })
    }
}

impl Delegations {
    fn parse(v: &Value) -> Result<Delegations, String> {
        let obj = object(v, "\"delegations\"")?;
        let keys = parse_keys(field(obj, "keys")?)?;
        let roles = match (obj.get("roles"), obj.get("succinct_roles")) {
            (Some(list), None) => {
                let roles = list
                    .as_array()
                    .ok_or("delegations roles is not a list")?
                    .iter()
                    .map(DelegatedRole::parse)
                    .collect::<Result<Vec<_>, _>>()?;
                let names: BTreeSet<&str> = roles.iter().map(|r| r.name.as_str()).collect();
                if names.len() != roles.len() {
                    return Err("delegations list a role name twice".into());
                }
                DelegatedRoles::Roles(roles)
            }
            (None, Some(s)) => {
                let s = object(s, "succinct_roles")?;
                let bits = positive(field(s, "bit_length")?, "bit_length")?;
                let bit_length = u32::try_from(bits)
                    .ok()
                    .filter(|b| *b <= 32)
                    .ok_or("bit_length must be between 1 and 32")?;
                DelegatedRoles::Succinct(SuccinctRoles {
                    keys: RoleKeys::parse(s, "succinct_roles")?,
                    bit_length,
                    name_prefix: string(s, "name_prefix")?.to_string(),
                })
            }
            _ => {
                return Err("delegations must have exactly one of roles and succinct_roles".into())
            }
        };
        Ok(Delegations { keys, roles })
    }
}

impl Signed for Targets {
    const TYPE: &'static str = TARGETS;
    fn parse(signed: Fields<'_>) -> Result<Targets, String> {
        let common = Common::parse(signed, TARGETS)?;
        let targets = object(field(signed, "targets")?, "\"targets\"")?
            .iter()
            .map(|(path, t)| {
                let obj = object(t, path)?;
                Ok((
                    path.clone(),
                    TargetFile {
                        length: natural(field(obj, "length")?, &format!("{path} length"))?,
                        hashes: parse_hashes(field(obj, "hashes")?, &format!("{path} hashes"))?,
                    },
                ))
            })
            .collect::<Result<_, String>>()?;
        let delegations = signed
            .get("delegations")
            .map(Delegations::parse)
            .transpose()?;
        Ok(Targets {
            common,
            targets,
            delegations,
        })
    }
    fn common(&self) -> &Common {
        &self.common
    }
}

/// A metadata file as received: the typed signed content, the canonical
/// bytes its signatures cover, and the signatures by key ID.
#[derive(Debug, Clone)]
pub struct Metadata<T> {
    /// The signed content.
    pub signed: T,
    canonical: Vec<u8>,
    signatures: BTreeMap<String, String>,
}

impl<T: Signed> Metadata<T> {
    /// Parses a metadata file (§4.2: `{"signed": …, "signatures": […]}`).
    pub fn from_bytes(data: &[u8]) -> Result<Metadata<T>, String> {
        let v: Value = serde_json::from_slice(data).map_err(|e| format!("not JSON: {e}"))?;
        let obj = object(&v, "the metadata")?;
        let signed_value = field(obj, "signed")?;
        let signed = T::parse(object(signed_value, "\"signed\"")?)?;
        let canonical = canonical::encode(signed_value)?;
        let mut signatures = BTreeMap::new();
        for s in field(obj, "signatures")?
            .as_array()
            .ok_or("\"signatures\" is not a list")?
        {
            let s = object(s, "a signature")?;
            let keyid = string(s, "keyid")?;
            let sig = string(s, "sig")?;
            if signatures
                .insert(keyid.to_string(), sig.to_string())
                .is_some()
            {
                return Err(format!("key {keyid} has more than one signature"));
            }
        }
        Ok(Metadata {
            signed,
            canonical,
            signatures,
        })
    }

    /// Checks that a threshold of `role`'s keys (from `keys`) signed this
    /// metadata. Each distinct public key counts once, however many key IDs
    /// name it. On failure says how many of how many verified.
    pub fn verify_by(
        &self,
        crypto: &dyn CryptoBackend,
        keys: &BTreeMap<String, Key>,
        role: &RoleKeys,
    ) -> Result<(), String> {
        let mut counted: BTreeSet<(&str, &str, Option<&str>)> = BTreeSet::new();
        for keyid in &role.keyids {
            let (Some(key), Some(sig)) = (keys.get(keyid), self.signatures.get(keyid)) else {
                continue;
            };
            let Ok((spki, algorithm)) = key.verifier() else {
                continue;
            };
            let Ok(sig) = hex::decode(sig) else {
                continue;
            };
            if crypto
                .verify(&spki, algorithm, &self.canonical, &sig)
                .is_ok()
            {
                counted.insert((&key.keytype, &key.scheme, key.public.as_deref()));
            }
        }
        let got = counted.len() as u64;
        if got >= role.threshold {
            Ok(())
        } else {
            Err(format!(
                "{got} valid signature(s) from its {} key(s), threshold {}",
                role.keyids.len(),
                role.threshold
            ))
        }
    }
}

/// One element of a shell-style pattern.
enum Token {
    /// `*`: any run of characters.
    Star,
    /// `?`: one character.
    Any,
    /// `[…]` or `[!…]`: one character in (or, negated, not in) the set,
    /// given as inclusive ranges.
    Class(bool, Vec<(char, char)>),
    /// Itself.
    Literal(char),
}

fn tokens(pattern: &[char]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = pattern.get(i) {
        i += 1;
        out.push(match c {
            '*' => Token::Star,
            '?' => Token::Any,
            '[' => match class(&pattern[i..]) {
                Some((token, used)) => {
                    i += used;
                    token
                }
                // No closing bracket: `[` is literal, as in fnmatch.
                None => Token::Literal('['),
            },
            c => Token::Literal(c),
        });
    }
    out
}

/// Parses a class whose text follows `[`: the token and how many
/// characters it used (through `]`), or `None` if it is unclosed. A `]`
/// first in the class is a member, as in fnmatch.
fn class(pattern: &[char]) -> Option<(Token, usize)> {
    let (negate, mut i) = match pattern.first() {
        Some('!') => (true, 1),
        _ => (false, 0),
    };
    let start = i;
    let mut ranges = Vec::new();
    loop {
        let &c = pattern.get(i)?;
        if c == ']' && i > start {
            return Some((Token::Class(negate, ranges), i + 1));
        }
        match (pattern.get(i + 1), pattern.get(i + 2)) {
            (Some('-'), Some(&hi)) if hi != ']' => {
                ranges.push((c, hi));
                i += 3;
            }
            _ => {
                ranges.push((c, c));
                i += 1;
            }
        }
    }
}

impl Token {
    fn matches(&self, c: char) -> bool {
        match self {
            Token::Star | Token::Any => true,
            Token::Literal(l) => *l == c,
            Token::Class(negate, ranges) => {
                ranges.iter().any(|(lo, hi)| *lo <= c && c <= *hi) != *negate
            }
        }
    }
}

/// Shell-style matching of one path component, as Python's `fnmatch`
/// (what python-tuf and go-tuf use for delegation `paths`): `*` any run,
/// `?` one character, `[…]`/`[!…]` a class with ranges. Hand-written: glob
/// crates treat `/` and classes differently, and the semantics must be
/// exactly these. Greedy with one backtrack point, so O(name × pattern)
/// even for hostile patterns.
fn fnmatch(name: &[char], pattern: &[char]) -> bool {
    let toks = tokens(pattern);
    let (mut n, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = name.get(n) {
        match toks.get(p) {
            Some(Token::Star) => {
                star = Some((p, n));
                p += 1;
            }
            Some(t) if t.matches(c) => {
                n += 1;
                p += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    toks[p.min(toks.len())..]
        .iter()
        .all(|t| matches!(t, Token::Star))
}

/// Whether `target` matches `pattern` component by component (python-tuf
/// `_is_target_in_pathpattern`): the same number of `/`-separated parts,
/// each matching with [`fnmatch`].
fn path_matches(target: &str, pattern: &str) -> bool {
    let t: Vec<&str> = target.split('/').collect();
    let p: Vec<&str> = pattern.split('/').collect();
    t.len() == p.len()
        && t.iter().zip(&p).all(|(t, p)| {
            let t: Vec<char> = t.chars().collect();
            let p: Vec<char> = p.chars().collect();
            fnmatch(&t, &p)
        })
}

impl DelegatedRole {
    /// Whether this role is trusted for `target`.
    pub fn is_trusted_for(&self, target: &str, crypto: &dyn CryptoBackend) -> bool {
        match &self.paths {
            PathSet::Paths(patterns) => patterns.iter().any(|p| path_matches(target, p)),
            PathSet::HashPrefixes(prefixes) => {
                let h = crypto
                    .digest(HashAlgorithm::Sha256, target.as_bytes())
                    .to_hex();
                prefixes.iter().any(|p| h.starts_with(p.as_str()))
            }
        }
    }
}

impl SuccinctRoles {
    /// The bin role trusted for `target` (TAP 15): the first `bit_length`
    /// bits of SHA-256(target), as a zero-padded lowercase hex suffix as
    /// long as the largest bin number's.
    pub fn role_for(&self, target: &str, crypto: &dyn CryptoBackend) -> String {
        let h = crypto.digest(HashAlgorithm::Sha256, target.as_bytes());
        let b = h.as_bytes();
        let first = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        let bin = if self.bit_length == 32 {
            first
        } else {
            first >> (32 - self.bit_length)
        };
        let max = if self.bit_length == 32 {
            u32::MAX
        } else {
            (1u32 << self.bit_length) - 1
        };
        let width = format!("{max:x}").len();
        format!("{}-{bin:0width$x}", self.name_prefix)
    }
}

impl Delegations {
    /// The roles to search for `target`, in order, each with whether the
    /// search stops after it (python-tuf `get_roles_for_target`).
    pub fn roles_for(&self, target: &str, crypto: &dyn CryptoBackend) -> Vec<(String, bool)> {
        match &self.roles {
            DelegatedRoles::Roles(roles) => roles
                .iter()
                .filter(|r| r.is_trusted_for(target, crypto))
                .map(|r| (r.name.clone(), r.terminating))
                .collect(),
            DelegatedRoles::Succinct(s) => vec![(s.role_for(target, crypto), true)],
        }
    }

    /// The keys a delegated role `name` is signed by, if this delegates it.
    pub fn role_keys(&self, name: &str) -> Option<&RoleKeys> {
        match &self.roles {
            DelegatedRoles::Roles(roles) => roles.iter().find(|r| r.name == name).map(|r| &r.keys),
            DelegatedRoles::Succinct(s) => {
                let suffix = name
                    .strip_prefix(s.name_prefix.as_str())?
                    .strip_prefix('-')?;
                let bin = u64::from_str_radix(suffix, 16).ok()?;
                let width = format!("{:x}", (1u64 << s.bit_length) - 1).len();
                (suffix.len() == width
                    && suffix
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                    && bin < (1u64 << s.bit_length))
                    .then_some(&s.keys)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{fnmatch, path_matches};

    fn m(name: &str, pattern: &str) -> bool {
        let n: Vec<char> = name.chars().collect();
        let p: Vec<char> = pattern.chars().collect();
        fnmatch(&n, &p)
    }

    #[test]
    fn fnmatch_as_python() {
        // Each line checked against Python's fnmatch.fnmatchcase.
        assert!(m("foo-1.tgz", "foo-?.tgz"));
        assert!(!m("foo-12.tgz", "foo-?.tgz"));
        assert!(m("README.md", "*.md"));
        assert!(m("", "*"));
        assert!(!m("a", ""));
        assert!(m("b", "[abc]"));
        assert!(!m("b", "[!abc]"));
        assert!(m("q", "[a-z]"));
        assert!(m("]", "[]]"));
        assert!(m("[x", "[x"));
        assert!(m("a-", "a[-]"));
        assert!(m("abcabcabd", "*abd"));
        assert!(!m(&"a".repeat(60), &format!("{}b", "*a".repeat(30))));
    }

    #[test]
    fn paths_match_per_component() {
        assert!(path_matches("releases/x/a.zip", "releases/*/*"));
        assert!(!path_matches("releases/a.zip", "releases/*/*"));
        assert!(!path_matches("a/b.doc", "*.doc"));
        assert!(path_matches("targetfile", "*"));
    }
}
