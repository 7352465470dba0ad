"""sigstore_rs: a native Sigstore client.

Verify Sigstore bundles::

    from sigstore_rs import Bundle, Identity, Verifier

    bundle = Bundle.from_file("dist.tar.gz.sigstore.json")
    Verifier.production().verify_artifact(
        "dist.tar.gz",
        bundle,
        Identity(identity="me@example.com", issuer="https://github.com/login/oauth"),
    )

Failures raise subclasses of ``sigstore_rs.Error``; every error class is importable
from here and from ``sigstore_rs.errors``.
"""

from sigstore_rs import _rust
from sigstore_rs.errors import (
    ArtifactDigestError,
    CertificateChainError,
    CheckpointError,
    ConversionError,
    DownloadError,
    Error,
    FileError,
    HashMismatchError,
    IdentityError,
    InclusionProofError,
    IndexFetchError,
    IndexPageError,
    InvalidAttestation,
    InvalidBundle,
    InvalidInput,
    InvalidLock,
    InvalidTrustRoot,
    MalformedProvenanceError,
    NetworkError,
    NoProvenanceError,
    NotOnIndexError,
    NotSignedError,
    PackageIndexError,
    PolicyError,
    PublisherMismatchError,
    SctError,
    SignatureError,
    SignedEntryTimestampError,
    SigningError,
    SigningTimeError,
    StatementError,
    TimestampError,
    TlogEntryError,
    TrustUpdateError,
    TrustWarning,
    UploadError,
    VerificationError,
)
from sigstore_rs.verify import (
    AllOf,
    AnyOf,
    Bundle,
    GitHubWorkflow,
    Identity,
    IdentityRegex,
    VerificationPolicy,
    Verifier,
)

__version__: str = _rust.__version__

__all__ = [
    "AllOf",
    "AnyOf",
    "ArtifactDigestError",
    "Bundle",
    "CertificateChainError",
    "CheckpointError",
    "ConversionError",
    "DownloadError",
    "Error",
    "FileError",
    "GitHubWorkflow",
    "HashMismatchError",
    "Identity",
    "IdentityError",
    "IdentityRegex",
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
    "VerificationPolicy",
    "Verifier",
    "__version__",
]
