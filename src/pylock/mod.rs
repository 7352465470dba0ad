//! PEP 751 lock files (`pylock.toml`): the packages and files a lock names,
//! their hashes, and the Trusted Publishers each package is pinned to
//! (`[[packages.attestation-identities]]`), checked against the PEP 740
//! provenance an index serves.
//!
//! A lock is parsed with the `toml` crate into [`Lock`] ([`Lock::from_toml`]),
//! which keeps only what verification needs and refuses what it cannot
//! trust (no `lock-version` 1.x, a package without a name, a file without a
//! SHA-256, a file name that is no wheel or sdist, an identity of an unknown
//! kind). Pins are written back with `toml_edit` ([`with_pins`]): only the
//! `attestation-identities` of the packages pinned change; comments, key
//! order and formatting elsewhere stay as the locker wrote them.
//!
//! An identity is the publisher object of a provenance object, as
//! pylock-attestations writes it (`kind` and the publisher's own keys,
//! absent keys left out):
//!
//! ```toml
//! [[packages.attestation-identities]]
//! kind = "GitHub"
//! repository = "python-attrs/attrs"
//! workflow = "pypi-package.yml"
//! environment = "release-pypi"
//! ```
//!
//! [`verify_lock`] (`sigstore-rs pylock verify`) checks every file the lock
//! names through the index client ([`crate::index`]): the file's hash from
//! the lock, its provenance, its publisher against the pins ([`check`]).
//! [`pin_lock`] (`sigstore-rs pylock pin`) does the same and pins each
//! unpinned package to the publishers its files verified with (trust on
//! first use, which the caller must ask for); [`pin_file`] writes the lock
//! back atomically, or not at all. Packages without pins are reported,
//! not refused, unless the caller requires pins ([`Finding::is_failure`]):
//! a lock from before this tool, or a package whose index serves no
//! provenance, still verifies its hashes, and the report says which
//! packages nothing ties to a publisher.
//!
//! ```
//! use sigstore_rs::pylock::Lock;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let lock = Lock::from_toml(r#"
//! lock-version = "1.0"
//! created-by = "pip"
//!
//! [[packages]]
//! name = "attrs"
//! version = "25.1.0"
//! wheels = [{ url = "https://files.pythonhosted.org/packages/fc/30/d4986a882011f9df997a55e6becd864812ccfcd821d64aac8570ee39f719/attrs-25.1.0-py3-none-any.whl", hashes = { sha256 = "c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a" } }]
//!
//! [[packages.attestation-identities]]
//! kind = "GitHub"
//! repository = "python-attrs/attrs"
//! workflow = "pypi-package.yml"
//! "#)?;
//! let attrs = &lock.packages[0];
//! assert_eq!(attrs.files[0].name, "attrs-25.1.0-py3-none-any.whl");
//! assert_eq!(attrs.identities[0].kind(), "GitHub");
//! # Ok(()) }
//! ```

pub mod check;
mod edit;
pub mod run;

pub use check::{check_file, judge, Finding, FindingKind};
pub use edit::with_pins;
pub use run::{pin_file, pin_lock, verify_file, verify_lock, Options, Pin, PinOutcome, Report};

use crate::error::{Error, Result};
use crate::pep740::{DistName, Distribution, Publisher};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The lock format versions this module reads: PEP 751 says an installer
/// MUST refuse a major version it does not support, and SHOULD warn about a
/// newer minor one (read here as 1.x, whose additions it ignores).
pub const LOCK_MAJOR_VERSION: u32 = 1;

/// A parsed lock file: what verification needs of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Lock {
    /// `lock-version`, as written.
    pub lock_version: String,
    /// `created-by`, if present (pip and uv write it).
    pub created_by: Option<String>,
    /// `[[packages]]`, in the lock's order (pins are written back by index).
    pub packages: Vec<Package>,
}

/// One `[[packages]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    /// `name`, as written.
    pub name: String,
    /// `version`, if present.
    pub version: Option<String>,
    /// `index`: the simple API the files came from, if the lock says (uv
    /// export writes it, pip lock does not).
    pub index: Option<String>,
    /// Where the package comes from.
    pub source: Source,
    /// The sdist and wheels, for a package from an index ([`Source::Index`]);
    /// empty otherwise.
    pub files: Vec<LockedFile>,
    /// `[[packages.attestation-identities]]`: the publishers the package is
    /// pinned to. Empty when the lock pins none.
    pub identities: Vec<Publisher>,
}

/// Where a package's code comes from (PEP 751: exactly one of these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `sdist` and/or `wheels`: files from a package index, which may serve
    /// provenance for them.
    Index,
    /// `vcs`: a repository checkout; no index serves provenance for it.
    Vcs,
    /// `directory`: a local source tree.
    Directory,
    /// `archive`: an archive file by URL or path, not from an index.
    Archive,
}

