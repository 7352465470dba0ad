"""CI identities from the local instance: tokens shaped like GitHub Actions',
GitLab CI's and Google's, certificates carrying the extensions Fulcio writes
for them, so the real Trusted Publisher policies apply unchanged — ours and
pypi-attestations' — to what is signed with them; and ``sigstore-rs testing
token``, which mints them from a running ``testing serve``."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from helpers import config_and_artifact, run_module
from sigstore_rs import Verifier, errors, pep740
from sigstore_rs.testing import GITHUB_ISSUER, GITLAB_ISSUER, Instance

pytest_plugins = ["sigstore_rs.pytest_plugin"]

WHEEL = "sampleproject-1.0-py3-none-any.whl"


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def _pypi_sign(instance: Instance, tmp_path: Path, token: str) -> tuple[Path, Path, bytes]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    config, dist = config_and_artifact(instance, tmp_path, b"a wheel, signed in CI", WHEEL)
    signed = run_module(
        "sigstore_rs", "--trust-config", config, "pypi", "sign", "--identity-token", token, dist
    )
    assert signed.returncode == 0, signed.stderr
    return config, dist, (tmp_path / f"{WHEEL}.publish.attestation").read_bytes()


def _reference_verify(
    config: Path, raw: bytes, dist: Path, publisher: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pypi-attestations 0.0.30 verifies with its own publisher policy,
    trusting the instance (raises its VerificationError otherwise)."""
    import pypi_attestations as pa
    from sigstore.models import ClientTrustConfig
    from sigstore.verify import Verifier as RefVerifier

    trusted = ClientTrustConfig.from_json(config.read_text()).trusted_root
    monkeypatch.setattr(
        pa._impl.Verifier,
        "production",
        staticmethod(lambda offline=False: RefVerifier(trusted_root=trusted)),
    )
    pa.Attestation.model_validate_json(raw).verify(publisher, pa.Distribution.from_file(dist))


def test_github_token_claims(sigstore_instance: Instance) -> None:
    token = sigstore_instance.github_token(
        "octo-org/sampleproject", "release.yml", ref="refs/tags/v1.0", environment="pypi"
    )
    claims = _claims(token)
    assert claims["iss"] == GITHUB_ISSUER
    assert claims["aud"] == "sigstore"
    assert claims["sub"] == "repo:octo-org/sampleproject:environment:pypi"
    assert claims["repository"] == "octo-org/sampleproject"
    assert claims["repository_owner"] == "octo-org"
    assert claims["environment"] == "pypi"
    workflow_ref = "octo-org/sampleproject/.github/workflows/release.yml@refs/tags/v1.0"
    assert claims["workflow_ref"] == claims["job_workflow_ref"] == workflow_ref
    assert claims["ref_type"] == "tag"


