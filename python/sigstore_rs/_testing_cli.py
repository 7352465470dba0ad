"""``sigstore-rs testing token``: a token minted by a running local instance
(``sigstore-rs testing serve --dir DIR``), for scripts and other tools that
sign or upload as a CI workflow would.

The serving process writes ``DIR/mint.json`` (readable by its owner only):
the URL of the issuer's ``POST /testing/mint`` endpoint and the bearer
secret it takes. The claims are built here, as :func:`sigstore_rs.testing.ci_identity`
builds them; the running instance signs them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_token_parser", "token"]


def add_token_parser(testing_cmds: Any) -> None:
    """Adds ``testing token`` to the ``testing`` subcommands."""
    token = testing_cmds.add_parser(
        "token",
        help="print an identity token minted by the instance serving DIR (`testing serve`)",
    )
    token.add_argument("--dir", required=True, type=Path, metavar="DIR")
    who = token.add_mutually_exclusive_group(required=True)
    who.add_argument("--github", metavar="OWNER/REPO", help="a GitHub Actions workflow run")
    who.add_argument("--gitlab", metavar="NAMESPACE/PROJECT", help="a GitLab CI job")
    who.add_argument("--google", metavar="EMAIL", help="a Google service account")
    who.add_argument("--identity", metavar="ID", help="an e-mail address or URI of the instance")
    token.add_argument(
        "--workflow",
        metavar="FILE",
        help="the workflow file (GitHub: under .github/workflows/; GitLab: the pipeline "
        "definition, default .gitlab-ci.yml)",
    )
    token.add_argument("--ref", default="refs/heads/main", metavar="REF")
    token.add_argument("--environment", default=None, metavar="ENV")
    token.add_argument(
        "--audience", default=None, metavar="AUD", help="the token's aud (default: sigstore)"
    )
    token.add_argument("--lifetime", type=int, default=600, metavar="SECONDS")


def _identity(args: argparse.Namespace) -> tuple[str, dict[str, Any]] | str:
    """The subject and claims asked for, or what is wrong with the request."""
    from sigstore_rs.testing import ci_identity

    env = args.environment
    if args.github is not None:
        if not args.workflow:
            return "--github needs --workflow FILE"
        return ci_identity(
            "github", repository=args.github, workflow=args.workflow, ref=args.ref, environment=env
        )
    if args.gitlab is not None:
        return ci_identity(
            "gitlab",
            project=args.gitlab,
            workflow_path=args.workflow or ".gitlab-ci.yml",
            ref=args.ref,
            environment=env,
        )
    if args.workflow or env:
        return "--workflow and --environment go with --github or --gitlab"
    if args.google is not None:
        return ci_identity("google", email=args.google)
    return args.identity, {}


def token(args: argparse.Namespace) -> int:
    """Prints the token; exit 1 when the instance cannot be reached, 2 on usage."""
    try:
        mint = json.loads((args.dir / "mint.json").read_text(encoding="utf-8"))
        url, secret = str(mint["url"]), str(mint["secret"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(
            f"sigstore-rs testing token: error: no running instance serves {args.dir} "
            f"(reading mint.json: {e}); start `sigstore-rs testing serve --dir {args.dir}`",
            file=sys.stderr,
        )
        return 1
    try:
        asked = _identity(args)
    except ValueError as e:
        print(f"sigstore-rs testing token: error: {e}", file=sys.stderr)
        return 2
    if isinstance(asked, str):
        print(f"sigstore-rs testing token: error: {asked}", file=sys.stderr)
        return 2
    sub, claims = asked
    if args.audience is not None:
        claims["aud"] = args.audience
    # Imported here, not at the top: every command line builds this parser.
    import urllib.error
    import urllib.request

    body = json.dumps({"identity": sub, "claims": claims, "lifetime": args.lifetime}).encode()
    request = urllib.request.Request(
        url,
        data=body,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    # The instance is on 127.0.0.1: no proxy may stand between.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as response:
            minted = json.loads(response.read())["token"]
    except (urllib.error.URLError, OSError, ValueError, KeyError) as e:
        print(
            f"sigstore-rs testing token: error: the instance at {url} did not mint a token: {e}",
            file=sys.stderr,
        )
        return 1
    print(minted)
    return 0
