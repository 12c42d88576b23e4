"""orders/stack.py and terraform/modules/order_workflows describe the same resources (localcloud.parity), and
the state machine files hold what the issue asks of them."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from localcloud import parity
from pizza_reservations.orders.domain import BAKE_TIMEOUT_SECONDS, MAX_BAKING_SECS, Kitchen
from pizza_reservations.orders.stack import ORDER_FILE, PURCHASE_ORDER_FILE, RESERVE_STOCK_FILE, stack

MODULE = Path(__file__).resolve().parents[4] / "terraform" / "modules" / "order_workflows"
VARIABLES = {
    "reserve_stock_definition_file": str(RESERVE_STOCK_FILE),
    "purchase_order_definition_file": str(PURCHASE_ORDER_FILE),
    "order_definition_file": str(ORDER_FILE),
}


def test_the_stack_is_the_terraform_module():
    assert parity.compare(stack("pizza"), MODULE, VARIABLES) == []


def test_the_stack_follows_the_prefix_and_the_generator_switch_as_the_module_does():
    variables = {**VARIABLES, "name_prefix": "acme", "event_bus_name": "acme-shared-events"}
    assert parity.compare(stack("acme"), MODULE, variables) == []
    enabled = {**VARIABLES, "order_generator_enabled": True}
    assert parity.compare(stack("pizza", generator_enabled=True), MODULE, enabled) == []
    assert parity.compare(stack("pizza"), MODULE, enabled) != []


def test_the_order_generator_is_disabled_by_default():
    [generator] = [rule for rule in stack().rules if rule.schedule_expression]
    assert not generator.enabled


def test_every_handler_names_a_function_of_the_package():
    for function in stack().functions:
        module, _, name = function.handler.rpartition(".")
        assert callable(getattr(importlib.import_module(module), name)), function.handler


def test_every_queue_has_a_dead_letter_queue():
    queues = {queue.name: queue for queue in stack().queues}
    for queue in queues.values():
        if not queue.name.endswith("-dlq"):
            assert queue.dead_letter_queue in queues, queue.name


def _states(machine: dict[str, Any]) -> dict[str, Any]:
    """Every state, those inside Map and Parallel states too."""
    found: dict[str, Any] = {}
    for name, state in machine["States"].items():
        found[name] = state
        for inner in [state.get("ItemProcessor"), state.get("Iterator"), *state.get("Branches", [])]:
            if inner:
                found.update(_states(inner))
    return found


def _rendered(path: Path) -> dict[str, Any]:
    machine = next(m for m in stack().state_machines if m.definition_file == path)
    text = path.read_text()
    assert set(re.findall(r"\$\{(\w+)\}", text)) == set(machine.substitutions)
    return json.loads(re.sub(r"\$\{(\w+)\}", "x", text))


def test_every_choice_has_a_default_and_every_task_retries_and_catches():
    """The original's Choice had no Default; its tasks no Retry nor Catch."""
    for path in (RESERVE_STOCK_FILE, PURCHASE_ORDER_FILE, ORDER_FILE):
        machine = _rendered(path)
        states = _states(machine)
        for name, state in states.items():
            if state["Type"] == "Choice":
                assert "Default" in state, f"{path.name}: {name}"
            if state["Type"] == "Task":
                assert state.get("Retry"), f"{path.name}: {name} has no Retry"
        # A Task inside a Map or Parallel is caught by its enclosing state.
        for name, state in machine["States"].items():
            if state["Type"] in ("Task", "Map", "Parallel"):
                assert state.get("Catch"), f"{path.name}: {name} has no Catch"


def test_the_approval_waits_with_a_timeout_and_never_passes_the_token_anywhere_but_the_step():
    """The original's wait had no timeout; its token went into a public URL's query string."""
    states = _states(_rendered(PURCHASE_ORDER_FILE))
    wait = states["RequestApproval"]
    assert wait["Resource"].endswith(":states:::lambda:invoke.waitForTaskToken")
    assert wait["TimeoutSecondsPath"] == "$.approvalTimeoutSeconds"
    assert wait["Catch"][0]["ErrorEquals"] == ["States.Timeout"]
    token_uses = [name for name, state in states.items() if "$$.Task.Token" in json.dumps(state)]
    assert token_uses == ["RequestApproval"]
    assert states["Decision"]["Default"] != "Rejected"


def test_reserve_stock_is_express_and_the_purchase_order_and_the_order_standard():
    types = {Path(m.definition_file).name: m.type for m in stack().state_machines}
    assert types == {
        "reserve-stock.asl.json": "EXPRESS",
        "create-purchase-order.asl.json": "STANDARD",
        "order.asl.json": "STANDARD",  # named by the order id: deduplicated, every order's path kept
    }