def test_github_workflow_attestation_passes_both_publisher_policies(
    sigstore_instance: Instance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pypi_attestations as pa

    token = sigstore_instance.github_token("octo-org/sampleproject", "release.yml")
    config, dist, raw = _pypi_sign(sigstore_instance, tmp_path, token)
    attestation = pep740.Attestation.model_validate_json(raw)
    claims = dict(attestation.certificate_claims)
    assert claims["1.3.6.1.4.1.57264.1.8"] == GITHUB_ISSUER
    assert claims["1.3.6.1.4.1.57264.1.12"] == "https://github.com/octo-org/sampleproject"
    verifier = Verifier.from_trust_config(config)
    publisher = pep740.GitHubPublisher(repository="octo-org/sampleproject", workflow="release.yml")
    attestation.verify(publisher, pep740.Distribution.from_file(dist), verifier=verifier)
    ref = pa.GitHubPublisher(repository="octo-org/sampleproject", workflow="release.yml")
    _reference_verify(config, raw, dist, ref, monkeypatch)
    # Another workflow of the same repository: refused by both.
    other = pep740.GitHubPublisher(repository="octo-org/sampleproject", workflow="ci.yml")
    with pytest.raises(errors.VerificationError, match=r"ci\.yml"):
        attestation.verify(other, pep740.Distribution.from_file(dist), verifier=verifier)
    with pytest.raises(pa.VerificationError):
        _reference_verify(
            config,
            raw,
            dist,
            pa.GitHubPublisher(repository="octo-org/sampleproject", workflow="ci.yml"),
            monkeypatch,
        )


def test_environment_is_checked_where_the_certificate_names_one(
    sigstore_instance: Instance, tmp_path: Path
) -> None:
    token = sigstore_instance.github_token(
        "octo-org/sampleproject", "release.yml", environment="pypi"
    )
    config, dist, raw = _pypi_sign(sigstore_instance, tmp_path, token)
    attestation = pep740.Attestation.model_validate_json(raw)
    verifier = Verifier.from_trust_config(config)
    d = pep740.Distribution.from_file(dist)
    for env in (None, "pypi", "PyPI"):
        ok = pep740.GitHubPublisher(
            repository="octo-org/sampleproject", workflow="release.yml", environment=env
        )
        attestation.verify(ok, d, verifier=verifier)
    release = pep740.GitHubPublisher(
        repository="octo-org/sampleproject", workflow="release.yml", environment="release"
    )
    with pytest.raises(errors.VerificationError, match=r"Deployment Environment .*\.23"):
        attestation.verify(release, d, verifier=verifier)


def test_gitlab_google_and_circleci_attestations_pass_pypi_attestations_policies(
    sigstore_instance: Instance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pypi_attestations as pa

    token = sigstore_instance.gitlab_token("group/sampleproject", ".gitlab-ci.yml")
    assert _claims(token)["iss"] == GITLAB_ISSUER
    config, dist, raw = _pypi_sign(sigstore_instance, tmp_path / "gitlab", token)
    ref = pa.GitLabPublisher(repository="group/sampleproject", workflow_filepath=".gitlab-ci.yml")
    _reference_verify(config, raw, dist, ref, monkeypatch)
    ours = pep740.GitLabPublisher(
        repository="group/sampleproject", workflow_filepath=".gitlab-ci.yml"
    )
    pep740.Attestation.model_validate_json(raw).verify(
        ours, pep740.Distribution.from_file(dist), verifier=Verifier.from_trust_config(config)
    )

    token = sigstore_instance.circleci_token("proj-1", "def-1", vcs_origin="github.com/o/r")
    config, dist, raw = _pypi_sign(sigstore_instance, tmp_path / "circleci", token)
    ref_circleci = pa.CircleCIPublisher(
        project_id="proj-1", pipeline_definition_id="def-1", vcs_origin="github.com/o/r"
    )
    _reference_verify(config, raw, dist, ref_circleci, monkeypatch)
    with pytest.raises(pa.VerificationError):
        _reference_verify(
            config,
            raw,
            dist,
            pa.CircleCIPublisher(project_id="proj-1", pipeline_definition_id="def-2"),
            monkeypatch,
        )

    email = "publisher@sampleproject.iam.gserviceaccount.com"
    config, dist, raw = _pypi_sign(
        sigstore_instance, tmp_path / "google", sigstore_instance.google_token(email)
    )
    _reference_verify(config, raw, dist, pa.GooglePublisher(email=email), monkeypatch)


def test_sigstore_python_signs_as_a_github_workflow(
    sigstore_instance: Instance, tmp_path: Path
) -> None:
    """The reference client accepts the token as GitHub's and gets the
    workflow's certificate; we verify it as that workflow."""
    config, artifact = config_and_artifact(sigstore_instance, tmp_path, b"from CI\n", "a.txt")
    token = sigstore_instance.github_token("octo-org/sampleproject", "release.yml")
    signed = run_module(
        "sigstore", "--trust-config", config, "sign", "--identity-token", token, artifact
    )
    assert signed.returncode == 0, signed.stderr
    common = ["--trust-config", config, "verify", "github", "--repository"]
    ok = run_module("sigstore_rs", *common, "octo-org/sampleproject", artifact)
    assert ok.returncode == 0, ok.stderr
    bad = run_module("sigstore_rs", *common, "octo-org/other", artifact)
    assert bad.returncode == 1
    assert 'expected "octo-org/other", got "octo-org/sampleproject"' in bad.stderr


def test_ci_token_missing_a_claim_is_refused_by_the_ca(
    sigstore_instance: Instance, tmp_path: Path
) -> None:
    token = sigstore_instance.github_token(
        "octo-org/sampleproject", "release.yml", claims={"run_attempt": None}
    )
    config, dist = config_and_artifact(sigstore_instance, tmp_path, b"x", WHEEL)
    signed = run_module(
        "sigstore_rs", "--trust-config", config, "pypi", "sign", "--identity-token", token, dist
    )
    assert signed.returncode == 1
    assert "run_attempt" in signed.stderr
    assert not (tmp_path / f"{WHEEL}.publish.attestation").exists()


def test_unknown_ci_kind_is_invalid_input() -> None:
    from sigstore_rs.testing import ci_identity

    with pytest.raises(errors.InvalidInput, match="expected github, gitlab, google or circleci"):
        ci_identity("jenkins", repository="a/b")
    with pytest.raises(errors.InvalidInput, match='needs "workflow"'):
        ci_identity("github", repository="a/b")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``sigstore-rs testing serve --dir DIR`` in a child process."""
    directory = tmp_path_factory.mktemp("served")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sigstore_rs", "testing", "serve", "--dir", str(directory)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (directory / "mint.json").exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "testing serve wrote no mint.json"
        time.sleep(0.1)
    yield directory
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def test_testing_token_mints_from_the_running_instance(served: Path) -> None:
    assert (os.stat(served / "mint.json").st_mode & 0o777) == 0o600
    minted = run_module(
        "sigstore_rs", "testing", "token", "--dir", served, "--github", "octo-org/sampleproject",
        "--workflow", "release.yml", "--ref", "refs/tags/v2", "--environment", "pypi",
    )  # fmt: skip
    assert minted.returncode == 0, minted.stderr
    claims = _claims(minted.stdout.strip())
    assert claims["iss"] == GITHUB_ISSUER
    assert claims["workflow_ref"].endswith("/release.yml@refs/tags/v2")
    assert claims["environment"] == "pypi"
    gitlab = run_module(
        "sigstore_rs", "testing", "token", "--dir", served, "--gitlab", "group/project",
        "--audience", "pypi",
    )  # fmt: skip
    assert gitlab.returncode == 0, gitlab.stderr
    claims = _claims(gitlab.stdout.strip())
    assert claims["aud"] == "pypi"
    assert claims["ci_config_ref_uri"] == "gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main"
    # The token verifies as the instance's: the CA of the served instance
    # issues for it (sign with it against DIR/trust_config.json).
    artifact = served / "a.txt"
    artifact.write_bytes(b"x")
    signed = run_module(
        "sigstore_rs", "--trust-config", served / "trust_config.json", "sign",
        "--identity-token", minted.stdout.strip(), artifact,
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr


def test_testing_token_refusals(served: Path, tmp_path: Path) -> None:
    no_workflow = run_module(
        "sigstore_rs", "testing", "token", "--dir", served, "--github", "octo-org/x"
    )
    assert no_workflow.returncode == 2
    assert "--github needs --workflow FILE" in no_workflow.stderr
    nothing = run_module("sigstore_rs", "testing", "token", "--dir", tmp_path, "--google", "a@b.c")
    assert nothing.returncode == 1
    assert "no running instance serves" in nothing.stderr
    forged = tmp_path / "forged"
    forged.mkdir()
    mint = json.loads((served / "mint.json").read_text())
    (forged / "mint.json").write_text(json.dumps({"url": mint["url"], "secret": "guess"}))
    refused = run_module("sigstore_rs", "testing", "token", "--dir", forged, "--google", "a@b.c")
    assert refused.returncode == 1
    assert "did not mint a token" in refused.stderr
