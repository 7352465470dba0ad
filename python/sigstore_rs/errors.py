"""The exceptions sigstore_rs raises.

The Rust core maps each of its errors onto exactly one of these classes
(``src/py/errors.rs``); messages are the core's own text. A failed
verification raises the ``VerificationError`` subclass for the step that
failed, with ``.step`` naming that step.
"""

from __future__ import annotations

__all__ = [
    "ArtifactDigestError",
    "CertificateChainError",
    "CheckpointError",
    "ConversionError",
    "DownloadError",
    "Error",
    "FileError",
    "HashMismatchError",
    "IdentityError",
    "InclusionProofError",
    "IndexFetchError",
    "IndexPageError",
    "InvalidAttestation",
    "InvalidBundle",
    "InvalidInput",
    "InvalidLock",
    "InvalidTrustRoot",
    "MalformedProvenanceError",
    "NetworkError",
    "NoProvenanceError",
    "NotOnIndexError",
    "NotSignedError",
    "PackageIndexError",
    "PolicyError",
    "PublisherMismatchError",
    "SctError",
    "SignatureError",
    "SignedEntryTimestampError",
    "SigningError",
    "SigningTimeError",
    "StatementError",
    "TimestampError",
    "TlogEntryError",
    "TrustUpdateError",
    "TrustWarning",
    "UploadError",
    "VerificationError",
]


class Error(Exception):
    """Base class of every sigstore_rs error."""


class InvalidBundle(Error):
    """The bundle is malformed; it was rejected before any cryptography."""


class InvalidTrustRoot(Error):
    """A trusted root or trust config is malformed."""


class InvalidInput(Error, ValueError):
    """An argument is malformed: a digest string, a public key, a policy, a
    distribution file name.

    Also a ``ValueError``, the Python convention for a bad argument value (and
    what pypi-attestations raises for a bad distribution name)."""


class InvalidAttestation(Error, ValueError):
    """A PEP 740 attestation, provenance object or publisher is malformed.

    Also a ``ValueError``, as pypi-attestations' pydantic models raise."""


class InvalidLock(Error, ValueError):
    """A PEP 751 lock file (``pylock.toml``) is malformed or of an unsupported
    version, or names a file or attestation identity that cannot be checked."""


class ConversionError(Error, ValueError):
    """A Sigstore bundle cannot be converted to or from a PEP 740 attestation."""


class FileError(Error, OSError):
    """A file (artifact, trusted root) could not be read."""


class NetworkError(Error, ConnectionError):
    """A Sigstore service (Rekor) could not be reached, or answered with
    something other than what its API defines."""


class IdentityError(Error):
    """An OIDC identity token is malformed, expired or for another audience,
    or none could be obtained (ambient CI credentials, the browser flow)."""


class SigningError(Error):
    """A signing service (Fulcio, Rekor, a timestamp authority) refused the
    request or answered with something the client cannot use."""


class NotSignedError(SigningError):
    """An input of a batch was not signed: the run was interrupted (Ctrl-C)
    before it started."""


class VerificationError(Error):
    """A verification step failed; ``step`` names it."""

    step: str = "verification"


class CertificateChainError(VerificationError):
    """The signing certificate does not chain to a trusted Fulcio CA at the
    signing time, or is not a valid code-signing leaf."""

    step = "certificate chain"


class SctError(VerificationError):
    """The certificate's embedded SCT is missing, from an unknown CT log, not
    signed with SHA-256, or does not verify (RFC 6962)."""

    step = "signed certificate timestamp"


class TlogEntryError(VerificationError):
    """The transparency log entry is from an unknown log, or does not match
    the bundle's signature, certificate or artifact."""

    step = "transparency log entry"


class SignedEntryTimestampError(VerificationError):
    """The Rekor v1 signed entry timestamp (SET) does not verify with the
    log's key."""

    step = "signed entry timestamp"


class InclusionProofError(VerificationError):
    """The RFC 6962 inclusion proof does not lead from the entry to the
    checkpoint's root hash, or (Rekor v2) proves another leaf than the
    entry's log index."""

    step = "inclusion proof"


