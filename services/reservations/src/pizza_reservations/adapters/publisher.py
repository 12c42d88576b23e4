"""``inventory-changed`` on the shared EventBridge bus (source ``pizza.reservations``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pizza_common.events import put_events_entry
from pizza_reservations.domain.events import InventoryChanged

__all__ = ["SOURCE", "EventBridgePublisher"]

SOURCE = "pizza.reservations"
_ATTEMPTS = 5


class PublishFailed(RuntimeError):
    pass


class EventBridgePublisher:
    """The :class:`~pizza_reservations.ports.Publisher` port: PutEvents in tens, failed entries sent again."""

    def __init__(self, bus_name: str, client: Any) -> None:
        self.bus_name = bus_name
        self.client = client

    def publish(self, changes: Sequence[InventoryChanged]) -> None:
        entries = [put_events_entry(self.bus_name, SOURCE, change, resources=[]) for change in changes]
        for start in range(0, len(entries), 10):
            pending = entries[start : start + 10]
            for _ in range(_ATTEMPTS):
                answer = self.client.put_events(Entries=pending)
                if not answer.get("FailedEntryCount"):
                    break
                pending = [
                    entry for entry, result in zip(pending, answer["Entries"], strict=True) if "ErrorCode" in result
                ]
            else:
                raise PublishFailed(f"{len(pending)} inventory-changed events were refused by the bus")