impl Source {
    /// The lock key that names this source.
    pub fn key(self) -> &'static str {
        match self {
            Source::Index => "sdist/wheels",
            Source::Vcs => "vcs",
            Source::Directory => "directory",
            Source::Archive => "archive",
        }
    }
}

/// An sdist or wheel the lock names.
#[derive(Debug, Clone, PartialEq)]
pub struct LockedFile {
    /// The file name: `name`, else the last segment of `url` or `path`.
    pub name: String,
    /// `url`, if present.
    pub url: Option<String>,
    /// `path`, if present (relative to the lock's directory).
    pub path: Option<String>,
    /// `size` in bytes, if present.
    pub size: Option<u64>,
    /// `hashes.sha256`, lowercase hex.
    pub sha256: String,
    /// Every other hash the lock gives (algorithm name, lowercase hex).
    pub other_hashes: BTreeMap<String, String>,
}

impl LockedFile {
    /// The distribution this file is: its name and the lock's SHA-256.
    pub fn distribution(&self) -> Result<Distribution> {
        Distribution::new(&self.name, &self.sha256)
    }
}

// The wire shape: only the keys read here. Unknown keys (`tool`,
// `environments`, `dependencies`, `marker`, `upload-time`, …) are ignored,
// as PEP 751 lets tools add keys under `tool` and newer minor versions
// add others.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct WireLock {
    lock_version: Option<toml::Value>,
    created_by: Option<toml::Value>,
    packages: Option<Vec<toml::Table>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct WirePackage {
    name: Option<String>,
    version: Option<String>,
    index: Option<String>,
    vcs: Option<toml::Value>,
    directory: Option<toml::Value>,
    archive: Option<toml::Value>,
    sdist: Option<WireFile>,
    wheels: Option<Vec<WireFile>>,
    attestation_identities: Option<Vec<toml::Table>>,
}

#[derive(Deserialize)]
struct WireFile {
    name: Option<String>,
    url: Option<String>,
    path: Option<String>,
    size: Option<u64>,
    hashes: Option<BTreeMap<String, String>>,
}

fn malformed(msg: impl Into<String>) -> Error {
    Error::InvalidLock(msg.into())
}

impl Lock {
    /// Parses a lock file's text. Every refusal names the package (by index
    /// and name) and the key at fault.
    pub fn from_toml(text: &str) -> Result<Lock> {
        let wire: WireLock = toml::from_str(text)
            .map_err(|e| malformed(format!("not TOML: {}", one_line(&e, text))))?;
        let lock_version = match wire.lock_version {
            Some(toml::Value::String(v)) => v,
            Some(other) => {
                return Err(malformed(format!(
                    "lock-version must be a string, found {}",
                    other.type_str()
                )))
            }
            None => return Err(malformed("no lock-version (PEP 751 requires it)")),
        };
        let major = lock_version.split('.').next().unwrap_or_default();
        if major != LOCK_MAJOR_VERSION.to_string() {
            return Err(malformed(format!(
                "lock-version {lock_version:?} is not supported (expected {LOCK_MAJOR_VERSION}.x)"
            )));
        }
        let created_by = match wire.created_by {
            Some(toml::Value::String(s)) => Some(s),
            Some(other) => {
                return Err(malformed(format!(
                    "created-by must be a string, found {}",
                    other.type_str()
                )))
            }
            None => None,
        };
        let packages = wire
            .packages
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, table)| Package::from_table(i, table))
            .collect::<Result<Vec<_>>>()?;
        Ok(Lock {
            lock_version,
            created_by,
            packages,
        })
    }
}

/// A TOML error's message on one line, with the line and column it is at
/// in `text` (the crate's own rendering quotes the offending line over
/// several).
fn one_line(e: &toml::de::Error, text: &str) -> String {
    let msg = e.message().trim().replace('\n', "; ");
    match e.span().and_then(|span| text.get(..span.start)) {
        Some(before) => {
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("{msg} (line {line}, column {column})")
        }
        None => msg,
    }
}

