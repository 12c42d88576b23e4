"""A cancelled TransactWriteItems must not cut a table's stream: readers keep seeing every later change."""

from __future__ import annotations

from typing import Any

import pytest


def _read_all(streams: Any, iterator: str) -> tuple[list[dict[str, Any]], str]:
    records: list[dict[str, Any]] = []
    while True:
        answer = streams.get_records(ShardIterator=iterator, Limit=1000)
        iterator = answer["NextShardIterator"]
        if not answer["Records"]:
            return records, iterator
        records += answer["Records"]


def test_a_reader_following_its_iterators_sees_changes_made_after_a_cancelled_transaction(
    cloud: Any, outputs: dict[str, str]
) -> None:
    dynamodb, streams = cloud.client("dynamodb"), cloud.client("dynamodbstreams")
    table, stream = outputs["books_table"], outputs["books_stream_arn"]
    shard = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]["ShardId"]
    _, iterator = _read_all(
        streams,
        streams.get_shard_iterator(StreamArn=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"],
    )
    dynamodb.put_item(TableName=table, Item={"isbn": {"S": "tx-before"}, "title": {"S": "before"}})

    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"isbn": {"S": "tx-cancelled"}, "title": {"S": "never"}}}},
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"isbn": {"S": "tx-before"}, "title": {"S": "again"}},
                        "ConditionExpression": "attribute_not_exists(isbn)",
                    }
                },
            ]
        )
    dynamodb.put_item(TableName=table, Item={"isbn": {"S": "tx-after"}, "title": {"S": "after"}})

    records, _ = _read_all(streams, iterator)
    keys = [r["dynamodb"]["Keys"]["isbn"]["S"] for r in records]
    assert keys == ["tx-before", "tx-after"]  # nothing of the cancelled transaction, and the stream goes on
