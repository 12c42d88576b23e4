"""Records onto a Kinesis stream in batches (``PutRecords``), the entries it refused sent again within a deadline.

``PutRecords`` answers per entry: when a shard is over its rate (``ProvisionedThroughputExceededException``) or
fails inside (``InternalFailure``), some entries are refused while the others are on the stream, and the SDK
sends none of them again. :func:`put_records` sends the refused ones again, alone, with full-jitter pauses, for
as long as the deadline allows, and returns those still refused, for the caller to hand back to its event source.

A batch keeps no order: AWS promises none for ``PutRecords``, and an entry sent again lands after entries put
after it. Every record put this way must carry what orders it (an item's version), and its readers keep the
newest.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from pizza_common.deadline import Deadline, current
from pizza_common.dynamodb.writes import RETRYABLE, error_code, retrying

__all__ = ["MAX_BYTES_PER_CALL", "MAX_RECORDS_PER_CALL", "StreamRecord", "put_records"]

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


def _calls(indexes: Sequence[int], records: Sequence[StreamRecord]) -> Iterator[list[int]]:
    """``indexes`` in groups that fit one call each, in their order."""
    group: list[int] = []
    size = 0
    for index in indexes:
        record_size = records[index].size
        if group and (len(group) == MAX_RECORDS_PER_CALL or size + record_size > MAX_BYTES_PER_CALL):
            yield group
            group, size = [], 0
        group.append(index)
        size += record_size
    if group:
        yield group


def put_records(
    client: Any, stream_name: str, records: Sequence[StreamRecord], *, deadline: Deadline | None = None
) -> list[int]:
    """Put ``records`` on the stream; the indexes (into ``records``) of those still refused at the deadline.

    A call the stream refuses as a whole for a reason worth retrying (throttling) counts as all its entries
    refused; any other error (no such stream, no permission) is raised.
    """
    deadline = deadline or current()
    pending = list(range(len(records)))
    attempt = 0
    while True:
        refused: list[int] = []
        for group in _calls(pending, records):
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
        if not refused or not deadline.pause(attempt):
            return refused
        pending, attempt = refused, attempt + 1
