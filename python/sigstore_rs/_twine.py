"""``twine attest DIST...``: a twine subcommand (entry point group
``twine.registered_commands``) that signs each distribution keylessly and
writes ``DIST.publish.attestation`` beside it, ready for
``twine upload --attestations``.

It is ``sigstore-rs pypi sign`` under twine's name: the same options
(``--identity-token``, the ambient CI credential or the browser flow; the
trust options ``--staging``, ``--instance URL``, ``--trust-config FILE``
anywhere on the line), the same atomic writes (each attestation as soon as
its distribution is signed; a distribution that fails is named and the
others keep theirs), the same exit codes (0 signed, 1 failed, 2 usage, 130
interrupted). Attestation and signature files among the inputs (as
``dist/*`` gives after an earlier run) are skipped, so
``twine attest dist/* && twine upload --attestations dist/*`` works.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]

#: Our CLI's trust options, which come before the subcommand there.
_TRUST_WITH_VALUE = ("--instance", "--trust-config", "--trusted-root")
_TRUST_FLAGS = ("--staging",)
#: What twine itself uploads beside a distribution; never signed again.
_COMPANIONS = (".attestation", ".asc")


def _split(args: Sequence[str]) -> tuple[list[str], list[str]]:
    """The trust options, and everything else (in order)."""
    front: list[str] = []
    rest: list[str] = []
    it = iter(args)
    for arg in it:
        name = arg.split("=", 1)[0]
        if arg in _TRUST_FLAGS:
            front.append(arg)
        elif name in _TRUST_WITH_VALUE:
            front.append(arg)
            if "=" not in arg:
                value = next(it, None)
                if value is not None:
                    front.append(value)
        elif arg.endswith(_COMPANIONS) and not arg.startswith("-"):
            print(f"twine attest: skipping {arg} (not a distribution)", file=sys.stderr)
        else:
            rest.append(arg)
    return front, rest


def main(args: Sequence[str]) -> int:
    """twine calls this with the arguments after ``attest``; the return
    value is twine's exit status."""
    from sigstore_rs.__main__ import main as cli

    front, rest = _split(args)
    if not any(not a.startswith("-") for a in rest) and not any(
        a in ("-h", "--help") for a in rest
    ):
        print("twine attest: error: no distribution to sign (give DIST...)", file=sys.stderr)
        return 2
    return cli([*front, "pypi", "sign", *rest])
