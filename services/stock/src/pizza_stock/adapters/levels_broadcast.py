"""The :class:`~pizza_stock.ports.LevelsBroadcast` on the Kinesis levels stream: one record per change of an
ingredient, partition key = ``typeId``, body :class:`~pizza_stock.domain.events.LevelChanged` (the schema in
``events/level-changed.schema.json``)."""

from __future__ import annotations

from typing import Any

from pizza_common import aws
from pizza_common.dynamodb import retrying
from pizza_stock.domain import LevelChanged

__all__ = ["KinesisLevelsBroadcast"]


class KinesisLevelsBroadcast:
    def __init__(self, stream_name: str, client: Any = None) -> None:
        self.name = stream_name
        self.client = client or aws.client("kinesis")

    def publish(self, change: LevelChanged) -> None:
        # Throttling (ProvisionedThroughputExceededException) is retried within the invocation's time.
        retrying(
            lambda: self.client.put_record(
                StreamName=self.name, PartitionKey=change.type_id, Data=change.to_json().encode()
            )
        )
