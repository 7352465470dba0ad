"""Locates the recorded Sigstore material in ``tests/assets`` (see its NOTICE.md
and MANIFEST.md).

The material is part of the repository: a missing file is a broken checkout,
and the tests that need it fail; nothing here skips.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ASSETS = REPO / "tests" / "assets"


def fixtures_dir() -> Path:
    if not (ASSETS / "MANIFEST.md").is_file():
        raise FileNotFoundError(f"recorded test material missing: {ASSETS} (part of the repo)")
    return ASSETS


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
