"""The order steps' function: the actions it answers, and its reserve-order task (reserve-stock and the order
workflow): Express executions run at least once, and a duplicate new-order-received starts a second one, so two
runs of one order meet."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from fakes import Clock, FakeEventStore, FakeRequests, FakeSnapshots
from orders_fakes import FakeApprovals, FakeNotifier, FakeOrderBook, FakePurchaseOrders

from localcloud.testing import lambda_context
from pizza_reservations import use_cases as inventory
from pizza_reservations.bootstrap import Inventory
from pizza_reservations.domain.model import AdjustItem, ReservationStatus, Reserve
from pizza_reservations.orders import bootstrap
from pizza_reservations.orders.domain import OrderStatus, ReservationIdTaken
from pizza_reservations.orders.handlers import steps


def test_a_run_that_finds_its_line_given_back_by_another_run_leaves_the_order_to_it(monkeypatch):
    _steps_world(monkeypatch, {"cola": 5, "tiramisu": 1})
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


def _steps_world(monkeypatch, stocked: dict[str, int]):
    clock, requests = Clock(), FakeRequests()
    stock = Inventory(FakeEventStore(requests), requests, FakeSnapshots())
    for item, units in stocked.items():
        adjustment = AdjustItem(item_id=item, adjustment_id=f"stock-{item}", delta=units, reason="batch")
        inventory.adjust(adjustment, store=stock.store, snapshots=stock.snapshots, requests=requests, now=clock)
    ports = bootstrap.Steps(FakeOrderBook(), FakePurchaseOrders(), FakeApprovals(), FakeNotifier())
    monkeypatch.setattr(steps, "inventory", lambda: stock)
    monkeypatch.setattr(steps, "steps", lambda: ports)
    monkeypatch.setattr(steps, "settings", lambda: SimpleNamespace(hold_seconds=600))
    return stock, ports


def test_a_run_of_another_body_under_a_recorded_order_id_changes_nothing(monkeypatch):
    """The reviewer's k2: a run with other items under the id reserved its own lines (the margherita's reservation
    id reused with another quantity came back "not held, 0 available"), released the first order's holds and
    published a shortage. Now it ends as a duplicate: nothing reserved, released or recorded."""
    stock, ports = _steps_world(monkeypatch, {"margherita": 5, "cola": 5})
    first = {"orderId": "k2", "items": [{"itemId": "margherita", "quantity": 1}]}
    other = {"orderId": "k2", "items": [{"itemId": "margherita", "quantity": 2}, {"itemId": "cola", "quantity": 1}]}
    assert steps.reserve_order({"order": first})["tally"]["allReserved"] is True
    steps.record({"orderId": "k2", "status": "RESERVED", "reservations": []})

    run = steps.reserve_order({"order": other})
    assert run["placed"]["decided"] is True and run["placed"]["status"] == "REJECTED"
    assert (run["reservations"], run["tally"]) == ([], None)
    assert stock.requests.reservation("k2:cola") is None
    # Its later steps, had it reached them (ReleaseAfterError, RecordFailed), leave the first order alone.
    assert steps.release({"orderId": "k2", "items": other["items"]}) == {"released": 0}
    assert steps.record({"orderId": "k2", "status": "FAILED", "items": other["items"], "error": {}})["changed"] is False
    assert stock.requests.reservation("k2:margherita").status is ReservationStatus.HELD
    assert ports.book.get("k2").status is OrderStatus.RESERVED


def test_a_line_whose_reservation_id_is_another_reservations_is_an_error_not_a_shortage(monkeypatch):
    stock, _ = _steps_world(monkeypatch, {"cola": 5})
    taken = Reserve(reservation_id="o-7:cola", item_id="cola", quantity=4, hold_seconds=600)
    inventory.reserve(taken, store=stock.store, snapshots=stock.snapshots, requests=stock.requests, now=Clock())
    with pytest.raises(ReservationIdTaken, match="o-7:cola"):
        steps.reserve_order({"order": {"orderId": "o-7", "items": [{"itemId": "cola", "quantity": 1}]}})
    # ReleaseAfterError: the 4 colas held under that id are not this order's line (1 cola): left alone.
    assert steps.release({"orderId": "o-7", "items": [{"itemId": "cola", "quantity": 1}]}) == {"released": 0}
    assert stock.requests.reservation("o-7:cola").status is ReservationStatus.HELD


def test_only_the_run_whose_write_decided_the_order_is_told_it_changed_it(monkeypatch):
    _, ports = _steps_world(monkeypatch, {"cola": 5})
    order = {"orderId": "o-8", "items": [{"itemId": "cola", "quantity": 1}]}
    runs = [steps.reserve_order({"order": order}) for _ in range(2)]  # an Express execution run twice
    recorded = [
        steps.record({"orderId": "o-8", "status": "RESERVED", "reservations": run["reservations"]}) for run in runs
    ]
    assert [r["changed"] for r in recorded] == [True, False]
    assert ports.book.get("o-8").status is OrderStatus.RESERVED


def test_a_failure_is_recorded_with_one_line_and_no_stack_trace(monkeypatch):
    _, ports = _steps_world(monkeypatch, {"cola": 5})
    order = {"orderId": "o-9", "items": [{"itemId": "cola", "quantity": 1}]}
    held = steps.reserve_order({"order": order})["reservations"]
    steps.record({"orderId": "o-9", "status": "RESERVED", "reservations": held})
    cause = json.dumps(
        {
            "errorMessage": "An error occurred (ThrottlingException)\nwhen calling PutItem",
            "errorType": "ClientError",
            "requestId": "r-1",
            "stackTrace": ['  File "/var/task/x.py", line 1, in handler\n    raise\n'],
        }
    )
    answer = steps.record(
        {"orderId": "o-9", "status": "FAILED", **order, "error": {"Error": "ClientError", "Cause": cause}}
    )
    assert answer["reason"] == "ClientError: An error occurred (ThrottlingException) when calling PutItem"
    assert answer["changed"] is True
    assert [r.held for r in ports.book.get("o-9").reservations] == [False]  # FAILED: nothing held any more


def test_an_unknown_item_is_short_but_never_ordered_from_the_supplier(monkeypatch):
    """An order for an item with no events raised a purchase order; approving it put the item on the menu."""
    _steps_world(monkeypatch, {"tiramisu": 1})
    order = {"orderId": "o-10", "items": [{"itemId": "no-such-thing", "quantity": 1}]}
    tally = steps.reserve_order({"order": order})["tally"]
    assert tally["allReserved"] is False and tally["createPurchaseOrder"] is None
    assert tally["summary"] == "order o-10: short of no-such-thing (unknown item)"
    both = {
        "orderId": "o-11",
        "items": [{"itemId": "no-such-thing", "quantity": 1}, {"itemId": "tiramisu", "quantity": 3}],
    }
    tally = steps.reserve_order({"order": both})["tally"]
    assert tally["createPurchaseOrder"]["items"] == [{"itemId": "tiramisu", "quantity": 3}]
    assert tally["stockUnavailable"]["missing"] == [
        {"itemId": "no-such-thing", "quantity": 1, "available": 0},
        {"itemId": "tiramisu", "quantity": 3, "available": 1},
    ]
