"""Legacy detached signatures (``FILE.crt`` + ``FILE.sig``) through the API and
the CLI, against a Rekor v1 served on 127.0.0.1 by the test itself: no
internet. The recorded pair ``bundle.txt.crt`` + ``bundle.txt.sig`` was logged
as the entry inside ``bundle.txt.sigstore`` (fixtures MANIFEST); the fake
Rekor serves that entry in the v1 API's shape, built here from the bundle.
Where the lookup goes through the trusted root's Rekor URL, the fake is an
HTTP proxy in front of ``http://rekor.sigstage.dev``: the log keeps its name,
which its checkpoints carry and the verifier compares with the URL.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from helpers import embedded, offline_stderr, run_module
from sigstore_rs import Identity, Verifier, errors

IDENTITY = "a@tny.town"
ISSUER = "https://github.com/login/oauth"
POLICY = Identity(identity=IDENTITY, issuer=ISSUER)
STAGING_REKOR = "https://rekor.sigstage.dev"
#: Staging's Rekor v1 under its own name, reached through the fake as a proxy
#: (plain HTTP, so the proxy sees the requests rather than a CONNECT tunnel).
PROXIED_REKOR = "http://rekor.sigstage.dev"
#: Rekor's EntryIDs put the shard's tree ID before the leaf hash.
TREE_ID = "24296fb24b8ad77a"


def api_entry(bundle_path: Path) -> tuple[str, dict[str, Any]]:
    """The bundle's log entry as ``GET /api/v1/log/entries/{uuid}`` returns it."""
    e = json.loads(bundle_path.read_text())["verificationMaterial"]["tlogEntries"][0]
    body = base64.b64decode(e["canonicalizedBody"])
    uuid = TREE_ID + hashlib.sha256(b"\0" + body).hexdigest()
    proof = e["inclusionProof"]
    return uuid, {
        uuid: {
            "body": e["canonicalizedBody"],
            "integratedTime": int(e["integratedTime"]),
            "logID": base64.b64decode(e["logId"]["keyId"]).hex(),
            "logIndex": int(e["logIndex"]),
            "verification": {
                "inclusionProof": {
                    "checkpoint": proof["checkpoint"]["envelope"],
                    "hashes": [base64.b64decode(h).hex() for h in proof["hashes"]],
                    "logIndex": int(proof["logIndex"]),
                    "rootHash": base64.b64decode(proof["rootHash"]).hex(),
                    "treeSize": int(proof["treeSize"]),
                },
                "signedEntryTimestamp": e["inclusionPromise"]["signedEntryTimestamp"],
            },
        }
    }


def cosign_bundle(entry: dict[str, Any]) -> dict[str, Any]:
    """The same entry as cosign's offline Rekor bundle."""
    (e,) = entry.values()
    return {
        "SignedEntryTimestamp": e["verification"]["signedEntryTimestamp"],
        "Payload": {k: e[k] for k in ("body", "integratedTime", "logIndex", "logID")},
    }


