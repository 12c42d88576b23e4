import json
import threading

import boto3
from moto import mock_aws

from pizza_place.levels import KinesisLevelFeed, Level, LevelBoard


def record(type_id: str, quantity: int, version: int) -> bytes:
    return json.dumps({"schemaVersion": 1, "typeId": type_id, "quantity": quantity, "version": version}).encode()


def test_the_board_keeps_the_newest_version_and_drops_stale_and_duplicate_records():
    board = LevelBoard()
    assert board.apply(record("ham", 10, 2)) == Level("ham", 10, 2)
    assert board.apply(record("ham", 12, 1)) is None  # older, arrived late
    assert board.apply(record("ham", 10, 2)) is None  # the same record again
    assert board.apply(record("ham", 7, 3)) == Level("ham", 7, 3)
    assert board.quantities() == {"ham": 7}
    assert board.stale == 2


def test_a_record_that_is_not_a_level_is_counted_and_ignored():
    board = LevelBoard()
    assert board.apply(b"not json") is None
    assert board.apply(record("ham", 1, 1)[:-1]) is None
    assert board.apply({"typeId": "ham"}) is None
    assert board.malformed == 3
    assert board.quantities() == {}


def test_each_sample_adds_one_column_of_history_per_ingredient():
    board = LevelBoard(history_length=3)
    board.apply(record("ham", 5, 1))
    for _ in range(4):
        board.sample()
    board.apply(record("ham", 2, 2))
    board.sample()
    assert board.histories() == {"ham": [5, 5, 2]}


@mock_aws
def test_the_feed_reads_every_shard_and_ends_with_the_newest_level_of_each_ingredient():
    kinesis = boto3.client("kinesis", region_name="eu-west-1")
    kinesis.create_stream(StreamName="levels", ShardCount=3)
    kinesis.get_waiter("stream_exists").wait(StreamName="levels")
    ingredients = ["ham", "dough", "basil", "olive", "tomato", "mozzarella"]
    for version in range(1, 4):
        for index, type_id in enumerate(ingredients):
            kinesis.put_record(
                StreamName="levels", PartitionKey=type_id, Data=record(type_id, index * version, version)
            )
    kinesis.put_record(StreamName="levels", PartitionKey="ham", Data=record("ham", 99, 1))  # a late retry
    shards = {s["ShardId"] for s in kinesis.list_shards(StreamName="levels")["Shards"]}
    assert len(shards) == 3

    board = LevelBoard()
    streamed: list[Level] = []
    feed = KinesisLevelFeed(kinesis, "levels", board, on_level=streamed.append)
    while feed.poll_once():
        pass
    assert board.quantities() == {t: i * 3 for i, t in sorted(enumerate(ingredients), key=lambda p: p[1])}
    assert board.stale == 1
    assert feed.records_read == 19

    kinesis.put_record(StreamName="levels", PartitionKey="ham", Data=record("ham", 42, 4))
    stop = threading.Event()
    runner = threading.Thread(target=feed.run, args=(stop,))
    runner.start()
    try:
        for _ in range(100):
            if board.quantities()["ham"] == 42:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        runner.join()
    assert board.quantities()["ham"] == 42
