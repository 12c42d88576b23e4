"""The messages' JSON Schemas in events/ are generated from the pydantic models that read and write them;
this fails when code and files drift (``WRITE_SCHEMAS=1`` regenerates them). Examples are checked too."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from pizza_common.schemas import assert_schema_file
from pizza_oven.domain.commands import BakePizza
from pizza_oven.domain.events import PizzaBaked, WakeUp
from pizza_oven.domain.model import Pizza

EVENTS = Path(__file__).resolve().parents[2] / "events"
CONTRACTS = {"new-items": BakePizza, "baked-items": PizzaBaked, "wakeups": WakeUp}


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_the_schema_file_is_the_models(name):
    assert_schema_file(CONTRACTS[name], EVENTS / f"{name}.schema.json")


def _schema(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.schema.json").read_text())


def test_what_the_shelf_sends_is_valid_baked_items():
    body = PizzaBaked.of(Pizza("margherita-42", 30), datetime(2026, 11, 27, 9, 0, tzinfo=UTC)).to_json()
    jsonschema.validate(json.loads(body), _schema("baked-items"))
    assert json.loads(body) == {"id": "margherita-42", "bakingTimeSecs": 30, "bakedAt": "2026-11-27T09:00:00+00:00"}


def test_the_new_items_schema_accepts_the_documented_example_and_refuses_a_bad_id():
    jsonschema.validate({"id": "margherita-42", "bakingTimeSecs": 30}, _schema("new-items"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "no spaces please"}, _schema("new-items"))
