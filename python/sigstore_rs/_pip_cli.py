"""``sigstore-rs pip install``: pip's resolution, verified provenance, then an
install of exactly the verified files, or of nothing.

    sigstore-rs [trust options] pip install [--index-url URL]
        [--publisher NAME=SPEC]... [--trust-on-first-use] [--require-provenance]
        [pip install arguments...]

1. Real pip resolves: ``python -m pip install --dry-run --report FILE`` with
   the user's arguments, against ``--index-url`` (default ``PIP_INDEX_URL``,
   else PyPI). Its report names every file it would install, with its URL
   and SHA-256.
2. Every selected file is checked by the compiled index client, all at
   once on every core: its project page on the index, the file downloaded
   (bounded) into a private directory and hashed (equal to the index's and
   to pip's), its provenance fetched and verified against the expected
   publisher.
3. The expected publisher is the user's: ``--publisher NAME=SPEC`` pins a
   project (SPEC as ``testing serve --trusted-publisher`` takes it:
   ``github:OWNER/REPO:WORKFLOW[:ENV]``, ``gitlab:NAMESPACE/PROJECT:PATH[:ENV]``,
   ``google:EMAIL``). A file with provenance whose project is not pinned is
   refused, naming the publisher its provenance gives, unless
   ``--trust-on-first-use`` accepts it (the publisher is printed, as the
   ``--publisher`` argument that pins it). A pinned project's file without
   provenance is refused; another one's is accepted with a warning, listed
   at the end, unless ``--require-provenance``.
4. Any refusal: one ``error: NAME VERSION (FILE): reason`` line each on
   stderr, exit 1, nothing installed. Otherwise pip installs the verified
   copies, hash-pinned, without an index and without resolving again.
   With pip's ``--dry-run``, step 4 stops after the verification.

pip runs as ``python -m pip`` of the interpreter this command runs in; its
``--python PATH`` installs into another environment. Options that choose
files (requirements, constraints, ``--pre``, ``--only-binary``, ...) go to
the resolution only; options that say where and how to install
(``--target``, ``--user``, ``--prefix``, ``--python``, ...) to both runs.

An sdist is verified like a wheel, but building it runs its build backend,
and its build dependencies are in no report: pip's resolution fetches them
from the index to read the sdist's metadata (unverified, as plain pip
does), and the final install, without an index, fails to build an sdist
that needs any (installing nothing) unless ``--no-build-isolation`` builds
it with what the environment has. ``--only-binary :all:`` builds nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sigstore_rs.errors import Error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    from sigstore_rs.verify import Verifier

__all__ = ["add_parser", "run"]

_PROG = "sigstore-rs pip install"


def add_parser(commands: Any) -> None:
    """Adds the ``pip`` command group to the top-level subparsers."""
    pip = commands.add_parser("pip", help="install with pip, provenance verified from the index")
    sub = pip.add_subparsers(dest="pip_command", required=True, metavar="COMMAND")
    install = sub.add_parser(
        "install",
        help="resolve with pip, verify every selected file's provenance, install exactly "
        "those files (or nothing)",
        description="Resolve with pip, verify every selected file's provenance from the "
        "index, then install exactly the verified files, or nothing. Arguments this "
        "command does not take go to pip install.",
    )
    install.add_argument(
        "-i",
        "--index-url",
        metavar="URL",
        help="the simple API to resolve from and fetch provenance from "
        "(default: PIP_INDEX_URL, else PyPI's)",
    )
    install.add_argument(
        "--publisher",
        action="append",
        default=[],
        metavar="NAME=SPEC",
        help="pin project NAME to its Trusted Publisher: github:OWNER/REPO:WORKFLOW[:ENV], "
        "gitlab:NAMESPACE/PROJECT:WORKFLOW_PATH[:ENV] or google:EMAIL (repeatable)",
    )
    install.add_argument(
        "--trust-on-first-use",
        action="store_true",
        help="accept the publisher a provenance names for projects not pinned, and print it",
    )
    install.add_argument(
        "--require-provenance",
        action="store_true",
        help="refuse files without provenance (default: a warning, listed at the end)",
    )
    install.add_argument(
        "pip_args", nargs=argparse.REMAINDER, help="arguments for pip install", metavar="..."
    )


def _split(pip_args: Sequence[str]) -> tuple[list[str], str | None, list[str]]:
    """pip's ``--python`` (pip refuses it after the subcommand), the index
    URL if given among pip's arguments (it is the one provenance comes
    from too), and the rest."""
    general: list[str] = []
    index_url = None
    rest: list[str] = []
    args = iter(pip_args)
    for arg in args:
        option, eq, value = arg.partition("=")
        if option == "--python":
            general += [arg] if eq else [arg, next(args, "")]
        elif option in ("-i", "--index-url"):
            index_url = value if eq else next(args, "")
        elif arg.startswith("-i") and len(arg) > 2:
            index_url = arg[2:]
        else:
            rest.append(arg)
    return general, index_url, rest


def _run_pip(general: Sequence[str], *args: str) -> int:
    import subprocess

    return subprocess.run([sys.executable, "-m", "pip", *general, "install", *args]).returncode


def run(args: argparse.Namespace, verifier: Callable[[], Verifier]) -> int:
    # Imported here, not at the top: every command line builds this parser.
    import tempfile

    from sigstore_rs import _pip

    try:
        pins = _pip.parse_pins(args.publisher)
    except Error as e:
        print(f"{_PROG}: error: {e}", file=sys.stderr)
        return 2
    general, pip_index_url, rest = _split(args.pip_args)
    index_url = (
        pip_index_url or args.index_url or os.environ.get("PIP_INDEX_URL") or _pip.DEFAULT_INDEX_URL
    )
    dry_run = "--dry-run" in rest
    rest = [a for a in rest if a != "--dry-run"]
    with tempfile.TemporaryDirectory(prefix="sigstore-rs-pip-") as tmp:
        report = Path(tmp) / "report.json"
        quiet = [] if any(a in ("-v", "--verbose") or a.startswith("-v") for a in rest) else ["-q"]
        status = _run_pip(
            general, "--dry-run", "--report", str(report), *quiet, "--index-url", index_url, *rest
        )
        if status != 0:
            print(f"{_PROG}: error: pip could not resolve (exit {status}); nothing installed",
                  file=sys.stderr)  # fmt: skip
            return 1
        try:
            selected = _pip.read_report(report)
        except Error as e:
            print(f"{_PROG}: error: {e}; nothing installed", file=sys.stderr)
            return 1
        if not selected:
            print("nothing to install")
            return 0
        files = Path(tmp) / "files"
        files.mkdir()
        try:
            settings = _pip.Settings(
                index_url=index_url,
                pins=pins,
                trust_on_first_use=args.trust_on_first_use,
                require_provenance=args.require_provenance,
            )
            outcomes = _pip.verify_selected(selected, settings, verifier(), files)
        except Error as e:
            print(f"{_PROG}: error: {e}; nothing installed", file=sys.stderr)
            return 1
        failed = [o for o in outcomes if o.error is not None]
        for o in outcomes:
            if o.error is None and o.publisher is not None:
                how = "trusted on first use" if o.trusted_on_first_use else "verified"
                print(f"{how}: {o.file}: {o.publisher}")
                if o.trusted_on_first_use:
                    print(f"  pin it with --publisher {o.file.name}={_pip.spec_of(o.publisher)}")
        for o in failed:
            print(f"error: {o.file}: {o.error}", file=sys.stderr)
        missing = [o for o in outcomes if o.error is None and o.publisher is None]
        for o in missing:
            print(f"warning: {o.file}: no provenance on the index", file=sys.stderr)
        if failed:
            print(f"{_PROG}: {len(failed)} of {len(outcomes)} files refused; nothing installed",
                  file=sys.stderr)  # fmt: skip
            return 1
        if dry_run:
            print(f"{len(outcomes)} files checked; --dry-run: nothing installed")
            return 0
        # pip installs the copies that were verified, each named by the
        # SHA-256 that was verified, in hash-checking mode: pip hashes the
        # bytes it installs and refuses any other, so the installed bytes are
        # the verified bytes even if the directory changed in between.
        # --no-index and --no-deps: nothing else is fetched or resolved, so
        # nothing unverified is installed.
        requirements = Path(tmp) / "verified.txt"
        requirements.write_text(
            "".join(
                f"{o.file.name} @ {(files / o.file.filename).as_uri()} "
                f"--hash=sha256:{o.file.sha256}\n"
                for o in outcomes
            ),
            encoding="utf-8",
        )
        status = _run_pip(
            general,
            "--no-index",
            "--no-deps",
            "--require-hashes",
            "-r",
            str(requirements),
            *_pip.install_options(rest),
        )
        if status != 0:
            print(f"{_PROG}: error: pip install of the verified files failed (exit {status})",
                  file=sys.stderr)  # fmt: skip
            return 1
        if missing:
            names = ", ".join(str(o.file) for o in missing)
            print(f"warning: installed without provenance: {names}", file=sys.stderr)
        return 0
