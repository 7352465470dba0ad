"""The wheel matrix (wheels.toml) and its build script's dry run."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest

from conftest import REPO

tomllib = pytest.importorskip("tomllib", reason="the build script needs Python 3.11+")

SCRIPT = REPO / "scripts" / "build_wheels.py"
EXPECTED = {
    "x86_64-unknown-linux-gnu": "manylinux2014",
    "aarch64-unknown-linux-gnu": "manylinux2014",
    "x86_64-unknown-linux-musl": "musllinux_1_2",
    "aarch64-unknown-linux-musl": "musllinux_1_2",
    "x86_64-apple-darwin": None,
    "aarch64-apple-darwin": None,
    "x86_64-pc-windows-msvc": None,
}


def dry_run(*args: str) -> list[list[str]]:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--dry-run", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return [shlex.split(line) for line in proc.stdout.splitlines()]


def _flag(cmd: list[str], flag: str) -> str | None:
    return cmd[cmd.index(flag) + 1] if flag in cmd else None


def test_dry_run_covers_the_matrix() -> None:
    cmds = dry_run()
    builds = [c for c in cmds if "build" in c]
    assert {_flag(c, "--target"): _flag(c, "--compatibility") for c in builds} == EXPECTED
    assert all(_flag(c, "--profile") == "release" for c in builds)
    assert cmds[-1][:2] == ["maturin", "sdist"]
    config = tomllib.loads((REPO / "wheels.toml").read_text())
    for target, cmd in zip(config["target"], builds):
        rust_crypto = "--no-default-features" in cmd
        assert rust_crypto == (target["backend"] == "rust-crypto")
        if rust_crypto:
            assert _flag(cmd, "--features") == "python"


def test_abi3_floor_matches_cargo_and_pyproject() -> None:
    floor = tomllib.loads((REPO / "wheels.toml").read_text())["wheels"]["abi3"]
    minor = int(floor.removeprefix("cp3"))
    assert f'"abi3-py3{minor}"' in (REPO / "Cargo.toml").read_text()
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == f">=3.{minor}"


def test_one_target() -> None:
    cmds = dry_run("--target", "macos-arm64")
    assert len(cmds) == 1
    assert cmds[0][:2] == ["env", "MACOSX_DEPLOYMENT_TARGET=11.0"]
    assert re.search(r"--target aarch64-apple-darwin", shlex.join(cmds[0]))


def test_unknown_target() -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--dry-run", "--target", "nope"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
