"""Rekor v2 entries and RFC 3161 timestamps through the API and the CLI
(the recorded sigstore-python material named in MANIFEST.md)."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest

from helpers import embedded, offline_stderr, run_module
from sigstore_rs import errors
from sigstore_rs.verify import Bundle, Identity, Verifier

GITHUB_OAUTH = "https://github.com/login/oauth"
BEACON = Identity(
    identity=(
        "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
        ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
    ),
    issuer="https://token.actions.githubusercontent.com",
)
ALEXIS = Identity(identity="alexis.challande@trailofbits.com", issuer="https://accounts.google.com")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_module("sigstore_rs", *args)


def test_staging_rekor_v2_api(sp: Path) -> None:
    bundle = Bundle.from_file(sp / "staging-rekor-v2.txt.sigstore.json")
    policy = Identity(identity="jku@goto.fi", issuer=GITHUB_OAUTH)
    embedded("staging").verify_artifact(sp / "staging-rekor-v2.txt", bundle, policy)
    with pytest.raises(errors.VerificationError):
        embedded("staging").verify_artifact(b"tampered", bundle, policy)
    with pytest.raises(errors.PolicyError):
        embedded("staging").verify_artifact(
            sp / "staging-rekor-v2.txt", bundle, Identity(identity="x@y.z", issuer=GITHUB_OAUTH)
        )


def test_staging_rekor_v2_dsse_api(sp: Path, fixtures: Path) -> None:
    bundle = Bundle.from_file(sp / "a.dsse.staging-rekor-v2.txt.sigstore.json")
    payload_type, payload = embedded("staging").verify_dsse(bundle, BEACON)
    assert payload_type == "application/vnd.in-toto+json"
    assert json.loads(payload)["_type"] == "https://in-toto.io/Statement/v1"
    # The statement's subject is the conformance suite's a.txt.
    subject = fixtures / "conformance" / "bundle-verify" / "a.txt"
    embedded("staging").verify_artifact(subject, bundle, BEACON)
    with pytest.raises(errors.ArtifactDigestError):
        embedded("staging").verify_artifact(b"not the subject", bundle, BEACON)


def test_staging_rekor_v2_cli(sp: Path) -> None:
    ok = _cli(
        "--staging", "verify", "identity", "--offline", "--cert-identity", "jku@goto.fi",
        "--cert-oidc-issuer", GITHUB_OAUTH, str(sp / "staging-rekor-v2.txt"),
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == f"OK: {sp / 'staging-rekor-v2.txt'}"
    assert offline_stderr(ok.stderr) == ""


def test_tsa_bundle_api_and_cli(sp: Path) -> None:
    tsa = sp / "tsa"
    verifier = Verifier.from_trust_config(tsa / "trust_config.json")
    verifier.verify_artifact(
        tsa / "bundle.txt", Bundle.from_file(tsa / "bundle.txt.sigstore"), ALEXIS
    )
    late = Bundle.from_file(tsa / "bundle.txt.late_timestamp.sigstore")
    with pytest.raises(errors.VerificationError):
        verifier.verify_artifact(tsa / "bundle.txt", late, ALEXIS)
    # Against the staging root (whose TSA issued it) the late timestamp
    # verifies, and is after the certificate expired.
    with pytest.raises(
        errors.SigningTimeError,
        match=r"RFC 3161 timestamp 0's time \S+ \(\d+\) is outside the certificate's validity",
    ):
        embedded("staging").verify_artifact(tsa / "bundle.txt", late, ALEXIS)

    common = [
        "--trust-config", str(tsa / "trust_config.json"), "verify", "identity",
        "--cert-identity", ALEXIS_ID, "--cert-oidc-issuer", "https://accounts.google.com",
    ]  # fmt: skip
    ok = _cli(*common, "--bundle", str(tsa / "bundle.txt.sigstore"), str(tsa / "bundle.txt"))
    assert ok.returncode == 0, ok.stderr
    bad = _cli(
        *common,
        "--bundle",
        str(tsa / "bundle.txt.late_timestamp.sigstore"),
        str(tsa / "bundle.txt"),
    )
    assert bad.returncode == 1
    assert "FAIL:" in bad.stderr


ALEXIS_ID = "alexis.challande@trailofbits.com"


def test_timestamp_without_certificates_is_a_clear_error(sp: Path) -> None:
    """issue1482: an RFC 3161 response with no embedded certificates. Put in a
    bundle whose signature it does not cover, it must give a clear error."""
    token = (sp / "tsa" / "issue1482-timestamp-with-no-cert").read_bytes()
    doc = json.loads((sp / "staging-rekor-v2.txt.sigstore.json").read_bytes())
    doc["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"] = [
        {"signedTimestamp": base64.b64encode(token).decode()}
    ]
    bundle = Bundle.from_json(json.dumps(doc).encode())
    policy = Identity(identity="jku@goto.fi", issuer=GITHUB_OAUTH)
    with pytest.raises(errors.TimestampError) as exc:
        embedded("staging").verify_artifact(sp / "staging-rekor-v2.txt", bundle, policy)
    assert "imprint" in str(exc.value)
