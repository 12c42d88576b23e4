"""The :class:`~pizza_stock.ports.LevelsBroadcast` on the Kinesis levels stream: one record per change of an
ingredient, partition key = ``typeId``, body :class:`~pizza_stock.domain.events.LevelChanged` (the schema in
``events/level-changed.schema.json``); a stream batch's changes go in ``PutRecords`` calls
(:func:`pizza_common.kinesis.put_records`: one change of an ingredient a call, so each ingredient's keep their
order; refused entries sent again within the invocation's time)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pizza_common import aws
from pizza_common.kinesis import StreamRecord, put_records
from pizza_stock.domain import LevelChanged

__all__ = ["KinesisLevelsBroadcast"]


class KinesisLevelsBroadcast:
    def __init__(self, stream_name: str, client: Any = None) -> None:
        self.name = stream_name
        self.client = client or aws.client("kinesis")

    def publish(self, changes: Sequence[LevelChanged]) -> list[int]:
        return put_records(self.client, self.name, [StreamRecord(c.type_id, c.to_json().encode()) for c in changes])
