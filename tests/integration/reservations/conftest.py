"""The reservations service of the session's target (the local cloud by default), through its doors."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from localcloud.polling import eventually
from pizza_reservations.client import ReservationsClient


def unique(prefix: str) -> str:
    """An id no other test (nor an earlier run against the same target) uses: items are slugs."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def reservations(localcloud) -> ReservationsClient:
    # 120 s: the local gateway queues what its 4 workers per function cannot take yet (on AWS, 64 concurrent
    # clients get 64 concurrent functions); 64 clients racing on one item under throttling wait in that queue.
    client = ReservationsClient.of_service(localcloud.service("reservations"), region=localcloud.region)
    return ReservationsClient(replace(client.http, timeout=120))


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
