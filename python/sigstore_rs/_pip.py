"""What ``sigstore-rs pip install`` and the pip plugin share: pip's
installation report read into the files it selected, the expected publisher
of each project (pins, or trust on first use), and the split of pip's
options into those that choose what to install and those that say where
and how to install it.

The verification itself (fetch the index's project page, download the file
bounded, check its SHA-256, fetch and verify its provenance) is the compiled
index client's; nothing here verifies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sigstore_rs import _rust
from sigstore_rs.errors import Error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sigstore_rs.index import IndexClient, IndexFile, ProjectPage
    from sigstore_rs.pep740 import Publisher
    from sigstore_rs.verify import Verifier

__all__ = [
    "DEFAULT_INDEX_URL",
    "SelectedFile",
    "install_options",
    "normalize",
    "parse_pins",
    "publisher_from_spec",
    "read_report",
]

#: pip's own default index.
DEFAULT_INDEX_URL = "https://pypi.org/simple/"

_SHA256 = re.compile(r"[0-9a-f]{64}")


def normalize(name: str) -> str:
    """A project name normalized as PEP 503 says."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class SelectedFile:
    """One distribution file pip selected, as its report names it."""

    name: str
    version: str
    url: str
    sha256: str

    @property
    def filename(self) -> str:
        return unquote(urlsplit(self.url).path.rsplit("/", 1)[-1])

    def __str__(self) -> str:
        return f"{self.name} {self.version} ({self.filename})"


