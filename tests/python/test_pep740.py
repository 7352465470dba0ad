"""PEP 740 through the Python API and the CLI, on the recorded attestations
in ``fixtures/pypi-attestations`` (verdicts from its MANIFEST table, also
those pypi-attestations 0.0.30 gives)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any, Callable, Union

import pytest

from sigstore_rs import Identity
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
    AttestationType,
    Distribution,
    GitHubPublisher,
    GitLabPublisher,
    GooglePublisher,
    Provenance,
    VerificationError,
    verify_distributions,
)
from sigstore_rs.verify import Bundle, VerificationPolicy

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
    predicate_type, predicate = a.verify(right, d, staging=staging)
    assert predicate_type == AttestationType.PYPI_PUBLISH_V1.value
    assert predicate == a.statement["predicate"]

    with pytest.raises(PolicyError):
        a.verify(wrong_repo, d, staging=staging)
    if wrong_wf is not None:
        with pytest.raises(PolicyError, match="build config URI"):
            a.verify(wrong_wf, d, staging=staging)
    # The other instance's trust root does not vouch for it.
    with pytest.raises(VerificationError):
        a.verify(right, d, staging=not staging)

    modified = tmp_path / dist
    shutil.copyfile(pa / dist, modified)
    data = bytearray(modified.read_bytes())
    data[len(data) // 2] ^= 1
    modified.write_bytes(bytes(data))
    with pytest.raises(ArtifactDigestError):
        a.verify(right, Distribution.from_file(modified), staging=staging)

    with pytest.raises(StatementError, match="is not the distribution"):
        a.verify(right, Distribution(name=other, digest=d.digest), staging=staging)


def test_names_are_compared_after_normalisation(pa: Path) -> None:
    a = _load(pa, "pypi_attestations-0.0.19.tar.gz.publish.attestation")
    digest = Distribution.from_file(pa / "pypi_attestations-0.0.19.tar.gz").digest
    publisher = _github("trailofbits/pypi-attestations")
    for name in ("PyPI.Attestations-0.0.19.tar.gz", "pypi_attestations-0.0.019.zip"):
        assert a.verify(publisher, Distribution(name=name, digest=digest))[0].endswith("/v1")
    with pytest.raises(StatementError):
        a.verify(
            publisher, Distribution(name="pypi_attestations-0.0.19-py3-none-any.whl", digest=digest)
        )


@pytest.mark.parametrize(
    "name", ["foo.tar.gz", "foo-1.0.tgz", "foo-1.0-py3-none.whl", "foo__bar-1.0-py3-none-any.whl"]
)
def test_invalid_distribution_names(name: str) -> None:
    with pytest.raises(InvalidInput):
        Distribution(name=name, digest="00" * 32)


def test_provenance(pa: Path) -> None:
    p = Provenance.model_validate_json(
        (pa / "pypi_attestations-0.0.19.tar.gz.provenance").read_bytes()
    )
    d = Distribution.from_file(pa / "pypi_attestations-0.0.19.tar.gz")
    [bundle] = p.attestation_bundles
    assert bundle.publisher == _github("trailofbits/pypi-attestations")
    assert p.verify(d) == [(AttestationType.PYPI_PUBLISH_V1.value, None)]
    with pytest.raises(PolicyError, match=r"attestation_bundles\[0\]\.attestations\[0\]"):
        p.verify(d, _github("trailofbits/pypi-attestations", "other.yml"))
    with pytest.raises(StatementError):
        p.verify(Distribution(name="pypi_attestations-0.1.0.tar.gz", digest=d.digest))
    rebuilt = Provenance(attestation_bundles=p.attestation_bundles)
    assert json.loads(rebuilt.model_dump_json()) == json.loads(p.model_dump_json())


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
        (lambda d: d.update(extra=1), "unknown field `extra`"),
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
    results = verify_distributions(
        [
            (d, a, good),
            (pa / name, p, None),
            (str(pa / "gitlab_oidc_project-0.0.3.tar.gz"), gl, _gitlab()),
            (d, a, _github("trailofbits/other")),
            (pa / "missing-1.0.tar.gz", a, good),
            (d, a, None),
        ]
        * 3
    )
    assert len(results) == 18
    for i, r in enumerate(results):
        kind = i % 6
        if kind < 3:
            assert r.ok, r.error
            assert r.predicates == [(AttestationType.PYPI_PUBLISH_V1.value, None)]
        else:
            assert not r.ok
            assert r.predicates == []
    assert isinstance(results[3].error, PolicyError)
    assert isinstance(results[4].error, OSError)
    assert isinstance(results[5].error, InvalidInput)


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def go(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return go


def test_cli_verify(pa: Path, run: Run) -> None:
    dist = str(pa / "pypi_attestations-0.0.19.tar.gz")
    att = str(pa / "pypi_attestations-0.0.19.tar.gz.publish.attestation")
    repo = ["--repository", "trailofbits/pypi-attestations"]
    code, out, _ = run(
        "pypi", "verify", *repo, "--workflow", "release.yml", dist, "--attestation", att
    )
    assert (code, out) == (0, f"OK: {dist}\n")
    # Found beside the distribution; any workflow of the repository.
    assert run("pypi", "verify", *repo, dist)[0] == 0
    code, _, err = run("pypi", "verify", *repo, "--workflow", "x.yml", dist)
    assert code == 1
    assert err.startswith(f"FAIL: {dist}: verification failed at identity policy step")
    prov = str(pa / "pypi_attestations-0.0.19.tar.gz.provenance")
    assert run("pypi", "verify", dist, "--provenance", prov)[0] == 0
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
    assert out == f"OK: {gl}\n"
    assert err.startswith(f"FAIL: {dist}: ")
    code, _, err = run("pypi", "verify", str(pa / "rfc8785-0.1.2-py3-none-any.whl"))
    assert code == 1
    assert "needs a publisher" in err
    assert run("pypi", "verify", "--workflow", "w", dist)[0] == 2


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
