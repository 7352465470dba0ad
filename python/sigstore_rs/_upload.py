"""The index side of PEP 740 (``sigstore_rs.pep740.check_upload`` and
``build_provenance``): the checks PyPI's Warehouse runs on an upload's
``attestations`` form field, and the provenance object it then serves.

An index calls them as Warehouse does::

    try:
        attestations = check_upload(dist, request.POST["attestations"], publisher)
    except UploadError as e:
        return HTTP400(http_400_message(e))
    provenance = build_provenance(publisher, attestations)

The checks and their messages are the compiled core's (``src/pep740/upload.rs``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sigstore_rs import _rust
from sigstore_rs.errors import UploadError
from sigstore_rs.pep740 import (
    Attestation,
    Distribution,
    Provenance,
    Publisher,
    _bytes,
    _verifier,
)
from sigstore_rs.verify import Verifier

__all__ = ["UPLOAD_HTTP_400_PREFIX", "build_provenance", "check_upload", "http_400_message"]

#: What the index answers (HTTP 400) before the reason: Warehouse's wording.
UPLOAD_HTTP_400_PREFIX: str = _rust.UPLOAD_HTTP_400_PREFIX


def http_400_message(error: UploadError) -> str:
    """The text of the index's HTTP 400 answer for ``error``."""
    return f"{UPLOAD_HTTP_400_PREFIX}{error}"


def check_upload(
    distribution: Distribution,
    attestations_json: bytes | str,
    publisher: Publisher | None,
    *,
    verifier: Verifier | None = None,
    offline: bool = False,
) -> list[Attestation]:
    """Checks an upload's attestations (the ``attestations`` form field, a
    JSON list) for the uploaded ``distribution``, uploaded through the Trusted
    Publisher ``publisher`` (``None``: not through one), with Warehouse's
    rules: a Trusted Publisher is required; a non-empty list of at most one
    attestation per predicate type PyPI supports (publish v1, SLSA provenance
    v1); each one's single subject is this file, and its certificate satisfies
    the publisher's policy.

    Returns the attestations, for ``build_provenance``. Raises
    ``UploadError`` with the reason (which claim differed, expected and
    found). The verifier is production's unless ``verifier`` is given.
    """
    accepted = _rust.check_upload(
        _verifier(False, offline, verifier),
        distribution._inner,
        _bytes(attestations_json),
        None if publisher is None else publisher._inner,
    )
    return [Attestation._wrap(a) for a, _, _ in accepted]


def build_provenance(publisher: Publisher, attestations: Sequence[Attestation]) -> Provenance:
    """The PEP 740 provenance object an index serves for a file whose
    upload's ``attestations`` it accepted from ``publisher``: version 1, one
    attestation bundle."""
    inner = _rust.build_provenance(publisher._inner, [a._current() for a in attestations])
    provenance = Provenance.__new__(Provenance)
    provenance._inner = inner
    return provenance
