"""The event contracts as JSON Schema files, generated from the pydantic models (``events/``).

``python -m pizza_reservations.schemas`` writes them; ``tests/unit/test_contracts.py`` fails when the code
and the files drift apart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from pizza_reservations.domain.events import InventoryChanged, ItemEvent

__all__ = ["EVENTS_DIR", "schemas", "write"]

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"


def schemas() -> dict[str, dict[str, Any]]:
    item_event = TypeAdapter(ItemEvent).json_schema(mode="serialization")
    item_event = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ItemEvent",
        "description": "One event of an item's stream: the event store's `event`, the archive's lines, the "
        "changes stream's records and GET /items/{itemId}/history's events.",
        **item_event,
    }
    changed = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "description": "The `detail` of `inventory-changed` (source pizza.reservations) on the shared bus.",
        **InventoryChanged.model_json_schema(mode="serialization"),
    }
    return {"item-event.schema.json": item_event, "inventory-changed.schema.json": changed}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write() -> None:
    EVENTS_DIR.mkdir(exist_ok=True)
    for name, schema in schemas().items():
        (EVENTS_DIR / name).write_text(render(schema), encoding="utf-8")


if __name__ == "__main__":
    write()
