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


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A skipped or expected-to-fail test is a test that did not run: fail the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    not_run = sum(len(reporter.stats.get(k, [])) for k in ("skipped", "xfailed", "xpassed"))
    if not_run and exitstatus == 0:
        reporter.write_line(f"{not_run} test(s) skipped or xfail: every test must run", red=True)
        session.exitstatus = 1
