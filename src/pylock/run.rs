//! `pylock verify` and `pylock pin`: every file a lock names, checked
//! through the index client ([`crate::index`]) in parallel, judged against
//! the package's pins ([`judge`]), and for `pin` the publishers written
//! back atomically.
//!
//! Per package, in order:
//! 1. a package not from an index (VCS, directory, archive) has no
//!    provenance: reported, and refused if the lock pins it;
//! 2. its index: `--index-url` if given (it overrides the lock, as pip's
//!    does), else the package's `index`, else PyPI;
//! 3. the project page, and on it each file the lock names (by file name):
//!    a file the index does not list is refused;
//! 4. each file through [`IndexClient::verify_file`]: its provenance (a
//!    pinned package's file must have one), its publisher (the pin, or
//!    on first use the one the provenance names), its bytes (read from the
//!    distribution directory, else downloaded) with the lock's SHA-256, and
//!    every attestation.

use super::check::{judge, Finding, FindingKind};
use super::{with_pins, Lock, Package, Source};
use crate::error::{Error, Result};
use crate::files::write_atomic;
use crate::index::{
    ExpectedPublisher, FileJob, FileSource, IndexClient, IndexFile, ProjectPage, PYPI_SIMPLE_URL,
};
use crate::pep740::Publisher;
use crate::verify::Verifier;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How a lock is checked.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The simple API for every package, overriding the lock's `index`.
    pub index_url: Option<String>,
    /// A directory holding (some of) the files: read from there rather
    /// than downloaded.
    pub dist_dir: Option<PathBuf>,
    /// Worker threads (`None`: the index client's default).
    pub threads: Option<usize>,
}

/// What a check of a lock found, file by file, in lock order.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// One finding per file (one per package not from an index).
    pub findings: Vec<Finding>,
}

impl Report {
    /// The findings that fail the check (see [`Finding::is_failure`]).
    pub fn failures(&self, require_pins: bool) -> Vec<&Finding> {
        self.findings
            .iter()
            .filter(|f| f.is_failure(require_pins))
            .collect()
    }
}

/// Where a file's job came from: the package and file indexes in the lock.
struct Slot {
    package: usize,
    file: usize,
}

/// Checks every file of `lock` against its package's pins: `pylock verify`.
pub fn verify_lock(verifier: &Verifier, lock: &Lock, options: &Options) -> Report {
    run(verifier, lock, options).0
}

/// The result of [`pin_lock`].
#[derive(Debug, Clone, PartialEq)]
pub struct PinOutcome {
    /// The check of every file, as [`verify_lock`] reports it (an unpinned
    /// package verified on first use is [`FindingKind::Unpinned`]).
    pub report: Report,
    /// The pins to write, one per package that had none and whose every
    /// file verified on first use.
    pub pins: Vec<Pin>,
    /// Whether [`pin_file`] wrote the lock (never for [`pin_lock`]).
    pub written: bool,
}

/// A package's new pins.
#[derive(Debug, Clone, PartialEq)]
pub struct Pin {
    /// The package's index in `[[packages]]`.
    pub index: usize,
    /// The package's name.
    pub package: String,
    /// The publishers its files verified with.
    pub publishers: Vec<Publisher>,
}

