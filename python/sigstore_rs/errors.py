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
    "Error",
    "FileError",
    "IdentityError",
    "InclusionProofError",
    "InvalidAttestation",
    "InvalidBundle",
    "InvalidInput",
    "InvalidTrustRoot",
    "NetworkError",
    "PolicyError",
    "SctError",
    "SignatureError",
    "SignedEntryTimestampError",
    "SigningError",
    "SigningTimeError",
    "StatementError",
    "TimestampError",
    "TlogEntryError",
    "VerificationError",
]


class Error(Exception):
    """Base class of every sigstore_rs error."""


class InvalidBundle(Error):
    """The bundle is malformed; it was rejected before any cryptography."""


class InvalidTrustRoot(Error):
    """A trusted root or trust config is malformed."""


class InvalidInput(Error):
    """An argument is malformed: a digest string, a public key, a policy."""


class InvalidAttestation(Error, ValueError):
    """A PEP 740 attestation, provenance object or publisher is malformed.

    Also a ``ValueError``, as pypi-attestations' pydantic models raise."""


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


class VerificationError(Error):
    """A verification step failed; ``step`` names it."""

    step: str = "verification"


class CertificateChainError(VerificationError):
    step = "certificate chain"


class SctError(VerificationError):
    step = "signed certificate timestamp"


class TlogEntryError(VerificationError):
    step = "transparency log entry"


class SignedEntryTimestampError(VerificationError):
    step = "signed entry timestamp"


class InclusionProofError(VerificationError):
    step = "inclusion proof"


class CheckpointError(VerificationError):
    step = "checkpoint"


class TimestampError(VerificationError):
    step = "signed timestamp"


class SigningTimeError(VerificationError):
    step = "signing time"


class SignatureError(VerificationError):
    step = "signature"


class ArtifactDigestError(VerificationError):
    step = "artifact digest"


class PolicyError(VerificationError):
    """The signing certificate does not satisfy the identity policy."""

    step = "identity policy"


class StatementError(VerificationError):
    """A PEP 740 attestation's statement does not name the distribution
    (exactly one subject, its file name, a known predicate type)."""

    step = "attestation statement"
