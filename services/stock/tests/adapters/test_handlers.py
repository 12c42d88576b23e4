"""Each Lambda handler on the events AWS sends it, against moto in process: the edge, thin and whole."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from stock_helpers import BUCKET, LEVELS, TABLE, http_event, s3_event

from pizza_common.dynamodb import from_item, to_item
from pizza_common.kinesis import records_from_start
from pizza_stock.adapters.pantry import DynamoDbPantry


def soon(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def deliver(aws, context, key: str, text: str, at: str = "2026-11-22T10:00:00.000Z") -> dict[str, Any]:
    from pizza_stock.handlers import ingest

    etag = aws.client("s3").put_object(Bucket=BUCKET, Key=key, Body=text.encode())["ETag"].strip('"')
    return ingest.handler(s3_event(BUCKET, key, etag, at), context)


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


def test_an_identical_re_upload_only_counts_its_upload_on_the_first_report(aws, context):
    text = f"ham,3,{soon(2)}\nham,x,{soon(2)}\n"
    deliver(aws, context, "a.csv", text)
    s3 = aws.client("s3")
    first = json.loads(s3.get_object(Bucket=BUCKET, Key="reports/a.csv.json")["Body"].read())
    result = deliver(aws, context, "a.csv", text, at="2026-11-22T10:05:00.000Z")  # the same bytes uploaded again
    assert result["deliveries"][0]["status"] == "already-ingested"
    again = json.loads(s3.get_object(Bucket=BUCKET, Key="reports/a.csv.json")["Body"].read())
    assert again == {**first, "uploads": 2}


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


def batch_rows(aws, type_id: str) -> list[dict[str, Any]]:
    items = aws.client("dynamodb").query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :b)",
        ExpressionAttributeValues={":pk": {"S": type_id}, ":b": {"S": "BATCH#"}},
    )["Items"]
    return [from_item(item) for item in items]


def level(type_id: str) -> int:
    [found] = DynamoDbPantry(TABLE).ingredients([type_id]).values()
    return found.level(datetime.now(UTC)).quantity


def test_only_a_ttl_removal_of_a_batch_takes_it_off_and_only_once(aws, context):
    from pizza_stock.handlers import expire

    deliver(aws, context, "c.csv", f"ham,5,{soon(1)}\nham,5,{soon(4)}\n")
    old = batch_rows(aws, "ham")[0]
    keys = {"pk": old["pk"], "sk": old["sk"]}
    by_user = stream_record("REMOVE", keys, old, None, ttl=False)
    by_ttl = stream_record("REMOVE", keys, old, None, ttl=True)
    assert expire.handler({"Records": [by_user]}, context) == {"batchItemFailures": []}
    assert level("ham") == 10
    assert expire.handler({"Records": [by_ttl, by_ttl]}, context) == {"batchItemFailures": []}
    assert level("ham") == 5


def test_the_scheduled_sweep_takes_off_batches_past_their_best_before_once(aws, context):
    from pizza_stock.handlers import expire

    deliver(aws, context, "s.csv", f"ham,5,{soon(4)}\n")
    dynamodb = aws.client("dynamodb")
    past = int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())
    dynamodb.update_item(  # a batch whose best-before has just passed, that TTL has not removed
        TableName=TABLE,
        Key={"pk": {"S": "ham"}, "sk": {"S": "AGGREGATE"}},
        UpdateExpression="SET batches.#b = :b",
        ExpressionAttributeNames={"#b": "gone"},
        ExpressionAttributeValues={":b": {"L": [{"N": "7"}, {"N": str(past)}]}},
    )
    scheduled = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    assert expire.handler(scheduled, context) == {"expired": 1}
    assert expire.handler(scheduled, context) == {"expired": 0}
    [ham] = DynamoDbPantry(TABLE).ingredients(["ham"]).values()
    assert [b.batch_id for b in ham.batches] != ["gone"] and len(ham.batches) == 1


def test_a_failing_expiry_record_is_reported_as_a_batch_item_failure(aws, context):
    from pizza_stock.handlers import expire

    ghost = {"pk": "ham", "sk": "BATCH#x", "type_id": "ham", "quantity": 9}  # no batch_id: a broken image
    record = stream_record("REMOVE", {"pk": "ham", "sk": "BATCH#x"}, ghost, None, ttl=True)
    record["dynamodb"]["SequenceNumber"] = "42"
    ignored = stream_record("REMOVE", {"pk": "ham", "sk": "BATCH#y"}, ghost, None, ttl=False)
    assert expire.handler({"Records": [ignored, record]}, context) == {"batchItemFailures": [{"itemIdentifier": "42"}]}


def test_every_change_of_an_ingredient_is_broadcast_with_its_version_leaving_out_expired_batches(aws, context):
    from pizza_stock.handlers import broadcast

    keys = {"pk": "ham", "sk": "AGGREGATE"}
    later = int((datetime.now(UTC) + timedelta(days=2)).timestamp())
    past = int((datetime.now(UTC) - timedelta(days=2)).timestamp())
    ham = {
        "pk": "ham",
        "sk": "AGGREGATE",
        "type_id": "ham",
        "version": 3,
        "batches": {"a": [10, later], "b": [4, past]},
    }
    batch_change = stream_record("MODIFY", {"pk": "ham", "sk": "BATCH#x"}, {}, {"remaining": 1}, ttl=False)
    created = stream_record("INSERT", keys, None, ham | {"version": 0, "batches": {}}, ttl=False)
    emptied = stream_record("MODIFY", keys, ham, ham | {"version": 5}, ttl=False)
    emptied["dynamodb"]["NewImage"]["batches"] = {}  # DynamoDB Local's rendering of an empty map
    records = [created, stream_record("MODIFY", keys, ham, ham | {"version": 4}, ttl=False), batch_change, emptied]
    assert broadcast.handler({"Records": records}, context) == {"batchItemFailures": []}
    got = records_from_start(aws.client("kinesis"), LEVELS)
    assert [(r["PartitionKey"], json.loads(r["Data"])) for r in got] == [
        ("ham", {"schemaVersion": 1, "typeId": "ham", "quantity": 10, "version": 4}),
        ("ham", {"schemaVersion": 1, "typeId": "ham", "quantity": 0, "version": 5}),
    ]


def test_changes_the_stream_still_refuses_and_records_that_cannot_be_read_are_handed_back_the_others_put(
    aws, context, monkeypatch
):
    from functools import cache

    from fakes import FakeLevelsBroadcast

    from pizza_stock import bootstrap
    from pizza_stock.handlers import broadcast

    later = int((datetime.now(UTC) + timedelta(days=2)).timestamp())

    def change(type_id: str, sequence: str, image: dict | None = None) -> dict[str, Any]:
        row = {"pk": type_id, "sk": "AGGREGATE", "type_id": type_id, "version": 2, "batches": {"a": [5, later]}}
        record = stream_record("MODIFY", {"pk": type_id, "sk": "AGGREGATE"}, row, image or row, ttl=False)
        record["dynamodb"]["SequenceNumber"] = sequence
        return record

    levels = FakeLevelsBroadcast(refusing=frozenset({"olive"}))
    monkeypatch.setattr(bootstrap, "broadcast", cache(lambda: bootstrap.BroadcastPorts(levels=levels)))
    unreadable = change("basil", "12", {"pk": "basil", "sk": "AGGREGATE", "version": "two"})
    records = [change("ham", "10"), change("olive", "11"), unreadable, change("garlic", "13")]

    answer = broadcast.handler({"Records": records}, context)

    assert answer == {"batchItemFailures": [{"itemIdentifier": "12"}, {"itemIdentifier": "11"}]}
    assert [c.type_id for c in levels.published] == ["ham", "garlic"]


# --- the one error shape, whatever the body -----------------------------------------------------------------


def raw_post(context, body: str, base64_encoded: bool = False) -> tuple[int, Any]:
    from pizza_stock.handlers import api

    event = http_event("POST", "/transactions", raw_body=body)
    event["isBase64Encoded"] = base64_encoded
    answer = api.handler(event, context)
    return answer["statusCode"], json.loads(answer["body"])


def test_a_body_nested_ten_thousand_deep_is_a_400_in_the_error_shape(aws, context):
    status, body = raw_post(context, "[" * 10_000 + "]" * 10_000)
    assert status == 400
    assert body["error"] == "InvalidInput"
    assert "nests 10000 levels deep" in body["message"]


def test_a_base64_body_that_is_not_utf8_is_a_400_in_the_error_shape(aws, context):
    status, body = raw_post(context, base64.b64encode(b"\xff\xfe{}").decode(), base64_encoded=True)
    assert (status, body["error"]) == (400, "InvalidInput")
    assert "not UTF-8" in body["message"]
    status, body = raw_post(context, "not base64!", base64_encoded=True)
    assert (status, body["error"]) == (400, "InvalidInput")


def test_a_base64_body_that_is_valid_json_is_read(aws, context):
    deliver(aws, context, "b64.csv", f"ham,3,{soon(2)}\n")
    payload = json.dumps({"transactionId": "b64", "items": [{"typeId": "ham", "quantity": 1}]}).encode()
    status, body = raw_post(context, base64.b64encode(payload).decode(), base64_encoded=True)
    assert (status, body["levels"]) == (201, [{"typeId": "ham", "quantity": 2, "version": 2}])


def test_an_unexpected_error_is_a_500_in_the_error_shape_without_the_exception(aws, context, monkeypatch):
    from pizza_stock.adapters import pantry

    def broken(self, type_ids):  # type: ignore[no-untyped-def]
        raise KeyError("secret-internal-detail")

    monkeypatch.setattr(pantry.DynamoDbPantry, "all_ingredients", broken)
    status, body = call_api(context, "GET", "/stock")
    assert status == 500
    assert body["error"] == "InternalError"
    assert set(body) == {"error", "message", "details"}
    assert "secret" not in json.dumps(body)


def test_a_route_that_does_not_exist_is_a_404_in_the_error_shape(aws, context):
    from pizza_stock.handlers import api

    event = http_event("GET", "/nowhere")
    answer = api.handler(event, context)
    assert answer["statusCode"] == 404
    assert json.loads(answer["body"])["error"] == "NotFound"
