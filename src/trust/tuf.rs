//! Sigstore's trust material through TUF: an instance's `trusted_root.json`
//! and `signing_config.v0.2.json` as the targets of its TUF repository
//! (`https://tuf-repo-cdn.sigstore.dev` for the public-good instance,
//! `https://tuf-repo-cdn.sigstage.dev` for staging, or any repository a
//! user trusts with `trust-instance`), kept current by the client in
//! [`crate::tuf`] and cached per instance.
//!
//! When the network is used: only when the cached timestamp has expired or
//! the last refresh is older than [`RefreshPolicy::max_age`] (a verified
//! cache is otherwise used as is, so a warm verify makes no request). What
//! happens when it fails:
//! * metadata refused by a TUF check (expired, rolled back, wrongly signed,
//!   oversized or truncated): an error naming the role and the check; the
//!   cache keeps what it had;
//! * the repository unreachable: the cache, with a warning saying how old
//!   it is; without one, the material embedded in this build (production
//!   and staging only), with a warning, never silently.
//!
//! Offline ([`RefreshPolicy::offline`]): the cache (expired metadata
//! allowed, with a warning), else the embedded material.
//!
//! The cache (`<cache dir>/tuf/<percent-encoded URL>/`) holds `metadata/`
//! (TUF's unversioned files), `targets/`, and `last-refresh`; a lock file
//! (`lock`, an advisory exclusive lock) makes processes refreshing at once
//! take turns, and every file is written atomically.

use crate::crypto::CryptoBackend;
use crate::error::{Error, Result};
use crate::tuf::updater::{quote, Fetcher, Updater};
use crate::tuf::TufError;
use std::path::{Path, PathBuf};

/// The public-good instance's TUF repository.
pub const PRODUCTION_TUF_URL: &str = "https://tuf-repo-cdn.sigstore.dev";
/// The staging instance's TUF repository.
pub const STAGING_TUF_URL: &str = "https://tuf-repo-cdn.sigstage.dev";

/// The TUF target holding the trusted root.
pub const TRUSTED_ROOT_TARGET: &str = "trusted_root.json";
/// The TUF target holding the signing config.
pub const SIGNING_CONFIG_TARGET: &str = "signing_config.v0.2.json";

/// Default [`RefreshPolicy::max_age`]: twelve hours. Sigstore's timestamp
/// metadata lives for days; a refresh twice a day notices a rotation
/// promptly without making every run pay for four requests.
pub const DEFAULT_MAX_AGE_SECONDS: i64 = 12 * 3600;

/// The environment variable that overrides the cache directory.
pub const CACHE_DIR_ENV: &str = "SIGSTORE_RS_CACHE_DIR";

/// The environment variable that overrides [`DEFAULT_MAX_AGE_SECONDS`]:
/// whole seconds, `0` to refresh on every load.
pub const REFRESH_INTERVAL_ENV: &str = "SIGSTORE_RS_REFRESH_INTERVAL";

/// The refresh interval `env` sets ([`REFRESH_INTERVAL_ENV`]), else the
/// default; a value that is not a whole number of seconds is an error
/// rather than silently the default.
pub fn refresh_interval(env: impl Fn(&str) -> Option<String>) -> Result<i64> {
    match env(REFRESH_INTERVAL_ENV).filter(|v| !v.trim().is_empty()) {
        None => Ok(DEFAULT_MAX_AGE_SECONDS),
        Some(v) => v.trim().parse::<u32>().map(i64::from).map_err(|_| {
            Error::InvalidInput(format!(
                "{REFRESH_INTERVAL_ENV}={v:?} is not a whole number of seconds"
            ))
        }),
    }
}

struct Embedded {
    root: &'static str,
    trusted_root: &'static str,
    signing_config: &'static str,
}

const PRODUCTION: Embedded = Embedded {
    root: include_str!("embedded/production_root.json"),
    trusted_root: include_str!("embedded/production_trusted_root.json"),
    signing_config: include_str!("embedded/production_signing_config.json"),
};

const STAGING: Embedded = Embedded {
    root: include_str!("embedded/staging_root.json"),
    trusted_root: include_str!("embedded/staging_trusted_root.json"),
    signing_config: include_str!("embedded/staging_signing_config.json"),
};

