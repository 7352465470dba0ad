"""Helpers the pytest files share: the command lines run as child processes,
the files a signing test starts from, and the offline verifiers of the
public instances."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any, Callable, TypeVar

from sigstore_rs import TrustWarning, Verifier
from sigstore_rs.testing import Instance

T = TypeVar("T")

#: What the one warning of an offline load says when the session's empty
#: cache (conftest.py) leaves only the material embedded in this release.
EMBEDDED = "using the material embedded in sigstore_rs"


def assert_embedded(messages: list[str]) -> None:
    """``messages`` are the warnings of one offline load with no usable
    cache: exactly one, saying the embedded material was used and how old it
    is, and none saying a repository could not be reached (no request)."""
    assert len(messages) == 1, messages
    assert "no usable cached trust material" in messages[0], messages
    assert EMBEDDED in messages[0], messages
    assert " days ago)" in messages[0], messages


def offline_call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs, offline=True)`` for a call that loads a public
    instance's trust material: checks its one ``TrustWarning`` (see
    ``assert_embedded``), also when ``fn`` raises."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return fn(*args, **kwargs, offline=True)
        finally:
            assert_embedded(
                [str(w.message) for w in caught if issubclass(w.category, TrustWarning)]
            )


def embedded(instance: str = "production") -> Verifier:
    """The verifier of Sigstore's ``production`` or ``staging`` instance as
    the tests use it: offline (tests make no request), so from the trusted
    root embedded in this release, with the ``TrustWarning`` saying so."""
    return offline_call(Verifier.staging if instance == "staging" else Verifier.production)


def split_warnings(stderr: str) -> tuple[list[str], str]:
    """A CLI's stderr as its ``warning: `` lines (without the prefix) and
    the rest."""
    lines = stderr.splitlines(keepends=True)
    found = [
        line[len("warning: ") :].rstrip("\n") for line in lines if line.startswith("warning: ")
    ]
    rest = "".join(line for line in lines if not line.startswith("warning: "))
    return found, rest


def offline_stderr(stderr: str) -> str:
    """The stderr of a CLI run with ``--offline`` against a public instance:
    checks its one warning (the embedded material, see ``assert_embedded``)
    and returns the rest."""
    found, rest = split_warnings(stderr)
    assert_embedded(found)
    return rest


def run_module(
    module: str, *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m <module> <args>`` in a child process, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", module, *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )


def config_and_artifact(
    instance: Instance, tmp_path: Path, data: bytes = b"x", name: str = "a.txt"
) -> tuple[Path, Path]:
    """The instance's trust config and an artifact holding ``data``, written
    to ``tmp_path``."""
    config = instance.write_trust_config(tmp_path / "trust_config.json")
    artifact = tmp_path / name
    artifact.write_bytes(data)
    return config, artifact


def pypi_attestations_trusting(config: Path, monkeypatch: Any) -> None:
    """Makes pypi-attestations verify (its ``Verifier.production()``, which
    ``Attestation.verify`` uses) against the trusted root of the trust
    config ``config`` (a local instance's), for the rest of the test."""
    import pypi_attestations as pa
    from sigstore.models import ClientTrustConfig
    from sigstore.verify import Verifier as RefVerifier

    trusted = ClientTrustConfig.from_json(config.read_text()).trusted_root
    monkeypatch.setattr(
        pa._impl.Verifier,
        "production",
        staticmethod(lambda offline=False: RefVerifier(trusted_root=trusted)),
    )
