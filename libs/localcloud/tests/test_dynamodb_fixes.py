"""The emulator's fixes to moto's DynamoDB that keep its semantics and drop its cost in table size.

TransactWriteItems stays atomic without copying whole tables; an upsert writes one INSERT stream record;
a Query on a table's key reads only its partition.
"""

from __future__ import annotations

from typing import Any

import pytest
from moto.dynamodb.models.dynamo_type import Item


def _books(cloud: Any, outputs: dict[str, str], prefix: str, count: int) -> None:
    dynamodb = cloud.client("dynamodb")
    for n in range(count):
        dynamodb.put_item(
            TableName=outputs["books_table"], Item={"isbn": {"S": f"{prefix}-{n}"}, "copies": {"N": str(n)}}
        )


def test_a_cancelled_transaction_leaves_every_item_it_named_as_it_was(cloud: Any, outputs: dict[str, str]) -> None:
    dynamodb, table = cloud.client("dynamodb"), outputs["books_table"]
    _books(cloud, outputs, "rollback", 3)
    before = {n: dynamodb.get_item(TableName=table, Key={"isbn": {"S": f"rollback-{n}"}})["Item"] for n in range(3)}

    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(
            TransactItems=[
                {"Update": {"TableName": table, "Key": {"isbn": {"S": "rollback-0"}},
                            "UpdateExpression": "SET copies = :n", "ExpressionAttributeValues": {":n": {"N": "99"}}}},
                {"Delete": {"TableName": table, "Key": {"isbn": {"S": "rollback-1"}}}},
                {"Put": {"TableName": table, "Item": {"isbn": {"S": "rollback-new"}}}},
                {"Put": {"TableName": table, "Item": {"isbn": {"S": "rollback-2"}},
                         "ConditionExpression": "attribute_not_exists(isbn)"}},
            ]
        )  # fmt: skip

    after = {n: dynamodb.get_item(TableName=table, Key={"isbn": {"S": f"rollback-{n}"}}).get("Item") for n in range(3)}
    assert after == before
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"isbn": {"S": "rollback-new"}})


def test_a_transaction_copies_the_items_it_names_not_the_whole_table(
    cloud: Any, outputs: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _books(cloud, outputs, "copies", 150)
    copied: list[int] = []
    original = Item.__deepcopy__

    def counting(self: Item, memo: dict[int, Any]) -> Item:
        copied.append(1)
        return original(self, memo)

    monkeypatch.setattr(Item, "__deepcopy__", counting)
    cloud.client("dynamodb").transact_write_items(
        TransactItems=[
            {"Update": {"TableName": outputs["books_table"], "Key": {"isbn": {"S": f"copies-{n}"}},
                        "UpdateExpression": "ADD copies :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}
            for n in range(2)
        ]
    )  # fmt: skip
    assert len(copied) < 20, f"{len(copied)} item copies for a transaction of 2 items in a table of 150+"


def test_an_update_that_creates_its_item_gives_one_insert_record_with_the_whole_item(
    cloud: Any, outputs: dict[str, str]
) -> None:
    dynamodb, streams = cloud.client("dynamodb"), cloud.client("dynamodbstreams")
    stream = outputs["books_stream_arn"]
    shard = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stream, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]

    dynamodb.update_item(
        TableName=outputs["books_table"],
        Key={"isbn": {"S": "upserted"}},
        UpdateExpression="ADD copies :one SET title = :title",
        ExpressionAttributeValues={":one": {"N": "1"}, ":title": {"S": "Upserted"}},
    )

    records = [r for r in streams.get_records(ShardIterator=iterator)["Records"]
               if r["dynamodb"]["Keys"]["isbn"]["S"] == "upserted"]  # fmt: skip
    assert [(r["eventName"], sorted(r["dynamodb"]["NewImage"])) for r in records] == [
        ("INSERT", ["copies", "isbn", "title"])
    ]


def test_a_query_on_the_table_key_reads_only_its_partition_and_answers_as_before(
    cloud: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.dynamodb.models import dynamodb_backends

    dynamodb = cloud.client("dynamodb")
    dynamodb.create_table(
        TableName="partition-orders",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )
    for pk, count in (("wanted", 5), ("other", 50)):
        for n in range(count):
            dynamodb.put_item(TableName="partition-orders", Item={"pk": {"S": pk}, "sk": {"S": f"{n:03d}"}})

    class Untouchable(dict):  # type: ignore[type-arg]
        def values(self) -> Any:
            raise AssertionError("the query read another partition")

    table = dynamodb_backends[cloud.account][cloud.region].tables["partition-orders"]
    other = next(key for key in table.items if key.value == "other")
    monkeypatch.setitem(table.items, other, Untouchable(table.items[other]))

    def query(**extra: Any) -> dict[str, Any]:
        return dynamodb.query(  # type: ignore[no-any-return]
            TableName="partition-orders",
            KeyConditionExpression="pk = :pk AND begins_with(sk, :zero)",
            ExpressionAttributeValues={":pk": {"S": "wanted"}, ":zero": {"S": "0"}},
            **extra,
        )

    first = query(Limit=2)
    rest = query(ExclusiveStartKey=first["LastEvaluatedKey"])
    backwards = query(ScanIndexForward=False)
    assert [i["sk"]["S"] for i in first["Items"] + rest["Items"]] == ["000", "001", "002", "003", "004"]
    assert [i["sk"]["S"] for i in backwards["Items"]] == ["004", "003", "002", "001", "000"]
