"""The local Sigstore instance (sigstore_rs.testing): its services answer,
and sigstore-python 4.5.1 signs against it; what it signs verifies with our
verifier and with sigstore-python's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import config_and_artifact, run_module
from sigstore_rs import Bundle, Identity, Verifier
from sigstore_rs.testing import Instance

pytest_plugins = ["sigstore_rs.pytest_plugin"]


def _get_json(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=10) as r:
        result: dict[str, object] = json.load(r)
    return result


def test_discovery_and_jwks(sigstore_instance: Instance) -> None:
    conf = _get_json(sigstore_instance.issuer + "/.well-known/openid-configuration")
    assert conf["issuer"] == sigstore_instance.issuer
    jwks = _get_json(str(conf["jwks_uri"]))
    keys = jwks["keys"]
    assert isinstance(keys, list)
    assert keys[0]["alg"] == "ES256"
    config = sigstore_instance.trust_config
    assert config["mediaType"] == "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"
    assert config["signingConfig"]["rekorTlogUrls"][0]["majorApiVersion"] == 1


def test_unknown_service_and_fault_are_refused(sigstore_instance: Instance) -> None:
    from sigstore_rs import errors

    with pytest.raises(errors.InvalidInput):
        sigstore_instance.url("nope")
    with pytest.raises(errors.InvalidInput):
        sigstore_instance.set_fault("nope")


def test_stopped_instance_refuses_calls() -> None:
    from sigstore_rs import errors

    inst = Instance.start()
    inst.stop()
    inst.stop()
    with pytest.raises(errors.InvalidInput):
        inst.token()


@pytest.fixture(params=[1, 2], ids=["rekor-v1", "rekor-v2"])
def instance(request: pytest.FixtureRequest) -> Iterator[Instance]:
    with Instance.start(rekor_version=request.param) as inst:
        yield inst


def _sigstore(config: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_module("sigstore", "--trust-config", config, *args)


def test_sigstore_python_signs_against_the_instance(instance: Instance, tmp_path: Path) -> None:
    config, artifact = config_and_artifact(
        instance, tmp_path, b"signed by sigstore-python against a local instance\n", "artifact.txt"
    )
    identity = "alice@example.com"
    signed = _sigstore(config, "sign", "--identity-token", instance.token(identity), str(artifact))
    assert signed.returncode == 0, signed.stderr
    bundle_path = tmp_path / "artifact.txt.sigstore.json"
    bundle = json.loads(bundle_path.read_text())
    entry = bundle["verificationMaterial"]["tlogEntries"][0]
    rekor = instance.trust_config["signingConfig"]["rekorTlogUrls"][0]["majorApiVersion"]
    assert entry["kindVersion"]["version"] == ("0.0.1" if rekor == 1 else "0.0.2")
    timestamps = bundle["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"]
    assert len(timestamps) == 1, "the instance's TSA timestamped it"

    policy = Identity(identity=identity, issuer=instance.issuer)
    Verifier.from_trust_config(config).verify_artifact(
        artifact, Bundle.from_file(bundle_path), policy
    )
    verified = _sigstore(
        config,
        "verify",
        "identity",
        "--cert-identity",
        identity,
        "--cert-oidc-issuer",
        instance.issuer,
        str(artifact),
    )
    assert verified.returncode == 0, verified.stderr


def test_sigstore_python_sees_the_ca_fail(sigstore_instance: Instance, tmp_path: Path) -> None:
    config, artifact = config_and_artifact(sigstore_instance, tmp_path, b"a")
    sigstore_instance.set_fault("ca_error")
    try:
        r = _sigstore(config, "sign", "--identity-token", sigstore_instance.token(), str(artifact))
    finally:
        sigstore_instance.set_fault("ca_error", False)
    assert r.returncode != 0
    assert not (tmp_path / "a.txt.sigstore.json").exists()


def test_cli_serve_writes_config_and_token(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sigstore_rs", "testing", "serve", "--dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "token").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        token = (tmp_path / "token").read_text()
        config = json.loads((tmp_path / "trust_config.json").read_text())
        issuer = config["signingConfig"]["oidcUrls"][0]["url"]
        assert token.count(".") == 2
        assert _get_json(issuer + "/.well-known/openid-configuration")["issuer"] == issuer
    finally:
        proc.send_signal(signal.SIGTERM if os.name != "nt" else signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err


def test_a_build_without_the_feature_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A build without the Cargo feature `testing` is this one without
    # `LocalInstance`: the façade and the CLI must name the missing feature.
    import importlib

    from sigstore_rs import _rust
    from sigstore_rs.__main__ import main

    monkeypatch.delattr(_rust, "LocalInstance")
    monkeypatch.delitem(sys.modules, "sigstore_rs.testing")
    with pytest.raises(ImportError, match=r"Cargo feature `testing`"):
        importlib.import_module("sigstore_rs.testing")
    assert main(["testing", "serve", "--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("sigstore-rs testing: error: this build of sigstore_rs has no local")
    assert "Cargo feature `testing`" in err
    assert not (tmp_path / "trust_config.json").exists()
