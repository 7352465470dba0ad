"""Keyless signing end to end against the local Sigstore instance
(`sigstore_rs.testing`), with Rekor v1 and with Rekor v2 + TSA: what we sign
verifies with our verifier and with sigstore-python 4.5.1 given the same trust
config; tampering and wrong identities are rejected by both; `pypi sign`
output verifies with ours and with pypi-attestations; failures write nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import config_and_artifact, pypi_attestations_trusting, run_module
from sigstore_rs import Bundle, Identity, Verifier, errors
from sigstore_rs.testing import Instance

pytest_plugins = ["sigstore_rs.pytest_plugin"]

ALICE = "alice@example.com"


def _ours(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_module("sigstore_rs", *args)


def _reference(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_module("sigstore", *args)


def _sign(
    config: Path, token: str, path: Path, *, pypi: bool = False, cli: str = "sigstore_rs"
) -> subprocess.CompletedProcess[str]:
    """``[pypi] sign`` by ``cli`` (ours, or ``sigstore`` for sigstore-python)
    with the trust config ``config`` and an explicit identity token."""
    command = ["pypi", "sign"] if pypi else ["sign"]
    return run_module(cli, "--trust-config", config, *command, "--identity-token", token, path)


def _verify_ours(config: Path, artifact: Path, identity: str, issuer: str) -> None:
    """Our verifier accepts the bundle written beside ``artifact``."""
    Verifier.from_trust_config(config).verify_artifact(
        artifact,
        Bundle.from_file(artifact.with_name(f"{artifact.name}.sigstore.json")),
        Identity(identity=identity, issuer=issuer),
    )


def _without_ambient_credentials() -> dict[str, str]:
    """The environment less every variable an ambient identity token could
    come from, so the CLI has to ask the browser flow."""
    prefixes = ("SIGSTORE_", "ACTIONS_", "GITHUB_", "GITLAB_", "CI")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


@pytest.fixture(params=[1, 2], ids=["rekor-v1", "rekor-v2"])
def instance(
    request: pytest.FixtureRequest, sigstore_instance: Instance, sigstore_instance_v2: Instance
) -> Instance:
    return sigstore_instance if request.param == 1 else sigstore_instance_v2


def _verify_both(config: Path, issuer: str, identity: str, artifact: Path) -> tuple[int, int]:
    common = ["verify", "identity", "--cert-identity", identity, "--cert-oidc-issuer", issuer]
    ours = _ours("--trust-config", str(config), *common, str(artifact))
    ref = _reference("--trust-config", str(config), *common, str(artifact))
    return ours.returncode, ref.returncode


def test_sign_verify_roundtrip(instance: Instance, tmp_path: Path) -> None:
    config, artifact = config_and_artifact(
        instance, tmp_path, b"signed by sigstore-rs\n", "artifact.txt"
    )
    signed = _sign(config, instance.token(ALICE), artifact)
    assert signed.returncode == 0, signed.stderr
    bundle_path = tmp_path / "artifact.txt.sigstore.json"
    doc = json.loads(bundle_path.read_bytes())
    assert doc["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
    entry = doc["verificationMaterial"]["tlogEntries"][0]
    want = "0.0.1" if instance.trust_config["signingConfig"]["rekorTlogUrls"][0][
        "majorApiVersion"
    ] == 1 else "0.0.2"  # fmt: skip
    assert entry["kindVersion"]["version"] == want

    # Ours and sigstore-python both accept it for the right identity...
    assert _verify_both(config, instance.issuer, ALICE, artifact) == (0, 0)
    # ...and both reject a wrong identity,
    ours, ref = _verify_both(config, instance.issuer, "mallory@example.com", artifact)
    assert ours != 0
    assert ref != 0
    # ...and a tampered artifact.
    artifact.write_bytes(b"signed by sigstore-rs!\n")
    ours, ref = _verify_both(config, instance.issuer, ALICE, artifact)
    assert ours != 0
    assert ref != 0


def test_api_sign_and_attest(instance: Instance, tmp_path: Path) -> None:
    from sigstore_rs.sign import IdentityToken, SigningContext, in_toto_statement

    config = instance.write_trust_config(tmp_path / "trust_config.json")
    ctx = SigningContext.from_trust_config(config)
    signer = ctx.signer(IdentityToken(instance.token(ALICE)))
    verifier = Verifier.from_trust_config(config)
    policy = Identity(identity=ALICE, issuer=instance.issuer)
    # Many inputs, one certificate.
    b1 = signer.sign_artifact(b"one")
    b2 = signer.sign_artifact(b"two")
    verifier.verify_artifact(b"one", b1, policy)
    verifier.verify_artifact(b"two", b2, policy)
    with pytest.raises(errors.VerificationError):
        verifier.verify_artifact(b"two", b1, policy)
    assert (
        json.loads(b1.to_json())["verificationMaterial"]["certificate"]
        == json.loads(b2.to_json())["verificationMaterial"]["certificate"]
    )
    # An in-toto statement in DSSE.
    import hashlib

    digest = hashlib.sha256(b"one").hexdigest()
    statement = in_toto_statement(
        [("one.txt", f"sha256:{digest}")], "https://slsa.dev/provenance/v1", {}
    )
    dsse = signer.sign_dsse(statement)
    payload_type, payload = verifier.verify_dsse(dsse, policy)
    assert payload_type == "application/vnd.in-toto+json"
    assert json.loads(payload)["subject"][0]["digest"]["sha256"] == digest
    verifier.verify_artifact(b"one", dsse, policy)
    Bundle.from_json(dsse.to_json())


def test_pypi_sign_verifies_with_ours_and_pypi_attestations(
    sigstore_instance: Instance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, dist = config_and_artifact(
        sigstore_instance,
        tmp_path,
        b"not really a zip, but signed all the same",
        "sampleproject-1.0-py3-none-any.whl",
    )
    signed = _sign(config, sigstore_instance.token(ALICE), dist, pypi=True)
    assert signed.returncode == 0, signed.stderr
    att_path = tmp_path / (dist.name + ".publish.attestation")
    raw = att_path.read_bytes()
    # Our CLI (the attestation is found beside the distribution).
    common = ["--trust-config", str(config), "pypi", "verify", "--cert-oidc-issuer",
              sigstore_instance.issuer]  # fmt: skip
    ok = _ours(*common, "--cert-identity", ALICE, str(dist))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == f"OK: {dist}\n  identity: {ALICE}, issuer {sigstore_instance.issuer}\n"
    bad = _ours(*common, "--cert-identity", "mallory@example.com", str(dist))
    assert bad.returncode == 1
    assert "FAIL:" in bad.stderr

    from sigstore_rs import pep740

    policy = Identity(identity=ALICE, issuer=sigstore_instance.issuer)
    ours = pep740.Attestation.model_validate_json(raw)
    verifier = Verifier.from_trust_config(config)
    ptype, _ = ours.verify(policy, pep740.Distribution.from_file(dist), verifier=verifier)
    assert ptype == "https://docs.pypi.org/attestations/publish/v1"
    # Round trip: JSON -> bundle -> attestation.
    again = pep740.Attestation.from_bundle(ours.to_bundle())
    assert json.loads(again.model_dump_json()) == json.loads(ours.model_dump_json())
    other = tmp_path / "sampleproject-1.0-py3-none-any.whl.other"
    other.write_bytes(b"different bytes")
    with pytest.raises(errors.VerificationError):
        ours.verify(
            policy,
            pep740.Distribution(name=dist.name, digest=_sha256(other)),
            verifier=verifier,
        )

    import pypi_attestations as pa
    from sigstore.verify.policy import Identity as RefIdentity

    pypi_attestations_trusting(config, monkeypatch)
    ref = pa.Attestation.model_validate_json(raw)
    ptype, _ = ref.verify(
        RefIdentity(identity=ALICE, issuer=sigstore_instance.issuer),
        pa.Distribution.from_file(dist),
    )
    assert ptype == "https://docs.pypi.org/attestations/publish/v1"
    with pytest.raises(pa.VerificationError):
        ref.verify(
            RefIdentity(identity="mallory@example.com", issuer=sigstore_instance.issuer),
            pa.Distribution.from_file(dist),
        )


def _sha256(p: Path) -> str:
    import hashlib

    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_reference_client_signs_and_we_verify(
    sigstore_instance_v2: Instance, tmp_path: Path
) -> None:
    """sigstore-python 4.5.1 signing against our instance (Rekor v2 + TSA)."""
    config, artifact = config_and_artifact(
        sigstore_instance_v2, tmp_path, b"signed by sigstore-python\n", "ref.txt"
    )
    signed = _sign(config, sigstore_instance_v2.token(ALICE), artifact, cli="sigstore")
    assert signed.returncode == 0, signed.stderr
    _verify_ours(config, artifact, ALICE, sigstore_instance_v2.issuer)


@pytest.mark.parametrize("fault", ["ca_error", "ca_untrusted", "rekor_error"])
def test_service_failures_write_nothing(fault: str, tmp_path: Path) -> None:
    with Instance.start(rekor_version=1) as instance:
        config, artifact = config_and_artifact(instance, tmp_path)
        instance.set_fault(fault, True)
        out = _sign(config, instance.token(ALICE), artifact)
        assert out.returncode != 0
        assert out.stderr.strip(), "a failure must say why"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "trust_config.json"]


def test_expired_token_is_refused_before_any_request(
    sigstore_instance: Instance, tmp_path: Path
) -> None:
    config, artifact = config_and_artifact(sigstore_instance, tmp_path)
    out = _sign(config, sigstore_instance.token(ALICE, lifetime=-60), artifact)
    assert out.returncode != 0
    assert "expired" in out.stderr
    assert not (tmp_path / "a.txt.sigstore.json").exists()


def test_extra_certificates_from_the_ca_are_not_trusted(tmp_path: Path) -> None:
    """The path is built from the trusted root only: a stray CA certificate
    after a properly issued leaf changes nothing (and is not put in the bundle)."""
    with Instance.start(rekor_version=1) as instance:
        config, artifact = config_and_artifact(instance, tmp_path)
        instance.set_fault("ca_bad_chain", True)
        out = _sign(config, instance.token(ALICE), artifact)
        assert out.returncode == 0, out.stderr
        _verify_ours(config, artifact, ALICE, instance.issuer)


def test_interactive_browser_flow(sigstore_instance: Instance, tmp_path: Path) -> None:
    """OAuth2 PKCE against the instance's issuer: $BROWSER is a script that
    follows the authorization URL; the issuer approves at once and redirects
    to our loopback listener."""
    config, artifact = config_and_artifact(sigstore_instance, tmp_path, b"interactive\n")
    browser = tmp_path / "browser.py"
    browser.write_text(
        "import sys, urllib.request\nurllib.request.urlopen(sys.argv[1], timeout=30).read()\n"
    )
    env = _without_ambient_credentials()
    env["BROWSER"] = f"{sys.executable} {browser}"
    out = run_module("sigstore_rs", "--trust-config", config, "sign", artifact, env=env)
    assert out.returncode == 0, out.stderr
    from sigstore_rs.testing import DEFAULT_IDENTITY

    _verify_ours(config, artifact, DEFAULT_IDENTITY, sigstore_instance.issuer)


@pytest.mark.parametrize("in_toto", [False, True], ids=["message", "in-toto"])
def test_conformance_sign_bundle(
    instance: Instance, tmp_path: Path, in_toto: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sigstore-rs-conformance sign-bundle` with a separate trusted root and
    signing config, then `verify-bundle` on what it wrote."""
    import hashlib

    from sigstore_rs._conformance import main

    cfg = instance.trust_config
    root = tmp_path / "trusted_root.json"
    root.write_text(json.dumps(cfg["trustedRoot"]))
    signing = tmp_path / "signing_config.json"
    signing.write_text(json.dumps(cfg["signingConfig"]))
    artifact = tmp_path / "a.txt"
    artifact.write_bytes(b"conformance\n")
    to_sign = artifact
    if in_toto:
        to_sign = tmp_path / "statement.json"
        to_sign.write_text(
            json.dumps(
                {
                    "_type": "https://in-toto.io/Statement/v1",
                    "subject": [
                        {
                            "name": "a.txt",
                            "digest": {"sha256": hashlib.sha256(artifact.read_bytes()).hexdigest()},
                        }
                    ],
                    "predicateType": "https://slsa.dev/provenance/v1",
                    "predicate": {},
                }
            )
        )
    bundle = tmp_path / "out.sigstore.json"
    argv = [
        "sign-bundle", "--identity-token", instance.token(ALICE), "--bundle", str(bundle),
        "--trusted-root", str(root), "--signing-config", str(signing), str(to_sign),
    ]  # fmt: skip
    if in_toto:
        argv.insert(1, "--in-toto")
    assert main(argv) == 0, capsys.readouterr().err
    verify = ["verify-bundle", "--bundle", str(bundle), "--certificate-identity", ALICE,
              "--certificate-oidc-issuer", instance.issuer, "--trusted-root", str(root),
              str(artifact)]  # fmt: skip
    assert main(verify) == 0, capsys.readouterr().err
    digest = "sha256:" + hashlib.sha256(artifact.read_bytes()).hexdigest()
    assert main([*verify[:-1], digest]) == 0, capsys.readouterr().err
    assert main([*verify[:-1], str(root)]) == 1