/// `pylock pin`: checks every file as [`verify_lock`] does; each package
/// without pins whose every file has provenance, verified against the
/// publisher it names, gets those publishers as pins. Pinning a package is
/// trust on first use, so it needs `trust_on_first_use`; without it an
/// unpinned package with provenance is refused, naming the publisher it
/// would get. A package with some files with provenance and some without
/// is refused (a pin would make `verify` fail on the others); one with
/// none stays unpinned (reported). Pins already in the lock are checked,
/// never replaced.
pub fn pin_lock(
    verifier: &Verifier,
    lock: &Lock,
    options: &Options,
    trust_on_first_use: bool,
) -> PinOutcome {
    let (mut report, by_package) = run(verifier, lock, options);
    let mut pins = Vec::new();
    for (i, package) in lock.packages.iter().enumerate() {
        if !package.identities.is_empty() || package.source != Source::Index {
            continue;
        }
        let mine: Vec<usize> = by_package.get(&i).cloned().unwrap_or_default();
        let mut publishers: Vec<Publisher> = Vec::new();
        let mut without = Vec::new();
        let mut failed = false;
        for &f in &mine {
            match report.findings.get(f).map(|f| &f.kind) {
                Some(FindingKind::Unpinned(ps)) => {
                    for p in ps {
                        if !publishers.contains(p) {
                            publishers.push(p.clone());
                        }
                    }
                }
                Some(FindingKind::NoProvenance) => without.push(f),
                _ => failed = true,
            }
        }
        if failed || publishers.is_empty() {
            continue;
        }
        if !without.is_empty() {
            for f in without {
                if let Some(finding) = report.findings.get_mut(f) {
                    finding.kind = FindingKind::Failed(format!(
                        "the index serves no provenance for it, but does for other files of \
                         the package (published by {}): cannot pin the package",
                        super::check::list(&publishers)
                    ));
                }
            }
            continue;
        }
        if !trust_on_first_use {
            for &f in &mine {
                if let Some(finding) = report.findings.get_mut(f) {
                    finding.kind = FindingKind::Failed(format!(
                        "not pinned; its provenance names {}: pinning records that publisher \
                         (trust on first use), so pass --trust-on-first-use to accept it",
                        super::check::list(&publishers)
                    ));
                }
            }
            continue;
        }
        pins.push(Pin {
            index: i,
            package: package.name.clone(),
            publishers,
        });
    }
    PinOutcome {
        report,
        pins,
        written: false,
    }
}

/// [`pin_lock`] on the lock file at `path`, writing it back atomically
/// with the new pins if no finding fails (`require_pins` as in
/// [`Finding::is_failure`]) and there is a pin to write. The lock is
/// written only by this function, and only whole.
pub fn pin_file(
    verifier: &Verifier,
    path: &Path,
    options: &Options,
    trust_on_first_use: bool,
) -> Result<PinOutcome> {
    let text = read_lock(path)?;
    let lock = Lock::from_toml(&text).map_err(|e| in_file(e, path))?;
    let mut outcome = pin_lock(verifier, &lock, options, trust_on_first_use);
    if outcome.report.failures(false).is_empty() && !outcome.pins.is_empty() {
        let pins: Vec<(usize, Vec<Publisher>)> = outcome
            .pins
            .iter()
            .map(|p| (p.index, p.publishers.clone()))
            .collect();
        let pinned = with_pins(&text, &pins).map_err(|e| in_file(e, path))?;
        write_atomic(path, pinned.as_bytes()).map_err(|e| Error::Io(e.to_string()))?;
        outcome.written = true;
    }
    Ok(outcome)
}

/// [`verify_lock`] on the lock file at `path`.
pub fn verify_file(verifier: &Verifier, path: &Path, options: &Options) -> Result<Report> {
    let text = read_lock(path)?;
    let lock = Lock::from_toml(&text).map_err(|e| in_file(e, path))?;
    Ok(verify_lock(verifier, &lock, options))
}

fn read_lock(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::Io(format!("cannot read {}: {e}", path.display())))?;
    String::from_utf8(bytes)
        .map_err(|_| Error::InvalidLock(format!("{}: not UTF-8 text", path.display())))
}

fn in_file(e: Error, path: &Path) -> Error {
    match e {
        Error::InvalidLock(m) => Error::InvalidLock(format!("{}: {m}", path.display())),
        other => other,
    }
}

