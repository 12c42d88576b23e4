"""Issue 12's findings stay fixed: each check over every module and deployment, then on a copy of the
repo's Terraform with the finding put back on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tf_files import TERRAFORM, configurations, relative
from tf_findings import all_problems, asl_problems, put_events_problems


@pytest.mark.parametrize("folder", configurations(), ids=relative)
def test_no_finding_has_come_back(folder: Path) -> None:
    assert all_problems(folder) == []


def test_no_state_machine_template_hard_codes_the_partition() -> None:
    assert asl_problems() == []


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(TERRAFORM / "modules", tmp_path / "modules")
    return tmp_path / "modules"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


MISTAKES = [
    (
        "lambda_function/main.tf",
        '    application_log_level = var.log_level == "WARNING" ? "WARN" : var.log_level\n',
        "",
        "JSON logs without application_log_level",
    ),
    ("oven/main.tf", "  depends_on = [module.bake]\n", "", "add depends_on = [module.bake]"),
    ("oven/state_machine.tf", "  depends_on = [aws_iam_role_policy.baking]\n", "", "add depends_on on its role's"),
    (
        "oven/state_machine.tf",
        "  alarm_actions       = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]\n",
        "  alarm_actions       = []\n",
        "alarm_actions do not notify var.alarm_topic_arn",
    ),
    (
        "oven/variables.tf",
        '    error_message = "default_baking_time_secs is a whole number of seconds from 1 to 3600."',
        '    error_message = "must be 1 to 3600."',
        "variable default_baking_time_secs: an error_message does not name it",
    ),
    ("stock/storage.tf", "-${data.aws_caller_identity.current.account_id}", "", "not made unique"),
    ("stock/storage.tf", "  force_destroy = var.force_destroy\n", "", "force_destroy is not the switch"),
    (
        "stock/storage.tf",
        '      variable = "aws:SecureTransport"',
        '      variable = "aws:SourceIp"',
        "no bucket policy denying requests without TLS",
    ),
    (
        "stock/storage.tf",
        '    projection_type = "ALL"\n',
        '    projection_type = "ALL"\n    hash_key        = "levelsPartition"\n',
        "index levels: use key_schema blocks",
    ),
    (
        "oven/state_machine.tf",
        "    partition           = data.aws_partition.current.partition\n",
        "",
        "templatefile() does not pass partition",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "expected"), MISTAKES, ids=[m[3] for m in MISTAKES])
def test_a_finding_put_back_is_reported(copy: Path, file: str, old: str, new: str, expected: str) -> None:
    _edit(copy / file, old, new)
    problems = all_problems((copy / file).parent)
    assert any(expected in p for p in problems), problems


def test_a_put_events_grant_wider_than_the_shared_bus_is_reported(tmp_path: Path) -> None:
    (tmp_path / "iam.tf").write_text(
        'data "aws_iam_policy_document" "publish" {\n  statement {\n    actions   = ["events:PutEvents"]\n'
        '    resources = ["arn:aws:events:*:*:event-bus/${var.event_bus_name}"]\n  }\n}\n'
        'data "aws_iam_policy_document" "exact" {\n  statement {\n    actions   = ["events:PutEvents"]\n'
        "    resources = [data.aws_cloudwatch_event_bus.shared.arn]\n  }\n}\n"
    )
    [problem] = all_problems(tmp_path)
    assert "data.aws_iam_policy_document.publish: events:PutEvents on" in problem


def test_a_literal_aws_partition_in_an_asl_file_is_reported(tmp_path: Path) -> None:
    machines = tmp_path / "services" / "bakery" / "statemachines"
    machines.mkdir(parents=True)
    (machines / "bake.asl.json").write_text('{"Resource": "arn:aws:states:::lambda:invoke"}')
    [problem] = asl_problems(tmp_path)
    assert problem.endswith("a literal arn:aws: (use arn:${partition}:)")


def test_the_fixture_service_publishes_on_exactly_the_shared_bus() -> None:
    fixture = Path(__file__).resolve().parent / "fixtures" / "bakery" / "terraform"
    assert "events:PutEvents" in (fixture / "iam.tf").read_text()
    assert put_events_problems(fixture) == []
