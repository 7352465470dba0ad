"""Keyless signing failure paths against fake services on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from sigstore_rs import errors
from sigstore_rs.__main__ import main
from sigstore_rs.sign import IdentityToken, SigningContext, write_atomic

EMBEDDED = Path(__file__).resolve().parents[2] / "src" / "trust" / "embedded"


def _jwt(**claims: object) -> str:
    now = int(time.time())
    body = {
        "iss": "https://issuer.test",
        "sub": "s",
        "aud": "sigstore",
        "iat": now,
        "exp": now + 300,
    }
    body.update(claims)

    def enc(v: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(v).encode()).rstrip(b"=").decode()

    return f"{enc({'alg': 'RS256'})}.{enc(body)}.c2ln"


class _Fake:
    def __init__(self, status: int, body: bytes) -> None:
        self.requests: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake.requests.append(self.path)
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def closed_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


def _trust_config(tmp: Path, fulcio: str, rekor: str) -> Path:
    sc = json.loads((EMBEDDED / "production_signing_config.json").read_text())
    sc["caUrls"][0]["url"] = fulcio
    sc["rekorTlogUrls"][0]["url"] = rekor
    sc["tsaUrls"] = []
    cfg = {
        "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
        "trustedRoot": json.loads((EMBEDDED / "production_trusted_root.json").read_text()),
        "signingConfig": sc,
    }
    p = tmp / "trust_config.json"
    p.write_text(json.dumps(cfg))
    return p


@pytest.fixture
def artifact(tmp_path: Path) -> Iterator[Path]:
    a = tmp_path / "work" / "a.txt"
    a.parent.mkdir()
    a.write_bytes(b"hello")
    return a


def _only(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def test_refusing_ca_writes_nothing(
    tmp_path: Path, artifact: Path, closed_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fulcio = _Fake(403, b'{"code":7,"message":"permission denied"}')
    cfg = _trust_config(tmp_path, fulcio.url, closed_url)
    rc = main(["--trust-config", str(cfg), "sign", "--identity-token", _jwt(), str(artifact)])
    assert rc == 1
    err = capsys.readouterr().err
    assert "HTTP 403" in err
    assert "permission denied" in err
    assert fulcio.requests == ["/api/v2/signingCert"]
    assert _only(artifact) == ["a.txt"]


def test_unreachable_ca_is_retried_then_fails(
    tmp_path: Path, artifact: Path, closed_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _trust_config(tmp_path, closed_url, closed_url)
    rc = main(["--trust-config", str(cfg), "sign", "--identity-token", _jwt(), str(artifact)])
    assert rc == 1
    assert "after 3 attempts" in capsys.readouterr().err
    assert _only(artifact) == ["a.txt"]


@pytest.mark.parametrize(
    ("claims", "message"),
    [({"aud": "other"}, 'expected "sigstore"'), ({"exp": 1000, "iat": 900}, "expired at")],
)
def test_bad_token_fails_before_any_request(
    tmp_path: Path,
    artifact: Path,
    closed_url: str,
    capsys: pytest.CaptureFixture[str],
    claims: dict[str, object],
    message: str,
) -> None:
    fulcio = _Fake(500, b"")
    cfg = _trust_config(tmp_path, fulcio.url, closed_url)
    token = _jwt(**claims)
    rc = main(["--trust-config", str(cfg), "sign", "--identity-token", token, str(artifact)])
    assert rc == 1
    assert message in capsys.readouterr().err
    assert fulcio.requests == []
    assert _only(artifact) == ["a.txt"]
    with pytest.raises(errors.IdentityError):
        IdentityToken(token)


def test_python_api_errors(tmp_path: Path, closed_url: str) -> None:
    fulcio = _Fake(401, b'{"message":"bad token"}')
    ctx = SigningContext.from_trust_config(_trust_config(tmp_path, fulcio.url, closed_url))
    assert ctx.oidc_url == "https://oauth2.sigstore.dev/auth"
    with pytest.raises(errors.SigningError, match="bad token"):
        ctx.signer(_jwt())
    tok = IdentityToken(_jwt(email="a@example.com"))
    assert (tok.identity, tok.issuer) == ("a@example.com", "https://issuer.test")


def test_write_atomic(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    write_atomic(p, "one")
    write_atomic(p, b"two")
    assert p.read_bytes() == b"two"
    assert [q.name for q in tmp_path.iterdir()] == ["x.json"]
