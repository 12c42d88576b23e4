"""stack.py and terraform/modules/reservations describe the same resources (localcloud.parity)."""

from __future__ import annotations

from pathlib import Path

from localcloud import parity
from pizza_reservations.stack import stack

MODULE = Path(__file__).resolve().parents[4] / "terraform" / "modules" / "reservations"
# The shared bus is the shared deployment's (the module finds it with a data source); the local cloud has no
# shared stack yet, so this stack declares it for the session. Remove with the local cloud's shared bus.
SHARED_BUS = "event bus pizza-shared-events: in stack.py, not in Terraform"


def test_the_stack_is_the_terraform_module():
    assert [d for d in parity.compare(stack("pizza"), MODULE) if d != SHARED_BUS] == []


def test_the_stack_follows_the_prefix_as_the_module_does():
    differences = parity.compare(stack("acme"), MODULE, {"name_prefix": "acme", "event_bus_name": "acme-shared-events"})
    assert [d for d in differences if d != SHARED_BUS.replace("pizza", "acme")] == []
