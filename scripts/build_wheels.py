#!/usr/bin/env python3
"""Builds the release wheels described by ``wheels.toml`` with maturin.

    scripts/build_wheels.py [--dry-run] [--target NAME ...] [--config wheels.toml]

``--dry-run`` prints one shell command per wheel (and the sdist) without running
anything. Each target builds on its own kind of host (or, with ``cross = true``,
through maturin's zig linker); CI runs one target per job.
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = {
    "aws-lc": [],
    "rust-crypto": ["--no-default-features", "--features", "python"],
}


def load(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        config: dict[str, Any] = tomllib.load(f)
    wheels = config["wheels"]
    if not re.fullmatch(r"cp3\d+", wheels["abi3"]):
        raise ValueError(f"abi3 floor must look like cp39, not {wheels['abi3']!r}")
    names = [t["name"] for t in config["target"]]
    if len(set(names)) != len(names):
        raise ValueError("duplicate target names")
    for t in config["target"]:
        if t["backend"] not in BACKENDS:
            raise ValueError(f"{t['name']}: unknown backend {t['backend']!r}")
    return config


def commands(config: dict[str, Any], only: list[str] | None = None) -> list[list[str]]:
    wheels = config["wheels"]
    out = wheels.get("out", "dist")
    cmds = []
    for t in config["target"]:
        if only and t["name"] not in only:
            continue
        cmd = ["maturin", "build", "--profile", wheels.get("profile", "release")]
        cmd += ["--out", out, "--target", t["triple"]]
        if "compatibility" in t:
            cmd += ["--compatibility", t["compatibility"]]
        if t.get("cross"):
            cmd.append("--zig")
        cmd += BACKENDS[t["backend"]]
        env = []
        if "macos_deployment_target" in t:
            env = [f"MACOSX_DEPLOYMENT_TARGET={t['macos_deployment_target']}"]
        cmds.append(["env", *env, *cmd] if env else cmd)
    if wheels.get("sdist") and not only:
        cmds.append(["maturin", "sdist", "--out", out])
    return cmds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "wheels.toml")
    parser.add_argument("--target", action="append", metavar="NAME", help="only this target")
    parser.add_argument("--dry-run", action="store_true", help="print the commands only")
    args = parser.parse_args(argv)
    config = load(args.config)
    unknown = set(args.target or []) - {t["name"] for t in config["target"]}
    if unknown:
        parser.error(f"unknown target(s): {', '.join(sorted(unknown))}")
    for cmd in commands(config, args.target):
        print(shlex.join(cmd), flush=True)
        if not args.dry_run:
            subprocess.run(cmd, cwd=ROOT, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
