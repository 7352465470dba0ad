"""The TUF conformance suite's client CLI (``sigstore-rs-tuf-conformance``),
the protocol of ``CLIENT-CLI.md`` in theupdateframework/tuf-conformance:

    --metadata-dir DIR init TRUSTED_ROOT
    --metadata-dir DIR --metadata-url URL refresh
    --metadata-dir DIR --metadata-url URL --target-name PATH... \\
        --target-base-url URL --target-dir DIR download

Exits 0 on success and 1 on any failure, whose reason goes to stderr. The
work is the Rust TUF client's (``sigstore_rs._rust.tuf_refresh`` and
``tuf_download``); this only parses arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from sigstore_rs import _rust
from sigstore_rs.errors import Error

_T = TypeVar("_T")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sigstore-rs-tuf-conformance")
    parser.add_argument("--metadata-dir", required=True, type=Path)
    parser.add_argument("--metadata-url")
    parser.add_argument("--target-name", action="append", default=[])
    parser.add_argument("--target-dir", type=Path)
    parser.add_argument("--target-base-url")
    parser.add_argument("-v", "--verbose", action="count", default=0)
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="trust an initial root.json")
    init.add_argument("trusted_root", type=Path)
    commands.add_parser("refresh", help="update the top-level metadata")
    commands.add_parser("download", help="fetch targets after a refresh")
    return parser


def _init(metadata_dir: Path, trusted_root: Path) -> None:
    # The protocol asks for no checks here: the first refresh verifies the
    # root. Written atomically all the same.
    data = trusted_root.read_bytes()
    tmp = metadata_dir / f".root.json.{os.getpid()}.tmp"
    tmp.write_bytes(data)
    tmp.replace(metadata_dir / "root.json")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "init":
            _init(args.metadata_dir, args.trusted_root)
        elif args.command == "refresh":
            _rust.tuf_refresh(args.metadata_dir, _required(args.metadata_url, "--metadata-url"))
        else:
            _rust.tuf_download(
                args.metadata_dir,
                _required(args.metadata_url, "--metadata-url"),
                args.target_name,
                _required(args.target_dir, "--target-dir"),
                _required(args.target_base_url, "--target-base-url"),
            )
    except (Error, OSError) as e:
        print(f"sigstore-rs-tuf-conformance: {e}", file=sys.stderr)
        return 1
    return 0


def _required(value: _T | None, flag: str) -> _T:
    if value is None:
        raise Error(f"{flag} is required for this command")
    return value


if __name__ == "__main__":
    sys.exit(main())
