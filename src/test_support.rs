//! Helpers shared by unit tests: the recorded Sigstore material in
//! `tests/assets/` (its `NOTICE.md` names the sources, `MANIFEST.md` the
//! verdicts). The material ships with the repository, so a missing file is a
//! broken checkout and the test fails; it never skips.

use std::path::PathBuf;

/// The repository's `tests/assets` folder.
pub fn fixtures() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/assets");
    assert!(
        p.join("MANIFEST.md").is_file(),
        "recorded test material missing: {} (it is part of the repository)",
        p.display()
    );
    p
}

/// The bytes of `tests/assets/<rel>`; a missing file fails the test.
pub fn read(rel: &str) -> Vec<u8> {
    let p = fixtures().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}
