"""``sigstore-rs pylock pin`` / ``pylock verify`` and ``sigstore_rs.pylock``
on PEP 751 locks written by real pip (``pip lock``) and real uv (``uv pip
compile``, ``uv export``) against the local package index, whose projects
were uploaded by real twine with attestations; then the verified install,
``pip install -r pylock.toml``, into a fresh virtual environment.

Every tool is pointed at the local index only (``--index-url`` /
``--default-index``, no config files, caches in the test's directory), so
nothing reaches pypi.org."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11: the test extra installs tomli
    import tomli as tomllib  # type: ignore[no-redef]

from helpers import run_module
from sigstore_rs import InvalidLock, Verifier, pylock
from sigstore_rs.pep740 import GitHubPublisher, GitLabPublisher
from sigstore_rs.testing import Instance
from test_index import API_TOKEN, pypi_sign, twine

UV = [sys.executable, "-m", "uv"]
# alpha depends on beta; both attested. gamma is attested from GitLab.
# plain was uploaded with an API token: no provenance.
ALPHA = GitHubPublisher(repository="acme/alpha", workflow="release.yml")
BETA = GitHubPublisher(repository="acme/beta", workflow="release.yml", environment="pypi")
GAMMA = GitLabPublisher(repository="acme/tools/gamma", workflow_filepath=".gitlab-ci.yml")


def wheel(directory: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    """A minimal pure-Python wheel pip and uv resolve and install: a module,
    ``METADATA`` (with ``Requires-Dist``), ``WHEEL`` and ``RECORD``."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires
    )
    members = {
        f"{dist}/__init__.py": f"VERSION = {version!r}\n".encode(),
        f"{info}/METADATA": metadata.encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = ""
    for member, data in members.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += f"{member},sha256={digest},{len(data)}\n"
    members[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    path = directory / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        for member, data in members.items():
            z.writestr(member, data)
    return path


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Instance, Path]]:
    """The instance with alpha, beta, gamma and plain on its index; and its
    trust config."""
    work = tmp_path_factory.mktemp("pylock-index")
    with Instance.start() as inst:
        inst.add_trusted_publisher("alpha", ALPHA)
        inst.add_trusted_publisher("beta", BETA)
        inst.add_trusted_publisher("gamma", GAMMA)
        config = inst.write_trust_config(work / "trust_config.json")
        uploads = [
            ("alpha", "1.0", ("beta>=2",), inst.github_token("acme/alpha", "release.yml")),
            (
                "beta",
                "2.0",
                (),
                inst.github_token("acme/beta", "release.yml", environment="pypi"),
            ),
            ("gamma", "0.3", (), inst.gitlab_token("acme/tools/gamma", ".gitlab-ci.yml")),
        ]
        for name, version, requires, token in uploads:
            dist = wheel(work, name, version, requires)
            done = twine(inst, token, dist, pypi_sign(config, token, dist))
            assert done.returncode == 0, done.stdout + done.stderr
        plain = wheel(work, "plain", "1.0")
        done = twine(inst, API_TOKEN, plain, attestations=False)
        assert done.returncode == 0, done.stdout + done.stderr
        yield inst, config


