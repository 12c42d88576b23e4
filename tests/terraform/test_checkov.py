"""checkov: no parsing errors, and no failed check that the committed skip file does not name with a reason."""

from __future__ import annotations

import os

import pytest
from tf_checkov import CHECKOV, INSTALL, SKIPS, Skip, load_skips, run, unexpected
from tf_files import TERRAFORM, relative


@pytest.fixture(scope="module")
def report():
    if not CHECKOV.exists():
        message = f"checkov is not installed in {relative(CHECKOV.parent.parent)}: run `{INSTALL}`"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)  # CI must run every check, never skip one silently
        pytest.skip(message)
    return run(TERRAFORM)


def test_checkov_parses_every_file(report) -> None:
    summary = report["summary"]
    assert summary["parsing_errors"] == 0, (
        f"checkov could not parse some files: {report['results'].get('parsing_errors')}"
    )
    assert summary["passed"] > 0


def test_checkov_finds_no_failure_outside_the_skip_file(report) -> None:
    failures, _ = unexpected(report, load_skips())
    assert not failures, (
        f"checkov failed checks (fix them, or add a skip with its reason to {relative(SKIPS)}):\n" + "\n".join(failures)
    )


def test_every_skip_is_still_needed(report) -> None:
    _, unused = unexpected(report, load_skips())
    assert not unused, f"skips in {relative(SKIPS)} that match no failed check: {[s.id for s in unused]}"


def test_every_skip_gives_its_reason() -> None:
    skips = load_skips()
    assert skips
    for skip in skips:
        assert skip.id.startswith("CKV"), skip
        assert len(skip.reason.split()) >= 8, f"{skip.id}: say why in a sentence"


def test_a_failure_is_covered_only_by_a_skip_of_its_check_and_resource() -> None:
    failed = {
        "check_id": "CKV_AWS_338",
        "resource": "module.ingest.aws_cloudwatch_log_group.this",
        "file_path": "/modules/lambda_function/logs.tf",
        "file_line_range": [3, 8],
        "check_name": "Ensure CloudWatch log groups retains logs for at least 1 year",
    }
    other = {**failed, "check_id": "CKV_AWS_158", "check_name": "Ensure CloudWatch Log Group is encrypted by KMS"}
    report = {"results": {"failed_checks": [failed, other]}}
    skips = [Skip("CKV_AWS_338", "a reason", ("*aws_cloudwatch_log_group.this",)), Skip("CKV_AWS_117", "a reason")]

    failures, unused = unexpected(report, skips)
    assert failures == [
        "CKV_AWS_158 module.ingest.aws_cloudwatch_log_group.this (/modules/lambda_function/logs.tf:3): "
        "Ensure CloudWatch Log Group is encrypted by KMS"
    ]
    assert [s.id for s in unused] == ["CKV_AWS_117"]
    assert unexpected(report, [Skip("CKV_AWS_338", "r", ("aws_s3_bucket.*",))])[0][0].startswith("CKV_AWS_338")
