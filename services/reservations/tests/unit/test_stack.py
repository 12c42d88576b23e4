"""stack.py and terraform/modules/reservations describe the same resources (localcloud.parity)."""

from __future__ import annotations

from pathlib import Path

from localcloud import parity
from pizza_reservations.stack import stack

MODULE = Path(__file__).resolve().parents[4] / "terraform" / "modules" / "reservations"
# The local cloud is one account: its bucket keeps the short name the module makes unique on AWS. The shared
# bus is the shared stack's (pizza_place.shared_stack), as the module finds the shared deployment's by name.


def test_the_stack_is_the_terraform_module():
    assert parity.compare(stack("pizza"), MODULE, {"archive_bucket_name": "pizza-reservations-archive"}) == []


def test_the_stack_follows_the_prefix_as_the_module_does():
    variables = {
        "name_prefix": "acme",
        "event_bus_name": "acme-shared-events",
        "archive_bucket_name": "acme-reservations-archive",
    }
    assert parity.compare(stack("acme"), MODULE, variables) == []
