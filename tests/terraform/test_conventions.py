"""The contract every module and deployment follows (terraform/README.md): files, versions, described
variables and outputs, name_prefix, own state per deployment, and deployment outputs named as in stack.py."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest
from tf_files import TERRAFORM, configurations, parse, relative

MODULES = [f for f in configurations() if f.parent.name == "modules"]
DEPLOYMENTS = [f for f in configurations() if f.parent.name == "deployments"]


def _merged(folder: Path, section: str) -> dict:
    merged: dict = {}
    for tf in sorted(folder.glob("*.tf")):
        for entry in parse(tf).get(section, []):
            merged.update(entry)
    return merged


def _terraform_block(folder: Path) -> dict:
    blocks = [block for tf in sorted(folder.glob("*.tf")) for block in parse(tf).get("terraform", [])]
    assert len(blocks) == 1, f"{relative(folder)}: one terraform {{}} block (versions.tf)"
    return blocks[0]


@pytest.mark.parametrize("folder", MODULES, ids=relative)
def test_each_module_sets_a_floor_and_leaves_the_ceiling_to_its_roots(folder: Path) -> None:
    # As terraform-aws-modules do: a module states the oldest versions it works with; roots constrain.
    assert (folder / "versions.tf").exists()
    block = _terraform_block(folder)
    assert block["required_version"] == ">= 1.6"
    [providers] = block["required_providers"]
    assert providers["aws"] == {"source": "hashicorp/aws", "version": ">= 6.0"}


@pytest.mark.parametrize("folder", DEPLOYMENTS, ids=relative)
def test_each_deployment_pins_terraform_for_use_lockfile_and_the_aws_provider_major(folder: Path) -> None:
    block = _terraform_block(folder)
    assert block["required_version"] == ">= 1.10"  # the S3 backend's use_lockfile needs 1.10
    [providers] = block["required_providers"]
    assert providers["aws"] == {"source": "hashicorp/aws", "version": "~> 6.0"}
    example = (folder / "backend.hcl.example").read_text()
    assert "use_lockfile" in example and "dynamodb_table" not in example


@pytest.mark.parametrize("folder", configurations(), ids=relative)
def test_each_variable_has_a_description_and_a_type_and_each_output_a_description(folder: Path) -> None:
    problems = [
        f"variable {name}: {missing}"
        for name, body in _merged(folder, "variable").items()
        for missing in ("description", "type")
        if not body.get(missing)
    ]
    problems += [
        f"output {name}: description" for name, body in _merged(folder, "output").items() if not body.get("description")
    ]
    assert not problems, f"{relative(folder)} lacks: {problems}"


@pytest.mark.parametrize("folder", MODULES, ids=relative)
def test_each_module_has_its_files(folder: Path) -> None:
    missing = [
        name
        for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md")
        if not (folder / name).exists()
    ]
    assert not missing, f"{relative(folder)} lacks {missing}"


@pytest.mark.parametrize(
    "folder", [*DEPLOYMENTS, *(m for m in MODULES if m.name not in ("lambda_function", "queue"))], ids=relative
)
def test_names_take_the_prefix_pizza_by_default(folder: Path) -> None:
    prefix = _merged(folder, "variable").get("name_prefix")
    assert prefix is not None, f"{relative(folder)}: no name_prefix variable"
    assert prefix.get("default") == "pizza"


@pytest.mark.parametrize("folder", DEPLOYMENTS, ids=relative)
def test_each_deployment_keeps_its_own_state_in_s3_and_sets_up_the_provider(folder: Path) -> None:
    block = _terraform_block(folder)
    assert [list(b) for b in block.get("backend", [])] == [["s3"]], f'{relative(folder)}: backend "s3" {{}}'
    assert (folder / "backend.hcl.example").exists()
    [provider] = [p["aws"] for tf in folder.glob("*.tf") for p in parse(tf).get("provider", []) if "aws" in p]
    assert "region" in provider and "default_tags" in provider


def _stacks() -> dict[str, object]:
    return {ep.name: ep.load() for ep in entry_points(group="localcloud.stacks")}


@pytest.mark.parametrize("service", sorted(_stacks()))
def test_each_service_deployment_has_the_outputs_its_stack_declares(service: str) -> None:
    folder = TERRAFORM / "deployments" / service
    if not any(folder.glob("*.tf")):
        pytest.skip(f"no terraform/deployments/{service} yet")
    stack = _stacks()[service]("pizza")  # type: ignore[operator]
    missing = sorted(set(stack.outputs) - set(_merged(folder, "output")))
    assert not missing, f"{relative(folder)} lacks the outputs {missing} that {service}'s stack.py declares"


def test_the_local_clouds_shared_stack_is_what_deployments_shared_makes() -> None:
    from localcloud.parity import compare

    shared = _stacks()["shared"]
    assert compare(shared("pizza"), TERRAFORM / "deployments" / "shared") == []  # type: ignore[operator]
    assert compare(shared("acme"), TERRAFORM / "deployments" / "shared", {"name_prefix": "acme"}) == []  # type: ignore[operator]


def test_every_resource_a_stack_names_is_declared_by_exactly_one_installed_stack() -> None:
    """The local cloud starts every entry point together, as the roots are applied together: a stack naming
    the shared bus (`${bus.pizza-shared-events.name}`, a rule on it) finds it declared once, by the shared
    stack only, as terraform/deployments/shared alone makes it."""
    import re

    stacks = [build("pizza") for build in _stacks().values()]  # type: ignore[operator]
    kinds = {"bucket": "buckets", "table": "tables", "stream": "streams", "queue": "queues", "topic": "topics",
             "bus": "event_buses", "function": "functions", "state_machine": "state_machines"}  # fmt: skip
    declared: dict[tuple[str, str], list[str]] = {}
    for stack in stacks:
        for kind, field in kinds.items():
            for resource in getattr(stack, field):
                declared.setdefault((kind, resource.name), []).append(stack.name)
    assert {key: names for key, names in declared.items() if len(names) > 1} == {}
    for stack in stacks:
        text = stack.model_dump_json()
        named = set(re.findall(r"\$\{(\w+)\.([^.}]+)\.\w+\}", text))
        named |= {("bus", rule.event_bus) for rule in stack.rules if rule.event_bus != "default"}
        assert {key for key in named if key not in declared} == set(), stack.name
    assert declared[("bus", "pizza-shared-events")] == ["shared"]
