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


def records(*data: str) -> list[StreamRecord]:
    return [StreamRecord("ham", d.encode()) for d in data]


def test_refused_entries_are_sent_again_alone_until_they_are_on_the_stream():
    kinesis, clock = FakeKinesis(refusing={b"b": 2, b"d": 1}), FakeClock()
    refused = put_records(kinesis, "levels", records("a", "b", "c", "d"), deadline=deadline_in(10, clock))
    assert refused == []
    assert kinesis.calls == [[b"a", b"b", b"c", b"d"], [b"b", b"d"], [b"b"]]
    assert [data for _, data in kinesis.stream] == [b"a", b"c", b"d", b"b"]  # a retried entry lands after later ones
    assert len(clock.pauses) == 2  # a jittered pause before each sending again


def test_at_the_deadline_the_indexes_still_refused_come_back_and_the_others_are_on_the_stream():
    kinesis, clock = FakeKinesis(refusing={b"b": 1_000}), FakeClock()
    refused = put_records(kinesis, "levels", records("a", "b", "c"), deadline=deadline_in(2, clock))
    assert refused == [1]
    assert [data for _, data in kinesis.stream] == [b"a", b"c"]
    assert clock.now <= 2


def test_a_call_throttled_through_the_deadline_counts_as_all_its_entries_refused():
    throttled = [client_error("ProvisionedThroughputExceededException") for _ in range(1_000)]
    kinesis, clock = FakeKinesis(raising=throttled), FakeClock()
    assert put_records(kinesis, "levels", records("a", "b"), deadline=deadline_in(1, clock)) == [0, 1]


def test_a_call_throttled_once_goes_through_on_a_later_try():
    kinesis, clock = FakeKinesis(raising=[client_error("ProvisionedThroughputExceededException")]), FakeClock()
    assert put_records(kinesis, "levels", records("a", "b"), deadline=deadline_in(10, clock)) == []
    assert [data for _, data in kinesis.stream] == [b"a", b"b"]


def test_an_error_no_retry_fixes_is_raised():
    kinesis, clock = FakeKinesis(raising=[client_error("ResourceNotFoundException")]), FakeClock()
    with pytest.raises(Exception, match="ResourceNotFoundException"):
        put_records(kinesis, "levels", records("a"), deadline=deadline_in(10, clock))


def test_a_batch_is_split_into_calls_of_at_most_500_entries_and_5_mib():
    kinesis, clock = FakeKinesis(), FakeClock()
    many = records(*(f"r{n}" for n in range(MAX_RECORDS_PER_CALL + 1)))
    assert put_records(kinesis, "levels", many, deadline=deadline_in(10, clock)) == []
    assert [len(call) for call in kinesis.calls] == [MAX_RECORDS_PER_CALL, 1]

    kinesis = FakeKinesis()
    big = [StreamRecord("ham", bytes([n]) * (2 * 1024 * 1024)) for n in range(3)]  # 2 MiB each
    assert put_records(kinesis, "levels", big, deadline=deadline_in(10, clock)) == []
    assert [len(call) for call in kinesis.calls] == [2, 1]
    assert [data for _, data in kinesis.stream] == [r.data for r in big]
