"""The one mapping of Rust errors to Python exceptions (src/py/errors.rs)."""

from __future__ import annotations

import pytest

import sigstore_rs
from sigstore_rs import _rust, errors

STEPS = {
    "CertificateChainError": "certificate chain",
    "SctError": "signed certificate timestamp",
    "TlogEntryError": "transparency log entry",
    "SignedEntryTimestampError": "signed entry timestamp",
    "InclusionProofError": "inclusion proof",
    "CheckpointError": "checkpoint",
    "TimestampError": "signed timestamp",
    "SigningTimeError": "signing time",
    "SignatureError": "signature",
    "ArtifactDigestError": "artifact digest",
    "PolicyError": "identity policy",
}


@pytest.mark.parametrize(("name", "step"), STEPS.items())
def test_verification_steps(name: str, step: str) -> None:
    exc = _rust._error_for_testing(name, "what went wrong")
    assert type(exc) is getattr(errors, name)
    assert isinstance(exc, errors.VerificationError)
    assert isinstance(exc, sigstore_rs.Error)
    assert exc.step == step == type(exc).step  # type: ignore[attr-defined]
    assert str(exc) == f"verification failed at {step} step: what went wrong"


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        ("InvalidBundle", "invalid bundle: "),
        ("InvalidTrustRoot", "invalid trust root: "),
        ("InvalidInput", "invalid input: "),
        ("FileError", ""),
        ("NetworkError", "network error: "),
        ("IdentityError", "identity token: "),
        ("SigningError", "signing failed: "),
        ("NotSignedError", "not signed: "),
        ("TrustUpdateError", "TUF cache: "),
    ],
)
def test_other_errors(name: str, prefix: str) -> None:
    exc = _rust._error_for_testing(name, "msg")
    assert type(exc) is getattr(errors, name)
    assert isinstance(exc, sigstore_rs.Error)
    assert not isinstance(exc, errors.VerificationError)
    assert str(exc) == prefix + "msg"


def test_file_error_is_os_error() -> None:
    assert isinstance(_rust._error_for_testing("FileError", "x"), OSError)


def test_network_error_is_connection_error() -> None:
    assert isinstance(_rust._error_for_testing("NetworkError", "x"), ConnectionError)


def test_every_step_class_is_exported() -> None:
    assert set(STEPS) <= set(errors.__all__)


def test_unknown_kind() -> None:
    with pytest.raises(errors.InvalidInput):
        _rust._error_for_testing("NoSuchError", "x")


def test_classes_are_frozen() -> None:
    policy = _rust.Policy.identity("a", None)
    with pytest.raises(AttributeError):
        policy.x = 1  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        _rust.Verifier()  # type: ignore[call-arg]


def test_version() -> None:
    assert sigstore_rs.__version__ == _rust.__version__
    assert sigstore_rs.__version__.count(".") == 2


def test_import_is_lean() -> None:
    import subprocess
    import sys

    code = "import sys, sigstore_rs; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert not loaded & {"argparse", "json", "hashlib", "subprocess", "sigstore_rs.__main__"}