class FakeRekor:
    """A Rekor v1 API on 127.0.0.1: the index and the entries it is given.
    Also answers as an HTTP proxy (absolute-form request targets), recording
    each request's host in ``hosts``."""

    def __init__(self) -> None:
        self.index: dict[str, list[str]] = {}
        self.entries: dict[str, dict[str, Any]] = {}
        self.requests: list[str] = []
        self.hosts: list[str] = []
        rekor = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def reply(self, status: int, doc: object) -> None:
                data = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def target(self, method: str) -> str:
                url = urllib.parse.urlsplit(self.path)
                rekor.hosts.append(url.netloc)
                rekor.requests.append(f"{method} {url.path}")
                return url.path

            def do_POST(self) -> None:
                path = self.target("POST")
                query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if path != "/api/v1/index/retrieve":
                    self.reply(404, {"code": 404, "message": "no such path"})
                else:
                    self.reply(200, rekor.index.get(query.get("hash"), []))

            def do_GET(self) -> None:
                uuid = self.target("GET").removeprefix("/api/v1/log/entries/")
                if uuid in rekor.entries:
                    self.reply(200, rekor.entries[uuid])
                else:
                    self.reply(404, {"code": 404, "message": "entry not found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add(self, artifact: bytes, uuid: str, entry: dict[str, Any]) -> None:
        key = "sha256:" + hashlib.sha256(artifact).hexdigest()
        self.index.setdefault(key, []).append(uuid)
        self.entries[uuid] = entry


@pytest.fixture
def rekor(sp: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRekor]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    server = FakeRekor()
    uuid, entry = api_entry(sp / "bundle.txt.sigstore")
    server.add((sp / "bundle.txt").read_bytes(), uuid, entry)
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def trusted_root(
    fixtures: Path, rekor: FakeRekor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The staging trusted root with its Rekor v1 log served by ``rekor``, as
    a proxy for ``http://rekor.sigstage.dev``. The baseUrl keeps the log's
    name: pointing it at 127.0.0.1 would rename the log, and its recorded
    checkpoint (signed as ``rekor.sigstage.dev``) would rightly not verify."""
    root = json.loads((fixtures / "trust/staging/trusted_root.json").read_text())
    (log,) = (t for t in root["tlogs"] if t["baseUrl"] == STAGING_REKOR)
    log["baseUrl"] = PROXIED_REKOR
    monkeypatch.setenv("http_proxy", rekor.url)
    path = tmp_path / "trusted_root.json"
    path.write_text(json.dumps(root))
    return path


def pair(sp: Path, name: str) -> tuple[bytes, bytes]:
    return (sp / f"{name}.crt").read_bytes(), (sp / f"{name}.sig").read_bytes()


# -- API --------------------------------------------------------------------


def test_online_lookup_through_the_trusted_roots_rekor(
    sp: Path, rekor: FakeRekor, trusted_root: Path
) -> None:
    cert, sig = pair(sp, "bundle.txt")
    verifier = Verifier.from_trusted_root(trusted_root)
    artifact = sp / "bundle.txt"
    for input in (artifact, str(artifact), artifact.read_bytes()):
        verifier.verify_detached(input, cert, sig, POLICY)
    digest = "sha256:" + hashlib.sha256(artifact.read_bytes()).hexdigest()
    verifier.verify_detached(digest, cert, sig, POLICY)
    (uuid,) = rekor.entries
    assert rekor.requests[:2] == ["POST /api/v1/index/retrieve", f"GET /api/v1/log/entries/{uuid}"]
    assert set(rekor.hosts) == {"rekor.sigstage.dev"}


def test_trusted_root_naming_another_host_rejects_the_checkpoint(
    sp: Path, rekor: FakeRekor, fixtures: Path, tmp_path: Path
) -> None:
    # The log moved to 127.0.0.1 in the trusted root: its checkpoints, signed
    # as rekor.sigstage.dev, are not this log's.
    root = json.loads((fixtures / "trust/staging/trusted_root.json").read_text())
    (log,) = (t for t in root["tlogs"] if t["baseUrl"] == STAGING_REKOR)
    log["baseUrl"] = rekor.url
    path = tmp_path / "trusted_root.json"
    path.write_text(json.dumps(root))
    cert, sig = pair(sp, "bundle.txt")
    with pytest.raises(errors.CheckpointError, match=r"key name \"rekor\.sigstage\.dev\""):
        Verifier.from_trusted_root(path).verify_detached(sp / "bundle.txt", cert, sig, POLICY)


def test_online_lookup_with_an_explicit_rekor_url(sp: Path, rekor: FakeRekor) -> None:
    cert, sig = pair(sp, "bundle.txt")
    embedded("staging").verify_detached(
        sp / "bundle.txt", cert, sig, POLICY, rekor_url=rekor.url + "/"
    )


def test_wrong_artifact_fails(sp: Path, rekor: FakeRekor, trusted_root: Path) -> None:
    cert, sig = pair(sp, "bundle.txt")
    verifier = Verifier.from_trusted_root(trusted_root)
    with pytest.raises(errors.TlogEntryError, match="has no entry for this artifact"):
        verifier.verify_detached(b"another artifact", cert, sig, POLICY)
    # With the entry given: the signature and its entry agree on another
    # digest, so the input is what is wrong, and both digests are named.
    _, entry = api_entry(sp / "bundle.txt.sigstore")
    given = hashlib.sha256(b"another artifact").hexdigest()
    signed = hashlib.sha256((sp / "bundle.txt").read_bytes()).hexdigest()
    with pytest.raises(errors.ArtifactDigestError) as exc:
        verifier.verify_detached(
            b"another artifact", cert, sig, POLICY, rekor_bundle=json.dumps(entry).encode()
        )
    assert str(exc.value).endswith(
        f"the input does not match what this bundle signs: the input's digest is sha256:{given},"
        f" the signed digest is sha256:{signed} (as its log entry records)"
    )


def test_pair_without_entry_fails_clearly(sp: Path, rekor: FakeRekor, trusted_root: Path) -> None:
    verifier = Verifier.from_trusted_root(trusted_root)
    cert, sig = pair(sp, "a.txt")
    policy = Identity(identity="william@yossarian.net", issuer=ISSUER)
    with pytest.raises(errors.TlogEntryError, match=r"has no entry for this artifact \(sha256:"):
        verifier.verify_detached(sp / "a.txt", cert, sig, policy)


def test_entry_for_the_artifact_but_not_this_signature(
    sp: Path, rekor: FakeRekor, trusted_root: Path
) -> None:
    # bundle_no_checkpoint.txt is bundle.txt's content signed again, by
    # another certificate: the index finds bundle.txt's entry, which does not
    # record this signature.
    assert (sp / "bundle_no_checkpoint.txt").read_bytes() == (sp / "bundle.txt").read_bytes()
    other = json.loads((sp / "bundle_no_checkpoint.txt.sigstore").read_text())
    der = base64.b64decode(
        other["verificationMaterial"]["x509CertificateChain"]["certificates"][0]["rawBytes"]
    )
    cert = (
        b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n"
    )
    sig = other["messageSignature"]["signature"].encode()
    verifier = Verifier.from_trusted_root(trusted_root)
    with pytest.raises(
        errors.TlogEntryError, match=r"has 1 entries for this artifact .* none of the 1 examined"
    ):
        verifier.verify_detached(sp / "bundle_no_checkpoint.txt", cert, sig, POLICY)


def test_offline_with_the_entry(sp: Path) -> None:
    cert, sig = pair(sp, "bundle.txt")
    _, entry = api_entry(sp / "bundle.txt.sigstore")
    verifier = embedded("staging")
    for doc in (entry, cosign_bundle(entry)):
        verifier.verify_detached(
            sp / "bundle.txt",
            cert,
            sig,
            POLICY,
            rekor_bundle=json.dumps(doc).encode(),
            offline=True,
        )
    with pytest.raises(errors.PolicyError):
        verifier.verify_detached(
            sp / "bundle.txt",
            cert,
            sig,
            Identity(identity="b@tny.town", issuer=ISSUER),
            rekor_bundle=json.dumps(entry).encode(),
        )


@pytest.mark.parametrize("name", ["a.txt", "b.txt", "c.txt", "bad.txt", "offline-rekor.txt"])
def test_offline_without_an_entry(sp: Path, name: str) -> None:
    cert, sig = pair(sp, name)
    with pytest.raises(errors.InvalidInput, match="needs its transparency log entry"):
        embedded("staging").verify_detached(sp / name, cert, sig, POLICY, offline=True)


def test_recorded_cosign_bundle_cannot_verify(sp: Path) -> None:
    # As in sigstore-python's assets, bundle_no_checkpoint.txt.bundle is empty
    # and bundle_no_checkpoint.txt.crt holds a base64 signature, not a
    # certificate: there is nothing to verify offline, and each says so.
    assert (sp / "bundle_no_checkpoint.txt.bundle").read_bytes() == b""
    crt = (sp / "bundle_no_checkpoint.txt.crt").read_bytes()
    _, sig = pair(sp, "bundle.txt")
    good_cert, _ = pair(sp, "bundle.txt")
    with pytest.raises(errors.InvalidBundle, match="Rekor bundle: the file is empty"):
        embedded("staging").verify_detached(
            sp / "bundle_no_checkpoint.txt", good_cert, sig, POLICY, rekor_bundle=b"", offline=True
        )
    with pytest.raises(errors.InvalidInput, match="not a PEM certificate"):
        embedded("staging").verify_detached(
            sp / "bundle_no_checkpoint.txt", crt, sig, POLICY, rekor_bundle=b"{}", offline=True
        )


def test_unreachable_rekor_is_a_network_error(sp: Path, rekor: FakeRekor) -> None:
    cert, sig = pair(sp, "bundle.txt")
    url = rekor.url
    rekor.server.shutdown()
    rekor.server.server_close()
    with pytest.raises(errors.NetworkError, match=url):
        embedded("staging").verify_detached(sp / "bundle.txt", cert, sig, POLICY, rekor_url=url)


def test_missing_entry_is_a_network_error(sp: Path, rekor: FakeRekor) -> None:
    # The index names an entry the log then does not serve.
    (uuid,) = rekor.entries
    del rekor.entries[uuid]
    cert, sig = pair(sp, "bundle.txt")
    with pytest.raises(errors.NetworkError, match="HTTP status 404"):
        embedded("staging").verify_detached(
            sp / "bundle.txt", cert, sig, POLICY, rekor_url=rekor.url
        )


# -- CLI ----------------------------------------------------------------------

CLI_IDENTITY = ["--cert-identity", IDENTITY, "--cert-oidc-issuer", ISSUER]


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_module("sigstore_rs", *args, env={**os.environ, "NO_PROXY": "127.0.0.1"})


def test_cli_online(fixtures: Path, sp: Path, rekor: FakeRekor, trusted_root: Path) -> None:
    art = sp / "bundle.txt"
    for args in (
        ["--certificate", f"{art}.crt", "--signature", f"{art}.sig"],
        ["--cert", f"{art}.crt"],  # the signature defaults to FILE.sig
        ["--signature", f"{art}.sig"],  # the certificate defaults to FILE.crt
    ):
        proc = cli("--trusted-root", trusted_root, "verify", "identity", *CLI_IDENTITY, *args, art)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == f"OK: {art}\n"
    # The staging trusted root as a file: online here means Rekor, and tests
    # fetch no trust material through TUF.
    staging_root = fixtures / "trust" / "staging" / "trusted_root.json"
    proc = cli(
        "--trusted-root", staging_root, "verify", "identity", *CLI_IDENTITY, "--rekor-url",
        rekor.url, "--cert", f"{art}.crt", art,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr


def test_cli_offline(sp: Path, tmp_path: Path) -> None:
    art = sp / "bundle.txt"
    _, entry = api_entry(sp / "bundle.txt.sigstore")
    for i, doc in enumerate((entry, cosign_bundle(entry))):
        rb = tmp_path / f"entry{i}.json"
        rb.write_text(json.dumps(doc))
        proc = cli(
            "--staging", "verify", "identity", *CLI_IDENTITY, "--offline", "--rekor-bundle", rb,
            "--certificate", f"{art}.crt", art,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert offline_stderr(proc.stderr) == ""
    # FILE.rekor is used when present, as sigstore-python 1.x did.
    work = tmp_path / "work"
    work.mkdir()
    for suffix in ("", ".crt", ".sig"):
        (work / f"bundle.txt{suffix}").write_bytes((sp / f"bundle.txt{suffix}").read_bytes())
    (work / "bundle.txt.rekor").write_text(json.dumps(cosign_bundle(entry)))
    proc = cli(
        "--staging", "verify", "identity", *CLI_IDENTITY, "--offline", "--signature",
        work / "bundle.txt.sig", work / "bundle.txt",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert offline_stderr(proc.stderr) == ""


def test_cli_wrong_artifact(sp: Path, rekor: FakeRekor, trusted_root: Path) -> None:
    art = sp / "bundle.txt"
    proc = cli(
        "--trusted-root", trusted_root, "verify", "identity", *CLI_IDENTITY, "--certificate",
        f"{art}.crt", "--signature", f"{art}.sig", sp / "a.txt",
    )  # fmt: skip
    assert proc.returncode == 1
    assert (
        f"FAIL: {sp / 'a.txt'}: verification failed at transparency log entry step" in proc.stderr
    )
    assert "has no entry for this artifact" in proc.stderr


@pytest.mark.parametrize("name", ["a.txt", "b.txt", "c.txt", "bad.txt", "offline-rekor.txt"])
def test_cli_offline_without_an_entry(sp: Path, name: str) -> None:
    art = sp / name
    proc = cli(
        "--staging", "verify", "identity", *CLI_IDENTITY, "--offline", "--cert", f"{art}.crt", art
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    stderr = offline_stderr(proc.stderr)
    assert f"FAIL: {art}: --offline needs the transparency log entry" in stderr
    assert "--rekor-bundle" in stderr


def test_cli_missing_material(sp: Path, tmp_path: Path) -> None:
    art = tmp_path / "x.txt"
    art.write_bytes(b"x")
    proc = cli(
        "--staging", "verify", "identity", "--offline", *CLI_IDENTITY, "--signature",
        sp / "a.txt.sig", art,
    )  # fmt: skip
    assert proc.returncode == 1
    assert f"missing certificate {art}.crt (pass --certificate)" in offline_stderr(proc.stderr)


@pytest.mark.parametrize(
    "args",
    [
        ["--cert", "c", "--bundle", "b", "f"],
        ["--cert", "c", "f", "g"],
        ["--rekor-bundle", "r", "f", "g"],
        ["--cert", "c", "sha256:" + "00" * 32],
    ],
)
def test_cli_usage_errors(args: list[str]) -> None:
    proc = cli("verify", "identity", *CLI_IDENTITY, *args)
    assert proc.returncode == 2, proc.stderr
    assert "error" in proc.stderr


def test_cli_digest_input(sp: Path, tmp_path: Path) -> None:
    art = sp / "bundle.txt"
    _, entry = api_entry(sp / "bundle.txt.sigstore")
    rb = tmp_path / "entry.json"
    rb.write_text(json.dumps(entry))
    digest = "sha256:" + hashlib.sha256(art.read_bytes()).hexdigest()
    proc = cli(
        "--staging", "verify", "identity", *CLI_IDENTITY, "--offline", "--rekor-bundle", rb,
        "--certificate", f"{art}.crt", "--signature", f"{art}.sig", digest,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
