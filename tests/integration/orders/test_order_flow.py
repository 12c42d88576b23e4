"""The whole order (one Standard workflow per order, named by the order id): placed -> reserved (the
reservations service's guarded path) -> ingredients used (the stock API, transactionId = order id) -> baked (the
oven; the pass reports it off BakedItems) -> reservations confirmed. A refusal at any step releases what is held
and ends the order REFUSED with its reason."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from orders_target import dead_lettered, stocked, unique

from localcloud.polling import eventually
from pizza_oven.client import OvenClient, OvenOutputs
from pizza_reservations.orders.client import OrdersClient
from pizza_stock.client import StockClient

ENDED = {"CONFIRMED", "REFUSED", "FAILED"}


@pytest.fixture(scope="module")
def stock(localcloud) -> StockClient:
    session = boto3.session.Session(region_name=localcloud.region)
    return StockClient.of(localcloud.service("stock"), session=session, endpoint=localcloud.endpoint)


@pytest.fixture(scope="module")
def kitchen_pass(localcloud, orders: OrdersClient) -> Iterator[list[str]]:
    """The pass: takes baked pizzas off the oven's BakedItems and tells the orders service (as the demo does)."""
    oven = OvenClient(OvenOutputs.of_service(localcloud.service("oven"), localcloud.endpoint, localcloud.region))
    stop, reported = threading.Event(), []

    def run() -> None:
        while not stop.is_set():
            for pizza in oven.receive_baked(wait_secs=1):
                answer = orders.baked(pizza["id"])
                reported.append(f"{pizza['id']}:{answer.status}")

    thread = threading.Thread(target=run, name="pass", daemon=True)
    thread.start()
    yield reported
    stop.set()
    thread.join(timeout=10)


def ingredients(stock: StockClient, quantity: int) -> str:
    """A new ingredient with ``quantity`` in stock, good for a week."""
    type_id = unique("dough").lower()
    key = f"deliveries/{unique('orders-test')}.csv"
    best_before = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
    stock.deliver(key, f"typeId,quantity,expiresAt\n{type_id},{quantity},{best_before}\n")
    report = stock.wait_for_report(key, timeout=60)
    assert report.get("status") == "ingested", report
    return type_id


def ended(orders: OrdersClient, order_id: str, timeout: float = 120) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        answer = orders.order(order_id)
        return answer.json() if answer.status == 200 and answer.json()["status"] in ENDED else None

    return eventually(check, f"order {order_id} ended", timeout=timeout)


def level(stock: StockClient, type_id: str) -> int:
    return int(stock.level(type_id).json()["quantity"])


def test_an_order_that_fits_is_reserved_used_baked_and_confirmed(orders, reservations, stock, kitchen_pass):
    pizza, dough = stocked(reservations, 3, "margherita"), ingredients(stock, 5)
    order_id = unique("order")
    orders.place(order_id, {pizza: 1}, ingredients={dough: 2}, baking_time_secs=1)
    order = ended(orders, order_id)
    assert (order["status"], order["reason"]) == ("CONFIRMED", None)
    assert order["bakedAt"] is not None
    assert any(line.startswith(f"{order_id}:") for line in kitchen_pass)  # the oven baked it, the pass saw it
    assert reservations.reservation(f"{order_id}:{pizza}").json()["status"] == "CONFIRMED"
    assert level(stock, dough) == 3
    eventually(lambda: reservations.item(pizza).json()["sold"] == 1, "one pizza of the day sold", timeout=30)


def test_an_order_refused_by_the_stock_releases_its_holds_and_says_why(orders, reservations, stock, kitchen_pass):
    pizza, dough = stocked(reservations, 3, "margherita"), ingredients(stock, 1)
    order_id = unique("order")
    orders.place(order_id, {pizza: 2}, ingredients={dough: 4}, baking_time_secs=1)
    order = ended(orders, order_id)
    assert order["status"] == "REFUSED"
    assert order["reason"].startswith("stock: short of") and dough in order["reason"]
    assert reservations.reservation(f"{order_id}:{pizza}").json()["status"] == "RELEASED"
    eventually(lambda: reservations.item(pizza).json()["available"] == 3, "the pizzas given back", timeout=30)
    assert level(stock, dough) == 1  # all or nothing
    assert not any(line.startswith(f"{order_id}:") for line in kitchen_pass)  # never sent to the oven


def test_an_order_refused_by_the_reservations_never_reaches_the_stock(orders, reservations, stock, kitchen_pass):
    pizza, dough = stocked(reservations, 1, "margherita"), ingredients(stock, 5)
    order_id = unique("order")
    orders.place(order_id, {pizza: 2}, ingredients={dough: 1}, baking_time_secs=1)
    order = ended(orders, order_id)
    assert order["status"] == "REFUSED" and order["reason"].startswith("reservations:")
    assert pizza in order["reason"]
    assert level(stock, dough) == 5


