"""PEP 751 lock files (``pylock.toml``) pinned to Trusted Publishers.

``pin`` records, for each package of a lock, the publishers its files'
PEP 740 provenance verified with, as ``[[packages.attestation-identities]]``
(the format pylock-attestations writes); ``verify`` then checks every file
the lock names against those pins: its hash from the lock, its provenance
from the index, its publisher::

    from sigstore_rs import Verifier
    from sigstore_rs import pylock

    verifier = Verifier.production()
    pylock.pin("pylock.toml", verifier=verifier, trust_on_first_use=True)
    findings = pylock.verify("pylock.toml", verifier=verifier)
    for finding in pylock.failures(findings):
        print(finding)  # PACKAGE: FILE: the differing claim

Pinning is trust on first use: it records whichever publisher the index's
provenance names, so it needs ``trust_on_first_use=True``. Packages without
pins are reported by ``verify`` (``status`` ``unpinned``, ``no-provenance``
or ``not-from-index``) and fail only with ``require_pins=True``. A file
whose hash differs from the lock's, a pinned package whose provenance is
missing or names another publisher, a provenance that does not verify, and
a file the index does not list always fail. A malformed lock raises
``InvalidLock``.

Everything is checked by the compiled core (``src/pylock/``) on several
threads without the GIL.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, Union

from sigstore_rs import _rust
from sigstore_rs.pep740 import Publisher, _publisher
from sigstore_rs.verify import Verifier

__all__ = ["Finding", "PinResult", "failures", "pin", "verify"]

StrPath = Union[str, "os.PathLike[str]"]

Status = Literal["verified", "unpinned", "no-provenance", "not-from-index", "failed"]


@dataclass(frozen=True)
class Finding:
    """What a lock check found about one file (``file`` is empty for a
    package not from an index)."""

    package: str
    file: str
    #: ``verified`` (against the pins), ``unpinned`` (verified against the
    #: publisher the provenance names), ``no-provenance`` (unpinned, and the
    #: index has none), ``not-from-index`` or ``failed``.
    status: Status
    #: The publishers the file's provenance verified with.
    publishers: tuple[Publisher, ...]
    #: Why it failed (``None`` unless ``status`` is ``failed``).
    reason: str | None
    _inner: _rust.LockFinding = field(repr=False, compare=False)

    def is_failure(self, require_pins: bool = False) -> bool:
        """Whether this finding fails the check: a refusal always; with
        ``require_pins``, also any file of a package without pins (and any
        package not from an index)."""
        return self._inner.is_failure(require_pins)

    def __str__(self) -> str:
        return str(self._inner)

    @classmethod
    def _from(cls, inner: _rust.LockFinding) -> Finding:
        status: Status = inner.status  # type: ignore[assignment]
        return cls(
            package=inner.package,
            file=inner.file,
            status=status,
            publishers=tuple(_publisher(p) for p in inner.publishers),
            reason=inner.reason,
            _inner=inner,
        )


@dataclass(frozen=True)
class PinResult:
    """The outcome of ``pin``."""

    #: Every file checked, as ``verify`` reports it.
    findings: tuple[Finding, ...]
    #: The new pins, by package name (packages pinned before keep theirs).
    pins: dict[str, tuple[Publisher, ...]]
    #: Whether the lock was written (only when nothing failed and there was
    #: a pin to add).
    written: bool


def failures(findings: Iterable[Finding], require_pins: bool = False) -> list[Finding]:
    """The findings that fail a check (see ``Finding.is_failure``)."""
    return [f for f in findings if f.is_failure(require_pins)]


def verify(
    lock: StrPath,
    *,
    verifier: Verifier,
    index_url: str | None = None,
    dist_dir: StrPath | None = None,
    threads: int | None = None,
) -> list[Finding]:
    """Checks every file the lock names: read from ``dist_dir`` if it is
    there, else downloaded from the index (``index_url`` for every package,
    else the package's ``index``, else PyPI), against the lock's SHA-256,
    its provenance against the package's pins. One finding per file."""
    found = _rust.pylock_verify(
        verifier._inner,
        os.fspath(lock),
        index_url=index_url,
        dist_dir=None if dist_dir is None else os.fspath(dist_dir),
        threads=threads,
    )
    return [Finding._from(f) for f in found]


def pin(
    lock: StrPath,
    *,
    verifier: Verifier,
    trust_on_first_use: bool = False,
    index_url: str | None = None,
    dist_dir: StrPath | None = None,
    threads: int | None = None,
) -> PinResult:
    """Checks every file as ``verify`` does and pins each package without
    pins to the publishers its files' provenance verified with. Without
    ``trust_on_first_use`` such a package is refused (its finding names the
    publisher it would be pinned to). The lock is rewritten atomically, and
    only if nothing failed; only the pinned packages' identities change."""
    found, pins, written = _rust.pylock_pin(
        verifier._inner,
        os.fspath(lock),
        index_url=index_url,
        dist_dir=None if dist_dir is None else os.fspath(dist_dir),
        threads=threads,
        trust_on_first_use=trust_on_first_use,
    )
    return PinResult(
        findings=tuple(Finding._from(f) for f in found),
        pins={name: tuple(_publisher(p) for p in ps) for name, ps in pins},
        written=written,
    )
