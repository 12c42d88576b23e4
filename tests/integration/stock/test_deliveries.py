"""Deliveries dropped in the bucket become batches and levels, once, with a report beside each file."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any
from urllib.parse import quote_plus

import pytest
from stock_target import FAR_BEST_BEFORE, StockTarget, unique

from localcloud.polling import eventually
from pizza_stock.adapters.items import MAX_BATCHES_PER_INGREDIENT, batch_sort_key
from pizza_stock.domain import MAX_DELIVERY_BYTES, MAX_LINE_BYTES, MAX_ROW_QUANTITY, Delivery, Row, batch_for
from pizza_stock.domain.model import removal_instant

INGEST = "pizza-stock-ingest"


def test_a_delivery_becomes_levels_and_a_report_that_names_each_rejected_row(stock):
    ham, basil = unique("ham"), unique("basil")
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    rows = [
        "typeId,quantity,expiresAt",
        f"{ham},10,{FAR_BEST_BEFORE}",
        f"{ham},5,{FAR_BEST_BEFORE}",
        f"{basil},7,{FAR_BEST_BEFORE}",
        f"{ham},0,{FAR_BEST_BEFORE}",
        f"{ham},3,{yesterday}",
        f"Ham,3,{FAR_BEST_BEFORE}",
        f"{basil},2",
        f"{basil},two,{FAR_BEST_BEFORE}",
        f"{basil},2,someday",
    ]
    key = f"deliveries/{unique('morning')}.csv"
    stock.deliver(key, "\ufeff".encode() + "\r\n".join(rows).encode() + b"\r\n")

    report = stock.wait_for_report(key)
    assert report["status"] == "ingested"
    assert report["accepted"] == 3
    assert report["quantities"] == {basil: 7, ham: 15}
    assert [(rejected["line"], rejected["reason"].split(" ")[0]) for rejected in report["rejected"]] == [
        (5, "quantity"),
        (6, "expiresAt"),
        (7, "typeId"),
        (8, "expected"),
        (9, "quantity"),
        (10, "expiresAt"),
    ]
    assert stock.wait_for_level(ham, lambda level: True)["quantity"] == 15, "two rows of one ingredient, two batches"
    assert stock.level(basil)["quantity"] == 7

    def listed() -> dict[str, int] | None:
        items = stock.call("GET", "/stock", "/stock").json()["items"]
        found = {item["typeId"]: item["quantity"] for item in items if item["typeId"] in (ham, basil)}
        return found if len(found) == 2 else None

    assert eventually(listed, "GET /stock to list both ingredients") == {ham: 15, basil: 7}


def test_the_same_file_uploaded_again_adds_nothing(stock):
    olive = unique("olive")
    key = f"{unique('delivery')}.csv"
    text = f"{olive},4,{FAR_BEST_BEFORE}\n{olive},6,{FAR_BEST_BEFORE}\n"
    stock.deliver(key, text)
    first = stock.wait_for_report(key)
    before = stock.wait_for_level(olive, lambda level: True)
    assert before["quantity"] == 10

    stock.deliver(key, text)  # a new upload: under SSE-KMS a new ETag that is not the content's MD5
    again = stock.wait_for_report(key, lambda report: report["uploads"] == 2)
    assert again == first | {"uploads": 2}, "recognised by its checksum: the first report, counting the uploads"
    assert stock.level(olive) == before, "neither the quantity nor the version moved"
    assert stock.client.conflict(key) is None


def test_a_changed_file_under_a_delivered_key_is_a_conflict_and_adds_nothing(stock):
    rocket = unique("rocket")
    key = f"{unique('delivery')}.csv"
    stock.deliver(key, f"{rocket},4,{FAR_BEST_BEFORE}\n")
    delivered = stock.wait_for_report(key)
    stock.wait_for_level(rocket, lambda level: level["quantity"] == 4)

    stock.deliver(key, f"{rocket},400,{FAR_BEST_BEFORE}\n{rocket},1,{FAR_BEST_BEFORE}\n")
    conflict = stock.wait_for_conflict(key)
    assert conflict["deliveredSha256"] == delivered["sha256"]
    assert conflict["accepted"] == 0
    assert stock.report(key) == delivered, "the good report was not overwritten"
    assert stock.level(rocket) == {"typeId": rocket, "quantity": 4, "version": 1}


def test_a_report_is_never_taken_for_a_delivery(stock):
    key = f"{unique('delivery')}.csv"
    stock.deliver(key, f"{unique('salt')},1,{FAR_BEST_BEFORE}\n")
    stock.wait_for_report(key)
    listed = stock.s3.list_objects_v2(Bucket=stock.bucket, Prefix=f"reports/reports/{key}")
    assert listed.get("KeyCount", 0) == 0, "the report (.json) did not start an ingest of its own"


def test_thousands_of_rows_in_many_write_groups_are_added_exactly_once(stock):
    ingredients = [unique("flour"), unique("yeast"), unique("water")]
    lines = [f"{ingredients[n % 3]},{1 + n % 7},{FAR_BEST_BEFORE}" for n in range(3000)]
    lines[1500] = f"{ingredients[0]},-1,{FAR_BEST_BEFORE}"
    key = f"{unique('big')}.csv"
    stock.deliver(key, "\n".join(lines))

    report = stock.wait_for_report(key)
    expected = {type_id: 0 for type_id in ingredients}
    for number in range(len(lines)):
        if number != 1500:
            expected[ingredients[number % 3]] += 1 + number % 7
    assert report["accepted"] == 2999
    assert report["rejected"] == [{"line": 1501, "reason": "quantity '-1' is not a positive whole number"}]
    assert report["quantities"] == expected
    assert {type_id: stock.level(type_id)["quantity"] for type_id in ingredients} == expected


def test_bad_rows_never_stop_good_ones_and_every_row_ends_ingested_or_rejected_with_its_line(stock):
    ham, salt = unique("ham"), unique("salt")
    long_line = f"{ham},1,{FAR_BEST_BEFORE}," + " " * (MAX_LINE_BYTES - len(f"{ham},1,{FAR_BEST_BEFORE},"))
    rows = [
        f"{ham},5,{FAR_BEST_BEFORE}",
        f"{salt},3,9999-12-31",  # "never expires"
        f"{ham},{'9' * 40},{FAR_BEST_BEFORE}",
        f"{ham},{MAX_ROW_QUANTITY},{FAR_BEST_BEFORE}",
        f"{ham},{MAX_ROW_QUANTITY + 1},{FAR_BEST_BEFORE}",
        f"{ham},2,9999-12-31T23:00:00-05:00",
        long_line,
        long_line + "x",
        f"{ham},7,{FAR_BEST_BEFORE}",
    ]
    key = f"{unique('rough')}.csv"
    stock.deliver(key, "\n".join(rows) + "\n")

    report = stock.wait_for_report(key)
    assert report["status"] == "ingested"
    assert report["quantities"] == {ham: 5 + MAX_ROW_QUANTITY + 7, salt: 3}
    rejected = {entry["line"]: entry["reason"] for entry in report["rejected"]}
    assert sorted(rejected) == [3, 5, 6, 7, 8]
    assert "more than 1,000,000,000" in rejected[3] and "more than 1,000,000,000" in rejected[5]
    assert "outside 0001-01-01 to 9999-12-31 in UTC" in rejected[6]
    assert "expected 3 columns" in rejected[7], "a line of exactly the limit is read"
    assert rejected[8] == f"line is longer than {MAX_LINE_BYTES} bytes"
    assert report["accepted"] + report["rejectedCount"] == len(rows)
    assert stock.wait_for_level(salt, lambda level: True)["quantity"] == 3
    assert stock.level(ham)["quantity"] == 5 + MAX_ROW_QUANTITY + 7


def test_a_file_of_exactly_the_size_limit_is_ingested_and_one_byte_more_is_refused_whole_with_a_report(stock):
    basil = unique("basil")
    row = f"{basil},1,{FAR_BEST_BEFORE}\n".encode()
    blank = b" " * 4000 + b"\n"  # blank lines are skipped: they only make up the size
    padding = MAX_DELIVERY_BYTES - len(row)
    exact = row + blank * (padding // len(blank)) + b"\n" * (padding % len(blank))
    assert len(exact) == MAX_DELIVERY_BYTES
    at_limit, over = f"{unique('exact')}.csv", f"{unique('over')}.csv"
    stock.deliver(at_limit, exact)
    stock.deliver(over, exact + b"\n")

    assert stock.wait_for_report(at_limit)["accepted"] == 1
    refused = stock.wait_for_report(over)
    assert refused["status"] == "refused"
    assert refused["reason"] == (
        f"the file has {MAX_DELIVERY_BYTES + 1:,} bytes; a delivery may have at most {MAX_DELIVERY_BYTES:,}"
    )
    assert (refused["accepted"], refused["quantities"]) == (0, {})
    assert stock.level(basil)["quantity"] == 1, "only the file at the limit added anything"


def notification(stock: StockTarget, key: str, region: str) -> dict[str, Any]:
    """The ``ObjectCreated`` record S3 sends the ingest function for the object under ``key``, as a retry of
    the notification would carry it."""
    head = stock.s3.head_object(Bucket=stock.bucket, Key=key)
    uploaded = {"key": quote_plus(key, safe="/"), "size": head["ContentLength"], "eTag": head["ETag"].strip('"')}
    if head.get("VersionId") not in (None, "null"):
        uploaded["versionId"] = head["VersionId"]
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": head["LastModified"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": stock.bucket}, "object": uploaded},
    }
    return {"Records": [record]}


@pytest.mark.localcloud_only  # invokes the ingest function itself, and puts a batch row in its way
def test_rows_refused_before_the_ingest_died_are_reported_refused_by_the_run_that_resumes_it(stock, localcloud):
    anchovy, salt = unique("anchovy"), unique("salt")
    fill = f"{unique('fill')}.csv"
    stock.deliver(fill, "\n".join(f"{anchovy},1,{FAR_BEST_BEFORE}" for _ in range(MAX_BATCHES_PER_INGREDIENT)))
    assert stock.wait_for_report(fill)["accepted"] == MAX_BATCHES_PER_INGREDIENT, "anchovy has no room left"

    # A header, then salt but for anchovy on lines 3 and 4 (in the first write group, lines 2 to 98) and 250.
    refused = (3, 4, 250)
    lines = ["typeId,quantity,expiresAt"]
    lines += [f"{anchovy if line in refused else salt},1,{FAR_BEST_BEFORE}" for line in range(2, 301)]
    key = f"{unique('resumed')}.csv"
    # The ingest dies at line 150's write group for as long as a batch row is in that line's way (a batch row is
    # only ever written new): each run writes the first group, refusing lines 3 and 4, then fails.
    best_before = date.fromisoformat(FAR_BEST_BEFORE)
    line_150 = batch_for(Delivery(stock.bucket, key), Row(150, salt, 1, best_before, removal_instant(best_before)))
    dynamodb, table = localcloud.client("dynamodb"), localcloud.service("stock")["stock_table"]
    in_the_way = {"pk": {"S": salt}, "sk": {"S": batch_sort_key(line_150)}}
    dynamodb.put_item(TableName=table, Item=in_the_way | {"quantity": {"N": "1"}})
    stock.deliver(key, "\n".join(lines) + "\n")  # its own notification dies the same way, retried or not

    event = notification(stock, key, localcloud.region)
    died = localcloud.cloud.invoke(INGEST, event)
    assert not died.ok and "beyond the delivery's progress" in died.payload["errorMessage"], died.payload
    assert stock.report(key) is None

    def take_it_away() -> bool:
        # The upload's own notification is retried meanwhile, and its transactions hold the row a moment: on the harsh
        # cloud a delete then meets a TransactionConflict, as on AWS.
        try:
            dynamodb.delete_item(TableName=table, Key=in_the_way)
        except dynamodb.exceptions.TransactionConflictException:
            return False
        return True

    eventually(take_it_away, "the batch row in line 150's way deleted", timeout=30)
    resumed = localcloud.cloud.invoke(INGEST, event)  # the notification retried: it resumes past the progress
    assert resumed.ok, resumed.payload

    report = stock.wait_for_report(key)
    reason = (
        f"{anchovy} already holds {MAX_BATCHES_PER_INGREDIENT:,} batches, the most one ingredient can hold: "
        "use or let expire some first"
    )
    assert report["rejected"] == [{"line": line, "reason": reason} for line in refused]
    assert (report["accepted"], report["rejectedCount"]) == (296, 3)
    assert report["quantities"] == {salt: 296}
    assert stock.level(salt)["quantity"] == 296, "each salt row once, line 150 included"
    assert stock.level(anchovy)["quantity"] == MAX_BATCHES_PER_INGREDIENT, "no anchovy batch beyond its room"
