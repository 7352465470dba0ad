"""The index side of PEP 740: ``pep740.check_upload`` and ``build_provenance``
with the recorded attestations of tests/assets/pypi-attestations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest

from helpers import embedded
from sigstore_rs import errors
from sigstore_rs.pep740 import (
    UPLOAD_HTTP_400_PREFIX,
    Distribution,
    GitHubPublisher,
    Provenance,
    UploadError,
    build_provenance,
    check_upload,
    http_400_message,
)
from sigstore_rs.verify import Verifier

SDIST = "pypi_attestations-0.0.19.tar.gz"
PUBLISHER = GitHubPublisher(repository="trailofbits/pypi-attestations", workflow="release.yml")


@pytest.fixture(scope="module")
def production() -> Verifier:
    return embedded("production")


@pytest.fixture(scope="module")
def pa(fixtures: Path) -> Path:
    return fixtures / "pypi-attestations"


def field(pa: Path, n: int = 1) -> str:
    """The ``attestations`` form field: the recorded attestation ``n`` times."""
    a = json.loads((pa / f"{SDIST}.publish.attestation").read_text())
    return json.dumps([a] * n)


def test_accepted_upload_builds_verifiable_provenance(pa: Path, production: Verifier) -> None:
    dist = Distribution.from_file(pa / SDIST)
    attestations = check_upload(dist, field(pa), PUBLISHER, verifier=production)
    assert len(attestations) == 1
    provenance = build_provenance(PUBLISHER, attestations)
    doc = json.loads(provenance.model_dump_json())
    assert doc["version"] == 1
    assert [b["publisher"]["kind"] for b in doc["attestation_bundles"]] == ["GitHub"]
    served = Provenance.model_validate_json(provenance.model_dump_json())
    [verified] = served.verify(dist, PUBLISHER, verifier=production)
    assert verified.publisher == PUBLISHER


def test_no_trusted_publisher(pa: Path, production: Verifier) -> None:
    dist = Distribution.from_file(pa / SDIST)
    with pytest.raises(UploadError) as e:
        check_upload(dist, field(pa), None, verifier=production)
    assert isinstance(e.value, errors.Error)
    assert e.value.step is None
    assert http_400_message(e.value) == (
        "Invalid attestations supplied during upload: "
        "Attestations are only supported when using Trusted Publishing"
    )
    assert UPLOAD_HTTP_400_PREFIX == "Invalid attestations supplied during upload: "


@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        (lambda f: "{", "Malformed attestations: not JSON"),
        (lambda f: json.dumps(json.loads(f)[0]), "expected a JSON list"),
        (lambda f: "[]", "an empty attestation set is not permitted"),
        (lambda f: json.dumps(json.loads(f) * 3), "A maximum of 2 attestations per file"),
        (lambda f: json.dumps(json.loads(f) * 2), "Multiple attestations for the same file"),
    ],
)
def test_bad_fields(
    pa: Path, production: Verifier, make: Callable[[str], str], phrase: str
) -> None:
    dist = Distribution.from_file(pa / SDIST)
    with pytest.raises(UploadError, match=phrase):
        check_upload(dist, make(field(pa)), PUBLISHER, verifier=production)


def test_other_file_and_wrong_publisher(pa: Path, production: Verifier) -> None:
    other = Distribution(name=SDIST, digest="0" * 64)
    with pytest.raises(UploadError, match="sha256") as e:
        check_upload(other, field(pa), PUBLISHER, verifier=production)
    assert e.value.step == "artifact digest"
    wrong = GitHubPublisher(repository="trailofbits/pypi-attestations", workflow="publish.yml")
    dist = Distribution.from_file(pa / SDIST)
    with pytest.raises(UploadError) as e:
        check_upload(dist, field(pa), wrong, verifier=production)
    assert e.value.step == "identity policy"
    message = str(e.value)
    assert "does not match the Trusted Publisher" in message
    assert "workflows/publish.yml@" in message  # expected
    assert (
        'got "https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@'
        in message
    )
