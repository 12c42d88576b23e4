"""reserve-stock: new-order-received -> rule -> queue -> one Express execution per order, through the
reservations service's guarded path. Each of the original's flaws has a test here that would have caught it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from orders_target import decided, drained, purchase_orders_for, stocked, unique

from localcloud.polling import eventually


def test_an_order_that_fits_is_reserved_and_stock_reserved_reaches_a_subscriber(orders, reservations, subscribe):
    cola, tiramisu = stocked(reservations, 5), stocked(reservations, 3, "tiramisu")
    subscriber = subscribe("stock-reserved")
    order_id = unique("order")
    orders.place(order_id, {cola: 2, tiramisu: 1})
    order = decided(orders, order_id)
    assert order["status"] == "RESERVED"
    assert {(r["itemId"], r["held"]) for r in order["reservations"]} == {(cola, True), (tiramisu, True)}
    detail = eventually(
        lambda: next((d for d in subscriber.details() if d["orderId"] == order_id), None), "stock-reserved", timeout=30
    )
    assert {r["reservationId"] for r in detail["reservations"]} == {f"{order_id}:{cola}", f"{order_id}:{tiramisu}"}
    assert reservations.reservation(f"{order_id}:{cola}").json()["status"] == "HELD"
    eventually(lambda: reservations.item(cola).json()["available"] == 3, "2 of 5 colas held", timeout=30)


def test_an_order_that_does_not_fit_releases_its_partial_holds(orders, reservations, subscribe):
    cola, tiramisu = stocked(reservations, 5), stocked(reservations, 1, "tiramisu")
    unavailable = subscribe("stock-unavailable")
    order_id = unique("order")
    orders.place(order_id, {cola: 2, tiramisu: 3})
    order = decided(orders, order_id)
    assert order["status"] == "UNAVAILABLE"
    assert tiramisu in order["reason"]
    # The cola was held, then released: nothing of this order holds anything.
    assert reservations.reservation(f"{order_id}:{cola}").json()["status"] == "RELEASED"
    assert reservations.reservation(f"{order_id}:{tiramisu}").json()["status"] == "REFUSED"
    eventually(lambda: reservations.item(cola).json()["available"] == 5, "the colas given back", timeout=30)
    detail = eventually(
        lambda: next((d for d in unavailable.details() if d["orderId"] == order_id), None), "stock-unavailable", 30
    )
    assert detail["missing"] == [{"itemId": tiramisu, "quantity": 3, "available": 1}]
    eventually(lambda: purchase_orders_for(orders, tiramisu), "a purchase order for the tiramisu", timeout=30)


def test_many_short_orders_raise_exactly_one_purchase_order_for_the_item(localcloud, orders, reservations, subscribe):
    tiramisu = stocked(reservations, 1, "tiramisu")
    requests = subscribe("create-purchase-order")
    placed = [unique("short") for _ in range(12)]
    for order_id in placed:
        orders.place(order_id, {tiramisu: 2})
    assert {decided(orders, order_id)["status"] for order_id in placed} == {"UNAVAILABLE"}
    eventually(
        lambda: {d.get("orderId") for d in requests.details()} >= set(placed),
        "a create-purchase-order from each order",
        timeout=60,
    )
    drained(localcloud, "purchase_requests_queue_url")  # and every one handled: still exactly one
    [po] = purchase_orders_for(orders, tiramisu)
    assert po["status"] in ("REQUESTED", "AWAITING_APPROVAL")


def test_a_duplicate_new_order_received_reserves_once(orders, reservations):
    cola = stocked(reservations, 10)
    order_id = unique("twice")
    for _ in range(3):
        orders.place(order_id, {cola: 4})
    assert decided(orders, order_id)["status"] == "RESERVED"
    orders.place(order_id, {cola: 4})  # after it was decided, too
    history = eventually(
        lambda: (events := reservations.history(cola).json()["events"]) and len(events) >= 2 and events,
        "the item's history",
    )
    assert [e["type"] for e in history].count("Reserved") == 1
    eventually(lambda: reservations.item(cola).json()["available"] == 6, "4 of 10 held once", timeout=30)


def test_fifty_concurrent_orders_for_one_item_never_oversell(orders, reservations):
    pizza = stocked(reservations, 20, "pizza-of-the-day")
    placed = [unique("rush") for _ in range(50)]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda order_id: orders.place(order_id, {pizza: 1}), placed))
    statuses = [decided(orders, order_id, timeout=120)["status"] for order_id in placed]
    assert statuses.count("RESERVED") == 20
    assert statuses.count("UNAVAILABLE") == 30
    item = eventually(lambda: (body := reservations.item(pizza).json())["reserved"] == 20 and body, "20 held")
    assert item["available"] == 0
