//! The TUF client workflow's I/O (specification 1.0, §5): which files to
//! fetch in which order, the local metadata directory, and target files.
//! Every decision is the [`TrustedSet`]'s; this module only moves bytes
//! between a [`Fetcher`] (the network, in [`crate::net`]) and the disk.
//!
//! Local metadata is stored under unversioned names (`root.json`,
//! `timestamp.json`, …, a delegated role as its percent-encoded name), the
//! bytes exactly as received, each written atomically right after the
//! trusted set accepted it.

use super::metadata::{TargetFile, Targets, ROOT, SNAPSHOT, TARGETS, TIMESTAMP};
use super::trusted::{check_length_and_hashes, TrustedSet};
use super::{FetchError, TufError};
use crate::crypto::CryptoBackend;
use std::path::{Path, PathBuf};

/// Fetches a URL, returning at most `max_length` bytes (more is an error,
/// [`FetchError::TooLong`]). Implemented over HTTP by
/// [`crate::net::Http`]; tests implement it over a map.
pub trait Fetcher {
    /// `GET url`.
    fn fetch(&self, url: &str, max_length: u64) -> Result<Vec<u8>, FetchError>;
}

/// Bounds on what a repository can make the client do. The values are
/// python-tuf's `UpdaterConfig` defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Root versions fetched in one refresh.
    pub max_root_rotations: u64,
    /// Roles visited in one target search.
    pub max_delegations: usize,
    /// Bytes of a root file.
    pub root_max_length: u64,
    /// Bytes of the timestamp file.
    pub timestamp_max_length: u64,
    /// Bytes of the snapshot file when the timestamp lists no length.
    pub snapshot_max_length: u64,
    /// Bytes of a targets file when the snapshot lists no length.
    pub targets_max_length: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_root_rotations: 256,
            max_delegations: 32,
            root_max_length: 512_000,
            timestamp_max_length: 16_384,
            snapshot_max_length: 2_000_000,
            targets_max_length: 5_000_000,
        }
    }
}

/// Percent-encodes everything but the URL-unreserved characters (as
/// Python's `urllib.parse.quote(name, "")`), so a role name or target path
/// is one safe path component both in URLs and on disk.
pub fn quote(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn io_err(what: &str, path: &Path, e: impl std::fmt::Display) -> TufError {
    TufError::Io(format!("{what} {}: {e}", path.display()))
}

/// A TUF client for one repository and one local metadata directory.
pub struct Updater<'a> {
    dir: PathBuf,
    metadata_url: String,
    fetcher: &'a dyn Fetcher,
    crypto: &'a dyn CryptoBackend,
    set: TrustedSet<'a>,
    limits: Limits,
    refreshed: bool,
    /// Set by [`Updater::load_stored`]: nothing is fetched.
    offline: bool,
}

impl<'a> Updater<'a> {
    /// A client trusting `dir/root.json` (which must exist and be signed by
    /// a threshold of its own keys), fetching metadata from `metadata_url`,
    /// judging expiry at `now` (Unix seconds).
    pub fn new(
        dir: &Path,
        metadata_url: &str,
        fetcher: &'a dyn Fetcher,
        crypto: &'a dyn CryptoBackend,
        now: i64,
    ) -> Result<Self, TufError> {
        let root_path = dir.join("root.json");
        let root = std::fs::read(&root_path).map_err(|e| io_err("cannot read", &root_path, e))?;
        Ok(Updater {
            dir: dir.to_path_buf(),
            metadata_url: format!("{}/", metadata_url.trim_end_matches('/')),
            fetcher,
            crypto,
            set: TrustedSet::new(&root, crypto, now)?,
            limits: Limits::default(),
            refreshed: false,
            offline: false,
        })
    }