def test_a_duplicate_start_changes_nothing(orders, reservations, stock, kitchen_pass):
    pizza, dough = stocked(reservations, 5, "margherita"), ingredients(stock, 10)
    order_id = unique("order")
    for _ in range(3):
        orders.place(order_id, {pizza: 1}, ingredients={dough: 2}, baking_time_secs=1)
    assert ended(orders, order_id)["status"] == "CONFIRMED"
    # Late duplicates (chaos delivers events again) find the order decided.
    orders.place(order_id, {pizza: 1}, ingredients={dough: 2}, baking_time_secs=1)
    eventually(lambda: reservations.item(pizza).json()["sold"] == 1, "one sold", timeout=30)
    assert level(stock, dough) == 8
    assert reservations.item(pizza).json()["sold"] == 1 and reservations.item(pizza).json()["reserved"] == 0
    assert orders.order(order_id).json()["status"] == "CONFIRMED"
    assert any(line.startswith(f"{order_id}:") for line in kitchen_pass)


def test_reporting_a_pizza_that_is_not_in_the_oven_is_a_conflict(orders, reservations, stock):
    assert orders.baked(unique("never-placed")).status == 404
    pizza, dough = stocked(reservations, 1, "margherita"), ingredients(stock, 1)
    order_id = unique("order")
    orders.place(order_id, {pizza: 5}, ingredients={dough: 1}, baking_time_secs=1)
    assert ended(orders, order_id)["status"] == "REFUSED"
    assert orders.baked(order_id).status == 409


def status_of(orders: OrdersClient, order_id: str, statuses: set[str], timeout: float = 60) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        answer = orders.order(order_id)
        return answer.json() if answer.status == 200 and answer.json()["status"] in statuses else None

    return eventually(check, f"order {order_id} in {sorted(statuses)}", timeout=timeout)


def test_another_order_under_the_id_of_an_order_in_the_kitchen_never_touches_it(
    localcloud, orders, reservations, stock, kitchen_pass
):
    """The reviewer's k2: a second new-order-received for a cooking order, with other items, went down
    reserve-stock (COOKING is not final), released the first order's hold, published stock-reserved and
    stock-unavailable, and the first order ended REFUSED after its dough was used and its pizza baked."""
    pizza, cola, dough = stocked(reservations, 3, "margherita"), stocked(reservations, 5), ingredients(stock, 5)
    order_id = unique("k2")
    orders.place(order_id, {pizza: 1}, ingredients={dough: 1}, baking_time_secs=4)
    status_of(orders, order_id, {"COOKING", "BAKED", "CONFIRMED"})
    orders.place(order_id, {pizza: 2, cola: 1})  # the same id, another order (and no kitchen part)
    orders.place(order_id, {pizza: 1}, ingredients={dough: 2}, baking_time_secs=4)  # another recipe
    reasons = dead_lettered(localcloud, {order_id})
    assert "already the id of another order" in reasons[order_id]
    order = ended(orders, order_id)
    assert (order["status"], order["reason"]) == ("CONFIRMED", None)
    assert reservations.reservation(f"{order_id}:{pizza}").json()["status"] == "CONFIRMED"
    assert reservations.reservation(f"{order_id}:{cola}").status == 404
    assert level(stock, dough) == 4
    eventually(lambda: reservations.item(pizza).json()["sold"] == 1, "one pizza sold", timeout=30)


def test_an_order_whose_line_is_given_back_before_confirmation_sells_none_of_its_lines(
    orders, reservations, stock, kitchen_pass
):
    """Before: the cola was CONFIRMED (sold) while the order ended REFUSED, and GET /orders showed both held."""
    pizza, cola, dough = stocked(reservations, 3, "margherita"), stocked(reservations, 3), ingredients(stock, 5)
    order_id = unique("order")
    orders.place(order_id, {cola: 1, pizza: 1}, ingredients={dough: 1}, baking_time_secs=5)
    status_of(orders, order_id, {"COOKING"})
    assert reservations.release(f"{order_id}:{pizza}").status == 200  # given back while the pizza bakes
    order = ended(orders, order_id)
    assert order["status"] == "REFUSED"
    assert order["reason"] == f"confirmation: not confirmed: {pizza} (released)"
    assert reservations.reservation(f"{order_id}:{cola}").json()["status"] == "RELEASED"
    assert [r["held"] for r in order["reservations"]] == [False, False]
    eventually(lambda: reservations.item(cola).json()["available"] == 3, "the cola given back", timeout=30)
    assert reservations.item(cola).json()["sold"] == 0
