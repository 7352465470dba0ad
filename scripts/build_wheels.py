#!/usr/bin/env python3
"""Builds the release wheels described by ``wheels.toml`` with maturin, and checks them.

    scripts/build_wheels.py                  the targets this host can build, and the sdist
    scripts/build_wheels.py --target NAME    one target (repeatable; add --sdist for the sdist)
    scripts/build_wheels.py --all --dry-run  every target's command, as CI runs them
    scripts/build_wheels.py --dry-run        print the commands, run nothing

Before building, the script installs what it lacks: the PyPI tools pinned in
``wheels.toml``'s ``[tools]`` (maturin, ziglang, auditwheel) into the running
virtualenv, and the rustup targets. A Linux target whose glibc floor is older
than this host's (manylinux2014 on a glibc 2.36 host) or that says
``cross = true`` links through zig (maturin ``--zig``), which builds against
that old glibc (or musl) without a container.

Each Linux wheel then goes through ``auditwheel show`` and the build FAILS unless
its policy is the one ``wheels.toml`` names or an older one (manylinux2014 =
manylinux_2_17; musllinux_1_2); every wheel must carry LICENSE in its dist-info,
and the sdist LICENSE and the sources a build needs. The summary lists what was
built and which ``wheels.toml`` targets this host does not build, and why.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
CI_WORKFLOW = ".github/workflows/wheels.yml"
# maturin's --features replaces pyproject.toml's [tool.maturin] features rather
# than adding to them, so the RustCrypto wheel names them all again
# (tests/python/test_build_wheels.py checks the two lists agree).
BACKENDS = {
    "aws-lc": [],
    "rust-crypto": ["--no-default-features", "--features", "python,testing"],
}
# PEP 600 names for the legacy manylinux tags.
LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
# Files a source build cannot do without, relative to the sdist's top folder.
SDIST_REQUIRED = [
    "LICENSE",
    "PKG-INFO",
    "pyproject.toml",
    "Cargo.toml",
    "Cargo.lock",
    "src/lib.rs",
    "python/sigstore_rs/__init__.py",
    "python/sigstore_rs/py.typed",
    "python/sigstore_rs/_rust.pyi",
]


class BuildError(Exception):
    """A build or a check of what it produced failed; the message says which and why."""


# --- configuration -------------------------------------------------------------------------


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
        if "compatibility" in t:
            policy(t["compatibility"])  # raises on a tag we cannot check
    return config


def policy(tag: str) -> tuple[str, tuple[int, int]]:
    """The kind and libc version of a tag: ``manylinux2014`` -> ("manylinux", (2, 17)),
    ``musllinux_1_2_x86_64`` -> ("musllinux", (1, 2))."""
    if tag in LEGACY_MANYLINUX:
        return "manylinux", LEGACY_MANYLINUX[tag]
    m = re.match(r"(manylinux|musllinux)_(\d+)_(\d+)(?:_|$)", tag)
    if m:
        return m[1], (int(m[2]), int(m[3]))
    m = re.match(r"(manylinux1|manylinux2010|manylinux2014)(?:_|$)", tag)
    if m:
        return "manylinux", LEGACY_MANYLINUX[m[1]]
    raise ValueError(f"not a manylinux/musllinux tag: {tag!r}")


# --- what this host can build --------------------------------------------------------------


def _arch(name: str) -> str:
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(name.lower(), name.lower())


def _os(triple: str) -> str:
    if "-linux-" in triple:
        return "Linux"
    if "-apple-darwin" in triple:
        return "Darwin"
    if "-windows-" in triple:
        return "Windows"
    return "unknown"


def host_glibc() -> tuple[int, int] | None:
    try:
        version = os.confstr("CS_GNU_LIBC_VERSION") or ""  # "glibc 2.36"
    except (AttributeError, ValueError, OSError):
        return None
    m = re.fullmatch(r"glibc (\d+)\.(\d+)", version)
    return (int(m[1]), int(m[2])) if m else None


def unbuildable_reason(target: dict[str, Any]) -> str | None:
    """Why this host does not build ``target`` by default (None: it does)."""
    host_os, host_arch = platform.system(), _arch(platform.machine())
    triple = target["triple"]
    arch, target_os = _arch(triple.split("-")[0]), _os(triple)
    if target_os != host_os:
        sdk = {"Darwin": "the macOS SDK", "Windows": "the MSVC toolchain"}.get(target_os, "")
        needs = f"needs {sdk} on a {target_os} host" if sdk else f"needs a {target_os} host"
        return f"{needs}; built in CI: {CI_WORKFLOW}"
    if arch != host_arch:
        return (
            f"{arch} on a {host_arch} host: zig may cross-link it (--target {target['name']}),"
            f" but no {arch} interpreter here could test it; built in CI: {CI_WORKFLOW}"
        )
    return None


def uses_zig(target: dict[str, Any]) -> tuple[bool, str]:
    """Whether to link through zig, and why."""
    if _os(target["triple"]) != "Linux":
        return False, ""
    if target.get("cross"):
        return True, "wheels.toml: cross = true"
    compat = target.get("compatibility")
    if compat and "-gnu" in target["triple"] and platform.system() == "Linux":
        _, floor = policy(compat)
        glibc = host_glibc()
        if glibc is None or glibc > floor:
            have = f"glibc {glibc[0]}.{glibc[1]}" if glibc else "a non-glibc libc"
            return True, (
                f"this host has {have}, newer than {compat} (glibc {floor[0]}.{floor[1]}):"
                " a native link would require the newer symbols"
            )
    return False, ""


# --- commands ------------------------------------------------------------------------------


def wheel_command(
    wheels: dict[str, Any], t: dict[str, Any], out: str, zig: bool, profile: str | None = None
) -> list[str]:
    cmd = ["maturin", "build", "--profile", profile or wheels.get("profile", "release")]
    cmd += ["--out", out, "--target", t["triple"]]
    if "compatibility" in t:
        cmd += ["--compatibility", t["compatibility"]]
    if zig:
        cmd.append("--zig")
    cmd += BACKENDS[t["backend"]]
    if "macos_deployment_target" in t:
        cmd = ["env", f"MACOSX_DEPLOYMENT_TARGET={t['macos_deployment_target']}", *cmd]
    return cmd


# --- tools ---------------------------------------------------------------------------------


def in_venv() -> bool:
    return sys.prefix != getattr(sys, "base_prefix", sys.prefix)


def ensure_python_tools(requirements: dict[str, str], needed: list[str]) -> None:
    if in_venv():
        # Always through pip, so an installed but older tool is brought to the pinned
        # version (auditwheel's `show --json` is recent); a satisfied pin is a no-op.
        specs = [requirements[m] for m in needed]
        print(f"==> pip install {shlex.join(specs)}", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *specs], check=True)
        return
    missing = [requirements[m] for m in needed if importlib.util.find_spec(m) is None]
    if missing:
        raise BuildError(
            f"missing {', '.join(missing)} and not in a virtualenv: run"
            f" `{sys.executable} -m pip install {shlex.join(missing)}`, or run this script"
            " from a virtualenv so it can install them itself"
        )


def ensure_rust_targets(triples: list[str]) -> None:
    rustup = shutil.which("rustup")
    if rustup is None:
        print("warning: no rustup; cargo must already have the targets", file=sys.stderr)
        return
    installed = subprocess.run(
        [rustup, "target", "list", "--installed"], capture_output=True, text=True, check=True
    ).stdout.split()
    missing = sorted(set(triples) - set(installed))
    if missing:
        print(f"==> rustup target add {' '.join(missing)}", flush=True)
        subprocess.run([rustup, "target", "add", *missing], check=True)


def tool_env() -> dict[str, str]:
    """The environment maturin runs in: this interpreter's bin first, so maturin
    finds the ``ziglang`` package (``python -m ziglang``) and auditwheel."""
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    if in_venv():
        env["VIRTUAL_ENV"] = sys.prefix
    return env


def run_tool(cmd: list[str], env: dict[str, str]) -> None:
    """Runs a printed command (``[env VAR=... ]maturin ...``) with this interpreter's maturin."""
    if cmd[0] == "env":
        assigns = list(itertools.takewhile(lambda a: "=" in a, cmd[1:]))
        env = {**env, **dict(a.split("=", 1) for a in assigns)}
        cmd = cmd[1 + len(assigns) :]
    exe = [sys.executable, "-m", "maturin", *cmd[1:]] if cmd[0] == "maturin" else cmd
    r = subprocess.run(exe, cwd=ROOT, env=env, check=False)
    if r.returncode != 0:
        raise BuildError(f"`{shlex.join(cmd)}` exited {r.returncode} (its output is above)")


