"""PEP 740 through the Python API and the CLI, on the recorded attestations
in ``fixtures/pypi-attestations`` (verdicts from its MANIFEST table, also
those pypi-attestations 0.0.30 gives)."""

from __future__ import annotations

import functools
import json
import re
import shutil
from pathlib import Path
from typing import Any, Callable, Union

import pytest

from helpers import embedded, offline_call, offline_stderr
from sigstore_rs import Identity, pep740
from sigstore_rs.__main__ import main
from sigstore_rs.errors import (
    ArtifactDigestError,
    ConversionError,
    InvalidAttestation,
    InvalidInput,
    PolicyError,
    StatementError,
)
from sigstore_rs.pep740 import (
    Attestation,
    AttestationBundle,
    AttestationType,
    CircleCIPublisher,
    Distribution,
    GitHubPublisher,
    GitLabPublisher,
    GooglePublisher,
    Provenance,
    VerificationError,
    VerifiedAttestation,
    verify_distributions,
)
from sigstore_rs.verify import Bundle, VerificationPolicy

#: The production verifier (offline: the embedded trusted root), made once.
PRODUCTION = functools.cache(embedded)

Identityish = Union[VerificationPolicy, GitHubPublisher, GitLabPublisher, GooglePublisher]


@pytest.fixture(scope="session")
def pa(fixtures: Path) -> Path:
    return fixtures / "pypi-attestations"


def _gitlab(repository: str = "facutuesca/gitlab-oidc-project", workflow: str = ".gitlab-ci.yml"):
    return GitLabPublisher(repository=repository, workflow_filepath=workflow)


def _github(repository: str, workflow: str = "release.yml") -> GitHubPublisher:
    return GitHubPublisher(repository=repository, workflow=workflow)


def _yossarian(identity: str = "william@yossarian.net") -> Identity:
    return Identity(identity=identity, issuer="https://github.com/login/oauth")


# (attestation, distribution, right identity, wrong repository/identity,
#  wrong workflow or None, staging, a valid name of another release)
CASES: list[tuple[str, str, Identityish, Identityish, Identityish | None, bool, str]] = [
    (
        "gitlab_oidc_project-0.0.3.tar.gz.publish.attestation",
        "gitlab_oidc_project-0.0.3.tar.gz",
        _gitlab(),
        _gitlab(repository="facutuesca/other-project"),
        _gitlab(workflow="release.yml"),
        False,
        "gitlab_oidc_project-0.0.4.tar.gz",
    ),
    (
        "pypi_attestations-0.0.19.tar.gz.publish.attestation",
        "pypi_attestations-0.0.19.tar.gz",
        _github("trailofbits/pypi-attestations"),
        _github("trailofbits/pypi-attestation-models"),
        _github("trailofbits/pypi-attestations", "tests.yml"),
        False,
        "pypi_attestations-0.0.20.tar.gz",
    ),
    (
        "pypi_attestation_models-0.0.4a2.tar.gz.attestation",
        "pypi_attestation_models-0.0.4a2.tar.gz",
        _github("trailofbits/pypi-attestation-models"),
        _github("trailofbits/pypi-attestations"),
        _github("trailofbits/pypi-attestation-models", "ci.yml"),
        False,
        "pypi_attestation_models-0.0.4a3.tar.gz",
    ),
    (
        "rfc8785-0.1.2-py3-none-any.whl.attestation",
        "rfc8785-0.1.2-py3-none-any.whl",
        _yossarian(),
        _yossarian("someone@example.com"),
        None,
        True,
        "rfc8785-0.1.3-py3-none-any.whl",
    ),
    (
        "rfc8785-0.1.2-py3-none-any.whl.publish.attestation",
        "rfc8785-0.1.2-py3-none-any.whl",
        _yossarian(),
        _yossarian("someone@example.com"),
        None,
        True,
        "rfc8785-0.1.2-py3-none-macosx_11_0_arm64.whl",
    ),
]
IDS = [c[0] for c in CASES]


def _load(pa: Path, name: str) -> Attestation:
    return Attestation.model_validate_json((pa / name).read_bytes())


