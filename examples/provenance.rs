//! Verify a Python distribution's PEP 740 provenance (or a single
//! attestation) against the Trusted Publisher expected to have published it,
//! with the crate's public API only. This is the check an installer makes
//! before trusting a file it downloaded from an index.
//!
//! ```text
//! cargo run --example provenance -- [--staging] \
//!     (--github OWNER/REPO | --gitlab NAMESPACE/PROJECT) --workflow WORKFLOW \
//!     (--provenance FILE | --attestation FILE) DIST
//! ```
//!
//! `WORKFLOW` is the GitHub workflow file name (`release.yml`) or the
//! GitLab CI file path (`.gitlab-ci.yml`). Prints `OK: DIST` and the verified
//! publisher and predicate types; on failure prints `FAIL: DIST: <reason>` to
//! stderr, naming the step that failed, and exits 1 (2 for a malformed
//! command line). Verification is offline.
//!
//! For example, with the recorded production material in this repository:
//!
//! ```text
//! cargo run --example provenance -- \
//!     --github trailofbits/pypi-attestations --workflow release.yml \
//!     --provenance tests/assets/pypi-attestations/pypi_attestations-0.0.19.tar.gz.provenance \
//!     tests/assets/pypi-attestations/pypi_attestations-0.0.19.tar.gz
//! ```

use sigstore_rs::pep740::{Attestation, Distribution, Expected, Provenance, Publisher};
use sigstore_rs::Verifier;
use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "usage: provenance [--staging] \
    (--github OWNER/REPO | --gitlab NAMESPACE/PROJECT) --workflow WORKFLOW \
    (--provenance FILE | --attestation FILE) DIST";

/// Why a run did not print `OK`.
#[derive(Debug)]
pub enum Failure {
    /// The command line is malformed (exit status 2).
    Usage(String),
    /// The distribution did not verify, or a file could not be read (exit status 1).
    Failed(String),
}

enum Evidence {
    Provenance(String),
    Attestation(String),
}

struct Args {
    staging: bool,
    publisher: Publisher,
    evidence: Evidence,
    dist: String,
}

fn parse_args(args: &[String]) -> Result<Args, Failure> {
    let usage = |why: &str| Failure::Usage(format!("{why}\n{USAGE}"));
    let (mut staging, mut github, mut gitlab, mut workflow, mut evidence, mut dist) =
        (false, None, None, None, None, None);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| usage(&format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "--staging" => staging = true,
            "--github" => github = Some(value()?),
            "--gitlab" => gitlab = Some(value()?),
            "--workflow" => workflow = Some(value()?),
            "--provenance" if evidence.is_none() => evidence = Some(Evidence::Provenance(value()?)),
            "--attestation" if evidence.is_none() => {
                evidence = Some(Evidence::Attestation(value()?))
            }
            "--provenance" | "--attestation" => {
                return Err(usage("give one of --provenance and --attestation"))
            }
            flag if flag.starts_with("--") => return Err(usage(&format!("unknown flag {flag}"))),
            file if dist.is_none() => dist = Some(file.to_string()),
            extra => return Err(usage(&format!("unexpected argument {extra}"))),
        }
    }
    let workflow = workflow.ok_or_else(|| usage("--workflow is required"))?;
    // The publisher the distribution is expected to come from: in an
    // installer, from the user or a lock file, never from the index.
    let publisher = match (github, gitlab) {
        (Some(repository), None) => Publisher::GitHub {
            repository,
            workflow,
            environment: None,
        },
        (None, Some(repository)) => Publisher::GitLab {
            repository,
            workflow_filepath: workflow,
            environment: None,
        },
        _ => return Err(usage("give exactly one of --github and --gitlab")),
    };
    Ok(Args {
        staging,
        publisher,
        evidence: evidence.ok_or_else(|| usage("--provenance or --attestation is required"))?,
        dist: dist.ok_or_else(|| usage("DIST is required"))?,
    })
}

/// Everything the example does but print and exit: verifies as `args`
/// (the command line without the program name) asks and returns the lines
/// to print.
pub fn run(args: &[String]) -> Result<String, Failure> {
    let a = parse_args(args)?;
    let fail = |e: &dyn std::fmt::Display| Failure::Failed(format!("FAIL: {}: {e}", a.dist));
    let read =
        |path: &str| std::fs::read(path).map_err(|e| fail(&format!("cannot read {path}: {e}")));

    let verifier = if a.staging {
        Verifier::staging()
    } else {
        Verifier::production()
    }
    .map_err(|e| fail(&e))?;
    // The file's name (which the attestation's subject must equal, as PEP
    // 427/625 parse it) and its SHA-256.
    let dist = Distribution::from_file(Path::new(&a.dist)).map_err(|e| fail(&e))?;
    // The certificate claims a Trusted Publisher's signatures carry.
    let policy = a.publisher.policy();

    let verified = match &a.evidence {
        Evidence::Provenance(path) => {
            let provenance = Provenance::from_json(&read(path)?).map_err(|e| fail(&e))?;
            // Each attestation must satisfy both the expected publisher and
            // the one the index filed it under.
            provenance.verify(&verifier, &dist, &Expected::Policy(policy))
        }
        Evidence::Attestation(path) => {
            let attestation = Attestation::from_json(&read(path)?).map_err(|e| fail(&e))?;
            attestation
                .verify(&verifier, &policy, &dist)
                .map(|v| vec![v])
        }
    }
    .map_err(|e| fail(&e))?;

    // The publishers the certificates vouched for: a provenance object's own
    // (each satisfied the expected one), or, for a lone attestation, the
    // expected one.
    let mut publishers: Vec<&Publisher> = Vec::new();
    for p in verified.iter().filter_map(|v| v.publisher.as_ref()) {
        if !publishers.contains(&p) {
            publishers.push(p);
        }
    }
    if publishers.is_empty() {
        publishers.push(&a.publisher);
    }
    let mut out = format!("OK: {}", a.dist);
    for p in publishers {
        out.push_str(&format!("\npublisher: {p}"));
    }
    for v in &verified {
        out.push_str(&format!("\nattestation: {}", v.predicate_type));
    }
    Ok(out)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(lines) => {
            println!("{lines}");
            ExitCode::SUCCESS
        }
        Err(Failure::Failed(msg)) => {
            eprintln!("{msg}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(msg)) => {
            eprintln!("{msg}");
            ExitCode::from(2)
        }
    }
}
