"""The order steps' function: the actions it answers, and its reserve-order task (reserve-stock and the order
workflow): Express executions run at least once, and a duplicate new-order-received starts a second one, so two
runs of one order meet."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fakes import Clock, FakeEventStore, FakeRequests, FakeSnapshots
from orders_fakes import FakeApprovals, FakeNotifier, FakeOrderBook, FakePurchaseOrders

from localcloud.testing import lambda_context
from pizza_reservations import use_cases as inventory
from pizza_reservations.bootstrap import Inventory
from pizza_reservations.domain.model import AdjustItem
from pizza_reservations.orders import bootstrap
from pizza_reservations.orders.handlers import steps


def test_a_run_that_finds_its_line_given_back_by_another_run_leaves_the_order_to_it(monkeypatch):
    clock, requests = Clock(), FakeRequests()
    stock = Inventory(FakeEventStore(requests), requests, FakeSnapshots())
    for item, units in (("cola", 5), ("tiramisu", 1)):
        adjustment = AdjustItem(item_id=item, adjustment_id=f"stock-{item}", delta=units, reason="batch")
        inventory.adjust(adjustment, store=stock.store, snapshots=stock.snapshots, requests=requests, now=clock)
    ports = bootstrap.Steps(FakeOrderBook(), FakePurchaseOrders(), FakeApprovals(), FakeNotifier())
    monkeypatch.setattr(steps, "inventory", lambda: stock)
    monkeypatch.setattr(steps, "steps", lambda: ports)
    monkeypatch.setattr(steps, "settings", lambda: SimpleNamespace(hold_seconds=600))
    order = {"orderId": "o-1", "items": [{"itemId": "cola", "quantity": 2}, {"itemId": "tiramisu", "quantity": 3}]}

    first = steps.reserve_order({"order": order})
    assert first["tally"]["stockUnavailable"]["missing"] == [{"itemId": "tiramisu", "quantity": 3, "available": 1}]
    # The first run goes on to release what it held (ReleaseHeld); it has not recorded its decision yet.
    steps.release({"orderId": "o-1", "items": order["items"]})

    second = steps.reserve_order({"order": order})
    # Before: the cola's replay came back "not held, 0 available", and this run published a shortage of cola.
    assert second["placed"]["decided"] is True
    assert (second["reservations"], second["tally"]) == ([], None)


def test_an_action_no_state_machine_calls_is_refused_naming_the_ones_there_are():
    context = lambda_context(function_name="pizza-orders-steps")
    with pytest.raises(ValueError, match=r"'reserve' is not one of \['bake', 'close', 'confirm'"):
        steps.handler({"action": "reserve", "orderId": "o-1"}, context)  # reserve-order holds the lines now
