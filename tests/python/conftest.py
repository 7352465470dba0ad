"""Locates the recorded Sigstore material in ``tests/assets`` (see its NOTICE.md
and MANIFEST.md), and keeps the trust material of every test in a cache of
its own.

The material is part of the repository: a missing file is a broken checkout,
and the tests that need it fail; nothing here skips.

Network: the tests make no request beyond 127.0.0.1. In this process that
is enforced: a Python socket connecting anywhere but a loopback address
fails the test with the address it tried (``_loopback_only``). Requests
made by the Rust core, or by the processes a test starts, are kept local
by the URLs the tests give them.

Trust material: every test, and
every process it starts, uses one fresh TUF cache for the session
(``SIGSTORE_RS_CACHE_DIR``), never the user's; the public instances are
loaded with ``offline=True`` (``--offline``), which with that empty cache
means the material embedded in this release, and a ``TrustWarning`` saying
so that the tests assert (``helpers.embedded``). Any other ``TrustWarning``
is an error.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
ASSETS = REPO / "tests" / "assets"


def fixtures_dir() -> Path:
    if not (ASSETS / "MANIFEST.md").is_file():
        raise FileNotFoundError(f"recorded test material missing: {ASSETS} (part of the repo)")
    return ASSETS


_CACHE_ENV = "SIGSTORE_RS_CACHE_DIR"
_saved_cache_env: list[str | None] = []


def pytest_configure(config: pytest.Config) -> None:
    # Here rather than in pyproject.toml, whose pytest settings the TUF
    # conformance suite's run (in a venv without sigstore_rs) also reads.
    config.addinivalue_line("filterwarnings", "error::sigstore_rs.errors.TrustWarning")
    # Before collection, so that nothing loads trust material from elsewhere.
    _saved_cache_env.append(os.environ.get(_CACHE_ENV))
    os.environ[_CACHE_ENV] = tempfile.mkdtemp(prefix="sigstore-rs-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    path = os.environ.pop(_CACHE_ENV, None)
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)
    if _saved_cache_env and _saved_cache_env[0] is not None:
        os.environ[_CACHE_ENV] = _saved_cache_env[0]


@pytest.fixture(scope="session")
def trust_cache() -> Path:
    """The session's TUF cache directory (see the module docstring)."""
    return Path(os.environ[_CACHE_ENV])


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return fixtures_dir()


@pytest.fixture(scope="session")
def sp(fixtures: Path) -> Path:
    """sigstore-python's recorded bundles."""
    return fixtures / "sigstore-python"


_NOT_RUN: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # xfail is reported as skipped (with ``wasxfail``), xpass as passed with ``wasxfail``.
    if report.skipped or hasattr(report, "wasxfail"):
        _NOT_RUN.append(report.nodeid)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.skipped:  # a module-level skip or importorskip
        _NOT_RUN.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A skipped or expected-to-fail test is a test that did not run: fail the run."""
    if _NOT_RUN and exitstatus == 0:
        names = ", ".join(sorted(set(_NOT_RUN))[:10])
        print(f"\n{len(set(_NOT_RUN))} test(s) skipped or xfail, every test must run: {names}")
        session.exitstatus = 1


def _loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails any Python connection beyond the loopback interface."""
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def refuse(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
            raise AssertionError(
                f"a test connected to {address!r}: tests reach only the 127.0.0.1 "
                "servers they start"
            )

    def guarded(sock: socket.socket, address: Any) -> None:
        refuse(sock, address)
        connect(sock, address)

    def guarded_ex(sock: socket.socket, address: Any) -> int:
        refuse(sock, address)
        return connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)
