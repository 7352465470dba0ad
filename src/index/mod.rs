//! The client side of a package index: a project's files from the simple
//! repository API ([`page`]: PEP 691 JSON, PEP 503 HTML as a fallback),
//! each file's PEP 740 provenance (the page's `provenance` URL, else PyPI's
//! integrity API), the file itself (bounded, hashed), and the check that
//! ties them together, [`IndexClient::verify_file`], in order:
//!
//! 1. fetch the provenance: the file's `provenance` URL, else
//!    `{origin}/integrity/{project}/{version}/{filename}/provenance`; a 404
//!    is [`IndexError::NoProvenance`] (or, when the caller allows files
//!    without provenance, a file verified without a publisher), anything
//!    that is not a provenance object [`IndexError::MalformedProvenance`];
//! 2. the publisher: every attestation bundle of the provenance must be
//!    filed under the expected publisher ([`ExpectedPublisher::Pinned`],
//!    from the user or a lock file; the first differing claim is named,
//!    [`IndexError::PublisherMismatch`]), or, only where the caller chose
//!    [`ExpectedPublisher::TrustOnFirstUse`], under one publisher, which is
//!    reported;
//! 3. the file: downloaded (at most [`IndexClient::max_file_bytes`]) or read
//!    from a local copy, its SHA-256 equal to the index's and to any the
//!    caller expects ([`IndexError::HashMismatch`]: a file swapped on the
//!    index, or a lock file's pin);
//! 4. every attestation verifies against the file
//!    ([`crate::pep740::Provenance::verify`]: signed by the publisher's
//!    identity, its statement naming this file and digest, so provenance
//!    for another file is refused at the statement or digest step).
//!
//! [`IndexClient::verify_files`] runs many files in parallel, each worker
//! fetching, hashing and verifying one file at a time.
//!
//! ```
//! use sigstore_rs::index::page;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let body = br#"{"meta": {"api-version": "1.3"}, "name": "sampleproject", "files": [
//!   {"filename": "sampleproject-4.0.0.tar.gz", "url": "../../files/sampleproject-4.0.0.tar.gz",
//!    "hashes": {"sha256": "0ace7ab6ec7a0ab9ad4b4cc5b4ca4ee7d2a9a3e0e2d8b1e16b8a8a3d4d0b0a00"},
//!    "provenance": "https://pypi.org/integrity/sampleproject/4.0.0/sampleproject-4.0.0.tar.gz/provenance"}]}"#;
//! let url = "https://pypi.org/simple/sampleproject/";
//! let project = page::parse_project_page(body, Some(page::JSON_MEDIA_TYPE), url, "sampleproject")?;
//! let files = project.release("4.0")?;
//! assert_eq!(files[0].url, "https://pypi.org/files/sampleproject-4.0.0.tar.gz");
//! # Ok(()) }
//! ```
//!
//! ```no_run
//! use sigstore_rs::index::{ExpectedPublisher, FileJob, IndexClient};
//! use sigstore_rs::pep740::Publisher;
//! use sigstore_rs::Verifier;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let client = IndexClient::new("https://pypi.org/simple/")?;
//! let project = client.project("sampleproject")?;
//! let expected = ExpectedPublisher::Pinned(Publisher::GitHub {
//!     repository: "pypa/sampleproject".into(),
//!     workflow: "release.yml".into(),
//!     environment: None,
//! });
//! let jobs: Vec<FileJob> = project.release("4.0.0")?.into_iter()
//!     .map(|f| FileJob::new(f.clone(), expected.clone()))
//!     .collect();
//! for result in client.verify_files(&Verifier::production()?, &jobs, None) {
//!     let file = result?;
//!     println!("{}: {:?}", file.filename, file.publisher);
//! }
//! # Ok(()) }
//! ```

mod error;
pub mod page;

#[cfg(test)]
mod tests;

pub use error::IndexError;
pub use page::{IndexFile, ProjectPage};