def read_report(path: Path) -> list[SelectedFile]:
    """The files of pip's installation report (``pip install --dry-run
    --report``, format version 1), in its order.

    Only archives can be pinned to the bytes that were verified: an item
    installed from a local directory or a VCS checkout is refused, as is an
    archive pip gives no SHA-256 for."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise Error(f"pip's installation report {path}: {e}") from e
    if not isinstance(report, dict) or report.get("version") != "1":
        found = report.get("version") if isinstance(report, dict) else type(report).__name__
        raise Error(f"pip's installation report: expected version 1, found {found!r}")
    items = report.get("install")
    if not isinstance(items, list):
        raise Error("pip's installation report: no install list")
    return [_selected(item) for item in items]


def _selected(item: object) -> SelectedFile:
    if not isinstance(item, dict):
        raise Error(f"pip's installation report: an install item is {type(item).__name__}")
    metadata = item.get("metadata") or {}
    name, version = metadata.get("name"), metadata.get("version")
    info = item.get("download_info") or {}
    url = info.get("url")
    if not isinstance(name, str) or not isinstance(version, str) or not isinstance(url, str):
        raise Error(f"pip's installation report: an item without name, version or URL: {item}")
    if "archive_info" not in info:
        kind = "a local directory" if "dir_info" in info else "a VCS checkout"
        raise Error(
            f"{name} {version}: pip would install it from {kind} ({url}), not from a file "
            "of the index whose provenance can be verified"
        )
    archive = info["archive_info"] or {}
    hashes = archive.get("hashes") or {}
    sha256 = hashes.get("sha256")
    if sha256 is None and str(archive.get("hash", "")).startswith("sha256="):
        sha256 = archive["hash"][len("sha256=") :]
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256.lower()):
        raise Error(f"{name} {version}: pip's report gives no SHA-256 for {url}")
    return SelectedFile(name=name, version=version, url=url, sha256=sha256.lower())


def parse_pins(args: Iterable[str]) -> dict[str, Publisher]:
    """``NAME=SPEC`` pins (the spec syntax of ``sigstore-rs testing serve
    --trusted-publisher``: ``github:OWNER/REPO:WORKFLOW[:ENV]``,
    ``gitlab:NAMESPACE/PROJECT:WORKFLOW_PATH[:ENV]``, ``google:EMAIL`` or
    ``circleci:PROJECT_ID:PIPELINE_DEFINITION_ID``),
    by normalized project name."""
    pins: dict[str, Publisher] = {}
    for arg in args:
        name, sep, spec = arg.partition("=")
        if not sep or not name.strip() or not spec:
            raise Error(f"--publisher {arg!r}: expected NAME=SPEC")
        key = normalize(name.strip())
        publisher = publisher_from_spec(spec)
        if key in pins and pins[key] != publisher:
            raise Error(f"--publisher: {name} is pinned twice, to different publishers")
        pins[key] = publisher
    return pins


def publisher_from_spec(spec: str) -> Publisher:
    """The publisher a spec names (see :func:`parse_pins`), parsed by the core
    (``Publisher::from_spec``, the same parser ``testing serve
    --trusted-publisher`` uses); raises ``InvalidInput`` saying what is wrong."""
    from sigstore_rs.pep740 import _publisher

    return _publisher(_rust.Publisher.from_spec(spec))


# pip install's options that say where and how to install, not what: they
# go to the final install as well as to the resolution. Every other option
# (requirements, constraints, indexes, --pre, --only-binary, ...) only
# chooses files, and the final install takes exactly the verified ones.
_WHERE_FLAGS = frozenset(
    {
        "--user",
        "--force-reinstall",
        "-I",
        "--ignore-installed",
        "--no-compile",
        "--compile",
        "--no-warn-script-location",
        "--no-warn-conflicts",
        "--break-system-packages",
        "--require-virtualenv",
        "--isolated",
        "--no-cache-dir",
        "--no-build-isolation",
        "--no-input",
        "--no-color",
        "--disable-pip-version-check",
        "-q",
        "--quiet",
        "-v",
        "--verbose",
    }
)
_WHERE_VALUES = frozenset(
    {"-t", "--target", "--prefix", "--root", "--python", "--cache-dir", "--log", "--src"}
)


def install_options(pip_args: Sequence[str]) -> list[str]:
    """The options of ``pip_args`` that the final install keeps (see above)."""
    kept: list[str] = []
    args = iter(pip_args)
    for arg in args:
        option = arg.split("=", 1)[0]
        if (
            arg in _WHERE_FLAGS
            or re.fullmatch(r"-[qv]+", arg)
            or (option in _WHERE_VALUES and "=" in arg)
        ):
            kept.append(arg)
        elif arg in _WHERE_VALUES:
            kept += [arg, next(args, "")]
        elif arg[:2] == "-t" and len(arg) > 2:
            kept.append(arg)
    return kept


def spec_of(publisher: Publisher) -> str:
    """The spec that names ``publisher`` (the inverse of :func:`publisher_from_spec`)."""
    return publisher._inner.spec()


@dataclass(frozen=True)
class Settings:
    """What a verification expects, from the command line or the plugin's
    environment."""

    index_url: str
    pins: dict[str, Publisher]
    trust_on_first_use: bool = False
    require_provenance: bool = False
    trust_config: Path | None = None
    #: How the user says it, for the messages: the command line's options
    #: (``--publisher NAME=SPEC``, ``--trust-on-first-use``,
    #: ``--require-provenance``), or the plugin's environment variables.
    pin_option: str = "--publisher {}"
    tofu_option: str = "--trust-on-first-use"
    require_option: str = "--require-provenance"


#: The plugin's words for the same settings.
PLUGIN_OPTIONS = {
    "pin_option": "SIGSTORE_RS_PIP_PUBLISHERS={}",
    "tofu_option": "SIGSTORE_RS_PIP_TRUST_ON_FIRST_USE=1",
    "require_option": "SIGSTORE_RS_PIP_REQUIRE_PROVENANCE=1",
}


@dataclass(frozen=True)
class Outcome:
    """One file's verdict: ``error`` (a refusal), else the publisher its
    provenance verified against (``None``: no provenance, allowed)."""

    file: SelectedFile
    publisher: Publisher | None = None
    trusted_on_first_use: bool = False
    error: str | None = None

    @property
    def project(self) -> str:
        return self.file.name


def _reason(e: BaseException, filename: str) -> str:
    """The core's message without its leading file name (the caller names it)."""
    text = str(e)
    return text[len(filename) + 2 :] if text.startswith(f"{filename}: ") else text


def _unpinned(project: str, publisher: Publisher, settings: Settings) -> str:
    pin = settings.pin_option.format(f"{project}={spec_of(publisher)}")
    return (
        f"its provenance names {publisher}, and {project} is not pinned: pin it with "
        f"{pin}, or trust it on first use with {settings.tofu_option}"
    )


def _pages(client: IndexClient, projects: Iterable[str]) -> dict[str, ProjectPage | Error]:
    """Each project's page (or why it could not be read), fetched in
    parallel: the client waits without the GIL."""
    from concurrent.futures import ThreadPoolExecutor

    def page(name: str) -> ProjectPage | Error:
        try:
            return client.project(name)
        except Error as e:
            return e

    names = sorted(set(projects))
    with ThreadPoolExecutor(max_workers=max(1, min(16, len(names)))) as pool:
        return dict(zip(names, pool.map(page, names)))


def _listed(
    f: SelectedFile, pages: dict[str, ProjectPage | Error], index_url: str
) -> IndexFile | Outcome:
    """The index's entry for ``f``, or the outcome that refuses it."""
    page = pages[normalize(f.name)]
    if isinstance(page, Error):
        return Outcome(f, error=_reason(page, f.name))
    listed = page.file(f.filename)
    if listed is None:
        return Outcome(f, error=f"not a file of the index {index_url} (pip chose {f.url})")
    return listed


