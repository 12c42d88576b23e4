"""The one client of the order workflows, used by the ``pizza`` command, the demo, the integration tests and
the benches:

    client = OrdersClient.of_service(outputs["services"]["orders"], region="us-east-1")
    client.place("o-1", {"cola": 2})            # new-order-received on the shared bus
    client.order("o-1").json()["status"]        # GET /orders/o-1
    client.approve("po-cola-1a2b3c").status     # POST /purchase-orders/{id}/approve (signed)

HTTP answers are answers, not errors; the bus is reached with boto3 (``AWS_ENDPOINT_URL`` decides where).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import boto3

from pizza_common.signed_http import HttpAnswer, SignedHttp

__all__ = ["OrdersClient"]

SOURCE = "pizza.orders"


@dataclass(frozen=True)
class OrdersClient:
    http: SignedHttp
    event_bus_name: str
    region: str | None = None
    # An events client of the caller's own (the pizza command's, for its target); default: boto3's.
    events: Any = None

    @classmethod
    def of_service(cls, outputs: Mapping[str, Any], region: str | None = None) -> OrdersClient:
        """From the orders' outputs (``orders_api_url``, ``event_bus_name``); a missing one raises ``KeyError``."""
        return cls(SignedHttp(outputs["orders_api_url"], region=region), outputs["event_bus_name"], region)

    def _events(self) -> Any:
        return self.events or boto3.session.Session().client("events", region_name=self.region)

    def place(
        self,
        order_id: str,
        items: Mapping[str, int],
        *,
        ingredients: Mapping[str, int] | None = None,
        baking_time_secs: int | None = None,
    ) -> None:
        """Publish ``new-order-received`` for ``{item: quantity}``; with ``ingredients`` and ``baking_time_secs``
        the order goes the whole way (reserved, ingredients used, baked, confirmed)."""
        detail: dict[str, Any] = {
            "orderId": order_id,
            "items": [{"itemId": item, "quantity": q} for item, q in items.items()],
        }
        if ingredients is not None:
            detail["kitchen"] = {
                "ingredients": [{"typeId": t, "quantity": q} for t, q in ingredients.items()],
                "bakingTimeSecs": baking_time_secs or 1,
            }
        self.publish("new-order-received", detail)

    def baked(self, order_id: str) -> HttpAnswer:
        """``POST /orders/{id}/baked``: the pass took this order's pizza off the oven's BakedItems queue."""
        return self.http.request("POST", f"/orders/{quote(order_id, safe='')}/baked")

    def publish(self, detail_type: str, detail: Any, source: str = SOURCE) -> None:
        """Any detail at all (the tests of malformed events send broken ones)."""
        self.publish_many([(detail_type, detail)], source)

    def publish_many(self, events: Sequence[tuple[str, Any]], source: str = SOURCE) -> None:
        events_client = self._events()
        for start in range(0, len(events), 10):
            entries = [
                {
                    "EventBusName": self.event_bus_name,
                    "Source": source,
                    "DetailType": detail_type,
                    "Detail": detail if isinstance(detail, str) else json.dumps(detail),
                }
                for detail_type, detail in events[start : start + 10]
            ]
            answer = events_client.put_events(Entries=entries)
            if answer.get("FailedEntryCount"):
                raise RuntimeError(f"the bus refused {answer['FailedEntryCount']} events: {answer['Entries']}")

    def order(self, order_id: str) -> HttpAnswer:
        return self.http.get(f"/orders/{quote(order_id, safe='')}")

    def purchase_orders(self, status: str | None = None) -> HttpAnswer:
        return self.http.get("/purchase-orders" + (f"?status={quote(status)}" if status else ""))

    def purchase_order(self, po_id: str) -> HttpAnswer:
        return self.http.get(f"/purchase-orders/{quote(po_id, safe='')}")

    def approve(self, po_id: str) -> HttpAnswer:
        return self.http.request("POST", f"/purchase-orders/{quote(po_id, safe='')}/approve")

    def reject(self, po_id: str) -> HttpAnswer:
        return self.http.request("POST", f"/purchase-orders/{quote(po_id, safe='')}/reject")