def test_the_order_waits_for_the_oven_with_a_timeout_and_a_refusal_releases_what_is_held():
    states = _states(_rendered(ORDER_FILE))
    bake = states["Bake"]
    assert bake["Resource"].endswith(":states:::lambda:invoke.waitForTaskToken")
    assert bake["TimeoutSeconds"] > 0 and "HeartbeatSeconds" not in bake  # nothing sends heartbeats
    assert bake["Catch"][0] == {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "NotBaked"}
    assert [name for name, state in states.items() if "$$.Task.Token" in json.dumps(state)] == ["Bake"]
    refusals = [name for name, state in states.items() if state.get("ResultPath") == "$.refusal"]
    assert sorted(refusals) == ["NotBaked", "NotConfirmed", "ShortOfIngredients", "ShortOfItems"]
    assert all(states[name]["Next"] == "ReleaseHolds" for name in refusals)
    assert states["ReleaseHolds"]["Next"] == "RecordRefused" and states["RecordRefused"]["Next"] == "AnythingToOrder"
    # create-purchase-order goes out after the refusal is recorded, and only when an item on the menu is short.
    assert states["AnythingToOrder"]["Choices"] == [
        {"Variable": "$.tally.createPurchaseOrder", "IsNull": False, "Next": "AskSupplier"}
    ]
    assert states["AnythingToOrder"]["Default"] == "Refused" and states["AskSupplier"]["Next"] == "Refused"


def test_an_order_baking_the_longest_time_allowed_can_still_be_baked_within_the_bake_timeout():
    """bakingTimeSecs was accepted up to 600 while the Bake task timed out at 600 s: such an order never succeeded."""
    bake = _states(_rendered(ORDER_FILE))["Bake"]
    assert bake["TimeoutSeconds"] == BAKE_TIMEOUT_SECONDS
    assert MAX_BAKING_SECS <= BAKE_TIMEOUT_SECONDS // 2  # room for a wait for a slot and for the pass
    assert _states(_rendered(ORDER_FILE))["NotBaked"]["Result"]["reason"] == (
        f"oven: not baked within {BAKE_TIMEOUT_SECONDS} s"
    )
    with pytest.raises(ValidationError, match="less than or equal to 300"):
        Kitchen.model_validate({"ingredients": [{"typeId": "dough", "quantity": 1}], "bakingTimeSecs": 301})


def _targets(state: dict[str, Any]) -> set[str]:
    nexts = {c["Next"] for c in state.get("Catch", [])} | {c["Next"] for c in state.get("Choices", [])}
    return nexts | {state[k] for k in ("Next", "Default") if k in state}


def test_reserve_stock_records_before_it_publishes_and_only_the_run_that_decided_publishes():
    """Events went out in the same Parallel state as the record write (a reader could see stock-reserved while the
    order was PLACED) and from every run of a duplicated Express execution."""
    machine = _rendered(RESERVE_STOCK_FILE)
    states = machine["States"]
    for record, choice, publish in (
        ("RecordReserved", "DecidedReserved", "PublishStockReserved"),
        ("RecordUnavailable", "DecidedUnavailable", "Unavailable"),
    ):
        assert states[record]["Next"] == choice and states[record]["ResultSelector"] == {
            "changed.$": "$.Payload.changed"
        }
        assert states[choice]["Choices"] == [{"Variable": "$.recorded.changed", "BooleanEquals": True, "Next": publish}]
        assert states[choice]["Default"] == "Duplicate"
    publishing = [
        n for n, s in _states(machine).items() if s.get("Resource", "").endswith(("putEvents", "sns:publish"))
    ]
    assert sorted(publishing) == [
        "Notify",
        "PublishCreatePurchaseOrder",
        "PublishStockReserved",
        "PublishStockUnavailable",
    ]
    assert "RecordUnavailable" not in json.dumps(states["Unavailable"])


def test_any_step_failing_after_its_retries_releases_and_records_the_failure_first():
    """reserve-stock's Reserved, Unavailable and ReleaseHeld caught straight to Failed: the order stayed PLACED."""
    for path in (RESERVE_STOCK_FILE, ORDER_FILE):
        states = _rendered(path)["States"]
        into_failed = sorted(name for name, state in states.items() if "Failed" in _targets(state))
        assert into_failed == ["RecordFailed"], path.name
        assert states["ReleaseAfterError"]["Next"] == "RecordFailed"
        payload = states["RecordFailed"]["Parameters"]["Payload"]
        assert payload["error.$"] == "$.error" and "reason.$" not in payload  # one line, made by the step