impl Package {
    fn from_table(i: usize, table: toml::Table) -> Result<Package> {
        let at = |name: &str| match name {
            "" => format!("packages[{i}]"),
            n => format!("packages[{i}] ({n})"),
        };
        let wire: WirePackage = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| malformed(format!("{}: {}", at(""), one_line(&e, ""))))?;
        let name = match wire.name {
            Some(n) if !n.trim().is_empty() => n,
            _ => return Err(malformed(format!("{}: no name", at("")))),
        };
        let here = at(&name);
        let has_files = wire.sdist.is_some() || wire.wheels.is_some();
        let mut sources = Vec::new();
        if has_files {
            sources.push(Source::Index);
        }
        for (present, source) in [
            (wire.vcs.is_some(), Source::Vcs),
            (wire.directory.is_some(), Source::Directory),
            (wire.archive.is_some(), Source::Archive),
        ] {
            if present {
                sources.push(source);
            }
        }
        let source = match sources.as_slice() {
            [one] => *one,
            [] => {
                return Err(malformed(format!(
                    "{here}: no source (expected one of sdist/wheels, vcs, directory, archive)"
                )))
            }
            many => {
                let keys: Vec<_> = many.iter().map(|s| s.key()).collect();
                return Err(malformed(format!(
                    "{here}: more than one source ({}); PEP 751 allows one",
                    keys.join(", ")
                )));
            }
        };
        let mut files = Vec::new();
        if let Some(sdist) = wire.sdist {
            files.push(LockedFile::from_wire(&format!("{here}: sdist"), sdist)?);
        }
        for (j, wheel) in wire.wheels.unwrap_or_default().into_iter().enumerate() {
            files.push(LockedFile::from_wire(
                &format!("{here}: wheels[{j}]"),
                wheel,
            )?);
        }
        let identities = wire
            .attestation_identities
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(j, t)| identity(&format!("{here}: attestation-identities[{j}]"), t))
            .collect::<Result<Vec<_>>>()?;
        Ok(Package {
            name,
            version: wire.version,
            index: wire.index,
            source,
            files,
            identities,
        })
    }
}

/// An identity table as a [`Publisher`]: the same keys as a provenance
/// object's publisher, so the same (lenient for unknown keys, strict for
/// unknown kinds) reading.
fn identity(at: &str, table: toml::Table) -> Result<Publisher> {
    let json = serde_json::to_value(&table)
        .map_err(|e| malformed(format!("{at}: not a publisher table: {e}")))?;
    serde_json::from_value(json).map_err(|e| malformed(format!("{at}: {e}")))
}

impl LockedFile {
    fn from_wire(at: &str, wire: WireFile) -> Result<LockedFile> {
        let from_location = wire
            .url
            .as_deref()
            .map(|u| {
                let u = u.split(['#', '?']).next().unwrap_or_default();
                percent_decode(u.rsplit('/').next().unwrap_or_default())
            })
            .or_else(|| {
                wire.path
                    .as_deref()
                    .map(|p| p.rsplit(['/', '\\']).next().unwrap_or_default().to_owned())
            });
        let name = match (wire.name, from_location) {
            (Some(n), Some(loc)) if !loc.is_empty() && n != loc => {
                return Err(malformed(format!(
                    "{at}: name {n:?} is not the file its location names ({loc:?})"
                )))
            }
            (Some(n), _) => n,
            (None, Some(loc)) if !loc.is_empty() => loc,
            _ => {
                return Err(malformed(format!(
                    "{at}: no name, url or path to name the file"
                )))
            }
        };
        let at = format!("{at} ({name})");
        DistName::parse(&name)
            .map_err(|e| malformed(format!("{at}: not a wheel or sdist name: {e}")))?;
        if wire.url.is_none() && wire.path.is_none() {
            return Err(malformed(format!("{at}: neither url nor path")));
        }
        let mut hashes = wire
            .hashes
            .ok_or_else(|| malformed(format!("{at}: no hashes (PEP 751 requires them)")))?;
        let mut normalized = BTreeMap::new();
        for (alg, value) in std::mem::take(&mut hashes) {
            let value = value.to_ascii_lowercase();
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(malformed(format!(
                    "{at}: hashes.{alg} {value:?} is not hex"
                )));
            }
            normalized.insert(alg.to_ascii_lowercase(), value);
        }
        let sha256 = normalized.remove("sha256").ok_or_else(|| {
            let found: Vec<_> = normalized.keys().cloned().collect();
            malformed(format!(
                "{at}: no sha256 hash (found {found:?}); provenance names files by SHA-256"
            ))
        })?;
        if sha256.len() != 64 {
            return Err(malformed(format!(
                "{at}: hashes.sha256 has {} hex digits, expected 64",
                sha256.len()
            )));
        }
        Ok(LockedFile {
            name,
            url: wire.url,
            path: wire.path,
            size: wire.size,
            sha256,
            other_hashes: normalized,
        })
    }
}

/// A URL path segment with its `%XX` escapes decoded (a local version's
/// `+` is served as `%2B`); an invalid escape or non-UTF-8 result is kept
/// as written, so that it fails as a file name rather than silently.
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| segment.to_owned())
}

#[cfg(test)]
mod tests;
