"""The order workflows of the session's target (the local cloud by default), through their doors: the shared
bus, the orders' function URL, the reservations API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from orders_target import Subscriber

from pizza_reservations.client import ReservationsClient
from pizza_reservations.orders.client import OrdersClient


@pytest.fixture(scope="session")
def reservations(localcloud) -> ReservationsClient:
    return ReservationsClient.of_service(localcloud.service("reservations"), region=localcloud.region)


@pytest.fixture(scope="session")
def orders(localcloud) -> OrdersClient:
    return OrdersClient.of_service(localcloud.service("orders"), region=localcloud.region)


@pytest.fixture
def subscribe(localcloud, orders) -> Iterator[Any]:
    made: list[Subscriber] = []

    def make(detail_type: str) -> Subscriber:
        made.append(Subscriber(orders.event_bus_name, detail_type, localcloud.region))
        return made[-1]

    yield make
    for subscriber in made:
        subscriber.close()
