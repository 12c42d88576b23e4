"""The reservations client on pages of history: it follows ``next`` and stops at the last page or an error."""

from __future__ import annotations

import json

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
