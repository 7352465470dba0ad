"""``sigstore-rs pip install`` with real pip (the venv's, 26.3) into fresh
virtual environments, and the ``dist-inspector`` pip plugin's hooks, against
the local package index only.

Small real-looking wheels (``NAME-VERSION.dist-info/{METADATA,WHEEL,RECORD}``,
``Requires-Dist`` for a dependency) are uploaded attested through real twine
by their projects' Trusted Publishers. Faults of the index are made by a
proxy on 127.0.0.1 in front of it that rewrites what it serves (a swapped
file with its hash, a provenance object that is missing, malformed or
another file's); each fault is refused with nothing installed.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
import urllib.error
import urllib.request
import venv
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import IndexProxy, Rewrite
from sigstore_rs.pep740 import Attestation, Distribution
from sigstore_rs.sign import SigningContext
from sigstore_rs.testing import Instance
from test_index import API_TOKEN, twine

OWNER = "acme"
WORKFLOW = "release.yml"
#: The projects and their Trusted Publishers' repositories; ``plain`` is
#: uploaded with an API token, so it has no provenance.
PUBLISHED = {
    "alpha": "acme/alpha",
    "beta": "acme/beta",
    "delta": "acme/delta",
    "gamma": "acme/gamma",
}


def spec(project: str, repository: str | None = None) -> str:
    return f"github:{repository or PUBLISHED[project]}:{WORKFLOW}"


def pins(*projects: str) -> list[str]:
    return [a for p in projects for a in ("--publisher", f"{p}={spec(p)}")]


def wheel_members(
    name: str, version: str, requires: tuple[str, ...] = (), code: str = ""
) -> dict[str, str]:
    """The members of a pure-Python wheel of one module ``NAME`` whose
    ``VALUE`` is ``code`` (default: the version), with a RECORD of real digests."""
    dist_info = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    members = {
        f"{name}/__init__.py": f"VALUE = {code or version!r}\n",
        f"{dist_info}/METADATA": metadata,
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: sigstore-rs-tests\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n"
        ),
    }

    def record_line(path: str, data: bytes) -> str:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        return f"{path},sha256={digest},{len(data)}\n"

    record = "".join(record_line(p, d.encode()) for p, d in members.items())
    members[f"{dist_info}/RECORD"] = record + f"{dist_info}/RECORD,,\n"
    return members


def wheel(
    directory: Path, name: str, version: str, requires: tuple[str, ...] = (), code: str = ""
) -> Path:
    """The wheel of :func:`wheel_members`, written to ``directory``."""
    path = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, text in wheel_members(name, version, requires, code).items():
            z.writestr(member, text)
    return path


def sdist(directory: Path, name: str, version: str) -> Path:
    """An sdist built by an in-tree PEP 517 backend with no build
    requirements (nothing to fetch into pip's isolated build environment):
    it writes the wheel of :func:`wheel_members`."""
    base = f"{name}-{version}"
    backend = (
        "import json, os, zipfile\n"
        f"MEMBERS = json.loads({json.dumps(json.dumps(wheel_members(name, version)))})\n"
        f"WHEEL = {base + '-py3-none-any.whl'!r}\n"
        "def get_requires_for_build_wheel(config_settings=None):\n"
        "    return []\n"
        "def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n"
        "    with zipfile.ZipFile(os.path.join(wheel_directory, WHEEL), 'w') as z:\n"
        "        for member, text in MEMBERS.items():\n"
        "            z.writestr(member, text)\n"
        "    return WHEEL\n"
    )
    members = {
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        "pyproject.toml": (
            '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
        ),
        "backend.py": backend,
    }
    path = directory / f"{base}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for member, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{base}/{member}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


class Index:
    """The local index with its projects uploaded, and what the tests need
    to reach it."""

    def __init__(self, instance: Instance, config: Path, dists: dict[str, Path]) -> None:
        self.instance = instance
        self.config = config
        self.dists = dists

    @property
    def url(self) -> str:
        return self.instance.index_url


def publish(instance: Instance, config: Path, repository: str, *dists: Path) -> None:
    """Signs ``dists`` as the GitHub workflow of ``repository`` and uploads
    them with real twine (``--attestations``)."""
    token = instance.github_token(repository, WORKFLOW)
    signer = SigningContext.from_trust_config(config).signer(token)
    paths = list(dists)
    for dist in dists:
        attestation = Attestation.sign(signer, Distribution.from_file(dist))
        path = dist.with_name(f"{dist.name}.publish.attestation")
        path.write_text(attestation.model_dump_json(), encoding="utf-8")
        paths.append(path)
    done = twine(instance, token, *paths)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    directory = tmp_path_factory.mktemp("pip-index")
    with Instance.start() as instance:
        config = instance.write_trust_config(directory / "trust_config.json")
        for project, repository in PUBLISHED.items():
            instance.add_trusted_publisher(project, spec(project, repository))
        dists = {
            "alpha": wheel(directory, "alpha", "1.0", ("beta>=1.0", "plain")),
            "beta": wheel(directory, "beta", "1.0"),
            "plain": wheel(directory, "plain", "1.0"),
            "delta1": wheel(directory, "delta", "1.0"),
            "alpha0.9": wheel(directory, "alpha", "0.9"),
        }
        publish(instance, config, PUBLISHED["alpha"], dists["alpha"], dists["alpha0.9"])
        publish(instance, config, PUBLISHED["beta"], dists["beta"])
        done = twine(instance, API_TOKEN, dists["plain"], attestations=False)
        assert done.returncode == 0, done.stdout + done.stderr
        publish(instance, config, PUBLISHED["delta"], dists["delta1"])
        # gamma has an sdist only.
        dists["gamma"] = sdist(directory, "gamma", "1.0")
        publish(instance, config, PUBLISHED["gamma"], dists["gamma"])
        # delta 2.0 comes from another repository: the project added a
        # second Trusted Publisher, as a takeover would.
        instance.add_trusted_publisher("delta", spec("delta", "mallory/delta"))
        dists["delta2"] = wheel(directory, "delta", "2.0")
        publish(instance, config, "mallory/delta", dists["delta2"])
        yield Index(instance, config, dists)


# A proxy in front of the index whose answers a test rewrites (helpers.IndexProxy).


@pytest.fixture
def proxy(index: Index) -> Iterator[IndexProxy]:
    p = IndexProxy(index.url.removesuffix("/simple/"))
    yield p
    p.close()


# Fresh environments and the command under test.


@pytest.fixture
def env_dir(tmp_path: Path) -> Path:
    """A fresh virtual environment without pip (the tests' pip installs
    into it through ``--python``)."""
    path = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(path)
    return path


def python_of(env: Path) -> Path:
    return env / "bin" / "python"


def installed(env: Path) -> set[str]:
    """The ``NAME-VERSION`` of every distribution installed in ``env``."""
    done = subprocess.run(
        [python_of(env), "-c",
         "import importlib.metadata as m; "
         "print('\\n'.join(f\"{d.metadata['Name']}-{d.version}\" for d in m.distributions()))"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return set(done.stdout.split())


def pip_env() -> dict[str, str]:
    """No user or site pip configuration, no cache, no version check."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_CACHE_DIR="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
    )
    return env


