"""``python -m sigstore_rs._pypi_attestations_cli``: pypi-attestations 0.0.30's
command line (``python -m pypi_attestations``) on the sigstore_rs core.

    sign [--staging] FILE...
    verify attestation --identity ID [--staging] [--offline] FILE...
    verify pypi [--repository URL | --gcp-service-account EMAIL |
        --circleci-project-id ID --circleci-pipeline-definition-id ID]
        [--staging] [--offline] [--provenance-file FILE] PYPI_FILE
    inspect [--dump-bytes] FILE...
    convert --output-file FILE BUNDLE_FILE

The same commands, flags, defaults, output lines (through ``logging``, as
pypi-attestations writes them) and exit codes (1 for a refusal, 2 for a usage
error), so scripts written against pypi-attestations run unchanged. Messages
start with pypi-attestations' wording; ours may say more after it.

Beyond pypi-attestations: ``sign`` and ``verify attestation`` take
``--trust-config FILE`` (another Sigstore instance, e.g. a local one) and
``sign`` takes ``--identity-token TOKEN`` (else ``$SIGSTORE_ID_TOKEN``, an
ambient CI credential, then the browser flow); ``verify pypi`` takes
``--index-url URL`` (default ``https://pypi.org``) for the simple and
integrity APIs it reads, through ``sigstore_rs.index`` (the core's bounded
HTTP client).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import urllib.parse
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from sigstore_rs import _rust
from sigstore_rs.errors import Error, IdentityError, IndexFetchError, MalformedProvenanceError
from sigstore_rs.index import IndexClient, IndexFile
from sigstore_rs.pep740 import (
    Attestation,
    AttestationError,
    CircleCIPublisher,
    ConversionError,
    Distribution,
    GitHubPublisher,
    GitLabPublisher,
    GooglePublisher,
    Provenance,
    VerificationError,
    __version__,
)
from sigstore_rs.sign import IdentityToken, SigningContext, write_atomic
from sigstore_rs.verify import Bundle, Identity, Verifier

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn

_logger = logging.getLogger(__name__)
_logger.setLevel(logging.INFO)

_PYPI = "https://pypi.org"
_FILES_HOST = "files.pythonhosted.org"


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="Run with additional debug logging; supply multiple times to increase verbosity",
    )
    parser = argparse.ArgumentParser(
        prog="pypi-attestations",
        description="Sign, inspect or verify PEP 740 attestations",
        parents=[common],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "-V", "--version", action="version", version=f"pypi-attestations {__version__}"
    )
    commands = parser.add_subparsers(
        required=True, dest="subcommand", metavar="COMMAND", help="The operation to perform"
    )

    sign = commands.add_parser("sign", help="Sign one or more inputs", parents=[common])
    sign.add_argument("--staging", action="store_true", help="Use the staging environment")
    sign.add_argument(
        "--trust-config", type=Path, metavar="FILE", help="Sign with this instance instead"
    )
    sign.add_argument("--identity-token", metavar="TOKEN", help="The OIDC identity token")
    sign.add_argument("files", metavar="FILE", type=Path, nargs="+", help="The file to sign")

    verify = commands.add_parser("verify", help="Verify one or more inputs", parents=[common])
    kinds = verify.add_subparsers(
        required=True,
        dest="verification_type",
        metavar="VERIFICATION_TYPE",
        help="The type of verification",
    )
    attestation = kinds.add_parser("attestation", help="Verify a PEP-740 attestation")
    attestation.add_argument("--identity", required=True, help="Signer identity")
    attestation.add_argument("--staging", action="store_true", help="Use the staging environment")
    attestation.add_argument("--offline", action="store_true", help="Disable TUF refresh")
    attestation.add_argument(
        "--trust-config", type=Path, metavar="FILE", help="Verify against this instance instead"
    )
    attestation.add_argument(
        "files", metavar="FILE", type=Path, nargs="+", help="The file to verify"
    )

    pypi = kinds.add_parser("pypi", help="Verify a PyPI release")
    pypi.add_argument(
        "distribution_file",
        metavar="PYPI_FILE",
        help="PyPI file to verify, can be: (1) a path to a local file, (2) pypi:$FILE_NAME "
        "(e.g. pypi:sampleproject-1.0.0.tar.gz) or (3) A direct URL to files.pythonhosted.org",
    )
    pypi.add_argument("--repository", help="URL of the publishing GitHub or GitLab repository")
    pypi.add_argument("--gcp-service-account", help="Email of the Google Cloud service account")
    pypi.add_argument("--circleci-project-id", help="CircleCI project ID (UUID)")
    pypi.add_argument(
        "--circleci-pipeline-definition-id", help="CircleCI pipeline definition ID (UUID)"
    )
    pypi.add_argument("--staging", action="store_true", help="Use the staging environment")
    pypi.add_argument(
        "--offline",
        action="store_true",
        help="Force use of local files and disable TUF refresh",
    )
    pypi.add_argument(
        "--provenance-file",
        type=Path,
        help="Provide the provenance file instead of downloading it from PyPI",
    )
    pypi.add_argument(
        "--index-url",
        default=_PYPI,
        help="The index whose simple and integrity APIs to read",
    )

    inspect = commands.add_parser("inspect", help="Inspect one or more inputs", parents=[common])
    inspect.add_argument(
        "--dump-bytes", action="store_true", help="Dump the bytes of the signature"
    )
    inspect.add_argument("files", metavar="FILE", type=Path, nargs="+", help="The file to inspect")

    convert = commands.add_parser(
        "convert",
        help="Convert a Sigstore bundle into a PEP 740 attestation",
        parents=[common],
    )
    convert.add_argument(
        "bundle_file", metavar="BUNDLE_FILE", type=Path, help="The Sigstore bundle to convert"
    )
    convert.add_argument(
        "--output-file",
        required=True,
        type=Path,
        help="The output file to write the attestation to",
    )
    return parser


def _die(message: str) -> NoReturn:
    """Logs ``message`` as an error and exits with status 1."""
    _logger.error(message)
    raise SystemExit(1)


def _validate_files(files: Iterable[Path], should_exist: bool = True) -> None:
    """Exits (``_die``) unless every file exists (``should_exist``) or none does."""
    for path in files:
        if path.is_file() != should_exist:
            _die(f"{path} is not a file." if should_exist else f"{path} already exists.")


def get_identity_token(args: argparse.Namespace) -> IdentityToken:
    """The identity to sign as: ``--identity-token``, ``$SIGSTORE_ID_TOKEN``,
    an ambient CI credential, else the instance's browser flow."""
    from sigstore_rs import _sign_cli

    ns = argparse.Namespace(
        identity_token=getattr(args, "identity_token", None), oauth_force_oob=False
    )
    return _sign_cli.token(ns, _context(args))


