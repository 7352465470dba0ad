"""``sigstore-rs pylock``: PEP 751 lock files pinned to Trusted Publishers.

    sigstore-rs [--staging | --instance URL | --trust-config F | ...] pylock pin LOCK \\
        [--index-url URL] [--dist-dir DIR] [--trust-on-first-use]
    sigstore-rs [...] pylock verify LOCK [--index-url URL] [--dist-dir DIR] [--require-pins]

``verify`` checks every file the lock names (read from ``--dist-dir`` if it
is there, else downloaded from the index) against the lock's hash, fetches
its PEP 740 provenance and verifies it against the package's
``[[packages.attestation-identities]]``. It prints ``OK: PACKAGE: FILE: ...``
on stdout for each verified file, a ``warning: ...`` line on stderr for
each file of a package without pins, and ``FAIL: PACKAGE: FILE: reason`` on
stderr for each refusal; exits 1 if any failed. ``--require-pins`` makes a
package without pins a failure.

``pin`` checks the same way and records, for each package without pins,
the publishers its files verified with (trust on first use: it needs
``--trust-on-first-use``). The lock is rewritten atomically, only if nothing
failed; pins already there are checked, never replaced.

The index is ``--index-url`` for every package, else the package's
``index`` (uv writes it; pip lock does not), else PyPI. A verified install:
``sigstore-rs pylock verify pylock.toml && pip install -r pylock.toml``
(pip checks the same hashes the lock pins).
"""

from __future__ import annotations

import argparse
import sys

from sigstore_rs.errors import Error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    from sigstore_rs.pylock import Finding
    from sigstore_rs.verify import Verifier


def add_parser(commands: Any) -> None:
    """Adds the ``pylock`` command group to the top-level subparsers."""
    pylock = commands.add_parser(
        "pylock", help="pin PEP 751 lock files to Trusted Publishers, and verify them"
    )
    sub = pylock.add_subparsers(dest="pylock_command", required=True, metavar="COMMAND")
    pin = sub.add_parser(
        "pin",
        help="record the publisher of each package's provenance in the lock "
        "([[packages.attestation-identities]])",
    )
    verify = sub.add_parser(
        "verify", help="verify every file the lock names against its hash and its pins"
    )
    for p in (pin, verify):
        p.add_argument("lock", metavar="LOCK", help="a pylock.toml file")
        p.add_argument(
            "--index-url",
            metavar="URL",
            help="the simple API for every package (default: each package's `index`, "
            "else https://pypi.org/simple/)",
        )
        p.add_argument(
            "--dist-dir",
            metavar="DIR",
            help="read the files found in DIR instead of downloading them",
        )
    pin.add_argument(
        "--trust-on-first-use",
        action="store_true",
        help="pin each unpinned package to the publisher its provenance names "
        "(required to add pins)",
    )
    verify.add_argument(
        "--require-pins",
        action="store_true",
        help="fail on packages without pins (default: warn)",
    )


def _print(finding: Finding, require_pins: bool) -> None:
    if finding.is_failure(require_pins):
        print(f"FAIL: {finding}", file=sys.stderr)
    elif finding.status == "verified":
        print(f"OK: {finding}")
    else:
        print(f"warning: {finding}", file=sys.stderr)


def run(args: argparse.Namespace, verifier: Callable[[], Verifier]) -> int:
    """Runs a parsed ``pylock`` command; ``verifier`` builds the chosen
    trust root's verifier."""
    from sigstore_rs import pylock

    try:
        if args.pylock_command == "verify":
            findings = pylock.verify(
                args.lock,
                verifier=verifier(),
                index_url=args.index_url,
                dist_dir=args.dist_dir,
            )
            for f in findings:
                _print(f, args.require_pins)
            return 1 if pylock.failures(findings, args.require_pins) else 0
        result = pylock.pin(
            args.lock,
            verifier=verifier(),
            trust_on_first_use=args.trust_on_first_use,
            index_url=args.index_url,
            dist_dir=args.dist_dir,
        )
    except (Error, OSError) as e:
        # The core's messages about the lock name it already.
        where = "" if args.lock in str(e) else f"{args.lock}: "
        print(f"FAIL: {where}{e}", file=sys.stderr)
        return 1
    for f in result.findings:
        _print(f, False)
    for name, publishers in result.pins.items():
        print(f"pinned: {name}: {'; '.join(str(p) for p in publishers)}")
    if pylock.failures(result.findings):
        print(f"FAIL: {args.lock}: not written (a file failed)", file=sys.stderr)
        return 1
    print(f"wrote {args.lock}" if result.written else f"{args.lock}: no new pins")
    return 0
