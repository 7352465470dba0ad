"""The ``sigstore-rs`` command line, run as real processes."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import offline_stderr

IDENTITY = ["--cert-identity", "william@yossarian.net"]
ISSUER = ["--cert-oidc-issuer", "https://github.com/login/oauth"]


def run(*args: str | Path, script: bool = False) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("sigstore-rs", path=str(Path(sys.executable).parent))
    if script:
        assert exe, "console script sigstore-rs is not installed"
        cmd = [exe]
    else:
        cmd = [sys.executable, "-m", "sigstore_rs"]
    return subprocess.run(
        [*cmd, *map(str, args)], capture_output=True, text=True, check=False, timeout=120
    )


@pytest.mark.parametrize(
    "command",
    [[], ["verify"], ["verify", "identity"], ["verify", "github"], ["verify", "key"]],
    ids=lambda c: " ".join(c) or "top",
)
@pytest.mark.parametrize("script", [False, True], ids=["module", "script"])
def test_help(command: list[str], script: bool) -> None:
    proc = run(*command, "--help", script=script)
    assert proc.returncode == 0, proc.stderr
    assert "usage: sigstore-rs" in proc.stdout


def test_conformance_script_help() -> None:
    exe = shutil.which("sigstore-rs-conformance", path=str(Path(sys.executable).parent))
    assert exe, "console script sigstore-rs-conformance is not installed"
    proc = subprocess.run([exe, "verify-bundle", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert "--certificate-identity" in proc.stdout


def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout.startswith("sigstore-rs 0.")


@pytest.mark.parametrize(
    "args",
    [
        ["verify", "identity", *ISSUER, "f"],  # no identity
        ["verify", "identity", *IDENTITY, "f"],  # no issuer
        ["verify", "identity", *IDENTITY, "--cert-identity-regexp", "x", *ISSUER, "f"],
        ["verify", "identity", *IDENTITY, *ISSUER, "--bundle", "b", "f", "g"],
        ["verify", "identity", *IDENTITY, *ISSUER, "sha256:" + "00" * 32],
        ["verify", "github", "f"],  # no --repository
        ["verify", "key", "f"],  # no --key
        ["--staging", "--trusted-root", "r.json", "verify", "key", "--key", "k", "f"],
        ["verify", "identity", *IDENTITY, *ISSUER],  # no input
        ["frobnicate"],
    ],
)
def test_usage_errors(args: list[str]) -> None:
    proc = run(*args)
    assert proc.returncode == 2, proc.stderr
    assert "error" in proc.stderr
    assert proc.stdout == ""


def test_ok(sp: Path) -> None:
    artifact = sp / "bundle_v3.txt"
    proc = run(
        "--staging", "verify", "identity", "--offline", *IDENTITY, *ISSUER,
        "--bundle", sp / "bundle_v3.txt.sigstore", artifact,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"OK: {artifact}\n"
    assert offline_stderr(proc.stderr) == ""


def test_ok_digest(sp: Path) -> None:
    digest = "sha256:" + hashlib.sha256((sp / "bundle_v3.txt").read_bytes()).hexdigest()
    proc = run(
        "--staging", "verify", "identity", "--offline", "--cert-identity-regexp",
        r"william@yossarian\.net", *ISSUER, "--bundle", sp / "bundle_v3.txt.sigstore", digest,
        script=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"OK: {digest}\n"


def test_default_bundle_lookup(sp: Path, tmp_path: Path) -> None:
    # FILE.sigstore next to the fixture, FILE.sigstore.json in tmp_path, and one with none.
    json_style = tmp_path / "bundle_v3.txt"
    shutil.copy(sp / "bundle_v3.txt", json_style)
    shutil.copy(sp / "bundle_v3.txt.sigstore", tmp_path / "bundle_v3.txt.sigstore.json")
    orphan = tmp_path / "orphan.txt"
    orphan.write_bytes(b"no bundle for me")
    proc = run(
        "--staging", "verify", "identity", "--offline", *IDENTITY, *ISSUER,
        sp / "bundle_v3.txt", json_style, orphan,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [f"OK: {sp / 'bundle_v3.txt'}", f"OK: {json_style}"]
    assert offline_stderr(proc.stderr).startswith(f"FAIL: {orphan}: no bundle found")


def test_json_bundle_preferred(sp: Path, tmp_path: Path) -> None:
    artifact = tmp_path / "x.txt"
    shutil.copy(sp / "bundle_v3.txt", artifact)
    shutil.copy(sp / "bundle_v3.txt.sigstore", tmp_path / "x.txt.sigstore.json")
    (tmp_path / "x.txt.sigstore").write_text("garbage")
    proc = run("--staging", "verify", "identity", "--offline", *IDENTITY, *ISSUER, artifact)
    assert proc.returncode == 0, proc.stderr


def test_fail_lines(sp: Path) -> None:
    good, bad = sp / "bundle_v3.txt", sp / "bundle_v3_alt.txt"
    proc = run(
        "--staging", "verify", "identity", "--offline", "--cert-identity", "mallory@example.com",
        *ISSUER, good, bad,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = offline_stderr(proc.stderr).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"FAIL: {good}: verification failed at identity policy step")
    assert lines[1].startswith(f"FAIL: {bad}: ")


def test_fail_wrong_instance(sp: Path) -> None:
    proc = run("verify", "identity", "--offline", *IDENTITY, *ISSUER, sp / "bundle_v3.txt")
    assert proc.returncode == 1
    stderr = offline_stderr(proc.stderr)
    assert stderr.startswith(
        f"FAIL: {sp / 'bundle_v3.txt'}: verification failed at transparency log entry step"
    )
    assert "it is a log of Sigstore's staging instance" in stderr
    assert stderr.endswith("verify against that instance's trusted root (--staging)\n")
    assert len(stderr.splitlines()) == 1


def test_fail_production_bundle_with_staging(sp: Path) -> None:
    cpython = sp / "integration" / "Python-3.12.5.tgz.sigstore"
    # The digest the bundle signs (the tarball is not in the repository), so
    # that the log is what fails, not the input.
    signed = json.loads(cpython.read_bytes())["messageSignature"]["messageDigest"]["digest"]
    proc = run(
        "--staging", "verify", "identity", "--offline", "--cert-identity", "thomas@python.org",
        "--cert-oidc-issuer", "https://accounts.google.com", "--bundle", cpython,
        "sha256:" + base64.b64decode(signed).hex(),
    )  # fmt: skip
    assert proc.returncode == 1
    stderr = offline_stderr(proc.stderr)
    assert "it is a log of Sigstore's public-good (production) instance" in stderr
    assert "(the default: no --staging, --instance, --trusted-root or --trust-config)" in stderr


def test_key_help_names_only_its_own_flags() -> None:
    out = run("verify", "key", "--help").stdout
    assert "--bundle" in out
    assert "--certificate" not in out
    assert "--signature" not in out


def test_fail_bad_trust_root(sp: Path) -> None:
    root = sp / "trusted_root" / "trustedroot.badtype.json"
    proc = run("--trusted-root", root, "verify", "identity", *IDENTITY, *ISSUER, "a", "b")
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"FAIL: {i}: invalid trust root: unsupported trusted root media type "
        '"bad-media-type", expected "application/vnd.dev.sigstore.trustedroot+json;version=0.1"'
        for i in ("a", "b")
    ]


def test_github(fixtures: Path) -> None:
    pa = fixtures / "pypi-attestations"
    dist = pa / "pypi_attestation_models-0.0.4a2.tar.gz"
    args = ["verify", "github", "--offline", "--bundle", f"{dist}.sigstore", dist]
    ok = run(*args[:2], "--repository", "trailofbits/pypi-attestation-models", *args[2:])
    assert ok.returncode == 0, ok.stderr
    assert offline_stderr(ok.stderr) == ""
    bad = run(*args[:2], "--repository", "trailofbits/something-else", *args[2:])
    assert bad.returncode == 1
    assert "GitHub workflow repository" in offline_stderr(bad.stderr)


def test_key(fixtures: Path) -> None:
    case = fixtures / "conformance" / "bundle-verify" / "managed-key-happy-path"
    args = ["--offline", "--bundle", case / "bundle.sigstore.json", case.parent / "a.txt"]
    ok = run("verify", "key", "--key", case / "key.pub", *args)
    assert ok.returncode == 0, ok.stderr
    wrong = case.parent / "managed-key-wrong-key_fail" / "key.pub"
    bad = run("verify", "key", "--key", wrong, *args)
    assert bad.returncode == 1
    assert offline_stderr(bad.stderr).startswith("FAIL: ")
    # A well-formed key that did not sign (a log's key): the signature step
    # fails, naming the key as the one given.
    other = fixtures / "sigstore-python" / "staging-tuf" / "targets"
    (other_key,) = other.glob("*.rekor.pub")
    bad = run("verify", "key", "--key", other_key, *args)
    assert bad.returncode == 1
    digest = "sha256:" + hashlib.sha256((case.parent / "a.txt").read_bytes()).hexdigest()
    assert offline_stderr(bad.stderr).startswith(
        f"FAIL: {case.parent / 'a.txt'}: verification failed at signature step: the signature"
        f" is not valid for this input ({digest}) with the given key: "
    ), bad.stderr
