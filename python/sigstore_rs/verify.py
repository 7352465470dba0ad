"""Verification: ``Verifier``, ``Bundle`` and identity policies.

A thin layer over the compiled ``sigstore_rs._rust`` module that adds what
Python callers expect (pathlib, keyword arguments). The policy classes mirror
sigstore-python's ``sigstore.verify.policy``; each only builds the Rust
policy that does the checking.
"""

from __future__ import annotations

import os

from sigstore_rs import _rust
from sigstore_rs import trust as _trust

# `typing` costs milliseconds to import; annotations are strings here
# (PEP 563), so it is only needed by type checkers.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Union

    #: An artifact: its content (``bytes``), a file (``os.PathLike`` or a
    #: ``str`` path) or its digest as a ``"sha256:<hex>"`` string.
    ArtifactInput = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]"]

    StrPath = Union[str, "os.PathLike[str]"]
else:

    def __getattr__(name: str) -> object:
        """The type aliases above, built on first use at run time."""
        if name in ("ArtifactInput", "StrPath"):
            from typing import Union

            aliases = {
                "ArtifactInput": Union[bytes, bytearray, memoryview, str, os.PathLike],
                "StrPath": Union[str, os.PathLike],
            }
            globals().update(aliases)
            return aliases[name]
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AllOf",
    "AnyOf",
    "ArtifactInput",
    "Bundle",
    "GitHubWorkflow",
    "GitHubWorkflowName",
    "GitHubWorkflowRef",
    "GitHubWorkflowRepository",
    "GitHubWorkflowSHA",
    "GitHubWorkflowTrigger",
    "Identity",
    "IdentityRegex",
    "OIDCBuildConfigDigest",
    "OIDCBuildConfigURI",
    "OIDCBuildSignerDigest",
    "OIDCBuildSignerURI",
    "OIDCBuildTrigger",
    "OIDCIssuer",
    "OIDCIssuerV2",
    "OIDCRunInvocationURI",
    "OIDCRunnerEnvironment",
    "OIDCSourceRepositoryDigest",
    "OIDCSourceRepositoryIdentifier",
    "OIDCSourceRepositoryOwnerIdentifier",
    "OIDCSourceRepositoryOwnerURI",
    "OIDCSourceRepositoryRef",
    "OIDCSourceRepositoryURI",
    "OIDCSourceRepositoryVisibilityAtSigning",
    "VerificationPolicy",
    "Verifier",
]


class VerificationPolicy:
    """Base class of identity policies; wraps the compiled policy."""

    __slots__ = ("_policy",)

    def __init__(self, policy: _rust.Policy) -> None:
        """Wraps a compiled policy; use one of the subclasses."""
        self._policy = policy

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._policy!r})"


class Identity(VerificationPolicy):
    """The certificate's identity (SAN) is ``identity``; its OIDC issuer is
    ``issuer`` when given."""

    __slots__ = ()

    def __init__(self, *, identity: str, issuer: str | None = None) -> None:
        super().__init__(_rust.Policy.identity(identity, issuer))


class IdentityRegex(VerificationPolicy):
    """A SAN fully matches ``pattern`` (anchored at both ends, as cosign's
    ``--certificate-identity-regexp`` and ``re.fullmatch``); the OIDC issuer is
    ``issuer`` when given. ``pattern`` must be a complete expression in the
    syntax of Rust's ``regex`` crate: an unbalanced ``)`` is an error."""

    __slots__ = ()

    def __init__(self, *, pattern: str, issuer: str | None = None) -> None:
        super().__init__(_rust.Policy.identity_regex(pattern, issuer))


class _SingleExtensionPolicy(VerificationPolicy):
    """One Fulcio certificate extension equals ``value``."""

    __slots__ = ()
    _oid: str

    def __init__(self, value: str) -> None:
        super().__init__(_rust.Policy.claim(self._oid, value))


