import json

import pytest
from pydantic import ValidationError

from pizza_common import aws
from pizza_common.events import EventDetail, put_events_entry
from pizza_common.settings import ServiceSettings, load


class OvenSettings(ServiceSettings):
    oven_table: str
    default_baking_time_secs: int = 60


def test_settings_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("OVEN_TABLE", "pizza-oven-state")
    monkeypatch.setenv("DEFAULT_BAKING_TIME_SECS", "90")
    load.cache_clear()

    settings = load(OvenSettings)

    assert (settings.oven_table, settings.default_baking_time_secs) == ("pizza-oven-state", 90)


def test_a_missing_setting_names_itself(monkeypatch):
    monkeypatch.delenv("OVEN_TABLE", raising=False)
    load.cache_clear()

    with pytest.raises(ValidationError, match="oven_table"):
        load(OvenSettings)


def test_clients_follow_the_standard_endpoint_variables(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4599")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:4600")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    aws.client.cache_clear()

    assert aws.client("dynamodb").meta.endpoint_url == "http://127.0.0.1:4599"
    assert aws.client("sqs").meta.endpoint_url == "http://127.0.0.1:4600"
    assert aws.client("dynamodb") is aws.client("dynamodb")
    aws.client.cache_clear()


class PizzaBaked(EventDetail):
    detail_type = "PizzaBaked"
    pizza_id: str


def test_an_event_entry_carries_source_type_and_versioned_detail():
    entry = put_events_entry("pizza-bus", "pizza.oven", PizzaBaked(pizza_id="p-1"))

    assert entry["Source"] == "pizza.oven"
    assert entry["DetailType"] == "PizzaBaked"
    assert json.loads(entry["Detail"]) == {"schema_version": 1, "pizza_id": "p-1"}


def test_an_event_detail_refuses_unknown_fields():
    with pytest.raises(ValidationError, match="colour"):
        PizzaBaked(pizza_id="p-1", colour="golden")
