"""A ``dist-inspector`` plugin for pip's plugin interface (pip PR #12985,
not merged yet): registered under the entry point group ``pip.plugins``, it
checks the PEP 740 provenance of every distribution pip is about to
download, and the bytes of every distribution it is about to unpack, with
the same index client and rules as ``sigstore-rs pip install``.

pip calls, for each distribution:

* :func:`pre_download` (``url``, ``filename``, ``digest``: the SHA-256 the
  index gives, which pip checks the download against): the file's
  provenance is fetched from the index and verified for that file and
  digest against the expected publisher;
* :func:`pre_extract` (the downloaded file): its SHA-256 must be one that
  :func:`pre_download` verified for that file name; a file pip did not
  announce (a cache hit, a local file) is verified from the index then.

Raising ``ValueError`` is the interface's way to abort; the message names
the file and the reason.

pip passes plugins no options, so the expectations come from the
environment, with ``sigstore-rs pip install``'s meanings:

``SIGSTORE_RS_PIP_PUBLISHERS``
    ``NAME=SPEC`` pins separated by whitespace or commas (SPEC:
    ``github:OWNER/REPO:WORKFLOW[:ENV]``, ``gitlab:NAMESPACE/PROJECT:PATH[:ENV]``,
    ``google:EMAIL``).
``SIGSTORE_RS_PIP_TRUST_ON_FIRST_USE=1``
    accept the publisher a provenance names for unpinned projects (logged).
    Without it an unpinned project's file with provenance is refused, with
    the publisher to pin.
``SIGSTORE_RS_PIP_REQUIRE_PROVENANCE=1``
    refuse files without provenance (default: a warning in pip's log).
``SIGSTORE_RS_PIP_INDEX_URL``
    the index to fetch provenance from (default ``PIP_INDEX_URL``, else PyPI).
``SIGSTORE_RS_PIP_TRUST_CONFIG``
    a ClientTrustConfig file (default: the public-good instance through TUF).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path

from sigstore_rs import _pip
from sigstore_rs.errors import Error

__all__ = ["plugin_type", "pre_download", "pre_extract"]

_log = logging.getLogger(__name__)

#: (file name, SHA-256) of every file whose provenance passed, this process.
_verified: set[tuple[str, str]] = set()


def plugin_type() -> str:
    """The plugin's type in pip's plugin interface."""
    return "dist-inspector"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _settings() -> _pip.Settings:
    """The expectations, from the environment (read on each call: pip loads
    plugins once, and tests change the environment)."""
    pins = [p for p in re.split(r"[\s,]+", os.environ.get("SIGSTORE_RS_PIP_PUBLISHERS", "")) if p]
    index_url = (
        os.environ.get("SIGSTORE_RS_PIP_INDEX_URL")
        or os.environ.get("PIP_INDEX_URL")
        or _pip.DEFAULT_INDEX_URL
    )
    trust_config = os.environ.get("SIGSTORE_RS_PIP_TRUST_CONFIG")
    return _pip.Settings(
        index_url=index_url,
        pins=_pip.parse_pins(pins),
        trust_on_first_use=_flag("SIGSTORE_RS_PIP_TRUST_ON_FIRST_USE"),
        require_provenance=_flag("SIGSTORE_RS_PIP_REQUIRE_PROVENANCE"),
        trust_config=Path(trust_config) if trust_config else None,
        **_pip.PLUGIN_OPTIONS,
    )


def _check(filename: str, sha256: str) -> None:
    try:
        settings = _settings()
        outcome = _pip.verify_digest(settings, filename, sha256)
    except Error as e:
        raise ValueError(f"sigstore-rs: {filename}: {e}") from e
    if outcome.error is not None:
        raise ValueError(f"sigstore-rs: {filename}: {outcome.error}")
    if outcome.publisher is None:
        _log.warning("sigstore-rs: %s has no provenance on %s", filename, settings.index_url)
    elif outcome.trusted_on_first_use:
        _log.warning(
            "sigstore-rs: %s: trusted on first use: %s (pin it: %s=%s)",
            filename,
            outcome.publisher,
            outcome.project,
            _pip.spec_of(outcome.publisher),
        )
    _verified.add((filename, sha256))


def pre_download(url: str, filename: str, digest: str) -> None:
    """Verifies the provenance of ``filename`` (from ``url``, whose SHA-256
    the index gives as ``digest``) before pip downloads it; raises
    ``ValueError`` to abort."""
    sha256 = re.sub(r"^sha256[:=]", "", digest.strip()).lower()
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(f"sigstore-rs: {filename} ({url}): no SHA-256 to verify, got {digest!r}")
    if (filename, sha256) not in _verified:
        _check(filename, sha256)


def pre_extract(dist: Path) -> None:
    """Checks the file pip is about to unpack: its bytes must be a file whose
    provenance was verified; raises ``ValueError`` to abort."""
    path = Path(dist)
    h = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError as e:
        raise ValueError(f"sigstore-rs: {path.name}: {e}") from e
    sha256 = h.hexdigest()
    if (path.name, sha256) not in _verified:
        _check(path.name, sha256)
