"""What ships is what a user installs: the wheels and sdist in ``dist/``, installed
into fresh virtualenvs of the oldest and newest CPython this machine has.

``scripts/build_wheels.py`` must have built them (``scripts/test.sh`` does); a
missing artifact FAILS, it is never skipped. The manylinux wheel goes into
pyenv's CPython 3.9 and 3.13 with ``pip --no-index``; the musllinux wheel needs a
musl-linked CPython, which ``scripts/musl_cpython.py`` builds and caches (the
tests never download anything, and fail naming that script when it has not run)
and which installs with uv, because a minimal musl CPython has no zlib for pip.

Each installed wheel verifies a recorded bundle through the ``sigstore-rs``
console script, rejects a tampered input with exit 1, and imports
``sigstore_rs.pep740``; each interpreter also refuses the other libc's wheel.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from types import ModuleType

import pytest

from conftest import REPO
from helpers import offline_stderr

DIST = REPO / "dist"
ASSETS = REPO / "tests" / "assets" / "sigstore-python"
VERSION = re.search(r'^version = "([^"]+)"', (REPO / "Cargo.toml").read_text(), re.M)[1]  # type: ignore[index]
REBUILD = "run scripts/build_wheels.py (scripts/test.sh does) to build it"
# --offline: tests make no request; the staging root embedded in the wheel,
# with its one warning (checked by ``offline_stderr``).
VERIFY = [
    "--staging",
    "verify",
    "identity",
    "--offline",
    "--cert-identity",
    "william@yossarian.net",
    "--cert-oidc-issuer",
    "https://github.com/login/oauth",
]
VERSIONS = ["3.9", "3.13"]  # the oldest and the newest CPython this project supports


def _musl_cpython() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "musl_cpython", REPO / "scripts" / "musl_cpython.py"
    )
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wheel(platform_tag: str) -> Path:
    found = sorted(DIST.glob(f"sigstore_rs-{VERSION}-cp39-abi3-*{platform_tag}*.whl"))
    if not found:
        pytest.fail(f"no {platform_tag} wheel of sigstore_rs {VERSION} in {DIST}: {REBUILD}")
    assert len(found) == 1, f"several {platform_tag} wheels: {found}"
    return found[0]


def sdist() -> Path:
    path = DIST / f"sigstore_rs-{VERSION}.tar.gz"
    if not path.is_file():
        pytest.fail(f"no sdist {path.name} in {DIST}: {REBUILD}")
    return path


def glibc_python(version: str) -> Path:
    """pyenv's newest CPython ``version`` (found through ``pyenv root``, else
    ``~/.pyenv``), or else ``python<version>`` on PATH (CI's setup-python)."""
    root = None
    if shutil.which("pyenv"):
        out = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False)
        root = Path(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None
    root = root or Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = sorted(
        (p for p in (root / "versions").glob(f"{version}.*") if re.fullmatch(r"[\d.]+", p.name)),
        key=lambda p: [int(x) for x in p.name.split(".")],
    )
    exes = [p / "bin" / f"python{version}" for p in candidates]
    exes = [e for e in exes if e.is_file()]
    if exes:
        return exes[-1]
    on_path = shutil.which(f"python{version}")
    if on_path:
        return Path(on_path)
    pytest.fail(f"no CPython {version} in {root}/versions nor on PATH: `pyenv install {version}`")


def musl_python(version: str) -> Path:
    exe = _musl_cpython().interpreter(version)
    if exe is None:
        pytest.fail(
            f"no musl-linked CPython {version} cached: run scripts/musl_cpython.py"
            " (scripts/test.sh does; it needs musl-tools and the network once)"
        )
    return Path(exe)


def uv() -> Path:
    exe = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if exe is None:
        pytest.fail("uv is not installed: it is in the `test` extra (pip install -e .[test])")
    return Path(exe)


def clean_env() -> dict[str, str]:
    """The caller's environment without anything pointing into the test venv."""
    drop = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_PYTHON", "PIP_REQUIRE_VIRTUALENV"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["UV_NO_CONFIG"] = "1"
    return env


def run(*cmd: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def check_installed(venv: Path, tmp: Path) -> None:
    """The installed wheel's console script verifies, rejects tampering, and imports."""
    cli = venv / "bin" / "sigstore-rs"
    assert cli.is_file(), f"{cli} was not installed"
    ok = run(
        cli,
        *VERIFY,
        "--bundle",
        "tests/assets/sigstore-python/bundle_v3.txt.sigstore",
        "tests/assets/sigstore-python/bundle_v3.txt",
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK: tests/assets/sigstore-python/bundle_v3.txt"), ok.stdout
    assert offline_stderr(ok.stderr) == ""

    tampered = tmp / "bundle_v3.txt"
    tampered.write_bytes((ASSETS / "bundle_v3.txt").read_bytes() + b"!")
    bad = run(cli, *VERIFY, "--bundle", ASSETS / "bundle_v3.txt.sigstore", tampered)
    assert bad.returncode == 1, (bad.stdout, bad.stderr)
    assert offline_stderr(bad.stderr).startswith(f"FAIL: {tampered}"), bad.stderr

    # sigstore_rs.testing imports only where the wheel has the Cargo feature
    # `testing` (the local instance), as every release wheel must.
    probe = run(
        venv / "bin" / "python",
        "-c",
        "import sys, sigstore_rs.pep740, sigstore_rs.testing, sigstore_rs._rust as r;"
        " print(sys.version_info[:2], r.__file__)",
    )
    assert probe.returncode == 0, probe.stderr
    assert str(venv) in probe.stdout, f"imported from outside the venv: {probe.stdout}"


@pytest.mark.parametrize("version", VERSIONS)
def test_manylinux_wheel(version: str, tmp_path: Path) -> None:
    whl = wheel("manylinux_2_17_x86_64")
    venv = tmp_path / "venv"
    made = run(glibc_python(version), "-m", "venv", venv)
    assert made.returncode == 0, made.stderr
    pip = [venv / "bin" / "python", "-m", "pip", "install", "--no-index", "--no-deps"]
    # glibc's pip must refuse the musl wheel: the tags are what keep users safe.
    refused = run(*pip, wheel("musllinux_1_2_x86_64"))
    assert refused.returncode != 0
    assert "not a supported wheel on this platform" in refused.stderr, refused.stderr
    installed = run(*pip, whl)
    assert installed.returncode == 0, installed.stderr
    check_installed(venv, tmp_path)


@pytest.mark.parametrize("version", VERSIONS)
def test_musllinux_wheel(version: str, tmp_path: Path) -> None:
    whl = wheel("musllinux_1_2_x86_64")
    python, venv = musl_python(version), tmp_path / "venv"
    made = run(uv(), "venv", "--offline", "--no-config", "--python", python, venv)
    assert made.returncode == 0, made.stderr
    pip = [uv(), "pip", "install", "--offline", "--no-index", "--python", venv / "bin" / "python"]
    refused = run(*pip, wheel("manylinux_2_17_x86_64"))
    assert refused.returncode != 0
    assert "musllinux_1_2_x86_64" in refused.stderr, refused.stderr
    installed = run(*pip, whl)
    assert installed.returncode == 0, installed.stderr
    check_installed(venv, tmp_path)


def test_sdist_has_what_cargo_packages() -> None:
    """The sdist holds LICENSE, the Python package, and every file ``cargo package``
    would ship, so a source build compiles exactly what this checkout does."""
    path = sdist()
    with tarfile.open(path) as tar:
        top = f"sigstore_rs-{VERSION}"
        names = {n.removeprefix(f"{top}/") for n in tar.getnames()}
        lic = tar.extractfile(f"{top}/LICENSE")
        assert lic is not None
        assert lic.read() == (REPO / "LICENSE").read_bytes()
        pkg_info = tar.extractfile(f"{top}/PKG-INFO")
        assert pkg_info is not None
        meta = pkg_info.read().decode()
    assert f"\nVersion: {VERSION}\n" in meta
    assert "License-File: LICENSE" in meta or "License: Apache-2.0" in meta
    python_files = {
        str(p.relative_to(REPO))
        for p in (REPO / "python" / "sigstore_rs").iterdir()
        if p.suffix in {".py", ".pyi", ".typed"}
    }
    listed = subprocess.run(
        ["cargo", "package", "--list", "--allow-dirty", "--offline"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    # Cargo.toml.orig and .cargo_vcs_info.json are cargo's own bookkeeping.
    cargo_files = {f for f in listed if not f.startswith(".cargo_vcs") and f != "Cargo.toml.orig"}
    missing = sorted((cargo_files | python_files | {"LICENSE", "pyproject.toml"}) - names)
    assert not missing, f"{path.name} lacks {missing}"


def test_sdist_builds_and_verifies(tmp_path: Path) -> None:
    """A user without a matching wheel builds from the sdist: pip runs maturin's PEP 517
    backend on it (no index, no build isolation: the test venv's maturin), and the
    result installs into CPython 3.13 and verifies.

    It builds with Cargo's dev profile and this checkout's target folder: the
    release profile (fat LTO) is already covered by the wheels built from the
    same sources, and would add about five minutes here; the sdist's own crate
    is compiled from the sdist either way."""
    if importlib.util.find_spec("maturin") is None:
        pytest.fail("maturin is not installed in the test venv (scripts/test.sh installs it)")
    env = clean_env()
    env["MATURIN_PEP517_ARGS"] = "--profile dev"
    env.setdefault("CARGO_TARGET_DIR", str(REPO / "target"))
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    out = tmp_path / "wheelhouse"
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-build-isolation",
            "--no-index",
            "--no-deps",
            "--wheel-dir",
            str(out),
            str(sdist()),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (whl,) = out.glob("sigstore_rs-*.whl")
    venv = tmp_path / "venv"
    made = run(glibc_python("3.13"), "-m", "venv", venv)
    assert made.returncode == 0, made.stderr
    installed = run(venv / "bin" / "python", "-m", "pip", "install", "--no-index", "--no-deps", whl)
    assert installed.returncode == 0, installed.stderr
    check_installed(venv, tmp_path)
