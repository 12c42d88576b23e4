"""The reservations client on pages (of history, of items): it follows ``next`` and stops at the last page or an
error."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from pizza_common.signed_http import HttpAnswer
from pizza_reservations.client import ReservationsClient


class PagedHistory:
    """``GET /items/{itemId}/history?after=N``: two events a page out of five, then an empty item a 404."""

    def __init__(self, events: int) -> None:
        self.events, self.asked = events, []

    def get(self, path: str) -> HttpAnswer:
        self.asked.append(path)
        if self.events == 0:
            return HttpAnswer(404, {}, b'{"error": "NotFound", "message": "no item x"}')
        after = int(path.split("after=")[1])
        page = [{"version": v} for v in range(after + 1, min(after + 2, self.events) + 1)]
        body = {"itemId": "x", "events": page} | (
            {"next": page[-1]["version"]} if page[-1]["version"] < self.events else {}
        )
        return HttpAnswer(200, {}, json.dumps(body).encode())


def test_the_whole_history_follows_next_page_after_page():
    http = PagedHistory(5)
    assert ReservationsClient(http).whole_history("x") == [{"version": v} for v in range(1, 6)]  # type: ignore[arg-type]
    assert [path.split("?")[1] for path in http.asked] == ["after=0", "after=2", "after=4"]


def test_a_page_that_is_not_a_200_ends_the_pages_and_the_whole_history_raises_naming_it():
    client = ReservationsClient(PagedHistory(0))  # type: ignore[arg-type]
    assert [answer.status for answer in client.history_pages("x")] == [404]
    with pytest.raises(LookupError, match="history of x: 404"):
        client.whole_history("x")


class PagedItems:
    """``GET /items?after=&limit=``: five items, two a page (the API's order is not by id), then a 500 if asked."""

    ORDER = ["tea", "cola", "wine", "beer", "juice"]

    def __init__(self, failing_after: str | None = None) -> None:
        self.failing_after, self.asked = failing_after, []

    def get(self, path: str) -> HttpAnswer:
        self.asked.append(path)
        query = dict(parse_qsl(urlsplit(path).query))
        if "after" in query and query["after"] == self.failing_after:
            return HttpAnswer(500, {}, b'{"error": "InternalServerError", "message": "oops"}')
        start = self.ORDER.index(query["after"]) + 1 if "after" in query else 0
        page = self.ORDER[start : start + 2]
        body = {"items": [{"itemId": item} for item in page]} | ({"next": page[-1]} if len(page) == 2 else {})
        return HttpAnswer(200, {}, json.dumps(body).encode())


def test_every_item_follows_next_page_after_page_from_a_first_page_asked_with_no_after():
    http = PagedItems()
    assert ReservationsClient(http).all_items() == [{"itemId": item} for item in PagedItems.ORDER]  # type: ignore[arg-type]
    assert http.asked == ["/items", "/items?after=cola", "/items?after=beer"]


def test_one_page_of_items_asks_after_and_limit_and_a_page_not_200_ends_the_listing():
    http = PagedItems(failing_after="cola")
    client = ReservationsClient(http)  # type: ignore[arg-type]
    assert client.items("cola", 2).status == 500 and http.asked == ["/items?after=cola&limit=2"]
    assert [answer.status for answer in client.item_pages()] == [200, 500]
    with pytest.raises(LookupError, match="items: 500"):
        client.all_items()
