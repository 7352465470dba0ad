//! Trust material through TUF ([`super::tuf`]) against a local TUF
//! repository: refresh, the warm cache without requests, rotation,
//! refusals with the cache intact, network failures falling back loudly,
//! offline, and processes refreshing at once.

use super::tuf::{
    default_cache_dir, describe_age, refresh_interval, Origin, RefreshPolicy, TufTrust,
};
use crate::crypto::default_backend;
use crate::error::Error;
use crate::test_support::TempDir;
use crate::testing::tuf::TufRepository;
use crate::tuf::updater::Fetcher;
use crate::tuf::{Check, FetchError, TufError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

const URL: &str = "http://tuf.invalid";

/// Counts requests, and can be switched off (an unreachable repository).
struct Counting<'a> {
    repo: &'a TufRepository,
    requests: AtomicUsize,
    down: bool,
}

impl<'a> Counting<'a> {
    fn new(repo: &'a TufRepository) -> Self {
        Counting {
            repo,
            requests: AtomicUsize::new(0),
            down: false,
        }
    }
}

impl Fetcher for Counting<'_> {
    fn fetch(&self, url: &str, max_length: u64) -> Result<Vec<u8>, FetchError> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if self.down {
            return Err(FetchError::Other("connection refused".into()));
        }
        self.repo.fetch(url, max_length)
    }
}

fn cache(name: &str) -> TempDir {
    TempDir::new(&format!("tufcache-{name}"))
}

fn policy(dir: &Path, now: i64) -> RefreshPolicy {
    RefreshPolicy {
        cache_dir: dir.to_path_buf(),
        offline: false,
        max_age: 3600,
        now,
    }
}

fn now() -> i64 {
    super::tuf::unix_now()
}

fn repository() -> TufRepository {
    let root = super::STAGING_TRUSTED_ROOT.as_bytes();
    TufRepository::new(&[
        ("trusted_root.json", root),
        ("signing_config.v0.2.json", b"{\"sc\": 1}"),
    ])
    .unwrap()
}

fn trusted(repo: &TufRepository, dir: &Path) -> TufTrust {
    let t = TufTrust::for_url(URL).unwrap();
    t.trust_instance(
        &repo.root(1).unwrap(),
        &policy(dir, now()),
        default_backend(),
    )
    .unwrap();
    t
}

fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for sub in ["metadata", "targets"] {
        for e in std::fs::read_dir(dir.join(sub)).unwrap() {
            let p = e.unwrap().path();
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn refresh_then_a_warm_cache_makes_no_request() {
    let repo = repository();
    let c = cache("warm");
    let t = trusted(&repo, &c.0);
    let f = Counting::new(&repo);
    let crypto = default_backend();
    let m = t.load(&f, &policy(&c.0, now()), crypto).unwrap();
    assert!(
        matches!(m.origin, Origin::Refreshed { .. }),
        "{:?}",
        m.origin
    );
    assert_eq!(m.trusted_root, super::STAGING_TRUSTED_ROOT.as_bytes());
    assert_eq!(m.signing_config.as_deref(), Some(&b"{\"sc\": 1}"[..]));
    assert!(m.warnings.is_empty());
    let first = f.requests.load(Ordering::SeqCst);
    assert!(first >= 5, "{first}");
    // Within max_age: the verified cache, no request at all.
    let m = t.load(&f, &policy(&c.0, now() + 60), crypto).unwrap();
    assert!(matches!(m.origin, Origin::Cache { .. }), "{:?}", m.origin);
    assert_eq!(f.requests.load(Ordering::SeqCst), first);
    assert!(m.warnings.is_empty());
    // Past max_age: refreshed again (timestamp, 2.root.json: 2 requests).
    let m = t.load(&f, &policy(&c.0, now() + 7200), crypto).unwrap();
    assert!(matches!(m.origin, Origin::Refreshed { .. }));
    assert_eq!(f.requests.load(Ordering::SeqCst), first + 2);
    // A new trusted root published with a rotated root key.
    repo.rotate("root").unwrap();
    let new_root = br#"{"mediaType": "x"}"#;
    repo.set_target("trusted_root.json", new_root).unwrap();
    let m = t.refresh(&f, &policy(&c.0, now() + 7300), crypto).unwrap();
    assert_eq!(m.trusted_root, new_root);
}

#[test]
fn an_untrusted_instance_says_how_to_trust_it() {
    let repo = repository();
    let c = cache("untrusted");
    let t = TufTrust::for_url("http://other.invalid/").unwrap();
    let e = t
        .load(
            &Counting::new(&repo),
            &policy(&c.0, now()),
            default_backend(),
        )
        .unwrap_err();
    assert!(e.to_string().contains("trust-instance ROOT.json"), "{e}");
    assert!(TufTrust::for_url("ftp://x").is_err());
    assert_eq!(
        TufTrust::for_url("https://tuf-repo-cdn.sigstore.dev/").unwrap(),
        TufTrust::production()
    );
}

#[test]
fn an_attack_is_an_error_and_the_cache_stays() {
    let repo = repository();
    let c = cache("attack");
    let t = trusted(&repo, &c.0);
    let f = Counting::new(&repo);
    let crypto = default_backend();
    repo.publish().unwrap();
    t.load(&f, &policy(&c.0, now()), crypto).unwrap();
    let before = files(&t.cache_dir(&c.0));
    repo.roll_back_timestamp().unwrap();
    let e = t.refresh(&f, &policy(&c.0, now()), crypto).unwrap_err();
    match &e {
        Error::TrustUpdate(TufError::Metadata(m)) => {
            assert_eq!((m.role.as_str(), m.check), ("timestamp", Check::Rollback));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        e.to_string()
            .contains("timestamp failed the rollback check"),
        "{e}"
    );
    assert_eq!(files(&t.cache_dir(&c.0)), before);
    // Wrongly signed targets metadata: the same.
    repo.publish().unwrap();
    let tv = "metadata/3.targets.json";
    let mut bad = repo.file(tv).unwrap();
    let i = bad.len() / 2;
    bad[i] ^= 1;
    repo.tamper(tv, &bad).unwrap();
    let e = t.refresh(&f, &policy(&c.0, now()), crypto).unwrap_err();
    assert!(e.to_string().contains("targets failed the"), "{e}");
}

#[test]
fn an_unreachable_repository_falls_back_loudly() {
    let repo = repository();
    let c = cache("unreachable");
    let t = trusted(&repo, &c.0);
    let crypto = default_backend();
    let mut f = Counting::new(&repo);
    f.down = true;
    // No cache, no embedded material: an error naming the cause.
    let e = t.load(&f, &policy(&c.0, now()), crypto).unwrap_err();
    assert!(e.to_string().contains("no usable trust material"), "{e}");
    // With a cache: the cache, and a warning saying the repository is down
    // and how old the cache is.
    f.down = false;
    t.load(&f, &policy(&c.0, now()), crypto).unwrap();
    f.down = true;
    let m = t.load(&f, &policy(&c.0, now() + 7200), crypto).unwrap();
    assert!(matches!(m.origin, Origin::Cache { .. }));
    let w = m.warnings.join("\n");
    assert!(w.contains("cannot reach the TUF repository"), "{w}");
    assert!(w.contains("last refreshed 2 hours ago"), "{w}");
    // The public-good instance with neither: the embedded material.
    let prod = TufTrust::production();
    let m = prod.load(&f, &policy(&c.0, now()), crypto).unwrap();
    assert_eq!(m.origin, Origin::Embedded);
    assert!(
        m.warnings
            .join("\n")
            .contains("using the material embedded in sigstore_rs"),
        "{:?}",
        m.warnings
    );
}

#[test]
fn offline_uses_the_cache_even_expired_and_says_so() {
    let repo = repository();
    let c = cache("offline");
    let t = trusted(&repo, &c.0);
    let f = Counting::new(&repo);
    let crypto = default_backend();
    t.load(&f, &policy(&c.0, now()), crypto).unwrap();
    let n = f.requests.load(Ordering::SeqCst);
    let mut p = policy(&c.0, now() + 30 * 86_400);
    p.offline = true;
    let m = t.load(&f, &p, crypto).unwrap();
    assert_eq!(f.requests.load(Ordering::SeqCst), n);
    let w = m.warnings.join("\n");
    assert!(
        w.contains("last refreshed 30 days ago") && w.contains("expired"),
        "{w}"
    );
    // Online, the expired cache is not used: a refresh is.
    let p = policy(&c.0, now() + 30 * 86_400);
    let e = t.load(&f, &p, crypto).unwrap_err();
    assert!(e.to_string().contains("expir"), "{e}");
}

#[test]
fn processes_refreshing_at_once_take_turns() {
    let repo = repository();
    let c = cache("concurrent");
    let t = trusted(&repo, &c.0);
    let crypto = default_backend();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let f = Counting::new(&repo);
                    t.refresh(&f, &policy(&c.0, now()), crypto)
                })
            })
            .collect();
        for h in handles {
            let m = h.join().unwrap().unwrap();
            assert_eq!(m.trusted_root, super::STAGING_TRUSTED_ROOT.as_bytes());
        }
    });
    let m = t
        .load(&Counting::new(&repo), &policy(&c.0, now()), crypto)
        .unwrap();
    assert!(matches!(m.origin, Origin::Cache { .. }));
}

