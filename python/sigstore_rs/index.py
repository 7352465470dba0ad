"""The client side of a package index: files from the simple API (PEP 691
JSON, PEP 503 HTML as a fallback), their PEP 740 provenance, downloads, and
verification against the publisher you expect.

Fetch a release and verify every file of it against a pinned publisher::

    from sigstore_rs.index import IndexClient, FileCheck
    from sigstore_rs.pep740 import GitHubPublisher

    client = IndexClient("https://pypi.org/simple/")       # the default
    files = client.release("sampleproject", "4.0.0")      # list[IndexFile]
    expected = GitHubPublisher(repository="pypa/sampleproject", workflow="release.yml")
    for r in client.verify([FileCheck(f, expected) for f in files]):
        if r.ok:
            print(r.file.filename, r.verified.publisher)   # always show it
        else:
            print(r.file.filename, r.error)                # one line: file and reason

API (all fetching, hashing and verifying runs in the Rust core,
``src/index/``, without the GIL; ``verify`` works on all cores):

``IndexFile(filename, url, sha256=None, provenance_url=None, yanked=None, requires_python=None)``
    One file, as a page lists it (or as a lock file names it: build one
    from its URL and hash). ``.version`` is the version in its name.
``IndexClient(index_url=PYPI_SIMPLE_URL, *, max_file_bytes=None)``
    ``.project(name) -> ProjectPage`` (``.name``, ``.url``, ``.files``,
    ``.release(version)``, ``.file(filename)``); ``.release(name, version)
    -> list[IndexFile]`` (none: ``NotOnIndexError``); ``.provenance_url(file)``
    (the page's ``provenance`` URL, else PyPI's integrity API URL on the
    index's host); ``.provenance(file) -> Provenance | None`` (``None`` for
    404; malformed: ``MalformedProvenanceError``); ``.download(file,
    sha256=None) -> bytes`` (bounded by ``max_file_bytes``, default 1 GiB;
    checked against the index's hash and ``sha256``);
    ``.verify(checks, *, trust_on_first_use=False, dest_dir=None,
    require_provenance=True, staging=False, offline=False, verifier=None,
    threads=None) -> list[FileResult]``.
``FileCheck(file, publisher=None, sha256=None, sha256_source=None, path=None)``
    One file to verify: ``publisher`` is the one expected (from the user or
    a lock file; ``None`` only with ``trust_on_first_use=True``, which then
    accepts the provenance's single publisher and reports it); ``sha256`` a
    hash the caller pins besides the index's (``sha256_source`` names who,
    e.g. ``"the lock file"``, for the message); ``path`` a local copy to
    check instead of downloading.
``FileResult``: ``.file``, ``.verified`` (``VerifiedFile``: ``filename``,
    ``url``, ``sha256``, ``publisher`` (``None`` only for a file without
    provenance under ``require_provenance=False``), ``trusted_on_first_use``,
    ``predicates``, ``path`` (saved into ``dest_dir``, only after every
    check passed, or the local copy)), ``.error``, ``.ok``.
``verify_provenance(dist, provenance, publisher=None, *, trust_on_first_use=False, ...)``
    The same publisher and attestation checks for a provenance object you
    already have; returns ``(publisher, predicates)``.

Per file, in order: fetch the provenance (404: ``NoProvenanceError``), its
publisher equals the expected one (else ``PublisherMismatchError`` naming
the first differing claim: kind, repository, workflow, environment, email;
an expected publisher without an environment accepts any), the file's
SHA-256 equals the index's and the pinned one (``HashMismatchError``: a
file swapped on the index), every attestation verifies for this file (a
provenance for another file fails at the statement or digest step:
``StatementError``, ``ArtifactDigestError``). An unreachable index is
``IndexFetchError``. All are ``sigstore_rs.errors.PackageIndexError`` or
``VerificationError`` subclasses, with one-line messages naming the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Union

from sigstore_rs import _rust
from sigstore_rs.errors import Error
from sigstore_rs.pep740 import Distribution, Provenance, Publisher, _publisher, _verifier
from sigstore_rs.verify import Verifier

__all__ = [
    "PYPI_SIMPLE_URL",
    "FileCheck",
    "FileResult",
    "IndexClient",
    "IndexFile",
    "ProjectPage",
    "VerifiedFile",
    "verify_provenance",
]

StrPath = Union[str, "os.PathLike[str]"]

#: PyPI's simple API, the default index.
PYPI_SIMPLE_URL: str = _rust.PYPI_SIMPLE_URL

#: One file a project page lists (``filename``, ``url``, ``sha256``,
#: ``provenance_url``, ``yanked``, ``requires_python``, ``version``).
IndexFile = _rust.IndexFile


def _predicates(raw: list[tuple[str, str | None]]) -> list[tuple[str, dict[str, Any] | None]]:
    return [(t, None if p is None else json.loads(p)) for t, p in raw]


def _native_publisher(publisher: Publisher | None) -> _rust.Publisher | None:
    if publisher is None:
        return None
    return _rust.Publisher.from_json(publisher.model_dump_json().encode())


@dataclass(frozen=True)
class ProjectPage:
    """A project's page of the simple API."""

    name: str
    url: str
    files: list[IndexFile]

    def release(self, version: str) -> list[IndexFile]:
        """The files of ``version`` (compared as PEP 440 versions)."""
        return _rust.index_release_files(self.name, self.files, version)

    def file(self, filename: str) -> IndexFile | None:
        """The file named ``filename``, if listed."""
        return next((f for f in self.files if f.filename == filename), None)


