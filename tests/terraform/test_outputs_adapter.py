"""tools/terraform_outputs.py turns `terraform output -json` of the roots into the integration tests' file."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from tf_files import ROOT

sys.path.insert(0, str(ROOT / "tools"))

from terraform_outputs import OutputsError, adapt, main

RECORDED = Path(__file__).resolve().parent / "fixtures" / "outputs"
ENDPOINT = "http://localhost.localstack.cloud:4566"
ROOTS = ("shared", "stock", "oven", "reservations", "orders")


def _recorded() -> dict[str, dict]:
    return {name: json.loads((RECORDED / f"{name}.json").read_text()) for name in ROOTS}


def test_the_recorded_outputs_become_the_expected_file(tmp_path: Path) -> None:
    target = tmp_path / "outputs.json"
    files = [str(RECORDED / f"{name}.json") for name in reversed(ROOTS)]

    code = main([*files, "--endpoint", ENDPOINT + "/", "--region", "us-east-1", "-o", str(target)])

    assert code == 0
    assert json.loads(target.read_text()) == json.loads((RECORDED / "expected.json").read_text())


def test_make_outputs_runs_the_adapter_on_the_files_it_is_given(tmp_path: Path) -> None:
    target = tmp_path / "outputs.json"
    answer = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "outputs",
            f"OUTPUTS_DIR={RECORDED}",
            f"OUTPUTS={target}",
            f"ENDPOINT={ENDPOINT}",
            "REGION=us-east-1",
            "DEPLOYMENTS=" + " ".join(reversed(ROOTS)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert answer.returncode == 0, answer.stderr
    assert json.loads(target.read_text()) == json.loads((RECORDED / "expected.json").read_text())


def test_every_output_a_stack_declares_is_in_the_file_the_tests_read() -> None:
    services = json.loads((RECORDED / "expected.json").read_text())["services"]
    for stack_entry in entry_points(group="localcloud.stacks"):
        assert stack_entry.name in services, f"{stack_entry.name}: no recorded outputs of its deployment"
        declared = set(stack_entry.load()("pizza").outputs)
        assert declared <= set(services[stack_entry.name]), (
            stack_entry.name,
            declared - set(services[stack_entry.name]),
        )


def test_without_an_endpoint_the_file_describes_aws_itself() -> None:
    document = adapt(_recorded(), endpoint=None, region="eu-west-1")
    assert "endpoint" not in document and document["region"] == "eu-west-1"


def test_non_string_values_are_written_as_json_text() -> None:
    document = adapt(
        {"oven": {"names": {"value": {"bake": "pizza-oven-bake"}, "type": ["map", "string"], "sensitive": False}}},
        endpoint=None,
        region="us-east-1",
    )
    assert document["services"]["oven"]["names"] == '{"bake": "pizza-oven-bake"}'


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ({"token": {"value": "s3cret", "sensitive": True}}, "stock: output 'token' is sensitive"),
        ({"api_url": {"value": None}}, "stock: output 'api_url' is null (is the deployment applied?)"),
        ({"api_url": "http://x"}, "stock: output 'api_url' is not as `terraform output -json` writes it"),
        ({}, "stock: no outputs"),
    ],
)
def test_what_cannot_be_trusted_is_refused_with_a_clear_reason(outputs: dict, message: str) -> None:
    with pytest.raises(OutputsError) as error:
        adapt({"stock": outputs}, endpoint=ENDPOINT, region="us-east-1")
    assert str(error.value).startswith(message)
