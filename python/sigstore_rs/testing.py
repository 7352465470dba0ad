"""A local Sigstore instance for tests: OIDC issuer, Fulcio-compatible CA
with a CT log, RFC 3161 timestamp authority, Rekor v1 and Rekor v2, each on
its own 127.0.0.1 port, speaking the real Sigstore protocols::

    from sigstore_rs.testing import Instance

    with Instance.start(rekor_version=2) as instance:
        config = instance.write_trust_config(tmp_path / "trust_config.json")
        token = instance.token("alice@example.com")
        # sign with any Sigstore client against `config` and `token`

A package index runs beside them (:attr:`Instance.index_url`,
:attr:`Instance.upload_url`): twine uploads to it, with attestations when the
password is an identity token of a Trusted Publisher of the project
(:meth:`Instance.add_trusted_publisher`), as on PyPI.

Keys are fresh per instance and never leave memory. For pytest, add
``pytest_plugins = ["sigstore_rs.pytest_plugin"]`` to use the
``sigstore_instance`` fixture.

The instance is compiled in with the Cargo feature ``testing``, which the
published wheels enable; importing this module from a build without it raises
:class:`ImportError` saying so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from sigstore_rs import _rust
from sigstore_rs.pep740 import Publisher

if not hasattr(_rust, "LocalInstance"):
    raise ImportError(
        "this build of sigstore_rs has no local Sigstore instance: sigstore_rs.testing"
        " needs the Cargo feature `testing` (the published wheels have it; build with"
        " `maturin build --features python,testing`)",
        name=__name__,
    )

__all__ = [
    "CIRCLECI_ISSUER",
    "DEFAULT_IDENTITY",
    "FAULTS",
    "GITHUB_ISSUER",
    "GITLAB_ISSUER",
    "GOOGLE_ISSUER",
    "SERVICES",
    "Instance",
    "ci_identity",
]

DEFAULT_IDENTITY = "signer@sigstore-rs.test"
"""The identity the interactive (PKCE) flow approves unless told otherwise."""

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
"""GitHub Actions' issuer: the ``iss`` of :meth:`Instance.github_token` tokens."""
GITLAB_ISSUER = "https://gitlab.com"
"""GitLab.com's issuer: the ``iss`` of :meth:`Instance.gitlab_token` tokens."""
GOOGLE_ISSUER = "https://accounts.google.com"
"""Google's issuer: the ``iss`` of :meth:`Instance.google_token` tokens."""
CIRCLECI_ISSUER = "https://oidc.circleci.com"
"""CircleCI's issuer: the ``iss`` of :meth:`Instance.circleci_token` tokens."""

SERVICES = ("oidc", "fulcio", "rekor_v1", "rekor_v2", "tsa", "tuf", "index")
FAULTS = ("ca_error", "ca_bad_chain", "ca_untrusted", "tsa_error", "rekor_error")
LATENCY_SERVICES = ("oidc", "fulcio", "rekor-v1", "rekor-v2", "tsa")
"""The services :meth:`Instance.set_latency` delays."""