use crate::error::{Error, Result};
use crate::net::Http;
use crate::pep740::publisher::first_difference;
use crate::pep740::{Distribution, Expected, Provenance, Publisher, Verified};
use crate::verify::Verifier;
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};

/// PyPI's simple API, the default index.
pub const PYPI_SIMPLE_URL: &str = "https://pypi.org/simple/";
/// The default bound on a downloaded file: 1 GiB. PyPI's default upload
/// limit is 100 MiB and its largest per-project limits are around 1 GiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 1 << 30;
/// A provenance object is a few attestations of a few KiB; PyPI's upload
/// form allows few attestations per file.
const MAX_PROVENANCE_BYTES: u64 = 4 << 20;
/// A project page lists every file ever uploaded; large projects' JSON pages
/// reach tens of MiB.
const MAX_PAGE_BYTES: u64 = 64 << 20;

/// Whom a file's provenance must come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectedPublisher {
    /// A publisher from the user or a lock file, never from the index.
    Pinned(Publisher),
    /// Whichever single publisher the provenance names: only where the
    /// user asked for trust on first use. The publisher is reported
    /// ([`VerifiedFile::publisher`]) for the caller to show or record.
    TrustOnFirstUse,
}

/// Where a file's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileSource {
    /// Downloaded from the index, and saved into the directory if one is
    /// given (only once every check passed).
    Download(Option<PathBuf>),
    /// A local copy (from a cache, or the user), which must be the file the
    /// index lists.
    Local(PathBuf),
}

/// One file to check.
#[derive(Debug, Clone)]
pub struct FileJob {
    /// The file as the index lists it.
    pub file: IndexFile,
    /// Whom its provenance must come from.
    pub expected: ExpectedPublisher,
    /// A SHA-256 the caller expects (a lock file's), besides the index's.
    pub expected_sha256: Option<String>,
    /// Who gave `expected_sha256`, for messages (default `the caller`).
    pub expected_sha256_source: String,
    /// Where the bytes come from (default: downloaded, not saved).
    pub source: FileSource,
    /// Whether a file without provenance fails (default `true`); when
    /// `false` it is hashed and reported with no publisher.
    pub require_provenance: bool,
}

impl FileJob {
    /// A job that downloads `file` (not saved) and requires provenance.
    pub fn new(file: IndexFile, expected: ExpectedPublisher) -> FileJob {
        FileJob {
            file,
            expected,
            expected_sha256: None,
            expected_sha256_source: "the caller".into(),
            source: FileSource::Download(None),
            require_provenance: true,
        }
    }
}

/// A file that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedFile {
    /// The file name.
    pub filename: String,
    /// Where the index serves it.
    pub url: String,
    /// Its SHA-256 (lowercase hex).
    pub sha256: String,
    /// The publisher its provenance verified against; `None` only for a file
    /// without provenance where the job allowed that.
    pub publisher: Option<Publisher>,
    /// Whether the publisher was trusted on first use rather than expected.
    pub trusted_on_first_use: bool,
    /// Each verified attestation.
    pub attestations: Vec<Verified>,
    /// Where the file was saved or read, if anywhere.
    pub path: Option<PathBuf>,
}

/// Checks `provenance` against the expectation, then verifies it for
/// `dist` (steps 2 and 4 of the module documentation; sans-IO). Returns
/// the publisher the attestations verified against and the attestations.
pub fn verify_provenance(
    verifier: &Verifier,
    dist: &Distribution,
    provenance: &Provenance,
    expected: &ExpectedPublisher,
) -> Result<(Publisher, Vec<Verified>)> {
    let publisher = check_publisher(dist.name(), provenance, expected)?;
    let policy = match expected {
        ExpectedPublisher::Pinned(p) => Expected::Policy(p.policy()),
        ExpectedPublisher::TrustOnFirstUse => Expected::TrustOnFirstUse,
    };
    let verified = provenance
        .verify(verifier, dist, &policy)
        .map_err(|e| naming_file(e, dist.name()))?;
    Ok((publisher, verified))
}

