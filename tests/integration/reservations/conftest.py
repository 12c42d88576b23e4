"""The reservations service of the session's target (the local cloud by default), through its doors."""

from __future__ import annotations

import uuid

import pytest

from localcloud.polling import eventually
from pizza_reservations.client import ReservationsClient


def unique(prefix: str) -> str:
    """An id no other test (nor an earlier run against the same target) uses: items are slugs."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def reservations(localcloud) -> ReservationsClient:
    return ReservationsClient.of_service(localcloud.service("reservations"), region=localcloud.region)


def stocked(client: ReservationsClient, units: int, prefix: str = "cola") -> str:
    """A new item with ``units`` units, once the adjustment has been applied."""
    item = unique(prefix)
    assert client.adjust(item, unique("delivery"), units, "batch of the day").status == 202
    eventually(
        lambda: client.item(item).status == 200 and client.item(item).json()["supply"] == units,
        f"{units} units of {item} in the projection",
        timeout=60,
    )
    return item


def history_types(client: ReservationsClient, item: str) -> list[str]:
    return [event["type"] for event in client.history(item).json()["events"]]
