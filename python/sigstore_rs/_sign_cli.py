"""The ``sign``, ``attest`` and ``pypi sign`` commands.

    sigstore-rs [--staging | --instance URL | --trust-config F] sign [--identity-token T]
        [--oauth-force-oob] [--jobs N]
        [--bundle F | --output-directory D] [--signature F --certificate F] FILE...
    sigstore-rs ... attest --predicate-type T --predicate FILE [...] FILE...
    sigstore-rs ... pypi sign [--jobs N] DIST...

The services and trust material are the instance's signing config and
trusted root, kept current through TUF (see ``sigstore_rs._trust_cli``), or
``--trust-config``'s. Many inputs are signed with one token and one
certificate, up to ``--jobs`` at once (``Signer.sign_artifacts``); each
input's outputs are written atomically as soon as its bundle is verified,
with a progress line on stderr when it is a terminal. An input that fails
is named on stderr and leaves no file behind; the others keep theirs, and
the exit status is 1. Ctrl-C starts no further input; the ones in flight
finish and are written, the ones not started are named, and the exit status
is 130.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

from sigstore_rs import _rust, _trust_cli
from sigstore_rs.errors import Error, IdentityError, NotSignedError
from sigstore_rs.sign import (
    PYPI_PUBLISH_PREDICATE,
    IdentityToken,
    Signer,
    SigningContext,
    detect_credential,
    in_toto_statement,
    interactive_token,
    write_atomic,
)
from sigstore_rs.verify import Bundle

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

_TOKEN_ENV = ("SIGSTORE_ID_TOKEN", "SIGSTORE_IDENTITY_TOKEN")


def add_token_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--identity-token",
        metavar="TOKEN",
        help="the OIDC identity token (default: $SIGSTORE_ID_TOKEN, an ambient CI "
        "credential, else the browser flow)",
    )
    p.add_argument(
        "--oauth-force-oob", action="store_true", help="paste the OAuth code instead of a redirect"
    )


def add_jobs_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N",
        help="inputs signed at once (timestamps and log uploads in flight; default: as "
        "suits the log, 100 for Rekor v1, 256 for Rekor v2)",
    )


def _jobs(s: str) -> int:
    try:
        n = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs takes a number, not {s!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"--jobs must be at least 1, not {n}")
    return n


def add_output_options(p: argparse.ArgumentParser, legacy: bool) -> None:
    out = p.add_mutually_exclusive_group()
    out.add_argument("--bundle", type=Path, metavar="FILE", help="only with a single input")
    out.add_argument("--output-directory", type=Path, metavar="DIR")
    if legacy:
        p.add_argument("--signature", type=Path, metavar="FILE", help="write a detached signature")
        p.add_argument("--certificate", type=Path, metavar="FILE", help="write the PEM certificate")


def add_parsers(commands: Any) -> None:
    sign = commands.add_parser("sign", help="sign files (keyless)")
    add_token_options(sign)
    add_jobs_option(sign)
    add_output_options(sign, legacy=True)
    sign.add_argument("files", nargs="+", type=Path, metavar="FILE")

    attest = commands.add_parser("attest", help="sign an in-toto attestation about files")
    attest.add_argument("--predicate-type", required=True, metavar="URI")
    attest.add_argument("--predicate", required=True, type=Path, metavar="FILE")
    add_token_options(attest)
    add_jobs_option(attest)
    add_output_options(attest, legacy=False)
    attest.add_argument("files", nargs="+", type=Path, metavar="FILE")


def context(args: argparse.Namespace) -> SigningContext:
    if getattr(args, "trust_config", None) is not None:
        return SigningContext.from_trust_config(args.trust_config)
    if getattr(args, "trusted_root", None) is not None:
        raise Error("signing needs a signing config: pass --trust-config (not --trusted-root)")
    return SigningContext.for_instance(_trust_cli.instance(args))


def token(args: argparse.Namespace, ctx: SigningContext) -> IdentityToken:
    raw = args.identity_token or next(
        (os.environ[v] for v in _TOKEN_ENV if os.environ.get(v)), None
    )
    if raw:
        return IdentityToken(raw)
    ambient = detect_credential()
    if ambient:
        return IdentityToken(ambient)
    if ctx.oidc_url is None:
        raise IdentityError("no identity token, and the signing config names no OIDC issuer")
    return interactive_token(ctx.oidc_url, force_oob=args.oauth_force_oob)


def _pem(der: bytes) -> str:
    import base64

    b64 = base64.b64encode(der).decode()
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def _out(args: argparse.Namespace, f: Path, suffix: str) -> Path:
    if getattr(args, "bundle", None) is not None:
        return Path(args.bundle)
    if args.output_directory is not None:
        return Path(args.output_directory) / (f.name + suffix)
    return f.with_name(f.name + suffix)


def _write_all(outputs: list[tuple[Path, bytes]]) -> None:
    written: list[Path] = []
    try:
        for path, data in outputs:
            write_atomic(path, data)
            written.append(path)
    except BaseException:
        for p in written:
            p.unlink(missing_ok=True)
        raise


class _Batch:
    """Writes each input's outputs as its bundle completes (on the signing
    threads, one at a time), with a progress line on a terminal; reports
    the run, interrupted or not."""

    def __init__(
        self, names: list[Path], outputs: Callable[[int, Bundle], list[tuple[Path, bytes]]]
    ):
        self.names = names
        self.outputs = outputs
        self.written: dict[int, list[Path]] = {}
        self.results: dict[int, Bundle | Exception] = {}
        self.done = 0
        self.start = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.lock = threading.Lock()

    def __call__(self, i: int, result: Bundle | Exception) -> None:
        with self.lock:
            if isinstance(result, Bundle):
                try:
                    outs = self.outputs(i, result)
                    _write_all(outs)
                except Exception as e:  # that input's failure, reported with the others
                    result = e
                else:
                    self.written[i] = [p for p, _ in outs]
            self.results[i] = result
            if isinstance(result, NotSignedError):
                return
            self.done += 1
            if self.tty:
                status = "ok" if isinstance(result, Bundle) else "FAILED"
                elapsed = time.monotonic() - self.start
                print(
                    f"[{self.done}/{len(self.names)}] {self.names[i]}: {status} ({elapsed:.1f} s)",
                    file=sys.stderr,
                    flush=True,
                )

    def run(
        self,
        sign: Callable[[Callable[[int, Bundle | Exception], None]], list[Bundle | Exception]],
    ) -> int:
        """Runs ``sign(on_done)`` and reports: ``Wrote`` lines for what was
        written, ``FAIL`` lines (on stderr) for what failed; the exit
        status: 0, 1 when an input failed, 130 when Ctrl-C interrupted the
        run (the inputs in flight finish and are written; the ones not
        started are named)."""
        try:
            returned = sign(self)
        except KeyboardInterrupt:
            self._report()
            not_signed = [
                str(self.names[i])
                for i in range(len(self.names))
                if isinstance(self.results.get(i), NotSignedError) or i not in self.results
            ]
            print(
                f"interrupted: {len(self.written)} of {len(self.names)} inputs signed and "
                f"written; not signed: {', '.join(not_signed) or 'none'}",
                file=sys.stderr,
            )
            return 130
        for i, r in enumerate(returned):
            self.results.setdefault(i, r)
        return 1 if self._report() else 0

    def _report(self) -> int:
        failed = 0
        for i in range(len(self.names)):
            r = self.results.get(i)
            if r is None or isinstance(r, NotSignedError):
                continue
            if isinstance(r, Exception):
                failed += 1
                print(f"FAIL: {self.names[i]}: {r}", file=sys.stderr)
            else:
                for p in self.written.get(i, []):
                    print(f"Wrote {p}")
        return failed


def _bundle_certificate(bundle: Bundle) -> bytes:
    import base64
    import json

    doc = json.loads(bundle.to_json())
    return base64.b64decode(doc["verificationMaterial"]["certificate"]["rawBytes"])


def run(args: argparse.Namespace) -> int:
    files: list[Path] = args.files
    if getattr(args, "bundle", None) is not None and len(files) > 1:
        print("error: --bundle may only be given with a single input", file=sys.stderr)
        return 2
    legacy = getattr(args, "signature", None) is not None or getattr(args, "certificate", None)
    if legacy and len(files) > 1:
        print("error: --signature/--certificate need a single input", file=sys.stderr)
        return 2
    try:
        for f in files:
            if not f.is_file():
                raise Error(f"{f} is not a file")
        ctx = context(args)
        signer: Signer = ctx.signer(token(args, ctx))
        if args.command == "attest":
            import json

            predicate = json.loads(args.predicate.read_bytes())
            statements = [
                in_toto_statement([(f.name, _rust.sha256_file(f))], args.predicate_type, predicate)
                for f in files
            ]

            def outputs(i: int, bundle: Bundle) -> list[tuple[Path, bytes]]:
                return [(_out(args, files[i], ".sigstore.json"), bundle.to_json().encode())]

            batch = _Batch(files, outputs)
            return batch.run(
                lambda done: signer.sign_dsse_many(statements, jobs=args.jobs, on_done=done)
            )
        else:

            def outputs(i: int, bundle: Bundle) -> list[tuple[Path, bytes]]:
                outs = [(_out(args, files[i], ".sigstore.json"), bundle.to_json().encode())]
                if legacy:
                    import json

                    doc = json.loads(bundle.to_json())
                    sig = doc["messageSignature"]["signature"]
                    if args.signature is not None:
                        outs.append((args.signature, sig.encode()))
                    if args.certificate is not None:
                        cert = _pem(_bundle_certificate(bundle))
                        outs.append((args.certificate, cert.encode()))
                return outs

            batch = _Batch(files, outputs)
            return batch.run(
                lambda done: signer.sign_artifacts(files, jobs=args.jobs, on_done=done)
            )
    except (Error, OSError, ValueError) as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1


def pypi_sign(args: argparse.Namespace, ctx_factory: Callable[[], SigningContext]) -> int:
    """``pypi sign DIST...``: one ``DIST.publish.attestation`` per distribution."""
    try:
        dists = [_rust.Distribution.from_file(os.fspath(d)) for d in args.dists]
        ctx = ctx_factory()
        signer = ctx.signer(token(args, ctx))
        statements = [
            in_toto_statement([(dist.name, "sha256:" + dist.digest)], PYPI_PUBLISH_PREDICATE)
            for dist in dists
        ]

        def outputs(i: int, bundle: Bundle) -> list[tuple[Path, bytes]]:
            att = _rust.Attestation.from_bundle(bundle._inner)
            return [(Path(str(args.dists[i]) + ".publish.attestation"), att.to_json().encode())]

        batch = _Batch(list(args.dists), outputs)
        jobs = getattr(args, "jobs", None)
        return batch.run(lambda done: signer.sign_dsse_many(statements, jobs=jobs, on_done=done))
    except (Error, OSError, ValueError) as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