class OIDCIssuer(_SingleExtensionPolicy):
    """The OIDC issuer (extension ``.1``, or its successor ``.8``)."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.1"


class OIDCIssuerV2(_SingleExtensionPolicy):
    """The OIDC issuer (extension ``.8``, or the deprecated ``.1``)."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.8"


class GitHubWorkflowTrigger(_SingleExtensionPolicy):
    """The GitHub workflow trigger (deprecated extension ``.2``), e.g. ``push``."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.2"


class GitHubWorkflowSHA(_SingleExtensionPolicy):
    """The commit the GitHub workflow ran on (deprecated extension ``.3``)."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.3"


class GitHubWorkflowName(_SingleExtensionPolicy):
    """The GitHub workflow's name (deprecated extension ``.4``)."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.4"


class GitHubWorkflowRepository(_SingleExtensionPolicy):
    """The GitHub repository, ``owner/name`` (deprecated extension ``.5``)."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.5"


class GitHubWorkflowRef(_SingleExtensionPolicy):
    """The git ref the GitHub workflow ran on (deprecated extension ``.6``)."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.6"


class OIDCBuildSignerURI(_SingleExtensionPolicy):
    """The URI of the build instructions that signed (extension ``.9``):
    for GitHub, the (possibly reusable) workflow file at its ref."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.9"


class OIDCBuildSignerDigest(_SingleExtensionPolicy):
    """The digest of the build instructions that signed (extension ``.10``)."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.10"


class OIDCRunnerEnvironment(_SingleExtensionPolicy):
    """Where the build ran, e.g. ``github-hosted`` (extension ``.11``)."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.11"


class OIDCSourceRepositoryURI(_SingleExtensionPolicy):
    """The source repository's URL (extension ``.12``)."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.12"


class OIDCSourceRepositoryDigest(_SingleExtensionPolicy):
    """The source commit digest (extension ``.13``)."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.13"


class OIDCSourceRepositoryRef(_SingleExtensionPolicy):
    """The source ref, e.g. ``refs/tags/v1.0`` (extension ``.14``)."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.14"


class OIDCSourceRepositoryIdentifier(_SingleExtensionPolicy):
    """The source repository's immutable identifier (extension ``.15``)."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.15"


class OIDCSourceRepositoryOwnerURI(_SingleExtensionPolicy):
    """The source repository owner's URL (extension ``.16``)."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.16"


class OIDCSourceRepositoryOwnerIdentifier(_SingleExtensionPolicy):
    """The source repository owner's immutable identifier
    (extension ``.17``)."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.17"


class OIDCBuildConfigURI(_SingleExtensionPolicy):
    """The URI of the top-level build configuration (extension ``.18``): for
    GitHub, the *calling* workflow, also when it calls a reusable one."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.18"


class OIDCBuildConfigDigest(_SingleExtensionPolicy):
    """The digest of the top-level build configuration (extension ``.19``)."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.19"


class OIDCBuildTrigger(_SingleExtensionPolicy):
    """The event that started the build, e.g. ``push`` (extension ``.20``)."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.20"


class OIDCRunInvocationURI(_SingleExtensionPolicy):
    """The URL of the build run (extension ``.21``)."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.21"


class OIDCSourceRepositoryVisibilityAtSigning(_SingleExtensionPolicy):
    """The source repository's visibility when signing, ``public`` or
    ``private`` (extension ``.22``)."""

    __slots__ = ()
    _oid = "1.3.6.1.4.1.57264.1.22"


class GitHubWorkflow(VerificationPolicy):
    """Signed by a GitHub Actions workflow (GitHub's OIDC issuer); every
    given field must match. The same policy as ``sigstore-rs verify github``."""

    __slots__ = ()

    def __init__(
        self,
        *,
        repository: str | None = None,
        ref: str | None = None,
        trigger: str | None = None,
        name: str | None = None,
        sha: str | None = None,
        identity: str | None = None,
    ) -> None:
        super().__init__(
            _rust.Policy.github(
                repository=repository,
                ref=ref,
                trigger=trigger,
                name=name,
                sha=sha,
                identity=identity,
            )
        )


