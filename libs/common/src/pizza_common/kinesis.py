"""Records onto a Kinesis stream in batches (``PutRecords``), the entries it refused sent again within a deadline,
each partition key's records in their order.

``PutRecords`` answers per entry: when a shard is over its rate (``ProvisionedThroughputExceededException``) or
fails inside (``InternalFailure``), some entries are refused while the others are on the stream, and the SDK
sends none of them again. An entry sent again would land after entries put after it, so :func:`put_records`
puts at most one record of a partition key per call, and a key's next only once the one before is on the
stream. Refused entries are sent again with full-jitter pauses for as long as the deadline allows; what is left
comes back, for the caller to hand back to its event source. A batch of records with distinct keys is one call;
n records of one key are n calls.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from pizza_common.deadline import Deadline, current
from pizza_common.dynamodb.writes import RETRYABLE, error_code, retrying

__all__ = [
    "MAX_BYTES_PER_CALL",
    "MAX_RECORDS_PER_CALL",
    "StreamRecord",
    "bounded_groups",
    "put_records",
    "records_from_start",
]

T = TypeVar("T")

# PutRecords' limits: 500 entries and 5 MiB (data and partition keys) a call.
MAX_RECORDS_PER_CALL = 500
MAX_BYTES_PER_CALL = 5 * 1024 * 1024
# A whole call refused for one of these may go through later; so may an entry refused with any ErrorCode
# (AWS gives only ProvisionedThroughputExceededException and InternalFailure).
_RETRYABLE = RETRYABLE | {"KMSThrottlingException", "InternalFailure"}


@dataclass(frozen=True)
class StreamRecord:
    partition_key: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data) + len(self.partition_key.encode())


def bounded_groups(
    items: Iterable[T], size: Callable[[T], int], *, max_bytes: int, max_count: int | None = None
) -> Iterator[list[T]]:
    """``items`` in consecutive groups, in their order, each of at most ``max_bytes`` (by ``size``) and
    ``max_count`` items: the entries of one call, or the events of one record. An item over ``max_bytes`` goes
    alone."""
    group: list[T] = []
    total = 0
    for item in items:
        item_size = size(item)
        if group and (len(group) == max_count or total + item_size > max_bytes):
            yield group
            group, total = [], 0
        group.append(item)
        total += item_size
    if group:
        yield group


def put_records(
    client: Any, stream_name: str, records: Sequence[StreamRecord], *, deadline: Deadline | None = None
) -> list[int]:
    """Put ``records`` on the stream, each partition key's in their order; the indexes (into ``records``) of
    those not on it when the deadline came: for each key, the first refused and every later one of that key.

    A call holds at most one record of each key, and a key's next record goes only once the one before it is
    on the stream: an entry ``PutRecords`` refused and sent again can then never land after a later one.
    A call the stream refuses as a whole for a reason worth retrying (throttling) counts as all its entries
    refused; any other error (no such stream, no permission) is raised.
    """
    deadline = deadline or current()
    waiting: dict[str, deque[int]] = {}
    for index, record in enumerate(records):
        waiting.setdefault(record.partition_key, deque()).append(index)
    attempt = 0
    while waiting:
        heads = sorted(queue[0] for queue in waiting.values())
        refused = set(_send(client, stream_name, records, heads, deadline))
        for index in heads:
            if index not in refused:
                key = records[index].partition_key
                waiting[key].popleft()
                if not waiting[key]:
                    del waiting[key]
        if refused:
            if not deadline.pause(attempt):
                return sorted(index for queue in waiting.values() for index in queue)
            attempt += 1
    return []


def _send(
    client: Any, stream_name: str, records: Sequence[StreamRecord], indexes: list[int], deadline: Deadline
) -> list[int]:
    """One try of ``indexes`` in as few calls as fit; the indexes refused."""
    refused: list[int] = []
    calls = bounded_groups(
        indexes, lambda i: records[i].size, max_bytes=MAX_BYTES_PER_CALL, max_count=MAX_RECORDS_PER_CALL
    )
    for group in calls:
        entries = [{"Data": records[i].data, "PartitionKey": records[i].partition_key} for i in group]
        try:
            answer = retrying(
                partial(client.put_records, StreamName=stream_name, Records=entries),
                deadline=deadline,
                retry_on=_RETRYABLE,
            )
        except ClientError as error:
            if error_code(error) not in _RETRYABLE:
                raise
            refused += group
            continue
        refused += [i for i, result in zip(group, answer["Records"], strict=True) if "ErrorCode" in result]
    return refused


def records_from_start(client: Any, stream: str) -> list[dict[str, Any]]:
    """Every record on ``stream`` from its start (``TRIM_HORIZON``), shard after shard, each in its shard's order,
    as ``GetRecords`` gives them (``PartitionKey``, ``Data``, ``SequenceNumber``, ...): for a client that reads a
    stream once (a test, a bench, the stock client's ``level_records``); a function reads it through its event
    source mapping.

    A shard is read until a page is empty and ``MillisBehindLatest`` is 0: a page may be empty while the shard
    still holds records further on."""
    records: list[dict[str, Any]] = []
    for shard in client.list_shards(StreamName=stream)["Shards"]:
        iterator = client.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = client.get_records(ShardIterator=iterator, Limit=10_000)
            records.extend(page["Records"])
            if not page["Records"] and page.get("MillisBehindLatest", 0) == 0:
                break
            iterator = page.get("NextShardIterator")
    return records
