"""The orders' events as files (events/*.schema.json generated from the pydantic models), and the events the
state machines publish (built by the tally step) valid against them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from pizza_common.schemas import assert_schema_file
from pizza_reservations.orders.domain import (
    CreatePurchaseOrder,
    LineOutcome,
    NewOrderReceived,
    StockReserved,
    StockUnavailable,
)
from pizza_reservations.orders.handlers.steps import tally_lines
from pizza_reservations.orders.views import outcome_json

EVENTS = Path(__file__).resolve().parents[2] / "events"
SCHEMAS = {
    "new-order-received.schema.json": NewOrderReceived,
    "stock-reserved.schema.json": StockReserved,
    "stock-unavailable.schema.json": StockUnavailable,
    "create-purchase-order.schema.json": CreatePurchaseOrder,
}


def schema(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_the_event_schema_files_are_what_the_models_generate(name):
    assert_schema_file(SCHEMAS[name], EVENTS / name)


def test_what_the_tally_step_hands_the_state_machine_to_publish_matches_the_schemas():
    outcomes = [LineOutcome("cola", 2, "o-1:cola", True), LineOutcome("tiramisu", 3, "o-1:tiramisu", False, 1)]
    tallied = tally_lines({"orderId": "o-1", "reservations": [outcome_json(o) for o in outcomes]})
    assert tallied["allReserved"] is False
    jsonschema.validate(tallied["stockUnavailable"], schema("stock-unavailable.schema.json"))
    jsonschema.validate(tallied["createPurchaseOrder"], schema("create-purchase-order.schema.json"))
    jsonschema.validate(tallied["stockReserved"], schema("stock-reserved.schema.json"))
    assert tallied["createPurchaseOrder"]["items"] == [{"itemId": "tiramisu", "quantity": 3}]


def test_the_new_order_schema_refuses_what_the_intake_refuses():
    new_order = schema("new-order-received.schema.json")
    jsonschema.validate({"orderId": "o-1", "items": [{"itemId": "cola", "quantity": 1}]}, new_order)
    for broken in (
        {"orderId": "o-1", "items": []},
        {"orderId": "o 1", "items": [{"itemId": "cola", "quantity": 1}]},
        {"orderId": "o-1", "items": [{"itemId": "cola", "quantity": 0}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, new_order)
