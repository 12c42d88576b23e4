"""Each Lambda handler on the events AWS sends it, against moto in process."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from stock_helpers import BUCKET, LEVELS, TABLE, http_event, s3_event

from pizza_common.dynamodb import to_item
from pizza_stock.adapters.table import StockTable


def soon(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def deliver(aws, context, key: str, text: str) -> dict[str, Any]:
    from pizza_stock.handlers import ingest

    etag = aws.client("s3").put_object(Bucket=BUCKET, Key=key, Body=text.encode())["ETag"].strip('"')
    return ingest.handler(s3_event(BUCKET, key, etag), context)


def call_api(context, method: str, path: str, body: Any = None, raw_body: str | None = None) -> tuple[int, Any]:
    from pizza_stock.handlers import api

    answer = api.handler(http_event(method, path, body, raw_body), context)
    return answer["statusCode"], json.loads(answer["body"])


def test_ingest_reads_a_key_with_spaces_and_writes_the_report_beside_it(aws, context):
    result = deliver(aws, context, "2026 11/morning delivery.csv", f"ham,3,{soon(2)}\nham,x,{soon(2)}\n")
    assert result == {"deliveries": [{"key": "2026 11/morning delivery.csv", "status": "ingested", "accepted": 1}]}
    body = aws.client("s3").get_object(Bucket=BUCKET, Key="reports/2026 11/morning delivery.csv.json")["Body"]
    report = json.loads(body.read())
    assert report["accepted"] == 1
    assert report["rejected"] == [{"line": 2, "reason": "quantity 'x' is not a positive whole number"}]


def test_the_api_lists_levels_and_answers_404_for_an_ingredient_never_delivered(aws, context):
    deliver(aws, context, "a.csv", f"ham,3,{soon(2)}\nbasil,2,{soon(2)}\n")
    assert call_api(context, "GET", "/stock") == (
        200,
        {"items": [{"typeId": "basil", "quantity": 2, "version": 1}, {"typeId": "ham", "quantity": 3, "version": 1}]},
    )
    assert call_api(context, "GET", "/stock/ham") == (200, {"typeId": "ham", "quantity": 3, "version": 1})
    status, body = call_api(context, "GET", "/stock/truffle")
    assert (status, body["error"]) == (404, "NotFound")
    status, body = call_api(context, "GET", "/stock/Truffle")
    assert (status, body["error"]) == (400, "InvalidInput")


def test_posting_a_transaction_answers_201_then_409_when_short(aws, context):
    deliver(aws, context, "b.csv", f"ham,3,{soon(2)}\n")
    status, body = call_api(
        context, "POST", "/transactions", {"transactionId": "t1", "items": [{"typeId": "ham", "quantity": 2}]}
    )
    assert status == 201
    assert body["levels"] == [{"typeId": "ham", "quantity": 1, "version": 2}]
    status, body = call_api(
        context, "POST", "/transactions", {"transactionId": "t2", "items": [{"typeId": "ham", "quantity": 2}]}
    )
    assert status == 409
    assert body["error"] == "OutOfStock"
    assert body["details"]["shortfalls"] == [{"typeId": "ham", "requested": 2, "available": 1}]


@pytest.mark.parametrize(
    ("body", "raw", "field"),
    [
        ({"transactionId": "t", "items": [{"typeId": "ham", "quantity": -1}]}, None, "items.0.quantity"),
        ({"transactionId": "t", "items": []}, None, "items"),
        (None, "{not json", None),
        (None, "[]", "body"),
    ],
)
def test_a_bad_transaction_is_a_400_that_names_the_field(aws, context, body, raw, field):
    status, answer = call_api(context, "POST", "/transactions", body, raw)
    assert status == 400
    assert answer["error"] == "InvalidInput"
    if field:
        assert field in {problem["field"] for problem in answer["details"]}


def stream_record(event_name: str, keys: dict, old: dict | None, new: dict | None, ttl: bool) -> dict[str, Any]:
    record: dict[str, Any] = {
        "eventID": "1",
        "eventName": event_name,
        "eventSource": "aws:dynamodb",
        "eventSourceARN": f"arn:aws:dynamodb:us-east-1:123456789012:table/{TABLE}/stream/x",
        "dynamodb": {"Keys": to_item(keys), "SequenceNumber": "1", "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }
    if old is not None:
        record["dynamodb"]["OldImage"] = to_item(old)
    if new is not None:
        record["dynamodb"]["NewImage"] = to_item(new)
    if ttl:
        record["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    return record


def oldest_batch_item(type_id: str) -> dict[str, Any]:
    table = StockTable(TABLE)
    items = table.client.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :b)",
        ExpressionAttributeValues={":pk": {"S": type_id}, ":b": {"S": "BATCH#"}},
    )["Items"]
    from pizza_common.dynamodb import from_item

    return from_item(items[0])


def test_only_a_ttl_removal_of_a_batch_reduces_the_level_and_only_once(aws, context):
    from pizza_stock.handlers import expire

    deliver(aws, context, "c.csv", f"ham,5,{soon(1)}\nham,5,{soon(4)}\n")
    old = oldest_batch_item("ham")
    keys = {"pk": old["pk"], "sk": old["sk"]}
    by_user = stream_record("REMOVE", keys, old, None, ttl=False)
    by_ttl = stream_record("REMOVE", keys, old, None, ttl=True)
    assert expire.handler({"Records": [by_user]}, context) == {"batchItemFailures": []}
    assert StockTable(TABLE).level("ham").quantity == 10
    assert expire.handler({"Records": [by_ttl, by_ttl]}, context) == {"batchItemFailures": []}
    assert StockTable(TABLE).level("ham").quantity == 5


def test_a_failing_expiry_record_is_reported_as_a_batch_item_failure(aws, context):
    from pizza_stock.handlers import expire

    ghost = {"pk": "ham", "sk": "BATCH#x", "typeId": "ham", "batchId": "x", "quantity": 9, "remaining": 9}
    ghost["expiresAtEpoch"] = 1_800_000_000
    record = stream_record("REMOVE", {"pk": "ham", "sk": "BATCH#x"}, ghost, None, ttl=True)
    record["dynamodb"]["SequenceNumber"] = "42"
    ignored = stream_record("REMOVE", {"pk": "ham", "sk": "BATCH#y"}, ghost, None, ttl=False)
    assert expire.handler({"Records": [ignored, record]}, context) == {"batchItemFailures": [{"itemIdentifier": "42"}]}


def test_every_level_change_is_broadcast_with_its_version(aws, context):
    from pizza_stock.handlers import broadcast

    keys = {"pk": "ham", "sk": "AGGREGATE"}
    level = {"pk": "ham", "sk": "AGGREGATE", "typeId": "ham", "quantity": 12, "version": 3}
    batch_change = stream_record("MODIFY", {"pk": "ham", "sk": "BATCH#x"}, {}, {"remaining": 1}, ttl=False)
    records = [stream_record("MODIFY", keys, level, level | {"quantity": 10, "version": 4}, ttl=False), batch_change]
    assert broadcast.handler({"Records": records}, context) == {"batchItemFailures": []}
    kinesis = aws.client("kinesis")
    shard = kinesis.describe_stream(StreamName=LEVELS)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName=LEVELS, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    got = kinesis.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    assert [(r["PartitionKey"], json.loads(r["Data"])) for r in got] == [
        ("ham", {"schemaVersion": 1, "typeId": "ham", "quantity": 10, "version": 4})
    ]
