"""The local package index of ``sigstore_rs.testing``: PEP 503 HTML and PEP
691 JSON simple API with PEP 740 provenance, the integrity API, and the
legacy upload API driven by urllib and by real twine (6.2.0), with
attestations from ``sigstore-rs pypi sign`` and from pypi-attestations,
checked against the project's Trusted Publisher as PyPI checks them."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import pypi_attestations_trusting, run_module
from sigstore_rs.pep740 import GitHubPublisher
from sigstore_rs.testing import Instance

PROJECT = "Demo_Pkg"
REPOSITORY = "acme/demo"
WORKFLOW = "release.yml"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
INTEGRITY_TYPE = "application/vnd.pypi.integrity.v1+json"
API_TOKEN = "pypi-AgEIcHlwaS5vcmc-not-an-identity-token"
SERVICE_ACCOUNT = "release@acme.iam.gserviceaccount.com"


@pytest.fixture(scope="module")
def instance() -> Iterator[Instance]:
    with Instance.start() as inst:
        inst.add_trusted_publisher(
            PROJECT, GitHubPublisher(repository=REPOSITORY, workflow=WORKFLOW)
        )
        inst.add_trusted_publisher("other-pkg", f"github:{REPOSITORY}:other.yml")
        inst.add_trusted_publisher("env-pkg", f"github:{REPOSITORY}:{WORKFLOW}:pypi")
        inst.add_trusted_publisher("gl-pkg", "gitlab:acme/group/gl:ci/release.yml:prod")
        inst.add_trusted_publisher("gg-pkg", f"google:{SERVICE_ACCOUNT}")
        inst.add_trusted_publisher("cci-pkg", "circleci:proj-1:def-1")
        inst.add_trusted_publisher("reuse-pkg", f"github:{REPOSITORY}:publish.yml")
        yield inst


@pytest.fixture(scope="module")
def config(instance: Instance, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return instance.write_trust_config(tmp_path_factory.mktemp("index") / "trust_config.json")


def sdist(directory: Path, version: str, name: str = PROJECT) -> Path:
    """A small sdist whose PKG-INFO twine reads; unique content per call."""
    base = f"{name.lower()}-{version}"
    path = directory / f"{base}.tar.gz"
    pkg_info = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    with tarfile.open(path, "w:gz") as tar:
        for member, data in [
            (f"{base}/PKG-INFO", pkg_info),
            (f"{base}/nonce.txt", uuid.uuid4().hex.encode()),
        ]:
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def subdir(parent: Path, name: str) -> Path:
    path = parent / name
    path.mkdir()
    return path


def get(url: str, accept: str | None = None) -> tuple[int, str, bytes]:
    """(status, Content-Type, body) of a GET."""
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.headers["Content-Type"], r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], e.read()


def project_json(instance: Instance, project: str = "demo-pkg") -> dict[str, Any]:
    status, ctype, body = get(f"{instance.index_url}{project}/", JSON_TYPE)
    assert (status, ctype) == (200, JSON_TYPE), body
    doc: dict[str, Any] = json.loads(body)
    return doc


def files(instance: Instance) -> dict[str, dict[str, Any]]:
    """The project's files by name (empty before its first upload)."""
    status, _, _ = get(f"{instance.index_url}demo-pkg/", JSON_TYPE)
    if status == 404:
        return {}
    return {f["filename"]: f for f in project_json(instance)["files"]}


