"""The use cases against the real table layout, on moto in process."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from stock_helpers import BUCKET, TABLE

from pizza_stock.adapters.deliveries_bucket import DeliveryBucket
from pizza_stock.adapters.table import DeliveriesTable, ExpiryTable, StockTable, batch_from_image
from pizza_stock.domain import Batch, OutOfStock, TransactionIdReused, UseIngredients
from pizza_stock.use_cases import expire_batch, ingest_delivery, use_ingredients

NOW = datetime.now(UTC)


def soon(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def deliver(aws, key: str, text: str) -> str:
    s3 = aws.client("s3")
    return s3.put_object(Bucket=BUCKET, Key=key, Body=text.encode())["ETag"].strip('"')


def ingest(key: str, etag: str | None, upload: str = "upload-1"):
    return ingest_delivery(BUCKET, key, etag, None, upload, NOW, DeliveriesTable(TABLE), DeliveryBucket())


def batches(type_id: str) -> list[Batch]:
    table = StockTable(TABLE)
    found = table.client.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :batch)",
        ExpressionAttributeValues={":pk": {"S": type_id}, ":batch": {"S": "BATCH#"}},
    )["Items"]
    return [batch_from_image(item) for item in found]


def level(type_id: str) -> int | None:
    found = StockTable(TABLE).level(type_id)
    return None if found is None else found.quantity


def report(aws, key: str) -> dict:
    return json.loads(aws.client("s3").get_object(Bucket=BUCKET, Key=f"reports/{key}.json")["Body"].read())


def use(transaction_id: str, **items: int):
    request = UseIngredients.model_validate(
        {"transactionId": transaction_id, "items": [{"typeId": t, "quantity": q} for t, q in items.items()]}
    )
    return use_ingredients(request, NOW, StockTable(TABLE))


def test_each_row_of_a_delivery_becomes_a_batch_and_grows_its_level_once(aws):
    etag = deliver(aws, "d1.csv", f"typeId,quantity,expiresAt\nham,10,{soon(3)}\nham,5,{soon(1)}\nbasil,7,{soon(2)}\n")
    outcome = ingest("d1.csv", etag)
    assert (outcome.status, outcome.accepted) == ("ingested", 3)
    assert (level("ham"), level("basil")) == (15, 7)
    assert sorted(b.quantity for b in batches("ham")) == [5, 10], "two rows of one ingredient are two batches"
    assert report(aws, "d1.csv")["quantities"] == {"basil": 7, "ham": 15}

    assert ingest("d1.csv", etag).status == "already-ingested"
    assert (level("ham"), level("basil")) == (15, 7)
    assert report(aws, "d1.csv")["uploads"] == 1, "a duplicate notification is not another upload"


def test_the_same_content_uploaded_again_under_its_key_adds_nothing_and_counts_the_upload(aws):
    text = f"ham,10,{soon(3)}\nbasil,1,{soon(3)}\nbasil,x,{soon(3)}\n"
    ingest("again.csv", deliver(aws, "again.csv", text), upload="first")
    first = report(aws, "again.csv")
    outcome = ingest("again.csv", deliver(aws, "again.csv", text), upload="second")
    assert (outcome.status, outcome.accepted) == ("already-ingested", 2)
    assert (level("ham"), level("basil")) == (10, 1)
    assert report(aws, "again.csv") == first | {"uploads": 2}


def test_a_delivery_written_in_many_groups_is_resumed_where_a_failed_run_stopped(aws):
    rows = "".join(f"ham,1,{soon(5)}\n" for _ in range(150))
    etag = deliver(aws, "big.csv", rows)
    table = DeliveriesTable(TABLE)
    state = table.open_delivery(BUCKET, "big.csv", etag, "upload-1", NOW)
    from pizza_stock.domain import delivery_id, read_delivery

    first_rows = list(read_delivery([rows.encode()], NOW))[:70]
    table.add_batches(BUCKET, "big.csv", delivery_id(BUCKET, "big.csv"), etag, first_rows)  # the run that died
    assert state.progress == 0 and level("ham") == 70

    assert ingest("big.csv", etag).accepted == 150
    assert level("ham") == 150
    assert len(batches("ham")) == 150


def test_a_changed_upload_under_a_delivered_key_adds_nothing_and_is_reported_as_a_conflict(aws):
    ingest("d2.csv", deliver(aws, "d2.csv", f"olive,4,{soon(3)}\n"))
    changed = deliver(aws, "d2.csv", f"olive,400,{soon(3)}\nolive,1,{soon(3)}\n")
    assert ingest("d2.csv", changed).status == "conflict"
    assert level("olive") == 4
    assert report(aws, "d2.csv")["status"] == "conflict"


def test_a_notification_for_an_object_since_replaced_is_skipped(aws):
    old = deliver(aws, "d3.csv", f"olive,4,{soon(3)}\n")
    deliver(aws, "d3.csv", f"olive,9,{soon(3)}\n")
    assert ingest("d3.csv", old).status == "superseded"
    assert level("olive") is None


def test_usage_takes_from_the_batch_that_expires_first_and_removes_a_drained_batch(aws):
    ingest("d4.csv", deliver(aws, "d4.csv", f"ham,10,{soon(9)}\nham,4,{soon(1)}\nham,6,{soon(5)}\n"))
    answer = use("t-fefo", ham=7)
    assert answer.status == 201
    assert answer.body["levels"] == [{"typeId": "ham", "quantity": 13, "version": 2}]
    assert sorted((b.removed_at, b.remaining) for b in batches("ham"))[0][1] == 3
    assert sorted(b.remaining for b in batches("ham")) == [3, 10], "the 4 expiring first is gone, 3 of the 6 taken"


def test_a_usage_that_falls_short_takes_nothing_and_names_what_is_missing(aws):
    ingest("d5.csv", deliver(aws, "d5.csv", f"ham,10,{soon(3)}\nbasil,1,{soon(3)}\n"))
    answer = use("t-short", ham=5, basil=2, rocket=1)
    assert answer.status == 409
    assert answer.body["details"]["shortfalls"] == [
        {"typeId": "basil", "requested": 2, "available": 1},
        {"typeId": "rocket", "requested": 1, "available": 0},
    ]
    assert (level("ham"), level("basil")) == (10, 1)


def test_a_replayed_transaction_gets_its_first_answer_and_changes_nothing(aws):
    ingest("d6.csv", deliver(aws, "d6.csv", f"ham,10,{soon(3)}\n"))
    first = use("t-replay", ham=3)
    assert use("t-replay", ham=3) == first
    assert level("ham") == 7

    refused = use("t-refused", ham=100)
    ingest("d7.csv", deliver(aws, "d7.csv", f"ham,500,{soon(3)}\n"))
    assert use("t-refused", ham=100) == refused, "a refusal is the first answer too"
    assert level("ham") == 507


def test_a_transaction_id_reused_for_another_request_is_refused(aws):
    ingest("d8.csv", deliver(aws, "d8.csv", f"ham,10,{soon(3)}\n"))
    use("t-reuse", ham=1)
    with pytest.raises(TransactionIdReused):
        use("t-reuse", ham=2)
    assert level("ham") == 9


def test_expiry_takes_off_what_was_left_in_the_batch_once(aws):
    ingest("d9.csv", deliver(aws, "d9.csv", f"ham,10,{soon(1)}\nham,10,{soon(8)}\n"))
    use("t-before-expiry", ham=4)
    [oldest, _] = sorted(batches("ham"), key=lambda b: b.removed_at)
    assert oldest.remaining == 6
    table = ExpiryTable(TABLE)
    assert expire_batch(oldest, NOW, table) is True
    assert expire_batch(oldest, NOW, table) is False, "a duplicate stream record changes nothing"
    assert level("ham") == 10


def test_expiry_that_would_take_a_level_below_zero_fails_loudly(aws):
    ingest("d10.csv", deliver(aws, "d10.csv", f"ham,2,{soon(1)}\n"))
    ghost = Batch("ham", "not-a-batch", quantity=5, remaining=5, removed_at=NOW)
    with pytest.raises(RuntimeError, match="disagree"):
        expire_batch(ghost, NOW, ExpiryTable(TABLE))
    assert level("ham") == 2


def test_out_of_stock_is_a_conflict_with_its_shortfalls():
    error = OutOfStock("t", [])
    assert error.status_code == 409
    assert error.code == "OutOfStock"
