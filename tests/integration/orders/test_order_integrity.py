"""An order id is one order; an order's events go out once, after its decision is written; a refused or failed
order holds and sells nothing; an unknown item is never ordered from the supplier; a stale inventory change
orders nothing. Each test here failed before the fix it names (the review of 2026-11-28)."""

from __future__ import annotations

from datetime import UTC, datetime

from orders_target import dead_lettered, decided, drained, purchase_orders_for, reserve_stock_ended, stocked, unique

from localcloud.polling import eventually
from pizza_reservations.domain.events import InventoryChanged


def test_another_order_under_a_used_id_is_dead_lettered_and_never_touches_the_first(
    localcloud, orders, reservations, subscribe
):
    """Before: the second body reserved its own lines (the cola's reservation id, reused with another quantity,
    came back "not held, 0 available"), released the first order's cola and published stock-unavailable and a
    purchase order for a cola in stock."""
    cola, tiramisu = stocked(reservations, 5), stocked(reservations, 5, "tiramisu")
    unavailable, purchase = subscribe("stock-unavailable"), subscribe("create-purchase-order")
    order_id = unique("reused")
    orders.place(order_id, {cola: 1})
    assert decided(orders, order_id)["status"] == "RESERVED"
    orders.place(order_id, {cola: 2, tiramisu: 1})
    [reason] = dead_lettered(localcloud, {order_id}).values()
    assert reason.startswith(f"orderId: {order_id} is already the id of another order")
    order = orders.order(order_id).json()
    assert (order["status"], order["items"]) == ("RESERVED", [{"itemId": cola, "quantity": 1}])
    assert reservations.reservation(f"{order_id}:{cola}").json()["status"] == "HELD"
    assert reservations.reservation(f"{order_id}:{tiramisu}").status == 404
    assert not [d for d in unavailable.details() + purchase.details() if d.get("orderId") == order_id]
    assert purchase_orders_for(orders, cola) == []


def test_two_bodies_of_one_order_id_in_one_put_events_leave_one_order_whichever_won(localcloud, orders, reservations):
    cola = stocked(reservations, 5)
    order_id = unique("race")
    bodies = {1: {"orderId": order_id, "items": [{"itemId": cola, "quantity": 1}]}, 2: {}}
    bodies[2] = {"orderId": order_id, "items": [{"itemId": cola, "quantity": 2}]}
    orders.publish_many([("new-order-received", bodies[1]), ("new-order-received", bodies[2])])
    dead_lettered(localcloud, {order_id})
    order = decided(orders, order_id)
    assert order["status"] == "RESERVED"
    [won] = [n for n, body in bodies.items() if body["items"] == order["items"]]
    assert reservations.reservation(f"{order_id}:{cola}").json()["quantity"] == won
    eventually(lambda: reservations.item(cola).json()["available"] == 5 - won, "the winner's colas held", 30)


def test_an_order_delivered_three_times_at_once_publishes_each_event_once_after_its_decision(
    localcloud, orders, reservations, subscribe
):
    """Before: every run of a duplicated reserve-stock published (stock-reserved up to once per run), in the same
    Parallel state as the record write."""
    cola, tiramisu = stocked(reservations, 5), stocked(reservations, 1, "tiramisu")
    reserved, unavailable, purchase = (
        subscribe("stock-reserved"),
        subscribe("stock-unavailable"),
        subscribe("create-purchase-order"),
    )
    fits, short = unique("thrice"), unique("thrice")
    orders.publish_many([("new-order-received", {"orderId": fits, "items": [{"itemId": cola, "quantity": 1}]})] * 3)
    orders.publish_many(
        [("new-order-received", {"orderId": short, "items": [{"itemId": tiramisu, "quantity": 2}]})] * 3
    )
    first = eventually(
        lambda: next((d for d in reserved.details() if d["orderId"] == fits), None), "stock-reserved", 60
    )
    assert first and orders.order(fits).json()["status"] == "RESERVED"  # written before it was published
    assert decided(orders, short)["status"] == "UNAVAILABLE"
    eventually(lambda: [d for d in purchase.details() if d.get("orderId") == short], "create-purchase-order", 60)
    eventually(lambda: [d for d in unavailable.details() if d["orderId"] == short], "stock-unavailable", 60)
    reserve_stock_ended(localcloud, {fits, short})  # what the other runs would publish is out by now
    assert len([d for d in reserved.details() if d["orderId"] == fits]) == 1
    assert len([d for d in unavailable.details() if d["orderId"] == short]) == 1
    assert len([d for d in purchase.details() if d.get("orderId") == short]) == 1
    assert [o["held"] for o in orders.order(short).json()["reservations"]] == [False]  # nothing held any more