def _context(args: argparse.Namespace) -> SigningContext:
    if getattr(args, "trust_config", None) is not None:
        return SigningContext.from_trust_config(args.trust_config)
    return SigningContext.staging() if args.staging else SigningContext.production()


def _sign(args: argparse.Namespace) -> None:
    """Signs each file as ``FILE.publish.attestation``."""
    _validate_files(args.files, should_exist=True)
    _validate_files((Path(f"{f}.publish.attestation") for f in args.files), should_exist=False)
    try:
        token = get_identity_token(args)
        signer = _context(args).signer(token)
    except (IdentityError, OSError) as e:
        _die(f"Failed to detect identity: {e}")
    except Error as e:
        _die(f"Failed to sign: {e}")
    for path in args.files:
        _logger.debug(f"Signing {path}")
        try:
            dist = Distribution.from_file(path)
        except (Error, ValueError) as e:
            _die(f"Invalid Python package distribution: {e}")
        try:
            attestation = Attestation.sign(signer, dist)
        except AttestationError as e:
            _die(f"Failed to sign: {e}")
        out = Path(f"{path}.publish.attestation")
        write_atomic(out, attestation.model_dump_json().encode())
        _logger.debug("Attestation for %s saved in %s", path, out)


def _inspect(args: argparse.Namespace) -> None:
    """Shows each attestation's statement, certificate and log entries (unverified)."""
    files = [f for f in args.files if f.suffix == ".attestation"]
    _validate_files(files, should_exist=True)
    for path in files:
        try:
            attestation = Attestation.model_validate_json(path.read_bytes())
            sans, issuer, not_after = attestation._current().certificate_details()
        except (Error, ValueError) as e:
            _die(f"Invalid attestation ({path}): {e}")
        _logger.info(
            "Warning: The information displayed below are not verified, they are only "
            "displayed. Use the verify command to verify them."
        )
        _logger.info(f"File: {path}")
        _logger.info(f"Version: {attestation.version}")
        statement = attestation.statement
        _logger.info("Statement:")
        _logger.info(f"\tType: {statement.get('_type')}")
        _logger.info("\tSubject:")
        for subject in statement.get("subject", []):
            digest = subject.get("digest", {}).get("sha256")
            _logger.info(f"\t\t{subject.get('name')} (digest: {digest})")
        _logger.info(f"\tPredicate type: {statement.get('predicateType')}")
        _logger.info(f"\tPredicate: {statement.get('predicate')}")
        if args.dump_bytes:
            _logger.info(f"Signature: {attestation.envelope.signature!r}")
        _logger.info("Certificate:")
        _logger.info(f"\tSubjects (suitable for `--identity`): {sans}")
        _logger.info(f"\tIssuer: {issuer}")
        _logger.info(f"\tValidity: {datetime.fromtimestamp(not_after, timezone.utc)}")
        entries = attestation.verification_material.transparency_entries
        _logger.info(f"Transparency Log ({len(entries)} entries):")
        for entry in entries:
            _logger.info(f"\tLog Index: {entry.get('logIndex')}")


