"""Sigstore trust material through TUF.

An instance's ``trusted_root.json`` and signing config are the targets of its
TUF repository, kept in a per-user cache (``$SIGSTORE_RS_CACHE_DIR``, else
the platform's cache directory, e.g. ``~/.cache/sigstore-rs``) and refreshed
when the cache is older than twelve hours or its TUF timestamp has expired::

    from sigstore_rs import trust

    material = trust.load(trust.STAGING)          # refreshed when due
    print(material.origin, material.expires)      # "cache", Unix seconds
    trust.trust_instance("https://tuf.example", "root.json")   # a private instance

``Verifier.production()``, ``.staging()`` and ``.for_instance(url)`` (and the
same constructors of ``sigstore_rs.sign.SigningContext``) load through here.
A repository that refuses an update (expired, rolled back, wrongly signed
metadata) raises ``TrustUpdateError`` naming the role and the check, and the
cache keeps what it had. When the repository cannot be reached, or with
``offline=True``, the cache is used, else the material embedded in this
release: each such fallback raises a :class:`~sigstore_rs.errors.TrustWarning`
saying how old the material is.
"""

from __future__ import annotations

from sigstore_rs import _rust
from sigstore_rs.errors import TrustWarning

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Literal

    from sigstore_rs.verify import StrPath

__all__ = ["PRODUCTION", "STAGING", "TrustMaterial", "load", "refresh", "trust_instance"]

PRODUCTION: str = _rust.PRODUCTION_TUF_URL
"""The TUF repository of Sigstore's public-good instance."""
STAGING: str = _rust.STAGING_TUF_URL
"""The TUF repository of Sigstore's staging instance."""


class TrustMaterial:
    """One instance's trust material and where it came from."""

    __slots__ = ("_inner",)

    def __init__(self, inner: _rust.TrustMaterial) -> None:
        """Wraps the compiled material; use :func:`load` or :func:`refresh`."""
        self._inner = inner

    @property
    def url(self) -> str:
        """The instance's TUF repository."""
        return self._inner.url

    @property
    def origin(self) -> Literal["refreshed", "cache", "embedded"]:
        """``"refreshed"`` (fetched and verified through TUF just now),
        ``"cache"`` (the verified cache, no request made) or ``"embedded"``
        (built into this release: no usable cache)."""
        return self._inner.origin

    @property
    def refreshed_at(self) -> int | None:
        """When the cache was last refreshed (Unix seconds), for ``"cache"``."""
        return self._inner.refreshed_at

    @property
    def expires(self) -> int | None:
        """When the TUF timestamp metadata expires (Unix seconds); ``None``
        for the embedded material."""
        return self._inner.expires

    @property
    def root_version(self) -> int | None:
        """The version of the TUF root it was verified under."""
        return self._inner.root_version

    @property
    def cache_dir(self) -> Path:
        """This instance's cache directory."""
        return self._inner.cache_dir

    @property
    def warnings(self) -> list[str]:
        """The fallbacks taken, one line each (also raised as ``TrustWarning``)."""
        return self._inner.warnings

    @property
    def trusted_root(self) -> bytes:
        """The ``trusted_root.json`` document."""
        return self._inner.trusted_root_json

    @property
    def signing_config(self) -> bytes | None:
        """The ``signing_config.v0.2.json`` document, if the repository has one."""
        return self._inner.signing_config_json

    def authorities(self) -> list[tuple[str, str, int, int | None]]:
        """What the trusted root trusts: ``(kind, url, valid_from,
        valid_until)`` for each Rekor log (``"tlog"``), CT log (``"ctlog"``),
        Fulcio CA (``"ca"``) and timestamp authority (``"tsa"``); times are
        Unix seconds, ``valid_until`` is ``None`` while open."""
        return self._inner.authorities()

    def services(self) -> list[tuple[str, str, int]]:
        """The services signing uses now, from the signing config: ``(kind,
        url, api_version)`` for the Fulcio CA (``"ca"``), the Rekor logs
        (``"tlog"``), timestamp authorities (``"tsa"``) and the OIDC issuer
        (``"oidc"``)."""
        return self._inner.services()

    def __repr__(self) -> str:
        return repr(self._inner)


def _warn(material: _rust.TrustMaterial, stacklevel: int) -> _rust.TrustMaterial:
    """Raises ``material``'s warnings as ``TrustWarning``, attributed to the
    frame ``stacklevel`` levels up (1: whoever called ``_warn``)."""
    if material.warnings:
        # Imported only when needed: `import sigstore_rs` stays lean.
        import warnings

        for message in material.warnings:
            warnings.warn(message, TrustWarning, stacklevel=stacklevel + 1)
    return material


def _load(url: str, *, offline: bool, stacklevel: int) -> _rust.TrustMaterial:
    """Loads ``url``'s material; its warnings are attributed as by ``_warn``."""
    return _warn(_rust.trust_load(url, offline), stacklevel + 1)


def load(instance: str = PRODUCTION, *, offline: bool = False) -> TrustMaterial:
    """The trust material of the instance whose TUF repository is at
    ``instance``: the verified cache, refreshed first when it is due (never
    with ``offline``). An instance other than production and staging must
    have been trusted with :func:`trust_instance`."""
    return TrustMaterial(_load(instance, offline=offline, stacklevel=2))


def refresh(instance: str = PRODUCTION) -> TrustMaterial:
    """Refreshes ``instance``'s material through TUF now, whatever the
    cache's age, and returns it."""
    return TrustMaterial(_warn(_rust.trust_refresh(instance), 2))


def trust_instance(instance: str, root: StrPath) -> TrustMaterial:
    """Trusts the TUF ``root.json`` in file ``root`` (signed by a threshold
    of its own root keys) as the first root of the instance at ``instance``,
    replacing what was cached for it, then refreshes from it, as
    sigstore-python's ``trust-instance`` does."""
    _rust.trust_instance(instance, root)
    return TrustMaterial(_warn(_rust.trust_refresh(instance), 2))
