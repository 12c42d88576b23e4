"""The JSON Schemas of the events the stock service emits, generated from their pydantic models.

``python -m pizza_stock.schemas`` rewrites ``services/stock/events/*.schema.json``; a test fails when a model
and its checked-in schema drift (as ``tests/adapters/test_openapi.py`` does for the API).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pizza_stock.domain.events import EMITTED

__all__ = ["EVENTS_DIR", "schema_text", "write_all"]

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"


def schema_text(name: str) -> str:
    schema = EMITTED[name].model_json_schema(by_alias=True, mode="serialization")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{name}.schema.json", **schema}
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write_all(directory: Path = EVENTS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in EMITTED:
        path = directory / f"{name}.schema.json"
        path.write_text(schema_text(name))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all():
        print(path)
    sys.exit(0)