def isolated_env(tmp_path: Path) -> dict[str, str]:
    """pip and uv with no configuration, no shared cache, and no index but
    the one on their command line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_CACHE_DIR="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        UV_CACHE_DIR=str(tmp_path / "uv-cache"),
        UV_NO_CONFIG="1",
        UV_PYTHON=sys.executable,
        HOME=str(tmp_path),
    )
    return env


def tool(tmp_path: Path, *args: str | Path, cwd: Path | None = None) -> None:
    done = subprocess.run(
        list(map(str, args)),
        capture_output=True,
        text=True,
        env=isolated_env(tmp_path),
        cwd=cwd or tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pypi.org" not in done.stdout + done.stderr


def pip_lock(inst: Instance, tmp_path: Path, *requirements: str) -> Path:
    lock = tmp_path / "pylock.toml"
    tool(tmp_path, sys.executable, "-m", "pip", "lock", "--index-url", inst.index_url,
         "-o", lock, *requirements)  # fmt: skip
    return lock


def uv_pip_compile(inst: Instance, tmp_path: Path, *requirements: str) -> Path:
    (tmp_path / "requirements.in").write_text("\n".join(requirements) + "\n")
    lock = tmp_path / "pylock.toml"
    tool(tmp_path, *UV, "pip", "compile", "--no-config", "--default-index", inst.index_url,
         "requirements.in", "-o", lock)  # fmt: skip
    return lock


def uv_export(inst: Instance, tmp_path: Path, *requirements: str) -> Path:
    project = tmp_path / "app"
    project.mkdir()
    deps = ", ".join(f'"{r}"' for r in requirements)
    (project / "pyproject.toml").write_text(
        f'[project]\nname = "app"\nversion = "0.1"\nrequires-python = ">=3.9"\n'
        f"dependencies = [{deps}]\n"
    )
    tool(tmp_path, *UV, "lock", "--no-config", "--default-index", inst.index_url, cwd=project)
    lock = tmp_path / "pylock.toml"
    tool(tmp_path, *UV, "export", "--no-config", "--default-index", inst.index_url,
         "--format", "pylock.toml", "-o", lock, cwd=project)  # fmt: skip
    return lock


def cli(config: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_module("sigstore_rs", "--trust-config", config, "pylock", *args)


def wheel_sha256(lock: Path, package: str) -> str:
    [entry] = [p for p in tomllib.loads(lock.read_text())["packages"] if p["name"] == package]
    digest: str = entry["wheels"][0]["hashes"]["sha256"]
    return digest


def packages(lock: Path) -> list[str]:
    return [p["name"] for p in tomllib.loads(lock.read_text())["packages"]]


LOCKERS = {"pip lock": pip_lock, "uv pip compile": uv_pip_compile, "uv export": uv_export}


@pytest.mark.parametrize("locker", LOCKERS)
def test_pin_then_verify_round_trips(
    index: tuple[Instance, Path], tmp_path: Path, locker: str
) -> None:
    inst, config = index
    lock = LOCKERS[locker](inst, tmp_path, "alpha", "gamma", "plain")
    assert sorted(set(packages(lock)) - {"app"}) == ["alpha", "beta", "gamma", "plain"]
    original = lock.read_bytes()

    # Pinning is trust on first use: refused (and nothing written) unless asked.
    refused = cli(config, "pin", lock, "--index-url", inst.index_url)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "pass --trust-on-first-use" in refused.stderr
    assert lock.read_bytes() == original

    done = cli(config, "pin", lock, "--index-url", inst.index_url, "--trust-on-first-use")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"pinned: alpha: {ALPHA}" in done.stdout
    assert "pinned: beta: GitHub repository acme/beta, workflow release.yml" in done.stdout
    assert "pinned: gamma: GitLab project acme/tools/gamma" in done.stdout
    assert (
        "warning: plain: plain-1.0-py3-none-any.whl: not pinned, and the index serves no provenance"
    ) in done.stderr
    text = lock.read_text()
    # pylock-attestations' shape; the rest of the file as the locker wrote it.
    assert (
        '[[packages.attestation-identities]]\nkind = "GitHub"\nrepository = "acme/beta"\n'
        'workflow = "release.yml"\nenvironment = "pypi"\n'
    ) in text
    for line in original.decode().splitlines():
        assert line in text

    verified = cli(config, "verify", lock, "--index-url", inst.index_url)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    for name in ("alpha", "beta", "gamma"):
        assert re.search(rf"^OK: {name}: {name}-.*: verified: published by ", verified.stdout, re.M)
    assert "warning: plain: " in verified.stderr
    strict = cli(config, "verify", lock, "--index-url", inst.index_url, "--require-pins")
    assert strict.returncode == 1
    assert "FAIL: plain: plain-1.0-py3-none-any.whl: not pinned" in strict.stderr

    # Pinning again adds nothing and checks the pins.
    again = cli(config, "pin", lock, "--index-url", inst.index_url, "--trust-on-first-use")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "no new pins" in again.stdout
    assert lock.read_text() == text


def test_verified_install_with_pip(index: tuple[Instance, Path], tmp_path: Path) -> None:
    inst, config = index
    lock = pip_lock(inst, tmp_path, "alpha")
    assert cli(config, "pin", lock, "--index-url", inst.index_url,
               "--trust-on-first-use").returncode == 0  # fmt: skip
    assert cli(config, "verify", lock, "--index-url", inst.index_url).returncode == 0
    venv = tmp_path / "venv"
    tool(tmp_path, sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    tool(tmp_path, sys.executable, "-m", "pip", "--python", python, "install", "--no-index",
         "-r", lock)  # fmt: skip
    out = subprocess.run(
        [python, "-c", "import alpha, beta; print(alpha.VERSION, beta.VERSION)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert out.stdout.split() == ["1.0", "2.0"]


def edit(lock: Path, old: str, new: str) -> None:
    text = lock.read_text()
    assert old in text, text
    lock.write_text(text.replace(old, new, 1))


def test_faults_are_refused_with_the_claim(index: tuple[Instance, Path], tmp_path: Path) -> None:
    inst, config = index
    lock = uv_export(inst, tmp_path, "alpha", "plain")
    assert cli(config, "pin", lock, "--trust-on-first-use").returncode == 0
    pinned = lock.read_text()

    def refused(*extra: str | Path) -> list[str]:
        done = cli(config, "verify", lock, *extra)
        assert done.returncode == 1, done.stdout + done.stderr
        return [x for x in done.stderr.splitlines() if x.startswith("FAIL: ")]

    # A publisher change under a pin.
    edit(lock, 'repository = "acme/beta"\nworkflow = "release.yml"',
         'repository = "acme/beta"\nworkflow = "other.yml"')  # fmt: skip
    assert refused() == [
        'FAIL: beta: beta-2.0-py3-none-any.whl: publisher changed: workflow: pinned "other.yml", '
        'provenance names "release.yml" (provenance names GitHub repository acme/beta, workflow '
        "release.yml, environment pypi)"
    ]
    # A pinned package whose provenance is missing.
    lock.write_text(pinned)
    text = lock.read_text()
    at = text.index('name = "plain"')
    end = text.find("\n[[packages]]", at)
    end = len(text) if end == -1 else end
    pin = (
        '\n[[packages.attestation-identities]]\nkind = "GitHub"\nrepository = "acme/plain"\n'
        'workflow = "release.yml"\n'
    )
    lock.write_text(text[:end].rstrip("\n") + "\n" + pin + text[end:])
    [line] = refused()
    assert line.startswith(
        "FAIL: plain: plain-1.0-py3-none-any.whl: provenance missing while pinned to GitHub "
        "repository acme/plain, workflow release.yml ("
    ), line
    # A wrong hash in the lock.
    lock.write_text(pinned)
    real = wheel_sha256(lock, "alpha")
    edit(lock, real, "0" * 64)
    [line] = refused()
    assert line == (
        f"FAIL: alpha: alpha-1.0-py3-none-any.whl: its sha256 is {real}, but the lock "
        f"file gives {'0' * 64}"
    )
    # A swapped file in the distribution directory.
    lock.write_text(pinned)
    dists = tmp_path / "dists"
    dists.mkdir()
    (dists / "alpha-1.0-py3-none-any.whl").write_bytes(b"not the wheel")
    [line] = refused("--dist-dir", dists)
    assert line.startswith("FAIL: alpha: alpha-1.0-py3-none-any.whl: its sha256 is "), line
    # A malformed lock.
    lock.write_text(pinned.replace('lock-version = "1.0"', 'lock-version = "2.0"'))
    [line] = refused()
    assert line == (
        f'FAIL: invalid lock file: {lock}: lock-version "2.0" is not supported (expected 1.x)'
    )
    # The index unreachable.
    lock.write_text(pinned)
    lines = refused("--index-url", "http://127.0.0.1:9/simple/")
    assert len(lines) == 3
    assert all("could not be reached" in x for x in lines), lines


def test_pin_writes_nothing_when_a_file_fails(index: tuple[Instance, Path], tmp_path: Path) -> None:
    inst, config = index
    lock = uv_pip_compile(inst, tmp_path, "alpha")
    edit(lock, wheel_sha256(lock, "beta"), "1" * 64)
    before = lock.read_bytes()
    done = cli(config, "pin", lock, "--index-url", inst.index_url, "--trust-on-first-use")
    assert done.returncode == 1
    assert "FAIL: beta: beta-2.0-py3-none-any.whl: its sha256 is " in done.stderr
    assert "not written" in done.stderr
    assert lock.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".pylock")] == []


def test_python_api(index: tuple[Instance, Path], tmp_path: Path) -> None:
    inst, config = index
    lock = uv_export(inst, tmp_path, "alpha", "gamma")
    verifier = Verifier.from_trust_config(config)
    result = pylock.pin(lock, verifier=verifier)
    assert not result.written
    assert {f.package for f in pylock.failures(result.findings)} == {"alpha", "beta", "gamma"}
    result = pylock.pin(lock, verifier=verifier, trust_on_first_use=True)
    assert result.written
    assert result.pins == {"alpha": (ALPHA,), "beta": (BETA,), "gamma": (GAMMA,)}
    findings = pylock.verify(lock, verifier=verifier)
    assert [(f.package, f.status) for f in findings] == [
        ("alpha", "verified"),
        ("beta", "verified"),
        ("gamma", "verified"),
    ]
    assert findings[0].publishers == (ALPHA,)
    assert pylock.failures(findings, require_pins=True) == []
    bad = tmp_path / "bad.toml"
    bad.write_text('lock-version = "1.0"\n[[packages]]\nname = "x"\n')
    with pytest.raises(InvalidLock, match=r"packages\[0\] \(x\): no source"):
        pylock.verify(bad, verifier=verifier)
