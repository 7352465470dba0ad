//! The client workflow against [`crate::testing::tuf::TufRepository`]:
//! refresh, target download, root rotation, and each refusal named by role
//! and check with the stored metadata left as it was.

use super::updater::{cached_target, Updater};
use super::{Check, TufError};
use crate::crypto::{all_backends, CryptoBackend};
use crate::test_support::{fixtures, TempDir};
use crate::testing::tuf::TufRepository;
use std::path::{Path, PathBuf};

const URL: &str = "http://tuf.invalid";
const TARGETS_URL: &str = "http://tuf.invalid/targets";

fn fresh_dir(repo: &TufRepository, name: &str) -> TempDir {
    let dir = TempDir::new(&format!("tuf-{name}"));
    std::fs::write(dir.0.join("root.json"), repo.root(1).unwrap()).unwrap();
    dir
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn refresh(repo: &TufRepository, dir: &Path, crypto: &dyn CryptoBackend) -> Result<(), TufError> {
    Updater::new(dir, URL, repo, crypto, now())?.refresh()
}

fn stored(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn refused(result: Result<(), TufError>, role: &str, check: Check) -> String {
    match result {
        Err(TufError::Metadata(e)) => {
            assert_eq!((e.role.as_str(), e.check), (role, check), "{e}");
            e.to_string()
        }
        other => panic!("expected {role} to fail the {check:?} check, got {other:?}"),
    }
}

#[test]
fn refresh_and_download_on_every_backend() {
    let repo = TufRepository::new(&[("trusted_root.json", b"{}"), ("a/b.txt", b"bee")]).unwrap();
    for crypto in all_backends() {
        let dir = fresh_dir(&repo, crypto.name());
        let mut u = Updater::new(&dir.0, URL, &repo, crypto, now()).unwrap();
        u.refresh().unwrap();
        let names: Vec<String> = stored(&dir.0).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "root.json",
                "snapshot.json",
                "targets.json",
                "timestamp.json"
            ]
        );
        let targets = dir.0.join("t");
        std::fs::create_dir_all(&targets).unwrap();
        let p = u.fetch_target("a/b.txt", &targets, TARGETS_URL).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"bee");
        assert_eq!(p.file_name().unwrap(), "a%2Fb.txt");
        let info = u.target_info("a/b.txt").unwrap().unwrap();
        assert!(cached_target(crypto, &targets, "a/b.txt", &info).is_some());
        assert!(matches!(
            u.fetch_target("missing", &targets, TARGETS_URL),
            Err(TufError::TargetNotFound(_))
        ));
    }
}

#[test]
fn root_rotation_is_followed() {
    let repo = TufRepository::new(&[]).unwrap();
    let crypto = crate::crypto::default_backend();
    let dir = fresh_dir(&repo, "rotation");
    repo.rotate("root").unwrap();
    repo.rotate("timestamp").unwrap();
    refresh(&repo, &dir.0, crypto).unwrap();
    let u = Updater::new(&dir.0, URL, &repo, crypto, now()).unwrap();
    assert_eq!(u.trusted().root().common.version, 3);
}

#[test]
fn a_rolled_back_timestamp_is_refused_and_the_cache_kept() {
    let repo = TufRepository::new(&[]).unwrap();
    let crypto = crate::crypto::default_backend();
    let dir = fresh_dir(&repo, "rollback");
    repo.publish().unwrap();
    refresh(&repo, &dir.0, crypto).unwrap();
    let before = stored(&dir.0);
    repo.roll_back_timestamp().unwrap();
    let msg = refused(refresh(&repo, &dir.0, crypto), "timestamp", Check::Rollback);
    assert!(
        msg.contains("version 1 is lower than the trusted version 2"),
        "{msg}"
    );
    assert_eq!(stored(&dir.0), before);
}

#[test]
fn expired_metadata_is_refused_and_the_cache_kept() {
    for role in ["timestamp", "snapshot", "targets"] {
        let repo = TufRepository::new(&[]).unwrap();
        let crypto = crate::crypto::default_backend();
        let dir = fresh_dir(&repo, role);
        refresh(&repo, &dir.0, crypto).unwrap();
        let before = stored(&dir.0);
        repo.expire(role).unwrap();
        let msg = refused(refresh(&repo, &dir.0, crypto), role, Check::Expiry);
        assert!(msg.contains("expired at"), "{msg}");
        // An expired timestamp is not stored; a newer snapshot or targets
        // is stored only after it verified, and an expired one did not.
        if role == "timestamp" {
            assert_eq!(stored(&dir.0), before);
        } else {
            let after = stored(&dir.0);
            let file = format!("{role}.json");
            assert_eq!(
                after.iter().find(|(n, _)| *n == file),
                before.iter().find(|(n, _)| *n == file)
            );
        }
    }
}

