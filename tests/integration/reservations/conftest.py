"""The reservations service of the session's target (the local cloud by default), through its doors."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
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


# GET /items answers 100 items a page unless asked for more: these make a cloud hold more than a page.
MORE_THAN_A_PAGE = 101


@pytest.fixture(scope="session")
def listed_items(reservations) -> list[str]:
    """More new items than the listing's default page, one unit each, once every one is in the projection."""
    items = [unique("listed") for _ in range(MORE_THAN_A_PAGE)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        adjusted = list(pool.map(lambda item: reservations.adjust(item, unique("delivery"), 1, "listed").status, items))
    assert adjusted == [202] * len(items)
    waiting = set(items)

    def projected() -> bool:
        waiting.difference_update([item for item in sorted(waiting) if reservations.item(item).status == 200])
        return not waiting

    eventually(projected, f"{len(items)} new items in the projection", timeout=120)
    return items