#[test]
fn cache_directories_per_platform() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    assert_eq!(
        default_cache_dir(env(&[("SIGSTORE_RS_CACHE_DIR", "/c"), ("HOME", "/h")])).unwrap(),
        PathBuf::from("/c")
    );
    if cfg!(target_os = "linux") {
        assert_eq!(
            default_cache_dir(env(&[("XDG_CACHE_HOME", "/x"), ("HOME", "/h")])).unwrap(),
            PathBuf::from("/x/sigstore-rs")
        );
        // A relative XDG_CACHE_HOME is ignored, as the XDG spec says.
        assert_eq!(
            default_cache_dir(env(&[("XDG_CACHE_HOME", "x"), ("HOME", "/h")])).unwrap(),
            PathBuf::from("/h/.cache/sigstore-rs")
        );
    }
    assert!(default_cache_dir(env(&[])).is_err());
    assert_eq!(refresh_interval(env(&[])).unwrap(), 12 * 3600);
    assert_eq!(
        refresh_interval(env(&[("SIGSTORE_RS_REFRESH_INTERVAL", "0")])).unwrap(),
        0
    );
    assert_eq!(
        refresh_interval(env(&[("SIGSTORE_RS_REFRESH_INTERVAL", " 600 ")])).unwrap(),
        600
    );
    let e = refresh_interval(env(&[("SIGSTORE_RS_REFRESH_INTERVAL", "2h")])).unwrap_err();
    assert!(
        e.to_string().contains("not a whole number of seconds"),
        "{e}"
    );
    assert_eq!(describe_age(59), "59 seconds");
    assert_eq!(describe_age(3 * 3600), "3 hours");
    assert_eq!(describe_age(86_400 * 2), "2 days");
}

/// A refresh refused after the timestamp was accepted (an expired
/// snapshot): the spec stores the new timestamp at once, which would leave
/// a set that no longer loads; the last good files are put back, so the
/// cache is as it was and still serves offline.
#[test]
fn a_refusal_part_way_leaves_the_last_good_cache() {
    let repo = repository();
    let c = cache("partway");
    let t = trusted(&repo, &c.0);
    let f = Counting::new(&repo);
    let crypto = default_backend();
    t.load(&f, &policy(&c.0, now()), crypto).unwrap();
    let before = files(&t.cache_dir(&c.0));
    repo.expire("snapshot").unwrap();
    let e = t.refresh(&f, &policy(&c.0, now()), crypto).unwrap_err();
    match &e {
        Error::TrustUpdate(TufError::Metadata(m)) => {
            assert_eq!((m.role.as_str(), m.check), ("snapshot", Check::Expiry));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(files(&t.cache_dir(&c.0)), before);
    let mut p = policy(&c.0, now());
    p.offline = true;
    let m = t.load(&f, &p, crypto).unwrap();
    assert!(matches!(m.origin, Origin::Cache { .. }), "{:?}", m.origin);
    // Cut off part-way (the snapshot cannot be fetched): the same.
    repo.publish().unwrap();
    struct SnapshotDown<'a>(&'a TufRepository);
    impl Fetcher for SnapshotDown<'_> {
        fn fetch(&self, url: &str, max_length: u64) -> Result<Vec<u8>, FetchError> {
            if url.contains("snapshot") {
                return Err(FetchError::Other("connection reset".into()));
            }
            self.0.fetch(url, max_length)
        }
    }
    let m = t
        .refresh(&SnapshotDown(&repo), &policy(&c.0, now()), crypto)
        .unwrap();
    assert!(matches!(m.origin, Origin::Cache { .. }), "{:?}", m.origin);
    assert!(
        m.warnings.join("\n").contains("cannot reach"),
        "{:?}",
        m.warnings
    );
    assert_eq!(files(&t.cache_dir(&c.0)), before);
}

#[test]
fn material_names_its_root_version_and_embedded_material_its_age() {
    let repo = repository();
    let c = cache("versions");
    let t = trusted(&repo, &c.0);
    let f = Counting::new(&repo);
    let crypto = default_backend();
    let m = t.load(&f, &policy(&c.0, now()), crypto).unwrap();
    assert_eq!(m.root_version, Some(1));
    repo.rotate("root").unwrap();
    let m = t.refresh(&f, &policy(&c.0, now()), crypto).unwrap();
    assert_eq!(m.root_version, Some(2));
    let m = t.load(&f, &policy(&c.0, now() + 60), crypto).unwrap();
    assert!(matches!(m.origin, Origin::Cache { .. }));
    assert_eq!(m.root_version, Some(2));
    // Offline with nothing cached: the embedded material, saying how old.
    let mut p = policy(&c.0, now());
    p.offline = true;
    let m = TufTrust::staging().load(&f, &p, crypto).unwrap();
    assert_eq!((m.origin, m.root_version), (Origin::Embedded, None));
    let w = m.warnings.join("\n");
    assert!(
        w.contains("using the material embedded in sigstore_rs")
            && w.contains("whose newest log or authority dates from 20")
            && w.contains(" days ago)"),
        "{w}"
    );
}
