"""Each in-memory fake of the orders' ports held to its DynamoDB adapter (moto in process)."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from orders_fakes import FakeOrderBook, FakePurchaseOrders

from localcloud.stack import Stack
from localcloud.testing import moto_stack
from pizza_reservations.orders.adapters.order_book import DynamoDbOrderBook
from pizza_reservations.orders.adapters.purchase_orders import DynamoDbPurchaseOrders
from pizza_reservations.orders.domain import (
    RESTOCK_WAIT,
    LineOutcome,
    Marked,
    Order,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderStatus,
)
from pizza_reservations.orders.stack import stack

T1 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["aws", "fake"])
def ports(request):
    if request.param == "fake":
        yield FakeOrderBook(), FakePurchaseOrders()
        return
    tables = Stack(name="orders", tables=stack("test").tables)
    with moto_stack(tables):
        client = boto3.client("dynamodb", region_name="eu-west-1")
        yield (
            DynamoDbOrderBook("test-orders-orders", client),
            DynamoDbPurchaseOrders("test-orders-purchase-orders", client),
        )


def purchase_order(po_id: str, item: str = "cola") -> PurchaseOrder:
    return PurchaseOrder(po_id, item, 20, PurchaseOrderStatus.REQUESTED, T0, "low", 60)


def test_an_order_is_placed_once_and_decided_once(ports):
    book, _ = ports
    order = Order("o-1", (("cola", 2),), OrderStatus.PLACED, T0, T0, fingerprint="f-1")
    assert book.place(order) == order
    again = book.place(Order("o-1", (("tiramisu", 9),), OrderStatus.PLACED, T0, T0, fingerprint="f-2"))
    assert (again.lines, again.fingerprint) == ((("cola", 2),), "f-1")  # the first stays, whatever came second
    outcome = LineOutcome("cola", 2, "o-1:cola", held=True)
    decided, changed = book.decide("o-1", OrderStatus.RESERVED, T0, [outcome], None)
    assert (decided.status, decided.reservations, changed) == (OrderStatus.RESERVED, (outcome,), True)
    assert book.decide("o-1", OrderStatus.RESERVED, T0, [outcome], None) == (decided, False)  # a duplicate run
    late, changed = book.decide("o-1", OrderStatus.UNAVAILABLE, T0, [], "late")
    assert (late.status, changed) == (OrderStatus.RESERVED, False)
    assert book.decide("o-404", OrderStatus.FAILED, T0, [], "?") is None
    assert book.get("o-1") == decided


def test_a_decision_keeps_the_name_of_the_execution_that_made_it_and_only_that_one(ports):
    book, _ = ports
    book.place(Order("o-3", (("cola", 1),), OrderStatus.PLACED, T0, T0))
    decided, changed = book.decide("o-3", OrderStatus.RESERVED, T0, [], None, "exec-1")
    assert (decided.decided_by, changed) == ("exec-1", True)
    again, changed = book.decide("o-3", OrderStatus.RESERVED, T0, [], None, "exec-2")
    assert (again.decided_by, changed) == ("exec-1", False)  # another run's try writes nothing
    cooking, _ = book.decide("o-3", OrderStatus.COOKING, T1, None, None)
    assert cooking.decided_by is None and book.get("o-3").decided_by is None  # a later decision, unnamed


def test_an_order_moves_only_forward_and_keeps_its_oven_token(ports):
    book, _ = ports

    def decide(status: OrderStatus, at=T0, reason=None):
        return book.decide("o-2", status, at, None, reason)[0]

    book.place(Order("o-2", (("cola", 1),), OrderStatus.PLACED, T0, T0))
    outcome = LineOutcome("cola", 1, "o-2:cola", held=True)
    book.decide("o-2", OrderStatus.RESERVED, T0, [outcome], None)
    assert decide(OrderStatus.BAKED).status is OrderStatus.RESERVED  # not cooking yet
    assert book.await_oven("o-2", "token-1").status is OrderStatus.RESERVED
    assert book.await_oven("o-404", "token-x") is None
    assert book.bake_token("o-2") == "token-1"
    assert decide(OrderStatus.COOKING).reservations == (outcome,)
    baked = decide(OrderStatus.BAKED, T1)
    assert (baked.status, baked.baked_at, baked.reservations) == (OrderStatus.BAKED, T1, (outcome,))
    assert decide(OrderStatus.COOKING, T1).status is OrderStatus.BAKED  # never back
    refused = decide(OrderStatus.REFUSED, T1, "reservations: not confirmed")
    assert (refused.status, refused.reason) == (OrderStatus.REFUSED, "reservations: not confirmed")
    assert decide(OrderStatus.CONFIRMED, T1).status is OrderStatus.REFUSED


def test_one_open_purchase_order_per_item_until_it_closes(ports):
    _, orders = ports
    assert orders.raise_for(purchase_order("po-1")).po_id == "po-1"
    assert orders.raise_for(purchase_order("po-2")).po_id == "po-1"
    assert orders.raise_for(purchase_order("po-3", "tiramisu")).po_id == "po-3"
    closed = orders.close("po-1", PurchaseOrderStatus.REJECTED, T0)
    assert (closed.status, closed.decided_at) == (PurchaseOrderStatus.REJECTED, T0)
    assert orders.close("po-1", PurchaseOrderStatus.APPROVED, T0).status is PurchaseOrderStatus.REJECTED
    assert orders.raise_for(purchase_order("po-4")).po_id == "po-4"
    assert [o.po_id for o in orders.all()] == ["po-1", "po-3", "po-4"]


def test_a_purchase_order_raised_again_under_its_id_is_found_open_or_closed_and_opens_no_other(ports):
    _, orders = ports
    assert orders.raise_for(purchase_order("po-1")).po_id == "po-1"
    assert orders.raise_for(purchase_order("po-1")).status is PurchaseOrderStatus.REQUESTED
    orders.close("po-1", PurchaseOrderStatus.REJECTED, T0)
    again = orders.raise_for(purchase_order("po-1"))  # a late redelivery of what raised it
    assert (again.po_id, again.status) == ("po-1", PurchaseOrderStatus.REJECTED)
    assert orders.raise_for(purchase_order("po-2")).po_id == "po-2"  # the item is free for another cause
    assert orders.raise_for(purchase_order("po-1")).status is PurchaseOrderStatus.REJECTED
    # Before (a review): a request that had found another's open order raised a new one when delivered again
    # after that order closed.
    assert orders.raise_for(purchase_order("po-3")).po_id == "po-2"
    orders.close("po-2", PurchaseOrderStatus.REJECTED, T0)
    again = orders.raise_for(purchase_order("po-3"))
    assert (again.po_id, again.status) == ("po-2", PurchaseOrderStatus.REJECTED)
    assert [o.po_id for o in orders.all()] == ["po-1", "po-2"]


def test_an_approved_purchase_order_keeps_its_item_until_the_restock_is_seen_or_the_wait_is_over(ports):
    _, orders = ports
    orders.raise_for(purchase_order("po-1"))
    assert orders.close("po-1", PurchaseOrderStatus.APPROVED, T0).status is PurchaseOrderStatus.APPROVED
    assert orders.raise_for(purchase_order("po-2")).po_id == "po-1"  # its supply is on the way
    assert not orders.release_restocked("cola", "adj-9")  # another adjustment of the item is not its restock
    assert orders.release_restocked("cola", "po-1") and not orders.release_restocked("cola", "po-1")
    assert orders.raise_for(purchase_order("po-3")).po_id == "po-3"
    assert not orders.release_restocked("cola", "po-3")  # an open order's guard is not a restock's
    orders.close("po-3", PurchaseOrderStatus.APPROVED, T0)
    late = PurchaseOrder("po-4", "cola", 20, PurchaseOrderStatus.REQUESTED, T0 + RESTOCK_WAIT / 2, "low", 60)
    assert orders.raise_for(late).po_id == "po-3"
    never_seen = PurchaseOrder("po-5", "cola", 20, PurchaseOrderStatus.REQUESTED, T0 + 2 * RESTOCK_WAIT, "low", 60)
    assert orders.raise_for(never_seen).po_id == "po-5"  # the restock was never seen: the item is free
    assert orders.close("po-5", PurchaseOrderStatus.REJECTED, T0).status is PurchaseOrderStatus.REJECTED
    # Its supply sent, its restock seen before it closes: the item is free, and it still closes.
    assert orders.raise_for(purchase_order("po-6")).po_id == "po-6"
    orders.expect_restock("po-6", "cola", T0)
    orders.expect_restock("po-5", "cola", T0)  # not its guard: nothing changes
    assert orders.raise_for(purchase_order("po-7")).po_id == "po-6"
    assert orders.release_restocked("cola", "po-6")
    assert orders.close("po-6", PurchaseOrderStatus.APPROVED, T0).status is PurchaseOrderStatus.APPROVED
    assert orders.raise_for(purchase_order("po-8")).po_id == "po-8"


def test_the_token_is_kept_while_waiting_and_a_decision_is_noted_once(ports):
    _, orders = ports
    orders.raise_for(purchase_order("po-1"))
    assert orders.token("po-1") is None
    assert orders.await_approval("po-1", "t-1").status is PurchaseOrderStatus.AWAITING_APPROVAL
    assert orders.token("po-1") == "t-1"
    assert orders.request_decision("po-1", "APPROVED").decision == "APPROVED"
    assert orders.request_decision("po-1", "REJECTED").decision == "APPROVED"
    orders.close("po-1", PurchaseOrderStatus.APPROVED, T0)
    assert orders.token("po-1") is None
    assert orders.await_approval("po-1", "t-2").status is PurchaseOrderStatus.APPROVED
    assert orders.get("po-404") is None


def test_an_items_stock_status_follows_the_latest_version(ports):
    _, orders = ports
    assert orders.mark_item("cola", "IN STOCK", 1) is Marked.CHANGED
    assert orders.mark_item("cola", "OUT OF STOCK", 3) is Marked.CHANGED
    assert orders.mark_item("cola", "IN STOCK", 2) is Marked.STALE  # older: ignored, whatever it says
    assert orders.mark_item("cola", "OUT OF STOCK", 2) is Marked.STALE  # older, even with the same status
    assert orders.mark_item("cola", "OUT OF STOCK", 3) is Marked.UNCHANGED  # the same change again
    assert orders.mark_item("cola", "OUT OF STOCK", 4) is Marked.UNCHANGED  # no change of status
    assert orders.mark_item("cola", "IN STOCK", 5) is Marked.CHANGED
