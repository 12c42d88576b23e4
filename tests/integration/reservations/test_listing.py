"""``GET /items`` a page at a time: following ``next`` lists every item exactly once, whatever the page size."""

from __future__ import annotations

from collections import Counter
from typing import Any

from pizza_reservations.client import ReservationsClient


def pages_of(client: ReservationsClient, limit: int) -> list[dict[str, Any]]:
    """Every page of the listing, ``limit`` items a page, following ``next`` from the first page."""
    pages: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        answer = client.items(after, limit)
        assert answer.status == 200, (answer.status, answer.body[:200])
        pages.append(answer.json())
        after = pages[-1].get("next")
        if after is None:
            return pages


def test_pages_of_2_list_every_item_exactly_once(reservations, listed_items):
    pages = pages_of(reservations, 2)

    assert all(len(page["items"]) == 2 for page in pages[:-1]), "a page is short only at the end"
    assert len(pages[-1]["items"]) < 2, "a full page has a next"
    assert [page["next"] for page in pages[:-1]] == [page["items"][-1]["itemId"] for page in pages[:-1]]
    seen = Counter(item["itemId"] for page in pages for item in page["items"])
    assert [item for item, times in seen.items() if times > 1] == []
    assert set(listed_items) <= set(seen)
    listed = next(item for page in pages for item in page["items"] if item["itemId"] == listed_items[0])
    assert (listed["supply"], listed["available"], listed["status"]) == (1, 1, "IN STOCK")


def test_the_default_page_is_100_items_and_the_client_follows_next_to_every_item(reservations, listed_items):
    first = reservations.items()
    assert first.status == 200
    assert len(first.json()["items"]) == 100 and first.json()["next"] == first.json()["items"][-1]["itemId"]

    everything = Counter(item["itemId"] for item in reservations.all_items())
    assert max(everything.values()) == 1
    assert set(listed_items) <= set(everything)
    pages = pages_of(reservations, 1000)  # the largest page
    assert set(listed_items) <= {item["itemId"] for page in pages for item in page["items"]}
