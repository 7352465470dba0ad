"""PEP 740 attestations, with pypi-attestations' public names.

A plugin written against ``pypi_attestations`` can swap its import::

    from sigstore_rs.pep740 import Attestation, Distribution, GitHubPublisher

    dist = Distribution.from_file(Path("pkg-1.0.tar.gz"))
    raw = Path("pkg-1.0.tar.gz.publish.attestation").read_bytes()
    attestation = Attestation.model_validate_json(raw)
    predicate_type, predicate = attestation.verify(
        GitHubPublisher(repository="owner/repo", workflow="release.yml"), dist
    )

A provenance object (what an index serves per file) names the publisher
it was filed under, and anyone can sign as themselves: verify it against
the publisher you expect, from the user or a lock file, never from the index::

    provenance = Provenance.model_validate_json(raw_provenance)
    for v in provenance.verify(dist, GitHubPublisher(repository="o/r", workflow="release.yml")):
        print(v.publisher, v.predicate_type)

or, as an explicit choice, trust the publisher it names on first use
(``trust_on_first_use=True``) and show ``v.publisher`` to the user.

The models read and write pypi-attestations' JSON (``model_validate_json``,
``model_validate``, ``model_dump_json``, ``model_dump``) and, as its pydantic
models do, ignore unknown keys in the unsigned objects (provenance, bundle,
publisher, attestation wrapper): PyPI's provenance objects carry a publisher
``claims`` key. The signed content (statement, certificate, log entry) is
read strictly by the core. An index parses the ``attestations`` upload form
field with ``Attestation.list_from_json`` (pydantic's
``TypeAdapter(list[Attestation]).validate_json``).

Everything is checked by the compiled core (``src/pep740/``); these classes
only carry its objects and parse predicate JSON. ``verify_distributions``
verifies many distributions at once on all cores.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal, TypeVar, Union

from sigstore_rs import _rust
from sigstore_rs import trust as _trust
from sigstore_rs.errors import (
    ConversionError,
    Error,
    InvalidAttestation,
    InvalidBundle,
    UploadError,
    VerificationError,
)
from sigstore_rs.verify import Bundle, VerificationPolicy, Verifier

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sigstore_rs.sign import Signer

__all__ = [
    "UPLOAD_HTTP_400_PREFIX",
    "Attestation",
    "AttestationBundle",
    "AttestationError",
    "AttestationType",
    "CircleCIPublisher",
    "ConversionError",
    "Distribution",
    "DistributionResult",
    "Envelope",
    "GitHubPublisher",
    "GitLabPublisher",
    "GooglePublisher",
    "Provenance",
    "Publisher",
    "TransparencyLogEntry",
    "UploadError",
    "VerificationError",
    "VerificationMaterial",
    "VerifiedAttestation",
    "build_provenance",
    "check_upload",
    "http_400_message",
    "verify_distributions",
]

#: The pypi-attestations release whose public API (names, signatures, JSON)
#: this module mirrors; sigstore_rs's own version is ``sigstore_rs.__version__``.
__version__ = "0.0.30"

#: Every sigstore_rs error; pypi-attestations' ``AttestationError``.
AttestationError = Error

#: A Rekor ``TransparencyLogEntry`` in protobuf JSON.
TransparencyLogEntry = dict[str, Any]

StrPath = Union[str, "os.PathLike[str]"]


class AttestationType(str, Enum):
    """Predicate types PyPI accepts."""

    SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1"
    PYPI_PUBLISH_V1 = "https://docs.pypi.org/attestations/publish/v1"


def _bytes(data: bytes | str) -> bytes:
    return data.encode() if isinstance(data, str) else data


def _object(obj: object, what: str) -> dict[str, Any]:
    """A ``model_validate`` argument: a JSON object, as a dict."""
    if not isinstance(obj, dict):
        raise InvalidAttestation(f"not a PEP 740 {what}: expected a JSON object (a dict)")
    return obj


# The verifier of the calls given no ``verifier=``: loading trust material
# checks the TUF cache (a millisecond or two, several verifications' worth), so
# material loaded without a warning is kept for a few minutes, far inside the
# twelve hours the cache itself is trusted without a refresh. A fallback (stale
# cache, embedded material) is not kept: each call tries again, and warns.
_DEFAULT_VERIFIER_SECONDS = 300.0
_default_verifiers: dict[tuple[bool, bool], tuple[float, _rust.Verifier]] = {}


def _verifier(staging: bool, offline: bool, verifier: Verifier | None) -> _rust.Verifier:
    if verifier is not None:
        return verifier._inner
    key = (staging, offline)
    now = time.monotonic()
    kept = _default_verifiers.get(key)
    if kept is not None and now - kept[0] < _DEFAULT_VERIFIER_SECONDS:
        return kept[1]
    url = _trust.STAGING if staging else _trust.PRODUCTION
    material = _trust._load(url, offline=offline, stacklevel=3)
    inner = _rust.Verifier.from_trust_material(material)
    if not material.warnings:
        _default_verifiers[key] = (now, inner)
    return inner


def _result(r: tuple[str, str | None]) -> tuple[str, dict[str, Any] | None]:
    predicate_type, predicate = r
    return predicate_type, None if predicate is None else json.loads(predicate)


class Distribution:
    """A distribution file: its name (a valid wheel or sdist file name) and
    SHA-256 hex digest."""

    __slots__ = ("_inner",)

    def __init__(self, *, name: str, digest: str) -> None:
        self._inner = _rust.Distribution(name, digest)

    @classmethod
    def from_file(cls, dist: StrPath) -> Distribution:
        """Hashes the file (streaming, without the GIL)."""
        self = cls.__new__(cls)
        self._inner = _rust.Distribution.from_file(dist)
        return self

    @property
    def name(self) -> str:
        """The distribution's file name, as given (normalised when compared)."""
        return self._inner.name

    @property
    def digest(self) -> str:
        """The file's SHA-256 digest, lowercase hex."""
        return self._inner.digest

    def __repr__(self) -> str:
        return repr(self._inner)


