"""pypi-attestations' own test suite (0.0.30, vendored unmodified in
``tests/pypi-attestations-suite``), run in a subprocess with
``pypi_attestations`` mapped onto ``sigstore_rs.pep740`` and
``pypi_attestations._cli`` onto ``sigstore_rs._pypi_attestations_cli``
(that directory's ``conftest.py``): 45 of 125 collected tests pass (28 of
test_cli.py's 30, 17 of test_impl.py's and test_init.py's 95).

The exact set of tests that pass is checked in (``EXPECTED_PASS``): a
regression fails here, and so does progress, until the list is updated.
Nothing is skipped silently: the suite's online tests, and those that are
offline upstream only because they replace ``requests.get`` (which our
command line does not use), are deselected by id with their reason
(``DESELECTED``, 29 tests), any skip is a failure, and the run makes no
network request (the shim refuses non-loopback sockets and gives
``verify`` the embedded trust material).

Every test that does not pass is classified, with its reason: out of
scope (``OUT_OF_SCOPE``, 78: it reaches into pypi-attestations' private
names, ``impl._check_dist_filename``, ``impl.Verifier``,
``Publisher._as_policy``, a sigstore-python ``Bundle._inner``, needs
pydantic itself, or hands the command line a ``Distribution`` pydantic
would not check) or a known gap of the public API (``KNOWN_GAPS``, 2).
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from conftest import REPO

SUITE = REPO / "tests" / "pypi-attestations-suite"
IMPL = "test/test_impl.py"
CLI = "test/test_cli.py"

_ONLINE_CLI = "online: needs pypi.org, or signs on public staging"
_REQUESTS = (
    "monkeypatches requests.get, which our command line does not use (its HTTP is the "
    "standard library's): run here, it would look pypi.org up"
)

#: The suite's ``@online`` tests: they sign with a token fetched from the
#: sigstore-conformance beacon and talk to the public staging instance.
DESELECTED = {
    f"{IMPL}::TestAttestation::test_roundtrip": "online: signs on public staging",
    f"{IMPL}::TestAttestation::test_expired_certificate": "online: signs on public staging",
    f"{IMPL}::TestAttestation::test_multiple_signatures": "online: signs on public staging",
    # test_cli.py's @online tests (an id ending in "[" deselects every parameter).
    f"{CLI}::test_get_identity_token": "online: a token from the sigstore-conformance beacon",
    f"{CLI}::test_get_identity_token_oauth_flow[": (
        "online; also monkeypatches sigstore.oidc.detect_credential and _cli.Issuer "
        "(sigstore-python's, which our command line does not use)"
    ),
    f"{CLI}::test_sign_command": "online: signs on public staging",
    f"{CLI}::test_sign_missing_file": "online: a token from the sigstore-conformance beacon",
    f"{CLI}::test_sign_signature_already_exists": "online: a beacon token",
    f"{CLI}::test_sign_invalid_token": (
        "online; monkeypatches sigstore.oidc.detect_credential (sigstore-python's)"
    ),
    f"{CLI}::test_sign_invalid_artifact": "online: a beacon token",
    f"{CLI}::test_sign_fail_to_sign": "online: a beacon token",
    f"{CLI}::test_verify_pypi_command[": _ONLINE_CLI,
    f"{CLI}::test_verify_pypi_command_env_fail": _ONLINE_CLI,
    f"{CLI}::test_verify_pypi_command_failure_download": _ONLINE_CLI,
    f"{CLI}::test_verify_pypi_validation_fails": _ONLINE_CLI,
    f"{CLI}::test_verify_pypi_command_publisher_doesnt_match_user_repository[": _ONLINE_CLI,
    f"{CLI}::test_verify_pypi_command_invalid_repository_argument[": _ONLINE_CLI,
    # Offline upstream only because requests.get is replaced.
    f"{CLI}::test_verify_pypi_error_getting_provenance[": _REQUESTS,
    f"{CLI}::test_verify_pypi_error_finding_package_info": _REQUESTS,
    f"{CLI}::test_verify_pypi_error_finding_artifact_url": _REQUESTS,
    f"{CLI}::test_verify_pypi_error_validating_provenance": _REQUESTS,
}

#: Files not collected, with why (none: ``pypi_attestations._cli`` is
#: ``sigstore_rs._pypi_attestations_cli``).
NOT_COLLECTED: dict[str, str] = {}

#: Passing today: exactly these.
EXPECTED_PASS = {
    f"{IMPL}::TestDistribution::test_from_file_nonexistent",
    f"{IMPL}::TestAttestation::test_verify_github_attested",
    f"{IMPL}::TestAttestation::test_verify_from_github_publisher",
    f"{IMPL}::TestAttestation::test_verify_from_gitlab_publisher",
    f"{IMPL}::TestAttestation::test_verify_from_google_publisher",
    f"{IMPL}::TestAttestation::test_certificate_claims",
    f"{IMPL}::TestPackaging::test_exception_types",
    f"{IMPL}::TestProvenance::test_version",
    f"{IMPL}::TestBase64Bytes::test_encoding",
    f"{IMPL}::TestAttestation::test_verify_from_github_publisher_wrong",
    f"{IMPL}::TestAttestation::test_verify_from_gitlab_publisher_wrong",
    f"{IMPL}::TestAttestation::test_verify_digest_mismatch",
    f"{IMPL}::TestAttestation::test_verify_filename_mismatch",
    f"{IMPL}::TestAttestation::test_verify_policy_mismatch",
    f"{IMPL}::test_to_bundle_invalid_cert",
    f"{IMPL}::test_to_bundle_invalid_tlog_entry",
    "test/test_init.py::test_version",
    f"{CLI}::test_main_verbose_level",
    f"{CLI}::test_inspect_command",
    f"{CLI}::test_validate_files",
    f"{CLI}::test_verify_attestation_invalid_attestation",
    f"{CLI}::test_verify_attestation_missing_artifact",
    f"{CLI}::test_verify_attestation_missing_attestation",
    f"{CLI}::test_verify_attestation_invalid_artifact",
    f"{CLI}::test_verify_pypi_command_with_local_files",
    f"{CLI}::test_verify_pypi_command_offline_without_local_dist",
    f"{CLI}::test_verify_pypi_command_offline_without_local_provenance",
    f"{CLI}::test_verify_pypi_invalid_url",
    f"{CLI}::test_verify_pypi_invalid_sdist_filename_pypi",
    f"{CLI}::test_verify_pypi_command_local_nonexistent_artifact",
    f"{CLI}::test_verify_pypi_command_local_nonexistent_provenance",
    f"{CLI}::test_convert_command",
    f"{CLI}::test_convert_command_invalid_bundle",
    f"{CLI}::test_convert_command_conversion_error",
    f"{CLI}::test_convert_command_nonexistent_bundle",
    f"{CLI}::test_convert_command_existent_output_file",
    f"{CLI}::test_verify_pypi_command_gcb_ok",
    f"{CLI}::test_verify_pypi_command_gcb_no_service_account",
    f"{CLI}::test_verify_pypi_command_gcb_wrong_service_account",
    f"{CLI}::test_verify_pypi_command_circleci_no_project_id",
    f"{CLI}::test_verify_pypi_command_circleci_no_pipeline_definition_id",
    f"{CLI}::test_verify_pypi_command_circleci_wrong_project_id",
    f"{CLI}::test_verify_pypi_command_circleci_wrong_pipeline_definition_id",
    f"{CLI}::test_verify_pypi_command_circleci_ok",
    f"{CLI}::test_verify_pypi_command_github_no_repository",
}

_PRIVATE = "reaches into pypi_attestations._impl's private names"
_SIGSTORE_PRIVATE = "mutates a sigstore-python Bundle's private _inner"
_PYDANTIC = "needs pydantic itself (ValidationError, TypeAdapter, pydantic's messages)"

#: Failing, and out of scope (not public API), by test id or id prefix.
OUT_OF_SCOPE = {
    f"{IMPL}::test_check_dist_filename": f"{_PRIVATE} (_check_dist_filename)",
    f"{IMPL}::TestAttestation::test_verify_different_wheel_tag_order": (
        f"{_PRIVATE} (_check_dist_filename; its verify call passes)"
    ),
    f"{IMPL}::TestAttestation::test_wrong_predicate_raises_exception": (
        f"{_PRIVATE} (monkeypatches impl.StatementBuilder; Attestation.sign)"
    ),
    f"{IMPL}::TestAttestation::test_verify_wrong_envelope": f"{_PRIVATE} (impl.Verifier)",
    f"{IMPL}::TestAttestation::test_verify_bad_payload": f"{_PRIVATE} (impl.Verifier)",
    f"{IMPL}::TestAttestation::test_verify_too_many_subjects": f"{_PRIVATE} (impl.Verifier)",
    f"{IMPL}::TestAttestation::test_verify_subject_missing_name": f"{_PRIVATE} (impl.Verifier)",
    f"{IMPL}::TestAttestation::test_verify_subject_invalid_name": f"{_PRIVATE} (impl.Verifier)",
    f"{IMPL}::TestAttestation::test_verify_unknown_attestation_type": (
        f"{_PRIVATE} (impl.Verifier)"
    ),
    f"{IMPL}::TestGitHubPublisher": f"{_PRIVATE} (Publisher._as_policy().verify(cert))",
    f"{IMPL}::TestGooglePublisher": f"{_PRIVATE} (Publisher._as_policy().verify(cert))",
    f"{IMPL}::TestCircleCIPublisher": f"{_PRIVATE} (Publisher._as_policy().verify(cert))",
    f"{IMPL}::test_from_bundle_not_dsse": _SIGSTORE_PRIVATE,
    f"{IMPL}::test_from_bundle_missing_signatures": _SIGSTORE_PRIVATE,
    f"{IMPL}::TestDistribution::test_invalid_": _PYDANTIC,
    f"{IMPL}::TestPublisher::test_discriminator": _PYDANTIC,
    f"{IMPL}::TestPublisher::test_wrong_kind": _PYDANTIC,
    f"{CLI}::test_verify_pypi_command_local_invalid_provenance": (
        "monkeypatches _cli._get_distribution_from_arg to return Distribution(digest='a'), "
        "which our Distribution refuses (not a SHA-256 hex digest) where pydantic takes any "
        "string: deliberate, a digest that cannot match is an error at once"
    ),
}

#: Failing, public API, not closed yet (issue 13): the gap, per test.
_MESSAGE = "same verdict and exception class, our message (upstream's regex: "
KNOWN_GAPS = {
    f"{IMPL}::TestAttestation::test_verify": (
        "to_bundle() is our Bundle, which sigstore-python's Verifier does not take"
    ),
    f"{CLI}::test_verify_attestation_command": (
        _MESSAGE + "'Verification failed: failed to build timestamp certificate chain', "
        "sigstore-python's words for a production attestation checked against the staging "
        "root; ours: its log entry is from a log of the production instance, not in the "
        "trusted root)"
    ),
}


def _run(tmp_path: Path) -> dict[str, str]:
    report = tmp_path / "report.xml"
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "TEST_OFFLINE")}
    env["TEST_OFFLINE"] = "1"
    env["SIGSTORE_RS_CACHE_DIR"] = str(tmp_path / "cache")
    args = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
    args += ["--rootdir", str(SUITE), "-c", os.devnull, f"--junitxml={report}"]
    for path in NOT_COLLECTED:
        args += ["--ignore", path]
    for test_id in DESELECTED:
        args += ["--deselect", test_id]
    proc = subprocess.run(
        [*args, "test"], cwd=SUITE, env=env, capture_output=True, text=True, check=False
    )
    assert report.is_file(), f"the suite did not run:\n{proc.stdout}\n{proc.stderr}"
    outcomes: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        module = case.get("classname", "")
        name = case.get("name", "")
        parts = module.split(".")
        # classname is "test.test_impl" or "test.test_impl.TestX".
        file = "/".join(parts[:2]) + ".py"
        test_id = "::".join([file, *parts[2:], name])
        kinds = [child.tag for child in case]
        outcome = "passed"
        for kind in ("failure", "error", "skipped"):
            if kind in kinds:
                outcome = kind
        outcomes[test_id] = outcome
    return outcomes


def test_pypi_attestations_suite(tmp_path: Path) -> None:
    outcomes = _run(tmp_path)
    skipped = sorted(t for t, o in outcomes.items() if o == "skipped")
    assert not skipped, f"skipped (deselect with a reason instead): {skipped}"
    passed = {t for t, o in outcomes.items() if o == "passed"}
    assert passed == EXPECTED_PASS, (
        f"newly passing: {sorted(passed - EXPECTED_PASS)}; "
        f"no longer passing: {sorted(EXPECTED_PASS - passed)}"
    )
    assert not set(DESELECTED) & set(outcomes)
    # Every other test is classified: out of scope or a known gap, with why.
    unclassified = sorted(
        t
        for t in set(outcomes) - passed
        if not any(t.startswith(p) for p in [*OUT_OF_SCOPE, *KNOWN_GAPS])
    )
    assert not unclassified, f"failing and not classified: {unclassified}"
