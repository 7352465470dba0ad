"""``sigstore_rs._pypi_attestations_cli``: pypi-attestations' command line
(sign, verify attestation, inspect, convert) on our core, offline: signed by
the local instance, verified against its trust config."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import run_module
from sigstore_rs._pypi_attestations_cli import main
from sigstore_rs.errors import InvalidAttestation
from sigstore_rs.pep740 import Attestation, GitHubPublisher, Provenance
from sigstore_rs.testing import Instance

pytest_plugins = ["sigstore_rs.pytest_plugin"]

ALICE = "alice@example.com"
CLI = "sigstore_rs._pypi_attestations_cli"


def _exit(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as e:
        main(argv)
    return int(e.value.code or 0)


@pytest.fixture
def signed(sigstore_instance: Instance, tmp_path: Path) -> tuple[Path, Path]:
    """An sdist signed with ``sign`` as ALICE, and the instance's trust config."""
    config = sigstore_instance.write_trust_config(tmp_path / "trust_config.json")
    dist = tmp_path / "sampleproject-1.0.tar.gz"
    dist.write_bytes(b"an sdist")
    token = sigstore_instance.token(ALICE)
    main(["sign", "--trust-config", str(config), "--identity-token", token, str(dist)])
    return dist, config


def test_sign_then_verify_attestation(
    signed: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    dist, config = signed
    attestation = Attestation.model_validate_json(Path(f"{dist}.publish.attestation").read_bytes())
    assert attestation.statement["subject"][0]["name"] == dist.name
    verify = ["verify", "attestation", "--trust-config", str(config)]
    main([*verify, "--identity", ALICE, str(dist)])
    assert f"OK: {dist}.publish.attestation" in caplog.text

    caplog.clear()
    assert _exit([*verify, "--identity", "mallory@example.com", str(dist)]) == 1
    assert f"Verification failed for {dist}: " in caplog.text
    assert "Certificate's SANs do not match" in caplog.text
    assert "OK:" not in caplog.text

    # Another file under the attested name.
    caplog.clear()
    dist.write_bytes(b"another sdist")
    assert _exit([*verify, "--identity", ALICE, str(dist)]) == 1
    assert "subject does not match distribution digest" in caplog.text


def test_sign_refuses_to_overwrite_and_missing_files(
    signed: tuple[Path, Path], sigstore_instance: Instance, caplog: pytest.LogCaptureFixture
) -> None:
    dist, config = signed
    before = Path(f"{dist}.publish.attestation").read_bytes()
    sign = ["sign", "--trust-config", str(config), "--identity-token"]
    assert _exit([*sign, sigstore_instance.token(ALICE), str(dist)]) == 1
    assert f"{dist}.publish.attestation already exists." in caplog.text
    assert Path(f"{dist}.publish.attestation").read_bytes() == before
    missing = dist.with_name("missing-1.0.tar.gz")
    assert _exit([*sign, sigstore_instance.token(ALICE), str(missing)]) == 1
    assert f"{missing} is not a file." in caplog.text
    not_a_dist = dist.with_name("notes.txt")
    not_a_dist.write_text("x")
    assert _exit([*sign, sigstore_instance.token(ALICE), str(not_a_dist)]) == 1
    assert "Invalid Python package distribution: " in caplog.text
    assert not Path(f"{not_a_dist}.publish.attestation").exists()


def test_inspect(signed: tuple[Path, Path], caplog: pytest.LogCaptureFixture) -> None:
    dist, _ = signed
    path = f"{dist}.publish.attestation"
    main(["inspect", "--dump-bytes", path])
    assert f"File: {path}" in caplog.text
    assert f"\t\t{dist.name} (digest: " in caplog.text
    assert "Predicate type: https://docs.pypi.org/attestations/publish/v1" in caplog.text
    assert f"Subjects (suitable for `--identity`): ['{ALICE}']" in caplog.text
    # repr() quotes bytes holding a ' with " instead.
    assert re.search(r"Signature: b['\"]", caplog.text), caplog.text
    assert "Transparency Log (1 entries):" in caplog.text

    caplog.clear()
    bad = dist.with_name("bad.publish.attestation")
    bad.write_text("{}")
    assert _exit(["inspect", str(bad)]) == 1
    assert f"Invalid attestation ({bad}): " in caplog.text


def test_convert(signed: tuple[Path, Path], caplog: pytest.LogCaptureFixture) -> None:
    dist, _ = signed
    attestation = Attestation.model_validate_json(Path(f"{dist}.publish.attestation").read_bytes())
    bundle = dist.with_name("bundle.sigstore.json")
    bundle.write_text(attestation.to_bundle_json())
    out = dist.with_name("converted.attestation")
    main(["convert", "--output-file", str(out), str(bundle)])
    assert f"Converted Sigstore bundle to attestation: {out}" in caplog.text
    assert Attestation.model_validate_json(out.read_bytes()) == attestation

    assert _exit(["convert", "--output-file", str(out), str(bundle)]) == 1
    assert f"Output file already exists: {out}" in caplog.text
    other = dist.with_name("other.attestation")
    assert _exit(["convert", "--output-file", str(other), str(dist)]) == 1
    assert "Invalid Sigstore bundle: " in caplog.text
    assert not other.exists()
    assert _exit(["convert", "--output-file", str(other), str(dist) + ".nope"]) == 1
    assert "Bundle file does not exist: " in caplog.text


def test_usage_errors_and_version() -> None:
    assert _exit(["not-a-command"]) == 2
    assert _exit(["verify", "attestation", "x.whl"]) == 2  # --identity is required
    out = run_module(CLI, "--version")
    assert out.returncode == 0
    assert out.stdout == "pypi-attestations 0.0.30\n"
    # A refusal is a message on stderr and status 1 in a real process too.
    out = run_module(CLI, "inspect", "missing.publish.attestation")
    assert out.returncode == 1
    assert out.stderr == "missing.publish.attestation is not a file.\n"


def test_verify_pypi_offline_refusals(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    base = ["verify", "pypi", "--repository", "https://github.com/o/r"]
    assert _exit([*base, "--offline", "pypi:sampleproject-1.0.tar.gz"]) == 1
    assert "The '--offline' option can only be used with local files" in caplog.text
    assert _exit([*base, "https://example.com/sampleproject-1.0.tar.gz"]) == 1
    assert "Unsupported/invalid URL: " in caplog.text
    assert _exit([*base, "pypi:sampleproject-1.0.exe"]) == 1
    assert "File should be a wheel (*.whl) or a source distribution" in caplog.text
    assert _exit([*base, "pypi:not-a-version.tar.gz"]) == 1
    assert "Invalid distribution filename: " in caplog.text


def test_unsupported_publisher_kind_is_named() -> None:
    with pytest.raises(InvalidAttestation) as e:
        GitHubPublisher.model_validate_json('{"kind": "Jenkins", "url": "x"}')
    assert 'unsupported Trusted Publisher kind "Jenkins"' in str(e.value)
    assert "(supported kinds: GitHub, GitLab, Google, CircleCI)" in str(e.value)
    provenance = {
        "version": 1,
        "attestation_bundles": [{"publisher": {"kind": "Buildkite"}, "attestations": []}],
    }
    with pytest.raises(InvalidAttestation, match='unsupported Trusted Publisher kind "Buildkite"'):
        Provenance.model_validate_json(json.dumps(provenance))


def test_sigstore_rs_pypi_attestations_command(signed: tuple[Path, Path]) -> None:
    """``sigstore-rs pypi-attestations ...`` is the same command line, in a
    real process, with its exit codes."""
    dist, config = signed
    verify = ["pypi-attestations", "verify", "attestation", "--trust-config", str(config)]
    ok = run_module("sigstore_rs", *verify, "--identity", ALICE, dist)
    assert ok.returncode == 0, ok.stderr
    assert f"OK: {dist}.publish.attestation" in ok.stderr
    bad = run_module("sigstore_rs", *verify, "--identity", "mallory@example.com", dist)
    assert bad.returncode == 1
    assert "Certificate's SANs do not match" in bad.stderr
    inspected = run_module(
        "sigstore_rs", "pypi-attestations", "inspect", f"{dist}.publish.attestation"
    )
    assert inspected.returncode == 0, inspected.stderr
    assert "Predicate type: https://docs.pypi.org/attestations/publish/v1" in inspected.stderr
    misplaced = run_module("sigstore_rs", "--staging", "pypi-attestations", "inspect", dist)
    assert misplaced.returncode == 2
    assert "give them after it" in misplaced.stderr
    usage = run_module("sigstore_rs", "pypi-attestations", "verify")
    assert usage.returncode == 2
