"""Every resource, data source, argument and block exists in hashicorp/aws 6.x; required arguments are given."""

from __future__ import annotations

import json
import re

import pytest
from tf_files import TERRAFORM, configurations, relative
from tf_schema import SCHEMA, check_tree


def test_the_schema_is_the_current_provider_major(provider_schema) -> None:
    assert provider_schema["provider"] == "hashicorp/aws"
    assert re.fullmatch(r"6\.\d+\.\d+", provider_schema["provider_version"])
    # A sanity floor: the whole provider, not a hand-picked subset.
    assert len(provider_schema["resources"]) > 1500
    assert "aws_lambda_function" in provider_schema["resources"]
    assert "aws_iam_policy_document" in provider_schema["data_sources"]


def test_the_schema_knows_blocks_from_arguments_and_what_is_required(provider_schema) -> None:
    function = provider_schema["resources"]["aws_lambda_function"]
    assert "handler" in function["arguments"]
    assert "arn" not in function["arguments"]  # computed only: not settable
    assert function["blocks"]["tracing_config"]["required"] == ["mode"]
    assert set(function["required"]) == {"function_name", "role"}


@pytest.mark.parametrize("folder", configurations(), ids=relative)
def test_every_argument_and_block_exists_in_the_provider(folder, provider_schema) -> None:
    problems = [p for p in check_tree(folder, provider_schema) if p.startswith(relative(folder) + "/")]
    assert not problems, "\n".join(problems)


def test_the_generated_schema_is_cached_under_build() -> None:
    assert SCHEMA.is_relative_to(TERRAFORM.parent / "build")
    assert json.loads(SCHEMA.read_text())["source"].startswith("cdktn-provider-aws==")


def test_the_fixture_service_of_the_wiring_and_iam_tests_is_valid_terraform_too(provider_schema) -> None:
    fixture = TERRAFORM.parent / "tests" / "terraform" / "fixtures"
    assert check_tree(fixture, provider_schema) == []
