"""The contracts as files: events/*.schema.json are what the pydantic models generate, openapi.yaml is valid
and lists exactly the routes the stack serves."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import yaml
from openapi_spec_validator import validate

from pizza_common.schemas import assert_schema_file
from pizza_reservations.domain.events import InventoryChanged, ItemChanges, ItemEventMessage, Reserved
from pizza_reservations.stack import ROUTES, stack

OPENAPI = Path(__file__).resolve().parents[2] / "openapi.yaml"
EVENTS = Path(__file__).resolve().parents[2] / "events"
SCHEMAS = {
    "item-event.schema.json": ItemEventMessage,
    "item-changes.schema.json": ItemChanges,
    "inventory-changed.schema.json": InventoryChanged,
}


def schemas() -> dict[str, dict]:
    return {name: json.loads((EVENTS / name).read_text(encoding="utf-8")) for name in SCHEMAS}


def test_the_event_schema_files_are_what_the_models_generate():
    for name, model in SCHEMAS.items():
        assert_schema_file(model, EVENTS / name)


def test_the_schemas_accept_real_events_and_refuse_broken_ones():
    item_event = schemas()["item-event.schema.json"]
    event = Reserved.model_validate_json(
        '{"item_id":"cola","version":2,"at":"2026-11-27T09:00:00+00:00","reservation_id":"r",'
        '"quantity":1,"expires_at":"2026-11-27T09:01:00+00:00"}'
    )
    jsonschema.validate(event.model_dump(mode="json"), item_event)
    broken = {**event.model_dump(mode="json"), "quantity": 0}
    assert not jsonschema.Draft202012Validator(item_event).is_valid(broken)
    change = InventoryChanged(
        item_id="cola",
        version=2,
        change="Reserved",
        at=event.at,
        available=0,
        reserved=1,
        sold=0,
        supply=1,
        status="OUT OF STOCK",
    )
    jsonschema.validate(change.model_dump(mode="json"), schemas()["inventory-changed.schema.json"])
    # adjustment_id only on an adjustment's change: others read as before the field, to a consumer without it.
    assert "adjustment_id" not in change.model_dump(mode="json")
    restock = change.model_copy(update={"change": "Adjusted", "adjustment_id": "po-cola-1"}).model_dump(mode="json")
    assert restock["adjustment_id"] == "po-cola-1"
    jsonschema.validate(restock, schemas()["inventory-changed.schema.json"])
    changes = ItemChanges(item_id="cola", events=[event])
    jsonschema.validate(changes.model_dump(mode="json"), schemas()["item-changes.schema.json"])
    empty = {"item_id": "cola", "events": []}
    assert not jsonschema.Draft202012Validator(schemas()["item-changes.schema.json"]).is_valid(empty)


def openapi_document():
    return yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))


def test_the_document_is_valid_openapi():
    validate(openapi_document())


def test_the_document_describes_exactly_the_routes_of_the_stack():
    documented = {
        (method.upper(), path)
        for path, operations in openapi_document()["paths"].items()
        for method in operations
        if method != "parameters"
    }
    from pizza_reservations.handlers import api

    def shape(path: str) -> str:  # parameter names aside: {itemId} and {item_id} are one route
        return re.sub(r"\{[^}]+\}", "{}", path)

    routes = [*api.app._static_routes, *api.app._dynamic_routes]
    served = {(route.method, shape(route.openapi_path)) for route in routes}
    assert documented == set(ROUTES)
    assert {(method, shape(path)) for method, path in documented} == served
    assert stack().function("pizza-reservations-api").url is not None
