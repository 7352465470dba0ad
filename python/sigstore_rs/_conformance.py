"""The Sigstore conformance suite's client CLI (``sigstore-rs-conformance``).

    verify-bundle [--staging] [--offline] --bundle FILE
        (--certificate-identity ID --certificate-oidc-issuer URL | --key PEM)
        [--trusted-root FILE] FILE_OR_DIGEST
    sign-bundle [--staging] [--in-toto] --identity-token T --bundle FILE
        [--trusted-root FILE --signing-config FILE] FILE

Without ``--trusted-root``, the instance's trust material comes through TUF
(``Verifier.production()``); ``--offline`` (ours, not the suite's) makes no
request: the cache, else the embedded material, with a warning on stderr.

Exits 0 only when verification succeeds; the reason for a failure goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from sigstore_rs._trust_cli import warnings_on_stderr
from sigstore_rs.errors import Error
from sigstore_rs.verify import Bundle, Identity, Verifier


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sigstore-rs-conformance")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    verify = commands.add_parser("verify-bundle", help="verify an artifact against a bundle")
    verify.add_argument("--staging", action="store_true")
    verify.add_argument("--offline", action="store_true")
    verify.add_argument("--bundle", required=True, type=Path, metavar="FILE")
    verify.add_argument("--certificate-identity", metavar="ID")
    verify.add_argument("--certificate-oidc-issuer", metavar="URL")
    verify.add_argument("--key", type=Path, metavar="PEM")
    verify.add_argument("--trusted-root", type=Path, metavar="FILE")
    verify.add_argument("input", metavar="FILE_OR_DIGEST")

    sign = commands.add_parser("sign-bundle", help="sign an artifact into a bundle")
    sign.add_argument("--staging", action="store_true")
    sign.add_argument("--in-toto", action="store_true")
    sign.add_argument("--identity-token", required=True, metavar="TOKEN")
    sign.add_argument("--bundle", required=True, type=Path, metavar="FILE")
    sign.add_argument("--trusted-root", type=Path, metavar="FILE")
    sign.add_argument("--signing-config", type=Path, metavar="FILE")
    sign.add_argument("input", type=Path, metavar="FILE")
    return parser


def _verify_bundle(args: argparse.Namespace) -> int:
    if args.trusted_root is not None:
        verifier = Verifier.from_trusted_root(args.trusted_root)
    else:
        instance = Verifier.staging if args.staging else Verifier.production
        verifier = instance(offline=args.offline)
    bundle = Bundle.from_file(args.bundle)
    if args.key is not None:
        verifier.verify_artifact_with_key(args.input, bundle, args.key.read_bytes())
    else:
        policy = Identity(identity=args.certificate_identity, issuer=args.certificate_oidc_issuer)
        verifier.verify_artifact(args.input, bundle, policy)
    return 0


def _sign_bundle(args: argparse.Namespace) -> int:
    from sigstore_rs.sign import IdentityToken, SigningContext, write_atomic

    try:
        # The token first: a malformed one fails before any request.
        token = IdentityToken(args.identity_token)
        if args.trusted_root is not None and args.signing_config is not None:
            ctx = SigningContext.from_parts(args.trusted_root, args.signing_config)
        elif args.trusted_root is not None or args.signing_config is not None:
            print("sign-bundle: give both --trusted-root and --signing-config", file=sys.stderr)
            return 2
        else:
            ctx = SigningContext.staging() if args.staging else SigningContext.production()
        signer = ctx.signer(token)
        if args.in_toto:
            bundle = signer.sign_dsse(args.input.read_bytes())
        else:
            bundle = signer.sign_artifact(args.input)
        write_atomic(args.bundle, bundle.to_json())
    except (Error, OSError) as e:
        print(f"sign-bundle: {e}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 2
    with warnings_on_stderr():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    if args.command == "sign-bundle":
        return _sign_bundle(args)
    if args.key is None and (
        args.certificate_identity is None or args.certificate_oidc_issuer is None
    ):
        print(
            "verify-bundle: error: give --key, or --certificate-identity "
            "and --certificate-oidc-issuer",
            file=sys.stderr,
        )
        return 2
    try:
        return _verify_bundle(args)
    except (Error, OSError) as e:
        print(f"verify-bundle: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