class Instance:
    """A running local instance; stop it with :meth:`stop` or a ``with`` block."""

    def __init__(self, inner: _rust.LocalInstance) -> None:
        """Wraps a running compiled instance; use ``Instance.start()``."""
        self._inner = inner

    @classmethod
    def start(
        cls,
        rekor_version: int = 1,
        default_identity: str | None = None,
        *,
        rekor: str = "both",
        latency: Mapping[str, float] | None = None,
        leaf_lifetime: int | None = None,
    ) -> Instance:
        """Starts the servers; the signing config prefers Rekor ``rekor_version`` (1 or 2).

        ``rekor`` ("v1", "v2" or "both") are the logs the signing config
        offers (the trusted root lists both); ``latency`` maps services of
        :data:`LATENCY_SERVICES` to delays in seconds (see
        :meth:`set_latency`); ``leaf_lifetime`` is how long the CA's
        certificates are valid, in seconds (600 as Fulcio's)."""
        delays = list((latency or {}).items())
        return cls(
            _rust.LocalInstance(rekor_version, default_identity, rekor, leaf_lifetime, delays)
        )

    @property
    def trust_config_json(self) -> str:
        """The ClientTrustConfig JSON (trusted root + signing config v0.2)."""
        return self._inner.trust_config_json()

    @property
    def trust_config(self) -> dict[str, Any]:
        """The ClientTrustConfig, parsed."""
        result: dict[str, Any] = json.loads(self.trust_config_json)
        return result

    def write_trust_config(self, path: str | Path) -> Path:
        """Writes the ClientTrustConfig to ``path`` (for ``--trust-config``)
        and returns the path."""
        path = Path(path)
        path.write_text(self.trust_config_json, encoding="utf-8")
        return path

    @property
    def issuer(self) -> str:
        """The OIDC issuer URL (``iss`` of every token)."""
        return self._inner.issuer

    def token(
        self,
        identity: str = DEFAULT_IDENTITY,
        *,
        lifetime: int = 600,
        claims: dict[str, Any] | None = None,
    ) -> str:
        """An ID token for ``identity``: an e-mail address, or a URI used as ``sub``."""
        extra = json.dumps(claims) if claims is not None else None
        return self._inner.token(identity, lifetime, extra)

    def github_token(
        self,
        repository: str,
        workflow: str,
        *,
        ref: str = "refs/heads/main",
        environment: str | None = None,
        lifetime: int = 600,
        claims: dict[str, Any] | None = None,
    ) -> str:
        """A token shaped like GitHub Actions' for a run of
        ``.github/workflows/WORKFLOW`` in ``OWNER/REPO`` at ``ref``: issuer
        :data:`GITHUB_ISSUER`, GitHub's claims. The instance's CA writes the
        extensions Fulcio writes for such a run, so the real GitHub Trusted
        Publisher policy applies. ``claims`` override any claim (e.g. a
        ``job_workflow_ref`` naming a reusable workflow)."""
        spec = {"repository": repository, "workflow": workflow, "ref": ref}
        return self._ci_token("github", spec, environment, lifetime, claims)

    def gitlab_token(
        self,
        project: str,
        workflow_path: str = ".gitlab-ci.yml",
        *,
        ref: str = "refs/heads/main",
        environment: str | None = None,
        lifetime: int = 600,
        claims: dict[str, Any] | None = None,
    ) -> str:
        """A token shaped like GitLab CI's for a job of ``NAMESPACE/PROJECT``
        whose pipeline is defined in ``workflow_path``: issuer
        :data:`GITLAB_ISSUER`, GitLab's claims (see :meth:`github_token`)."""
        spec = {"project": project, "workflow_path": workflow_path, "ref": ref}
        return self._ci_token("gitlab", spec, environment, lifetime, claims)

    def circleci_token(
        self,
        project_id: str,
        pipeline_definition_id: str,
        *,
        vcs_origin: str = "github.com/octo-org/sampleproject",
        ref: str = "refs/heads/main",
        lifetime: int = 600,
    ) -> str:
        """A token of :data:`CIRCLECI_ISSUER` for a job of the CircleCI
        project ``project_id`` under ``pipeline_definition_id``."""
        spec = {
            "project_id": project_id,
            "pipeline_definition_id": pipeline_definition_id,
            "vcs_origin": vcs_origin,
            "ref": ref,
        }
        return self._ci_token("circleci", spec, None, lifetime, None)

    def google_token(self, email: str, *, lifetime: int = 600) -> str:
        """A token of :data:`GOOGLE_ISSUER` for the service account ``email``."""
        return self._ci_token("google", {"email": email}, None, lifetime, None)

    def _ci_token(
        self,
        kind: str,
        spec: dict[str, str],
        environment: str | None,
        lifetime: int,
        claims: dict[str, Any] | None,
    ) -> str:
        sub, merged = ci_identity(kind, **spec, environment=environment)
        merged.update(claims or {})
        return self.token(sub, lifetime=lifetime, claims=merged)

    def peak_concurrency(self, service: str) -> int:
        """The most requests ``service`` (one of :data:`SERVICES`) has been
        answering at once since the instance started: how a test sees that a
        client overlapped its requests."""
        return self._inner.peak_concurrency(service)

    @property
    def mint_secret(self) -> str:
        """The bearer secret of the issuer's ``POST /testing/mint`` endpoint
        (``sigstore-rs testing token`` reads it from ``DIR/mint.json``)."""
        return self._inner.mint_secret()

    def url(self, service: str) -> str:
        """The URL of one of :data:`SERVICES`."""
        return self._inner.url(service)

    @property
    def index_url(self) -> str:
        """The package index's simple API (``…/simple/``; PEP 503 HTML and
        PEP 691 JSON, with PEP 740 provenance), for ``--index-url``."""
        return self._inner.index_url()

    @property
    def upload_url(self) -> str:
        """The package index's legacy upload API (``…/legacy/``), for
        ``twine upload --repository-url``."""
        return self._inner.upload_url()

    def add_trusted_publisher(self, project: str, publisher: Publisher | str) -> None:
        """Lets ``publisher`` upload to ``project`` on the package index.

        ``publisher`` is a :mod:`sigstore_rs.pep740` publisher or a spec:
        ``github:OWNER/REPO:WORKFLOW[:ENV]``,
        ``gitlab:NAMESPACE/PROJECT:WORKFLOW_PATH[:ENV]`` or ``google:EMAIL``.
        An upload whose password is an identity token of this instance
        uploads as the publisher its claims stand for (as on PyPI), and its
        attestations must verify against that publisher; any other password
        uploads without attestations.
        """
        inner = publisher if isinstance(publisher, str) else publisher._inner
        self._inner.add_trusted_publisher(project, inner)

    def set_fault(self, fault: str, on: bool = True, *, requests: int | None = None) -> None:
        """Switches one of :data:`FAULTS` on or off; with ``requests``, on
        for that many of the requests it affects, then off."""
        if requests is not None:
            self._inner.set_fault_count(fault, requests if on else 0)
        else:
            self._inner.set_fault(fault, on)

    def set_latency(self, service: str, seconds: float) -> None:
        """Makes a service of :data:`LATENCY_SERVICES` wait ``seconds``
        before each answer, from the next request on. Rekor v2's delay is
        its batching window: uploads arriving in one window are answered
        together at its end, as a Rekor v2 log answers once the batch
        holding the entry is sequenced."""
        self._inner.set_latency(service, seconds)

    def set_default_identity(self, identity: str) -> None:
        """The identity the interactive (PKCE) flow approves from now on."""
        self._inner.set_default_identity(identity)

    @property
    def tuf_url(self) -> str:
        """The TUF repository publishing this instance's ``trusted_root.json``
        and ``signing_config.v0.2.json`` (as ``--instance URL``)."""
        return self._inner.url("tuf")

    @property
    def tuf_root(self) -> bytes:
        """The TUF repository's first ``root.json`` (for ``trust-instance``)."""
        return self._inner.tuf_root()

    def write_tuf_root(self, path: str | Path) -> Path:
        """Writes :attr:`tuf_root` to ``path`` and returns it."""
        path = Path(path)
        path.write_bytes(self.tuf_root)
        return path

    def tuf_publish(self) -> None:
        """Publishes new timestamp, snapshot and targets versions."""
        self._inner.tuf_change("publish")

    def tuf_rotate(self, role: str) -> None:
        """Gives ``role`` (root, timestamp, snapshot or targets) a new key and
        publishes the next root, signed by the old and new root keys."""
        self._inner.tuf_change(f"rotate:{role}")

    def tuf_expire(self, role: str) -> None:
        """Publishes new metadata in which ``role`` (timestamp, snapshot or
        targets) has already expired."""
        self._inner.tuf_change(f"expire:{role}")

    def tuf_roll_back(self) -> None:
        """Serves the previous timestamp again (a rollback attack)."""
        self._inner.tuf_change("roll_back")

    def stop(self) -> None:
        """Stops every server; later calls to them are refused."""
        self._inner.stop()

    def __enter__(self) -> Instance:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def ci_identity(
    kind: str, *, environment: str | None = None, **spec: str
) -> tuple[str, dict[str, Any]]:
    """The subject and claims of a CI identity token: ``kind`` ``github``
    (``repository``, ``workflow``, ``ref``), ``gitlab`` (``project``,
    ``workflow_path``, ``ref``), ``google`` (``email``) or ``circleci``
    (``project_id``, ``pipeline_definition_id``, ``vcs_origin``, ``ref``)."""
    if environment is not None:
        spec["environment"] = environment
    sub, claims = _rust.ci_claims(kind, json.dumps(spec))
    parsed: dict[str, Any] = json.loads(claims)
    return sub, parsed