    /// Replaces the default [`Limits`].
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The trusted metadata.
    pub fn trusted(&self) -> &TrustedSet<'a> {
        &self.set
    }

    fn fetch(&self, name: &str, max_length: u64) -> Result<Vec<u8>, TufError> {
        let url = format!("{}{name}", self.metadata_url);
        if self.offline {
            return Err(TufError::Io(format!("offline: {url} is not stored")));
        }
        self.fetcher
            .fetch(&url, max_length)
            .map_err(|error| TufError::Fetch { url, error })
    }

    fn local(&self, role: &str) -> Option<Vec<u8>> {
        std::fs::read(self.dir.join(format!("{}.json", quote(role)))).ok()
    }

    fn persist(&self, role: &str, data: &[u8]) -> Result<(), TufError> {
        let path = self.dir.join(format!("{}.json", quote(role)));
        crate::files::write_atomic(&path, data).map_err(|e| TufError::Io(e.to_string()))
    }

    /// Updates the top-level metadata (§5.3–§5.6): root versions one by
    /// one, then timestamp, snapshot and targets. Each accepted file is
    /// stored at once; on an error the files already accepted stay.
    pub fn refresh(&mut self) -> Result<(), TufError> {
        self.load_root()?;
        self.load_timestamp()?;
        self.load_snapshot()?;
        self.load_targets(TARGETS, ROOT)?;
        self.refreshed = true;
        Ok(())
    }

    /// §5.3: fetch `N+1.root.json` until the repository has none (404 or
    /// 403), each verified by the current and its own root keys.
    fn load_root(&mut self) -> Result<(), TufError> {
        let first = self.set.root().common.version + 1;
        for version in first..first.saturating_add(self.limits.max_root_rotations) {
            let data =
                match self.fetch(&format!("{version}.root.json"), self.limits.root_max_length) {
                    Ok(d) => d,
                    Err(TufError::Fetch {
                        error: FetchError::Status(403 | 404),
                        ..
                    }) => break,
                    Err(e) => return Err(e),
                };
            self.set.update_root(&data)?;
            self.persist(ROOT, &data)?;
        }
        Ok(())
    }

    /// §5.4: the local timestamp first (if it verifies, it guards against
    /// rollback), then the repository's.
    fn load_timestamp(&mut self) -> Result<(), TufError> {
        if let Some(data) = self.local(TIMESTAMP) {
            // An invalid or expired local copy is only not used as a base.
            let _ = self.set.update_timestamp(&data);
        }
        let data = self.fetch("timestamp.json", self.limits.timestamp_max_length)?;
        if self.set.update_timestamp(&data)? {
            self.persist(TIMESTAMP, &data)?;
        }
        Ok(())
    }

    /// §5.5: the local snapshot if it is still the one the timestamp names,
    /// else the repository's.
    fn load_snapshot(&mut self) -> Result<(), TufError> {
        if let Some(data) = self.local(SNAPSHOT) {
            if self.set.update_snapshot(&data, true).is_ok() {
                return Ok(());
            }
        }
        let meta = self
            .set
            .timestamp()
            .map(|t| t.snapshot.clone())
            .ok_or_else(|| TufError::Io("no trusted timestamp".into()))?;
        let name = if self.set.root().consistent_snapshot {
            format!("{}.snapshot.json", meta.version)
        } else {
            "snapshot.json".to_string()
        };
        let data = self.fetch(
            &name,
            meta.length.unwrap_or(self.limits.snapshot_max_length),
        )?;
        self.set.update_snapshot(&data, false)?;
        self.persist(SNAPSHOT, &data)
    }

    /// §5.6 and §5.7.3: a targets role delegated by `delegator`, from the
    /// trusted set, the local directory if it still matches the snapshot,
    /// or the repository.
    fn load_targets(&mut self, role: &str, delegator: &str) -> Result<Targets, TufError> {
        if let Some(t) = self.set.cached_targets(role, delegator)? {
            return Ok(t.clone());
        }
        if let Some(data) = self.local(role) {
            if let Ok(t) = self.set.update_targets(&data, role, delegator) {
                return Ok(t.clone());
            }
        }
        let file = format!("{role}.json");
        let meta = self
            .set
            .snapshot()
            .and_then(|s| s.meta.get(&file))
            .cloned()
            .ok_or_else(|| {
                TufError::Metadata(super::MetadataError {
                    role: role.to_string(),
                    check: super::Check::Delegation,
                    message: format!("delegated, but the snapshot does not list {file}"),
                })
            })?;
        let name = if self.set.root().consistent_snapshot {
            format!("{}.{}.json", meta.version, quote(role))
        } else {
            format!("{}.json", quote(role))
        };
        let data = self.fetch(&name, meta.length.unwrap_or(self.limits.targets_max_length))?;
        let targets = self.set.update_targets(&data, role, delegator)?.clone();
        self.persist(role, &data)?;
        Ok(targets)
    }

    /// Loads the stored metadata without the network, as the trusted
    /// state: timestamp, snapshot (checked against the timestamp's hashes)
    /// and top-level targets must all be present and verify. With
    /// `check_expiry` false, expired metadata is used (offline mode).
    /// Targets are then looked up and served from the target directory
    /// only ([`Updater::fetch_target`] fails rather than download).
    pub fn load_stored(&mut self, check_expiry: bool) -> Result<(), TufError> {
        if !check_expiry {
            self.set.ignore_expiry();
        }
        let missing = |role: &str| TufError::Io(format!("no stored {role} metadata"));
        let ts = self.local(TIMESTAMP).ok_or_else(|| missing(TIMESTAMP))?;
        self.set.update_timestamp(&ts)?;
        let snapshot = self.local(SNAPSHOT).ok_or_else(|| missing(SNAPSHOT))?;
        self.set.update_snapshot(&snapshot, false)?;
        let targets = self.local(TARGETS).ok_or_else(|| missing(TARGETS))?;
        self.set.update_targets(&targets, TARGETS, ROOT)?;
        self.refreshed = true;
        self.offline = true;
        Ok(())
    }

    /// The trusted entry for target `path` (§5.7): refreshes first if this
    /// client has not, then searches the delegation graph depth-first in
    /// order, stopping at terminating delegations, visiting at most
    /// [`Limits::max_delegations`] roles. `None` if no role lists it.
    pub fn target_info(&mut self, path: &str) -> Result<Option<TargetFile>, TufError> {
        if !self.refreshed {
            self.refresh()?;
        }
        let mut to_visit: Vec<(String, String)> = vec![(TARGETS.to_string(), ROOT.to_string())];
        let mut visited: Vec<String> = Vec::new();
        while visited.len() <= self.limits.max_delegations {
            let Some((role, delegator)) = to_visit.pop() else {
                break;
            };
            if visited.contains(&role) {
                continue;
            }
            let targets = self.load_targets(&role, &delegator)?;
            if let Some(t) = targets.targets.get(path) {
                return Ok(Some(t.clone()));
            }
            visited.push(role.clone());
            if let Some(d) = &targets.delegations {
                let mut children = Vec::new();
                for (child, terminating) in d.roles_for(path, self.crypto) {
                    children.push((child, role.clone()));
                    if terminating {
                        to_visit.clear();
                        break;
                    }
                }
                children.reverse();
                to_visit.extend(children);
            }
        }
        Ok(None)
    }

    /// Downloads target `path` (entry `info`) from `target_base_url` (§5.7.3):
    /// with consistent snapshots from `<dir>/<hash>.<name>`, checked against
    /// the entry's length and every hash.
    pub fn download_target(
        &self,
        path: &str,
        info: &TargetFile,
        target_base_url: &str,
    ) -> Result<Vec<u8>, TufError> {
        let mut remote = path.to_string();
        if self.set.root().consistent_snapshot {
            if let Some(hash) = info.hashes.values().next() {
                remote = match path.rsplit_once('/') {
                    Some((dir, base)) => format!("{dir}/{hash}.{base}"),
                    None => format!("{hash}.{path}"),
                };
            }
        }
        let url = format!("{}/{remote}", target_base_url.trim_end_matches('/'));
        if self.offline {
            return Err(TufError::Io(format!(
                "offline: target {path:?} is not stored"
            )));
        }
        let data = self
            .fetcher
            .fetch(&url, info.length)
            .map_err(|error| TufError::Fetch { url, error })?;
        check_length_and_hashes(
            self.crypto,
            path,
            &data,
            Some(info.length),
            Some(&info.hashes),
        )?;
        Ok(data)
    }
}