def test_pypi_sign_with_rekor_v2_carries_timestamps(
    sigstore_instance_v2: Instance, tmp_path: Path
) -> None:
    """Rekor v2 entries have no time of their own: the attestation carries the
    TSA's timestamps (`verification_material.timestamps`, the field proposed
    for the index-hosted attestation format) and verifies with them; without
    them it has no signed time."""
    config, dist = config_and_artifact(
        sigstore_instance_v2, tmp_path, b"an sdist", "sampleproject-1.0.tar.gz"
    )
    signed = _sign(config, sigstore_instance_v2.token(ALICE), dist, pypi=True)
    assert signed.returncode == 0, signed.stderr
    raw = (tmp_path / (dist.name + ".publish.attestation")).read_bytes()
    doc = json.loads(raw)
    assert doc["verification_material"]["timestamps"]
    assert doc["verification_material"]["transparency_entries"][0]["kindVersion"]["version"] == (
        "0.0.2"
    )

    from sigstore_rs import pep740

    policy = Identity(identity=ALICE, issuer=sigstore_instance_v2.issuer)
    verifier = Verifier.from_trust_config(config)
    dist_obj = pep740.Distribution.from_file(dist)
    pep740.Attestation.model_validate_json(raw).verify(policy, dist_obj, verifier=verifier)
    del doc["verification_material"]["timestamps"]
    stripped = pep740.Attestation.model_validate_json(json.dumps(doc).encode())
    with pytest.raises(errors.Error, match="no signed time"):
        stripped.verify(policy, dist_obj, verifier=verifier)