class _JsonModel:
    """Value semantics from the PEP 740 JSON a subclass dumps: equal when the
    documents are (whatever their key order), hashed by the JSON text."""

    __slots__ = ()

    def model_dump_json(self) -> str:
        raise NotImplementedError

    def model_dump(self) -> dict[str, Any]:
        """The object as the JSON-compatible dict ``model_dump_json`` writes."""
        return json.loads(self.model_dump_json())  # type: ignore[no-any-return]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _JsonModel):
            return NotImplemented
        return bool(json.loads(self.model_dump_json()) == json.loads(other.model_dump_json()))

    def __hash__(self) -> int:
        return hash(self.model_dump_json())


class _Publisher(_JsonModel):
    """A Trusted Publisher; ``_as_policy`` is the certificate policy it stands for."""

    __slots__ = ("_inner",)
    kind: str

    def __init__(self, fields: dict[str, Any]) -> None:
        if fields.get("kind") != type(self).kind:
            raise InvalidAttestation(
                f"not a Trusted Publisher: kind {fields.get('kind')!r}, "
                f"expected {type(self).kind!r} for {type(self).__name__}"
            )
        self._inner = _rust.Publisher.from_json(json.dumps(fields).encode())

    @classmethod
    def model_validate_json(cls: type[_P], data: bytes | str) -> _P:
        """Parses a publisher object (``{"kind": ..., ...}``, unknown keys
        ignored) of this class's kind; raises ``InvalidAttestation``."""
        publisher = _publisher(_rust.Publisher.from_json(_bytes(data)))
        if not isinstance(publisher, cls):
            raise InvalidAttestation(
                f"not a Trusted Publisher: kind {publisher.kind!r}, expected {cls.kind!r}"
            )
        return publisher

    @classmethod
    def model_validate(cls: type[_P], obj: object) -> _P:
        """Like ``model_validate_json``, from a dict (or a publisher of this class)."""
        if isinstance(obj, cls):
            return obj
        return cls.model_validate_json(json.dumps(_object(obj, "Trusted Publisher")))

    def _as_policy(self) -> VerificationPolicy:
        return VerificationPolicy(self._inner.policy())

    def model_dump_json(self) -> str:
        """The publisher as PEP 740 JSON (``kind`` and its fields)."""
        return self._inner.to_json()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model_dump_json()})"

    def __str__(self) -> str:
        """The kind and claims, e.g. ``GitHub repository o/r, workflow release.yml``."""
        return str(self._inner)


