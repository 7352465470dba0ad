//! A TUF client (The Update Framework specification 1.0.x), the way
//! Sigstore distributes its trust roots: [`metadata`] parses and checks
//! signatures, [`trusted::TrustedSet`] decides which metadata to trust,
//! [`updater::Updater`] fetches and stores (its [`updater::Fetcher`] is
//! [`crate::net::Http`] in use and a map in tests).
//!
//! Our own code rather than a crate, measured (2026-11-29, this 2-core
//! machine): `tough` 0.24 (awslabs), the maintained Rust client, is async
//! on tokio (tokio 1.54 needs Rust 1.85, above this crate's 1.82), brings
//! ICU4X through `url` (Rust 1.83+, what our `idna_adapter` pin avoids),
//! verifies with aws-lc-rs directly (so the RustCrypto build could not use
//! it, and the crypto seam would be bypassed), and adds 53 crates to our
//! dependency tree; a release build of `tough` alone takes 1 min 43 s. This
//! client is about 2,300 lines with its tests, is synchronous on the crate's one HTTP client
//! ([`crate::net`]), goes through [`crate::crypto::CryptoBackend`], adds
//! about 370 KB to the release extension module (8.19 MB → 8.56 MB,
//! together with the Sigstore layer in [`crate::trust::tuf`] and the test
//! repository), and passes all 113 tests of the TUF conformance suite
//! (`tests/tuf-conformance`, run by `scripts/test.sh`, no xfails; python-tuf
//! passes 112 of them).
//! `tuf` (the older rust-tuf) is unmaintained.

pub mod canonical;
pub mod metadata;
pub mod trusted;
pub mod updater;

#[cfg(test)]
mod tests;

use thiserror::Error;

/// Which check of the client workflow refused metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Not well-formed metadata of the expected type.
    Format,
    /// Not signed by a threshold of the role's keys.
    Signatures,
    /// Not the version the referring metadata names.
    Version,
    /// A lower version than already trusted, or a listed file removed.
    Rollback,
    /// Expired at the reference time ("freeze attack", §5.4.4).
    Expiry,
    /// Not the length the referring metadata names.
    Length,
    /// Not the digests the referring metadata names.
    Hashes,
    /// Not delegated, or not listed in the snapshot.
    Delegation,
    /// Asked for out of the workflow's order (a caller's mistake).
    Order,
}

impl Check {
    /// The check's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Check::Format => "format",
            Check::Signatures => "signature threshold",
            Check::Version => "version",
            Check::Rollback => "rollback",
            Check::Expiry => "expiry",
            Check::Length => "length",
            Check::Hashes => "hashes",
            Check::Delegation => "delegation",
            Check::Order => "update order",
        }
    }
}

/// Metadata (or a target file) refused by a check.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{role} failed the {} check: {message}", check.name())]
pub struct MetadataError {
    /// The role (or target path) refused.
    pub role: String,
    /// The check that refused it.
    pub check: Check,
    /// What was expected and what was found.
    pub message: String,
}

/// Why a fetch failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FetchError {
    /// The server answered with this HTTP status.
    #[error("HTTP status {0}")]
    Status(u16),
    /// The body was longer than allowed.
    #[error("longer than the {0} bytes allowed")]
    TooLong(u64),
    /// No answer (connection, TLS, timeout…).
    #[error("{0}")]
    Other(String),
}

/// Why a TUF operation failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TufError {
    /// Metadata or a target was refused.
    #[error("TUF metadata: {0}")]
    Metadata(#[from] MetadataError),
    /// A file could not be fetched.
    #[error("TUF repository: fetching {url}: {error}")]
    Fetch {
        /// What was fetched.
        url: String,
        /// Why it failed.
        error: FetchError,
    },
    /// The local metadata or target directory could not be read or written.
    #[error("TUF cache: {0}")]
    Io(String),
    /// No targets role lists the target.
    #[error("TUF: no trusted targets metadata lists {0:?}")]
    TargetNotFound(String),
}
