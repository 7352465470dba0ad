#!/usr/bin/env python3
"""Builds (once, then caches) minimal musl-linked CPythons to install musllinux wheels into.

    scripts/musl_cpython.py [VERSION ...] [--cache DIR] [--print-path]

A musllinux wheel only installs into a CPython linked against musl, and this
glibc host has none. So we compile one from the CPython source tarball Debian
mirrors (the upstream release tarball, checked against a pinned SHA-256) with
Debian's ``musl-gcc`` wrapper (package ``musl-tools``, installed with apt-get
when missing and we are root), and run it through Debian's musl dynamic loader
(``/lib/ld-musl-x86_64.so.1``), which is what makes extension modules such as
``sigstore_rs._rust`` loadable at all (a static interpreter cannot dlopen).

The interpreter is deliberately minimal: no test suite, no debug info, and
only the optional modules musl's own headers allow (no ssl, zlib, sqlite, ctypes...).
Without zlib, pip cannot unpack wheels, so the tests install with uv, which unzips
in Rust and checks the wheel's tags against the target interpreter.

Each version lands in ``$SIGSTORE_RS_TEST_CACHE`` (default
``~/.cache/sigstore-rs-test``) under ``musl-cpython-<version>``; a finished
build is marked by a ``.complete`` file, so reruns cost nothing. This script
needs the network only on a cold cache; the tests never download anything and
fail, naming this script, when the interpreters are missing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

DEBIAN_POOL = "http://deb.debian.org/debian/pool/main/"
# version -> (path in Debian's pool, SHA-256 of the tarball). The .orig.tar.xz
# files are the upstream CPython release tarballs, byte for byte.
SOURCES = {
    "3.9": (
        "p/python3.9/python3.9_3.9.2.orig.tar.xz",
        "3c2034c54f811448f516668dce09d24008a0716c3a794dd8639b5388cbde247d",
    ),
    "3.13": (
        "p/python3.13/python3.13_3.13.5.orig.tar.xz",
        "93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640",
    ),
}
MUSL_LOADER = Path("/lib/ld-musl-x86_64.so.1")
# Never needed by an installed wheel's CLI, and the bulk of the build's time.
SKIP_LIB_DIRS = ["test", "idlelib", "tkinter", "turtledemo", "lib2to3/tests", "ensurepip"]
# What the sigstore-rs CLI, uv's interpreter probe and the tests need to work.
SMOKE_TEST = (
    "import _json, argparse, base64, hashlib, json, math, select, struct, subprocess, sys; "
    "hashlib.sha256(b'').hexdigest(); print(sys.version)"
)

# musl-gcc on Debian wraps the host gcc, which reports the glibc multiarch
# triplet: 3.13's configure then rejects the mismatch with the triplet it reads
# from the compiler's macros (x86_64-linux-musl), and 3.9's setup.py adds the
# glibc include/library directories. This wrapper reports no multiarch (configure
# then uses its own triplet) and drops every /usr search path but musl's own,
# so nothing from glibc leaks in.
CC_WRAPPER = """#!/bin/sh
for a do
    case $a in -print-multiarch|--print-multiarch) echo; exit 0;; esac
