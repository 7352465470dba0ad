"""Helpers the pytest files share: the command lines run as child processes,
the files a signing test starts from, and the offline verifiers of the
public instances."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import urllib.error
import urllib.request
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


#: How a test rewrites what :class:`IndexProxy` forwards: ``(path, body)`` to
#: the new body, ``None`` (404) or :data:`IndexProxy.DROP`.
Rewrite = Callable[[str, bytes], "bytes | None"]


class IndexProxy:
    """A 127.0.0.1 server in front of a package index: it answers a path in
    ``overrides`` (path -> (status, body)) itself and forwards every other
    GET (its ``Accept`` header kept), the index's URLs in the answer turned
    into its own; ``rewrite(path, body)`` may then change a 200 answer:
    ``None`` answers 404, :data:`DROP` closes the connection unanswered.
    ``current.agent`` is the ``User-Agent`` of the request being answered,
    per handler thread."""

    DROP = b"\0drop"

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.overrides: dict[str, tuple[int, bytes]] = {}
        self.rewrite: Rewrite = lambda _path, body: body
        self.current = threading.local()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                proxy.current.agent = self.headers.get("User-Agent", "")
                if self.path in proxy.overrides:
                    status, new = proxy.overrides[self.path]
                    ctype = "application/json"
                else:
                    status, ctype, body = proxy._forward(self.path, self.headers.get("Accept"))
                    body = body.replace(proxy.upstream.encode(), proxy.url.encode())
                    answer = proxy.rewrite(self.path, body) if status == 200 else body
                    if answer == IndexProxy.DROP:
                        self.close_connection = True
                        return
                    if answer is None:
                        status, answer = 404, b"not found"
                    new = answer
                self.send_response(status)
                self.send_header("Content-Type", ctype or "application/octet-stream")
                self.send_header("Content-Length", str(len(new)))
                self.end_headers()
                self.wfile.write(new)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _forward(self, path: str, accept: str | None) -> tuple[int, str, bytes]:
        headers = {"Accept": accept} if accept else {}
        request = urllib.request.Request(self.upstream + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return r.status, r.headers.get("Content-Type", ""), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read()

    @property
    def index_url(self) -> str:
        return self.url + "/simple/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
