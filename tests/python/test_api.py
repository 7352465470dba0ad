"""The Python API against recorded sigstore-python and PEP 740 bundles."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

import pytest

import sigstore_rs
from helpers import embedded
from sigstore_rs import errors
from sigstore_rs.verify import (
    AllOf,
    AnyOf,
    Bundle,
    GitHubWorkflow,
    GitHubWorkflowRepository,
    Identity,
    IdentityRegex,
    OIDCIssuer,
    Verifier,
)

GITHUB_OAUTH = "https://github.com/login/oauth"
GITHUB_ACTIONS = "https://token.actions.githubusercontent.com"
WILLIAM = Identity(identity="william@yossarian.net", issuer=GITHUB_OAUTH)


@pytest.fixture(scope="module")
def staging() -> Verifier:
    return embedded("staging")


@pytest.fixture(scope="module")
def production() -> Verifier:
    return embedded("production")


@pytest.mark.parametrize(
    ("bundle", "artifact", "identity"),
    [
        ("bundle.txt.sigstore", "bundle.txt", "a@tny.town"),
        ("bundle_v3.txt.sigstore", "bundle_v3.txt", "william@yossarian.net"),
        ("bundle_v3_alt.txt.sigstore", "bundle_v3_alt.txt", "william@yossarian.net"),
        (
            "integration/bundle_v3.txt.sigstore",
            "integration/bundle_v3.txt",
            "william@yossarian.net",
        ),
    ],
)
def test_staging_bundles_verify(
    sp: Path, staging: Verifier, bundle: str, artifact: str, identity: str
) -> None:
    policy = Identity(identity=identity, issuer=GITHUB_OAUTH)
    staging.verify_artifact(sp / artifact, Bundle.from_file(sp / bundle), policy)


def test_input_forms_are_equivalent(sp: Path, staging: Verifier) -> None:
    bundle = Bundle.from_file(sp / "bundle_v3.txt.sigstore")
    path = sp / "bundle_v3.txt"
    content = path.read_bytes()
    digest = "sha256:" + hashlib.sha256(content).hexdigest()
    for input in (path, str(path), content, bytearray(content), memoryview(content), digest):
        staging.verify_artifact(input, bundle, WILLIAM)


def test_wrong_artifact_fails_in_every_form(sp: Path, staging: Verifier) -> None:
    bundle = Bundle.from_file(sp / "bundle_v3.txt.sigstore")
    other = sp / "a.txt"
    digest = "sha256:" + hashlib.sha256(other.read_bytes()).hexdigest()
    signed = "sha256:" + hashlib.sha256((sp / "bundle_v3.txt").read_bytes()).hexdigest()
    # The input is wrong, not the log entry: the message names both digests.
    expected = (
        "verification failed at artifact digest step: the input does not match what this"
        f" bundle signs: the input's digest is {digest}, the signed digest is {signed}"
    )
    for input in (other, other.read_bytes(), digest):
        with pytest.raises(errors.ArtifactDigestError) as exc:
            staging.verify_artifact(input, bundle, WILLIAM)
        assert str(exc.value) == expected


def test_cve_2022_36056_fails(sp: Path, staging: Verifier) -> None:
    bundle = Bundle.from_file(sp / "bundle_cve_2022_36056.txt.sigstore")
    with pytest.raises(errors.VerificationError):
        staging.verify_artifact(
            sp / "bundle_cve_2022_36056.txt", bundle, IdentityRegex(pattern=".*")
        )


@pytest.mark.parametrize(
    "name",
    [
        "bundle_invalid_version.txt.sigstore",
        "bundle_no_cert_v1.txt.sigstore",
        "bundle_no_checkpoint.txt.sigstore",
        "bundle_no_log_entry.txt.sigstore",
        "bundle_v3_no_signed_time.txt.sigstore.json",
    ],
)
def test_malformed_bundles_rejected(sp: Path, staging: Verifier, name: str) -> None:
    # MANIFEST: "must be rejected as malformed, each with a clear message" -- at
    # parse time or, at the latest, before any cryptography.
    artifact = sp / name.split(".sigstore")[0]
    with pytest.raises(errors.InvalidBundle) as exc:
        staging.verify_artifact(artifact, Bundle.from_file(sp / name), IdentityRegex(pattern=".*"))
    assert str(exc.value).startswith("invalid bundle: ")
    assert len(str(exc.value)) > len("invalid bundle: ") + 5


MODELS_POLICY = AllOf(
    [
        GitHubWorkflow(repository="trailofbits/pypi-attestation-models"),
        IdentityRegex(
            pattern=r"https://github\.com/trailofbits/pypi-attestation-models/"
            r"\.github/workflows/release\.yml@.*",
            issuer=GITHUB_ACTIONS,
        ),
    ]
)
PEP740 = [
    pytest.param(
        "pypi_attestation_models-0.0.4a2.tar.gz", "production", MODELS_POLICY, id="models"
    ),
    pytest.param("rfc8785-0.1.2-py3-none-any.whl", "staging", WILLIAM, id="rfc8785"),
]


@pytest.mark.parametrize(("dist", "instance", "policy"), PEP740)
def test_pep740_bundles_verify(
    fixtures: Path, dist: str, instance: str, policy: sigstore_rs.VerificationPolicy
) -> None:
    pa = fixtures / "pypi-attestations"
    verifier = embedded(instance)
    bundle = Bundle.from_file(pa / f"{dist}.sigstore")
    verifier.verify_artifact(pa / dist, bundle, policy)
    payload_type, payload = verifier.verify_dsse(bundle, policy)
    assert payload_type == "application/vnd.in-toto+json"
    assert dist.encode() in payload


def test_pep740_changed_distribution_fails(fixtures: Path, production: Verifier) -> None:
    pa = fixtures / "pypi-attestations"
    dist = "pypi_attestation_models-0.0.4a2.tar.gz"
    bundle = Bundle.from_file(pa / f"{dist}.sigstore")
    with pytest.raises(errors.VerificationError):
        production.verify_artifact((pa / dist).read_bytes() + b"\0", bundle, MODELS_POLICY)


def test_wrong_identity_names_the_claim(sp: Path, staging: Verifier) -> None:
    bundle = Bundle.from_file(sp / "bundle_v3.txt.sigstore")
    wrong = Identity(identity="mallory@example.com", issuer=GITHUB_OAUTH)
    with pytest.raises(errors.PolicyError) as exc:
        staging.verify_artifact(sp / "bundle_v3.txt", bundle, wrong)
    assert exc.value.step == "identity policy"
    assert "certificate identity (SAN)" in str(exc.value)
    assert "mallory@example.com" in str(exc.value)


def test_wrong_issuer_names_the_claim(sp: Path, staging: Verifier) -> None:
    bundle = Bundle.from_file(sp / "bundle_v3.txt.sigstore")
    with pytest.raises(errors.PolicyError, match="OIDC issuer"):
        staging.verify_artifact(sp / "bundle_v3.txt", bundle, OIDCIssuer(GITHUB_ACTIONS))


def test_combinators(sp: Path, staging: Verifier) -> None:
    bundle = Bundle.from_file(sp / "bundle_v3.txt.sigstore")
    artifact = sp / "bundle_v3.txt"
    wrong = Identity(identity="mallory@example.com")
    staging.verify_artifact(artifact, bundle, AnyOf([wrong, WILLIAM]))
    with pytest.raises(errors.PolicyError):
        staging.verify_artifact(artifact, bundle, AllOf([wrong, WILLIAM]))
    with pytest.raises(errors.PolicyError):
        staging.verify_artifact(artifact, bundle, AnyOf([]))


def test_wrong_instance_fails(sp: Path, production: Verifier) -> None:
    bundle = Bundle.from_file(sp / "bundle_v3.txt.sigstore")
    with pytest.raises(errors.VerificationError):
        production.verify_artifact(sp / "bundle_v3.txt", bundle, WILLIAM)


def test_media_type(sp: Path) -> None:
    bundle = Bundle.from_file(sp / "bundle_v3.txt.sigstore")
    assert bundle.media_type.startswith("application/vnd.dev.sigstore.bundle")


# --- needs no real verifier: trust roots, inputs and policies --------------------


def test_embedded_trust_roots() -> None:
    # Offline with the session's empty cache: the embedded trusted roots,
    # each with the TrustWarning that says so (and how old they are).
    embedded("production")
    embedded("staging")


def test_trust_root_files(sp: Path) -> None:
    Verifier.from_trusted_root(sp / "trusted_root" / "trustedroot.v1.json")
    Verifier.from_trust_config(str(sp / "trust_config" / "config.v1.json"))


@pytest.mark.parametrize(
    ("loader", "name"),
    [
        ("from_trusted_root", "trusted_root/trustedroot.badtype.json"),
        ("from_trust_config", "trust_config/config.badtype.json"),
        ("from_trusted_root", "bundle_v3.txt.sigstore"),
    ],
)
def test_bad_trust_roots(sp: Path, loader: str, name: str) -> None:
    with pytest.raises(errors.InvalidTrustRoot):
        getattr(Verifier, loader)(sp / name)


def test_missing_trust_root_file(tmp_path: Path) -> None:
    with pytest.raises(errors.FileError) as exc:
        Verifier.from_trusted_root(tmp_path / "nope.json")
    assert isinstance(exc.value, OSError)
    assert "nope.json" in str(exc.value)


def test_missing_files_raise_file_error(tmp_path: Path) -> None:
    """Every loader reports a file it cannot read alike: ``FileError`` (an
    ``OSError`` and a ``sigstore_rs.Error``) naming the file."""
    from sigstore_rs.pep740 import Distribution

    loaders = [
        Bundle.from_file,
        Verifier.from_trusted_root,
        Verifier.from_trust_config,
        Distribution.from_file,
    ]
    for load in loaders:
        with pytest.raises(errors.FileError, match=r"nope-1\.0\.tar\.gz") as exc:
            load(tmp_path / "nope-1.0.tar.gz")
        assert isinstance(exc.value, OSError)
        assert isinstance(exc.value, sigstore_rs.Error)


@pytest.mark.parametrize(
    "make",
    [
        lambda s: Identity(identity=s),
        lambda s: Identity(identity="a@b.c", issuer=s),
        lambda s: IdentityRegex(pattern=s),
        lambda s: OIDCIssuer(s),
        lambda s: GitHubWorkflowRepository(s),
        lambda s: sigstore_rs._rust.Policy.claim(s, "x"),
        lambda s: sigstore_rs._rust.Policy.github(repository=s),
    ],
)
def test_lone_surrogates_are_invalid_input(make: Callable[[str], object]) -> None:
    """A Python ``str`` may hold lone surrogates, which are not Unicode text:
    invalid input like any malformed argument, not a ``UnicodeEncodeError``."""
    with pytest.raises(errors.InvalidInput, match="surrogate"):
        make("\ud800")


def test_lone_surrogates_in_a_distribution_name() -> None:
    from sigstore_rs.pep740 import Distribution

    with pytest.raises(errors.InvalidInput, match="surrogate"):
        Distribution(name="foo-1.0.tar.gz\udcff", digest="00" * 32)


@pytest.mark.parametrize("data", [b"", b"{", b"[]", b'{"mediaType": "nope"}'])
def test_garbage_bundle(data: bytes) -> None:
    with pytest.raises(errors.InvalidBundle):
        Bundle.from_json(data)


@pytest.mark.parametrize("digest", ["sha256:", "sha256:zz", "sha256:" + "ab" * 31])
def test_bad_digest_input(sp: Path, staging: Verifier, digest: str) -> None:
    bundle = _any_bundle(sp)
    with pytest.raises(errors.InvalidInput):
        staging.verify_artifact(digest, bundle, WILLIAM)


def test_unsupported_input_type(sp: Path, staging: Verifier) -> None:
    bundle = _any_bundle(sp)
    with pytest.raises(errors.InvalidInput, match="artifact must be"):
        staging.verify_artifact(42, bundle, WILLIAM)  # type: ignore[arg-type]


def test_bad_key_pem(sp: Path, staging: Verifier) -> None:
    bundle = _any_bundle(sp)
    with pytest.raises(errors.InvalidInput):
        staging.verify_artifact_with_key(sp / "bundle_v3.txt", bundle, b"not a key")


def _any_bundle(sp: Path) -> Bundle:
    return Bundle.from_file(sp / "bundle_v3.txt.sigstore")


def test_bad_policies() -> None:
    with pytest.raises(errors.InvalidInput, match="invalid identity pattern"):
        IdentityRegex(pattern="(")
    # An unbalanced ")" cannot close the anchoring early (issue 10 item 2).
    with pytest.raises(errors.InvalidInput, match="unopened group"):
        IdentityRegex(pattern=r"bob@example\.com)|(.*")
    with pytest.raises(errors.InvalidInput, match="unknown certificate claim"):
        sigstore_rs._rust.Policy.claim("nonsense", "x")
    sigstore_rs._rust.Policy.claim("GitHub workflow repository", "a/b")
    GitHubWorkflowRepository("a/b")


def test_policy_repr() -> None:
    assert "a@b.c" in repr(Identity(identity="a@b.c"))


def test_cpython_release_bundle_by_digest(sp: Path, production: Verifier) -> None:
    """A real CPython release bundle (v0.1, inclusion proof without a
    checkpoint). The tarball is not recorded, so verify by the digest the
    bundle signs; a different digest must fail."""
    import base64
    import json

    path = sp / "integration" / "Python-3.12.5.tgz.sigstore"
    doc = json.loads(path.read_bytes())
    digest = base64.b64decode(doc["messageSignature"]["messageDigest"]["digest"]).hex()
    policy = Identity(identity="thomas@python.org", issuer="https://accounts.google.com")
    production.verify_artifact(f"sha256:{digest}", Bundle.from_file(path), policy)
    with pytest.raises(errors.VerificationError):
        production.verify_artifact("sha256:" + "00" * 32, Bundle.from_file(path), policy)