class GitHubPublisher(_Publisher):
    """A GitHub Actions Trusted Publisher. Verification checks that the
    signing certificate comes from GitHub's OIDC issuer for ``repository``
    (``owner/name``, its Source Repository URI) and names ``workflow`` (a
    file name under ``.github/workflows/``) as the calling workflow (its
    Build Config URI, at the certificate's own commit or ref).

    ``environment``: a certificate that names its deployment environment
    (Fulcio's extension ``.23``, written since 2025) must name this one,
    ignoring case; older certificates carry none and pass. (pypi-attestations
    0.0.30 does not check the environment.)"""

    __slots__ = ("environment", "repository", "workflow")
    kind: Literal["GitHub"] = "GitHub"

    def __init__(
        self,
        *,
        repository: str,
        workflow: str,
        environment: str | None = None,
        kind: Literal["GitHub"] = "GitHub",
    ) -> None:
        self.repository = repository
        self.workflow = workflow
        self.environment = environment
        super().__init__(
            {
                "kind": kind,
                "repository": repository,
                "workflow": workflow,
                "environment": environment,
            }
        )


class GitLabPublisher(_Publisher):
    """A GitLab CI/CD Trusted Publisher. Verification checks that the
    signing certificate comes from ``https://gitlab.com`` for ``repository``
    (``namespace/project``, its Source Repository URI) and was built by
    ``workflow_filepath`` (e.g. ``.gitlab-ci.yml``; its Build Config URI, at
    the certificate's own commit or ref).

    ``environment``: as for :class:`GitHubPublisher`, checked against the
    certificate's deployment environment (``.23``) when it has one."""

    __slots__ = ("environment", "repository", "workflow_filepath")
    kind: Literal["GitLab"] = "GitLab"

    def __init__(
        self,
        *,
        repository: str,
        workflow_filepath: str,
        environment: str | None = None,
        kind: Literal["GitLab"] = "GitLab",
    ) -> None:
        self.repository = repository
        self.workflow_filepath = workflow_filepath
        self.environment = environment
        super().__init__(
            {
                "kind": kind,
                "repository": repository,
                "workflow_filepath": workflow_filepath,
                "environment": environment,
            }
        )


class GooglePublisher(_Publisher):
    """A Google Cloud Trusted Publisher: the certificate's identity is the
    service account ``email``, issued by ``https://accounts.google.com``."""

    __slots__ = ("email",)
    kind: Literal["Google"] = "Google"

    def __init__(self, *, email: str, kind: Literal["Google"] = "Google") -> None:
        self.email = email
        super().__init__({"kind": kind, "email": email})


class CircleCIPublisher(_Publisher):
    """A CircleCI Trusted Publisher (pypi-attestations 0.0.30). Verification
    checks that the signing certificate comes from ``https://oidc.circleci.com``
    with the Build Signer URI
    ``https://circleci.com/api/v2/projects/PROJECT_ID/pipeline-definitions/PIPELINE_DEFINITION_ID``,
    and, when given, that its Source Repository URI is ``vcs_origin`` (as
    CircleCI writes it, ``github.com/org/repo``) and its Source Repository
    Ref is ``vcs_ref`` (``refs/heads/main``)."""

    __slots__ = ("pipeline_definition_id", "project_id", "vcs_origin", "vcs_ref")
    kind: Literal["CircleCI"] = "CircleCI"

    def __init__(
        self,
        *,
        project_id: str,
        pipeline_definition_id: str,
        vcs_origin: str | None = None,
        vcs_ref: str | None = None,
        kind: Literal["CircleCI"] = "CircleCI",
    ) -> None:
        self.project_id = project_id
        self.pipeline_definition_id = pipeline_definition_id
        self.vcs_origin = vcs_origin
        self.vcs_ref = vcs_ref
        super().__init__(
            {
                "kind": kind,
                "project_id": project_id,
                "pipeline_definition_id": pipeline_definition_id,
                "vcs_origin": vcs_origin,
                "vcs_ref": vcs_ref,
            }
        )


Publisher = Union[GitHubPublisher, GitLabPublisher, GooglePublisher, CircleCIPublisher]
_P = TypeVar("_P", bound=_Publisher)


def _policy(identity: VerificationPolicy | Publisher) -> _rust.Policy:
    if isinstance(identity, _Publisher):
        return identity._as_policy()._policy
    if isinstance(identity, VerificationPolicy):
        return identity._policy
    return _sigstore_python_policy(identity)


