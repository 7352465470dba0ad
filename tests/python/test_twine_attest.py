"""``twine attest``: our twine subcommand (entry point group
``twine.registered_commands``), run through real twine 6.2.0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sigstore_rs import Verifier, pep740
from sigstore_rs.testing import Instance

pytest_plugins = ["sigstore_rs.pytest_plugin"]

REPO = "octo-org/sampleproject"
DISTS = ("sampleproject-1.0-py3-none-any.whl", "sampleproject-1.0.tar.gz")


def _twine(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "twine", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture
def dist_dir(sigstore_instance: Instance, tmp_path: Path) -> Path:
    sigstore_instance.write_trust_config(tmp_path / "trust_config.json")
    dist = tmp_path / "dist"
    dist.mkdir()
    for name in DISTS:
        (dist / name).write_bytes(f"the bytes of {name}".encode())
    return dist


def test_twine_attest_signs_every_distribution(sigstore_instance: Instance, dist_dir: Path) -> None:
    config = dist_dir.parent / "trust_config.json"
    token = sigstore_instance.github_token(REPO, "release.yml")
    dists = [dist_dir / n for n in DISTS]
    done = _twine("attest", "--trust-config", config, "--identity-token", token, *dists)
    assert done.returncode == 0, done.stderr
    verifier = Verifier.from_trust_config(config)
    publisher = pep740.GitHubPublisher(repository=REPO, workflow="release.yml")
    for d in dists:
        out = Path(f"{d}.publish.attestation")
        assert f"Wrote {out}" in done.stdout
        attestation = pep740.Attestation.model_validate_json(out.read_bytes())
        attestation.verify(publisher, pep740.Distribution.from_file(d), verifier=verifier)
    # Again over `dist/*`, trust option last: the attestations are skipped.
    every = sorted(dist_dir.iterdir())
    again = _twine("attest", "--identity-token", token, *every, f"--trust-config={config}")
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("(not a distribution)") == 2


def test_twine_attest_failures_write_nothing(sigstore_instance: Instance, dist_dir: Path) -> None:
    config = dist_dir.parent / "trust_config.json"
    expired = sigstore_instance.github_token(REPO, "release.yml", lifetime=-3600)
    failed = _twine(
        "attest", "--trust-config", config, "--identity-token", expired, *dist_dir.iterdir()
    )
    assert failed.returncode == 1
    assert "expired" in failed.stderr
    assert sorted(p.name for p in dist_dir.iterdir()) == sorted(DISTS)
    not_a_dist = dist_dir / "README.txt"
    not_a_dist.write_text("hi")
    token = sigstore_instance.github_token(REPO, "release.yml")
    refused = _twine(
        "attest", "--trust-config", config, "--identity-token", token, *dist_dir.iterdir()
    )
    assert refused.returncode == 1
    assert "README.txt" in refused.stderr
    assert not list(dist_dir.glob("*.attestation"))
    usage = _twine("attest", "--trust-config", config)
    assert usage.returncode == 2
    assert "no distribution to sign" in usage.stderr


def test_twine_lists_attest() -> None:
    helped = _twine("attest", "--help")
    assert helped.returncode == 0
    assert "--identity-token" in helped.stdout
    listed = _twine("--help")
    assert "attest" in listed.stdout
