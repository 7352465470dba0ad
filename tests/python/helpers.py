"""Helpers the pytest files share: the command lines run as child processes,
and the files a signing test starts from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sigstore_rs.testing import Instance


def run_module(
    module: str, *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m <module> <args>`` in a child process, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", module, *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )


def config_and_artifact(
    instance: Instance, tmp_path: Path, data: bytes = b"x", name: str = "a.txt"
) -> tuple[Path, Path]:
    """The instance's trust config and an artifact holding ``data``, written
    to ``tmp_path``."""
    config = instance.write_trust_config(tmp_path / "trust_config.json")
    artifact = tmp_path / name
    artifact.write_bytes(data)
    return config, artifact
