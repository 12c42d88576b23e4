"""The reserve-order task of reserve-stock and the order workflow: Express executions run at least once, and a
duplicate new-order-received starts a second one, so two runs of one order meet."""

from __future__ import annotations

from types import SimpleNamespace

from fakes import Clock, FakeEventStore, FakeRequests, FakeSnapshots
from orders_fakes import FakeApprovals, FakeNotifier, FakeOrderBook, FakePurchaseOrders

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