def _verify_attestation(args: argparse.Namespace) -> None:
    """Verifies FILE.publish.attestation and FILE.slsa.attestation of each FILE."""
    identity = Identity(identity=args.identity)
    _validate_files(args.files, should_exist=True)
    found: dict[Path, list[Path]] = defaultdict(list)
    for f in args.files:
        for candidate in (Path(f"{f}.publish.attestation"), Path(f"{f}.slsa.attestation")):
            if candidate.exists():
                found[f].append(candidate)
        if not found[f]:
            _die(f"Couldn't find attestations for file {f}")
    verifier = None
    if args.trust_config is not None:
        try:
            verifier = Verifier.from_trust_config(args.trust_config)
        except (Error, OSError) as e:
            _die(f"Invalid trust config ({args.trust_config}): {e}")
    for path, attestations in found.items():
        for attestation_path in attestations:
            try:
                attestation = Attestation.model_validate_json(attestation_path.read_bytes())
            except (Error, ValueError) as e:
                _die(f"Invalid attestation ({attestation_path}): {e}")
            try:
                dist = Distribution.from_file(path)
            except (Error, ValueError) as e:
                _die(f"Invalid Python package distribution: {e}")
            try:
                attestation.verify(
                    identity, dist, staging=args.staging, offline=args.offline, verifier=verifier
                )
            except VerificationError as e:
                _die(f"Verification failed for {path}: {e}")
            _logger.info(f"OK: {attestation_path}")


def _project_and_version(filename: str) -> tuple[str, str]:
    """A valid wheel or sdist file name's project and version (the core
    checks the name as it does every distribution's)."""
    _rust.Distribution(filename, "0" * 64)
    if filename.endswith(".whl"):
        project, version = filename.split("-")[:2]
        return project, version
    stem = filename[: -len(".tar.gz")] if filename.endswith(".tar.gz") else filename[:-4]
    project, version = stem.rsplit("-", 1)
    return project, version


def _client(index_url: str) -> IndexClient:
    """The client of the index whose simple API is under ``index_url``
    (``https://pypi.org`` and ``https://pypi.org/simple/`` alike)."""
    base = index_url.rstrip("/").removesuffix("/simple")
    return IndexClient(f"{base}/simple/")


def _download_file(url: str, dest: Path) -> None:
    """Downloads ``url`` into ``dest`` (bounded, through the core's HTTP client)."""
    try:
        dest.write_bytes(_client(_PYPI).download(IndexFile(dest.name, url)))
    except (Error, OSError) as e:
        _die(f"Error downloading file: {e}")