def _sigstore_python_policy(policy: object) -> _rust.Policy:
    """The same checks as a sigstore-python policy (``sigstore.verify.policy``),
    which pypi-attestations' ``verify`` takes: ``Identity``, ``AllOf``,
    ``AnyOf`` and the single-extension policies, read from their attributes
    (sigstore-python has no accessors). Anything else (``UnsafeNoOp``, a
    caller's own class) is refused: it would have to run arbitrary code on
    the certificate, and a policy this module cannot state is never dropped."""
    kind = type(policy)
    if kind.__module__ != "sigstore.verify.policy":
        raise TypeError(
            f"not a verification policy: {kind.__name__} (expected a sigstore_rs.verify "
            "policy, a Trusted Publisher, or a sigstore-python policy)"
        )
    attrs = vars(policy)
    if kind.__name__ == "Identity":
        issuer = attrs["_issuer"]
        return _rust.Policy.identity(attrs["_identity"], None if issuer is None else issuer._value)
    if kind.__name__ in ("AllOf", "AnyOf"):
        children = [_sigstore_python_policy(c) for c in attrs["_children"]]
        return (_rust.Policy.all_of if kind.__name__ == "AllOf" else _rust.Policy.any_of)(children)
    oid = getattr(kind, "oid", None)
    if oid is not None and "_value" in attrs:
        return _rust.Policy.claim(oid.dotted_string, attrs["_value"])
    raise TypeError(f"sigstore-python policy {kind.__name__} has no sigstore_rs equivalent")


def _publisher(inner: _rust.Publisher) -> Publisher:
    fields = json.loads(inner.to_json())
    kind = fields.pop("kind")
    if kind == "GitHub":
        return GitHubPublisher(**fields)
    if kind == "GitLab":
        return GitLabPublisher(**fields)
    if kind == "CircleCI":
        return CircleCIPublisher(**fields)
    return GooglePublisher(**fields)


@dataclass(frozen=True)
class Envelope:
    """An attestation's DSSE envelope: the in-toto ``statement`` (JSON bytes)
    and the ``signature`` over its PAE encoding."""

    statement: bytes
    signature: bytes


@dataclass
class VerificationMaterial:
    """What an attestation is verified with: the signing certificate and the
    transparency log entries (protobuf JSON) that logged the signature.

    Mutable, as pypi-attestations' model is: an attestation's
    ``verification_material`` is its own, and what is assigned to it is what
    the attestation then converts, dumps and verifies (checked again then)."""

    certificate: bytes
    """The signing certificate, DER."""
    transparency_entries: list[TransparencyLogEntry] = field(default_factory=list)


