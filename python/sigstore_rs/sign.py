"""Keyless signing.

    from sigstore_rs.sign import IdentityToken, SigningContext, detect_credential

    context = SigningContext.production()
    token = IdentityToken(detect_credential() or os.environ["SIGSTORE_ID_TOKEN"])
    signer = context.signer(token)          # one key + certificate, many inputs
    bundle = signer.sign_artifact(b"...")   # a verified v0.3 bundle
    Path("a.txt.sigstore.json").write_text(bundle.to_json())
    results = signer.sign_artifacts(paths)  # concurrently: Bundle or exception each

Failures raise ``IdentityError`` (the token), ``SigningError`` (a service
refused), ``NetworkError`` (a service could not be reached) or a
``VerificationError`` (the certificate or the result did not verify).
"""

from __future__ import annotations

import os
from pathlib import Path

from sigstore_rs import _rust
from sigstore_rs import trust as _trust
from sigstore_rs.verify import Bundle

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from sigstore_rs.verify import StrPath

__all__ = [
    "PYPI_PUBLISH_PREDICATE",
    "IdentityToken",
    "Signer",
    "SigningContext",
    "detect_credential",
    "in_toto_statement",
    "interactive_token",
    "write_atomic",
]

PYPI_PUBLISH_PREDICATE = "https://docs.pypi.org/attestations/publish/v1"

IdentityToken = _rust.IdentityToken


def detect_credential() -> str | None:
    """An ambient CI identity token for audience "sigstore", or None outside CI."""
    return _rust.detect_credential()


def interactive_token(issuer_url: str, *, force_oob: bool = False) -> IdentityToken:
    """Runs the OAuth browser flow against ``issuer_url``."""
    return _rust.interactive_token(issuer_url, force_oob)


def in_toto_statement(
    subjects: Iterable[tuple[str, str]], predicate_type: str, predicate: Any = None
) -> bytes:
    """An in-toto v1 statement; ``subjects`` are (name, "sha256:<hex>") pairs."""
    import json

    pred = None if predicate is None else json.dumps(predicate)
    return _rust.in_toto_statement(list(subjects), predicate_type, pred)


class Signer:
    """One ephemeral key and its Fulcio certificate, for one identity."""

    __slots__ = ("_inner",)

    def __init__(self, inner: _rust.Signer) -> None:
        """Wraps the compiled signer; obtain one from ``SigningContext.signer``."""
        self._inner = inner

    def sign_artifact(self, input: bytes | StrPath) -> Bundle:
        """Signs bytes, or a file given by path (hashed without the GIL)."""
        if isinstance(input, (bytes, bytearray, memoryview)):
            return Bundle(self._inner.sign_artifact(bytes(input)))
        if isinstance(input, str) and input.startswith("sha256:"):
            return Bundle(self._inner.sign_digest(input))
        return Bundle(self._inner.sign_file(os.fspath(input)))

    def sign_dsse(self, statement: bytes | str) -> Bundle:
        """Signs an in-toto statement (JSON) as a DSSE envelope."""
        if isinstance(statement, str):
            statement = statement.encode()
        return Bundle(self._inner.sign_dsse(statement))

    def sign_artifacts(
        self,
        inputs: Iterable[StrPath | str],
        *,
        jobs: int | None = None,
        on_done: Callable[[int, Bundle | Exception], object] | None = None,
        _renew_margin: int = 60,
    ) -> list[Bundle | Exception]:
        """Signs many files (paths) or ``"sha256:<hex>"`` digests at once:
        one certificate (a new one only if it would expire mid-run), up to
        ``jobs`` inputs at once (default ``default_jobs``: as suits the log;
        with Rekor v1 an input's timestamp and log upload run together),
        without the GIL.
        Returns a verified ``Bundle`` or the exception for each input, in
        input order; ``on_done(i, result)`` is called as each completes (an
        exception it raises becomes that input's result).

        A ``KeyboardInterrupt`` (Ctrl-C) while it runs (on the main
        thread) starts no further input: the ones in flight finish and reach
        ``on_done`` (the only way to have their bundles: nothing is
        returned), the ones not started reach it as ``NotSignedError``, and
        the ``KeyboardInterrupt`` is raised."""
        items: list[tuple[str, str | bytes]] = []
        for x in inputs:
            if isinstance(x, str) and x.startswith("sha256:"):
                items.append(("digest", x))
            else:
                items.append(("file", os.fspath(x)))
        return self._many(items, jobs, on_done, _renew_margin)

    def sign_dsse_many(
        self,
        statements: Iterable[bytes | str],
        *,
        jobs: int | None = None,
        on_done: Callable[[int, Bundle | Exception], object] | None = None,
        _renew_margin: int = 60,
    ) -> list[Bundle | Exception]:
        """As ``sign_artifacts``, for in-toto statements signed as DSSE envelopes."""
        items: list[tuple[str, str | bytes]] = [
            ("dsse", s.encode() if isinstance(s, str) else bytes(s)) for s in statements
        ]
        return self._many(items, jobs, on_done, _renew_margin)

    def _many(
        self,
        items: list[tuple[str, str | bytes]],
        jobs: int | None,
        on_done: Callable[[int, Bundle | Exception], object] | None,
        renew_margin: int,
    ) -> list[Bundle | Exception]:
        if jobs is not None and jobs < 1:
            raise ValueError(f"jobs must be at least 1, not {jobs}")

        def wrap(r: _rust.Bundle | BaseException) -> Bundle | Exception:
            if isinstance(r, _rust.Bundle):
                return Bundle(r)
            if isinstance(r, Exception):
                return r
            raise r  # KeyboardInterrupt and the like are not a result

        done = None
        if on_done is not None:
            callback = on_done

            def done(i: int, r: _rust.Bundle | BaseException) -> None:
                callback(i, wrap(r))

        return [wrap(r) for r in self._inner.sign_many(items, jobs, renew_margin, done)]

    @property
    def default_jobs(self) -> int:
        """Inputs signed at once when ``jobs`` is not given: as suits the
        signing config's log (100 for Rekor v1, whose every upload is its own
        round trip; 256 for Rekor v2, which answers a batch window's uploads
        together)."""
        return self._inner.default_jobs

    @property
    def not_after(self) -> int:
        """When the signing certificate expires (Unix seconds)."""
        return self._inner.not_after

    @property
    def certificate(self) -> bytes:
        """The signing certificate, DER."""
        return self._inner.certificate

    @property
    def identity(self) -> str:
        """The identity the certificate was issued to (the token's email or
        subject, e.g. a CI workflow URI)."""
        return self._inner.identity