class AnyOf(VerificationPolicy):
    """At least one child policy holds (an empty list never holds)."""

    __slots__ = ()

    def __init__(self, children: Iterable[VerificationPolicy]) -> None:
        super().__init__(_rust.Policy.any_of([c._policy for c in children]))


class AllOf(VerificationPolicy):
    """Every child policy holds (an empty list never holds)."""

    __slots__ = ()

    def __init__(self, children: Iterable[VerificationPolicy]) -> None:
        super().__init__(_rust.Policy.all_of([c._policy for c in children]))


class Bundle:
    """A parsed Sigstore bundle. Malformed input raises ``InvalidBundle``."""

    __slots__ = ("_inner",)

    def __init__(self, inner: _rust.Bundle) -> None:
        """Wraps a compiled bundle; use ``from_json`` or ``from_file``."""
        self._inner = inner

    @classmethod
    def from_json(cls, data: bytes | str) -> Bundle:
        """Parses a bundle (v0.1, v0.2 or v0.3) from its JSON text.

        Every structural check runs here, before any cryptography: a bundle
        that is malformed, of an unknown version, or missing what its version
        requires raises ``InvalidBundle`` naming the field.
        """
        if isinstance(data, str):
            data = data.encode()
        return cls(_rust.Bundle.from_json(data))

    @classmethod
    def from_file(cls, path: StrPath) -> Bundle:
        """Reads and parses a bundle file (``*.sigstore.json``, ``*.sigstore``);
        see ``from_json``. An unreadable file raises ``FileError`` (an
        ``OSError``), as every loader does."""
        return cls(_rust.Bundle.from_file(path))

    @property
    def media_type(self) -> str:
        """The bundle's ``mediaType``, e.g.
        ``application/vnd.dev.sigstore.bundle.v0.3+json``."""
        return self._inner.media_type

    def to_json(self) -> str:
        """The bundle's JSON (protobuf-specs canonical mapping)."""
        return self._inner.to_json()

    def __repr__(self) -> str:
        return repr(self._inner)


def _from_tuf(url: str, offline: bool) -> _rust.Verifier:
    # Warnings are attributed to the caller of the public constructor.
    return _rust.Verifier.from_trust_material(_trust._load(url, offline=offline, stacklevel=3))


def _artifact(input: ArtifactInput) -> bytes | str | os.PathLike[str]:
    if isinstance(input, (bytearray, memoryview)):
        return bytes(input)
    return input


