"""Fetching from an index and verifying (``sigstore_rs.index``, ``sigstore-rs
pypi verify NAME==VERSION`` and ``--from-index``) against the local index,
with real twine uploads attested by ``sigstore-rs pypi sign``.

Faults the local index never makes (malformed provenance, provenance for
another file, a swapped file) come from a fault-injecting front on
127.0.0.1 that forwards everything else to the index."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import IndexProxy, run_module
from sigstore_rs import errors
from sigstore_rs.index import FileCheck, IndexClient, IndexFile, verify_provenance
from sigstore_rs.pep740 import Distribution, GitHubPublisher, Provenance
from sigstore_rs.testing import Instance
from sigstore_rs.verify import Verifier
from test_index import API_TOKEN, pypi_sign, sdist, subdir, twine

PROJECT = "Fetch_Pkg"
NORMALIZED = "fetch-pkg"
REPOSITORY = "acme/fetch"
WORKFLOW = "release.yml"
PUBLISHER = GitHubPublisher(repository=REPOSITORY, workflow=WORKFLOW)


@pytest.fixture(scope="module")
def instance() -> Iterator[Instance]:
    with Instance.start() as inst:
        inst.add_trusted_publisher(PROJECT, PUBLISHER)
        inst.add_trusted_publisher("env-fetch", f"github:{REPOSITORY}:{WORKFLOW}:pypi")
        yield inst


@pytest.fixture(scope="module")
def released(instance: Instance, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Attested uploads: 1.0 and 2.0 of PROJECT, 1.0 of env-fetch (GitHub
    environment ``pypi``), and 3.0 of PROJECT uploaded without attestations."""
    tmp = tmp_path_factory.mktemp("fetch")
    config = instance.write_trust_config(tmp / "trust_config.json")
    out = {"config": config}
    token = instance.github_token(REPOSITORY, WORKFLOW)
    for version in ("1.0", "2.0"):
        dist = sdist(subdir(tmp, version), version, PROJECT)
        done = twine(instance, token, dist, pypi_sign(config, token, dist))
        assert done.returncode == 0, done.stdout + done.stderr
        out[version] = dist
    env_token = instance.github_token(REPOSITORY, WORKFLOW, environment="pypi")
    dist = sdist(subdir(tmp, "env"), "1.0", "env-fetch")
    done = twine(instance, env_token, dist, pypi_sign(config, env_token, dist))
    assert done.returncode == 0, done.stdout + done.stderr
    out["env"] = dist
    bare = sdist(subdir(tmp, "3.0"), "3.0", PROJECT)
    done = twine(instance, API_TOKEN, bare, attestations=False)
    assert done.returncode == 0, done.stdout + done.stderr
    out["3.0"] = bare
    return out


@pytest.fixture
def front(instance: Instance) -> Iterator[IndexProxy]:
    f = IndexProxy(instance.index_url.removesuffix("/simple/"))
    yield f
    f.close()


