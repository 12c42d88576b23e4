"""Event contracts as files: JSON Schema generated from a service's pydantic message models.

Each service keeps ``events/<name>.schema.json`` beside its code, generated from the model that reads or
writes the message, and a test that fails when the two drift::

    def test_the_new_items_schema_is_the_models(tmp_path):
        assert_schema_file(BakePizza, EVENTS / "new-items.schema.json")

``WRITE_SCHEMAS=1 pytest ...`` (re)writes the files instead of comparing; review the diff and commit it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel

__all__ = ["assert_schema_file", "schema_text"]


def schema_text(model: type[BaseModel], *, schema_id: str | None = None) -> str:
    """The model's JSON Schema (as validated from JSON, by alias), as stable text: sorted keys, two-space indent."""
    schema: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    if schema_id:
        schema["$id"] = schema_id
    schema |= model.model_json_schema(by_alias=True, mode="validation")
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def assert_schema_file(model: type[BaseModel], path: Path) -> None:
    """Fail when ``path`` differs from the model's schema; with ``WRITE_SCHEMAS=1``, write it instead."""
    expected = schema_text(model, schema_id=path.name)
    if os.environ.get("WRITE_SCHEMAS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(expected, encoding="utf-8")
        return
    actual = path.read_text(encoding="utf-8") if path.exists() else ""
    assert actual == expected, (
        f"{path} does not match {model.__module__}.{model.__qualname__}: "
        "run the test with WRITE_SCHEMAS=1 to regenerate it, then review and commit the change"
    )
