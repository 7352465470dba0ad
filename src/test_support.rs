//! Helpers shared by unit tests: where the recorded fixtures live.

use std::path::PathBuf;

/// `../shared/fixtures` beside the checkout (or `$SIGSTORE_RS_FIXTURES`);
/// `None` when absent, and tests that need it return early saying why.
pub fn fixtures() -> Option<PathBuf> {
    let p = std::env::var_os("SIGSTORE_RS_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"));
    if p.join("MANIFEST.md").is_file() {
        Some(p)
    } else {
        eprintln!(
            "skipped: recorded fixtures not found at {} (set SIGSTORE_RS_FIXTURES)",
            p.display()
        );
        None
    }
}

pub fn read(rel: &str) -> Option<Vec<u8>> {
    let p = fixtures()?.join(rel);
    Some(std::fs::read(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display())))
}