def _get_direct_url_from_arg(arg: str, index_url: str) -> str:
    """The files.pythonhosted.org URL of ``pypi:FILENAME`` (from the
    index's simple API) or of a URL given directly."""
    url = arg
    if arg.startswith("pypi:"):
        filename = arg[len("pypi:") :]
        if not filename.endswith((".tar.gz", ".zip", ".whl")):
            _die("File should be a wheel (*.whl) or a source distribution (*.zip or *.tar.gz)")
        try:
            project, _ = _project_and_version(filename)
        except (Error, ValueError) as e:
            _die(f"Invalid distribution filename: {e}")
        try:
            listed = _client(index_url).project(project).file(filename)
        except (Error, ValueError) as e:
            _die(f"Error trying to get information for '{project}' from PyPI: {e}")
        if listed is None:
            _die(f"Could not find the artifact '{filename}' on PyPI")
        url = listed.url
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" or parts.hostname != _FILES_HOST:
        _die(f"Unsupported/invalid URL: {url} (expected an https://{_FILES_HOST}/ URL)")
    return url


def _get_distribution_from_arg(arg: str, offline: bool, index_url: str = _PYPI) -> Distribution:
    """The distribution ``verify pypi`` names: a local file, ``pypi:FILENAME``
    or a files.pythonhosted.org URL (downloaded, then hashed)."""
    if arg.startswith(("pypi:", "https://")):
        if offline:
            _die("The '--offline' option can only be used with local files")
        url = _get_direct_url_from_arg(arg, index_url)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / urllib.parse.urlsplit(url).path.split("/")[-1]
            _download_file(url, path)
            try:
                return Distribution.from_file(path)
            except (Error, ValueError) as e:
                _die(f"Invalid Python package distribution: {e}")
    path = Path(arg)
    if not path.exists():
        _die(f"File does not exist: {path}")
    try:
        return Distribution.from_file(path)
    except (Error, ValueError) as e:
        _die(f"Invalid Python package distribution: {e}")


def _get_provenance_from_pypi(dist: Distribution, index_url: str = _PYPI) -> Provenance:
    """The distribution's provenance, from the index's integrity API."""
    client = _client(index_url)
    try:
        _project_and_version(dist.name)
        # Only the name matters: the integrity API's URL is derived from it.
        provenance = client.provenance(IndexFile(dist.name, client.index_url))
    except MalformedProvenanceError as e:
        _die(f"Invalid provenance: {e}")
    except IndexFetchError as e:
        if "answered HTTP 403" in str(e):
            _die("Access to provenance is temporarily disabled by PyPI administrators")
        if "answered HTTP" in str(e):
            _die(f"Unexpected error while downloading provenance file from PyPI: {e}")
        _die(f"Error downloading provenance: {e}")
    except (Error, ValueError) as e:
        _die(f"Invalid distribution filename: {e}")
    if provenance is None:
        _die(f'Provenance for file "{dist.name}" was not found')
    return provenance


def _check_repository_identity(
    expected_repository_url: str, publisher: GitHubPublisher | GitLabPublisher
) -> None:
    """Exits unless ``publisher`` is the repository the user named."""
    parts = urllib.parse.urlsplit(expected_repository_url)
    if parts.scheme != "https" or parts.hostname not in ("github.com", "gitlab.com"):
        _die(
            f"Unsupported/invalid URL: {expected_repository_url} (expected an "
            "https://github.com/ or https://gitlab.com/ repository URL)"
        )
    actual_host = "github.com" if isinstance(publisher, GitHubPublisher) else "gitlab.com"
    if actual_host != parts.hostname:
        _die(
            f"Verification failed: provenance was signed by a {actual_host} repository, but "
            f"expected a {parts.hostname} repository"
        )
    expected = parts.path.strip("/")
    if publisher.repository != expected:
        _die(
            f'Verification failed: provenance was signed by repository "{publisher.repository}", '
            f'expected "{expected}"'
        )