@dataclass(frozen=True)
class FileCheck:
    """One file to verify (see the module documentation)."""

    file: IndexFile
    publisher: Publisher | None = None
    sha256: str | None = None
    sha256_source: str | None = None
    path: StrPath | None = None


@dataclass(frozen=True)
class VerifiedFile:
    """A file that passed every check."""

    filename: str
    url: str
    sha256: str
    #: The publisher its provenance verified against; ``None`` only for a
    #: file without provenance where ``require_provenance=False``.
    publisher: Publisher | None
    trusted_on_first_use: bool
    predicates: list[tuple[str, dict[str, Any] | None]]
    path: str | None


@dataclass(frozen=True)
class FileResult:
    """The verdict on one ``FileCheck``."""

    file: IndexFile
    verified: VerifiedFile | None
    error: Exception | None

    @property
    def ok(self) -> bool:
        """Whether the file passed."""
        return self.error is None


class IndexClient:
    """A client of one index's simple API (see the module documentation)."""

    def __init__(self, index_url: str = PYPI_SIMPLE_URL, *, max_file_bytes: int | None = None):
        self._inner = _rust.IndexClient(index_url, max_file_bytes)

    @property
    def index_url(self) -> str:
        """The simple API's URL."""
        return self._inner.index_url

    @property
    def max_file_bytes(self) -> int:
        """The bound on a downloaded file."""
        return self._inner.max_file_bytes

    def project(self, name: str) -> ProjectPage:
        """The project's page."""
        page_name, url, files = self._inner.project(name)
        return ProjectPage(page_name, url, files)

    def release(self, name: str, version: str) -> list[IndexFile]:
        """The files of ``name``'s release ``version``; none raises ``NotOnIndexError``."""
        return self._inner.release(name, version)

    def provenance_url(self, file: IndexFile) -> str:
        """The file's provenance URL: the page's, else the integrity API's."""
        return self._inner.provenance_url(file)

    def provenance(self, file: IndexFile) -> Provenance | None:
        """The file's provenance object, ``None`` if the index has none (404)."""
        inner = self._inner.provenance(file)
        if inner is None:
            return None
        provenance = Provenance.__new__(Provenance)
        provenance._inner = inner
        return provenance

    def download(self, file: IndexFile, sha256: str | None = None) -> bytes:
        """The file, checked against the index's hash and ``sha256``."""
        return self._inner.download(file, sha256)

    def verify(
        self,
        checks: Iterable[FileCheck],
        *,
        trust_on_first_use: bool = False,
        dest_dir: StrPath | None = None,
        require_provenance: bool = True,
        staging: bool = False,
        offline: bool = False,
        verifier: Verifier | None = None,
        threads: int | None = None,
    ) -> list[FileResult]:
        """Verifies every check in parallel; one result per check, in order.

        A check without a publisher raises ``InvalidInput`` unless
        ``trust_on_first_use=True``. The verifier is chosen as for
        ``pep740.Attestation.verify``.
        """
        checks = list(checks)
        items = [
            (c.file, _native_publisher(c.publisher), c.sha256, c.sha256_source, c.path)
            for c in checks
        ]
        results = self._inner.verify_files(
            _verifier(staging, offline, verifier),
            items,
            threads,
            trust_on_first_use=trust_on_first_use,
            dest_dir=dest_dir,
            require_provenance=require_provenance,
        )
        out = []
        for check, (ok, err) in zip(checks, results):
            verified = None
            if ok is not None:
                filename, url, sha256, publisher, tofu, predicates, path = ok
                verified = VerifiedFile(
                    filename,
                    url,
                    sha256,
                    None if publisher is None else _publisher(publisher),
                    tofu,
                    _predicates(predicates),
                    None if path is None else os.fspath(path),
                )
            elif err is None:
                err = Error("internal error: a result without a verdict")
            out.append(FileResult(check.file, verified, err))
        return out

    def __repr__(self) -> str:
        return f"IndexClient({self.index_url!r})"


def verify_provenance(
    dist: Distribution,
    provenance: Provenance,
    publisher: Publisher | None = None,
    *,
    trust_on_first_use: bool = False,
    staging: bool = False,
    offline: bool = False,
    verifier: Verifier | None = None,
) -> tuple[Publisher, list[tuple[str, dict[str, Any] | None]]]:
    """Checks ``provenance``'s publisher against ``publisher`` (or, with
    ``trust_on_first_use=True`` and no publisher, accepts its single one),
    then verifies every attestation for ``dist``. Returns the publisher and
    each attestation's ``(predicate_type, predicate)``."""
    found, predicates = _rust.index_verify_provenance(
        _verifier(staging, offline, verifier),
        dist._inner,
        provenance._inner,
        _native_publisher(publisher),
        trust_on_first_use=trust_on_first_use,
    )
    return _publisher(found), _predicates(predicates)