class CheckpointError(VerificationError):
    """The log's signed checkpoint (C2SP signed-note) is malformed, not
    signed by the log under the log's own name, or its origin is not the
    log's."""

    step = "checkpoint"


class TimestampError(VerificationError):
    """An RFC 3161 timestamp is malformed, not over the signature, or not
    signed by a trusted timestamp authority's end-entity timestamping
    certificate."""

    step = "signed timestamp"


class SigningTimeError(VerificationError):
    """No verified signing time, or the certificate (or a log or TSA key)
    was not valid at every verified signing time."""

    step = "signing time"


class SignatureError(VerificationError):
    """The signature does not verify over the artifact (or the DSSE
    envelope's PAE) with the certificate's or the given key."""

    step = "signature"


class ArtifactDigestError(VerificationError):
    """The artifact's digest differs from the one the bundle signed (or from
    the in-toto statement's subject)."""

    step = "artifact digest"


class PolicyError(VerificationError):
    """The signing certificate does not satisfy the identity policy."""

    step = "identity policy"


class StatementError(VerificationError):
    """A PEP 740 attestation's statement does not name the distribution
    (exactly one subject, its file name, a known predicate type)."""

    step = "attestation statement"


def _cli_reason(error: BaseException, *, staging: bool) -> str:
    """An error's text for a ``FAIL:`` line: where the core names the public
    instance a log belongs to (``TrustedRoot::instance_hint_for_log``), the
    command-line way to verify against it."""
    message = str(error)
    if isinstance(error, TlogEntryError):
        if "it is a log of Sigstore's staging instance" in message and not staging:
            return f"{message} (--staging)"
        if "it is a log of Sigstore's public-good (production) instance" in message:
            return (
                f"{message} (the default: no --staging, --instance, --trusted-root or "
                "--trust-config)"
            )
    return message


class TrustUpdateError(Error):
    """Trust material could not be updated through TUF: the repository's
    metadata failed a check of the TUF client workflow (the message names
    the role and the check), could not be fetched, or the local cache could
    not be read or written."""


class TrustWarning(UserWarning):
    """Trust material was used that may not be current: the TUF repository
    could not be reached, or ``offline`` was asked for, so the cached
    material (the message says how old) or the material embedded in this
    release was used instead. Raised with :func:`warnings.warn`; the CLI
    prints it on stderr as ``warning: ...``."""


class UploadError(Error):
    """An index refuses an upload's attestations (``pep740.check_upload``);
    the message is the reason, which the index answers (HTTP 400) after
    ``pep740.UPLOAD_HTTP_400_PREFIX``. ``step`` names the verification step
    that failed, if one did."""

    step: str | None = None


class PackageIndexError(Error):
    """Fetching from a package index, or checking what it served, failed
    (``sigstore_rs.index``). The message is one line naming the project or
    file and the reason; the subclass names the step."""


class IndexFetchError(PackageIndexError, ConnectionError):
    """The index could not be reached, or answered with an error status."""


class IndexPageError(PackageIndexError, ValueError):
    """A project page is not a PEP 691 JSON or PEP 503 HTML page."""


class NotOnIndexError(PackageIndexError, LookupError):
    """The project, release or file is not on the index."""


class NoProvenanceError(PackageIndexError):
    """The index has no provenance for the file (its provenance URL answered 404)."""


class MalformedProvenanceError(PackageIndexError, ValueError):
    """What the index served as provenance is not a PEP 740 provenance object."""


class DownloadError(PackageIndexError, OSError):
    """The file could not be downloaded, read or saved."""


class HashMismatchError(PackageIndexError):
    """The file's SHA-256 is not the one the index (or a lock file) gives:
    a file swapped on the index, or a stale pin."""


class PublisherMismatchError(PackageIndexError):
    """The provenance was filed by another publisher than the expected one;
    the message names the first differing claim (kind, repository,
    workflow, environment, email, ...)."""