class SigningContext:
    """A Sigstore instance's services and trust material."""

    __slots__ = ("_inner",)

    def __init__(self, inner: _rust.SigningContext) -> None:
        """Wraps the compiled context; use ``production()``, ``staging()``,
        ``for_instance()``, ``from_trust_config()`` or ``from_parts()``."""
        self._inner = inner

    @classmethod
    def production(cls, *, offline: bool = False) -> SigningContext:
        """Sigstore's public-good instance: the Fulcio, Rekor and timestamp
        authority its signing config names, with its trusted root, both
        kept current through TUF as ``Verifier.production()`` keeps the
        trusted root (``offline``: the cache, else the embedded material,
        with a ``TrustWarning``)."""
        return cls(_from_tuf(_trust.PRODUCTION, offline))

    @classmethod
    def staging(cls, *, offline: bool = False) -> SigningContext:
        """As ``production()``, for Sigstore's staging instance."""
        return cls(_from_tuf(_trust.STAGING, offline))

    @classmethod
    def for_instance(cls, url: str, *, offline: bool = False) -> SigningContext:
        """As ``production()``, for the instance whose TUF repository is at
        ``url`` (trusted first with ``sigstore_rs.trust.trust_instance``); its
        repository must publish a signing config."""
        return cls(_from_tuf(url, offline))

    @classmethod
    def from_trust_config(cls, path: StrPath) -> SigningContext:
        """From a ClientTrustConfig JSON file (trusted root + signing config)."""
        return cls(_rust.SigningContext.from_trust_config(Path(path).read_bytes()))

    @classmethod
    def from_parts(cls, trusted_root: StrPath, signing_config: StrPath) -> SigningContext:
        """From a ``TrustedRoot`` file and a ``SigningConfig`` (v0.2) file."""
        return cls(
            _rust.SigningContext.from_parts(
                Path(trusted_root).read_bytes(), Path(signing_config).read_bytes()
            )
        )

    @property
    def oidc_url(self) -> str | None:
        """The OIDC issuer the signing config names for interactive sign-in,
        if any."""
        return self._inner.oidc_url

    def signer(self, token: IdentityToken | str) -> Signer:
        """Generates the key and obtains its certificate (network I/O)."""
        if isinstance(token, str):
            token = IdentityToken(token)
        return Signer(self._inner.signer(token))


def _from_tuf(url: str, offline: bool) -> _rust.SigningContext:
    # Warnings are attributed to the caller of the public constructor.
    material = _trust._load(url, offline=offline, stacklevel=3)
    return _rust.SigningContext.from_trust_material(material)


def write_atomic(path: StrPath, data: bytes | str) -> None:
    """Writes ``path`` via a temporary file in the same directory and a rename."""
    if isinstance(data, str):
        data = data.encode()
    target = Path(path)
    # Imported here: only writers need them, and the CLI imports this module.
    import contextlib
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
