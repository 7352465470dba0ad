"""Runs pypi-attestations' own test suite (``test/``, vendored unmodified:
see VENDORED.md) against ``sigstore_rs.pep740``.

The shim: ``pypi_attestations`` and ``pypi_attestations._impl`` (which the
suite imports as ``impl``) are both ``sigstore_rs.pep740``, installed in
``sys.modules`` before the suite is collected, so the real package (a test
dependency of ours) is never imported here. ``pypi_attestations._cli``
(and ``__main__``) is ``sigstore_rs._pypi_attestations_cli``, the same
command line on our core.

No network: the suite's ``verify`` calls name no trust material, which would
refresh the public instances' TUF repositories; here they get the material
embedded in this release (``offline=True``, in a cache directory of this
run), and every Python socket to anything but loopback is refused. The
suite's ``@online`` tests are skipped by the suite itself unless ``CI`` is
set; the runner (``tests/python/test_pypi_attestations_suite.py``) clears it
and deselects them by id with their reason.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import time
import types
from typing import Any

os.environ.setdefault("SIGSTORE_RS_CACHE_DIR", tempfile.mkdtemp(prefix="pa-suite-cache-"))

import sigstore_rs._pypi_attestations_cli as _cli
import sigstore_rs.pep740 as _pep740
from sigstore_rs import _rust, trust

# The package exports exactly pypi-attestations' `__all__` (and
# `__version__`); its `_impl`, which the suite reaches into, is the whole
# module.
_package = types.ModuleType("pypi_attestations", _pep740.__doc__)
_UPSTREAM_ALL = [
    "Attestation",
    "AttestationBundle",
    "AttestationError",
    "AttestationType",
    "CircleCIPublisher",
    "ConversionError",
    "Distribution",
    "Envelope",
    "GitHubPublisher",
    "GitLabPublisher",
    "GooglePublisher",
    "Provenance",
    "Publisher",
    "TransparencyLogEntry",
    "VerificationError",
    "VerificationMaterial",
]
for _name in [*_UPSTREAM_ALL, "__version__"]:
    setattr(_package, _name, getattr(_pep740, _name))
_package.__all__ = _UPSTREAM_ALL
_package._impl = _pep740
sys.modules["pypi_attestations"] = _package
sys.modules["pypi_attestations._impl"] = _pep740
# `python -m pypi_attestations`: our command line with its commands and flags.
_package._cli = _cli
sys.modules["pypi_attestations._cli"] = _cli
sys.modules["pypi_attestations.__main__"] = _cli

# The verifiers of calls given no trust material: the embedded material,
# kept for the whole run.
for _staging in (False, True):
    _material = trust.load(trust.STAGING if _staging else trust.PRODUCTION, offline=True)
    _pep740._default_verifiers[(_staging, False)] = (
        time.monotonic() + 10**9,
        _rust.Verifier.from_trust_material(_material._inner),
    )

_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    if self.family in (socket.AF_INET, socket.AF_INET6) and host not in (
        "127.0.0.1",
        "::1",
        "localhost",
    ):
        raise OSError(f"pypi-attestations suite: network access refused ({address!r})")
    return _connect(self, address)


socket.socket.connect = _loopback_only  # type: ignore[method-assign]