class Attestation(_JsonModel):
    """A PEP 740 attestation object (version 1)."""

    __slots__ = ("_inner", "_material")
    version: Literal[1] = 1

    def __init__(
        self,
        *,
        version: Literal[1] = 1,
        verification_material: VerificationMaterial,
        envelope: Envelope,
    ) -> None:
        def b64(b: bytes) -> str:
            return base64.b64encode(b).decode()

        doc = {
            "version": version,
            "verification_material": {
                "certificate": b64(verification_material.certificate),
                "transparency_entries": verification_material.transparency_entries,
            },
            "envelope": {
                "statement": b64(envelope.statement),
                "signature": b64(envelope.signature),
            },
        }
        self._inner = _rust.Attestation.from_json(json.dumps(doc).encode())
        self._material: VerificationMaterial | None = None

    @classmethod
    def _wrap(cls, inner: _rust.Attestation) -> Attestation:
        self = cls.__new__(cls)
        self._inner = inner
        self._material = None
        return self

    def _current(self) -> _rust.Attestation:
        """The core's attestation, rebuilt from ``verification_material``
        if the caller changed it since it was handed out (pydantic models
        are mutable, and pypi-attestations' callers rely on it); the core
        checks the new material as it would any parsed attestation."""
        m = self._material
        if m is None:
            return self._inner
        if (
            m.certificate == self._inner.certificate
            and m.transparency_entries
            == (json.loads(self._inner.to_json())["verification_material"]["transparency_entries"])
        ):
            return self._inner
        doc = json.loads(self._inner.to_json())
        doc["verification_material"] = {
            "certificate": base64.b64encode(m.certificate).decode(),
            "transparency_entries": m.transparency_entries,
        }
        self._inner = _rust.Attestation.from_json(json.dumps(doc).encode())
        return self._inner

    @classmethod
    def model_validate_json(cls, data: bytes | str) -> Attestation:
        """Parses an attestation (unknown keys outside the signed content
        ignored); raises ``InvalidAttestation`` (a ``ValueError``)."""
        return cls._wrap(_rust.Attestation.from_json(_bytes(data)))

    @classmethod
    def model_validate(cls, obj: object) -> Attestation:
        """Like ``model_validate_json``, from a dict (or an ``Attestation``)."""
        if isinstance(obj, Attestation):
            return obj
        return cls.model_validate_json(json.dumps(_object(obj, "attestation")))

    @classmethod
    def list_from_json(cls, data: bytes | str) -> list[Attestation]:
        """Parses a JSON array of attestations, such as the ``attestations``
        field of an upload (pypi-attestations and Warehouse use
        ``TypeAdapter(list[Attestation]).validate_json``); raises
        ``InvalidAttestation`` naming the item that is not one."""
        try:
            items = json.loads(data)
        except ValueError as e:
            raise InvalidAttestation(f"not a JSON array of attestations: {e}") from None
        if not isinstance(items, list):
            raise InvalidAttestation("not a JSON array of attestations")
        out = []
        for i, item in enumerate(items):
            try:
                out.append(cls.model_validate(item))
            except InvalidAttestation as e:
                raise InvalidAttestation(f"attestations[{i}]: {e}") from None
        return out

    def model_dump_json(self) -> str:
        """The attestation as PEP 740 JSON."""
        return self._current().to_json()

    @classmethod
    def sign(cls, signer: Signer, dist: Distribution) -> Attestation:
        """Signs a PyPI publish attestation (``AttestationType.PYPI_PUBLISH_V1``,
        no predicate) for ``dist`` with ``signer`` (``sigstore_rs.sign``'s,
        from ``SigningContext.signer``); raises an ``AttestationError``
        (``sigstore_rs.errors.Error``) saying why it could not."""
        from sigstore_rs.sign import in_toto_statement

        statement = in_toto_statement(
            [(dist.name, "sha256:" + dist.digest)], AttestationType.PYPI_PUBLISH_V1.value
        )
        return cls.from_bundle(signer.sign_dsse(statement))

    @classmethod
    def from_bundle(cls, sigstore_bundle: Bundle) -> Attestation:
        """From a DSSE bundle (ours, or any object with ``to_json()``, such as
        sigstore-python's); raises ``ConversionError`` otherwise."""
        if not isinstance(sigstore_bundle, Bundle):
            to_json = getattr(sigstore_bundle, "to_json", None)
            if to_json is None:
                raise TypeError(f"not a Sigstore bundle: {type(sigstore_bundle).__name__}")
            try:
                sigstore_bundle = Bundle.from_json(to_json())
            except InvalidBundle as e:
                raise ConversionError(f"cannot convert bundle: {e}") from None
        return cls._wrap(_rust.Attestation.from_bundle(sigstore_bundle._inner))

    def _for_bundle(self) -> _rust.Attestation:
        # pypi-attestations raises ConversionError for material that does
        # not make a bundle, whichever step finds it.
        try:
            return self._current()
        except InvalidAttestation as e:
            raise ConversionError(str(e)) from None

    def to_bundle(self) -> Bundle:
        """The equivalent Sigstore bundle (v0.3, DSSE); raises
        ``ConversionError`` if the verification material does not make one."""
        return Bundle(self._for_bundle().to_bundle())

    def to_bundle_json(self) -> str:
        """The Sigstore bundle (v0.3) as JSON text."""
        return self._for_bundle().to_bundle_json()

    @property
    def envelope(self) -> Envelope:
        """The DSSE envelope (statement and signature bytes)."""
        return Envelope(statement=self._inner.statement, signature=self._inner.signature)

    @property
    def verification_material(self) -> VerificationMaterial:
        """The certificate and transparency log entries: this attestation's
        own (mutable) object, as pypi-attestations' is; assign to it, or to
        its fields, to change what the attestation holds."""
        if self._material is None:
            doc = json.loads(self._inner.to_json())
            entries = doc["verification_material"]["transparency_entries"]
            self._material = VerificationMaterial(
                certificate=self._inner.certificate, transparency_entries=entries
            )
        return self._material

    @verification_material.setter
    def verification_material(self, material: VerificationMaterial) -> None:
        self._material = material

    @property
    def certificate_claims(self) -> dict[str, str]:
        """The signing certificate's Fulcio claims (extensions
        ``1.3.6.1.4.1.57264.1.8`` to ``.22``), by dotted OID; read from the
        certificate, not verified. Raises ``ConversionError`` if the
        certificate or a claim does not decode."""
        return dict(self._current().certificate_claims())

    @property
    def statement(self) -> dict[str, Any]:
        """The envelope's statement, parsed (not verified)."""
        return json.loads(self._inner.statement)  # type: ignore[no-any-return]

    def verify(
        self,
        identity: VerificationPolicy | Publisher,
        dist: Distribution,
        *,
        staging: bool = False,
        offline: bool = False,
        verifier: Verifier | None = None,
    ) -> tuple[str, dict[str, Any] | None]:
        """Verifies that this attestation, signed by ``identity``, attests to
        ``dist``; returns ``(predicate_type, predicate)``.

        Verifies against ``verifier``, else ``Verifier.production()`` (or
        ``Verifier.staging()`` with ``staging=True``), whose trust material
        is kept current through TUF; ``offline=True`` makes no request (see
        ``Verifier.production``). Each call without ``verifier`` loads the
        trust material again (a millisecond or so): pass one to reuse it.
        """
        return _result(
            self._current().verify(
                _verifier(staging, offline, verifier), _policy(identity), dist._inner
            )
        )

    def __repr__(self) -> str:
        return repr(self._current())