/// The per-user cache directory for `sigstore-rs`: `$SIGSTORE_RS_CACHE_DIR`
/// if set, else the platform's cache location (`$XDG_CACHE_HOME` or
/// `~/.cache` on Linux and other Unixes, `~/Library/Caches` on macOS,
/// `%LOCALAPPDATA%` on Windows) joined with `sigstore-rs`. `env` reads a
/// variable (`std::env::var` in use).
pub fn default_cache_dir(env: impl Fn(&str) -> Option<String>) -> Result<PathBuf> {
    let set = |k: &str| env(k).filter(|v| !v.is_empty());
    if let Some(dir) = set(CACHE_DIR_ENV) {
        return Ok(PathBuf::from(dir));
    }
    let base = if cfg!(windows) {
        set("LOCALAPPDATA").map(PathBuf::from)
    } else if cfg!(target_os = "macos") {
        set("HOME").map(|h| Path::new(&h).join("Library/Caches"))
    } else {
        set("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| set("HOME").map(|h| Path::new(&h).join(".cache")))
    };
    base.map(|b| b.join("sigstore-rs")).ok_or_else(|| {
        Error::InvalidInput(format!(
            "no cache directory: set {CACHE_DIR_ENV} (HOME is not set)"
        ))
    })
}

/// When and where to refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// The cache root; each instance has a directory below it.
    pub cache_dir: PathBuf,
    /// Never use the network.
    pub offline: bool,
    /// Refresh when the last refresh is older than this (seconds); 0
    /// refreshes every time.
    pub max_age: i64,
    /// The reference time, Unix seconds.
    pub now: i64,
}

impl RefreshPolicy {
    /// The cache directory and refresh interval from the environment
    /// ([`default_cache_dir`], [`refresh_interval`]), the system clock.
    pub fn from_env(offline: bool) -> Result<RefreshPolicy> {
        let env = |k: &str| std::env::var(k).ok();
        Ok(RefreshPolicy {
            cache_dir: default_cache_dir(env)?,
            offline,
            max_age: refresh_interval(env)?,
            now: unix_now(),
        })
    }
}

/// The system clock in Unix seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Where trust material came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Fetched and verified through TUF just now.
    Refreshed {
        /// When the timestamp metadata expires.
        expires: i64,
    },
    /// The verified cache, without the network.
    Cache {
        /// When it was last refreshed, if recorded.
        refreshed_at: Option<i64>,
        /// When its timestamp metadata expires (may be past, offline).
        expires: i64,
    },
    /// Built into this crate.
    Embedded,
}

/// An instance's trust material and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustMaterial {
    /// `trusted_root.json`.
    pub trusted_root: Vec<u8>,
    /// `signing_config.v0.2.json`, if the repository publishes one.
    pub signing_config: Option<Vec<u8>>,
    /// Its origin.
    pub origin: Origin,
    /// The version of the TUF root it was verified under (`None` for the
    /// embedded material).
    pub root_version: Option<u64>,
    /// What the user should know (fallbacks, stale material), one line each.
    pub warnings: Vec<String>,
}

/// A Sigstore instance whose trust material comes from a TUF repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TufTrust {
    url: String,
    embedded: Option<&'static str>,
}

fn io(what: &str, path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io(format!("{what} {}: {e}", path.display()))
}

/// The instance directory, locked while this lives.
struct Locked {
    dir: PathBuf,
    _lock: std::fs::File,
}

