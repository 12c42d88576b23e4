"""stack.py and terraform/modules/stock describe the same resources (names, keys, wiring, handlers, env names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pizza_stock.stack import stack

MODULE = Path(__file__).resolve().parents[4] / "terraform" / "modules" / "stock"


def test_the_local_stack_and_the_terraform_module_describe_the_same_resources():
    parity = pytest.importorskip("localcloud.parity", reason="localcloud.parity (python-hcl2) is not installed")
    # The local cloud is one account: its bucket keeps the short name the module makes unique on AWS.
    assert parity.compare(stack("pizza"), MODULE, {"deliveries_bucket_name": "pizza-stock-deliveries"}) == []


def test_the_names_follow_the_prefix_in_both():
    parity = pytest.importorskip("localcloud.parity", reason="localcloud.parity (python-hcl2) is not installed")
    variables = {"name_prefix": "acme", "deliveries_bucket_name": "acme-stock-deliveries"}
    assert parity.compare(stack("acme"), MODULE, variables) == []