def test_log_down_writes_nothing(sigstore_instance: Instance, tmp_path: Path) -> None:
    """The signing config's Rekor is unreachable (nothing listens on its
    port): a clear error after the bounded retries, and no output."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    cfg = sigstore_instance.trust_config
    for log in cfg["signingConfig"]["rekorTlogUrls"]:
        log["url"] = dead
    config = tmp_path / "trust_config.json"
    config.write_text(json.dumps(cfg))
    artifact = tmp_path / "a.txt"
    artifact.write_bytes(b"x")
    out = _sign(config, sigstore_instance.token(ALICE), artifact)
    assert out.returncode != 0
    assert "127.0.0.1" in out.stderr, out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "trust_config.json"]


def test_out_of_band_browser_flow(sigstore_instance: Instance, tmp_path: Path) -> None:
    """`--oauth-force-oob`: the CLI prints the authorization URL and reads
    the code from standard input, as on a headless machine."""
    import re
    import urllib.error
    import urllib.request

    config, artifact = config_and_artifact(sigstore_instance, tmp_path, b"out of band\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sigstore_rs", "--trust-config", str(config), "sign",
         "--oauth-force-oob", str(artifact)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=_without_ambient_credentials(),
    )  # fmt: skip
    assert proc.stderr is not None
    assert proc.stdin is not None
    url = ""
    while not url:
        line = proc.stderr.readline()
        assert line, "the CLI ended before printing the authorization URL"
        found = re.search(r"(http://127\.0\.0\.1:\d+/\S+)", line)
        url = found.group(1) if found else ""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(url, timeout=30)
        location = ""
    except urllib.error.HTTPError as e:
        location = e.headers.get("Location", "")
    code = re.search(r"[?&]code=([^&]+)", location)
    assert code, location
    _out, err = proc.communicate(code.group(1) + "\n", timeout=120)
    assert proc.returncode == 0, err
    from sigstore_rs.testing import DEFAULT_IDENTITY

    _verify_ours(config, artifact, DEFAULT_IDENTITY, sigstore_instance.issuer)