/// Step 2: the one publisher of the provenance, equal to the expected one.
fn check_publisher(
    filename: &str,
    provenance: &Provenance,
    expected: &ExpectedPublisher,
) -> Result<Publisher> {
    let mut bundles = provenance.attestation_bundles.iter().map(|b| &b.publisher);
    let Some(first) = bundles.next() else {
        return Err(IndexError::MalformedProvenance {
            filename: filename.into(),
            url: "(given)".into(),
            reason: "it holds no attestation bundles".into(),
        }
        .into());
    };
    match expected {
        ExpectedPublisher::Pinned(want) => {
            for found in std::iter::once(first).chain(bundles) {
                if let Some((claim, e, f)) = first_difference(want, found) {
                    return Err(IndexError::PublisherMismatch {
                        filename: filename.into(),
                        claim: claim.into(),
                        expected: e,
                        found: f,
                        expected_publisher: want.to_string(),
                        found_publisher: found.to_string(),
                    }
                    .into());
                }
            }
            Ok(want.clone())
        }
        ExpectedPublisher::TrustOnFirstUse => {
            if let Some(other) = bundles.find(|p| *p != first) {
                return Err(Error::InvalidInput(format!(
                    "{filename}: its provenance names two publishers ({first}; {other}); \
                     trust on first use needs one: name the publisher you expect"
                )));
            }
            Ok(first.clone())
        }
    }
}

/// A verification error of a file's provenance, naming the file.
fn naming_file(e: Error, filename: &str) -> Error {
    match e {
        Error::Verification { step, message } => Error::Verification {
            step,
            message: format!("{filename}: {message}"),
        },
        Error::InvalidAttestation(m) => Error::InvalidAttestation(format!("{filename}: {m}")),
        Error::Conversion(m) => Error::Conversion(format!("{filename}: {m}")),
        Error::InvalidBundle(m) => Error::InvalidBundle(format!("{filename}: {m}")),
        Error::InvalidInput(m) => Error::InvalidInput(format!("{filename}: {m}")),
        other => other,
    }
}

/// A client of one index's simple API. All requests go through
/// [`crate::net::Http`] (timeouts, retries, proxies; none for loopback).
#[derive(Debug, Clone)]
pub struct IndexClient {
    index_url: String,
    http: Http,
    max_file_bytes: u64,
}