#[test]
fn tampered_and_truncated_metadata_is_refused() {
    let repo = TufRepository::new(&[]).unwrap();
    let crypto = crate::crypto::default_backend();
    let dir = fresh_dir(&repo, "tamper");
    refresh(&repo, &dir.0, crypto).unwrap();
    let before = stored(&dir.0);
    repo.publish().unwrap();
    // The snapshot listed by the new timestamp, changed by one byte: its
    // length and hash no longer match.
    let snap = repo.file("metadata/2.snapshot.json").unwrap();
    let mut bad = snap.clone();
    bad[10] ^= 1;
    repo.tamper("metadata/2.snapshot.json", &bad).unwrap();
    refused(refresh(&repo, &dir.0, crypto), "snapshot", Check::Hashes);
    repo.tamper("metadata/2.snapshot.json", &snap[..snap.len() - 1])
        .unwrap();
    refused(refresh(&repo, &dir.0, crypto), "snapshot", Check::Length);
    // A timestamp re-signed by nobody: its signature is over other bytes.
    let ts = repo.file("metadata/timestamp.json").unwrap();
    let text = String::from_utf8(ts)
        .unwrap()
        .replace("\"version\": 2", "\"version\": 3");
    repo.tamper("metadata/timestamp.json", text.as_bytes())
        .unwrap();
    let msg = refused(
        refresh(&repo, &dir.0, crypto),
        "timestamp",
        Check::Signatures,
    );
    assert!(
        msg.contains("0 valid signature(s) from its 1 key(s), threshold 1"),
        "{msg}"
    );
    // Only the timestamp changed on disk in between: it verified.
    let after = stored(&dir.0);
    assert_eq!(after.len(), before.len());
    repo.tamper("metadata/timestamp.json", b"not json").unwrap();
    refused(refresh(&repo, &dir.0, crypto), "timestamp", Check::Format);
}

#[test]
fn oversized_metadata_is_not_read_past_its_limit() {
    let repo = TufRepository::new(&[]).unwrap();
    let crypto = crate::crypto::default_backend();
    let dir = fresh_dir(&repo, "oversized");
    repo.tamper("metadata/timestamp.json", &vec![b' '; 20_000])
        .unwrap();
    match refresh(&repo, &dir.0, crypto) {
        Err(TufError::Fetch {
            error: super::FetchError::TooLong(16_384),
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unsigned_initial_root_is_refused() {
    let repo = TufRepository::new(&[]).unwrap();
    let dir = fresh_dir(&repo, "unsigned");
    let root = String::from_utf8(repo.root(1).unwrap()).unwrap();
    let root = root.replace("\"threshold\": 1", "\"threshold\": 2");
    std::fs::write(dir.0.join("root.json"), root).unwrap();
    let crypto = crate::crypto::default_backend();
    let err = Updater::new(&dir.0, URL, &repo, crypto, now())
        .err()
        .unwrap();
    assert!(
        matches!(&err, TufError::Metadata(e) if e.check == Check::Signatures),
        "{err}"
    );
}

/// A directory served as a TUF repository: `<base>/<file>` is
/// `dir/<file>`, `<base>/targets/<file>` is `dir/targets/<file>`.
struct DirRepository(PathBuf);

impl super::updater::Fetcher for DirRepository {
    fn fetch(&self, url: &str, max_length: u64) -> Result<Vec<u8>, super::FetchError> {
        let rel = url
            .strip_prefix("http://tuf.invalid/")
            .ok_or(super::FetchError::Status(404))?;
        let data = std::fs::read(self.0.join(rel)).map_err(|_| super::FetchError::Status(404))?;
        if data.len() as u64 > max_length {
            return Err(super::FetchError::TooLong(max_length));
        }
        Ok(data)
    }
}

/// Real metadata: Sigstore's staging TUF repository as recorded by
/// sigstore-python (timestamp v353, snapshot v16, targets v17 with an
/// npm delegation carrying custom key fields), verified from staging's
/// root at a time before the recorded timestamp expired.
#[test]
fn recorded_staging_repository_verifies() {
    let assets = fixtures();
    let repo = DirRepository(assets.join("sigstore-python/staging-tuf"));
    let when = super::metadata::parse_expires("2025-07-20T00:00:00Z").unwrap();
    for crypto in all_backends() {
        let dir = TempDir::new(&format!("tuf-staging-{}", crypto.name()));
        std::fs::copy(
            assets.join("trust/staging/root.json"),
            dir.0.join("root.json"),
        )
        .unwrap();
        let mut u = Updater::new(&dir.0, "http://tuf.invalid", &repo, crypto, when).unwrap();
        u.refresh().unwrap();
        let out = dir.0.join("targets");
        std::fs::create_dir_all(&out).unwrap();
        let p = u
            .fetch_target("trusted_root.json", &out, "http://tuf.invalid/targets")
            .unwrap();
        let root = crate::TrustedRoot::from_json(&std::fs::read(p).unwrap());
        assert!(root.is_ok(), "{root:?}");
        // After the timestamp's expiry the same repository is refused.
        let later = super::metadata::parse_expires("2025-07-30T00:00:00Z").unwrap();
        let stale = Updater::new(&dir.0, "http://tuf.invalid", &repo, crypto, later)
            .unwrap()
            .refresh();
        refused(stale, "timestamp", Check::Expiry);
    }
}