def upload(instance: Instance, password: str, dist: Path, **fields: str) -> tuple[int, str]:
    """A legacy-API upload through urllib: (status, reason phrase)."""
    version = dist.name[: -len(".tar.gz")].rsplit("-", 1)[1]
    data = dist.read_bytes()
    form = {
        ":action": "file_upload",
        "protocol_version": "1",
        "metadata_version": "2.1",
        "name": PROJECT,
        "version": version,
        "filetype": "sdist",
        "pyversion": "source",
        "sha256_digest": hashlib.sha256(data).hexdigest(),
        **fields,
    }
    boundary = uuid.uuid4().hex
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in form.items()
    )
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; '
        f'filename="{dist.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    auth = base64.b64encode(f"__token__:{password}".encode()).decode()
    request = urllib.request.Request(
        instance.upload_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Authorization": f"Basic {auth}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, r.reason
    except urllib.error.HTTPError as e:
        return e.code, e.reason


def twine(
    instance: Instance, password: str, *paths: Path, attestations: bool = True
) -> subprocess.CompletedProcess[str]:
    """``twine upload [--attestations]`` to the index; no config file, no
    keyring, no colours, no line wrapping."""
    home = paths[0].parent / "home"
    home.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "HOME": str(home),
        "TWINE_NON_INTERACTIVE": "1",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "COLUMNS": "1000",
    }
    env.pop("TWINE_PASSWORD", None)
    env.pop("TWINE_USERNAME", None)
    env.pop("TWINE_REPOSITORY_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "twine", "--no-color", "upload", "--disable-progress-bar",
         *(["--attestations"] if attestations else []),
         "--repository-url", instance.upload_url, "-u", "__token__", "-p", password,
         *map(str, paths)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def test_api_token_upload_is_served_without_provenance(instance: Instance, tmp_path: Path) -> None:
    dist = sdist(tmp_path, "0.1")
    assert upload(instance, API_TOKEN, dist) == (200, "OK")
    digest = hashlib.sha256(dist.read_bytes()).hexdigest()
    doc = project_json(instance)
    assert doc["meta"]["api-version"] == "1.3"
    entry = files(instance)[dist.name]
    assert entry["hashes"] == {"sha256": digest}
    assert entry["provenance"] is None
    assert entry["size"] == dist.stat().st_size
    assert get(entry["url"])[2] == dist.read_bytes()
    status, ctype, html = get(f"{instance.index_url}demo-pkg/")
    assert (status, ctype) == (200, "text/html; charset=utf-8")
    line = next(x for x in html.decode().splitlines() if dist.name in x)
    assert f"#sha256={digest}" in line
    assert "data-provenance" not in line
    status, ctype, _ = get(f"{instance.index_url}demo-pkg/", "application/vnd.pypi.simple.v1+html")
    assert (status, ctype) == (200, "application/vnd.pypi.simple.v1+html")
    integrity = (
        f"{instance.index_url.removesuffix('/simple/')}/integrity/demo-pkg/0.1/{dist.name}"
        "/provenance"
    )
    assert get(integrity)[0] == 404
    # The project list; a name that is not normalized redirects to the one that is.
    projects = json.loads(get(instance.index_url, JSON_TYPE)[2])["projects"]
    assert {"name": PROJECT} in projects
    status, _, body = get(f"{instance.index_url}DEMO.pkg/", JSON_TYPE)
    assert status == 200
    assert json.loads(body)["name"] == PROJECT
    assert get(instance.index_url, "application/json")[0] == 406


def test_refused_uploads_store_nothing(instance: Instance, tmp_path: Path) -> None:
    dist = sdist(tmp_path, "0.2")
    before = files(instance)
    cases = [
        ({"sha256_digest": "0" * 64}, "The digest supplied does not match"),
        ({"version": "0.3"}, 'is not for version "0.3"'),
        ({"name": "other-pkg"}, 'is not for project "other-pkg"'),
        ({":action": "submit"}, "Unknown action"),
        ({"attestations": "[]"}, "Attestations are only supported when using Trusted Publishing"),
    ]
    for fields, message in cases:
        status, reason = upload(instance, API_TOKEN, dist, **fields)
        assert status == 400, (fields, reason)
        assert message in reason, (fields, reason)
    # A token of the instance for nobody the project trusts.
    status, reason = upload(instance, instance.token("mallory@example.com"), dist)
    assert status == 403
    assert f'is not a Trusted Publisher of project "{PROJECT}"' in reason
    assert files(instance) == before
    # A file name is used once.
    assert upload(instance, API_TOKEN, dist)[0] == 200
    again = sdist(subdir(tmp_path, "again"), "0.2")
    status, reason = upload(instance, API_TOKEN, again)
    assert status == 400
    assert reason.startswith(f'File already exists ("{dist.name}"')


def test_twine_uploads_without_attestations(instance: Instance, tmp_path: Path) -> None:
    dist = sdist(tmp_path, "0.4")
    done = twine(instance, API_TOKEN, dist, attestations=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert files(instance)[dist.name]["provenance"] is None
    # twine shows the index's reason for a refusal.
    again = sdist(subdir(tmp_path, "again"), "0.4")
    refused = twine(instance, API_TOKEN, again, attestations=False)
    assert refused.returncode == 1
    assert "File already exists" in refused.stderr + refused.stdout


def test_serve_writes_index_json(tmp_path: Path) -> None:
    bad = run_module(
        "sigstore_rs", "testing", "serve", "--dir", tmp_path / "bad", "--index",
        "--trusted-publisher", "demo=bitbucket:acme/demo",
    )  # fmt: skip
    assert bad.returncode == 2
    assert "--trusted-publisher" in bad.stderr
    assert "expected github:OWNER/REPO:WORKFLOW[:ENV]" in bad.stderr
    directory = tmp_path / "serve"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sigstore_rs", "testing", "serve", "--dir", str(directory),
         "--index", "--trusted-publisher", f"demo=github:{REPOSITORY}:{WORKFLOW}:pypi",
         "--trusted-publisher", "demo=gitlab:acme/demo:ci/release.yml",
         "--trusted-publisher", "demo=google:release@acme.iam.gserviceaccount.com"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (directory / "index.json").exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no index.json within 60 s"
            time.sleep(0.1)
        urls = json.loads((directory / "index.json").read_text())
        assert set(urls) == {"simple", "upload"}
        assert urls["simple"].endswith("/simple/")
        assert urls["upload"].endswith("/legacy/")
        assert get(urls["simple"], JSON_TYPE)[0] == 200
        assert (directory / "trust_config.json").exists()
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


# Uploads through a Trusted Publisher: the password is a GitHub-shaped
# identity token minted by the instance, as a release job on GitHub Actions
# gets one.


def github_token(instance: Instance, workflow: str = WORKFLOW, repository: str = REPOSITORY) -> str:
    return instance.github_token(repository, workflow)


def pypi_sign(config: Path, token: str, dist: Path) -> Path:
    """``sigstore-rs pypi sign``: writes and returns DIST.publish.attestation."""
    done = run_module(
        "sigstore_rs", "--trust-config", config, "pypi", "sign", "--identity-token", token, dist
    )
    assert done.returncode == 0, done.stderr
    return dist.with_name(f"{dist.name}.publish.attestation")


def integrity_url(instance: Instance, version: str, dist: Path) -> str:
    base = instance.index_url.removesuffix("/simple/")
    return f"{base}/integrity/demo-pkg/{version}/{dist.name}/provenance"


def test_twine_attested_upload_serves_verifiable_provenance(
    instance: Instance, config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = sdist(tmp_path, "1.0")
    token = github_token(instance)
    attestation = pypi_sign(config, token, dist)
    done = twine(instance, token, dist, attestation)
    assert done.returncode == 0, done.stdout + done.stderr

    # PEP 691 JSON: `provenance` is the integrity API's URL.
    entry = files(instance)[dist.name]
    assert entry["provenance"] == integrity_url(instance, "1.0", dist)
    # PEP 503 HTML: `data-provenance` names the same URL.
    html = get(f"{instance.index_url}demo-pkg/")[2].decode()
    line = next(x for x in html.splitlines() if dist.name in x)
    assert f'data-provenance="{entry["provenance"]}"' in line
    # The integrity API serves the provenance object.
    status, ctype, body = get(entry["provenance"])
    assert (status, ctype) == (200, INTEGRITY_TYPE)
    provenance = json.loads(body)
    assert provenance["version"] == 1
    [bundle] = provenance["attestation_bundles"]
    assert bundle["publisher"] == {
        "kind": "GitHub",
        "repository": REPOSITORY,
        "workflow": WORKFLOW,
        "environment": None,
    }
    assert bundle["attestations"] == [json.loads(attestation.read_text())]
    served = tmp_path / "served.provenance"
    served.write_bytes(body)

    # Our CLI verifies it against the publisher the user expects.
    ok = run_module(
        "sigstore_rs", "--trust-config", config, "pypi", "verify", "--repository", REPOSITORY,
        "--workflow", WORKFLOW, "--provenance", served, dist,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    wrong = run_module(
        "sigstore_rs", "--trust-config", config, "pypi", "verify", "--repository", REPOSITORY,
        "--workflow", "other.yml", "--provenance", served, dist,
    )  # fmt: skip
    assert wrong.returncode == 1

    # pypi-attestations verifies each attestation against its bundle's publisher.
    import pypi_attestations as pa

    pypi_attestations_trusting(config, monkeypatch)
    ref = pa.Provenance.model_validate_json(body)
    for b in ref.attestation_bundles:
        for a in b.attestations:
            ptype, _ = a.verify(b.publisher, pa.Distribution.from_file(dist))
            assert ptype == "https://docs.pypi.org/attestations/publish/v1"


def test_twine_uploads_pypi_attestations_signatures(
    instance: Instance, config: Path, tmp_path: Path
) -> None:
    import pypi_attestations as pa
    from sigstore.models import ClientTrustConfig
    from sigstore.oidc import IdentityToken
    from sigstore.sign import SigningContext

    dist = sdist(tmp_path, "1.1")
    token = github_token(instance)
    context = SigningContext.from_trust_config(ClientTrustConfig.from_json(config.read_text()))
    with context.signer(IdentityToken(token)) as signer:
        attestation = pa.Attestation.sign(signer, pa.Distribution.from_file(dist))
    path = dist.with_name(f"{dist.name}.publish.attestation")
    path.write_text(attestation.model_dump_json())
    done = twine(instance, token, dist, path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert files(instance)[dist.name]["provenance"] == integrity_url(instance, "1.1", dist)


def custom_predicate(config: Path, token: str, dist: Path) -> Path:
    """An attestation of ``dist`` with a predicate type PyPI does not accept."""
    from sigstore_rs.pep740 import Attestation
    from sigstore_rs.sign import IdentityToken, SigningContext, in_toto_statement

    digest = hashlib.sha256(dist.read_bytes()).hexdigest()
    statement = in_toto_statement(
        [(dist.name, f"sha256:{digest}")], "https://example.com/custom/v1", {}
    )
    signer = SigningContext.from_trust_config(config).signer(IdentityToken(token))
    path = dist.with_name(f"{dist.name}.custom.attestation")
    path.write_text(Attestation.from_bundle(signer.sign_dsse(statement)).model_dump_json())
    return path


BAD_INPUTS = [
    "malformed",
    "too-many",
    "same-predicate-twice",
    "wrong-publisher",
    "other-file",
    "unsupported-predicate",
]


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_twine_bad_attestations_are_refused(
    instance: Instance, config: Path, tmp_path: Path, case: str
) -> None:
    dist = sdist(tmp_path, "2.0")
    token = github_token(instance)
    good = pypi_sign(config, token, dist)
    extra = dist.with_name(f"{dist.name}.extra.attestation")
    extra2 = dist.with_name(f"{dist.name}.third.attestation")
    if case == "malformed":
        good.write_text(json.dumps({"version": 1, "envelope": {}}))
        attestations, message = [good], "Malformed attestations: attestations[0]"
    elif case == "too-many":
        extra.write_text(good.read_text())
        extra2.write_text(good.read_text())
        attestations = [good, extra, extra2]
        message = "A maximum of 2 attestations per file are supported, got 3"
    elif case == "same-predicate-twice":
        extra.write_text(good.read_text())
        attestations = [good, extra]
        message = "Multiple attestations for the same file with the same predicate type"
    elif case == "wrong-publisher":
        pypi_sign(config, github_token(instance, "other.yml"), dist)
        attestations = [good]
        message = (
            "does not match the Trusted Publisher (GitHub repository acme/demo, "
            "workflow release.yml)"
        )
    elif case == "other-file":
        other = sdist(subdir(tmp_path, "other"), "2.0")
        pypi_sign(config, token, other).replace(good)
        attestations = [good]
        message = "Could not verify the uploaded artifact using the included attestation"
    else:
        attestations = [custom_predicate(config, token, dist)]
        message = "Attestation with unsupported predicate type: https://example.com/custom/v1"
    before = files(instance)
    done = twine(instance, token, dist, *attestations)
    assert done.returncode == 1, done.stdout
    output = done.stdout + done.stderr
    assert "400 Bad Request" in output, output
    assert "Invalid attestations supplied during upload: " in output, output
    assert message in output, output
    assert files(instance) == before


def test_token_for_another_publisher_is_forbidden(
    instance: Instance, config: Path, tmp_path: Path
) -> None:
    dist = sdist(tmp_path, "3.0")
    before = files(instance)
    token = github_token(instance, "other.yml")
    done = twine(instance, token, dist, pypi_sign(config, token, dist))
    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "403 Forbidden" in output, output
    # twine sends the name as packaging's safe_name.
    assert 'The identity token is not a Trusted Publisher of project "Demo-Pkg"' in output
    assert (
        'the job_workflow_ref claim is "acme/demo/.github/workflows/other.yml@refs/heads/main", '
        'expected one of ["acme/demo/.github/workflows/release.yml@refs/heads/main"'
    ) in output, output
    assert files(instance) == before


@pytest.mark.parametrize("kind", ["github-environment", "gitlab", "google"])
def test_twine_attested_uploads_of_other_publishers(
    instance: Instance, config: Path, tmp_path: Path, kind: str
) -> None:
    publisher: dict[str, str]
    if kind == "github-environment":
        name = "env_pkg"
        token = instance.github_token(REPOSITORY, WORKFLOW, environment="pypi")
        publisher = {"kind": "GitHub", "repository": REPOSITORY, "workflow": WORKFLOW}
        publisher["environment"] = "pypi"
    elif kind == "gitlab":
        name = "gl_pkg"
        token = instance.gitlab_token("acme/group/gl", "ci/release.yml", environment="prod")
        publisher = {"kind": "GitLab", "repository": "acme/group/gl"}
        publisher.update(workflow_filepath="ci/release.yml", environment="prod")
    else:
        name = "gg_pkg"
        token = instance.google_token(SERVICE_ACCOUNT)
        publisher = {"kind": "Google", "email": SERVICE_ACCOUNT}
    dist = sdist(tmp_path, "1.0", name=name)
    done = twine(instance, token, dist, pypi_sign(config, token, dist))
    assert done.returncode == 0, done.stdout + done.stderr
    [entry] = project_json(instance, name.replace("_", "-"))["files"]
    status, _, body = get(entry["provenance"])
    assert status == 200
    [bundle] = json.loads(body)["attestation_bundles"]
    assert bundle["publisher"] == publisher


def test_reusable_workflow_token_is_matched_by_job_workflow_ref(
    instance: Instance, tmp_path: Path
) -> None:
    """The job ran ``publish.yml`` (reusable), called by ``release.yml``: PyPI
    matches the publisher against ``job_workflow_ref``, the reusable one."""
    reusable = f"{REPOSITORY}/.github/workflows/publish.yml@refs/heads/main"
    token = instance.github_token(REPOSITORY, WORKFLOW, claims={"job_workflow_ref": reusable})
    status, reason = upload(instance, token, sdist(tmp_path, "4.0"))
    assert status == 403
    assert f'the job_workflow_ref claim is "{reusable}"' in reason
    assert "the job ran the reusable workflow" in reason
    assert "called by" in reason


def test_twine_attest_then_twine_upload(instance: Instance, config: Path, tmp_path: Path) -> None:
    """The whole twine path: ``twine attest dist/*`` (our twine command),
    then ``twine upload --attestations dist/*``; the provenance it stores
    verifies with our CLI."""
    dist_dir = tmp_path / "dist"
    dist_dir.mkdir()
    dist = sdist(dist_dir, "4.0")
    token = github_token(instance)
    attested = subprocess.run(
        [sys.executable, "-m", "twine", "attest", "--trust-config", str(config),
         "--identity-token", token, *map(str, dist_dir.iterdir())],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert attested.returncode == 0, attested.stderr
    done = twine(instance, token, *sorted(dist_dir.iterdir()))
    assert done.returncode == 0, done.stdout + done.stderr
    status, _, body = get(integrity_url(instance, "4.0", dist))
    assert status == 200
    served = tmp_path / "served.provenance"
    served.write_bytes(body)
    ok = run_module(
        "sigstore_rs", "--trust-config", config, "pypi", "verify", "--repository", REPOSITORY,
        "--workflow", WORKFLOW, "--provenance", served, dist,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "GitHub repository acme/demo, workflow release.yml" in ok.stdout


def test_twine_circleci_attestations_are_refused_but_the_upload_is_not(
    instance: Instance, config: Path, tmp_path: Path
) -> None:
    """PyPI takes uploads from CircleCI Trusted Publishers but has no
    attestation identity for them: an attested upload is refused (400, its
    message, nothing stored); the same file without attestations goes in."""
    token = instance.circleci_token("proj-1", "def-1")
    dist = sdist(tmp_path, "1.0", name="cci_pkg")
    refused = twine(instance, token, dist, pypi_sign(config, token, dist))
    assert refused.returncode == 1
    assert "Attestations are not currently supported with CircleCI publishers" in (
        refused.stdout + refused.stderr
    )
    assert get(f"{instance.index_url}cci-pkg/", JSON_TYPE)[0] == 404
    plain = twine(instance, token, dist, attestations=False)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    [entry] = project_json(instance, "cci-pkg")["files"]
    assert entry["provenance"] is None


def test_twine_attestations_from_a_reusable_workflow_get_the_hint(
    instance: Instance, config: Path, tmp_path: Path
) -> None:
    """The case that confuses users on PyPI: ``release.yml`` calls the
    reusable ``publish.yml`` of the same repository, and the Trusted
    Publisher names ``publish.yml`` (the upload token follows
    ``job_workflow_ref``). The upload is allowed; its attestations name the
    calling workflow and are refused, with what to do about it."""
    reusable = f"{REPOSITORY}/.github/workflows/publish.yml@refs/heads/main"
    token = instance.github_token(REPOSITORY, WORKFLOW, claims={"job_workflow_ref": reusable})
    dist = sdist(tmp_path, "1.0", name="reuse_pkg")
    refused = twine(instance, token, dist, pypi_sign(config, token, dist))
    assert refused.returncode == 1
    out = " ".join((refused.stdout + refused.stderr).split())
    assert "Invalid attestations supplied during upload" in out
    assert "Build Config URI" in out
    assert "the certificate comes from the reusable workflow" in out
    assert "sign and upload in a job of release.yml itself" in out
    assert get(f"{instance.index_url}reuse-pkg/", JSON_TYPE)[0] == 404
