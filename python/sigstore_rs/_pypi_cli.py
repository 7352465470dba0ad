"""``sigstore-rs pypi``: PEP 740 attestations on the command line.

    sigstore-rs [--staging | --instance URL | ...] pypi verify (--repository OWNER/REPO
        [--workflow W] [--gitlab] | --email EMAIL | --cert-identity ID --cert-oidc-issuer URL
        | --trust-on-first-use) [--offline] [--attestation F | --provenance F] DIST...
    sigstore-rs pypi verify (--repository OWNER/REPO --workflow FILE [--environment ENV]
        | --gitlab-project NS/PROJ --workflow PATH [--environment ENV] | --email EMAIL
        | --trust-on-first-use) [--index-url URL] NAME==VERSION...
    sigstore-rs pypi verify ... --from-index [--index-url URL] (URL | FILE)...
    sigstore-rs pypi inspect FILE
    sigstore-rs pypi convert [--to-bundle] FILE

``verify`` prints ``OK: DIST`` and the verified publisher (or identity) for
each verified distribution, and ``FAIL: DIST: reason`` on stderr for each
other one; exits 1 if any failed. Without ``--attestation``/``--provenance``
each DIST's attestation is looked for beside it (``DIST.publish.attestation``,
``DIST.attestation``, then ``DIST.provenance``).

From an index (``NAME==VERSION``: every file of the release; ``--from-index``:
a file's URL or a local copy, which must be the file the index lists), each
file's provenance comes from the index (its ``provenance`` URL, else the
integrity API), the file is hashed against the index's SHA-256, and the
provenance's publisher must be the one the flags name (the first differing
claim is named). The default index is ``https://pypi.org/simple/``. Every
fault (index unreachable, no or malformed provenance, provenance for another
file, a file swapped on the index, another publisher) is one ``FAIL:`` line
naming the package, the file and the reason.

The publisher expected to have signed is required: a provenance object names
its own, and anyone can sign as themselves. Each attestation of a provenance
object must satisfy both the expected publisher and the one it is filed
under. ``--trust-on-first-use`` instead accepts whichever publisher a
provenance object names, and prints it for the user to check.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sigstore_rs.errors import Error, _cli_reason
from sigstore_rs.verify import (
    AllOf,
    Bundle,
    Identity,
    OIDCIssuerV2,
    OIDCSourceRepositoryURI,
    VerificationPolicy,
    Verifier,
)

# The parser is built on every CLI start; pep740 (and typing) are imported
# only when a pypi command runs.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    from sigstore_rs.pep740 import Attestation, Provenance, Publisher

_SUFFIXES = (".publish.attestation", ".attestation", ".provenance")


def add_parser(commands: Any) -> None:
    """Adds the ``pypi`` command group to the top-level subparsers."""
    pypi = commands.add_parser("pypi", help="PEP 740 attestations of Python distributions")
    sub = pypi.add_subparsers(dest="pypi_command", required=True, metavar="COMMAND")

    verify = sub.add_parser("verify", help="verify distributions against their attestations")
    who = verify.add_mutually_exclusive_group()
    who.add_argument(
        "--repository", metavar="OWNER/REPO", help="the Trusted Publisher's repository"
    )
    who.add_argument(
        "--gitlab-project",
        metavar="NS/PROJ",
        help="a GitLab Trusted Publisher's project (with --workflow, the CI file's path)",
    )
    who.add_argument(
        "--email",
        "--gcp-service-account",
        metavar="EMAIL",
        help="a Google Cloud service account publisher",
    )
    who.add_argument(
        "--cert-identity",
        metavar="ID",
        help="any signing identity (with --cert-oidc-issuer), not a Trusted Publisher",
    )
    who.add_argument(
        "--trust-on-first-use",
        action="store_true",
        help="accept the publisher a provenance object names (printed) instead of an expected one",
    )
    verify.add_argument(
        "--workflow",
        metavar="W",
        help="the workflow file (GitHub: under .github/workflows/; GitLab: its path); "
        "default: any workflow of the repository",
    )
    verify.add_argument(
        "--environment",
        metavar="ENV",
        help="the publisher's deployment environment (from an index only; default: any)",
    )
    verify.add_argument("--cert-oidc-issuer", metavar="URL", help="the issuer of --cert-identity")
    verify.add_argument("--gitlab", action="store_true", help="the repository is on gitlab.com")
    evidence = verify.add_mutually_exclusive_group()
    evidence.add_argument("--attestation", type=Path, metavar="FILE")
    # --provenance-file: pypi-attestations' `verify pypi` spelling.
    evidence.add_argument("--provenance", "--provenance-file", type=Path, metavar="FILE")
    verify.add_argument(
        "--offline",
        action="store_true",
        help="use no network: the cached trust material, else the material embedded in "
        "this release (with a warning saying how old)",
    )
    verify.add_argument(
        "--from-index",
        action="store_true",
        help="each DIST is a file's URL or a local copy: fetch its provenance and hash from "
        "the index",
    )
    verify.add_argument(
        "--index-url",
        metavar="URL",
        default=None,
        help="the simple API to read for NAME==VERSION and --from-index "
        "(default https://pypi.org/simple/)",
    )
    verify.add_argument(
        "dists",
        nargs="+",
        metavar="DIST",
        help="a wheel or sdist file; NAME==VERSION (every file of the release, from the "
        "index); with --from-index, a file's URL or path",
    )

    sign = sub.add_parser("sign", help="sign distributions: DIST.publish.attestation each")
    from sigstore_rs import _sign_cli

    _sign_cli.add_token_options(sign)
    _sign_cli.add_jobs_option(sign)
    sign.add_argument("dists", nargs="+", type=Path, metavar="DIST", help="a wheel or sdist")

    inspect = sub.add_parser(
        "inspect", help="show an attestation's, provenance object's or bundle's contents"
    )
    inspect.add_argument("file", type=Path, metavar="FILE")

    convert = sub.add_parser(
        "convert", help="a Sigstore bundle as a PEP 740 attestation (JSON on stdout)"
    )
    convert.add_argument(
        "--to-bundle", action="store_true", help="convert an attestation to a bundle instead"
    )
    convert.add_argument("file", type=Path, metavar="FILE")


_NO_PUBLISHER = (
    "name the publisher you expect: --repository OWNER/REPO [--workflow W] [--gitlab], "
    "--gitlab-project NS/PROJ --workflow PATH, --email EMAIL, or --cert-identity ID "
    "--cert-oidc-issuer URL; or pass "
    "--trust-on-first-use to accept the publisher a provenance object names"
)


def _expected(args: argparse.Namespace) -> str:
    """What an attestation verified against the command line's identity was
    shown to come from (a provenance object names its own publishers)."""
    if args.email is not None:
        return f"publisher: Google service account {args.email}"
    if args.cert_identity is not None:
        return f"identity: {args.cert_identity}, issuer {args.cert_oidc_issuer}"
    if args.gitlab_project is not None:
        return f"publisher: GitLab project {args.gitlab_project}, workflow {args.workflow}"
    kind = "GitLab project" if args.gitlab else "GitHub repository"
    workflow = "any workflow" if args.workflow is None else f"workflow {args.workflow}"
    return f"publisher: {kind} {args.repository}, {workflow}"


def _identity(args: argparse.Namespace) -> VerificationPolicy | Publisher | None:
    from sigstore_rs.pep740 import GitHubPublisher, GitLabPublisher, GooglePublisher

    if args.email is not None:
        return GooglePublisher(email=args.email)
    if args.cert_identity is not None:
        return Identity(identity=args.cert_identity, issuer=args.cert_oidc_issuer)
    if args.gitlab_project is not None:
        return GitLabPublisher(
            repository=args.gitlab_project,
            workflow_filepath=args.workflow,
            environment=args.environment,
        )
    if args.repository is None:
        return None
    if args.workflow is None:
        host = "gitlab.com" if args.gitlab else "github.com"
        issuer = (
            "https://gitlab.com" if args.gitlab else "https://token.actions.githubusercontent.com"
        )
        return AllOf(
            [OIDCIssuerV2(issuer), OIDCSourceRepositoryURI(f"https://{host}/{args.repository}")]
        )
    if args.gitlab:
        return GitLabPublisher(
            repository=args.repository,
            workflow_filepath=args.workflow,
            environment=args.environment,
        )
    return GitHubPublisher(
        repository=args.repository, workflow=args.workflow, environment=args.environment
    )


def _no_identity(args: argparse.Namespace) -> bool:
    return (
        args.repository is None
        and args.gitlab_project is None
        and args.email is None
        and args.cert_identity is None
    )


def _usage(message: str) -> int:
    print(f"sigstore-rs pypi verify: error: {message}", file=sys.stderr)
    return 2


def _project_of(filename: str) -> str:
    """A wheel's or sdist's project name, as its file name spells it (the
    core checks the name first)."""
    from sigstore_rs import _rust

    _rust.Distribution(filename, "0" * 64)
    if filename.endswith(".whl"):
        return filename.split("-")[0]
    stem = filename[: -len(".tar.gz")] if filename.endswith(".tar.gz") else filename[:-4]
    return stem.rsplit("-", 1)[0]


def _reason(filename: str, error: BaseException, staging: bool) -> str:
    reason = _cli_reason(error, staging=staging)
    return reason if reason.startswith(f"{filename}:") else f"{filename}: {reason}"


def _verify_from_index(args: argparse.Namespace, verifier: Callable[[], Verifier]) -> int:
    """``NAME==VERSION`` and ``--from-index``: every file fetched, hashed and
    verified through ``sigstore_rs.index``."""
    import urllib.parse

    from sigstore_rs.errors import NotOnIndexError
    from sigstore_rs.index import PYPI_SIMPLE_URL, FileCheck, IndexClient, IndexFile

    if args.attestation is not None or args.provenance is not None:
        return _usage("--attestation/--provenance name local evidence; an index serves its own")
    if args.cert_identity is not None:
        return _usage(
            "an index's provenance names Trusted Publishers: pass --repository OWNER/REPO "
            "--workflow FILE, --gitlab-project NS/PROJ --workflow PATH or --email EMAIL"
        )
    if (args.repository is not None or args.gitlab_project is not None) and args.workflow is None:
        return _usage("a Trusted Publisher from an index needs --workflow")
    tofu = args.trust_on_first_use
    if not tofu and _no_identity(args):
        return _usage(_NO_PUBLISHER)
    expected = _identity(args)
    publisher: Publisher | None = None
    if expected is not None:
        assert not isinstance(expected, VerificationPolicy)  # --workflow is given
        publisher = expected
    try:
        v = verifier()
        client = IndexClient(args.index_url or PYPI_SIMPLE_URL)
    except (Error, OSError) as e:
        for dist in args.dists:
            print(f"FAIL: {dist}: {e}", file=sys.stderr)
        return 1
    failed = False
    checks: list[FileCheck] = []
    labels: list[str] = []
    for arg in args.dists:
        try:
            if "==" in arg and not args.from_index:
                name, version = (part.strip() for part in arg.split("==", 1))
                for f in client.release(name, version):
                    checks.append(FileCheck(f, publisher))
                    labels.append(f"{name}=={version}")
                continue
            remote = arg.startswith(("https://", "http://"))
            path = None if remote else Path(arg)
            if remote:
                filename = urllib.parse.unquote(urllib.parse.urlsplit(arg).path.split("/")[-1])
            else:
                assert path is not None
                if not path.is_file():
                    raise Error(f"{arg}: no such file")
                filename = path.name
            project = _project_of(filename)
            page = client.project(project)
            listed = page.file(filename)
            if listed is None:
                raise NotOnIndexError(f"{filename}: the index does not list it ({page.url})")
            if remote:
                listed = IndexFile(filename, arg, listed.sha256, client.provenance_url(listed))
            checks.append(FileCheck(listed, publisher, path=path))
            labels.append(project)
        except (Error, OSError, ValueError) as e:
            failed = True
            print(f"FAIL: {arg}: {_cli_reason(e, staging=args.staging)}", file=sys.stderr)
    results = client.verify(checks, trust_on_first_use=tofu, verifier=v)
    for label, result in zip(labels, results):
        filename = result.file.filename
        if result.verified is not None and result.verified.publisher is not None:
            print(f"OK: {filename}")
            suffix = " (trusted on first use)" if result.verified.trusted_on_first_use else ""
            print(f"  publisher: {result.verified.publisher}{suffix}")
        else:
            failed = True
            error = result.error or Error("no provenance was verified")
            print(f"FAIL: {label}: {_reason(filename, error, args.staging)}", file=sys.stderr)
    return 1 if failed else 0


def _evidence(path: Path, provenance: bool) -> Attestation | Provenance:
    from sigstore_rs.pep740 import Attestation, Provenance

    data = path.read_bytes()
    if provenance:
        return Provenance.model_validate_json(data)
    return Attestation.model_validate_json(data)


def _find(dist: str) -> tuple[Path, bool]:
    for suffix in _SUFFIXES:
        candidate = Path(dist + suffix)
        if candidate.is_file():
            return candidate, suffix == ".provenance"
    tried = ", ".join(dist + s for s in _SUFFIXES)
    raise Error(f"no attestation found (looked for {tried}); pass --attestation or --provenance")


def _verify(args: argparse.Namespace, verifier: Callable[[], Verifier]) -> int:
    from sigstore_rs.pep740 import Attestation, verify_distributions

    if (args.attestation or args.provenance) and len(args.dists) > 1:
        print(
            "sigstore-rs pypi verify: error: --attestation/--provenance need a single DIST",
            file=sys.stderr,
        )
        return 2
    if args.workflow is not None and args.repository is None and args.gitlab_project is None:
        print(
            "sigstore-rs pypi verify: error: --workflow needs --repository or --gitlab-project",
            file=sys.stderr,
        )
        return 2
    if args.gitlab_project is not None and args.workflow is None:
        print(
            "sigstore-rs pypi verify: error: --gitlab-project needs --workflow PATH",
            file=sys.stderr,
        )
        return 2
    from_index = args.from_index or all("==" in d for d in args.dists)
    if from_index:
        return _verify_from_index(args, verifier)
    if any("==" in d for d in args.dists):
        print(
            "sigstore-rs pypi verify: error: NAME==VERSION and local files cannot be mixed "
            "(pass --from-index to check local files against the index)",
            file=sys.stderr,
        )
        return 2
    if args.index_url is not None:
        print(
            "sigstore-rs pypi verify: error: --index-url needs NAME==VERSION or --from-index",
            file=sys.stderr,
        )
        return 2
    if args.environment is not None:
        print(
            "sigstore-rs pypi verify: error: --environment is checked against an index's "
            "provenance only (NAME==VERSION or --from-index); a certificate does not carry it",
            file=sys.stderr,
        )
        return 2
    if (args.cert_identity is None) != (args.cert_oidc_issuer is None):
        print(
            "sigstore-rs pypi verify: error: --cert-identity and --cert-oidc-issuer go together",
            file=sys.stderr,
        )
        return 2
    tofu = args.trust_on_first_use
    if not tofu and _no_identity(args):
        print(f"sigstore-rs pypi verify: error: {_NO_PUBLISHER}", file=sys.stderr)
        return 2
    failures: dict[str, str] = {}
    items = []
    try:
        v = verifier()
        identity = _identity(args)
    except (Error, OSError) as e:
        for dist in args.dists:
            print(f"FAIL: {dist}: {e}", file=sys.stderr)
        return 1
    for dist in args.dists:
        try:
            if args.attestation is not None:
                evidence = _evidence(args.attestation, provenance=False)
            elif args.provenance is not None:
                evidence = _evidence(args.provenance, provenance=True)
            else:
                evidence = _evidence(*_find(dist))
            if isinstance(evidence, Attestation) and identity is None:
                raise Error(
                    "an attestation names no publisher to trust on first use: pass "
                    "--repository, --email or --cert-identity"
                )
        except (Error, OSError) as e:
            failures[dist] = str(e)
            continue
        items.append((dist, evidence, identity))
    results = iter(verify_distributions(items, verifier=v, trust_on_first_use=tofu))
    failed = False
    for dist in args.dists:
        reason = failures.get(dist)
        if reason is None:
            result = next(results)
            error = result.error
            reason = None if error is None else _cli_reason(error, staging=args.staging)
        if reason is None:
            print(f"OK: {dist}")
            # The verified publishers: a provenance object's own (which
            # satisfied the expected one, if any), else what was expected.
            if result.publishers:
                suffix = " (trusted on first use)" if identity is None else ""
                for p in result.publishers:
                    print(f"  publisher: {p}{suffix}")
            else:
                print(f"  {_expected(args)}")
        else:
            failed = True
            print(f"FAIL: {dist}: {reason}", file=sys.stderr)
    return 1 if failed else 0


def _inspect(path: Path) -> int:
    import json

    from sigstore_rs.pep740 import Attestation, Provenance

    data = path.read_bytes()
    what = "not a PEP 740 attestation, provenance object or Sigstore bundle"
    try:
        doc = json.loads(data)
    except ValueError:  # also UnicodeDecodeError: the bytes are not JSON text
        raise Error(f"{what} (not JSON)") from None
    except RecursionError:
        raise Error(f"{what} (JSON nested too deeply)") from None
    if not isinstance(doc, dict):
        raise Error(f"{what} (not a JSON object)")
    out: Any
    if "attestation_bundles" in doc:
        prov = Provenance.model_validate_json(data)
        out = {
            "provenance": [
                {
                    "publisher": json.loads(b.publisher.model_dump_json()),
                    "statements": [a.statement for a in b.attestations],
                }
                for b in prov.attestation_bundles
            ]
        }
    elif "mediaType" in doc or "media_type" in doc:
        # A bundle may spell its fields either way (protobuf JSON mapping).
        bundle = Bundle.from_json(data)
        out = {"bundle": bundle.media_type}
        if "dsseEnvelope" in doc or "dsse_envelope" in doc:
            out["statement"] = Attestation.from_bundle(bundle).statement
        else:
            signature = doc.get("messageSignature") or doc.get("message_signature") or {}
            out["messageDigest"] = signature.get("messageDigest") or signature.get("message_digest")
    else:
        out = {"statement": Attestation.model_validate_json(data).statement}
    print(json.dumps(out, indent=2))
    return 0


def _convert(path: Path, to_bundle: bool) -> int:
    from sigstore_rs.pep740 import Attestation

    if to_bundle:
        print(Attestation.model_validate_json(path.read_bytes()).to_bundle_json())
    else:
        print(Attestation.from_bundle(Bundle.from_file(path)).model_dump_json())
    return 0


def run(args: argparse.Namespace, verifier: Callable[[], Verifier]) -> int:
    """Runs a parsed ``pypi`` command; ``verifier`` builds the chosen trust root's verifier."""
    if args.pypi_command == "verify":
        return _verify(args, verifier)
    try:
        if args.pypi_command == "inspect":
            return _inspect(args.file)
        return _convert(args.file, args.to_bundle)
    except (Error, OSError, ValueError) as e:
        print(f"FAIL: {args.file}: {e}", file=sys.stderr)
        return 1
