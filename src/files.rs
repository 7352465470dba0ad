//! Files written so that a reader never sees half of one: the signing
//! outputs, the TUF metadata cache.

use crate::crypto;
use crate::error::{Error, Result};

/// Writes `data` to `path` atomically: a temporary file in the same
/// directory, synced, then renamed over `path`. On failure nothing is left.
pub fn write_atomic(path: &std::path::Path, data: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| std::path::Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| Error::Io(format!("{} is not a file path", path.display())))?;
    let suffix = crypto::random_bytes(6)
        .map(hex::encode)
        .map_err(|e| Error::Io(e.to_string()))?;
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
        Error::Io(format!("cannot write {}: {e}", path.display()))
    })
}