def _check_publisher(args: argparse.Namespace, publisher: object) -> None:
    """Exits unless the provenance's publisher is the one the flags name."""
    if isinstance(publisher, GooglePublisher):
        if not args.gcp_service_account:
            _die(
                "Provenance signed by a Google Cloud account, but no service account "
                "provided; use '--gcp-service-account'"
            )
        if publisher.email != args.gcp_service_account:
            _die(
                "Verification failed: provenance was signed by service account "
                f'"{publisher.email}", expected "{args.gcp_service_account}"'
            )
    elif isinstance(publisher, CircleCIPublisher):
        if not args.circleci_project_id:
            _die(
                "Provenance signed by CircleCI, but no project ID provided; "
                "use '--circleci-project-id'"
            )
        if not args.circleci_pipeline_definition_id:
            _die(
                "Provenance signed by CircleCI, but no pipeline definition ID provided; "
                "use '--circleci-pipeline-definition-id'"
            )
        if publisher.project_id != args.circleci_project_id:
            _die(
                "Verification failed: provenance was signed by CircleCI project "
                f'"{publisher.project_id}", expected "{args.circleci_project_id}"'
            )
        if publisher.pipeline_definition_id != args.circleci_pipeline_definition_id:
            _die(
                "Verification failed: provenance was signed by CircleCI pipeline definition "
                f'"{publisher.pipeline_definition_id}", expected '
                f'"{args.circleci_pipeline_definition_id}"'
            )
    elif isinstance(publisher, (GitHubPublisher, GitLabPublisher)):
        if not args.repository:
            _die(
                "Provenance signed by a repository, but no repository URL provided; "
                "use '--repository'"
            )
        _check_repository_identity(args.repository, publisher)


def _verify_pypi(args: argparse.Namespace) -> None:
    """Verifies a distribution against its provenance (``--provenance-file``,
    else the index's) and the publisher the flags name."""
    index_url = getattr(args, "index_url", _PYPI)
    # The default index keeps pypi-attestations' two-argument call.
    other = {} if index_url == _PYPI else {"index_url": index_url}
    dist = _get_distribution_from_arg(args.distribution_file, offline=args.offline, **other)
    if args.provenance_file is None:
        if args.offline:
            _die("The '--offline' option can only be used with local files")
        provenance = _get_provenance_from_pypi(dist, index_url)
    else:
        if not args.provenance_file.exists():
            _die(f"Provenance file does not exist: {args.provenance_file}")
        try:
            provenance = Provenance.model_validate_json(args.provenance_file.read_bytes())
        except (Error, ValueError) as e:
            _die(f"Invalid provenance: {e}")
    try:
        for bundle in provenance.attestation_bundles:
            _check_publisher(args, bundle.publisher)
            for attestation in bundle.attestations:
                attestation.verify(
                    bundle.publisher, dist, staging=args.staging, offline=args.offline
                )
    except VerificationError as e:
        _die(f"Verification failed for {dist.name}: {e}")
    _logger.info(f"OK: {dist.name}")


def _convert(args: argparse.Namespace) -> None:
    """Writes the PEP 740 attestation of a Sigstore (DSSE) bundle."""
    if not args.bundle_file.exists():
        _die(f"Bundle file does not exist: {args.bundle_file}")
    if args.output_file.exists():
        _die(f"Output file already exists: {args.output_file}")
    try:
        bundle = Bundle.from_json(args.bundle_file.read_bytes())
    except (Error, ValueError) as e:
        _die(f"Invalid Sigstore bundle: {e}")
    try:
        attestation = Attestation.from_bundle(bundle)
    except ConversionError as e:
        _die(f"Failed to convert Sigstore bundle: {e}")
    write_atomic(args.output_file, attestation.model_dump_json().encode())
    _logger.info(f"Converted Sigstore bundle to attestation: {args.output_file}")


def main(argv: Sequence[str] | None = None) -> None:
    """Runs one command; exits with status 1 (``SystemExit``) on a refusal,
    2 on a usage error."""
    from sigstore_rs import _trust_cli

    # Messages alone, on stderr, as pypi-attestations prints them; a
    # program that configured logging itself (or pytest) keeps its own.
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(message)s", handlers=[logging.StreamHandler()])
    args = _parser().parse_args(argv)
    if args.verbose >= 1:
        _logger.setLevel(logging.DEBUG)
    if args.verbose >= 2:
        logging.getLogger().setLevel(logging.DEBUG)
    _logger.debug(args)
    with _trust_cli.warnings_on_stderr():
        if args.subcommand == "sign":
            _sign(args)
        elif args.subcommand == "verify":
            if args.verification_type == "attestation":
                _verify_attestation(args)
            else:
                _verify_pypi(args)
        elif args.subcommand == "inspect":
            _inspect(args)
        else:
            _convert(args)


if __name__ == "__main__":
    main(sys.argv[1:])