/// The check of every file, and which findings belong to which package.
fn run(
    verifier: &Verifier,
    lock: &Lock,
    options: &Options,
) -> (Report, BTreeMap<usize, Vec<usize>>) {
    let mut findings: Vec<Finding> = Vec::new();
    let mut by_package: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    // Jobs per index, each with the finding it fills.
    let mut jobs: BTreeMap<String, Vec<(Slot, usize)>> = BTreeMap::new();
    for (i, package) in lock.packages.iter().enumerate() {
        let mut push = |file: &str, kind: FindingKind| -> usize {
            findings.push(Finding {
                package: package.name.clone(),
                file: file.to_owned(),
                kind,
            });
            let at = findings.len() - 1;
            by_package.entry(i).or_default().push(at);
            at
        };
        // Step 1.
        if package.source != Source::Index {
            let kind = if package.identities.is_empty() {
                FindingKind::NotFromIndex(package.source)
            } else {
                FindingKind::Failed(format!(
                    "pinned to {}, but not from an index ({}): no provenance to verify",
                    super::check::list(&package.identities),
                    package.source.key()
                ))
            };
            push("", kind);
            continue;
        }
        // Step 2.
        let index = options
            .index_url
            .clone()
            .or_else(|| package.index.clone())
            .unwrap_or_else(|| PYPI_SIMPLE_URL.to_owned());
        // Step 3, fetched below per index; the jobs wait for their page.
        for (j, file) in package.files.iter().enumerate() {
            let at = push(&file.name, FindingKind::Failed("not checked".into()));
            jobs.entry(index.clone()).or_default().push((
                Slot {
                    package: i,
                    file: j,
                },
                at,
            ));
        }
    }
    for (index, entries) in jobs {
        let client = match IndexClient::new(&index) {
            Ok(c) => c,
            Err(e) => {
                for (_, at) in &entries {
                    set(&mut findings, *at, FindingKind::Failed(e.to_string()));
                }
                continue;
            }
        };
        // Step 3: one page per project, fetched in parallel (a lock of a
        // hundred packages is a hundred pages).
        let mut wanted: Vec<usize> = entries.iter().map(|(slot, _)| slot.package).collect();
        wanted.dedup();
        let fetched =
            crate::parallel::map(&wanted, workers(options), |&i| match lock.packages.get(i) {
                Some(package) => client.project(&package.name),
                None => Err(Error::InvalidInput(format!(
                    "packages[{i}]: no such package"
                ))),
            });
        let pages: BTreeMap<usize, Result<ProjectPage>> = wanted.into_iter().zip(fetched).collect();
        let mut ready = Vec::new();
        for (slot, at) in entries {
            let Some(package) = lock.packages.get(slot.package) else {
                continue;
            };
            let Some(locked) = package.files.get(slot.file) else {
                continue;
            };
            match pages.get(&slot.package) {
                Some(Ok(page)) => match page.file(&locked.name) {
                    Some(listed) => {
                        let job = make_job(package, slot.file, listed.clone(), options);
                        ready.push((job, slot, at));
                    }
                    None => set(
                        &mut findings,
                        at,
                        FindingKind::Failed(format!(
                            "the index does not list it (project page {})",
                            page.url
                        )),
                    ),
                },
                Some(Err(e)) => set(&mut findings, at, FindingKind::Failed(e.to_string())),
                None => {}
            }
        }
        // Step 4.
        let run: Vec<FileJob> = ready.iter().map(|(job, _, _)| job.clone()).collect();
        let results = client.verify_files(verifier, &run, options.threads);
        for ((_, slot, at), result) in ready.iter().zip(results) {
            let pins = lock
                .packages
                .get(slot.package)
                .map_or(&[][..], |p| p.identities.as_slice());
            let name = findings
                .get(*at)
                .map(|f| f.file.clone())
                .unwrap_or_default();
            set(&mut findings, *at, judge(pins, &name, result));
        }
    }
    (Report { findings }, by_package)
}

/// Threads for fetching pages: as the index client's default for files
/// (the work is network waits).
fn workers(options: &Options) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    options.threads.unwrap_or(cores.max(4))
}

fn set(findings: &mut [Finding], at: usize, kind: FindingKind) {
    if let Some(f) = findings.get_mut(at) {
        f.kind = kind;
    }
}

/// The job for file `j` of `package`, which the index lists as `listed`.
fn make_job(package: &Package, j: usize, listed: IndexFile, options: &Options) -> FileJob {
    let expected = match package.identities.as_slice() {
        [one] => ExpectedPublisher::Pinned(one.clone()),
        // No pin: the publisher is reported (and pinned by `pin`); several:
        // the one the provenance names must be one of them (`judge`).
        _ => ExpectedPublisher::TrustOnFirstUse,
    };
    let local = options
        .dist_dir
        .as_ref()
        .map(|d| d.join(&listed.filename))
        .filter(|p| p.is_file());
    FileJob {
        file: listed,
        expected,
        expected_sha256: package.files.get(j).map(|f| f.sha256.clone()),
        expected_sha256_source: "the lock file".into(),
        source: local.map_or(FileSource::Download(None), FileSource::Local),
        require_provenance: !package.identities.is_empty(),
    }
}
