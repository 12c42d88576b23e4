"""The checks catch the mistakes they exist for: each is made on purpose in a copy of a real module."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tf_files import TERRAFORM
from tf_fmt import unformatted
from tf_schema import check_tree


@pytest.fixture
def module(tmp_path) -> Path:
    copy = tmp_path / "lambda_function"
    shutil.copytree(TERRAFORM / "modules" / "lambda_function", copy)
    return copy


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_the_copy_is_clean_before_any_mistake(module, provider_schema) -> None:
    assert check_tree(module, provider_schema) == []
    assert unformatted(module)[0] == []


def test_an_argument_the_provider_does_not_have_is_reported(module, provider_schema) -> None:
    _edit(
        module / "main.tf",
        "  handler          = var.handler\n",
        "  handler          = var.handler\n  cold_start_oven = true\n",
    )
    assert check_tree(module, provider_schema) == [
        f"{module}/main.tf: aws_lambda_function.this: no argument or block 'cold_start_oven' in hashicorp/aws"
    ]


def test_an_argument_misspelt_inside_a_nested_block_is_reported(module, provider_schema) -> None:
    _edit(module / "main.tf", '    log_format            = "JSON"', '    log_fromat            = "JSON"')
    problems = check_tree(module, provider_schema)
    assert (
        f"{module}/main.tf: aws_lambda_function.this.logging_config: no argument or block 'log_fromat' in hashicorp/aws"
        in problems
    )
    assert f"{module}/main.tf: aws_lambda_function.this.logging_config: required 'log_format' is missing" in problems


def test_a_missing_required_argument_is_reported(module, provider_schema) -> None:
    _edit(module / "iam.tf", "  assume_role_policy = data.aws_iam_policy_document.assume_role.json\n", "")
    assert check_tree(module, provider_schema) == [
        f"{module}/iam.tf: aws_iam_role.this: required 'assume_role_policy' is missing"
    ]


def test_a_resource_type_the_provider_does_not_have_is_reported(module, provider_schema) -> None:
    (module / "oven.tf").write_text('resource "aws_pizza_oven" "this" {\n  name = "x"\n}\n')
    [problem] = check_tree(module, provider_schema)
    assert problem.startswith(f"{module}/oven.tf: aws_pizza_oven.this: hashicorp/aws 6.")
    assert problem.endswith("has no resource 'aws_pizza_oven'")


def test_an_unformatted_tf_file_is_reported_with_its_diff(module) -> None:
    _edit(
        module / "logs.tf", "  retention_in_days = var.log_retention_days", "  retention_in_days=var.log_retention_days"
    )
    files, diff = unformatted(module)
    assert files == ["logs.tf"]
    assert "-  retention_in_days=var.log_retention_days" in diff
    assert "+  retention_in_days = var.log_retention_days" in diff
