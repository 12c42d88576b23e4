"""The one client of the reservations API, used by the ``pizza`` command, the integration tests and the benches.

    client = ReservationsClient.of_service(outputs["services"]["reservations"], region="us-east-1")
    answer = client.reserve("order-7:cola", "cola", quantity=2, hold_seconds=300)
    answer.status, answer.json()

Every request is signed (SigV4; the API is IAM-authorised). Any HTTP status is an answer, not an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from pizza_common.signed_http import HttpAnswer, SignedHttp

__all__ = ["ReservationsClient"]


@dataclass(frozen=True)
class ReservationsClient:
    http: SignedHttp

    @classmethod
    def of_service(cls, outputs: Mapping[str, Any], region: str | None = None) -> ReservationsClient:
        """From the service's outputs (``reservations_api_url``); a missing one raises ``KeyError`` naming it."""
        return cls(SignedHttp(outputs["reservations_api_url"], region=region))

    def reserve(self, reservation_id: str, item_id: str, quantity: int, hold_seconds: int) -> HttpAnswer:
        return self.http.post(
            "/reservations",
            {"reservationId": reservation_id, "itemId": item_id, "quantity": quantity, "holdSeconds": hold_seconds},
        )

    def post_reservation_body(self, body: Any) -> HttpAnswer:
        """Any body at all (for tests of what the API refuses)."""
        return self.http.post("/reservations", body)

    def reservation(self, reservation_id: str) -> HttpAnswer:
        return self.http.get(f"/reservations/{quote(reservation_id, safe='')}")

    def release(self, reservation_id: str) -> HttpAnswer:
        return self.http.request("DELETE", f"/reservations/{quote(reservation_id, safe='')}")

    def confirm(self, reservation_id: str) -> HttpAnswer:
        return self.http.request("POST", f"/reservations/{quote(reservation_id, safe='')}/confirm")

    def adjust(self, item_id: str, adjustment_id: str, delta: int, reason: str) -> HttpAnswer:
        return self.adjust_body(item_id, {"adjustmentId": adjustment_id, "delta": delta, "reason": reason})

    def adjust_body(self, item_id: str, body: Any) -> HttpAnswer:
        return self.http.post(f"/items/{quote(item_id, safe='')}/adjustments", body)

    def items(self, after: str | None = None, limit: int | None = None) -> HttpAnswer:
        """One page of the items (``next`` in the body when there may be more: ask again after it)."""
        query = urlencode({name: value for name, value in (("after", after), ("limit", limit)) if value is not None})
        return self.http.get("/items" + (f"?{query}" if query else ""))

    def item_pages(self) -> Iterator[HttpAnswer]:
        """Every item, page after page, each page's answer as it comes (see :func:`_pages`)."""
        return _pages(self.items)

    def all_items(self) -> list[dict[str, Any]]:
        """Every item, page after page (in the API's order, not by id); raises ``LookupError`` with the answer of a
        page not 200."""
        return _gathered(self.item_pages(), "items", "items")

    def item(self, item_id: str) -> HttpAnswer:
        return self.http.get(f"/items/{quote(item_id, safe='')}")

    def history(self, item_id: str, after: int = 0, limit: int | None = None) -> HttpAnswer:
        """One page of the item's events (``next`` in the body when there may be more: ask again after it)."""
        query = f"?after={after}" + (f"&limit={limit}" if limit is not None else "")
        return self.http.get(f"/items/{quote(item_id, safe='')}/history{query}")

    def history_pages(self, item_id: str) -> Iterator[HttpAnswer]:
        """The item's history page after page, each page's answer as it comes (see :func:`_pages`)."""
        return _pages(lambda after: self.history(item_id, 0 if after is None else after))

    def whole_history(self, item_id: str) -> list[dict[str, Any]]:
        """Every event of the item, page after page; raises ``LookupError`` with the answer of a page not 200."""
        return _gathered(self.history_pages(item_id), "events", f"history of {item_id}")


def _pages(ask: Callable[[Any], HttpAnswer]) -> Iterator[HttpAnswer]:
    """The answers of a paged listing: ``ask(None)`` for the first page, then ``ask(next)`` with the ``next`` of
    each page, until one has no ``next`` or is not a 200 (the caller reads that answer)."""
    after: Any = None
    while True:
        answer = ask(after)
        yield answer
        after = answer.json().get("next") if answer.status == 200 else None
        if after is None:
            return


def _gathered(pages: Iterator[HttpAnswer], key: str, what: str) -> list[dict[str, Any]]:
    """The ``key`` lists of every page, in order; ``LookupError`` naming ``what`` and the first page not 200."""
    found: list[dict[str, Any]] = []
    for answer in pages:
        if answer.status != 200:
            raise LookupError(f"{what}: {answer.status} {answer.body[:200]!r}")
        found += answer.json()[key]
    return found