impl Locked {
    fn open(dir: PathBuf) -> Result<Locked> {
        for sub in ["metadata", "targets"] {
            let d = dir.join(sub);
            std::fs::create_dir_all(&d).map_err(|e| io("cannot create", &d, e))?;
        }
        let path = dir.join("lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io("cannot open", &path, e))?;
        // Blocks until another process's refresh is done.
        fs4::FileExt::lock(&file).map_err(|e| io("cannot lock", &path, e))?;
        Ok(Locked { dir, _lock: file })
    }

    fn metadata(&self) -> PathBuf {
        self.dir.join("metadata")
    }

    fn targets(&self) -> PathBuf {
        self.dir.join("targets")
    }

    fn last_refresh(&self) -> Option<i64> {
        std::fs::read_to_string(self.dir.join("last-refresh"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }
}

/// The files of an instance's `metadata/` and `targets/` at one moment (a
/// few small files).
struct Stored(Vec<(PathBuf, Vec<u8>)>);

impl Stored {
    fn read(locked: &Locked) -> Result<Stored> {
        let mut files = Vec::new();
        for dir in [locked.metadata(), locked.targets()] {
            let entries = std::fs::read_dir(&dir).map_err(|e| io("cannot read", &dir, e))?;
            for path in entries.flatten().map(|e| e.path()) {
                let data = std::fs::read(&path).map_err(|e| io("cannot read", &path, e))?;
                files.push((path, data));
            }
        }
        Ok(Stored(files))
    }

    /// Puts the files back as they were, best effort: the caller reports
    /// the error that made this necessary, and a file that could not be
    /// restored fails the next load's checks, never passes them.
    fn restore(&self, locked: &Locked) {
        let Ok(now) = Stored::read(locked) else {
            return;
        };
        for (path, data) in &now.0 {
            match self.0.iter().find(|(p, _)| p == path) {
                None => {
                    let _ = std::fs::remove_file(path);
                }
                Some((_, old)) if old != data => {
                    let _ = crate::files::write_atomic(path, old);
                }
                Some(_) => {}
            }
        }
        for (path, old) in &self.0 {
            if !path.exists() {
                let _ = crate::files::write_atomic(path, old);
            }
        }
    }
}

impl TufTrust {
    /// The public-good instance.
    pub fn production() -> TufTrust {
        TufTrust {
            url: PRODUCTION_TUF_URL.into(),
            embedded: Some("production"),
        }
    }

    /// The staging instance.
    pub fn staging() -> TufTrust {
        TufTrust {
            url: STAGING_TUF_URL.into(),
            embedded: Some("staging"),
        }
    }

    /// The instance whose TUF repository is at `url`: production or staging
    /// for their URLs, else one trusted earlier with
    /// [`TufTrust::trust_instance`].
    pub fn for_url(url: &str) -> Result<TufTrust> {
        let url = url.trim_end_matches('/');
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(Error::InvalidInput(format!(
                "instance URL {url:?} is not an http(s) URL"
            )));
        }
        Ok(match url {
            PRODUCTION_TUF_URL => TufTrust::production(),
            STAGING_TUF_URL => TufTrust::staging(),
            _ => TufTrust {
                url: url.to_string(),
                embedded: None,
            },
        })
    }

    /// The repository URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn embedded(&self) -> Option<&'static Embedded> {
        match self.embedded {
            Some("production") => Some(&PRODUCTION),
            Some("staging") => Some(&STAGING),
            _ => None,
        }
    }

    /// This instance's cache directory under `cache_dir`.
    pub fn cache_dir(&self, cache_dir: &Path) -> PathBuf {
        cache_dir.join("tuf").join(quote(&self.url))
    }

    /// Trusts `root_json` (a TUF `root.json`, which must be signed by a
    /// threshold of its own root keys) as this instance's initial root,
    /// replacing whatever was cached for it (as sigstore-python's
    /// `trust-instance`). The next [`TufTrust::load`] refreshes from it.
    pub fn trust_instance(
        &self,
        root_json: &[u8],
        policy: &RefreshPolicy,
        crypto: &dyn CryptoBackend,
    ) -> Result<()> {
        crate::tuf::trusted::TrustedSet::new(root_json, crypto, policy.now)
            .map_err(|e| Error::TrustUpdate(e.into()))?;
        let locked = Locked::open(self.cache_dir(&policy.cache_dir))?;
        for dir in [locked.metadata(), locked.targets()] {
            let entries = std::fs::read_dir(&dir).map_err(|e| io("cannot read", &dir, e))?;
            for entry in entries.flatten() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        let _ = std::fs::remove_file(locked.dir.join("last-refresh"));
        crate::files::write_atomic(&locked.metadata().join("root.json"), root_json)
            .map_err(|e| Error::Io(e.to_string()))
    }

    /// The instance's trust material, by the rules of the module doc.
    pub fn load(
        &self,
        fetcher: &dyn Fetcher,
        policy: &RefreshPolicy,
        crypto: &dyn CryptoBackend,
    ) -> Result<TrustMaterial> {
        self.load_inner(fetcher, policy, crypto, false)
    }

    /// Refreshes now whatever the cache's age (not offline), and returns
    /// the material.
    pub fn refresh(
        &self,
        fetcher: &dyn Fetcher,
        policy: &RefreshPolicy,
        crypto: &dyn CryptoBackend,
    ) -> Result<TrustMaterial> {
        self.load_inner(fetcher, policy, crypto, true)
    }

    fn load_inner(
        &self,
        fetcher: &dyn Fetcher,
        policy: &RefreshPolicy,
        crypto: &dyn CryptoBackend,
        force: bool,
    ) -> Result<TrustMaterial> {
        let locked = Locked::open(self.cache_dir(&policy.cache_dir))?;
        let root_path = locked.metadata().join("root.json");
        if !root_path.exists() {
            let embedded = self.embedded().ok_or_else(|| {
                Error::InvalidInput(format!(
                    "no trusted root for the TUF repository {}: run `sigstore-rs --instance {} trust-instance ROOT.json` first",
                    self.url, self.url
                ))
            })?;
            crate::files::write_atomic(&root_path, embedded.root.as_bytes())
                .map_err(|e| Error::Io(e.to_string()))?;
        }
        if policy.offline {
            return self.offline(&locked, fetcher, policy, crypto, Vec::new());
        }
        let fresh = locked
            .last_refresh()
            .is_some_and(|t| policy.now >= t && policy.now - t < policy.max_age);
        if fresh && !force {
            if let Ok(m) = self.cached(&locked, fetcher, policy, crypto, true) {
                return Ok(m);
            }
        }
        // The TUF workflow stores each role as soon as it is accepted
        // (§5.4.5, §5.5.7), so a refresh refused or cut off part-way would
        // leave, say, a new timestamp beside the old snapshot: a set that
        // no longer loads, offline or as a fallback. The last good files
        // are put back instead.
        let last_good = Stored::read(&locked)?;
        let fetched = self.fetch(&locked, fetcher, policy, crypto);
        if fetched.is_err() {
            last_good.restore(&locked);
        }
        match fetched {
            Ok(m) => Ok(m),
            Err(Error::TrustUpdate(TufError::Fetch { url, error })) => {
                let warning = format!(
                    "cannot reach the TUF repository ({url}: {error}); using stored trust material"
                );
                self.offline(&locked, fetcher, policy, crypto, vec![warning])
            }
            Err(e) => Err(e),
        }
    }

    fn fetch(
        &self,
        locked: &Locked,
        fetcher: &dyn Fetcher,
        policy: &RefreshPolicy,
        crypto: &dyn CryptoBackend,
    ) -> Result<TrustMaterial> {
        let mut updater = Updater::new(&locked.metadata(), &self.url, fetcher, crypto, policy.now)?;
        updater.refresh()?;
        let material = material(
            &mut updater,
            locked,
            &format!("{}/targets", self.url),
            policy.now,
        )?;
        crate::files::write_atomic(
            &locked.dir.join("last-refresh"),
            policy.now.to_string().as_bytes(),
        )
        .map_err(|e| Error::Io(e.to_string()))?;
        Ok(material)
    }

    /// The verified cache (expiry checked or not).
    fn cached(
        &self,
        locked: &Locked,
        fetcher: &dyn Fetcher,
        policy: &RefreshPolicy,
        crypto: &dyn CryptoBackend,
        check_expiry: bool,
    ) -> Result<TrustMaterial> {
        let mut updater = Updater::new(&locked.metadata(), &self.url, fetcher, crypto, policy.now)?;
        updater.load_stored(check_expiry)?;
        // Stored targets only: the updater is offline.
        let mut material = material(&mut updater, locked, "", policy.now)?;
        if let Origin::Refreshed { expires } = material.origin {
            material.origin = Origin::Cache {
                refreshed_at: locked.last_refresh(),
                expires,
            };
        }
        Ok(material)
    }

    /// The cache without checking expiry, else the embedded material, each
    /// with a warning saying so.
    fn offline(
        &self,
        locked: &Locked,
        fetcher: &dyn Fetcher,
        policy: &RefreshPolicy,
        crypto: &dyn CryptoBackend,
        mut warnings: Vec<String>,
    ) -> Result<TrustMaterial> {
        match self.cached(locked, fetcher, policy, crypto, false) {
            Ok(mut m) => {
                if let Origin::Cache {
                    refreshed_at,
                    expires,
                } = m.origin
                {
                    let age = match refreshed_at {
                        Some(t) => format!("last refreshed {} ago", describe_age(policy.now - t)),
                        None => "never refreshed by this client".into(),
                    };
                    let state = if policy.now >= expires {
                        format!(
                            "its TUF timestamp expired {} ago",
                            describe_age(policy.now - expires)
                        )
                    } else {
                        format!(
                            "its TUF timestamp is valid until {}",
                            crate::tuf::metadata::format_expires(expires)
                        )
                    };
                    if policy.offline || !warnings.is_empty() {
                        warnings.push(format!(
                            "using cached trust material for {} ({age}; {state})",
                            self.url
                        ));
                    }
                }
                m.warnings = warnings;
                Ok(m)
            }
            Err(cache_err) => {
                let embedded = self.embedded().ok_or_else(|| match &cache_err {
                    Error::TrustUpdate(_) | Error::Io(_) => Error::InvalidInput(format!(
                        "no usable trust material for {}: {cache_err}",
                        self.url
                    )),
                    other => other.clone(),
                })?;
                warnings.push(format!(
                    "no usable cached trust material for {} ({cache_err}); using the material embedded in sigstore_rs {}{}",
                    self.url,
                    env!("CARGO_PKG_VERSION"),
                    embedded_age(embedded.trusted_root, policy.now)
                ));
                Ok(TrustMaterial {
                    trusted_root: embedded.trusted_root.as_bytes().to_vec(),
                    signing_config: Some(embedded.signing_config.as_bytes().to_vec()),
                    origin: Origin::Embedded,
                    root_version: None,
                    warnings,
                })
            }
        }
    }
}

/// How old embedded material is, as a clause for the warning. It records
/// no date of its own, so the newest `validFor.start` among its logs and
/// authorities stands for it: what Sigstore added since is missing from it.
fn embedded_age(trusted_root: &str, now: i64) -> String {
    let Ok(root) = super::TrustedRoot::from_json(trusted_root.as_bytes()) else {
        return String::new();
    };
    let logs = root
        .tlogs
        .iter()
        .chain(&root.ctlogs)
        .map(|l| l.key.validity.start);
    let authorities = (root.certificate_authorities.iter())
        .chain(&root.timestamp_authorities)
        .map(|c| c.validity.start);
    match logs.chain(authorities).max() {
        Some(t) => format!(
            ", whose newest log or authority dates from {} ({} ago)",
            crate::tuf::metadata::format_expires(t),
            describe_age(now - t)
        ),
        None => String::new(),
    }
}

/// The trusted root and signing config through `updater` (fetched from
/// `targets_url` unless already stored, or only from the store when the
/// updater is offline), as material refreshed now; the caller relabels a
/// cache load.
fn material(
    updater: &mut Updater<'_>,
    locked: &Locked,
    targets_url: &str,
    now: i64,
) -> Result<TrustMaterial> {
    let trusted_root = updater.fetch_target(TRUSTED_ROOT_TARGET, &locked.targets(), targets_url)?;
    // A repository need not publish a signing config.
    let signing_config =
        match updater.fetch_target(SIGNING_CONFIG_TARGET, &locked.targets(), targets_url) {
            Ok(path) => Some(read(&path)?),
            Err(TufError::TargetNotFound(_)) => None,
            Err(e) => return Err(e.into()),
        };
    let trusted = updater.trusted();
    Ok(TrustMaterial {
        trusted_root: read(&trusted_root)?,
        signing_config,
        origin: Origin::Refreshed {
            expires: trusted.timestamp().map(|t| t.common.expires).unwrap_or(now),
        },
        root_version: Some(trusted.root().common.version),
        warnings: Vec::new(),
    })
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| io("cannot read", path, e))
}

/// "3 hours", "2 days": a duration in the largest whole unit.
pub fn describe_age(seconds: i64) -> String {
    let s = seconds.max(0);
    let (n, unit) = match s {
        0..=119 => (s, "second"),
        120..=7_199 => (s / 60, "minute"),
        7_200..=172_799 => (s / 3600, "hour"),
        _ => (s / 86_400, "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}
