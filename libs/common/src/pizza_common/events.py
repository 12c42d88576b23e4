"""The envelope of every event on the shared EventBridge bus.

``source`` names the emitting service (``pizza.stock``), ``detail-type`` what happened, past tense
(``StockLevelChanged``), and ``detail`` is a pydantic model carrying a ``schema_version`` so a consumer
can accept old and new shapes side by side.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

__all__ = ["EventDetail", "put_events_entry"]


class EventDetail(BaseModel):
    """Base of every event detail: subclasses set ``detail_type`` and their fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    detail_type: ClassVar[str]
    schema_version: int = 1


def put_events_entry(
    bus_name: str, source: str, detail: EventDetail, resources: list[str] | None = None
) -> dict[str, Any]:
    """One entry of ``events.put_events(Entries=[...])``."""
    return {
        "EventBusName": bus_name,
        "Source": source,
        "DetailType": type(detail).detail_type,
        "Detail": json.dumps(detail.model_dump(mode="json")),
        "Resources": resources or [],
    }
