"""The orders' events on the shared bus (source ``pizza.orders``), and notifications on SNS."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pizza_reservations.orders.domain import OrderEvent

__all__ = ["SOURCE", "EventBridgeOrderPublisher", "SnsNotifier"]

SOURCE = "pizza.orders"


def entry(bus_name: str, event: OrderEvent) -> dict[str, Any]:
    return {
        "EventBusName": bus_name,
        "Source": SOURCE,
        "DetailType": type(event).detail_type,
        "Detail": event.model_dump_json(by_alias=True),
    }


class EventBridgeOrderPublisher:
    """The :class:`~pizza_reservations.orders.ports.OrderPublisher` port: PutEvents in tens, refused entries again."""

    def __init__(self, bus_name: str, client: Any) -> None:
        self.bus_name = bus_name
        self.client = client

    def publish(self, events: Sequence[OrderEvent]) -> None:
        entries = [entry(self.bus_name, event) for event in events]
        for start in range(0, len(entries), 10):
            pending = entries[start : start + 10]
            for _ in range(5):
                answer = self.client.put_events(Entries=pending)
                if not answer.get("FailedEntryCount"):
                    break
                pending = [e for e, result in zip(pending, answer["Entries"], strict=True) if "ErrorCode" in result]
            else:
                raise RuntimeError(f"{len(pending)} order events were refused by the bus")


class SnsNotifier:
    """The :class:`~pizza_reservations.orders.ports.Notifier` port."""

    def __init__(self, topic_arn: str, client: Any) -> None:
        self.topic_arn = topic_arn
        self.client = client

    def notify(self, subject: str, message: str) -> None:
        self.client.publish(TopicArn=self.topic_arn, Subject=subject[:100], Message=message)