done
for a do
    shift
    case $a in
        -I/usr/include/x86_64-linux-musl*|-L/usr/lib/x86_64-linux-musl*) ;;
        -I/usr/*|-L/usr/*|-I/usr|-L/usr) continue;;
    esac
    set -- "$@" "$a"
done
exec musl-gcc "$@"
"""
# 3.9's setup.py looks for optional headers in the host's /usr/include and so
# finds glibc's zlib.h (then binascii fails to compile against musl). Probe
# musl's directories instead, so what is absent there is simply left out.
SETUP_PY_PATCH = [
    (
        "system_lib_dirs = ['/lib64', '/usr/lib64', '/lib', '/usr/lib']",
        "system_lib_dirs = ['/usr/lib/x86_64-linux-musl']",
    ),
    (
        "system_include_dirs = ['/usr/include']",
        "system_include_dirs = ['/usr/include/x86_64-linux-musl']",
    ),
]


def cache_root() -> Path:
    env = os.environ.get("SIGSTORE_RS_TEST_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "sigstore-rs-test"


def full_version(version: str) -> str:
    """``3.9`` -> ``3.9.2``, read from the pinned tarball's name."""
    return SOURCES[version][0].rsplit("_", 1)[1].removesuffix(".orig.tar.xz")


def prefix(version: str, root: Path | None = None) -> Path:
    return (root or cache_root()) / f"musl-cpython-{full_version(version)}"


def interpreter(version: str, root: Path | None = None) -> Path | None:
    """The cached interpreter for ``version``, or None if it was never built."""
    p = prefix(version, root)
    exe = p / "bin" / f"python{version}"
    return exe if (p / ".complete").is_file() and exe.is_file() else None


def log(msg: str) -> None:
    print(f"[musl-cpython] {msg}", file=sys.stderr, flush=True)


def ensure_musl_gcc() -> None:
    if shutil.which("musl-gcc") and MUSL_LOADER.exists():
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit(
            "musl-gcc and /lib/ld-musl-x86_64.so.1 are needed: install Debian's musl-tools"
        )
    log("apt-get install musl-tools")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "musl-tools"]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True)
        subprocess.run(install, env=env, check=True)


def fetch(version: str, dest: Path) -> Path:
    pool_path, sha256 = SOURCES[version]
    tarball = dest / Path(pool_path).name
    if not tarball.is_file() or hashlib.sha256(tarball.read_bytes()).hexdigest() != sha256:
        log(f"download {DEBIAN_POOL}{pool_path}")
        try:
            with urllib.request.urlopen(DEBIAN_POOL + pool_path, timeout=120) as resp:
                data = resp.read()
        except urllib.error.HTTPError as e:
            # Debian's pool keeps a source tarball only while a suite on
            # deb.debian.org uses it (3.9.2 is bullseye's, 3.13.5 trixie's).
            raise SystemExit(
                f"{DEBIAN_POOL}{pool_path}: HTTP {e.code}. Debian no longer serves this CPython"
                f" source; pin SOURCES[{version!r}] in {Path(__file__).name} to a python{version}"
                " (or the oldest/newest python3.X) source that a current Debian suite carries"
            ) from None
        digest = hashlib.sha256(data).hexdigest()
        if digest != sha256:
            raise SystemExit(f"{pool_path}: SHA-256 {digest}, expected {sha256}")
        tarball.write_bytes(data)
    return tarball


def build(version: str, root: Path | None = None, jobs: int | None = None) -> Path:
    done = interpreter(version, root)
    if done:
        return done
    ensure_musl_gcc()
    out = prefix(version, root)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out, ignore_errors=True)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="musl-cpython-", dir=out.parent) as tmp:
        work = Path(tmp)
        tarball = fetch(version, out.parent)
        with tarfile.open(tarball) as tar:
            if hasattr(tarfile, "data_filter"):  # 3.12, and 3.9-3.11 security releases
                tar.extractall(work, filter="data")
            else:
                tar.extractall(work)  # a tarball whose SHA-256 we pinned
        (src,) = work.glob("Python-*")
        for d in SKIP_LIB_DIRS:
            shutil.rmtree(src / "Lib" / d, ignore_errors=True)
        setup_py = src / "setup.py"  # 3.9 probes headers with it; 3.13 has none
        if setup_py.is_file():
            text = setup_py.read_text()
            for old, new in SETUP_PY_PATCH:
                if old not in text:
                    raise SystemExit(f"{setup_py}: {old!r} not found")
                text = text.replace(old, new)
            setup_py.write_text(text)
        cc = work / "musl-cc"
        cc.write_text(CC_WRAPPER)
        cc.chmod(0o755)
        configure = [
            "./configure",
            f"--prefix={out}",
            "--without-ensurepip",
            "--disable-test-modules",  # 3.13; 3.9 warns and ignores it
            f"CC={cc}",
            # No debug info, light optimisation: this interpreter only runs a CLI.
            "OPT=-DNDEBUG -fwrapv -O1",
        ]
        # pkg-config would report the host's glibc zlib/lzma to 3.13's configure.
        env = {**os.environ, "PKG_CONFIG_LIBDIR": str(work / "no-pkgconfig"), "PKG_CONFIG_PATH": ""}
        logfile = out.parent / f"musl-cpython-{full_version(version)}.log"
        log(f"build CPython {full_version(version)} with musl-gcc (log: {logfile})")
        with logfile.open("w") as lf:

            def run(*cmd: str) -> None:
                lf.write(f"$ {' '.join(cmd)}\n")
                lf.flush()
                r = subprocess.run(
                    cmd, cwd=src, env=env, stdout=lf, stderr=subprocess.STDOUT, check=False
                )
                if r.returncode != 0:
                    raise SystemExit(f"`{' '.join(cmd)}` failed, see {logfile}")

            run(*configure)
            run("make", f"-j{jobs or os.cpu_count() or 2}")
            run("make", "install")
    exe = out / "bin" / f"python{version}"
    smoke = subprocess.run([str(exe), "-c", SMOKE_TEST], capture_output=True, text=True)
    if smoke.returncode != 0:
        raise SystemExit(f"CPython {version} is missing modules: {smoke.stderr}\nsee {logfile}")
    (out / ".complete").write_text(f"{full_version(version)}\n")
    log(f"CPython {full_version(version)} ready in {time.monotonic() - start:.0f} s: {exe}")
    return exe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "versions", nargs="*", metavar="VERSION", help=f"default: {' '.join(SOURCES)}"
    )
    parser.add_argument("--cache", type=Path, default=None, help="default: ~/.cache/...")
    parser.add_argument(
        "--print-path", action="store_true", help="print the cached interpreters, build nothing"
    )
    args = parser.parse_args(argv)
    unknown = set(args.versions) - set(SOURCES)
    if unknown:
        parser.error(f"unknown version(s) {', '.join(sorted(unknown))}: pinned are {list(SOURCES)}")
    for v in args.versions or list(SOURCES):
        exe = interpreter(v, args.cache) if args.print_path else build(v, args.cache)
        if exe is None:
            return 1
        print(exe)
    return 0


if __name__ == "__main__":
    sys.exit(main())