impl IndexClient {
    /// A client of the simple API at `index_url` (e.g.
    /// [`PYPI_SIMPLE_URL`]); an http(s) URL.
    pub fn new(index_url: &str) -> Result<IndexClient> {
        page::resolve_url(index_url, "")?;
        Ok(IndexClient {
            index_url: index_url.to_owned(),
            http: Http::new(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        })
    }

    /// The same client with another bound on downloaded files.
    pub fn with_max_file_bytes(mut self, max: u64) -> IndexClient {
        self.max_file_bytes = max;
        self
    }

    /// The same client with another HTTP client (retry policy).
    pub fn with_http(mut self, http: Http) -> IndexClient {
        self.http = http;
        self
    }

    /// The simple API's URL.
    pub fn index_url(&self) -> &str {
        &self.index_url
    }

    /// The bound on downloaded files, in bytes.
    pub fn max_file_bytes(&self) -> u64 {
        self.max_file_bytes
    }

    fn get(
        &self,
        what: &str,
        url: &str,
        accept: &str,
        limit: u64,
    ) -> Result<crate::net::HttpResponse> {
        self.http
            .get_bounded(url, &[("Accept", accept)], limit)
            .map_err(|e| {
                let reason = match e {
                    Error::Network(m) => m,
                    other => other.to_string(),
                };
                IndexError::Fetch {
                    what: what.into(),
                    reason: format!("the index could not be reached: {reason}"),
                }
                .into()
            })
    }

    /// The project's page (PEP 691 JSON, or PEP 503 HTML if that is what
    /// the index serves).
    pub fn project(&self, project: &str) -> Result<ProjectPage> {
        let url = page::project_url(&self.index_url, project)?;
        let r = self.get(project, &url, page::ACCEPT, MAX_PAGE_BYTES)?;
        if r.status == 404 {
            return Err(IndexError::NotFound {
                what: project.into(),
                reason: format!("no such project on the index ({url} answered 404)"),
            }
            .into());
        }
        if !r.is_success() {
            return Err(IndexError::Fetch {
                what: project.into(),
                reason: format!("{url} answered HTTP {}: {}", r.status, r.body_snippet()),
            }
            .into());
        }
        page::parse_project_page(&r.body, r.content_type.as_deref(), &url, project).map_err(|e| {
            IndexError::Page {
                what: project.into(),
                reason: match e {
                    Error::InvalidInput(m) => m,
                    other => other.to_string(),
                },
            }
            .into()
        })
    }

    /// The files of `project`'s release `version`; none is
    /// [`IndexError::NotFound`].
    pub fn release(&self, project: &str, version: &str) -> Result<Vec<IndexFile>> {
        let page = self.project(project)?;
        let files: Vec<IndexFile> = page.release(version)?.into_iter().cloned().collect();
        if files.is_empty() {
            return Err(IndexError::NotFound {
                what: format!("{project}=={version}"),
                reason: format!("the index lists no file of this release ({})", page.url),
            }
            .into());
        }
        Ok(files)
    }

    /// The URL of `file`'s provenance: the page's, else the integrity API's.
    pub fn provenance_url(&self, file: &IndexFile) -> Result<String> {
        match &file.provenance_url {
            Some(u) => Ok(u.clone()),
            None => page::integrity_url(&self.index_url, &file.filename),
        }
    }

    /// `file`'s provenance object; `Ok(None)` if the index answers 404.
    pub fn provenance(&self, file: &IndexFile) -> Result<Option<Provenance>> {
        let url = self.provenance_url(file)?;
        let accept = "application/vnd.pypi.integrity.v1+json, application/json;q=0.5";
        let r = self.get(&file.filename, &url, accept, MAX_PROVENANCE_BYTES)?;
        if r.status == 404 {
            return Ok(None);
        }
        if !r.is_success() {
            return Err(IndexError::Fetch {
                what: file.filename.clone(),
                reason: format!("{url} answered HTTP {}: {}", r.status, r.body_snippet()),
            }
            .into());
        }
        Provenance::from_json(&r.body).map(Some).map_err(|e| {
            IndexError::MalformedProvenance {
                filename: file.filename.clone(),
                url,
                reason: match e {
                    Error::InvalidAttestation(m) => m,
                    other => other.to_string(),
                },
            }
            .into()
        })
    }

    /// Downloads `file` (at most [`Self::max_file_bytes`]) and checks its
    /// SHA-256 against the index's and `expected_sha256`.
    pub fn download(&self, file: &IndexFile, expected_sha256: Option<&str>) -> Result<Vec<u8>> {
        let data = self.fetch(file)?;
        let sha256 = hex::encode(Sha256::digest(&data));
        check_hash(file, &sha256, expected_sha256, "the caller")?;
        Ok(data)
    }

    /// The file's bytes, unchecked.
    fn fetch(&self, file: &IndexFile) -> Result<Vec<u8>> {
        let download_err = |reason: String| -> Error {
            IndexError::Download {
                filename: file.filename.clone(),
                reason,
            }
            .into()
        };
        let r = self
            .http
            .get_bounded(&file.url, &[], self.max_file_bytes)
            .map_err(|e| download_err(e.to_string()))?;
        if !r.is_success() {
            return Err(download_err(format!(
                "{} answered HTTP {}: {}",
                file.url,
                r.status,
                r.body_snippet()
            )));
        }
        Ok(r.body)
    }

    /// Steps 1 to 4 of the module documentation for one file.
    pub fn verify_file(&self, verifier: &Verifier, job: &FileJob) -> Result<VerifiedFile> {
        let file = &job.file;
        // Step 1.
        let provenance = self.provenance(file)?;
        if provenance.is_none() && job.require_provenance {
            return Err(IndexError::NoProvenance {
                filename: file.filename.clone(),
                url: self.provenance_url(file)?,
                detail: "404".into(),
            }
            .into());
        }
        // Step 2, before the download: a file from someone else costs nothing.
        if let Some(p) = &provenance {
            check_publisher(&file.filename, p, &job.expected)?;
        }
        // Step 3.
        let expected = job.expected_sha256.as_deref();
        let (sha256, data) = match &job.source {
            FileSource::Local(path) => {
                let dist = Distribution::from_file(path).map_err(|e| IndexError::Download {
                    filename: file.filename.clone(),
                    reason: e.to_string(),
                })?;
                let sha256 = dist.sha256_hex();
                check_hash(file, &sha256, expected, &job.expected_sha256_source)?;
                (sha256, None)
            }
            FileSource::Download(_) => {
                let data = self.fetch(file)?;
                let sha256 = hex::encode(Sha256::digest(&data));
                check_hash(file, &sha256, expected, &job.expected_sha256_source)?;
                (sha256, Some(data))
            }
        };
        let dist = Distribution::new(&file.filename, &sha256)
            .map_err(|e| naming_file(e, &file.filename))?;
        // Step 4.
        let (publisher, attestations) = match &provenance {
            Some(p) => {
                let (publisher, v) = verify_provenance(verifier, &dist, p, &job.expected)?;
                (Some(publisher), v)
            }
            None => (None, Vec::new()),
        };
        // Saved only now that every check passed.
        let path = match (&job.source, data) {
            (FileSource::Local(path), _) => Some(path.clone()),
            (FileSource::Download(Some(dir)), Some(data)) => {
                Some(save_atomically(dir, &file.filename, &data)?)
            }
            _ => None,
        };
        Ok(VerifiedFile {
            filename: file.filename.clone(),
            url: file.url.clone(),
            sha256,
            trusted_on_first_use: publisher.is_some()
                && job.expected == ExpectedPublisher::TrustOnFirstUse,
            publisher,
            attestations,
            path,
        })
    }

    /// [`Self::verify_file`] for every job, on `threads` threads (`None`:
    /// one per core, at least 4, as the work is partly network waits).
    /// Results are in job order; one failing file never affects another.
    pub fn verify_files(
        &self,
        verifier: &Verifier,
        jobs: &[FileJob],
        threads: Option<usize>,
    ) -> Vec<Result<VerifiedFile>> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        crate::parallel::map(jobs, threads.unwrap_or(cores.max(4)), |job| {
            self.verify_file(verifier, job)
        })
    }
}

/// Writes `data` to `dir/filename` atomically ([`crate::files::write_atomic`]),
/// so a reader never sees half a file.
fn save_atomically(dir: &Path, filename: &str, data: &[u8]) -> Result<PathBuf> {
    let dest = dir.join(filename);
    crate::files::write_atomic(&dest, data).map_err(|e| IndexError::Download {
        filename: filename.into(),
        reason: format!("saving it: {e}"),
    })?;
    Ok(dest)
}

/// Step 3's comparison: the index's hash, then the caller's.
fn check_hash(file: &IndexFile, sha256: &str, expected: Option<&str>, source: &str) -> Result<()> {
    let pins = file
        .sha256
        .as_deref()
        .map(|h| ("the index", h))
        .into_iter()
        .chain(expected.map(|h| (source, h)));
    for (who, want) in pins {
        if !want.eq_ignore_ascii_case(sha256) {
            return Err(IndexError::HashMismatch {
                filename: file.filename.clone(),
                source_name: who.into(),
                expected: want.to_ascii_lowercase(),
                found: sha256.into(),
            }
            .into());
        }
    }
    Ok(())
}
