//! Files written so that a reader never sees half of one: the signing
//! outputs, the TUF metadata cache.

use std::io::Write as _;
use std::path::Path;

/// Writes `data` to `path` atomically: a temporary file in the same
/// directory, synced, then renamed over `path`. On failure nothing is left.
/// The error names the path.
pub fn write_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let fail = |e: std::io::Error| {
        std::io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()))
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} is not a file path", path.display()),
        )
    })?;
    let suffix = crate::crypto::random_bytes(6)
        .map(hex::encode)
        .map_err(|e| fail(std::io::Error::other(e.to_string())))?;
    let tmp = dir.join(format!(".{}.{suffix}.tmp", name.to_string_lossy()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}