class Verifier:
    """Verifies bundles against one trusted root.

    The artifact ``input`` of the ``verify_artifact*`` methods is its content
    (``bytes``), its digest (a ``str`` starting with ``"sha256:"``), or else a
    file path (``str`` or ``os.PathLike``), which is hashed without holding the GIL.
    """

    __slots__ = ("_inner",)

    def __init__(self, inner: _rust.Verifier) -> None:
        """Wraps a compiled verifier; use ``production()``, ``staging()``,
        ``for_instance()``, ``from_trusted_root()`` or ``from_trust_config()``."""
        self._inner = inner

    @classmethod
    def production(cls, *, offline: bool = False) -> Verifier:
        """A verifier for Sigstore's public-good instance, its trusted root
        kept current through TUF (see ``sigstore_rs.trust``): the verified
        cache, refreshed first when it is more than twelve hours old. With
        ``offline``, no request is made: the cache, else the trusted root
        embedded in this release, with a ``TrustWarning`` saying how old it
        is. A refused update raises ``TrustUpdateError``. Each call checks
        the cache (about a millisecond): keep the verifier rather than
        calling this per bundle."""
        return cls(_from_tuf(_trust.PRODUCTION, offline))

    @classmethod
    def staging(cls, *, offline: bool = False) -> Verifier:
        """As ``production()``, for Sigstore's staging instance."""
        return cls(_from_tuf(_trust.STAGING, offline))

    @classmethod
    def for_instance(cls, url: str, *, offline: bool = False) -> Verifier:
        """As ``production()``, for the instance whose TUF repository is at
        ``url`` (trusted first with ``sigstore_rs.trust.trust_instance``, or
        ``sigstore-rs --instance URL trust-instance ROOT``)."""
        return cls(_from_tuf(url, offline))

    @classmethod
    def from_trusted_root(cls, path: StrPath) -> Verifier:
        """A verifier for the trusted root in ``path`` (a protobuf-specs
        ``TrustedRoot`` JSON file); a malformed one raises ``InvalidTrustRoot``."""
        return cls(_rust.Verifier.from_trusted_root(path))

    @classmethod
    def from_trust_config(cls, path: StrPath) -> Verifier:
        """A verifier for the ``trustedRoot`` of the ``ClientTrustConfig`` in
        ``path`` (what ``--trust-config`` takes, e.g. the local instance's)."""
        return cls(_rust.Verifier.from_trust_config(path))

    def verify_artifact(
        self, input: ArtifactInput, bundle: Bundle, policy: VerificationPolicy
    ) -> None:
        """Verifies that ``bundle`` signs ``input`` and that its signing
        certificate satisfies ``policy``; returns ``None`` on success.

        Runs every step of the Sigstore client specification, in this
        order: ``input`` against what the bundle signs and the signature over
        it (for a DSSE bundle, the envelope signature and the in-toto subject
        digest), the transparency log entry (SET, inclusion proof,
        checkpoint), RFC 3161 timestamps, the certificate chain at the
        signing time, embedded SCT, the identity policy. A failure raises the
        ``VerificationError`` subclass for the step that failed (a wrong
        ``input`` is an ``ArtifactDigestError`` naming both digests);
        ``InvalidInput`` for a malformed ``input``.
        """
        self._inner.verify_artifact(_artifact(input), bundle._inner, policy._policy)

    def verify_artifact_with_key(
        self, input: ArtifactInput, bundle: Bundle, key_pem: bytes
    ) -> None:
        """Like ``verify_artifact`` for a bundle signed with a managed key:
        the signature must verify with the PEM public key ``key_pem`` instead
        of a certificate identity."""
        self._inner.verify_artifact_with_key(_artifact(input), bundle._inner, key_pem)

    def verify_detached(
        self,
        input: ArtifactInput,
        certificate: bytes,
        signature: bytes,
        policy: VerificationPolicy,
        *,
        rekor_bundle: bytes | None = None,
        offline: bool = False,
        rekor_url: str | None = None,
    ) -> None:
        """Verifies a legacy detached signature, as sigstore-python's
        ``verify identity --certificate FILE.crt --signature FILE.sig FILE``.

        ``certificate`` is the PEM signing certificate and ``signature`` the
        base64 signature (the contents of ``FILE.crt`` and ``FILE.sig``).
        The Rekor v1 log entry is read from ``rekor_bundle`` (cosign's
        offline Rekor bundle, or the entry JSON saved from Rekor) when given;
        otherwise it is looked up in Rekor at ``rekor_url``, by default the
        trusted root's Rekor v1 log, unless ``offline`` is set, which then
        raises ``InvalidInput``.
        """
        self._inner.verify_detached(
            _artifact(input),
            certificate,
            signature,
            policy._policy,
            rekor_bundle=rekor_bundle,
            offline=offline,
            rekor_url=rekor_url,
        )

    def verify_dsse(self, bundle: Bundle, policy: VerificationPolicy) -> tuple[str, bytes]:
        """Verifies a DSSE bundle (signature, log entry, certificate, policy)
        without an artifact, and returns the envelope's verified
        ``(payload_type, payload)`` for the caller to check its subjects."""
        return self._inner.verify_dsse(bundle._inner, policy._policy)

    def verify_dsse_with_key(self, bundle: Bundle, key_pem: bytes) -> tuple[str, bytes]:
        """Like ``verify_dsse``, for an envelope signed with the managed PEM
        public key ``key_pem``; returns ``(payload_type, payload)``."""
        return self._inner.verify_dsse_with_key(bundle._inner, key_pem)