def verify_selected(
    selected: Sequence[SelectedFile],
    settings: Settings,
    verifier: Verifier,
    directory: Path,
) -> list[Outcome]:
    """Checks every file pip selected, all at once (``IndexClient.verify``:
    every core, without the GIL); each verified file is saved into
    ``directory`` under its file name. One outcome per file, in order."""
    from sigstore_rs.index import FileCheck, IndexClient

    client = IndexClient(settings.index_url)
    pages = _pages(client, (normalize(f.name) for f in selected))
    outcomes: dict[int, Outcome] = {}
    checks: list[tuple[int, FileCheck]] = []
    for i, f in enumerate(selected):
        listed = _listed(f, pages, settings.index_url)
        if isinstance(listed, Outcome):
            outcomes[i] = listed
            continue
        pinned = settings.pins.get(normalize(f.name))
        checks.append((i, FileCheck(listed, pinned, f.sha256, "pip's report")))
    # An unpinned file is checked as trust on first use, and its publisher
    # refused below unless the user chose that: the refusal can then name
    # the publisher to pin. Provenance is optional here so that each file
    # without gets the message of its case below.
    results = client.verify(
        [c for _, c in checks],
        trust_on_first_use=True,
        dest_dir=directory,
        require_provenance=False,
        verifier=verifier,
    )
    for (i, check), r in zip(checks, results):
        f = selected[i]
        if r.verified is None:
            outcomes[i] = Outcome(f, error=_reason(r.error or Error("no verdict"), f.filename))
        else:
            outcomes[i] = _outcome(f, check.file, r.verified.publisher, settings)
    return [outcomes[i] for i in range(len(selected))]


def _outcome(
    f: SelectedFile, listed: IndexFile, publisher: Publisher | None, settings: Settings
) -> Outcome:
    """The verdict on a file whose provenance (if any) verified."""
    pinned = settings.pins.get(normalize(f.name))
    if publisher is None:
        if listed.provenance_url is not None:
            # The page says there is one: its absence is a fault, not a
            # project that does not attest.
            return Outcome(f, error=f"the index names its provenance at "
                           f"{listed.provenance_url}, but it answered 404")  # fmt: skip
        if pinned is not None:
            return Outcome(f, error=f"{f.name} is pinned to {pinned}, but the index has no "
                           "provenance for this file")  # fmt: skip
        if settings.require_provenance:
            return Outcome(
                f, error=f"the index has no provenance for it ({settings.require_option})"
            )
        return Outcome(f)
    tofu = pinned is None
    if tofu and not settings.trust_on_first_use:
        return Outcome(f, error=_unpinned(f.name, publisher, settings))
    return Outcome(f, publisher=publisher, trusted_on_first_use=tofu)


_DIST_NAME = re.compile(r"(?P<name>[^-]+)-(?P<version>[^-]+?)(?:-.+\.whl|\.tar\.gz|\.zip)")


def verify_digest(settings: Settings, filename: str, sha256: str) -> Outcome:
    """Checks the provenance of the index's ``filename`` for the SHA-256
    ``sha256`` (the plugin's hooks: pip downloads and hashes the file
    itself), with the rules of :func:`verify_selected`."""
    from sigstore_rs.index import IndexClient, verify_provenance
    from sigstore_rs.pep740 import Distribution
    from sigstore_rs.verify import Verifier

    m = _DIST_NAME.fullmatch(filename)
    if m is None:
        raise Error(f"{filename} is not a wheel or sdist file name")
    f = SelectedFile(m["name"], m["version"], filename, sha256)
    client = IndexClient(settings.index_url)
    listed = _listed(f, _pages(client, [normalize(f.name)]), settings.index_url)
    if isinstance(listed, Outcome):
        return listed
    if listed.sha256 is not None and listed.sha256 != sha256:
        return Outcome(f, error=f"its sha256 is {sha256}, but the index gives {listed.sha256}")
    if settings.trust_config is not None:
        verifier = Verifier.from_trust_config(settings.trust_config)
    else:
        verifier = Verifier.production()
    try:
        provenance = client.provenance(listed)
        if provenance is None:
            return _outcome(f, listed, None, settings)
        publisher, _ = verify_provenance(
            Distribution(name=filename, digest=sha256),
            provenance,
            settings.pins.get(normalize(f.name)),
            trust_on_first_use=True,
            verifier=verifier,
        )
    except Error as e:
        return Outcome(f, error=_reason(e, filename))
    return _outcome(f, listed, publisher, settings)
