"""pytest fixtures for the local Sigstore instance.

Enable with ``pytest_plugins = ["sigstore_rs.pytest_plugin"]`` in a
``conftest.py``; ``sigstore_instance`` is one instance per test session
(Rekor v1 preferred), ``sigstore_instance_v2`` one preferring Rekor v2.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sigstore_rs.testing import Instance


@pytest.fixture(scope="session")
def sigstore_instance() -> Iterator[Instance]:
    with Instance.start(rekor_version=1) as instance:
        yield instance


@pytest.fixture(scope="session")
def sigstore_instance_v2() -> Iterator[Instance]:
    with Instance.start(rekor_version=2) as instance:
        yield instance