# --- checks --------------------------------------------------------------------------------


def check_wheel_license(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = [
            n for n in z.namelist() if re.fullmatch(r"[^/]+\.dist-info/(licenses/)?LICENSE", n)
        ]
        if not names:
            raise BuildError(f"{wheel.name}: no LICENSE in its .dist-info")
        if z.read(names[0]) != (ROOT / "LICENSE").read_bytes():
            raise BuildError(f"{wheel.name}: {names[0]} differs from the repository's LICENSE")


def check_sdist(sdist: Path) -> list[str]:
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
        top = names[0].split("/", 1)[0]
        missing = [f for f in SDIST_REQUIRED if f"{top}/{f}" not in names]
        if missing:
            raise BuildError(f"{sdist.name}: missing {', '.join(missing)}")
        lic = tar.extractfile(f"{top}/LICENSE")
        if lic is None or lic.read() != (ROOT / "LICENSE").read_bytes():
            raise BuildError(f"{sdist.name}: LICENSE differs from the repository's")
    return names


def audit(wheel: Path, target: dict[str, Any]) -> str:
    """Runs ``auditwheel show`` and returns the policy it found; raises unless that is
    the one ``wheels.toml`` asks for, or an older (more compatible) one."""
    want_kind, _ = policy(target["compatibility"])
    cmd = [sys.executable, "-m", "auditwheel", "show", "--json"]
    with tempfile.TemporaryDirectory() as empty:
        if want_kind == "musllinux":
            # On a glibc host auditwheel would resolve the wheel's libc.so to glibc's
            # linker script and crash; with no library path nothing resolves, and
            # what the wheel needs is listed by name.
            cmd += ["--ldpaths", empty]
        r = subprocess.run([*cmd, str(wheel)], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise BuildError(f"auditwheel show {wheel.name} failed:\n{r.stderr}")
    return judge(json.loads(r.stdout), target["compatibility"])


def judge(info: dict[str, Any], compatibility: str) -> str:
    """The policy in ``auditwheel show --json`` output, if it meets ``compatibility``."""
    want_kind, want = policy(compatibility)
    overall, sym = info["overall_tag"], info["sym_tag"]
    external = set(info.get("external_libs") or {})

    def meets(tag: str) -> bool:
        try:
            kind, version = policy(tag)
        except ValueError:
            return False
        return kind == want_kind and version <= want

    if meets(overall):
        return str(overall)
    # Zig links musl wheels against a libc whose SONAME is plain ``libc.so``;
    # auditwheel only whitelists Alpine's ``libc.musl-<arch>.so.1``. musl's
    # dynamic loader answers both names (and libc.so.*, libpthread, libdl...)
    # with itself, so a wheel whose symbols meet the policy and whose only
    # external library is that libc is musllinux-compliant.
    if want_kind == "musllinux" and meets(sym) and external <= {"libc.so"}:
        return f"{sym} (by symbols; its one library, libc.so, is musl's libc)"
    raise BuildError(
        f"{info.get('wheel', 'wheel')}: auditwheel finds policy {overall} (symbols: {sym},"
        f" external libraries: {sorted(external) or 'none'}); wheels.toml asks for"
        f" {compatibility} or older"
    )


# --- building ------------------------------------------------------------------------------


@dataclass
class Built:
    name: str
    path: Path
    seconds: float
    detail: str


def _replace_into(out: Path, new: Path) -> Path:
    """Moves a freshly built artifact into ``out``, dropping older builds of the
    same platform (any version), so ``out`` holds one wheel per target."""
    parts = new.name.split("-")
    if new.suffix == ".whl":
        same = f"-{parts[-3]}-{parts[-2]}-{parts[-1]}"
        stale = [p for p in out.glob(f"{parts[0]}-*.whl") if p.name.endswith(same)]
    else:
        stale = list(out.glob(f"{parts[0]}-*.tar.gz"))
    for p in stale:
        p.unlink()
    dest = out / new.name
    shutil.move(str(new), dest)
    return dest


def build_target(
    wheels: dict[str, Any], t: dict[str, Any], out: Path, env: dict[str, str], profile: str | None
) -> Built:
    zig, why = uses_zig(t)
    with tempfile.TemporaryDirectory(prefix=f".{t['name']}-", dir=out) as tmp:
        cmd = wheel_command(wheels, t, tmp, zig, profile)
        print(f"\n==> {t['name']} ({t['backend']})" + (f"; zig: {why}" if zig else ""))
        print(shlex.join(cmd), flush=True)
        start = time.monotonic()
        try:
            run_tool(cmd, env)
        except BuildError as e:
            if t["backend"] == "aws-lc":
                raise BuildError(
                    f"{e}; if it is aws-lc-sys that failed (its C build under"
                    f" {'zig' if zig else 'the host compiler'}), wheels.toml's"
                    f' backend = "rust-crypto" builds {t["name"]} without C'
                ) from None
            raise
        seconds = time.monotonic() - start
        (wheel,) = Path(tmp).glob("*.whl")
        check_wheel_license(wheel)
        detail = "LICENSE in dist-info"
        if _os(t["triple"]) == "Linux" and "compatibility" in t:
            found = audit(wheel, t)
            print(f"auditwheel: {found} (wheels.toml: {t['compatibility']})")
            detail = f"auditwheel {found}; {detail}"
        dest = _replace_into(out, wheel)
    return Built(t["name"], dest, seconds, f"{t['backend']}; {detail}")


def build_sdist(out: Path, env: dict[str, str]) -> Built:
    with tempfile.TemporaryDirectory(prefix=".sdist-", dir=out) as tmp:
        cmd = ["maturin", "sdist", "--out", tmp]
        print(f"\n==> sdist\n{shlex.join(cmd)}", flush=True)
        start = time.monotonic()
        run_tool(cmd, env)
        seconds = time.monotonic() - start
        (sdist,) = Path(tmp).glob("*.tar.gz")
        names = check_sdist(sdist)
        dest = _replace_into(out, sdist)
    return Built("sdist", dest, seconds, f"{len(names)} files, LICENSE and sources present")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        epilog="Default: the targets this host can build, and the sdist.",
    )
    parser.add_argument("--config", type=Path, default=ROOT / "wheels.toml")
    parser.add_argument("--target", action="append", metavar="NAME", help="only this target")
    parser.add_argument("--all", action="store_true", help="every target in wheels.toml")
    parser.add_argument("--sdist", action="store_true", help="with --target: the sdist too")
    parser.add_argument("--no-sdist", action="store_true", help="skip the sdist")
    parser.add_argument("--profile", help="Cargo profile (default: wheels.toml's)")
    parser.add_argument("--out", type=Path, help="output folder (default: wheels.toml's)")
    parser.add_argument("--dry-run", action="store_true", help="print the commands only")
    args = parser.parse_args(argv)
    config = load(args.config)
    wheels, targets = config["wheels"], config["target"]
    unknown = set(args.target or []) - {t["name"] for t in targets}
    if unknown:
        parser.error(f"unknown target(s): {', '.join(sorted(unknown))}")
    if args.target and args.all:
        parser.error("--target and --all exclude each other")

    skipped: list[tuple[str, str]] = []
    if args.target:
        chosen = [t for t in targets if t["name"] in args.target]
    elif args.all:
        chosen = list(targets)
    else:
        chosen = []
        for t in targets:
            reason = unbuildable_reason(t)
            if reason:
                skipped.append((t["name"], reason))
            else:
                chosen.append(t)
    sdist = bool(wheels.get("sdist")) and not args.no_sdist and (args.sdist or not args.target)
    out = args.out or ROOT / wheels.get("out", "dist")

    if args.dry_run:
        shown = str(args.out or wheels.get("out", "dist"))
        for t in chosen:
            print(shlex.join(wheel_command(wheels, t, shown, uses_zig(t)[0], args.profile)))
        if sdist:
            print(shlex.join(["maturin", "sdist", "--out", shown]))
        for name, reason in skipped:
            print(f"# not built on this host: {name}: {reason}", file=sys.stderr)
        return 0

    for t in chosen:
        if _os(t["triple"]) != platform.system():
            parser.error(f"{t['name']}: {unbuildable_reason(t)}")
    tools = config.get("tools", {})
    needed = ["maturin"]
    if any(uses_zig(t)[0] for t in chosen):
        needed.append("ziglang")
    if any(_os(t["triple"]) == "Linux" for t in chosen):
        needed.append("auditwheel")
    built: list[Built] = []
    try:
        ensure_python_tools(tools, needed)
        ensure_rust_targets([t["triple"] for t in chosen])
        out.mkdir(parents=True, exist_ok=True)
        env = tool_env()
        for t in chosen:
            built.append(build_target(wheels, t, out, env, args.profile))
        if sdist:
            built.append(build_sdist(out, env))
    except BuildError as e:
        print(f"\nbuild_wheels: FAILED: {e}", file=sys.stderr)
        return 1

    print("\nBuilt:")
    for b in built:
        size = b.path.stat().st_size / 1e6
        print(f"  {b.path.relative_to(out.parent) if out.parent in b.path.parents else b.path}")
        print(f"      {size:.2f} MB, {b.seconds:.0f} s; {b.detail}")
    if skipped:
        print("Not built on this host:")
        for name, reason in skipped:
            print(f"  {name}: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
