"""Every resource type and data source the Terraform uses is one LocalStack's free edition serves (the
list, with its sources and date, is tests/terraform/localstack_free.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tf_files import TERRAFORM, blocks, parse, relative, tf_files

ALLOWLIST = Path(__file__).resolve().parent / "localstack_free.yaml"


def _allowlist() -> tuple[set[str], set[str], dict[str, str]]:
    document = yaml.safe_load(ALLOWLIST.read_text())
    resources = {t for types in document["services"].values() for t in types}
    return resources, set(document["data_sources"]), document["paid"]


def problems(root: Path) -> list[str]:
    resources, data_sources, paid = _allowlist()
    found = []
    for tf in tf_files(root):
        parsed = parse(tf)
        for kind, allowed in (("resource", resources), ("data", data_sources)):
            for type_name, name, _ in blocks(parsed, kind):
                if type_name in allowed:
                    continue
                why = paid.get(type_name, f"not on the list in {ALLOWLIST.name}; check LocalStack's coverage first")
                found.append(f"{relative(tf)}: {kind} {type_name}.{name}: {why}")
    return found


def test_the_list_says_where_it_comes_from_and_when() -> None:
    text = ALLOWLIST.read_text()
    assert "date: 2026-11-27" in text and "Sources, read" in text
    resources, _, paid = _allowlist()
    assert not resources & set(paid)


def test_every_resource_type_and_data_source_is_in_localstacks_free_edition() -> None:
    assert problems(TERRAFORM) == []


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            'resource "aws_apigatewayv2_api" "stock" {\n  name = "x"\n}\n',
            "resource aws_apigatewayv2_api.stock: API Gateway V2 (HTTP APIs) is a paid LocalStack feature",
        ),
        (
            'resource "aws_glue_job" "nightly" {\n  name = "x"\n}\n',
            "resource aws_glue_job.nightly: not on the list in localstack_free.yaml",
        ),
        ('data "aws_vpc" "main" {}\n', "data aws_vpc.main: not on the list"),
    ],
)
def test_a_type_the_free_edition_lacks_is_reported(tmp_path: Path, block: str, expected: str) -> None:
    (tmp_path / "main.tf").write_text(block)
    [problem] = problems(tmp_path)
    assert expected in problem