def test_an_unknown_item_is_short_but_never_ordered_from_the_supplier(orders, reservations, subscribe):
    """Before: an order for an item with no events raised a purchase order, and approving it put it on the menu."""
    tiramisu, nothing = stocked(reservations, 1, "tiramisu"), unique("never-stocked")
    unavailable = subscribe("stock-unavailable")
    only_unknown, both = unique("unknown"), unique("unknown")
    orders.place(only_unknown, {nothing: 1})
    orders.place(both, {nothing: 1, tiramisu: 2})
    assert decided(orders, only_unknown)["status"] == "UNAVAILABLE"
    order = decided(orders, both)
    assert order["status"] == "UNAVAILABLE" and f"{nothing} (unknown item)" in order["reason"]
    eventually(lambda: purchase_orders_for(orders, tiramisu), "a purchase order for the tiramisu", timeout=60)
    eventually(lambda: {d["orderId"] for d in unavailable.details()} >= {only_unknown, both}, "stock-unavailable", 60)
    assert purchase_orders_for(orders, nothing) == []
    assert reservations.item(nothing).status == 404


def inventory_changed(item: str, version: int, available: int) -> dict:
    """What the reservations projection publishes for an item's change (``InventoryChanged``)."""
    return InventoryChanged(
        item_id=item,
        version=version,
        change="Adjusted",
        at=datetime.now(UTC),
        available=available,
        reserved=0,
        sold=0,
        supply=available,
        status="IN STOCK" if available > 0 else "OUT OF STOCK",
    ).model_dump(mode="json")


def test_an_inventory_change_delivered_late_after_its_purchase_order_closed_raises_no_other(localcloud, orders):
    """Before: mark_item said False for a stale version and for an unchanged status alike, and the stale change
    (0 available) was taken as news: a purchase order for an item just restocked. Then (the chaos run of
    2026-11-28): the same change delivered again before the restock's was handled raised a second purchase order
    for the same news, the first having been rejected. Whichever order they are handled in, nothing new comes."""
    item = unique("restocked")
    orders.publish("inventory-changed", inventory_changed(item, 3, 0), source="pizza.reservations")
    [po] = eventually(lambda: purchase_orders_for(orders, item), "the low item's purchase order", timeout=60)
    assert orders.reject(po["poId"]).status in (200, 202)
    eventually(lambda: orders.purchase_order(po["poId"]).json()["status"] == "REJECTED", "closed", timeout=60)
    orders.publish_many(
        [
            ("inventory-changed", inventory_changed(item, 4, 20)),  # the restock
            ("inventory-changed", inventory_changed(item, 3, 0)),  # redelivered, late: before or after it
        ],
        source="pizza.reservations",
    )
    drained(localcloud, "inventory_changes_queue_url")
    assert [p["poId"] for p in purchase_orders_for(orders, item)] == [po["poId"]]
    orders.publish("inventory-changed", inventory_changed(item, 5, 1), source="pizza.reservations")
    newer = eventually(lambda: purchase_orders_for(orders, item)[1:], "a newer low level's purchase order", 60)
    assert len(newer) == 1
