"""The handlers on moto in process: every API answer matches openapi.yaml; the stream consumers' partial answers."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import boto3
import jsonschema
import pytest
import yaml

from localcloud.testing import function_url_event, lambda_context

REGION = "eu-west-1"
OPENAPI = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def wired(aws):
    return {"sqs": aws.client("sqs"), "queue_url": aws.queue_url("test-reservations-commands")}


def Context():
    return lambda_context(function_name="test-reservations-api")


def http_event(method: str, path: str, route: str, body: Any = None) -> dict[str, Any]:
    """The reservations API's function URL event (``route`` names the documented path it matches; ``path`` may
    end in a query string)."""
    path, _, query = path.partition("?")
    event = function_url_event(method, path, body=body)
    if query:
        event["rawQueryString"] = query
        event["queryStringParameters"] = dict(parse_qsl(query, keep_blank_values=True))
    return event


def check(route: str, method: str, answer: dict[str, Any]) -> int:
    responses = OPENAPI["paths"][route][method.lower()]["responses"]
    status = answer["statusCode"]
    assert str(status) in responses, f"{method} {route} answered {status}, which openapi.yaml does not document"
    response = responses[str(status)]
    if "$ref" in response:
        response = OPENAPI["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    schema = response["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator({**schema, "components": OPENAPI["components"]}).validate(
        json.loads(answer["body"])
    )
    return status


def test_every_answer_of_the_api_matches_the_document(wired):
    from pizza_reservations.handlers import api, commands

    context = Context()

    def call(method: str, route: str, path: str, body: Any = None) -> int:
        return check(route, method, api.handler(http_event(method, path, route, body), context))

    assert (
        call(
            "POST",
            "/items/{itemId}/adjustments",
            "/items/cola/adjustments",
            {"adjustmentId": "a1", "delta": 3, "reason": "batch"},
        )
        == 202
    )
    messages = wired["sqs"].receive_message(QueueUrl=wired["queue_url"], MaxNumberOfMessages=10)["Messages"]
    sqs_event = {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:test-reservations-commands",
            }
            for m in messages
        ]
    }
    assert commands.handler(sqs_event, context) == {"batchItemFailures": []}
    reserve = {"reservationId": "r1", "itemId": "cola", "quantity": 2, "holdSeconds": 60}
    statuses = [
        call("POST", "/reservations", "/reservations", reserve),
        call("POST", "/reservations", "/reservations", reserve),
        call("POST", "/reservations", "/reservations", {**reserve, "quantity": 3}),
        call("POST", "/reservations", "/reservations", {**reserve, "reservationId": "r2", "quantity": 2}),
        call("POST", "/reservations", "/reservations", {**reserve, "quantity": 0}),
        call("GET", "/reservations/{reservationId}", "/reservations/r1"),
        call("GET", "/reservations/{reservationId}", "/reservations/nobody"),
        call("GET", "/reservations/{reservationId}", "/reservations/bad%20id"),
        call("POST", "/reservations/{reservationId}/confirm", "/reservations/r1/confirm"),
        call("POST", "/reservations/{reservationId}/confirm", "/reservations/r2/confirm"),
        call("DELETE", "/reservations/{reservationId}", "/reservations/r1"),
        call("GET", "/items/{itemId}/history", "/items/cola/history"),
        call("GET", "/items/{itemId}/history", "/items/fanta/history"),
        call("GET", "/items", "/items"),
        call("GET", "/items", "/items?after=cola&limit=1"),
        call("GET", "/items", "/items?limit=1"),
        call("GET", "/items", "/items?limit=0"),
        call("GET", "/items", "/items?after=NOPE"),
        call("GET", "/items/{itemId}", "/items/cola"),
        call("GET", "/items/{itemId}", "/items/NOPE"),
    ]
    assert statuses[:13] == [201, 201, 409, 409, 400, 200, 404, 400, 202, 409, 200, 200, 404]
    assert statuses[13:] == [200, 200, 200, 400, 400, 404, 400]  # the listing, a page after, bad pages; the items


def test_the_listing_answers_a_page_of_limit_items_with_next_until_every_item_was_listed_once(aws):
    from pizza_reservations.adapters.projection import DynamoDbProjection
    from pizza_reservations.domain.model import ItemState, ItemView
    from pizza_reservations.handlers import api

    projection = DynamoDbProjection("test-reservations-items", boto3.client("dynamodb", region_name=REGION))
    ids = [f"item-{n}" for n in range(5)]
    for item_id in ids:
        projection.put(ItemView(ItemState(item_id)), None)

    def listing(query: str) -> dict[str, Any]:
        answer = api.handler(http_event("GET", f"/items?{query}", "/items"), Context())
        assert check("/items", "GET", answer) == 200
        return json.loads(answer["body"])

    pages = [listing("limit=2")]
    while "next" in pages[-1]:
        pages.append(listing(f"after={pages[-1]['next']}&limit=2"))
    assert [len(page["items"]) for page in pages] == [2, 2, 1]
    assert [page.get("next") for page in pages] == [
        pages[0]["items"][-1]["itemId"],
        pages[1]["items"][-1]["itemId"],
        None,
    ]
    assert sorted(item["itemId"] for page in pages for item in page["items"]) == ids
    assert len(listing("")["items"]) == 5 and "next" not in listing("")  # the default page holds them all


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("limit=", "limit"),
        ("after=Cola", "after"),
        ("after=", "after"),
        ("after=" + "a" * 64, "after"),
        ("after=cola%2Fx", "after"),
    ],
)
def test_a_bad_page_of_items_is_a_400_naming_the_parameter(aws, query, field):
    from pizza_reservations.handlers import api

    answer = api.handler(http_event("GET", f"/items?{query}", "/items"), Context())
    assert check("/items", "GET", answer) == 400
    assert [problem["field"] for problem in json.loads(answer["body"])["details"]] == [field]


def kinesis_event(events: list[str]) -> dict[str, Any]:
    """The changes stream's batch of one record per event (the fan-out puts an item's run in one: ItemChanges)."""
    parsed = [json.loads(text) for text in events]
    return kinesis_records([(event["item_id"], {"item_id": event["item_id"], "events": [event]}) for event in parsed])


def test_the_projection_consumer_reports_only_the_failed_item(wired, monkeypatch):
    from pizza_reservations.domain.events import Adjusted
    from pizza_reservations.handlers import projection

    good = Adjusted(item_id="cola", version=1, at="2026-11-27T09:00:00+00:00", adjustment_id="a", delta=1, reason="x")
    bad = good.model_copy(update={"item_id": "fanta"})
    original = projection._project

    def failing(item_id, events):
        if item_id == "fanta":
            raise RuntimeError("the bus is down")
        original(item_id, events)

    monkeypatch.setattr(projection, "_project", failing)
    answer = projection.handler(kinesis_event([good.model_dump_json(), bad.model_dump_json()]), Context())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "101"}]}
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName="test-reservations-items")["Items"]
    assert [item["pk"]["S"] for item in items] == ["cola"]


def events_stream_batch(events: list[Any]) -> dict[str, Any]:
    """The events table's stream batch of these events' inserts, sequence numbers 7, 8, ..."""
    from pizza_common.dynamodb import to_item
    from pizza_reservations.adapters.event_store import event_item

    records = []
    for n, event in enumerate(events):
        image = to_item(event_item(event))
        keys = {"pk": image["pk"], "sk": image["sk"]}
        records.append(
            {
                "eventID": str(n),
                "eventName": "INSERT",
                "eventSource": "aws:dynamodb",
                "dynamodb": {"Keys": keys, "NewImage": image, "SequenceNumber": str(7 + n)},
            }
        )
    return {"Records": records}


def changes_on_stream() -> list[tuple[str, dict[str, Any]]]:
    from pizza_common.kinesis import records_from_start

    kinesis = boto3.client("kinesis", region_name=REGION)
    return [
        (r["PartitionKey"], json.loads(r["Data"])) for r in records_from_start(kinesis, "test-reservations-changes")
    ]


def adjusted(item_id: str, version: int) -> Any:
    from pizza_reservations.domain.events import Adjusted

    at = "2026-11-27T09:00:00+00:00"
    return Adjusted(item_id=item_id, version=version, at=at, adjustment_id=f"a{version}", delta=1, reason="x")


def test_a_changes_record_that_cannot_be_read_is_handed_back_and_the_items_beside_it_are_projected(wired):
    from pizza_reservations.handlers import projection

    good = adjusted("cola", 1)
    batch = kinesis_event([good.model_dump_json()])
    batch["Records"].insert(0, {**batch["Records"][0], "kinesis": {**batch["Records"][0]["kinesis"]}})
    batch["Records"][0]["kinesis"] |= {"data": base64.b64encode(b"{}").decode(), "sequenceNumber": "99"}

    assert projection.handler(batch, Context()) == {"batchItemFailures": [{"itemIdentifier": "99"}]}
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName="test-reservations-items")["Items"]
    assert [item["pk"]["S"] for item in items] == ["cola"]


def test_a_record_of_one_event_as_the_fanout_put_them_before_item_changes_is_still_read():
    from pizza_reservations.handlers._stream import by_item

    event = adjusted("cola", 1)
    grouped, unreadable = by_item(kinesis_records([("cola", event.model_dump(mode="json"))]))

    assert (grouped, unreadable) == ({"cola": [("100", event)]}, [])


def test_the_fanout_puts_an_items_events_of_a_batch_in_one_record_keyed_by_item_in_their_order(wired):
    from pizza_reservations.domain.events import ItemChanges
    from pizza_reservations.handlers import fanout

    events = [adjusted("cola", 1), adjusted("fanta", 1), adjusted("cola", 2), adjusted("cola", 3)]
    assert fanout.handler(events_stream_batch(events), Context()) == {"batchItemFailures": []}

    on_stream = changes_on_stream()
    assert [(key, ItemChanges.model_validate(data)) for key, data in on_stream] == [
        ("cola", ItemChanges(item_id="cola", events=[events[0], events[2], events[3]])),
        ("fanta", ItemChanges(item_id="fanta", events=[events[1]])),
    ]
    # What the consumers read back: every event once, each item's in its order.
    from pizza_reservations.handlers._stream import by_item

    grouped, unreadable = by_item(kinesis_records(on_stream))
    assert unreadable == []
    assert {item: [e for _, e in records] for item, records in grouped.items()} == {
        "cola": [events[0], events[2], events[3]],
        "fanta": [events[1]],
    }


def kinesis_records(on_stream: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "kinesis": {
                    "partitionKey": key,
                    "data": base64.b64encode(json.dumps(data).encode()).decode(),
                    "sequenceNumber": str(100 + n),
                    "kinesisSchemaVersion": "1.0",
                    "approximateArrivalTimestamp": 1.0,
                },
                "eventSource": "aws:kinesis",
                "eventID": f"shardId-000000000000:{100 + n}",
                "eventSourceARN": "arn:aws:kinesis:eu-west-1:123456789012:stream/test-reservations-changes",
            }
            for n, (key, data) in enumerate(on_stream)
        ]
    }


def test_a_long_run_of_one_items_events_is_split_into_records_below_kinesis_limit(monkeypatch):
    from pizza_reservations.handlers import fanout

    monkeypatch.setattr(fanout, "RECORD_BYTES", 1000)
    texts = [adjusted("cola", version).model_dump_json() for version in range(1, 21)]
    changes = fanout.item_changes([(str(n), "cola", text) for n, text in enumerate(texts)])

    assert len(changes) > 1
    assert all(len(record.data) <= 1000 + 100 for _, record in changes)  # the events, the item id and braces
    # Every event once, in its order, each record naming the sequence numbers of the events it holds.
    assert [e for _, record in changes for e in json.loads(record.data)["events"]] == [json.loads(t) for t in texts]
    assert [len(sequences) for sequences, _ in changes] == [len(json.loads(r.data)["events"]) for _, r in changes]
    assert [s for sequences, _ in changes for s in sequences] == [str(n) for n in range(20)]


def test_a_record_the_stream_still_refused_hands_back_its_first_event_and_the_batch_after_it(wired, monkeypatch):
    from pizza_reservations.handlers import fanout

    events = [adjusted("cola", 1), adjusted("fanta", 1), adjusted("cola", 2), adjusted("fanta", 2)]
    put: list[Any] = []

    def refusing_fanta(client, stream, records, deadline=None):
        put.extend(records)
        return [index for index, record in enumerate(records) if record.partition_key == "fanta"]

    monkeypatch.setattr(fanout, "put_records", refusing_fanta)
    # fanta's events are at sequence numbers 8 and 10: the stream sends the batch again from 8.
    assert fanout.handler(events_stream_batch(events), Context()) == {"batchItemFailures": [{"itemIdentifier": "8"}]}
    assert [record.partition_key for record in put] == ["cola", "fanta"]