/// A target file already in `dir` (stored under its [`quote`]d path) whose
/// bytes match `info`; `None` if it is absent or differs.
pub fn cached_target(
    crypto: &dyn CryptoBackend,
    dir: &Path,
    path: &str,
    info: &TargetFile,
) -> Option<Vec<u8>> {
    let data = std::fs::read(dir.join(quote(path))).ok()?;
    check_length_and_hashes(crypto, path, &data, Some(info.length), Some(&info.hashes))
        .ok()
        .map(|()| data)
}

impl Updater<'_> {
    /// Finds target `path`, and returns its file in `target_dir` (stored
    /// under its [`quote`]d path): the copy already there if its bytes still
    /// match the trusted entry, else a fresh download from
    /// `target_base_url`, written atomically.
    pub fn fetch_target(
        &mut self,
        path: &str,
        target_dir: &Path,
        target_base_url: &str,
    ) -> Result<PathBuf, TufError> {
        let info = self
            .target_info(path)?
            .ok_or_else(|| TufError::TargetNotFound(path.to_string()))?;
        let dest = target_dir.join(quote(path));
        if cached_target(self.crypto, target_dir, path, &info).is_none() {
            let data = self.download_target(path, &info, target_base_url)?;
            crate::files::write_atomic(&dest, &data).map_err(|e| TufError::Io(e.to_string()))?;
        }
        Ok(dest)
    }
}
