//! What can go wrong between a package index and a verified file, one
//! variant per step of [`super::IndexClient::verify_file`]; each message is
//! one line naming the project or file and the reason.

use thiserror::Error;

/// A failed step of fetching from an index or checking what it served.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum IndexError {
    /// The index could not be reached, or answered a request with an error
    /// status (other than a provenance 404, which is [`Self::NoProvenance`]).
    #[error("{what}: {reason}")]
    Fetch {
        /// The project or file the request was for.
        what: String,
        /// The URL and why it failed.
        reason: String,
    },
    /// A project page is not a PEP 691 / PEP 503 page this client reads.
    #[error("{what}: {reason}")]
    Page {
        /// The project.
        what: String,
        /// What is wrong with the page.
        reason: String,
    },
    /// The project, release or file is not on the index.
    #[error("{what}: {reason}")]
    NotFound {
        /// The project, release or file asked for.
        what: String,
        /// Where it was looked for.
        reason: String,
    },
    /// The index has no provenance for the file (the provenance URL answered
    /// 404, or the page names none and the integrity API has none).
    #[error("{filename}: the index has no provenance for it ({url} answered {detail})")]
    NoProvenance {
        /// The file.
        filename: String,
        /// The provenance URL tried.
        url: String,
        /// The answer.
        detail: String,
    },
    /// The provenance the index served is not a PEP 740 provenance object.
    #[error("{filename}: the provenance at {url} is malformed: {reason}")]
    MalformedProvenance {
        /// The file.
        filename: String,
        /// The provenance URL.
        url: String,
        /// Why it does not parse.
        reason: String,
    },
    /// The file could not be downloaded or read.
    #[error("{filename}: {reason}")]
    Download {
        /// The file.
        filename: String,
        /// The URL or path and why.
        reason: String,
    },
    /// The file's SHA-256 is not the one the index (or the caller) gave.
    #[error("{filename}: its sha256 is {found}, but {source_name} gives {expected}")]
    HashMismatch {
        /// The file.
        filename: String,
        /// Who gave the expected hash (`the index`, `the lock file`, …).
        source_name: String,
        /// The expected hash.
        expected: String,
        /// The file's hash.
        found: String,
    },
    /// The provenance was filed by a publisher other than the expected one.
    #[error(
        "{filename}: the publisher differs: expected {claim} {expected}, the provenance names \
         {found} (expected publisher: {expected_publisher}; provenance: {found_publisher})"
    )]
    PublisherMismatch {
        /// The file.
        filename: String,
        /// The differing claim: `kind`, `repository`, `workflow`, `environment`, ….
        claim: String,
        /// The expected claim's value.
        expected: String,
        /// The provenance's claim's value.
        found: String,
        /// The expected publisher, for people.
        expected_publisher: String,
        /// The provenance's publisher, for people.
        found_publisher: String,
    },
}