@dataclass(frozen=True)
class AttestationBundle:
    """A provenance object's group of attestations by one ``publisher``."""

    publisher: Publisher
    attestations: list[Attestation]

    @classmethod
    def model_validate_json(cls, data: bytes | str) -> AttestationBundle:
        """Parses an attestation bundle (``{"publisher": ..., "attestations":
        [...]}``, unknown keys ignored; at least one attestation); raises
        ``InvalidAttestation``."""
        try:
            doc = json.loads(data)
        except ValueError as e:
            raise InvalidAttestation(f"not a PEP 740 attestation bundle: {e}") from None
        return cls.model_validate(doc)

    @classmethod
    def model_validate(cls, obj: object) -> AttestationBundle:
        """Like ``model_validate_json``, from a dict (or an ``AttestationBundle``)."""
        if isinstance(obj, AttestationBundle):
            return obj
        doc = {"version": 1, "attestation_bundles": [_object(obj, "attestation bundle")]}
        return Provenance.model_validate(doc).attestation_bundles[0]

    def model_dump(self) -> dict[str, Any]:
        """The bundle as a JSON-compatible dict, in PEP 740's field names."""
        return {
            "publisher": self.publisher.model_dump(),
            "attestations": [a.model_dump() for a in self.attestations],
        }

    def model_dump_json(self) -> str:
        """The bundle as PEP 740 JSON."""
        return json.dumps(self.model_dump(), separators=(",", ":"))


class Provenance(_JsonModel):
    """A PEP 740 provenance object (version 1): attestations grouped by publisher."""

    __slots__ = ("_inner",)
    version: Literal[1] = 1

    def __init__(
        self, *, version: Literal[1] = 1, attestation_bundles: Sequence[AttestationBundle]
    ) -> None:
        doc = {
            "version": version,
            "attestation_bundles": [b.model_dump() for b in attestation_bundles],
        }
        self._inner = _rust.Provenance.from_json(json.dumps(doc).encode())

    @classmethod
    def model_validate_json(cls, data: bytes | str) -> Provenance:
        """Parses a provenance object (what PyPI's integrity API serves);
        raises ``InvalidAttestation`` (a ``ValueError``)."""
        self = cls.__new__(cls)
        self._inner = _rust.Provenance.from_json(_bytes(data))
        return self

    @classmethod
    def model_validate(cls, obj: object) -> Provenance:
        """Like ``model_validate_json``, from a dict (or a ``Provenance``)."""
        if isinstance(obj, Provenance):
            return obj
        return cls.model_validate_json(json.dumps(_object(obj, "provenance object")))

    def model_dump_json(self) -> str:
        """The provenance object as PEP 740 JSON."""
        return self._inner.to_json()

    @property
    def attestation_bundles(self) -> list[AttestationBundle]:
        """The attestations, grouped by the publisher the index recorded."""
        return [
            AttestationBundle(
                publisher=_publisher(p), attestations=[Attestation._wrap(a) for a in atts]
            )
            for p, atts in self._inner.attestation_bundles()
        ]

    def verify(
        self,
        dist: Distribution,
        publisher: VerificationPolicy | Publisher | None = None,
        *,
        trust_on_first_use: bool = False,
        staging: bool = False,
        offline: bool = False,
        verifier: Verifier | None = None,
    ) -> list[VerifiedAttestation]:
        """Verifies every attestation against ``dist``; returns each one's
        publisher and predicate.

        ``publisher`` is who you expect to have published ``dist`` (a Trusted
        Publisher, or any identity policy), from the user or a lock file and
        never from the index: every attestation must satisfy it, as well as
        the publisher it is filed under. Without one, pass
        ``trust_on_first_use=True`` to accept the publisher the provenance
        object names, and show or record the ``publisher`` of the result;
        with neither (or both), ``InvalidInput`` is raised. The verifier is
        chosen as for ``Attestation.verify``.
        """
        policy = None if publisher is None else _policy(publisher)
        results = self._inner.verify(
            _verifier(staging, offline, verifier),
            dist._inner,
            policy,
            trust_on_first_use=trust_on_first_use,
        )
        return [VerifiedAttestation._from(r) for r in results]

    def __repr__(self) -> str:
        return f"Provenance({self.model_dump_json()})"


