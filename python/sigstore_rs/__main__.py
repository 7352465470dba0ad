"""The ``sigstore-rs`` command line.

    sigstore-rs [--staging | --instance URL | --trust-config F | --trusted-root F] \\
        verify identity (--cert-identity ID | --cert-identity-regexp RE) \\
        --cert-oidc-issuer URL [--offline] [--bundle F] FILE_OR_DIGEST...
    sigstore-rs ... verify github --repository OWNER/REPO [--ref R] [--trigger T] \\
        [--name N] [--sha S] [--cert-identity ID] [--offline] [--bundle F] FILE_OR_DIGEST...
    sigstore-rs ... verify key --key PEM [--offline] [--bundle F] FILE_OR_DIGEST...
    sigstore-rs ... pypi (verify | inspect | convert | sign) ...   (see sigstore_rs._pypi_cli)
    sigstore-rs ... pylock (pin | verify) LOCK ...               (see sigstore_rs._pylock_cli)
    sigstore-rs ... (sign | attest) ...                         (see sigstore_rs._sign_cli)
    sigstore-rs ... pip install [--publisher NAME=SPEC]... [pip args]  (see sigstore_rs._pip_cli)
    sigstore-rs --instance URL trust-instance ROOT.json       (see sigstore_rs._trust_cli)
    sigstore-rs [--staging | --instance URL] trust (show [--offline] | refresh)

The trust material is the instance's (default: Sigstore's public-good
production instance; ``--staging``; ``--instance URL`` names any TUF
repository trusted with ``trust-instance``), kept current through TUF in the
per-user cache and refreshed when it is more than twelve hours old.
``--offline`` makes no request: the cache, else the material embedded in
this release. ``--trust-config`` and ``--trusted-root`` bypass TUF. Every
fallback (unreachable repository, offline material) is a ``warning: ...``
line on stderr.

``verify identity`` and ``verify github`` also verify a legacy detached
signature, as sigstore-python's ``--certificate``/``--signature`` do::

    sigstore-rs ... verify identity ... --certificate FILE.crt --signature FILE.sig \\
        [--rekor-bundle F] [--offline] [--rekor-url URL] FILE

Any of ``--certificate``, ``--signature``, ``--rekor-bundle`` or ``--rekor-url``
selects that mode; certificate and signature default to ``FILE.crt`` and
``FILE.sig``. The Rekor log entry is read from ``--rekor-bundle`` (default
``FILE.rekor`` if present), else looked up in the trusted root's Rekor v1 log
(or ``--rekor-url``); ``--offline`` forbids that.

Prints ``OK: FILE`` on stdout for each verified input and ``FAIL: FILE: reason``
on stderr for each other one; exits 1 if any failed, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from sigstore_rs import (
    __version__,
    _pip_cli,
    _pylock_cli,
    _pypi_cli,
    _sign_cli,
    _testing_cli,
    _trust_cli,
)
from sigstore_rs.errors import Error, _cli_reason
from sigstore_rs.verify import (
    Bundle,
    GitHubWorkflow,
    Identity,
    IdentityRegex,
    VerificationPolicy,
    Verifier,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

_DIGEST_PREFIX = "sha256:"
_BUNDLE_SUFFIXES = (".sigstore.json", ".sigstore")


#: Top-level commands and their one-line help.
_COMMANDS = {
    "verify": "verify artifacts against Sigstore bundles",
    "pypi": "PEP 740 attestations of Python distributions",
    "pip": "install with pip, provenance verified from the index",
    "pylock": "pin PEP 751 lock files to Trusted Publishers, and verify them",
    "sign": "sign files (keyless)",
    "attest": "sign an in-toto attestation about files",
    "trust-instance": "trust a Sigstore instance: its TUF root, with --instance URL",
    "trust": "show or refresh the trust material (TUF)",
    "testing": "a local Sigstore instance for tests",
    "pypi-attestations": "pypi-attestations' command line (`python -m pypi_attestations`): "
    "sign, verify attestation|pypi, inspect, convert, with its flags",
}


def _command_of(argv: Sequence[str]) -> str | None:
    """The top-level command ``argv`` names, if it names a known one: the
    first word that is neither a global option nor its value."""
    words = iter(argv)
    for word in words:
        if word in ("--trust-config", "--trusted-root", "--instance"):
            next(words, None)
        elif not word.startswith("-"):
            return word if word in _COMMANDS else None
    return None


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The CLI parser. With ``only``, the other commands are registered with
    their help line but no arguments: building every subcommand's options
    costs argparse several milliseconds on each start."""
    parser = argparse.ArgumentParser(prog="sigstore-rs", description="A native Sigstore client.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    trust = parser.add_mutually_exclusive_group()
    trust.add_argument(
        "--staging",
        action="store_true",
        help="use Sigstore's staging instance (default: the public-good production instance)",
    )
    trust.add_argument(
        "--instance",
        metavar="URL",
        help="use the Sigstore instance whose TUF repository is URL (see trust-instance)",
    )
    trust.add_argument(
        "--trust-config",
        type=Path,
        metavar="FILE",
        help="a ClientTrustConfig JSON file (no TUF)",
    )
    trust.add_argument(
        "--trusted-root", type=Path, metavar="FILE", help="a trusted_root.json file (no TUF)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    if only is not None:
        for name, help in _COMMANDS.items():
            if name != only and not (
                (only in ("sign", "attest") and name in ("sign", "attest"))
                or (only in ("trust", "trust-instance") and name in ("trust", "trust-instance"))
            ):
                commands.add_parser(name, help=help, add_help=False)
    if only in (None, "verify"):
        _add_verify(commands)
    if only in (None, "pypi"):
        _pypi_cli.add_parser(commands)
    if only in (None, "pip"):
        _pip_cli.add_parser(commands)
    if only in (None, "pylock"):
        _pylock_cli.add_parser(commands)
    if only in (None, "sign", "attest"):
        _sign_cli.add_parsers(commands)
    if only in (None, "trust", "trust-instance"):
        _trust_cli.add_parsers(commands)
    if only in (None, "testing"):
        _add_testing(commands)
    if only in (None, "pypi-attestations"):
        # Parsed by the compatible module itself (see main()).
        compat = commands.add_parser(
            "pypi-attestations", help=_COMMANDS["pypi-attestations"], add_help=False
        )
        compat.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def _add_testing(commands: Any) -> None:
    testing = commands.add_parser("testing", help=_COMMANDS["testing"])
    testing_cmds = testing.add_subparsers(dest="kind", required=True, metavar="ACTION")
    serve = testing_cmds.add_parser(
        "serve",
        help="serve a local instance until SIGINT/SIGTERM, writing DIR/trust_config.json "
        "and DIR/token (refreshed every minute)",
    )
    serve.add_argument("--dir", required=True, type=Path, metavar="DIR")
    serve.add_argument("--rekor-version", type=int, choices=(1, 2), default=1)
    serve.add_argument(
        "--rekor",
        choices=("v1", "v2", "both"),
        default=None,
        help="the Rekor logs the signing config offers (default: both, --rekor-version's "
        "first); the trusted root lists both",
    )
    serve.add_argument(
        "--latency",
        action="append",
        default=[],
        metavar="SERVICE=SECONDS",
        help="delay each answer of SERVICE (oidc, fulcio, rekor-v1, rekor-v2, tsa); Rekor "
        "v2's delay is its batching window, uploads in one window answered together at its "
        "end (repeatable)",
    )
    serve.add_argument(
        "--tuf",
        action="store_true",
        help="also write DIR/tuf.json: the URL of the instance's TUF repository and the path "
        "of its first root.json (for `--instance URL trust-instance ROOT`)",
    )
    serve.add_argument(
        "--identity", default=None, metavar="ID", help="the identity DIR/token is for"
    )
    serve.add_argument(
        "--index",
        action="store_true",
        help='also write DIR/index.json: {"simple": URL, "upload": URL}, the package '
        "index's simple API and legacy upload API (twine's --repository-url)",
    )
    serve.add_argument(
        "--trusted-publisher",
        action="append",
        default=[],
        metavar="PROJECT=SPEC",
        help="let a Trusted Publisher upload to PROJECT on the index; SPEC is "
        "github:OWNER/REPO:WORKFLOW[:ENV], gitlab:NAMESPACE/PROJECT:WORKFLOW_PATH[:ENV] "
        "or google:EMAIL (repeatable)",
    )
    _testing_cli.add_token_parser(testing_cmds)


def _add_verify(commands: Any) -> None:
    verify = commands.add_parser("verify", help=_COMMANDS["verify"])
    kinds = verify.add_subparsers(dest="kind", required=True, metavar="KIND")

    identity = kinds.add_parser("identity", help="verify against a signing identity")
    who = identity.add_mutually_exclusive_group(required=True)
    who.add_argument("--cert-identity", metavar="ID", help="the certificate's exact identity")
    who.add_argument(
        "--cert-identity-regexp",
        metavar="RE",
        help="a regular expression the certificate's identity must fully match",
    )
    identity.add_argument(
        "--cert-oidc-issuer", required=True, metavar="URL", help="the identity's OIDC issuer"
    )

    github = kinds.add_parser("github", help="verify against a GitHub Actions workflow identity")
    github.add_argument("--repository", required=True, metavar="OWNER/REPO")
    github.add_argument("--ref", metavar="REF", help="e.g. refs/heads/main")
    github.add_argument("--trigger", metavar="EVENT", help="e.g. push, release")
    github.add_argument("--name", metavar="NAME", help="the workflow's name")
    github.add_argument("--sha", metavar="SHA", help="the commit the workflow ran at")
    github.add_argument("--cert-identity", metavar="ID", help="the workflow's exact identity")

    key = kinds.add_parser("key", help="verify against a public key")
    key.add_argument("--key", required=True, type=Path, metavar="PEM", help="a PEM public key")

    for sub in (identity, github, key):
        sub.add_argument(
            "--bundle",
            type=Path,
            metavar="FILE",
            help="the bundle (default: FILE.sigstore.json, then FILE.sigstore); "
            "only with a single input",
        )
        needs = "--bundle" if sub is key else "--bundle, or --certificate and --signature"
        sub.add_argument(
            "inputs",
            nargs="+",
            metavar="FILE_OR_DIGEST",
            help=f'an artifact file, or its digest "sha256:<hex>" (needs {needs})',
        )
    for sub in (identity, github):
        legacy = sub.add_argument_group(
            "legacy detached signatures",
            "verify a certificate and signature pair instead of a bundle; only with a single input",
        )
        legacy.add_argument(
            "--certificate",
            "--cert",
            type=Path,
            metavar="FILE",
            help="the PEM signing certificate (default: FILE.crt)",
        )
        legacy.add_argument(
            "--signature",
            type=Path,
            metavar="FILE",
            help="the base64 signature (default: FILE.sig)",
        )
        legacy.add_argument(
            "--rekor-bundle",
            type=Path,
            metavar="FILE",
            help="the Rekor log entry: a cosign Rekor bundle, or the entry JSON saved from "
            "Rekor (default: FILE.rekor if present, else looked up in Rekor)",
        )
        legacy.add_argument(
            "--rekor-url",
            metavar="URL",
            help="the Rekor v1 instance to look the entry up in "
            "(default: the trusted root's Rekor v1 log)",
        )
    for sub in (identity, github, key):
        detached = "" if sub is key else "; a detached signature then needs --rekor-bundle"
        sub.add_argument(
            "--offline",
            action="store_true",
            help="use no network: the cached trust material, else the material embedded in "
            f"this release (with a warning saying how old){detached}",
        )


def _legacy(args: argparse.Namespace) -> bool:
    """Whether to verify a detached certificate and signature (not a bundle)."""
    return args.kind != "key" and any(
        x is not None for x in (args.certificate, args.signature, args.rekor_bundle, args.rekor_url)
    )


def _policy(args: argparse.Namespace) -> VerificationPolicy:
    if args.kind == "identity":
        if args.cert_identity is not None:
            return Identity(identity=args.cert_identity, issuer=args.cert_oidc_issuer)
        return IdentityRegex(pattern=args.cert_identity_regexp, issuer=args.cert_oidc_issuer)
    return GitHubWorkflow(
        repository=args.repository,
        ref=args.ref,
        trigger=args.trigger,
        name=args.name,
        sha=args.sha,
        identity=args.cert_identity,
    )


def _verifier(args: argparse.Namespace) -> Verifier:
    if args.trusted_root is not None:
        return Verifier.from_trusted_root(args.trusted_root)
    if args.trust_config is not None:
        return Verifier.from_trust_config(args.trust_config)
    offline = getattr(args, "offline", False)
    return Verifier.for_instance(_trust_cli.instance(args), offline=offline)


def _bundle_path(input: str, explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    for suffix in _BUNDLE_SUFFIXES:
        candidate = Path(input + suffix)
        if candidate.is_file():
            return candidate
    tried = " or ".join(input + s for s in _BUNDLE_SUFFIXES)
    raise Error(f"no bundle found (looked for {tried}); pass --bundle")


def _read_material(path: Path, what: str, flag: str) -> bytes:
    if not path.is_file():
        raise Error(f"missing {what} {path} (pass {flag})")
    return path.read_bytes()


def _verify_detached(args: argparse.Namespace, verifier: Verifier, input: str) -> None:
    certificate = _read_material(
        args.certificate or Path(input + ".crt"), "certificate", "--certificate"
    )
    signature = _read_material(args.signature or Path(input + ".sig"), "signature", "--signature")
    rekor_path = args.rekor_bundle
    if rekor_path is None and Path(input + ".rekor").is_file():
        rekor_path = Path(input + ".rekor")
    rekor_bundle = None
    if rekor_path is not None:
        rekor_bundle = _read_material(rekor_path, "Rekor bundle", "--rekor-bundle")
    elif args.offline:
        raise Error(
            "--offline needs the transparency log entry of the signature: pass --rekor-bundle "
            "FILE (a cosign Rekor bundle, or the entry JSON saved from Rekor)"
        )
    verifier.verify_detached(
        input,
        certificate,
        signature,
        _policy(args),
        rekor_bundle=rekor_bundle,
        offline=args.offline,
        rekor_url=args.rekor_url,
    )


def _verify(args: argparse.Namespace) -> int:
    # Fails per input rather than up front, so every input gets its line.
    check: Callable[[str], None]
    try:
        verifier = _verifier(args)
        if args.kind == "key":
            key_pem = args.key.read_bytes()

            def check(input: str) -> None:
                bundle = Bundle.from_file(_bundle_path(input, args.bundle))
                verifier.verify_artifact_with_key(input, bundle, key_pem)

        elif _legacy(args):

            def check(input: str) -> None:
                _verify_detached(args, verifier, input)

        else:
            policy = _policy(args)

            def check(input: str) -> None:
                bundle = Bundle.from_file(_bundle_path(input, args.bundle))
                verifier.verify_artifact(input, bundle, policy)

    except (Error, OSError) as e:
        for input in args.inputs:
            print(f"FAIL: {input}: {e}", file=sys.stderr)
        return 1

    failed = False
    for input in args.inputs:
        try:
            check(input)
        except (Error, OSError) as e:
            failed = True
            print(f"FAIL: {input}: {_cli_reason(e, staging=args.staging)}", file=sys.stderr)
        else:
            print(f"OK: {input}")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["pypi-attestations"]:
        return _pypi_attestations(argv[1:])
    command = _command_of(argv)
    parser = _parser(command)
    try:
        if command == "pip":
            # pip's own options, wherever they are, go to pip.
            args, unknown = parser.parse_known_args(argv)
            args.pip_args = unknown + args.pip_args
        else:
            args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version and usage errors
        return e.code if isinstance(e.code, int) else 2
    with _trust_cli.warnings_on_stderr():
        return _run(parser, args)


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command in ("trust", "trust-instance"):
        problem = _trust_cli.usage_error(args)
        if problem is not None:
            print(f"{parser.prog} {args.command}: error: {problem}", file=sys.stderr)
            return 2
        return _trust_cli.run(args)
    if args.command in ("sign", "attest"):
        return _sign_cli.run(args)
    if args.command == "pypi":
        if args.pypi_command == "sign":
            return _sign_cli.pypi_sign(args, lambda: _sign_cli.context(args))
        return _pypi_cli.run(args, lambda: _verifier(args))
    if args.command == "pypi-attestations":
        print(
            f"{parser.prog}: error: pypi-attestations takes no options before it; "
            "give them after it, as pypi-attestations does (e.g. `pypi-attestations verify "
            "attestation --staging ...`)",
            file=sys.stderr,
        )
        return 2
    if args.command == "pip":
        return _pip_cli.run(args, lambda: _verifier(args))
    if args.command == "pylock":
        return _pylock_cli.run(args, lambda: _verifier(args))
    if args.command == "testing":
        if args.kind == "token":
            return _testing_cli.token(args)
        return _serve(args)
    digests = any(i.startswith(_DIGEST_PREFIX) for i in args.inputs)
    if _legacy(args):
        if args.bundle is not None:
            return _usage_error(
                parser, args, "--bundle cannot be used with --certificate or --signature"
            )
        if len(args.inputs) > 1:
            return _usage_error(
                parser,
                args,
                "--certificate, --signature and --rekor-bundle may only be given "
                "with a single input",
            )
        if digests and (args.certificate is None or args.signature is None):
            return _usage_error(
                parser, args, "a sha256: digest input needs --certificate and --signature"
            )
        return _verify(args)
    if args.bundle is not None and len(args.inputs) > 1:
        return _usage_error(parser, args, "--bundle may only be given with a single input")
    if args.bundle is None and digests:
        return _usage_error(parser, args, "a sha256: digest input needs --bundle")
    return _verify(args)


def _serve(args: argparse.Namespace) -> int:
    import signal
    import threading

    try:
        from sigstore_rs.testing import DEFAULT_IDENTITY, Instance
    except ImportError as e:  # a build without the Cargo feature `testing`
        print(f"sigstore-rs testing: error: {e}", file=sys.stderr)
        return 1

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    identity = args.identity or DEFAULT_IDENTITY
    args.dir.mkdir(parents=True, exist_ok=True)
    latency: dict[str, float] = {}
    for arg in args.latency:
        service, _, secs = arg.partition("=")
        try:
            latency[service] = float(secs)
        except ValueError:
            print(
                f"sigstore-rs testing serve: error: --latency: {arg!r} is not SERVICE=SECONDS",
                file=sys.stderr,
            )
            return 2
    rekor_version = 2 if args.rekor == "v2" else 1 if args.rekor == "v1" else args.rekor_version
    try:
        instance = Instance.start(
            rekor_version=rekor_version,
            default_identity=identity,
            rekor=args.rekor or "both",
            latency=latency,
        )
    except ValueError as e:
        print(f"sigstore-rs testing serve: error: {e}", file=sys.stderr)
        return 2
    with instance as inst:
        for arg in args.trusted_publisher:
            project, _, spec = arg.partition("=")
            try:
                if not project or not spec:
                    raise ValueError(f"{arg!r} is not PROJECT=SPEC")
                inst.add_trusted_publisher(project, spec)
            except ValueError as e:
                print(
                    f"sigstore-rs testing serve: error: --trusted-publisher: {e}", file=sys.stderr
                )
                return 2
        inst.write_trust_config(args.dir / "trust_config.json")
        if args.index:
            tmp = args.dir / "index.json.tmp"
            urls = {"simple": inst.index_url, "upload": inst.upload_url}
            tmp.write_text(json.dumps(urls), encoding="utf-8")
            tmp.replace(args.dir / "index.json")
        if args.tuf:
            root = inst.write_tuf_root(args.dir / "tuf_root.json")
            tmp = args.dir / "tuf.json.tmp"
            tmp.write_text(json.dumps({"url": inst.tuf_url, "root": str(root)}), encoding="utf-8")
            tmp.replace(args.dir / "tuf.json")
        from sigstore_rs.sign import write_atomic

        # Owner-only: write_atomic's temporary file is mkstemp's (mode 0600).
        write_atomic(
            args.dir / "mint.json",
            json.dumps({"url": inst.issuer + "/testing/mint", "secret": inst.mint_secret}),
        )
        print(f"serving; issuer {inst.issuer}; trust config in {args.dir}", flush=True)
        while True:
            tmp = args.dir / "token.tmp"
            tmp.write_text(inst.token(identity), encoding="utf-8")
            tmp.replace(args.dir / "token")
            if stop.wait(60):
                break
    return 0


def _pypi_attestations(argv: Sequence[str]) -> int:
    """``sigstore-rs pypi-attestations ...``: the same commands, flags,
    output and exit codes as ``python -m pypi_attestations`` 0.0.30."""
    from sigstore_rs import _pypi_attestations_cli

    try:
        _pypi_attestations_cli.main(list(argv))
    except SystemExit as e:
        if e.code is None:
            return 0
        return e.code if isinstance(e.code, int) else 1
    return 0


def _usage_error(parser: argparse.ArgumentParser, args: argparse.Namespace, msg: str) -> int:
    print(f"{parser.prog} {args.command} {args.kind}: error: {msg}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
