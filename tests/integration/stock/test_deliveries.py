"""Deliveries dropped in the bucket become batches and levels, once, with a report beside each file."""

from __future__ import annotations

from datetime import date, timedelta

from stock_target import FAR_BEST_BEFORE, unique

from localcloud.polling import eventually


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

    stock.deliver(key, text)
    again = stock.wait_for_report(key, lambda report: report["uploads"] == 2)
    assert again == first | {"uploads": 2}
    assert stock.level(olive) == before, "neither the quantity nor the version moved"


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
