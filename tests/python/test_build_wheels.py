"""The wheel matrix (wheels.toml), its build script's dry run and checks, and the CI
workflow that builds what this host cannot."""

from __future__ import annotations

import importlib.util
import io
import platform
import re
import shlex
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from conftest import REPO

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11: the test extra installs tomli
    import tomli as tomllib  # type: ignore[no-redef]

SCRIPT = REPO / "scripts" / "build_wheels.py"
WORKFLOW = REPO / ".github" / "workflows" / "wheels.yml"
EXPECTED = {
    "x86_64-unknown-linux-gnu": "manylinux2014",
    "aarch64-unknown-linux-gnu": "manylinux2014",
    "x86_64-unknown-linux-musl": "musllinux_1_2",
    "aarch64-unknown-linux-musl": "musllinux_1_2",
    "x86_64-apple-darwin": None,
    "aarch64-apple-darwin": None,
    "x86_64-pc-windows-msvc": None,
}
LINUX_X86_64 = platform.system() == "Linux" and platform.machine() == "x86_64"


def wheel_features() -> str:
    """pyproject.toml's maturin features (python, testing): a `--features` on
    maturin's command line replaces them, so the RustCrypto wheel repeats them."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    features: list[str] = pyproject["tool"]["maturin"]["features"]
    assert "testing" in features  # the wheel ships sigstore_rs.testing
    return ",".join(features)


def config() -> dict[str, Any]:
    return tomllib.loads((REPO / "wheels.toml").read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def bw() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_wheels", SCRIPT)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def dry_run(*args: str) -> tuple[list[list[str]], str]:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--dry-run", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return [shlex.split(line) for line in proc.stdout.splitlines()], proc.stderr


def _flag(cmd: list[str], flag: str) -> str | None:
    return cmd[cmd.index(flag) + 1] if flag in cmd else None


def test_dry_run_all_covers_the_matrix() -> None:
    cmds, _ = dry_run("--all")
    builds = [c for c in cmds if "build" in c]
    assert {_flag(c, "--target"): _flag(c, "--compatibility") for c in builds} == EXPECTED
    assert all(_flag(c, "--profile") == "release" for c in builds)
    assert cmds[-1][:2] == ["maturin", "sdist"]
    for target, cmd in zip(config()["target"], builds):
        rust_crypto = "--no-default-features" in cmd
        assert rust_crypto == (target["backend"] == "rust-crypto")
        if rust_crypto:
            assert _flag(cmd, "--features") == wheel_features()
        if target.get("cross"):
            assert "--zig" in cmd


@pytest.mark.skipif(not LINUX_X86_64, reason="the host set asserted here is Linux x86_64's")
def test_default_is_what_this_host_builds() -> None:
    cmds, stderr = dry_run()
    assert [_flag(c, "--target") for c in cmds[:-1]] == [
        "x86_64-unknown-linux-gnu",
        "x86_64-unknown-linux-musl",
    ]
    assert cmds[-1] == ["maturin", "sdist", "--out", "dist"]
    # This host's glibc is newer than manylinux2014's 2.17: zig links against 2.17.
    assert "--zig" in cmds[0]
    skipped = dict(re.findall(r"^# not built on this host: ([\w-]+): (.*)$", stderr, re.M))
    assert set(skipped) == {
        "manylinux-aarch64",
        "musllinux-aarch64",
        "macos-x86_64",
        "macos-arm64",
        "windows-x64",
    }
    assert all("built in CI: .github/workflows/wheels.yml" in r for r in skipped.values())


def test_abi3_floor_matches_cargo_and_pyproject() -> None:
    floor = config()["wheels"]["abi3"]
    minor = int(floor.removeprefix("cp3"))
    assert f'"abi3-py3{minor}"' in (REPO / "Cargo.toml").read_text()
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == f">=3.{minor}"


def test_maturin_pin_matches_the_build_backend() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert config()["tools"]["maturin"] in pyproject["build-system"]["requires"]


def test_one_target() -> None:
    cmds, _ = dry_run("--target", "macos-arm64")
    assert len(cmds) == 1
    assert cmds[0][:2] == ["env", "MACOSX_DEPLOYMENT_TARGET=11.0"]
    assert re.search(r"--target aarch64-apple-darwin", shlex.join(cmds[0]))
    cmds, _ = dry_run("--target", "musllinux-x86_64", "--sdist", "--profile", "dev")
    assert _flag(cmds[0], "--profile") == "dev"
    assert cmds[1][:2] == ["maturin", "sdist"]


@pytest.mark.parametrize("args", [["--target", "nope"], ["--all", "--target", "macos-arm64"]])
def test_bad_arguments(args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--dry-run", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2


@pytest.mark.skipif(platform.system() != "Linux", reason="checks a Linux host's refusal")
def test_refuses_another_os_without_building() -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--target", "windows-x64"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "built in CI: .github/workflows/wheels.yml" in proc.stderr


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("manylinux2014", ("manylinux", (2, 17))),
        ("manylinux_2_17_x86_64", ("manylinux", (2, 17))),
        ("manylinux2014_x86_64", ("manylinux", (2, 17))),
        ("manylinux_2_28_aarch64", ("manylinux", (2, 28))),
        ("musllinux_1_2", ("musllinux", (1, 2))),
        ("musllinux_1_1_x86_64", ("musllinux", (1, 1))),
    ],
)
def test_policy(bw: ModuleType, tag: str, expected: tuple[str, tuple[int, int]]) -> None:
    assert bw.policy(tag) == expected


def _info(overall: str, sym: str | None = None, libs: dict[str, str | None] | None = None) -> dict:
    return {"wheel": "w.whl", "overall_tag": overall, "sym_tag": sym or overall,
            "external_libs": libs or {}}  # fmt: skip


@pytest.mark.parametrize(
    ("info", "compat"),
    [
        (_info("manylinux_2_17_x86_64"), "manylinux2014"),
        (_info("manylinux_2_5_x86_64"), "manylinux2014"),  # older glibc: better
        (_info("musllinux_1_2_x86_64"), "musllinux_1_2"),
        (_info("linux_x86_64", "musllinux_1_2_x86_64", {"libc.so": None}), "musllinux_1_2"),
    ],
)
def test_judge_accepts(bw: ModuleType, info: dict, compat: str) -> None:
    assert bw.judge(info, compat).startswith(info["sym_tag"])


@pytest.mark.parametrize(
    ("info", "compat"),
    [
        (_info("manylinux_2_34_x86_64"), "manylinux2014"),  # a native build on a new glibc
        (_info("linux_x86_64", "manylinux_2_17_x86_64", {"libssl.so.3": "/x"}), "manylinux2014"),
        (_info("musllinux_1_2_x86_64"), "manylinux2014"),
        (_info("manylinux_2_17_x86_64"), "musllinux_1_2"),
        (
            _info("linux_x86_64", "musllinux_1_2_x86_64", {"libc.so": None, "libz.so": None}),
            "musllinux_1_2",
        ),
    ],
)
def test_judge_rejects(bw: ModuleType, info: dict, compat: str) -> None:
    with pytest.raises(bw.BuildError, match=r"wheels\.toml asks for"):
        bw.judge(info, compat)


def test_wheel_without_license_fails(bw: ModuleType, tmp_path: Path) -> None:
    whl = tmp_path / "x-0.1.0-cp39-abi3-linux_x86_64.whl"
    with zipfile.ZipFile(whl, "w") as z:
        z.writestr("x-0.1.0.dist-info/METADATA", "")
    with pytest.raises(bw.BuildError, match="no LICENSE"):
        bw.check_wheel_license(whl)
    with zipfile.ZipFile(whl, "a") as z:
        z.writestr("x-0.1.0.dist-info/licenses/LICENSE", (REPO / "LICENSE").read_bytes())
    bw.check_wheel_license(whl)


def test_sdist_without_license_fails(bw: ModuleType, tmp_path: Path) -> None:
    sdist = tmp_path / "x-0.1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as tar:
        for name in bw.SDIST_REQUIRED:
            if name != "LICENSE":
                tar.addfile(tarfile.TarInfo(f"x-0.1.0/{name}"), io.BytesIO(b""))
    with pytest.raises(bw.BuildError, match="missing LICENSE"):
        bw.check_sdist(sdist)


def workflow_matrix() -> list[dict[str, str]]:
    """The ``include`` entries of the wheel job's matrix (a flat YAML list of
    ``key: value`` maps; parsed by hand so the test needs no YAML library)."""
    text = WORKFLOW.read_text()
    block = text.split("include:", 1)[1].split("runs-on:", 1)[0]
    entries: list[dict[str, str]] = []
    for line in block.splitlines():
        m = re.match(r"\s*(-\s+)?(\w+):\s*(.*?)\s*$", line)
        if not m or line.strip().startswith("#"):
            continue
        if m[1]:
            entries.append({})
        entries[-1][m[2]] = m[3].strip('"')
    return entries


def test_workflow_matrix_matches_wheels_toml() -> None:
    matrix = {e["target"]: e for e in workflow_matrix()}
    targets = {t["name"]: t for t in config()["target"]}
    assert set(matrix) == set(targets)
    manylinux = {"manylinux2014": "2014", "musllinux_1_2": "musllinux_1_2"}
    for name, t in targets.items():
        e = matrix[name]
        assert e["triple"] == t["triple"], name
        assert e.get("manylinux") == manylinux.get(t.get("compatibility", "")), name
        assert e.get("macos_deployment_target") == t.get("macos_deployment_target"), name
        rust_crypto = t["backend"] == "rust-crypto"
        rust_crypto_args = f"--no-default-features --features {wheel_features()}"
        assert (e["args"] == rust_crypto_args) == rust_crypto, name
    text = WORKFLOW.read_text()
    assert "PyO3/maturin-action@v1" in text
    assert "command: sdist" in text
    assert "run: scripts/test.sh" in text
