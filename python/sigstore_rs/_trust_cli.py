"""Trust material on the command line: the instance the global options
name, ``trust-instance``, ``trust show`` and ``trust refresh``.

    sigstore-rs --instance URL trust-instance ROOT.json
    sigstore-rs [--staging | --instance URL] trust show [--offline]
    sigstore-rs [--staging | --instance URL] trust refresh

Each prints where the material came from (refreshed, the cache and its age,
or the material embedded in this release), the cache directory, the TUF root
version and when the TUF timestamp expires, what the trusted root trusts and
the services signing would use. A refused update prints ``FAIL: URL: reason``
(the reason names the TUF role and check) on stderr and exits 1; fallbacks
print ``warning: ...`` lines on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
import warnings

from sigstore_rs import trust
from sigstore_rs.errors import Error, TrustWarning

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

_KINDS = {"tlog": "Rekor log", "ctlog": "CT log", "ca": "Fulcio CA", "tsa": "TSA", "oidc": "OIDC"}


def instance(args: argparse.Namespace) -> str:
    """The TUF repository the global options name (default: production)."""
    if args.instance is not None:
        return str(args.instance)
    return trust.STAGING if args.staging else trust.PRODUCTION


def _print_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    print(f"warning: {message}", file=sys.stderr)


@contextlib.contextmanager
def warnings_on_stderr() -> Iterator[None]:
    """Within it, warnings (``TrustWarning``: the trust material may not be
    current) are ``warning: ...`` lines on stderr, every time, rather than
    Python's ``file:line: Category: ...`` format."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", TrustWarning)
        warnings.showwarning = _print_warning
        yield


def add_parsers(commands: Any) -> None:
    trust_instance = commands.add_parser(
        "trust-instance",
        help="trust a Sigstore instance: its TUF root, with --instance URL",
        description="Trusts ROOT (the TUF root.json of the repository --instance URL names) "
        "as that instance's first root, replacing its cache, and refreshes from it.",
    )
    trust_instance.add_argument("root", metavar="ROOT.json", help="the instance's TUF root")
    group = commands.add_parser("trust", help="show or refresh the trust material (TUF)")
    actions = group.add_subparsers(dest="trust_command", required=True, metavar="ACTION")
    show = actions.add_parser(
        "show", help="where the trust material comes from, when it expires, what it trusts"
    )
    show.add_argument(
        "--offline",
        action="store_true",
        help="use no network: the cache, else the material embedded in this release",
    )
    actions.add_parser("refresh", help="refresh the trust material through TUF now")


def usage_error(args: argparse.Namespace) -> str | None:
    """What is wrong with a trust command line, if anything."""
    if args.trusted_root is not None or args.trust_config is not None:
        return "trust material files bypass TUF: use --staging or --instance URL"
    if args.command == "trust-instance" and args.instance is None:
        return "trust-instance needs --instance URL (the instance's TUF repository)"
    return None


def run(args: argparse.Namespace) -> int:
    url = instance(args)
    try:
        if args.command == "trust-instance":
            material = trust.trust_instance(url, args.root)
        elif args.trust_command == "refresh":
            material = trust.refresh(url)
        else:
            material = trust.load(url, offline=args.offline)
        # A malformed signing config is reported, not fatal to the report.
        try:
            services = material.services()
        except Error as e:
            services = []
            print(f"warning: {e}", file=sys.stderr)
    except (Error, OSError) as e:
        print(f"FAIL: {url}: {e}", file=sys.stderr)
        return 1
    _report(material, services)
    if material.origin != "refreshed" and (
        args.command == "trust-instance" or args.trust_command == "refresh"
    ):
        # The fallback is reported above (and in the warnings); the refresh
        # asked for did not happen.
        print(f"FAIL: {url}: not refreshed", file=sys.stderr)
        return 1
    return 0


def _time(t: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _ago(seconds: float) -> str:
    s = int(max(seconds, 0))
    for limit, unit, size in ((120, "second", 1), (7200, "minute", 60), (172800, "hour", 3600)):
        if s < limit:
            n = s // size
            return f"{n} {unit}{'' if n == 1 else 's'}"
    n = s // 86400
    return f"{n} day{'' if n == 1 else 's'}"


def _report(material: trust.TrustMaterial, services: list[tuple[str, str, int]]) -> None:
    now = time.time()
    if material.origin == "refreshed":
        origin = "refreshed through TUF just now"
    elif material.origin == "cache":
        at = material.refreshed_at
        when = "never refreshed" if at is None else f"refreshed {_ago(now - at)} ago"
        origin = f"cache ({when})"
    else:
        origin = "embedded in this release of sigstore_rs (no usable cache)"
    lines = [
        f"instance:        {material.url}",
        f"trust material:  {origin}",
        f"cache directory: {material.cache_dir}",
    ]
    if material.root_version is not None:
        lines.append(f"TUF root:        version {material.root_version}")
    expires = material.expires
    if expires is not None:
        state = (
            f"in {_ago(expires - now)}" if expires > now else f"expired {_ago(now - expires)} ago"
        )
        lines.append(f"TUF timestamp:   expires {_time(expires)} ({state})")
    lines.append("trusted root:")
    for kind, url, start, end in material.authorities():
        valid = f"from {_time(start)}" if end is None else f"{_time(start)} to {_time(end)}"
        lines.append(f"  {_KINDS[kind]:10} {url or '(no URL)'}  valid {valid}")
    if services:
        lines.append("signing config (services selected now):")
        lines += [f"  {_KINDS[k]:10} {url} (API v{v})" for k, url, v in services]
    print("\n".join(lines))