@dataclass(frozen=True)
class VerifiedAttestation:
    """One verified attestation of a provenance object."""

    publisher: Publisher
    """The Trusted Publisher it is filed under, whose certificate claims its
    signing certificate carries (the ``environment`` as the index recorded
    it; checked where the certificate names one)."""
    predicate_type: str
    predicate: dict[str, Any] | None

    @classmethod
    def _from(cls, r: tuple[str, str | None, _rust.Publisher | None]) -> VerifiedAttestation:
        predicate_type, predicate, publisher = r
        if publisher is None:
            raise Error("internal error: a provenance attestation without its publisher")
        return cls(
            _publisher(publisher),
            predicate_type,
            None if predicate is None else json.loads(predicate),
        )


@dataclass(frozen=True)
class DistributionResult:
    """The verdict on one item of ``verify_distributions``."""

    #: ``(predicate_type, predicate)`` per verified attestation (empty on failure).
    predicates: list[tuple[str, dict[str, Any] | None]]
    error: Exception | None = None
    #: For a provenance object, the publishers its attestations verified as
    #: coming from, each once (empty for an attestation, or on failure).
    publishers: list[Publisher] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the item verified."""
        return self.error is None


def verify_distributions(
    items: Iterable[
        tuple[
            Distribution | StrPath,
            Attestation | Provenance,
            VerificationPolicy | Publisher | None,
        ]
    ],
    *,
    trust_on_first_use: bool = False,
    staging: bool = False,
    offline: bool = False,
    verifier: Verifier | None = None,
    threads: int | None = None,
) -> list[DistributionResult]:
    """Verifies ``(dist, attestation_or_provenance, publisher_or_policy)``
    items on all cores (or ``threads`` threads) without the GIL; one result
    per item, in order.

    ``dist`` is a ``Distribution`` or a file path (hashed in parallel). The
    publisher is the one expected, as for ``Provenance.verify``. An item
    without one fails with ``InvalidInput``, unless ``trust_on_first_use=True``
    and its evidence is a provenance object: then the publishers it names
    are accepted, and reported in the result's ``publishers``. The verifier
    is chosen as for ``Attestation.verify``.
    """
    native: list[tuple[object, object, _rust.Policy | None]] = []
    for dist, evidence, identity in items:
        native.append(
            (
                dist._inner if isinstance(dist, Distribution) else dist,
                evidence._current() if isinstance(evidence, Attestation) else evidence._inner,
                None if identity is None else _policy(identity),
            )
        )
    results = _rust.verify_distributions(
        _verifier(staging, offline, verifier),
        native,
        threads,
        trust_on_first_use=trust_on_first_use,
    )
    out = []
    for ok, err in results:
        publishers: list[Publisher] = []
        for _, _, p in ok or []:
            if p is not None and (publisher := _publisher(p)) not in publishers:
                publishers.append(publisher)
        out.append(
            DistributionResult(
                predicates=[_result((t, predicate)) for t, predicate, _ in ok or []],
                error=err,
                publishers=publishers,
            )
        )
    return out


# The index side (check_upload, build_provenance) builds on the classes above.
from sigstore_rs._upload import (  # noqa: E402
    UPLOAD_HTTP_400_PREFIX,
    build_provenance,
    check_upload,
    http_400_message,
)
