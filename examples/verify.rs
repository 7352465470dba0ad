//! Verify a file against a Sigstore bundle and the identity expected to
//! have signed it, with the crate's public API only.
//!
//! ```text
//! cargo run --example verify -- [--staging | --trusted-root FILE] \
//!     --identity ID --issuer URL --bundle BUNDLE FILE
//! ```
//!
//! `FILE` may also be the artifact's digest, `sha256:<hex>`. Without
//! `--staging` or `--trusted-root` the embedded production trusted root is
//! used. Prints `OK: FILE`; on failure prints `FAIL: FILE: <reason>` to
//! stderr, naming the verification step that failed, and exits 1 (2 for a
//! malformed command line). Verification is offline: no network access.
//!
//! For example, with the recorded staging material in this repository:
//!
//! ```text
//! cargo run --example verify -- --staging \
//!     --identity william@yossarian.net --issuer https://github.com/login/oauth \
//!     --bundle tests/assets/sigstore-python/bundle_v3.txt.sigstore \
//!     tests/assets/sigstore-python/bundle_v3.txt
//! ```

use sigstore_rs::verify::{hash_file, parse_digest};
use sigstore_rs::{Artifact, Bundle, Policy, TrustedRoot, Verifier};
use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "usage: verify [--staging | --trusted-root FILE] \
    --identity ID --issuer URL --bundle BUNDLE FILE";

/// Why a run did not print `OK`.
#[derive(Debug)]
pub enum Failure {
    /// The command line is malformed (exit status 2).
    Usage(String),
    /// The input did not verify, or could not be read (exit status 1).
    Failed(String),
}

struct Args {
    staging: bool,
    trusted_root: Option<String>,
    identity: String,
    issuer: String,
    bundle: String,
    input: String,
}

fn parse_args(args: &[String]) -> Result<Args, Failure> {
    let usage = |why: &str| Failure::Usage(format!("{why}\n{USAGE}"));
    let (mut staging, mut trusted_root, mut identity, mut issuer, mut bundle, mut input) =
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
            "--trusted-root" => trusted_root = Some(value()?),
            "--identity" => identity = Some(value()?),
            "--issuer" => issuer = Some(value()?),
            "--bundle" => bundle = Some(value()?),
            flag if flag.starts_with("--") => return Err(usage(&format!("unknown flag {flag}"))),
            file if input.is_none() => input = Some(file.to_string()),
            extra => return Err(usage(&format!("unexpected argument {extra}"))),
        }
    }
    if staging && trusted_root.is_some() {
        return Err(usage("--staging and --trusted-root exclude each other"));
    }
    Ok(Args {
        staging,
        trusted_root,
        identity: identity.ok_or_else(|| usage("--identity is required"))?,
        issuer: issuer.ok_or_else(|| usage("--issuer is required"))?,
        bundle: bundle.ok_or_else(|| usage("--bundle is required"))?,
        input: input.ok_or_else(|| usage("FILE is required"))?,
    })
}

/// Everything the example does but print and exit: verifies as `args`
/// (the command line without the program name) asks and returns the line
/// to print.
pub fn run(args: &[String]) -> Result<String, Failure> {
    let a = parse_args(args)?;
    let fail = |e: &dyn std::fmt::Display| Failure::Failed(format!("FAIL: {}: {e}", a.input));
    let read =
        |path: &str| std::fs::read(path).map_err(|e| fail(&format!("cannot read {path}: {e}")));

    // The trust root: which Fulcio CAs, Rekor logs, CT logs and TSAs count.
    let verifier = match &a.trusted_root {
        Some(path) => Verifier::new(TrustedRoot::from_json(&read(path)?).map_err(|e| fail(&e))?),
        None if a.staging => Verifier::staging().map_err(|e| fail(&e))?,
        None => Verifier::production().map_err(|e| fail(&e))?,
    };
    // The bundle, parsed and checked before any cryptography.
    let bundle = Bundle::from_json(&read(&a.bundle)?).map_err(|e| fail(&e))?;
    // The artifact by digest: a file is streamed through SHA-256 rather than
    // read into memory.
    let artifact = if a.input.starts_with("sha256:") {
        Artifact::Digest(parse_digest(&a.input).map_err(|e| fail(&e))?)
    } else {
        Artifact::Digest(hash_file(Path::new(&a.input)).map_err(|e| fail(&e))?)
    };
    let policy = Policy::identity(&a.identity, &a.issuer);

    // The error's message names the step that failed
    // ("verification failed at identity policy step: …").
    verifier
        .verify_artifact(&artifact, &bundle, &policy)
        .map_err(|e| fail(&e))?;
    Ok(format!("OK: {}", a.input))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(line) => {
            println!("{line}");
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
