"""The kitchen's two services, each through its own public door: the stock API (``POST /transactions``, a
SigV4-signed function URL) and the oven's NewItems queue. Never their tables."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pizza_common.signed_http import SignedHttp
from pizza_reservations.orders.domain import Usage

__all__ = ["SqsOven", "StockApiPantry", "StockUnanswered"]


class StockUnanswered(RuntimeError):
    """The stock API gave no decision (5xx, throttled, forbidden): the state machine retries the step."""


class StockApiPantry:
    """The :class:`~pizza_reservations.orders.ports.Pantry` port: the stock service's usage API."""

    def __init__(self, api: SignedHttp) -> None:
        self.api = api

    def use(self, transaction_id: str, ingredients: Sequence[tuple[str, int]]) -> Usage:
        body = {"transactionId": transaction_id, "items": [{"typeId": t, "quantity": q} for t, q in ingredients]}
        answer = self.api.post("/transactions", body)
        if answer.status == 201:
            return Usage(used=True)
        document: Any = _json(answer.body)
        if answer.status == 409:
            short = document.get("details", {}).get("shortfalls", []) if isinstance(document, dict) else []
            what = ", ".join(
                f"{s.get('typeId')} ({s.get('requested')} asked, {s.get('available')} left)" for s in short
            )
            return Usage(used=False, reason=f"stock: short of {what or 'ingredients'}")
        if answer.status == 400:  # a recipe the stock service will never take: a refusal, not a retry
            text = answer.body[:200].decode(errors="replace")
            message = document.get("message") if isinstance(document, dict) else text
            return Usage(used=False, reason=f"stock: {message}")
        raise StockUnanswered(f"POST /transactions answered {answer.status}: {answer.body[:200]!r}")


def _json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


class SqsOven:
    """The :class:`~pizza_reservations.orders.ports.Oven` port: a pizza on the oven's NewItems queue."""

    def __init__(self, queue_url: str, client: Any) -> None:
        self.queue_url = queue_url
        self.client = client

    def bake(self, pizza_id: str, baking_time_secs: int) -> None:
        body = json.dumps({"id": pizza_id, "bakingTimeSecs": baking_time_secs})
        self.client.send_message(QueueUrl=self.queue_url, MessageBody=body)
