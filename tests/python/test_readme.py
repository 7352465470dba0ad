"""The README's examples, run as written (the install step aside: the tests
already run against an installed build)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO

README = (REPO / "README.md").read_text()


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_install_and_verify_command() -> None:
    command = _blocks("sh")[0].strip()
    steps = command.split(" && ")
    assert steps[:2] == ["python3 -m venv .venv", ".venv/bin/pip install ."]
    argv = shlex.split(steps[2])
    assert argv[0] == ".venv/bin/sigstore-rs"
    exe = shutil.which("sigstore-rs", path=str(Path(sys.executable).parent))
    assert exe, "console script sigstore-rs is not installed"
    proc = subprocess.run(
        [exe, *argv[1:]], cwd=REPO, capture_output=True, text=True, check=False, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"OK: {argv[-1]}\n"
    assert f"It ends with `OK: {argv[-1]}`" in README


def test_python_example() -> None:
    example = next(b for b in _blocks("python") if "verify_artifact" in b)
    proc = subprocess.run(
        [sys.executable, "-c", example], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