@pytest.mark.parametrize(
    ("att", "dist", "right", "wrong_repo", "wrong_wf", "staging", "other"), CASES, ids=IDS
)
def test_fixture_verdicts(
    pa: Path,
    tmp_path: Path,
    att: str,
    dist: str,
    right: Identityish,
    wrong_repo: Identityish,
    wrong_wf: Identityish | None,
    staging: bool,
    other: str,
) -> None:
    a = _load(pa, att)
    d = Distribution.from_file(pa / dist)
    predicate_type, predicate = offline_call(a.verify, right, d, staging=staging)
    assert predicate_type == AttestationType.PYPI_PUBLISH_V1.value
    assert predicate == a.statement["predicate"]

    with pytest.raises(PolicyError):
        offline_call(a.verify, wrong_repo, d, staging=staging)
    if wrong_wf is not None:
        with pytest.raises(PolicyError, match="build config URI"):
            offline_call(a.verify, wrong_wf, d, staging=staging)
    # The other instance's trust root does not vouch for it.
    with pytest.raises(VerificationError):
        offline_call(a.verify, right, d, staging=not staging)

    modified = tmp_path / dist
    shutil.copyfile(pa / dist, modified)
    data = bytearray(modified.read_bytes())
    data[len(data) // 2] ^= 1
    modified.write_bytes(bytes(data))
    with pytest.raises(ArtifactDigestError):
        offline_call(a.verify, right, Distribution.from_file(modified), staging=staging)

    with pytest.raises(StatementError, match="is not the distribution"):
        offline_call(a.verify, right, Distribution(name=other, digest=d.digest), staging=staging)


def test_publisher_environment_unchecked_where_the_certificate_names_none(pa: Path) -> None:
    """These certificates predate Fulcio's Deployment Environment extension
    (``.23``): any environment verifies, as the publishers' docstrings say.
    (A certificate naming another environment is refused:
    test_ci_identity.py and the Rust testing tests.)"""
    for att, dist, publisher in [
        (
            "pypi_attestations-0.0.19.tar.gz.publish.attestation",
            "pypi_attestations-0.0.19.tar.gz",
            GitHubPublisher(
                repository="trailofbits/pypi-attestations",
                workflow="release.yml",
                environment="no-such-environment",
            ),
        ),
        (
            "gitlab_oidc_project-0.0.3.tar.gz.publish.attestation",
            "gitlab_oidc_project-0.0.3.tar.gz",
            GitLabPublisher(
                repository="facutuesca/gitlab-oidc-project",
                workflow_filepath=".gitlab-ci.yml",
                environment="no-such-environment",
            ),
        ),
    ]:
        assert "older certificates carry none" in (GitHubPublisher.__doc__ or "")
        _load(pa, att).verify(publisher, Distribution.from_file(pa / dist), verifier=PRODUCTION())


def test_names_are_compared_after_normalisation(pa: Path) -> None:
    a = _load(pa, "pypi_attestations-0.0.19.tar.gz.publish.attestation")
    digest = Distribution.from_file(pa / "pypi_attestations-0.0.19.tar.gz").digest
    publisher = _github("trailofbits/pypi-attestations")
    for name in ("PyPI.Attestations-0.0.19.tar.gz", "pypi_attestations-0.0.019.zip"):
        dist = Distribution(name=name, digest=digest)
        assert a.verify(publisher, dist, verifier=PRODUCTION())[0].endswith("/v1")
    wheel = Distribution(name="pypi_attestations-0.0.19-py3-none-any.whl", digest=digest)
    with pytest.raises(StatementError):
        a.verify(publisher, wheel, verifier=PRODUCTION())


@pytest.mark.parametrize(
    "name", ["foo.tar.gz", "foo-1.0.tgz", "foo-1.0-py3-none.whl", "foo__bar-1.0-py3-none-any.whl"]
)
def test_invalid_distribution_names(name: str) -> None:
    with pytest.raises(InvalidInput):
        Distribution(name=name, digest="00" * 32)


def test_overlong_distribution_names() -> None:
    """A wheel name stands for the cross product of its tag sets: a long
    one was once expanded in full (a 3.9 KB name cost 16 s and 1.7 GB). Names
    are bounded as file names are; tag sets are compared per component."""
    tags = ".".join(f"cp3{i}" for i in range(300))
    with pytest.raises(InvalidInput, match="at most 255 bytes"):
        Distribution(name=f"foo-1.0-{tags}-{tags}-{tags}.whl", digest="00" * 32)
    with pytest.raises(InvalidInput, match="at most 255 bytes"):
        Distribution(name="a" * 300 + "-1.0.tar.gz", digest="00" * 32)


def test_provenance(pa: Path) -> None:
    p = Provenance.model_validate_json(
        (pa / "pypi_attestations-0.0.19.tar.gz.provenance").read_bytes()
    )
    d = Distribution.from_file(pa / "pypi_attestations-0.0.19.tar.gz")
    publisher = _github("trailofbits/pypi-attestations")
    [bundle] = p.attestation_bundles
    assert bundle.publisher == publisher
    verified = [VerifiedAttestation(publisher, AttestationType.PYPI_PUBLISH_V1.value, None)]
    assert p.verify(d, publisher, verifier=PRODUCTION()) == verified
    with pytest.raises(PolicyError, match=r"attestation_bundles\[0\]\.attestations\[0\]"):
        p.verify(d, _github("trailofbits/pypi-attestations", "other.yml"), verifier=PRODUCTION())
    other = Distribution(name="pypi_attestations-0.1.0.tar.gz", digest=d.digest)
    with pytest.raises(StatementError):
        p.verify(other, publisher, verifier=PRODUCTION())
    rebuilt = Provenance(attestation_bundles=p.attestation_bundles)
    assert json.loads(rebuilt.model_dump_json()) == json.loads(p.model_dump_json())


def test_provenance_needs_an_expected_publisher(pa: Path) -> None:
    """A provenance object names its own publisher, and anyone can sign as
    themselves: checked only against that, it proves nothing. The expected
    publisher is required; trusting the named one is an explicit choice."""
    raw = (pa / "pypi_attestations-0.0.19.tar.gz.provenance").read_bytes()
    p = Provenance.model_validate_json(raw)
    d = Distribution.from_file(pa / "pypi_attestations-0.0.19.tar.gz")
    publisher = _github("trailofbits/pypi-attestations")
    with pytest.raises(InvalidInput, match="trust_on_first_use=True"):
        p.verify(d, verifier=PRODUCTION())
    with pytest.raises(InvalidInput, match="not both"):
        p.verify(d, publisher, trust_on_first_use=True, verifier=PRODUCTION())
    [tofu] = p.verify(d, trust_on_first_use=True, verifier=PRODUCTION())
    assert tofu.publisher == publisher
    assert str(tofu.publisher) == (
        "GitHub repository trailofbits/pypi-attestations, workflow release.yml"
    )
    # The same attestation filed under someone else's name: the expected
    # publisher signed it, but the publisher the result would name did not.
    doc = json.loads(raw)
    doc["attestation_bundles"][0]["publisher"]["repository"] = "mallory/pypi-attestations"
    relabelled = Provenance.model_validate_json(json.dumps(doc))
    with pytest.raises(PolicyError):
        relabelled.verify(d, publisher, verifier=PRODUCTION())
    with pytest.raises(PolicyError):
        relabelled.verify(d, trust_on_first_use=True, verifier=PRODUCTION())


@pytest.mark.parametrize("att", sorted({c[0] for c in CASES}))
def test_json_and_bundle_round_trips(pa: Path, att: str) -> None:
    raw = (pa / att).read_bytes()
    a = Attestation.model_validate_json(raw)
    assert json.loads(a.model_dump_json()) == json.loads(raw)
    assert Attestation.from_bundle(a.to_bundle()) == a
    assert Attestation.from_bundle(Bundle.from_json(a.to_bundle_json())) == a
    assert Attestation(verification_material=a.verification_material, envelope=a.envelope) == a


def test_recorded_bundle_converts_to_recorded_attestation(pa: Path) -> None:
    name = "pypi_attestation_models-0.0.4a2.tar.gz"
    a = Attestation.from_bundle(Bundle.from_file(pa / f"{name}.sigstore"))
    assert a == _load(pa, f"{name}.attestation")


def test_malformed_attestations(pa: Path) -> None:
    doc = json.loads((pa / "pypi_attestations-0.0.19.tar.gz.publish.attestation").read_bytes())
    for mutate, message in [
        (lambda d: d.update(version=2), "unsupported version 2"),
        (lambda d: d["envelope"].update(statement="%%%"), "base64"),
        (lambda d: d["verification_material"].update(transparency_entries=[]), "empty"),
    ]:
        bad = json.loads(json.dumps(doc))
        mutate(bad)
        with pytest.raises(InvalidAttestation, match=message):
            Attestation.model_validate_json(json.dumps(bad))
    with pytest.raises(ValueError, match="not a PEP 740 attestation"):
        Attestation.model_validate_json("[]")
    bad = json.loads(json.dumps(doc))
    bad["verification_material"]["transparency_entries"] = [{"logIndex": "x"}]
    with pytest.raises(ConversionError):
        Attestation.model_validate_json(json.dumps(bad)).to_bundle()


def test_certificate_claims(pa: Path) -> None:
    claims = _load(pa, "pypi_attestations-0.0.19.tar.gz.publish.attestation").certificate_claims
    assert list(claims) == [f"1.3.6.1.4.1.57264.1.{arc}" for arc in range(8, 23)]
    assert claims["1.3.6.1.4.1.57264.1.8"] == "https://token.actions.githubusercontent.com"
    assert claims["1.3.6.1.4.1.57264.1.20"] == "release"


def test_sigstore_python_objects(pa: Path) -> None:
    """pypi-attestations callers pass sigstore-python's bundles and policies:
    they are read into ours, the same checks; a policy with no equivalent
    is refused, never dropped."""
    import sigstore.models
    from sigstore.verify import policy

    name = "pypi_attestation_models-0.0.4a2.tar.gz"
    foreign = sigstore.models.Bundle.from_json((pa / f"{name}.sigstore").read_bytes())
    a = Attestation.from_bundle(foreign)
    assert a == _load(pa, f"{name}.attestation")
    d = Distribution.from_file(pa / name)
    repo = "https://github.com/trailofbits/pypi-attestation-models"
    issuer = policy.OIDCIssuerV2("https://token.actions.githubusercontent.com")
    right = policy.AllOf([policy.OIDCSourceRepositoryURI(repo), issuer])
    assert offline_call(a.verify, right, d)[0] == AttestationType.PYPI_PUBLISH_V1.value
    wrong = policy.AnyOf([policy.OIDCSourceRepositoryURI(repo + "x")])
    with pytest.raises(PolicyError, match="source repository URI"):
        offline_call(a.verify, wrong, d)
    with pytest.raises(PolicyError, match="certificate identity"):
        offline_call(a.verify, policy.Identity(identity="x@example.com"), d)
    with pytest.raises(TypeError, match="UnsafeNoOp has no sigstore_rs equivalent"):
        offline_call(a.verify, policy.UnsafeNoOp(), d)
    with pytest.raises(TypeError, match="not a verification policy"):
        offline_call(a.verify, object(), d)  # type: ignore[arg-type]


def test_message_signature_bundle_does_not_convert(sp: Path) -> None:
    with pytest.raises(ConversionError, match="DSSE"):
        Attestation.from_bundle(Bundle.from_file(sp / "bundle_v3.txt.sigstore"))


def test_verify_distributions_batch(pa: Path) -> None:
    name = "pypi_attestations-0.0.19.tar.gz"
    a = _load(pa, f"{name}.publish.attestation")
    p = Provenance.model_validate_json((pa / f"{name}.provenance").read_bytes())
    d = Distribution.from_file(pa / name)
    good = _github("trailofbits/pypi-attestations")
    gl = _load(pa, "gitlab_oidc_project-0.0.3.tar.gz.publish.attestation")
    items: list[tuple[Distribution | Path | str, Attestation | Provenance, Identityish | None]] = [
        (d, a, good),
        (pa / name, p, good),
        (str(pa / "gitlab_oidc_project-0.0.3.tar.gz"), gl, _gitlab()),
        (d, a, _github("trailofbits/other")),
        (pa / "missing-1.0.tar.gz", a, good),
        (d, a, None),
        (d, p, None),
    ]
    results = offline_call(verify_distributions, items * 3)
    assert len(results) == 21
    for i, r in enumerate(results):
        kind = i % 7
        if kind < 3:
            assert r.ok, r.error
            assert r.predicates == [(AttestationType.PYPI_PUBLISH_V1.value, None)]
        else:
            assert not r.ok
            assert r.predicates == []
            assert r.publishers == []
    # A provenance item names the publisher it verified; an attestation none.
    assert results[1].publishers == [good]
    assert results[0].publishers == results[2].publishers == []
    assert isinstance(results[3].error, PolicyError)
    assert isinstance(results[4].error, OSError)
    assert isinstance(results[5].error, InvalidInput)
    assert "an attestation names no publisher" in str(results[5].error)
    assert isinstance(results[6].error, InvalidInput)
    assert "trust_on_first_use=True" in str(results[6].error)

    # Trust on first use: only for the items that name no publisher, and
    # only a provenance object names one to trust.
    tofu = verify_distributions(items, trust_on_first_use=True, verifier=PRODUCTION())
    assert tofu[6].ok, tofu[6].error
    assert tofu[6].publishers == [good]
    assert isinstance(tofu[5].error, InvalidInput)
    assert isinstance(tofu[3].error, PolicyError)


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """The CLI in process. ``pypi verify`` runs ``--offline`` (tests fetch no
    trust material): unless it stops at a usage error, its warning that the
    embedded material was used is checked and taken out of stderr."""

    def go(*argv: str) -> tuple[int, str, str]:
        args = list(argv)
        offline = args[:2] in (["pypi", "verify"], ["--staging", "pypi"])
        if offline:
            args.insert(args.index("verify") + 1, "--offline")
        code = main(args)
        out, err = capsys.readouterr()
        if offline and code != 2:
            err = offline_stderr(err)
        return code, out, err

    return go


def test_cli_verify(pa: Path, run: Run) -> None:
    dist = str(pa / "pypi_attestations-0.0.19.tar.gz")
    att = str(pa / "pypi_attestations-0.0.19.tar.gz.publish.attestation")
    repo = ["--repository", "trailofbits/pypi-attestations"]
    publisher = "GitHub repository trailofbits/pypi-attestations, workflow release.yml"
    code, out, _ = run(
        "pypi", "verify", *repo, "--workflow", "release.yml", dist, "--attestation", att
    )
    assert (code, out) == (0, f"OK: {dist}\n  publisher: {publisher}\n")
    # Found beside the distribution; any workflow of the repository.
    code, out, _ = run("pypi", "verify", *repo, dist)
    assert (code, out) == (
        0,
        f"OK: {dist}\n  publisher: GitHub repository trailofbits/pypi-attestations, any workflow\n",
    )
    code, _, err = run("pypi", "verify", *repo, "--workflow", "x.yml", dist)
    assert code == 1
    assert err.startswith(f"FAIL: {dist}: verification failed at identity policy step")
    gl = str(pa / "gitlab_oidc_project-0.0.3.tar.gz")
    code, out, err = run(
        "pypi",
        "verify",
        "--gitlab",
        "--repository",
        "facutuesca/gitlab-oidc-project",
        "--workflow",
        ".gitlab-ci.yml",
        gl,
        dist,
    )
    assert code == 1
    assert out == (
        f"OK: {gl}\n  publisher: GitLab project facutuesca/gitlab-oidc-project,"
        " workflow .gitlab-ci.yml\n"
    )
    assert err.startswith(f"FAIL: {dist}: ")
    wheel = str(pa / "rfc8785-0.1.2-py3-none-any.whl")
    code, out, err = run(
        "--staging",
        "pypi",
        "verify",
        "--cert-identity",
        "william@yossarian.net",
        "--cert-oidc-issuer",
        "https://github.com/login/oauth",
        wheel,
    )
    assert (code, out) == (
        0,
        f"OK: {wheel}\n  identity: william@yossarian.net, issuer https://github.com/login/oauth\n",
    ), err
    code, _, err = run("pypi", "verify", wheel)
    assert code == 2
    assert "--repository" in err
    assert run("pypi", "verify", "--workflow", "w", dist)[0] == 2


def test_cli_verify_needs_an_expected_publisher(pa: Path, run: Run, tmp_path: Path) -> None:
    """`pypi verify DIST` with a provenance object beside it verified it
    against the publisher it names itself, which anyone can be."""
    dist = pa / "pypi_attestations-0.0.19.tar.gz"
    prov = str(pa / "pypi_attestations-0.0.19.tar.gz.provenance")
    publisher = "GitHub repository trailofbits/pypi-attestations, workflow release.yml"
    code, out, err = run("pypi", "verify", str(dist), "--provenance", prov)
    assert (code, out) == (2, "")
    for flag in ("--repository", "--email", "--cert-identity", "--trust-on-first-use"):
        assert flag in err, err
    # Found beside the distribution: the same.
    beside = tmp_path / dist.name
    shutil.copyfile(dist, beside)
    shutil.copyfile(prov, f"{beside}.provenance")
    code, out, err = run("pypi", "verify", str(beside))
    assert (code, out) == (2, "")
    assert "--trust-on-first-use" in err
    # Trust on first use is a choice, and shows whom it trusted.
    code, out, _ = run("pypi", "verify", "--trust-on-first-use", str(beside))
    assert (code, out) == (0, f"OK: {beside}\n  publisher: {publisher} (trusted on first use)\n")
    # The expected publisher: the provenance's publisher must satisfy it.
    code, out, _ = run(
        "pypi", "verify", "--repository", "trailofbits/pypi-attestations", str(beside)
    )
    assert (code, out) == (0, f"OK: {beside}\n  publisher: {publisher}\n")
    code, _, err = run("pypi", "verify", "--repository", "mallory/pypi-attestations", str(beside))
    assert code == 1
    assert err.startswith(f"FAIL: {beside}: verification failed at identity policy step")
    # An attestation names no publisher: trust on first use cannot apply.
    code, _, err = run(
        "pypi", "verify", "--trust-on-first-use", str(pa / "rfc8785-0.1.2-py3-none-any.whl")
    )
    assert code == 1
    assert "names no publisher" in err
    code, _, err = run(
        "pypi",
        "verify",
        "--trust-on-first-use",
        "--repository",
        "trailofbits/pypi-attestations",
        str(beside),
    )
    assert code == 2


def test_cli_convert_and_inspect(pa: Path, run: Run, tmp_path: Path) -> None:
    name = "pypi_attestation_models-0.0.4a2.tar.gz"
    code, out, _ = run("pypi", "convert", str(pa / f"{name}.sigstore"))
    assert code == 0
    assert json.loads(out) == json.loads((pa / f"{name}.attestation").read_bytes())
    code, out, _ = run("pypi", "convert", "--to-bundle", str(pa / f"{name}.attestation"))
    assert code == 0
    assert Attestation.from_bundle(Bundle.from_json(out)) == _load(pa, f"{name}.attestation")
    code, out, _ = run("pypi", "inspect", str(pa / f"{name}.attestation"))
    assert code == 0
    assert json.loads(out)["statement"]["subject"][0]["name"] == name
    code, out, _ = run("pypi", "inspect", str(pa / "pypi_attestations-0.0.19.tar.gz.provenance"))
    assert json.loads(out)["provenance"][0]["publisher"]["kind"] == "GitHub"
    bad = tmp_path / "bad.attestation"
    bad.write_text('{"version": 2}')
    code, _, err = run("pypi", "inspect", str(bad))
    assert code == 1
    assert err.startswith(f"FAIL: {bad}: invalid attestation")


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\xff\xfe garbage", b"\xef\xbb\xbf{", b"[1, 2]", b"PK\x03\x04", b"[" * 100_000],
)
def test_cli_inspect_not_json(content: bytes, run: Run, tmp_path: Path) -> None:
    path = tmp_path / "x.attestation"
    path.write_bytes(content)
    code, out, err = run("pypi", "inspect", str(path))
    assert code == 1
    assert out == ""
    assert err.startswith(
        f"FAIL: {path}: not a PEP 740 attestation, provenance object or Sigstore bundle ("
    )
    assert len(err.splitlines()) == 1


def test_cli_inspect_bundles(sp: Path, pa: Path, run: Run) -> None:
    code, out, _ = run("pypi", "inspect", str(pa / "rfc8785-0.1.2-py3-none-any.whl.sigstore"))
    assert code == 0
    doc = json.loads(out)
    assert doc["statement"]["subject"][0]["name"] == "rfc8785-0.1.2-py3-none-any.whl"
    code, out, _ = run("pypi", "inspect", str(sp / "bundle_v3.txt.sigstore"))
    assert code == 0
    assert json.loads(out)["messageDigest"]["algorithm"] == "SHA2_256"


def _proto_field_names(doc: Any) -> Any:
    """``doc`` with protobuf field names (``media_type``) for JSON names."""
    if isinstance(doc, dict):
        return {
            (k if k == "payloadType" else re.sub("([A-Z])", r"_\1", k).lower()): (
                _proto_field_names(v)
            )
            for k, v in doc.items()
        }
    if isinstance(doc, list):
        return [_proto_field_names(v) for v in doc]
    return doc


@pytest.mark.parametrize(
    ("rel", "key"),
    [
        ("sigstore-python/bundle_v3.txt.sigstore", "messageDigest"),
        ("pypi-attestations/rfc8785-0.1.2-py3-none-any.whl.sigstore", "statement"),
    ],
)
def test_cli_inspect_bundle_with_proto_field_names(
    fixtures: Path, rel: str, key: str, run: Run, tmp_path: Path
) -> None:
    """The protobuf JSON mapping's other spelling is a bundle too (issue 10 item 6)."""
    path = tmp_path / "snake.sigstore.json"
    path.write_text(json.dumps(_proto_field_names(json.loads((fixtures / rel).read_text()))))
    code, out, err = run("pypi", "inspect", str(path))
    assert code == 0, err
    doc = json.loads(out)
    assert doc[key]


def _with_unknown_keys(raw: bytes) -> dict[str, Any]:
    """The provenance object with keys pypi-attestations ignores at every
    unsigned level, among them the publisher ``claims`` PyPI serves."""
    doc: dict[str, Any] = json.loads(raw)
    doc["extra"] = 1
    bundle = doc["attestation_bundles"][0]
    bundle["extra"] = [1]
    bundle["publisher"]["claims"] = {
        "ref": "refs/tags/v0.0.19",
        "sha": "0123456789abcdef0123456789abcdef01234567",
    }
    attestation = bundle["attestations"][0]
    attestation["extra"] = {"a": None}
    attestation["verification_material"]["extra"] = 1
    attestation["envelope"]["extra"] = "x"
    return doc


def test_unknown_unsigned_keys_are_ignored(pa: Path) -> None:
    """As pydantic's ``extra="ignore"`` in pypi-attestations: a provenance
    object with unknown keys outside the signed content (here a publisher
    ``claims`` key, as PyPI serves) verifies exactly as the original."""
    raw = (pa / "pypi_attestations-0.0.19.tar.gz.provenance").read_bytes()
    d = Distribution.from_file(pa / "pypi_attestations-0.0.19.tar.gz")
    original = Provenance.model_validate_json(raw)
    doc = _with_unknown_keys(raw)
    for lenient in (
        Provenance.model_validate_json(json.dumps(doc)),
        Provenance.model_validate(doc),
    ):
        assert lenient == original
        assert lenient.model_dump() == json.loads(raw)
        publisher = _github("trailofbits/pypi-attestations")
        for kwargs in ({"publisher": publisher}, {"trust_on_first_use": True}):
            assert lenient.verify(d, verifier=PRODUCTION(), **kwargs) == original.verify(
                d, verifier=PRODUCTION(), **kwargs
            )
    bundle = doc["attestation_bundles"][0]
    assert AttestationBundle.model_validate(bundle) == original.attestation_bundles[0]
    assert GitHubPublisher.model_validate(bundle["publisher"]) == publisher
    a = Attestation.model_validate(bundle["attestations"][0])
    assert a.verify(publisher, d, verifier=PRODUCTION())[0] == AttestationType.PYPI_PUBLISH_V1
    # The signed content stays strict: a statement that is not one is refused.
    bundle["attestations"][0]["envelope"]["statement"] = "%%%"
    with pytest.raises(InvalidAttestation, match="base64"):
        Provenance.model_validate(doc)


def test_pydantic_shaped_models(pa: Path) -> None:
    """The names and methods Warehouse uses from pypi-attestations."""
    assert pep740.__version__ == "0.0.30"
    raw = (pa / "pypi_attestations-0.0.19.tar.gz.provenance").read_bytes()
    p = Provenance.model_validate_json(raw)
    [bundle] = p.attestation_bundles
    assert AttestationBundle.model_validate_json(bundle.model_dump_json()) == bundle
    assert json.loads(bundle.model_dump_json()) == json.loads(raw)["attestation_bundles"][0]
    [a] = bundle.attestations
    assert Attestation.model_validate(a.model_dump()) == a
    assert Attestation.model_validate(a) is a
    assert Provenance.model_validate(p) is p
    # The upload form's `attestations` field: a JSON array.
    field = json.dumps([a.model_dump(), a.model_dump()])
    assert Attestation.list_from_json(field) == [a, a]
    assert Attestation.list_from_json("[]") == []
    for bad, message in [
        ("{}", "not a JSON array"),
        ("[", "not a JSON array"),
        (json.dumps([a.model_dump(), {"version": 1}]), r"attestations\[1\]: "),
        ("[1]", r"attestations\[0\]: .*JSON object"),
    ]:
        with pytest.raises(InvalidAttestation, match=message):
            Attestation.list_from_json(bad)


def test_publishers_with_kind() -> None:
    """Publishers accept ``kind=`` as pypi-attestations' do, and parse from
    their JSON with unknown keys ignored."""
    gh = GitHubPublisher(kind="GitHub", repository="o/r", workflow="w.yml")
    assert gh == _github("o/r", "w.yml")
    assert gh.model_dump() == {
        "kind": "GitHub",
        "repository": "o/r",
        "workflow": "w.yml",
        "environment": None,
    }
    assert GitLabPublisher(kind="GitLab", repository="a/b", workflow_filepath="c").kind == "GitLab"
    assert GooglePublisher(kind="Google", email="x@y.z").email == "x@y.z"
    with pytest.raises(InvalidAttestation, match="expected 'GitHub'"):
        GitHubPublisher(kind="GitLab", repository="o/r", workflow="w.yml")  # type: ignore[arg-type]
    with pytest.raises(InvalidAttestation, match="expected 'GitLab'"):
        GitLabPublisher.model_validate_json(gh.model_dump_json())
    with pytest.raises(InvalidAttestation, match="JSON object"):
        GitHubPublisher.model_validate([])
    assert GitHubPublisher.model_validate({**gh.model_dump(), "claims": {"sha": "x"}}) == gh


def test_circleci_publisher(pa: Path) -> None:
    """pypi-attestations 0.0.30's CircleCI publisher: its JSON, its claims,
    and its policy refusing a GitHub Actions certificate."""
    c = CircleCIPublisher(project_id="p", pipeline_definition_id="d", vcs_ref="refs/heads/main")
    assert c.model_dump() == {
        "kind": "CircleCI",
        "project_id": "p",
        "pipeline_definition_id": "d",
        "vcs_origin": None,
        "vcs_ref": "refs/heads/main",
    }
    assert CircleCIPublisher.model_validate_json(c.model_dump_json()) == c
    assert str(c) == "CircleCI project p, pipeline definition d, ref refs/heads/main"
    a = _load(pa, "pypi_attestations-0.0.19.tar.gz.publish.attestation")
    d = Distribution.from_file(pa / "pypi_attestations-0.0.19.tar.gz")
    with pytest.raises(PolicyError, match=r"oidc\.circleci\.com"):
        a.verify(c, d, verifier=PRODUCTION())
