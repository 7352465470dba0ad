"""Locates the recorded Sigstore material (``../shared/fixtures``, see its MANIFEST.md).

``SIGSTORE_RS_FIXTURES`` overrides the location. Where the folder is absent,
tests that need it are skipped with the reason; the material is external data
and is deliberately not copied into this repository.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def fixtures_dir() -> Path | None:
    env = os.environ.get("SIGSTORE_RS_FIXTURES")
    path = Path(env) if env else REPO.parent / "shared" / "fixtures"
    return path if path.is_dir() else None


SKIP_REASON = (
    "Sigstore fixtures not found: set SIGSTORE_RS_FIXTURES or check out ../shared/fixtures"
)


@pytest.fixture(scope="session")
def fixtures() -> Path:
    path = fixtures_dir()
    if path is None:
        pytest.skip(SKIP_REASON)
    return path


@pytest.fixture(scope="session")
def sp(fixtures: Path) -> Path:
    """sigstore-python's recorded bundles."""
    return fixtures / "sigstore-python"
