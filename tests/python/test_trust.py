"""Trust material through TUF the way users get it: the local instance's TUF
repository, trusted with ``sigstore-rs --instance URL trust-instance ROOT``,
then ``sign``, ``verify``, ``trust show`` and ``trust refresh`` as real
processes (and the same through the Python API); rotations, refused updates
with the cache left as it was, fallbacks and their warnings, and offline use
of the public instances without a request.

Each test has its own cache (``SIGSTORE_RS_CACHE_DIR``) and its own instance,
whose repository it changes.
"""

from __future__ import annotations

import json
import os
import re
import socketserver
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import assert_embedded, embedded, run_module, split_warnings
from sigstore_rs import TrustUpdateError, TrustWarning, Verifier, trust
from sigstore_rs.sign import SigningContext
from sigstore_rs.testing import DEFAULT_IDENTITY, Instance
from sigstore_rs.verify import Identity


def cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_module("sigstore_rs", *args, env=env)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's cache, for it and the processes it starts."""
    path = tmp_path / "cache"
    monkeypatch.setenv("SIGSTORE_RS_CACHE_DIR", str(path))
    return path


@pytest.fixture
def instance() -> Iterator[Instance]:
    with Instance.start() as inst:
        yield inst


@pytest.fixture
def url(instance: Instance, cache: Path, tmp_path: Path) -> str:
    """The instance's TUF repository, trusted from its first root on the
    command line."""
    root = instance.write_tuf_root(tmp_path / "root.json")
    proc = cli("--instance", instance.tuf_url, "trust-instance", root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "trust material:  refreshed through TUF just now" in proc.stdout
    assert "TUF root:        version 1" in proc.stdout
    return instance.tuf_url


def cache_files(cache: Path) -> dict[str, bytes]:
    """Every file of the cache but the lock, by relative path."""
    return {
        str(p.relative_to(cache)): p.read_bytes()
        for p in sorted(cache.rglob("*"))
        if p.is_file() and p.name != "lock"
    }


def sign_and_verify(instance: Instance, url: str, tmp_path: Path, data: bytes) -> None:
    """``--instance URL sign`` then ``--instance URL verify``, no warning."""
    artifact = tmp_path / "artifact.txt"
    artifact.write_bytes(data)
    signed = cli("--instance", url, "sign", "--identity-token", instance.token(), artifact)
    assert signed.returncode == 0, signed.stderr
    assert signed.stderr == ""
    verified = cli(
        "--instance", url, "verify", "identity", "--cert-identity", DEFAULT_IDENTITY,
        "--cert-oidc-issuer", instance.issuer, artifact,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    assert (verified.stdout, verified.stderr) == (f"OK: {artifact}\n", "")


def test_trust_instance_then_sign_and_verify(
    instance: Instance, url: str, tmp_path: Path, cache: Path
) -> None:
    sign_and_verify(instance, url, tmp_path, b"signed with trust material from TUF")
    # A file signed for another instance's root does not verify here: the
    # verify above used this instance's material, not a default.
    other = cli(
        "--staging", "verify", "identity", "--offline", "--cert-identity", DEFAULT_IDENTITY,
        "--cert-oidc-issuer", instance.issuer, tmp_path / "artifact.txt",
    )  # fmt: skip
    assert other.returncode == 1
    # Nothing but the instance's cache (and the staging root just used) was written.
    assert {Path(p).parts[1] for p in cache_files(cache)} == {
        "http%3A%2F%2F" + url.removeprefix("http://").replace(":", "%3A"),
        "https%3A%2F%2Ftuf-repo-cdn.sigstage.dev",
    }


def test_trust_show_and_refresh(instance: Instance, url: str, cache: Path) -> None:
    show = cli("--instance", url, "trust", "show")
    assert show.returncode == 0, show.stderr
    assert show.stderr == ""
    lines = show.stdout.splitlines()
    assert lines[0] == f"instance:        {url}"
    assert re.fullmatch(r"trust material:  cache \(refreshed \d+ seconds? ago\)", lines[1])
    assert lines[2].startswith(f"cache directory: {cache / 'tuf'}")
    assert lines[3] == "TUF root:        version 1"
    assert re.fullmatch(r"TUF timestamp:   expires \S+Z \(in [67] days\)", lines[4]), lines[4]
    assert lines[5] == "trusted root:"
    config = instance.trust_config
    rekor = config["signingConfig"]["rekorTlogUrls"][0]["url"]
    assert any(re.fullmatch(rf"  Rekor log +{re.escape(rekor)}  valid from \S+", x) for x in lines)
    assert any(x.startswith("  Fulcio CA ") for x in lines)
    assert any(x.startswith("  TSA ") for x in lines)
    assert "signing config (services selected now):" in lines
    assert f"  OIDC       {instance.issuer} (API v1)" in lines
    refreshed = cli("--instance", url, "trust", "refresh")
    assert refreshed.returncode == 0, refreshed.stderr
    assert refreshed.stderr == ""
    assert refreshed.stdout.splitlines()[1] == "trust material:  refreshed through TUF just now"


def test_root_rotations_are_picked_up(
    instance: Instance, url: str, tmp_path: Path, cache: Path
) -> None:
    instance.tuf_rotate("root")
    proc = cli("--instance", url, "trust", "refresh")
    assert proc.returncode == 0, proc.stderr
    assert "TUF root:        version 2" in proc.stdout
    # A new timestamp key comes with root version 3: the timestamp it signs
    # only verifies under the new root.
    instance.tuf_rotate("timestamp")
    proc = cli("--instance", url, "trust", "refresh")
    assert proc.returncode == 0, proc.stderr
    assert "TUF root:        version 3" in proc.stdout
    root = json.loads((next(cache.rglob("metadata/root.json"))).read_bytes())
    assert root["signed"]["version"] == 3
    sign_and_verify(instance, url, tmp_path, b"after two rotations")


@pytest.mark.parametrize(
    ("attack", "role", "check"),
    [("roll_back", "timestamp", "rollback"), ("expire_snapshot", "snapshot", "expiry")],
)
def test_refused_updates_name_role_and_check_and_leave_the_cache(
    instance: Instance, url: str, tmp_path: Path, cache: Path, attack: str, role: str, check: str
) -> None:
    instance.tuf_publish()
    assert cli("--instance", url, "trust", "refresh").returncode == 0
    before = cache_files(cache)
    if attack == "roll_back":
        instance.tuf_roll_back()
    else:
        instance.tuf_publish()
        instance.tuf_expire("snapshot")
    proc = cli("--instance", url, "trust", "refresh")
    assert proc.returncode == 1
    assert proc.stdout == ""
    [line] = proc.stderr.splitlines()
    assert line.startswith(f"FAIL: {url}: TUF metadata: {role} failed the {check} check: "), line
    assert cache_files(cache) == before
    # The same refusal through the API, as TrustUpdateError.
    with pytest.raises(TrustUpdateError, match=f"{role} failed the {check} check"):
        trust.refresh(url)
    assert cache_files(cache) == before
    # The last good cache still serves, offline (saying so) and warm.
    proc = cli("--instance", url, "trust", "show", "--offline")
    assert proc.returncode == 0, proc.stderr
    [warning], rest = split_warnings(proc.stderr)
    assert rest == ""
    assert re.fullmatch(
        rf"using cached trust material for {re.escape(url)} \(last refreshed \d+ seconds? ago; "
        r"its TUF timestamp is valid until \S+Z\)",
        warning,
    ), warning
    sign_and_verify(instance, url, tmp_path, b"after a refused update")


def _age_cache(cache: Path, seconds: int) -> None:
    """Makes the cache's last refresh ``seconds`` old (its ``last-refresh``
    file holds the Unix time of the last refresh)."""
    (last,) = cache.rglob("last-refresh")
    last.write_text(str(int(time.time()) - seconds))


def test_offline_and_unreachable_fall_back_to_the_cache_saying_how_old(
    instance: Instance, url: str, tmp_path: Path, cache: Path
) -> None:
    artifact = tmp_path / "a.txt"
    artifact.write_bytes(b"a")
    signed = cli("--instance", url, "sign", "--identity-token", instance.token(), artifact)
    assert signed.returncode == 0, signed.stderr
    _age_cache(cache, 13 * 3600)
    verify = [
        "--instance", url, "verify", "identity", "--cert-identity", DEFAULT_IDENTITY,
        "--cert-oidc-issuer", instance.issuer,
    ]  # fmt: skip
    offline = cli(*verify[:4], "--offline", *verify[4:], artifact)
    assert offline.returncode == 0, offline.stderr
    [warning], rest = split_warnings(offline.stderr)
    assert rest == ""
    assert warning.startswith(
        f"using cached trust material for {url} (last refreshed 13 hours ago; "
        "its TUF timestamp is valid until "
    ), warning
    # The repository down and the cache due for a refresh: the cache, with
    # a warning that says why and how old it is.
    instance.stop()
    down = cli(*verify, artifact)
    assert down.returncode == 0, down.stderr
    found, rest = split_warnings(down.stderr)
    assert rest == ""
    assert len(found) == 2, found
    assert found[0].startswith(f"cannot reach the TUF repository ({url}/"), found
    assert found[0].endswith("; using stored trust material"), found
    assert "last refreshed 13 hours ago" in found[1], found
    # `trust refresh` asked for a refresh that did not happen.
    refresh = cli("--instance", url, "trust", "refresh")
    assert refresh.returncode == 1
    assert "trust material:  cache (refreshed 13 hours ago)" in refresh.stdout
    assert refresh.stderr.endswith(f"FAIL: {url}: not refreshed\n")


class Sentinel(socketserver.ThreadingTCPServer):
    """A proxy on 127.0.0.1 that records the first line of every request
    and refuses it: set as the proxy, it sees any attempt to use the network."""

    daemon_threads = True

    def __init__(self) -> None:
        self.requests: list[str] = []
        sentinel = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                sentinel.requests.append(self.rfile.readline().decode(errors="replace").strip())
                self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def env(self, cache: Path) -> dict[str, str]:
        """The environment of a process whose every request goes to it."""
        proxies = {"https_proxy", "http_proxy", "all_proxy", "no_proxy"}
        env = {k: v for k, v in os.environ.items() if k.lower() not in proxies}
        env["SIGSTORE_RS_CACHE_DIR"] = str(cache)
        env["https_proxy"] = env["HTTPS_PROXY"] = self.url
        return env


def test_offline_with_an_empty_cache_uses_the_embedded_material_without_a_request(
    tmp_path: Path, fixtures: Path
) -> None:
    sentinel = Sentinel()
    try:
        env = sentinel.env(tmp_path / "empty-cache")
        show = cli("trust", "show", "--offline", env=env)
        assert show.returncode == 0, show.stderr
        assert show.stdout.splitlines()[:2] == [
            f"instance:        {trust.PRODUCTION}",
            "trust material:  embedded in this release of sigstore_rs (no usable cache)",
        ]
        found, rest = split_warnings(show.stderr)
        assert_embedded(found)
        assert rest == ""
        dist = fixtures / "pypi-attestations" / "pypi_attestation_models-0.0.4a2.tar.gz"
        verified = cli(
            "verify", "github", "--offline", "--repository", "trailofbits/pypi-attestation-models",
            "--bundle", f"{dist}.sigstore", dist, env=env,
        )  # fmt: skip
        assert verified.returncode == 0, verified.stderr
        assert_embedded(split_warnings(verified.stderr)[0])
        assert sentinel.requests == []
        # Without --offline the same command does try: through the proxy,
        # refused, then the embedded material with both reasons given.
        online = cli("trust", "show", env=env)
        assert online.returncode == 0, online.stderr
        assert sentinel.requests[0].startswith("CONNECT tuf-repo-cdn.sigstore.dev:443 "), (
            sentinel.requests
        )
        found, _ = split_warnings(online.stderr)
        assert found[0].startswith("cannot reach the TUF repository (https://tuf-repo-cdn"), found
        assert "using the material embedded in sigstore_rs" in found[1]
    finally:
        sentinel.shutdown()
        sentinel.server_close()


def test_two_processes_refreshing_at_once(instance: Instance, url: str) -> None:
    instance.tuf_publish()
    cmd = [sys.executable, "-m", "sigstore_rs", "--instance", url, "trust", "refresh"]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert err == ""
        assert "trust material:  refreshed through TUF just now" in out
    show = cli("--instance", url, "trust", "show")
    assert show.returncode == 0, show.stderr
    assert show.stderr == ""


def test_serve_in_another_process_then_trust_sign_and_verify(tmp_path: Path, cache: Path) -> None:
    served = tmp_path / "served"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sigstore_rs", "testing", "serve", "--dir", str(served), "--tuf"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (served / "token").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        tuf = json.loads((served / "tuf.json").read_text())
        url, root = tuf["url"], tuf["root"]
        config = json.loads((served / "trust_config.json").read_text())
        issuer = config["signingConfig"]["oidcUrls"][0]["url"]
        trusted = cli("--instance", url, "trust-instance", root)
        assert trusted.returncode == 0, trusted.stderr
        artifact = tmp_path / "served.txt"
        artifact.write_bytes(b"signed against another process's instance")
        token = (served / "token").read_text()
        signed = cli("--instance", url, "sign", "--identity-token", token, artifact)
        assert signed.returncode == 0, signed.stderr
        verified = cli(
            "--instance", url, "verify", "identity", "--cert-identity", DEFAULT_IDENTITY,
            "--cert-oidc-issuer", issuer, artifact,
        )  # fmt: skip
        assert (verified.returncode, verified.stdout, verified.stderr) == (
            0,
            f"OK: {artifact}\n",
            "",
        )
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err


def test_usage_errors() -> None:
    for args, message in [
        (["trust-instance", "root.json"], "trust-instance needs --instance URL"),
        (["--trusted-root", "r.json", "trust", "show"], "trust material files bypass TUF"),
        (["--staging", "--instance", "https://x", "trust", "show"], "not allowed with"),
    ]:
        proc = cli(*args)
        assert proc.returncode == 2, proc.stderr
        assert message in proc.stderr
    proc = cli("--instance", "https://tuf.invalid", "trust", "show", "--offline")
    assert proc.returncode == 1
    assert "trust-instance ROOT.json" in proc.stderr


# -- the Python API ------------------------------------------------------------


def test_api_trust_instance_sign_and_verify(
    instance: Instance, cache: Path, tmp_path: Path
) -> None:
    root = instance.write_tuf_root(tmp_path / "root.json")
    material = trust.trust_instance(instance.tuf_url, root)
    assert (material.origin, material.root_version, material.warnings) == ("refreshed", 1, [])
    assert material.cache_dir.parent == cache / "tuf"
    assert material.expires is not None
    assert material.expires > time.time()
    assert json.loads(material.trusted_root) == instance.trust_config["trustedRoot"]
    assert material.signing_config is not None
    kinds = {kind for kind, *_ in material.authorities()}
    assert kinds == {"tlog", "ctlog", "ca", "tsa"}
    assert ("oidc", instance.issuer, 1) in material.services()
    bundle = (
        SigningContext.for_instance(instance.tuf_url)
        .signer(instance.token())
        .sign_artifact(b"through the API")
    )
    Verifier.for_instance(instance.tuf_url).verify_artifact(
        b"through the API", bundle, Identity(identity=DEFAULT_IDENTITY, issuer=instance.issuer)
    )
    warm = trust.load(instance.tuf_url)
    assert (warm.origin, warm.warnings) == ("cache", [])
    assert warm.refreshed_at is not None


def test_api_warnings_are_trust_warnings_at_the_callers_line() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Verifier.staging(offline=True)
        SigningContext.production(offline=True)
        trust.load(trust.STAGING, offline=True)
    assert [w.category for w in caught] == [TrustWarning] * 3
    assert {w.filename for w in caught} == {__file__}
    for w in caught:
        assert_embedded([str(w.message)])
    # The shared helper the other tests use says the same.
    embedded("staging")


def test_pep740_default_verifier_is_kept_only_when_healthy(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Calls without ``verifier=`` reuse material that loaded without a
    warning (for a few minutes), and load again after a fallback."""
    from sigstore_rs import pep740

    loads: list[bool] = []
    real_load = trust._load

    def counting_load(u: str, *, offline: bool, stacklevel: int) -> object:
        loads.append(offline)
        return real_load(u, offline=offline, stacklevel=stacklevel + 1)

    monkeypatch.setattr(pep740._trust, "PRODUCTION", url)
    monkeypatch.setattr(pep740._trust, "_load", counting_load)
    monkeypatch.setattr(pep740, "_default_verifiers", {})
    first = pep740._verifier(False, False, None)
    assert pep740._verifier(False, False, None) is first
    assert loads == [False]
    # Past the keeping time: loaded again.
    monkeypatch.setattr(pep740, "_DEFAULT_VERIFIER_SECONDS", 0.0)
    assert pep740._verifier(False, False, None) is not first
    assert loads == [False, False]
    # A fallback is never kept: staging offline with an empty cache warns each time.
    monkeypatch.setattr(pep740, "_DEFAULT_VERIFIER_SECONDS", 300.0)
    for _ in range(2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pep740._verifier(True, True, None)
        assert_embedded([str(w.message) for w in caught])
    assert loads == [False, False, True, True]


def test_the_refresh_interval_is_configurable(url: str) -> None:
    """``SIGSTORE_RS_REFRESH_INTERVAL`` seconds: ``0`` refreshes on every
    load; a value that is not a whole number of seconds is an error."""
    env = {**os.environ, "SIGSTORE_RS_REFRESH_INTERVAL": "0"}
    for _ in range(2):
        show = cli("--instance", url, "trust", "show", env=env)
        assert show.returncode == 0, show.stderr
        assert show.stdout.splitlines()[1] == "trust material:  refreshed through TUF just now"
    env["SIGSTORE_RS_REFRESH_INTERVAL"] = "2h"
    bad = cli("--instance", url, "trust", "show", env=env)
    assert bad.returncode != 0
    assert 'SIGSTORE_RS_REFRESH_INTERVAL="2h" is not a whole number of seconds' in bad.stderr