def verify(config: Path, *args: object, index_url: str | None = None) -> tuple[int, str, str]:
    done = run_module(
        "sigstore_rs", "--trust-config", config, "pypi", "verify",
        *(["--index-url", index_url] if index_url else []), *args,
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


PINNED = ("--repository", REPOSITORY, "--workflow", WORKFLOW)


def test_release_verifies_against_the_pinned_publisher(
    instance: Instance, released: dict[str, Path]
) -> None:
    code, out, err = verify(
        released["config"],
        *PINNED,
        f"{PROJECT}==1.0",
        f"{NORMALIZED}==2",
        index_url=instance.index_url,
    )
    assert code == 0, err
    for version in ("1.0", "2.0"):
        assert f"OK: {released[version].name}\n" in out
    assert out.count(f"  publisher: GitHub repository {REPOSITORY}, workflow {WORKFLOW}\n") == 2
    assert "trusted on first use" not in out


def test_trust_on_first_use_prints_the_publisher(
    instance: Instance, released: dict[str, Path]
) -> None:
    code, out, err = verify(
        released["config"], "--trust-on-first-use", "env-fetch==1.0", index_url=instance.index_url
    )
    assert code == 0, err
    assert out == (
        f"OK: {released['env'].name}\n  publisher: GitHub repository {REPOSITORY}, "
        f"workflow {WORKFLOW}, environment pypi (trusted on first use)\n"
    )
    # No publisher and no --trust-on-first-use: a usage error.
    code, _, err = verify(released["config"], "env-fetch==1.0", index_url=instance.index_url)
    assert code == 2
    assert "name the publisher you expect" in err


def test_from_index_checks_a_url_and_a_local_file(
    instance: Instance, released: dict[str, Path]
) -> None:
    base = instance.index_url.removesuffix("/simple/")
    url = f"{base}/files/{released['1.0'].name}"
    code, out, err = verify(
        released["config"], *PINNED, "--from-index", url, released["2.0"],
        index_url=instance.index_url,
    )  # fmt: skip
    assert code == 0, err
    assert f"OK: {released['1.0'].name}" in out
    assert f"OK: {released['2.0'].name}" in out
    # A local file that is not the one on the index.
    other = sdist(released["1.0"].parent.parent, "1.0", PROJECT)
    code, _, err = verify(
        released["config"], *PINNED, "--from-index", other, index_url=instance.index_url
    )
    assert code == 1
    assert err.startswith(f"FAIL: {NORMALIZED.replace('-', '_')}: {other.name}: its sha256 is ")
    assert "but the index gives" in err


def test_a_different_publisher_is_named_by_its_claim(
    instance: Instance, released: dict[str, Path]
) -> None:
    config = released["config"]
    code, out, err = verify(
        config, "--repository", REPOSITORY, "--workflow", "other.yml", f"{PROJECT}==1.0",
        index_url=instance.index_url,
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert err.strip().splitlines() == [
        f"FAIL: {PROJECT}==1.0: {released['1.0'].name}: the publisher differs: expected "
        f"workflow other.yml, the provenance names release.yml (expected publisher: GitHub "
        f"repository {REPOSITORY}, workflow other.yml; provenance: GitHub repository "
        f"{REPOSITORY}, workflow {WORKFLOW})"
    ]
    code, _, err = verify(config, *PINNED, "--environment", "prod", "env-fetch==1.0",
                          index_url=instance.index_url)  # fmt: skip
    assert code == 1
    assert "the publisher differs: expected environment prod, the provenance names pypi" in err
    code, _, err = verify(config, "--email", "x@acme.iam.gserviceaccount.com", f"{PROJECT}==1.0",
                          index_url=instance.index_url)  # fmt: skip
    assert code == 1
    assert "the publisher differs: expected kind Google, the provenance names GitHub" in err


def test_missing_provenance_and_release(instance: Instance, released: dict[str, Path]) -> None:
    config = released["config"]
    code, _, err = verify(config, *PINNED, f"{PROJECT}==3.0", index_url=instance.index_url)
    assert code == 1
    assert err.startswith(
        f"FAIL: {PROJECT}==3.0: {released['3.0'].name}: the index has no provenance for it ("
    )
    assert "answered 404" in err
    code, _, err = verify(config, *PINNED, f"{PROJECT}==9.0", index_url=instance.index_url)
    assert code == 1
    assert err.startswith(f"FAIL: {PROJECT}==9.0: {PROJECT}==9.0: the index lists no file")
    code, _, err = verify(config, *PINNED, "no-such-project==1", index_url=instance.index_url)
    assert code == 1
    assert "no-such-project: no such project on the index" in err


def test_an_unreachable_index(released: dict[str, Path]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _, err = verify(
        released["config"], *PINNED, f"{PROJECT}==1.0", index_url=f"http://127.0.0.1:{port}/simple/"
    )
    assert code == 1
    assert err.startswith(f"FAIL: {PROJECT}==1.0: {PROJECT}: the index could not be reached:")
    assert len(err.strip().splitlines()) == 1


def integrity_path(dist: Path, version: str) -> str:
    return f"/integrity/{NORMALIZED}/{version}/{dist.name}/provenance"


def test_faults_of_a_front_that_tampers(
    instance: Instance, released: dict[str, Path], front: IndexProxy
) -> None:
    config, one, two = released["config"], released["1.0"], released["2.0"]
    index_url = f"{front.url}/simple/"
    assert verify(config, *PINNED, f"{PROJECT}==1.0", index_url=index_url)[0] == 0

    # Malformed provenance.
    front.overrides[integrity_path(one, "1.0")] = (200, b'{"attestation_bundles": "x"}')
    code, _, err = verify(config, *PINNED, f"{PROJECT}==1.0", index_url=index_url)
    assert code == 1
    assert (
        f"{one.name}: the provenance at {front.url}{integrity_path(one, '1.0')} is malformed" in err
    )

    # Provenance for another file (2.0's, same publisher).
    base = instance.index_url.removesuffix("/simple/")
    with urllib.request.urlopen(f"{base}{integrity_path(two, '2.0')}", timeout=30) as r:
        front.overrides[integrity_path(one, "1.0")] = (200, r.read())
    code, _, err = verify(config, *PINNED, f"{PROJECT}==1.0", index_url=index_url)
    assert code == 1
    assert err.startswith(
        f"FAIL: {PROJECT}==1.0: {one.name}: verification failed at attestation statement step: "
    )
    assert "subject does not match distribution name" in err
    del front.overrides[integrity_path(one, "1.0")]

    # A swapped file.
    front.overrides[f"/files/{one.name}"] = (200, two.read_bytes())
    code, _, err = verify(config, *PINNED, f"{PROJECT}==1.0", index_url=index_url)
    assert code == 1
    assert err.startswith(f"FAIL: {PROJECT}==1.0: {one.name}: its sha256 is ")
    assert "but the index gives" in err


def test_python_api(instance: Instance, released: dict[str, Path], tmp_path: Path) -> None:
    verifier = Verifier.from_trust_config(released["config"])
    client = IndexClient(instance.index_url)
    page = client.project(PROJECT)
    assert page.name.lower().replace("_", "-") == NORMALIZED
    assert [f.filename for f in page.release("1")] == [released["1.0"].name]
    [one] = client.release(PROJECT, "1.0")
    assert isinstance(one, IndexFile)
    assert one.version == "1.0"
    assert one.provenance_url == client.provenance_url(one)
    assert client.download(one) == released["1.0"].read_bytes()
    with pytest.raises(errors.HashMismatchError, match="but the caller gives"):
        client.download(one, "00" * 32)
    [bare] = client.release(PROJECT, "3.0")
    assert client.provenance(bare) is None
    provenance = client.provenance(one)
    assert isinstance(provenance, Provenance)

    # A pinned publisher, the file saved only once verified.
    [result] = client.verify([FileCheck(one, PUBLISHER)], verifier=verifier, dest_dir=tmp_path)
    assert result.ok
    assert result.verified is not None
    assert result.verified.publisher == PUBLISHER
    assert not result.verified.trusted_on_first_use
    assert result.verified.predicates[0][0] == "https://docs.pypi.org/attestations/publish/v1"
    assert Path(result.verified.path or "").read_bytes() == released["1.0"].read_bytes()

    # Trust on first use only when asked for.
    with pytest.raises(errors.InvalidInput, match="trust_on_first_use=True"):
        client.verify([FileCheck(one)], verifier=verifier)
    [tofu, no_prov, pinned_hash] = client.verify(
        [
            FileCheck(one),
            FileCheck(bare, PUBLISHER),
            FileCheck(one, sha256="11" * 32, sha256_source="the lock file"),
        ],
        verifier=verifier,
        trust_on_first_use=True,
    )
    assert tofu.verified is not None
    assert tofu.verified.trusted_on_first_use
    assert isinstance(no_prov.error, errors.NoProvenanceError)
    assert isinstance(pinned_hash.error, errors.HashMismatchError)
    assert "but the lock file gives " + "11" * 32 in str(pinned_hash.error)
    # Without provenance allowed: hashed, no publisher.
    [r] = client.verify([FileCheck(bare, PUBLISHER)], verifier=verifier, require_provenance=False)
    assert r.verified is not None
    assert r.verified.publisher is None

    # The same checks on a provenance object already at hand.
    dist = Distribution.from_file(released["1.0"])
    publisher, predicates = verify_provenance(dist, provenance, PUBLISHER, verifier=verifier)
    assert publisher == PUBLISHER
    assert len(predicates) == 1
    with pytest.raises(errors.PublisherMismatchError, match="expected repository acme/other"):
        verify_provenance(
            dist, provenance, GitHubPublisher(repository="acme/other", workflow=WORKFLOW),
            verifier=verifier,
        )  # fmt: skip
    with pytest.raises(errors.InvalidInput):
        verify_provenance(dist, provenance, verifier=verifier)

    # An unreachable index is a ConnectionError too.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(errors.IndexFetchError) as caught:
        IndexClient(f"http://127.0.0.1:{port}/simple/").project(PROJECT)
    assert isinstance(caught.value, ConnectionError)
    json.dumps(str(caught.value))


def test_pypi_attestations_cli_reads_provenance_through_the_core(
    instance: Instance, released: dict[str, Path], front: IndexProxy
) -> None:
    """``verify pypi --index-url``: the provenance comes from the index's
    integrity API through ``sigstore_rs.index`` (no provenance, a malformed
    one); an attested file gets as far as verification (against the public
    trust root, which this instance's certificates do not chain to)."""

    def pypi(dist: Path, index_url: str) -> tuple[int, str]:
        done = run_module(
            "sigstore_rs._pypi_attestations_cli", "verify", "pypi", "--repository",
            f"https://github.com/{REPOSITORY}", "--index-url", index_url, dist,
        )  # fmt: skip
        return done.returncode, done.stderr

    base = instance.index_url.removesuffix("/simple/")
    code, err = pypi(released["3.0"], base)
    assert code == 1
    assert f'Provenance for file "{released["3.0"].name}" was not found' in err
    front.overrides[integrity_path(released["1.0"], "1.0")] = (200, b"[]")
    code, err = pypi(released["1.0"], front.url)
    assert code == 1
    assert "Invalid provenance: " in err
    assert "is malformed" in err
    code, err = pypi(released["1.0"], base)
    assert code == 1
    assert f"Verification failed for {released['1.0'].name}" in err
