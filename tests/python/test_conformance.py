"""The Sigstore conformance suite's bundle-verify cases, through the
``sigstore-rs-conformance`` entry point (in process, plus real subprocesses).

Every case runs twice: given the artifact file and given only ``sha256:<hex>``.
Names ending ``_fail`` must be rejected; all others must verify. No case is
deferred: Rekor v1 and v2 entries and RFC 3161 timestamps are all verified.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import fixtures_dir
from helpers import offline_stderr
from sigstore_rs._conformance import main

DEFAULT_IDENTITY = (
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
    ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
)
DEFAULT_ISSUER = "https://token.actions.githubusercontent.com"


def _cases() -> list[object]:
    root = fixtures_dir()
    params: list[object] = []
    for case in sorted(p for p in (root / "conformance" / "bundle-verify").iterdir() if p.is_dir()):
        for form in ("file", "digest"):
            params.append(pytest.param(case, form, id=f"{case.name}-{form}"))
    return params


def _argv(case: Path, form: str) -> list[str]:
    artifact = case / "artifact"
    if not artifact.is_file():
        artifact = case.parent / "a.txt"
    argv = ["verify-bundle", "--bundle", str(case / "bundle.sigstore.json")]
    if (case / "key.pub").is_file():
        argv += ["--key", str(case / "key.pub")]
    else:
        identity = case / "identity"
        issuer = case / "issuer"
        argv += [
            "--certificate-identity",
            identity.read_text().strip() if identity.is_file() else DEFAULT_IDENTITY,
            "--certificate-oidc-issuer",
            issuer.read_text().strip() if issuer.is_file() else DEFAULT_ISSUER,
        ]
    if (case / "trusted_root.json").is_file():
        argv += ["--trusted-root", str(case / "trusted_root.json")]
    else:
        # The production instance, offline: tests fetch no trust material.
        argv.append("--offline")
    if form == "digest":
        argv.append("sha256:" + hashlib.sha256(artifact.read_bytes()).hexdigest())
    else:
        argv.append(str(artifact))
    return argv


@pytest.mark.parametrize(("case", "form"), _cases())
def test_bundle_verify(case: Path, form: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = _argv(case, form)
    rc = main(argv)
    err = capsys.readouterr().err
    if "--offline" in argv:
        err = offline_stderr(err)
    if case.name.endswith("_fail"):
        assert rc == 1, f"{case.name} must be rejected"
        assert err.strip(), "a rejection must say why"
    else:
        assert rc == 0, f"{case.name} must verify: {err}"


def _entry_point() -> list[str]:
    script = shutil.which("sigstore-rs-conformance", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "sigstore_rs._conformance"]


@pytest.mark.parametrize("name", ["happy-path-v0.3", "signature-mismatch_fail"])
def test_subprocess(fixtures: Path, name: str) -> None:
    case = fixtures / "conformance" / "bundle-verify" / name
    proc = subprocess.run(
        [*_entry_point(), *_argv(case, "file")], capture_output=True, text=True, check=False
    )
    assert proc.returncode == (1 if name.endswith("_fail") else 0), proc.stderr


def test_sign_bundle_rejects_a_bad_token(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sign-bundle", "--identity-token", "t", "--bundle", "b", "f"]) == 1
    assert "identity token: not a JWT" in capsys.readouterr().err


def test_needs_identity_or_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify-bundle", "--bundle", "b", "f"]) == 2


def test_help() -> None:
    assert main(["--help"]) == 0
    assert main(["verify-bundle", "--help"]) == 0
