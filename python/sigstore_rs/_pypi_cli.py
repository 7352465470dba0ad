"""``sigstore-rs pypi``: PEP 740 attestations on the command line.

    sigstore-rs [--staging | --instance URL | ...] pypi verify (--repository OWNER/REPO
        [--workflow W] [--gitlab] | --email EMAIL | --cert-identity ID --cert-oidc-issuer URL
        | --trust-on-first-use) [--offline] [--attestation F | --provenance F] DIST...
    sigstore-rs pypi inspect FILE
    sigstore-rs pypi convert [--to-bundle] FILE

``verify`` prints ``OK: DIST`` and the verified publisher (or identity) for
each verified distribution, and ``FAIL: DIST: reason`` on stderr for each
other one; exits 1 if any failed. Without ``--attestation``/``--provenance``
each DIST's attestation is looked for beside it (``DIST.publish.attestation``,
``DIST.attestation``, then ``DIST.provenance``).

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
    verify.add_argument("dists", nargs="+", metavar="DIST", help="a wheel or sdist file")

    sign = sub.add_parser("sign", help="sign distributions: DIST.publish.attestation each")
    from sigstore_rs import _sign_cli

    _sign_cli.add_token_options(sign)
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
    "--email EMAIL, or --cert-identity ID --cert-oidc-issuer URL; or pass "
    "--trust-on-first-use to accept the publisher a provenance object names"
)


def _expected(args: argparse.Namespace) -> str:
    """What an attestation verified against the command line's identity was
    shown to come from (a provenance object names its own publishers)."""
    if args.email is not None:
        return f"publisher: Google service account {args.email}"
    if args.cert_identity is not None:
        return f"identity: {args.cert_identity}, issuer {args.cert_oidc_issuer}"
    kind = "GitLab project" if args.gitlab else "GitHub repository"
    workflow = "any workflow" if args.workflow is None else f"workflow {args.workflow}"
    return f"publisher: {kind} {args.repository}, {workflow}"


def _identity(args: argparse.Namespace) -> VerificationPolicy | Publisher | None:
    from sigstore_rs.pep740 import GitHubPublisher, GitLabPublisher, GooglePublisher

    if args.email is not None:
        return GooglePublisher(email=args.email)
    if args.cert_identity is not None:
        return Identity(identity=args.cert_identity, issuer=args.cert_oidc_issuer)
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
        return GitLabPublisher(repository=args.repository, workflow_filepath=args.workflow)
    return GitHubPublisher(repository=args.repository, workflow=args.workflow)


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
    if args.workflow is not None and args.repository is None:
        print("sigstore-rs pypi verify: error: --workflow needs --repository", file=sys.stderr)
        return 2
    if (args.cert_identity is None) != (args.cert_oidc_issuer is None):
        print(
            "sigstore-rs pypi verify: error: --cert-identity and --cert-oidc-issuer go together",
            file=sys.stderr,
        )
        return 2
    tofu = args.trust_on_first_use
    if not tofu and args.repository is None and args.email is None and args.cert_identity is None:
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
