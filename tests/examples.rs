//! The examples in `examples/`, run as a user would run them, so that they
//! cannot rot.
//!
//! How: each example's source is compiled into this test as a module, and
//! its `run` (everything `main` does except printing and exiting) is called
//! with a command line. Cargo gives integration tests no path to built
//! examples (`CARGO_BIN_EXE_*` exists only for `[[bin]]` targets), and
//! running `target/<profile>/examples/NAME` would depend on the target
//! directory layout and on `cargo test` having built the examples first
//! (`cargo test --test examples` does not). This way the test needs nothing
//! but its own build, and, being an integration test, it sees only the
//! crate's public API, as the examples must. `cargo test` and
//! `cargo clippy --all-targets` still build the example binaries themselves.

#[allow(dead_code)] // `main`: the binary's entry point; the test calls `run`.
#[path = "../examples/verify.rs"]
mod verify;

#[allow(dead_code)] // As above.
#[path = "../examples/provenance.rs"]
mod provenance;

const ASSETS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/assets");

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn asset(path: &str) -> String {
    format!("{ASSETS}/{path}")
}

/// The recorded staging bundle (sigstore-python's `bundle_v3.txt`).
fn verify_args(identity: &str, input: &str) -> Vec<String> {
    args(&[
        "--staging",
        "--identity",
        identity,
        "--issuer",
        "https://github.com/login/oauth",
        "--bundle",
        &asset("sigstore-python/bundle_v3.txt.sigstore"),
        input,
    ])
}

/// The failure, as its `Debug` form (variant and message), for the
/// assertions to search; a success becomes a message they will not match.
fn failed(r: Result<String, impl std::fmt::Debug>) -> String {
    match r {
        Ok(out) => format!("expected a failure, got {out:?}"),
        Err(e) => format!("{e:?}"),
    }
}

#[test]
fn verify_accepts_the_signed_file() {
    let file = asset("sigstore-python/bundle_v3.txt");
    let out = verify::run(&verify_args("william@yossarian.net", &file)).unwrap();
    assert_eq!(out, format!("OK: {file}"));
}

#[test]
fn verify_accepts_a_digest_and_a_trusted_root_file() {
    let digest = sigstore_rs::verify::hash_file(asset("sigstore-python/bundle_v3.txt").as_ref())
        .unwrap()
        .to_hex();
    let input = format!("sha256:{digest}");
    let out = verify::run(&args(&[
        "--trusted-root",
        &asset("trust/staging/trusted_root.json"),
        "--identity",
        "william@yossarian.net",
        "--issuer",
        "https://github.com/login/oauth",
        "--bundle",
        &asset("sigstore-python/bundle_v3.txt.sigstore"),
        &input,
    ]))
    .unwrap();
    assert_eq!(out, format!("OK: {input}"));
}

#[test]
fn verify_names_the_failed_step() {
    let file = asset("sigstore-python/bundle_v3.txt");
    let e = failed(verify::run(&verify_args("someone@example.com", &file)));
    assert!(
        e.contains("Failed") && e.contains("identity policy step"),
        "{e}"
    );

    // Another file: the input is what is wrong, not the log entry.
    let other = asset("sigstore-python/a.txt");
    let e = failed(verify::run(&verify_args("william@yossarian.net", &other)));
    assert!(
        e.contains("artifact digest step: the input does not match what this bundle signs"),
        "{e}"
    );

    // The production root does not trust the staging log.
    let mut production = verify_args("william@yossarian.net", &file);
    production.retain(|a| a != "--staging");
    let e = failed(verify::run(&production));
    assert!(e.contains("transparency log entry step"), "{e}");
}

#[test]
fn verify_rejects_a_malformed_command_line() {
    let e = failed(verify::run(&args(&["--staging", "--bundle", "b"])));
    assert!(
        e.contains("Usage") && e.contains("--identity is required"),
        "{e}"
    );
}

const DIST: &str = "pypi-attestations/pypi_attestations-0.0.19.tar.gz";

fn provenance_args(workflow: &str, dist: &str) -> Vec<String> {
    args(&[
        "--github",
        "trailofbits/pypi-attestations",
        "--workflow",
        workflow,
        "--provenance",
        &asset(&format!("{DIST}.provenance")),
        &asset(dist),
    ])
}

#[test]
fn provenance_accepts_the_distribution_from_its_publisher() {
    let out = provenance::run(&provenance_args("release.yml", DIST)).unwrap();
    assert_eq!(
        out,
        format!(
            "OK: {}\npublisher: GitHub repository trailofbits/pypi-attestations, workflow release.yml\n\
             attestation: https://docs.pypi.org/attestations/publish/v1",
            asset(DIST)
        )
    );
}

#[test]
fn provenance_accepts_a_gitlab_attestation() {
    let dist = asset("pypi-attestations/gitlab_oidc_project-0.0.3.tar.gz");
    let out = provenance::run(&args(&[
        "--gitlab",
        "facutuesca/gitlab-oidc-project",
        "--workflow",
        ".gitlab-ci.yml",
        "--attestation",
        &format!("{dist}.publish.attestation"),
        &dist,
    ]))
    .unwrap();
    assert!(
        out.starts_with(&format!(
            "OK: {dist}\npublisher: GitLab project facutuesca/gitlab-oidc-project"
        )),
        "{out}"
    );
}

#[test]
fn provenance_names_the_failed_step() {
    let e = failed(provenance::run(&provenance_args("other.yml", DIST)));
    assert!(e.contains("identity policy step"), "{e}");

    let other = "pypi-attestations/gitlab_oidc_project-0.0.3.tar.gz";
    let e = failed(provenance::run(&provenance_args("release.yml", other)));
    assert!(e.contains("attestation statement step"), "{e}");
}

#[test]
fn provenance_rejects_a_malformed_command_line() {
    let e = failed(provenance::run(&args(&[
        "--workflow",
        "release.yml",
        "x.tar.gz",
    ])));
    assert!(e.contains("Usage"), "{e}");
}
