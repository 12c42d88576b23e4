"""stack.py against the Terraform module, and the things the local cloud relies on in it."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

from pizza_oven.stack import STATE_MACHINE_FILE, stack

ROOT = Path(__file__).resolve().parents[4]
MODULE = ROOT / "terraform" / "modules" / "oven"


def test_the_stack_and_the_terraform_module_describe_the_same_oven():
    parity = pytest.importorskip("localcloud.parity")
    variables = {"name_prefix": "pizza", "baking_definition_file": str(STATE_MACHINE_FILE)}
    assert parity.compare(stack("pizza"), MODULE, variables) == []


def test_the_seeded_capacity_defaults_to_the_terraform_variables_default(monkeypatch):
    monkeypatch.delenv("OVEN_CAPACITY", raising=False)
    default = re.search(
        r'variable "oven_capacity" \{.*?default\s*=\s*(\d+)', (MODULE / "variables.tf").read_text(), re.S
    )
    (table,) = stack("pizza").tables
    assert table.seed_items == ({"pk": "OVEN#CAPACITY", "capacity": int(default.group(1))},)


def test_the_capacity_comes_from_the_argument_or_the_environment(monkeypatch):
    monkeypatch.setenv("OVEN_CAPACITY", "3")
    assert stack("pizza").tables[0].seed_items[0]["capacity"] == 3
    assert stack("pizza", capacity=8).tables[0].seed_items[0]["capacity"] == 8


def test_every_name_takes_the_prefix():
    oven = stack("bench")
    names = [t.name for t in oven.tables] + [q.name for q in oven.queues] + [f.name for f in oven.functions]
    names += [m.name for m in oven.state_machines]
    assert all(name.startswith("bench-oven-") for name in names)


def test_every_queue_has_a_dead_letter_queue_and_fifo_queues_have_fifo_ones():
    queues = {queue.name: queue for queue in stack("pizza").queues}
    for queue in queues.values():
        if queue.name.removesuffix(".fifo").endswith("-dlq"):
            continue
        assert queue.dead_letter_queue in queues, queue.name
        assert queues[queue.dead_letter_queue].fifo == queue.fifo


def test_every_handler_names_a_function_of_the_package():
    for function in stack("pizza").functions:
        module, _, name = function.handler.rpartition(".")
        assert callable(getattr(importlib.import_module(module), name)), function.handler


def test_the_state_machine_file_renders_to_json_with_exactly_the_substitutions_given():
    (machine,) = stack("pizza").state_machines
    text = STATE_MACHINE_FILE.read_text()
    assert set(re.findall(r"\$\{(\w+)\}", text)) == set(machine.substitutions)
    rendered = text.replace("${remove_function_arn}", "arn:aws:lambda:eu-west-1:123456789012:function:f")
    states = json.loads(rendered)["States"]
    assert states["Bake"]["SecondsPath"] == "$.bakingTimeSecs"
    assert states["TakeOut"]["Parameters"]["FunctionName"].endswith(":function:f")


def test_every_output_the_readme_names_is_one_the_stack_and_the_deployment_declare():
    readme = (ROOT / "services" / "oven" / "README.md").read_text()
    # The Messages table's doors, "| NewItems (`new_items_queue_url`) |", and "## The oven table (`oven_table`)".
    named = set(re.findall(r"^(?:\| [^|`]*|## [^`\n]*)\(`([a-z_]+)`\)", readme, re.M))
    deployed = set(re.findall(r'^output "(\w+)"', (ROOT / "terraform/deployments/oven/outputs.tf").read_text(), re.M))
    assert len(named) >= 5, named
    assert named <= set(stack("pizza").outputs), named - set(stack("pizza").outputs)
    assert named <= deployed, named - deployed
