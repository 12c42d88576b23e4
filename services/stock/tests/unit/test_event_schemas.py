"""The checked-in JSON Schemas of the events the stock service emits are exactly those its models generate
(``WRITE_SCHEMAS=1`` regenerates them), and what the service writes validates against them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from pizza_common.schemas import assert_schema_file, schema_text
from pizza_stock.domain import Delivery, DeliveryConflict, DeliveryReport, Level, LevelChanged, Rejection
from pizza_stock.domain.events import EMITTED, DeliveryConflicted, DeliveryReported

EVENTS = Path(__file__).resolve().parents[2] / "events"


@pytest.mark.parametrize("name", sorted(EMITTED))
def test_the_checked_in_schema_is_what_the_model_generates(name):
    assert_schema_file(EMITTED[name], EVENTS / f"{name}.schema.json")


def test_every_schema_file_belongs_to_an_event_the_service_emits():
    assert sorted(p.name.removesuffix(".schema.json") for p in EVENTS.glob("*.schema.json")) == sorted(EMITTED)


def validate(name: str, document: str) -> None:
    jsonschema.Draft202012Validator(json.loads(schema_text(EMITTED[name]))).validate(json.loads(document))


def test_what_the_service_writes_validates_against_the_schemas():
    validate("level-changed", LevelChanged.of(Level("ham", 3, 7)).to_json())
    delivery = Delivery("bucket", "a.csv")
    report = DeliveryReport(
        delivery, "a" * 64, "etag", accepted=1, quantities={"ham": 5}, rejected=[Rejection(2, "bad")]
    )
    validate("delivery-reported", DeliveryReported.of(report).model_dump_json(by_alias=True, exclude_none=True))
    conflict = DeliveryConflict(delivery, "b" * 64, "a" * 64, "etag-2")
    validate("delivery-conflicted", DeliveryConflicted.of(conflict).model_dump_json(by_alias=True))
    with pytest.raises(jsonschema.ValidationError):
        validate("level-changed", '{"schemaVersion": 1, "typeId": "Ham", "quantity": 1, "version": 1}')