def pip_install(
    index: Index, env: Path, *args: str, index_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``sigstore-rs --trust-config C pip install --index-url URL ARGS --python ENV``."""
    return subprocess.run(
        [sys.executable, "-m", "sigstore_rs", "--trust-config", str(index.config), "pip",
         "install", "--index-url", index_url or index.url, *args, "--python",
         str(python_of(env))],
        capture_output=True, text=True, env=pip_env(), timeout=300,
    )  # fmt: skip


def site_packages_empty(env: Path) -> None:
    assert installed(env) == set()


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# Installs that pass.


def test_installs_verified_files_with_dependencies(index: Index, env_dir: Path) -> None:
    done = pip_install(index, env_dir, *pins("alpha", "beta"), "alpha")
    assert done.returncode == 0, done.stdout + done.stderr
    assert installed(env_dir) == {"alpha-1.0", "beta-1.0", "plain-1.0"}
    out = done.stdout
    assert "verified: alpha 1.0 (alpha-1.0-py3-none-any.whl): GitHub repository acme/alpha" in out
    assert "verified: beta 1.0 (beta-1.0-py3-none-any.whl): GitHub repository acme/beta" in out
    # The one file without provenance is warned about, and listed at the end.
    assert "warning: plain 1.0 (plain-1.0-py3-none-any.whl): no provenance" in done.stderr
    assert lines(done.stderr)[-1] == (
        "warning: installed without provenance: plain 1.0 (plain-1.0-py3-none-any.whl)"
    )
    value = subprocess.run(
        [python_of(env_dir), "-c", "import alpha, beta; print(alpha.VALUE, beta.VALUE)"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert value.stdout.split() == ["1.0", "1.0"]


def test_installs_a_verified_sdist(index: Index, env_dir: Path) -> None:
    done = pip_install(index, env_dir, *pins("gamma"), "gamma")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verified: gamma 1.0 (gamma-1.0.tar.gz): GitHub repository acme/gamma" in done.stdout
    assert installed(env_dir) == {"gamma-1.0"}


def test_pinned_old_release_installs(index: Index, env_dir: Path) -> None:
    done = pip_install(index, env_dir, *pins("delta"), "delta==1.0")
    assert done.returncode == 0, done.stdout + done.stderr
    assert installed(env_dir) == {"delta-1.0"}


def test_index_url_among_pip_arguments(index: Index, env_dir: Path) -> None:
    """pip's ``-i URL`` after the requirements is the index provenance comes from too."""
    done = subprocess.run(
        [sys.executable, "-m", "sigstore_rs", "--trust-config", str(index.config), "pip",
         "install", *pins("alpha", "beta"), "alpha", "--no-compile", "-i", index.url,
         "--python", str(python_of(env_dir))],
        capture_output=True, text=True, env=pip_env(), timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert installed(env_dir) == {"alpha-1.0", "beta-1.0", "plain-1.0"}


def test_trust_on_first_use_prints_each_publisher(index: Index, env_dir: Path) -> None:
    done = pip_install(index, env_dir, "--trust-on-first-use", "alpha")
    assert done.returncode == 0, done.stdout + done.stderr
    assert installed(env_dir) == {"alpha-1.0", "beta-1.0", "plain-1.0"}
    assert (
        "trusted on first use: alpha 1.0 (alpha-1.0-py3-none-any.whl): "
        "GitHub repository acme/alpha, workflow release.yml"
    ) in done.stdout
    assert f"pin it with --publisher beta={spec('beta')}" in done.stdout


def test_dry_run_verifies_and_installs_nothing(index: Index, env_dir: Path) -> None:
    done = pip_install(index, env_dir, *pins("alpha", "beta"), "--dry-run", "alpha")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verified: alpha 1.0" in done.stdout
    assert "3 files checked; --dry-run: nothing installed" in done.stdout
    site_packages_empty(env_dir)


# Refusals: one line naming the package and the reason, exit 1, nothing installed.


def refused(done: subprocess.CompletedProcess[str], env: Path, *expected: str) -> str:
    """The refusal line of ``done`` (which must hold every ``expected``)."""
    assert done.returncode == 1, done.stdout + done.stderr
    site_packages_empty(env)
    errors = [line for line in lines(done.stderr) if line.startswith("error: ")]
    assert len(errors) == 1, done.stderr
    for text in expected:
        assert text in errors[0], done.stderr
    assert lines(done.stderr)[-1].endswith("nothing installed"), done.stderr
    return errors[0]


def test_require_provenance_refuses_a_file_without(index: Index, env_dir: Path) -> None:
    done = pip_install(index, env_dir, *pins("alpha", "beta"), "--require-provenance", "alpha")
    refused(done, env_dir, "error: plain 1.0 (plain-1.0-py3-none-any.whl): ", "no provenance")


def test_unpinned_provenance_is_refused_naming_its_publisher(index: Index, env_dir: Path) -> None:
    done = pip_install(index, env_dir, *pins("alpha"), "alpha")
    refused(
        done, env_dir, "error: beta 1.0 (beta-1.0-py3-none-any.whl): ",
        "GitHub repository acme/beta, workflow release.yml",
        f"pin it with --publisher beta={spec('beta')}, or trust it on first use with "
        "--trust-on-first-use",
    )  # fmt: skip


def test_publisher_change_under_a_pin_is_refused(index: Index, env_dir: Path) -> None:
    done = pip_install(index, env_dir, *pins("delta"), "delta")
    refused(
        done, env_dir, "error: delta 2.0 (delta-2.0-py3-none-any.whl): ",
        "repository", "acme/delta", "mallory/delta",
    )  # fmt: skip


def test_pinned_project_without_provenance_is_refused(index: Index, env_dir: Path) -> None:
    done = pip_install(index, env_dir, "--publisher", f"plain={spec('alpha')}", "plain")
    refused(done, env_dir, "error: plain 1.0 (plain-1.0-py3-none-any.whl): ", "provenance")


def test_unreachable_index_installs_nothing(index: Index, env_dir: Path) -> None:
    with socket_closed() as url:
        done = pip_install(index, env_dir, *pins("alpha", "beta"), "alpha", index_url=url)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "pip could not resolve" in lines(done.stderr)[-1]
    site_packages_empty(env_dir)


class socket_closed:
    """The URL of a port nothing listens on."""

    def __enter__(self) -> str:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/simple/"

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def test_bad_publisher_spec_is_a_usage_error(index: Index, env_dir: Path) -> None:
    done = pip_install(index, env_dir, "--publisher", "alpha=github:acme:release.yml", "alpha")
    assert done.returncode == 2, done.stderr
    assert 'the GitHub repository "acme" is not OWNER/REPO' in done.stderr
    site_packages_empty(env_dir)


# Faults of the index, through the proxy.

ALPHA = "alpha-1.0-py3-none-any.whl"
ALPHA_PROVENANCE = f"/integrity/alpha/1.0/{ALPHA}/provenance"


def upstream(index: Index, path: str) -> bytes:
    with urllib.request.urlopen(index.url.removesuffix("/simple/") + path, timeout=30) as r:
        body: bytes = r.read()
    return body


def swap_alpha(index: Index, tmp_path: Path) -> Rewrite:
    """The index serves another alpha 1.0 wheel, and lists its hash."""
    evil_dir = tmp_path / "evil"
    evil_dir.mkdir()
    evil = wheel(evil_dir, "alpha", "1.0", ("beta>=1.0", "plain"), code="pwned").read_bytes()
    good = hashlib.sha256(index.dists["alpha"].read_bytes()).hexdigest().encode()
    bad = hashlib.sha256(evil).hexdigest().encode()

    def rewrite(path: str, body: bytes) -> bytes | None:
        if path == f"/files/{ALPHA}":
            return evil
        return body.replace(good, bad)

    return rewrite


def only(target: str, answer: Callable[[bytes], bytes | None]) -> Rewrite:
    return lambda path, body: answer(body) if path == target else body


FAULTS: dict[str, tuple[Callable[[Index, Path], Rewrite], tuple[str, ...]]] = {
    "swapped file": (swap_alpha, ("artifact digest step", "subject does not match")),
    "provenance 404": (lambda i, t: only(ALPHA_PROVENANCE, lambda b: None), ("404",)),
    "malformed provenance": (
        lambda i, t: only(ALPHA_PROVENANCE, lambda b: b'{"version": 1, "attestation_bundles": 7}'),
        ("provenance",),
    ),
    # The same publisher's provenance of alpha 0.9: only its subject differs.
    "provenance of another file": (
        lambda i, t: only(
            ALPHA_PROVENANCE,
            lambda b: upstream(i, "/integrity/alpha/0.9/alpha-0.9-py3-none-any.whl/provenance"),
        ),
        ("subject", "alpha-0.9-py3-none-any.whl"),
    ),
    "provenance unreachable": (
        lambda i, t: only(ALPHA_PROVENANCE, lambda b: IndexProxy.DROP),
        ("could not be reached",),
    ),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_index_faults_are_refused(
    index: Index, env_dir: Path, proxy: IndexProxy, tmp_path: Path, fault: str
) -> None:
    make, reasons = FAULTS[fault]
    proxy.rewrite = make(index, tmp_path)
    done = pip_install(index, env_dir, *pins("alpha", "beta"), "alpha", index_url=proxy.index_url)
    refused(done, env_dir, f"error: alpha 1.0 ({ALPHA}): ", *reasons)


def test_pip_installs_the_verified_copy(
    index: Index, env_dir: Path, proxy: IndexProxy, tmp_path: Path
) -> None:
    """Once the file has been downloaded for verification, the index serves
    another one: pip installs the copy that was verified, never fetching
    the file again (it would get the other one and refuse its hash)."""
    evil = swap_alpha(index, tmp_path)(f"/files/{ALPHA}", b"")
    verified = threading.Event()

    def rewrite(path: str, body: bytes) -> bytes | None:
        if path != f"/files/{ALPHA}":
            return body
        if not proxy.current.agent.startswith("pip/"):
            verified.set()
            return body
        return evil if verified.is_set() else body

    proxy.rewrite = rewrite
    done = pip_install(index, env_dir, *pins("alpha", "beta"), "alpha", index_url=proxy.index_url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert verified.is_set()
    value = subprocess.run(
        [python_of(env_dir), "-c", "import alpha; print(alpha.VALUE)"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert value.stdout.strip() == "1.0"
    # The check the test relies on: pip given the index's file now refuses it.
    again = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python_of(env_dir)), "install",
         "--force-reinstall", "--no-deps", "--index-url", proxy.index_url,
         f"alpha @ {proxy.url}/files/{ALPHA}#sha256={sha256_of(index.dists['alpha'])}"],
        capture_output=True, text=True, env=pip_env(), timeout=300,
    )  # fmt: skip
    assert again.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in again.stderr


def test_the_proxy_alone_changes_nothing(index: Index, env_dir: Path, proxy: IndexProxy) -> None:
    done = pip_install(index, env_dir, *pins("alpha", "beta"), "alpha", index_url=proxy.index_url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert installed(env_dir) == {"alpha-1.0", "beta-1.0", "plain-1.0"}


# The pieces that need no index.


def test_report_items_that_cannot_be_pinned_are_refused(tmp_path: Path) -> None:
    from sigstore_rs._pip import read_report
    from sigstore_rs.errors import Error

    def report(download_info: dict[str, object]) -> Path:
        item = {"metadata": {"name": "x", "version": "1"}, "download_info": download_info}
        path = tmp_path / "report.json"
        path.write_text(json.dumps({"version": "1", "install": [item]}))
        return path

    url = "https://example.invalid/x-1-py3-none-any.whl"
    digest = "ab" * 32
    (selected,) = read_report(report({"url": url, "archive_info": {"hash": f"sha256={digest}"}}))
    assert (selected.name, selected.filename) == ("x", "x-1-py3-none-any.whl")
    assert selected.sha256 == digest
    with pytest.raises(Error, match=r"^x 1: pip would install it from a local directory"):
        read_report(report({"url": "file:///src/x", "dir_info": {}}))
    with pytest.raises(Error, match=r"^x 1: pip would install it from a VCS checkout"):
        read_report(report({"url": "git+https://example.invalid/x", "vcs_info": {}}))
    with pytest.raises(Error, match=r"^x 1: pip's report gives no SHA-256"):
        read_report(report({"url": url, "archive_info": {"hashes": {"md5": "00"}}}))
    (tmp_path / "report.json").write_text('{"version": "2", "install": []}')
    with pytest.raises(Error, match="expected version 1, found '2'"):
        read_report(tmp_path / "report.json")


def test_install_keeps_only_where_and_how_options() -> None:
    from sigstore_rs._pip import install_options

    args = ["-r", "req.txt", "--pre", "-c", "c.txt", "--target", "t", "--user", "-qq",
            "--prefix=/p", "--only-binary", ":all:", "alpha", "--no-compile", "-tX"]  # fmt: skip
    assert install_options(args) == ["--target", "t", "--user", "-qq", "--prefix=/p",
                                     "--no-compile", "-tX"]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    ["github:acme/alpha:release.yml", "github:acme/alpha:release.yml:pypi",
     "gitlab:acme/group/p:ci/release.yml", "google:sa@p.iam.gserviceaccount.com",
     "circleci:proj-1:def-1"],
)  # fmt: skip
def test_publisher_specs_round_trip(text: str) -> None:
    from sigstore_rs._pip import publisher_from_spec, spec_of

    assert spec_of(publisher_from_spec(text)) == text


def test_pins_are_by_normalized_name() -> None:
    from sigstore_rs._pip import parse_pins
    from sigstore_rs.errors import Error
    from sigstore_rs.pep740 import GitHubPublisher

    assert parse_pins([f"Alpha_Pkg={spec('alpha')}"]) == {
        "alpha-pkg": GitHubPublisher(repository="acme/alpha", workflow=WORKFLOW)
    }
    with pytest.raises(Error, match="pinned twice"):
        parse_pins([f"a={spec('alpha')}", f"A={spec('beta')}"])
    with pytest.raises(Error, match="expected NAME=SPEC"):
        parse_pins([spec("alpha")])


# The dist-inspector plugin, its hooks called as pip calls them.


@pytest.fixture
def plugin(index: Index, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``sigstore_rs.pip_plugin`` configured for the local index, alpha and
    beta pinned, nothing verified yet."""
    from sigstore_rs import pip_plugin

    for name in list(os.environ):
        if name.startswith("SIGSTORE_RS_PIP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SIGSTORE_RS_PIP_INDEX_URL", index.url)
    monkeypatch.setenv("SIGSTORE_RS_PIP_TRUST_CONFIG", str(index.config))
    monkeypatch.setenv("SIGSTORE_RS_PIP_PUBLISHERS", " ".join(pins("alpha", "beta")[1::2]))
    monkeypatch.setattr(pip_plugin, "_verified", set())
    return pip_plugin


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_plugin_is_a_pip_dist_inspector() -> None:
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group="pip.plugins") if e.name == "sigstore-rs"]
    module = ep.load()
    assert module.plugin_type() == "dist-inspector"
    assert callable(module.pre_download)
    assert callable(module.pre_extract)


def test_plugin_passes_verified_files(index: Index, plugin: Any, tmp_path: Path) -> None:
    alpha = index.dists["alpha"]
    plugin.pre_download(f"{index.url}../files/{ALPHA}", ALPHA, sha256_of(alpha))
    plugin.pre_extract(alpha)
    # A file pip did not announce (a cache hit) is verified when unpacked.
    plugin._verified.clear()
    copy = tmp_path / ALPHA
    copy.write_bytes(alpha.read_bytes())
    plugin.pre_extract(copy)
    assert plugin._verified == {(ALPHA, sha256_of(alpha))}


def test_plugin_refuses_a_digest_the_index_does_not_give(
    index: Index, plugin: Any, tmp_path: Path
) -> None:
    evil = wheel(tmp_path, "alpha", "1.0", code="pwned")
    with pytest.raises(ValueError, match=rf"^sigstore-rs: {ALPHA}: its sha256 is [0-9a-f]{{64}}, "
                       "but the index gives"):  # fmt: skip
        plugin.pre_download("http://x/" + ALPHA, ALPHA, "sha256=" + sha256_of(evil))
    # A swapped file is caught when it is unpacked, whatever was announced.
    plugin.pre_download("http://x/" + ALPHA, ALPHA, sha256_of(index.dists["alpha"]))
    with pytest.raises(ValueError, match=f"^sigstore-rs: {ALPHA}: its sha256 is"):
        plugin.pre_extract(evil)


def test_plugin_needs_a_pin_or_trust_on_first_use(
    index: Index, plugin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    delta = index.dists["delta1"]
    with pytest.raises(
        ValueError,
        match=f"pin it with SIGSTORE_RS_PIP_PUBLISHERS=delta={spec('delta')}, or trust it on "
        "first use with SIGSTORE_RS_PIP_TRUST_ON_FIRST_USE=1$",
    ):
        plugin.pre_download("http://x/" + delta.name, delta.name, sha256_of(delta))
    monkeypatch.setenv("SIGSTORE_RS_PIP_TRUST_ON_FIRST_USE", "1")
    plugin.pre_download("http://x/" + delta.name, delta.name, sha256_of(delta))


def test_plugin_refuses_a_changed_publisher(
    index: Index, plugin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGSTORE_RS_PIP_PUBLISHERS", f"delta={spec('delta')}")
    delta = index.dists["delta2"]
    with pytest.raises(ValueError, match="the publisher differs: expected repository acme/delta"):
        plugin.pre_download("http://x/" + delta.name, delta.name, sha256_of(delta))


def test_plugin_missing_provenance(
    index: Index, plugin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = index.dists["plain"]
    plugin.pre_download("http://x/" + plain.name, plain.name, sha256_of(plain))
    plugin._verified.clear()
    monkeypatch.setenv("SIGSTORE_RS_PIP_REQUIRE_PROVENANCE", "1")
    with pytest.raises(
        ValueError, match=r"no provenance for it \(SIGSTORE_RS_PIP_REQUIRE_PROVENANCE=1\)"
    ):
        plugin.pre_download("http://x/" + plain.name, plain.name, sha256_of(plain))


PROVENANCE_FAULTS = [f for f in FAULTS if f != "swapped file"]


@pytest.mark.parametrize("fault", PROVENANCE_FAULTS)
def test_plugin_refuses_index_faults(
    index: Index, plugin: Any, proxy: IndexProxy, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, fault: str,
) -> None:  # fmt: skip
    make, reasons = FAULTS[fault]
    proxy.rewrite = make(index, tmp_path)
    monkeypatch.setenv("SIGSTORE_RS_PIP_INDEX_URL", proxy.index_url)
    with pytest.raises(ValueError, match=f"^sigstore-rs: {ALPHA}: ") as e:
        plugin.pre_download("http://x/" + ALPHA, ALPHA, sha256_of(index.dists["alpha"]))
    for reason in reasons:
        assert reason in str(e.value)
