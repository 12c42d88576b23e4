"""Records onto a Kinesis stream in batches: against a fake of the partial answers moto never gives."""

from __future__ import annotations

from typing import Any

import pytest
from fakes import FakeClock, client_error, deadline_in

from pizza_common.kinesis import MAX_RECORDS_PER_CALL, StreamRecord, put_records


class FakeKinesis:
    """Refuses the entries whose data is in ``refusing`` (each time, or its first ``times`` times), and answers
    each call with ``raising`` instead while that list has errors left."""

    def __init__(self, refusing: dict[bytes, int] | None = None, raising: list[Exception] | None = None) -> None:
        self.refusing = dict(refusing or {})
        self.raising = list(raising or [])
        self.calls: list[list[bytes]] = []
        self.stream: list[tuple[str, bytes]] = []

    def put_records(self, StreamName: str, Records: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append([entry["Data"] for entry in Records])
        if self.raising:
            raise self.raising.pop(0)
        results: list[dict[str, Any]] = []
        for entry in Records:
            left = self.refusing.get(entry["Data"], 0)
            if left:
                self.refusing[entry["Data"]] = left - 1
                results.append({"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "Rate"})
            else:
                self.stream.append((entry["PartitionKey"], entry["Data"]))
                results.append({"SequenceNumber": str(len(self.stream)), "ShardId": "shardId-000000000000"})
        return {"FailedRecordCount": sum("ErrorCode" in r for r in results), "Records": results}


def records(*pairs: str) -> list[StreamRecord]:
    """``"ham:a"`` -> a record of partition key ham, data a."""
    return [StreamRecord(pair.split(":")[0], pair.split(":")[1].encode()) for pair in pairs]


def on_stream(kinesis: FakeKinesis) -> list[str]:
    return [f"{key}:{data.decode()}" for key, data in kinesis.stream]


def test_refused_entries_are_sent_again_until_on_the_stream_and_each_keys_records_keep_their_order():
    kinesis, clock = FakeKinesis(refusing={b"a": 1, b"b": 2}), FakeClock()
    batch = records("ham:a", "olive:b", "ham:c", "basil:d")
    assert put_records(kinesis, "levels", batch, deadline=deadline_in(10, clock)) == []
    # One record of a key a call: ham's c waits for a, which was refused once.
    assert kinesis.calls == [[b"a", b"b", b"d"], [b"a", b"b"], [b"b", b"c"]]
    assert on_stream(kinesis) == ["basil:d", "ham:a", "olive:b", "ham:c"]
    assert len(clock.pauses) == 2  # a jittered pause before each sending again


def test_records_of_one_key_go_one_call_each_in_their_order():
    kinesis, clock = FakeKinesis(), FakeClock()
    assert put_records(kinesis, "levels", records("ham:1", "ham:2", "ham:3"), deadline=deadline_in(10, clock)) == []
    assert kinesis.calls == [[b"1"], [b"2"], [b"3"]]
    assert clock.pauses == []  # nothing refused: no pause between them


def test_at_the_deadline_a_keys_first_refused_record_and_all_after_it_come_back_the_other_keys_are_put():
    kinesis, clock = FakeKinesis(refusing={b"b": 1_000}), FakeClock()
    batch = records("ham:a", "olive:b", "olive:e", "ham:c")
    assert put_records(kinesis, "levels", batch, deadline=deadline_in(2, clock)) == [1, 2]
    assert on_stream(kinesis) == ["ham:a", "ham:c"]  # olive's e never went ahead of b
    assert clock.now <= 2


def test_a_call_throttled_through_the_deadline_counts_as_all_its_entries_refused():
    throttled = [client_error("ProvisionedThroughputExceededException") for _ in range(1_000)]
    kinesis, clock = FakeKinesis(raising=throttled), FakeClock()
    assert put_records(kinesis, "levels", records("ham:a", "olive:b"), deadline=deadline_in(1, clock)) == [0, 1]


def test_a_call_throttled_once_goes_through_on_a_later_try():
    kinesis, clock = FakeKinesis(raising=[client_error("ProvisionedThroughputExceededException")]), FakeClock()
    assert put_records(kinesis, "levels", records("ham:a", "olive:b"), deadline=deadline_in(10, clock)) == []
    assert on_stream(kinesis) == ["ham:a", "olive:b"]


def test_an_error_no_retry_fixes_is_raised():
    kinesis, clock = FakeKinesis(raising=[client_error("ResourceNotFoundException")]), FakeClock()
    with pytest.raises(Exception, match="ResourceNotFoundException"):
        put_records(kinesis, "levels", records("ham:a"), deadline=deadline_in(10, clock))


def test_a_batch_is_split_into_calls_of_at_most_500_entries_and_5_mib():
    kinesis, clock = FakeKinesis(), FakeClock()
    many = records(*(f"item{n}:r{n}" for n in range(MAX_RECORDS_PER_CALL + 1)))
    assert put_records(kinesis, "levels", many, deadline=deadline_in(10, clock)) == []
    assert [len(call) for call in kinesis.calls] == [MAX_RECORDS_PER_CALL, 1]

    kinesis = FakeKinesis()
    big = [StreamRecord(f"item{n}", bytes([n]) * (2 * 1024 * 1024)) for n in range(3)]  # 2 MiB each
    assert put_records(kinesis, "levels", big, deadline=deadline_in(10, clock)) == []
    assert [len(call) for call in kinesis.calls] == [2, 1]
    assert [data for _, data in kinesis.stream] == [r.data for r in big]


class PagedStream:
    """GetRecords as AWS may answer it: one shard whose pages may be empty before the shard's tip."""

    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages

    def list_shards(self, StreamName: str) -> dict[str, Any]:
        return {"Shards": [{"ShardId": "shardId-000000000000"}]}

    def get_shard_iterator(self, **arguments: Any) -> dict[str, Any]:
        assert arguments["ShardIteratorType"] == "TRIM_HORIZON"
        return {"ShardIterator": "0"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        return self.pages[int(ShardIterator)] | {"NextShardIterator": str(int(ShardIterator) + 1)}


def test_a_stream_is_read_from_its_start_past_empty_pages_until_an_empty_page_at_its_tip():
    from pizza_common.kinesis import records_from_start

    def page(records: list[str], behind: int) -> dict[str, Any]:
        return {"Records": [{"Data": data.encode()} for data in records], "MillisBehindLatest": behind}

    stream = PagedStream([page(["a", "b"], 900), page([], 600), page(["c"], 0), page([], 0), page(["never"], 0)])

    assert [record["Data"] for record in records_from_start(stream, "levels")] == [b"a", b"b", b"c"]
