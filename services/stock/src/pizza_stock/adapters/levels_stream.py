"""The Kinesis stream of ingredient levels: one record per change, partition key = typeId.

Record body (JSON), ``schemaVersion`` 1: ``{"schemaVersion": 1, "typeId": "ham", "quantity": 120,
"version": 7}``. ``version`` grows by one with every change of that ingredient, so a consumer keeps the
highest version it has seen and drops any record at or below it (duplicates and late retries alike).
"""

from __future__ import annotations

import json
from typing import Any

from pizza_common import aws
from pizza_stock.domain import Level

__all__ = ["SCHEMA_VERSION", "LevelsStream", "level_record"]

SCHEMA_VERSION = 1


def level_record(level: Level) -> dict[str, object]:
    return {"schemaVersion": SCHEMA_VERSION, **level.as_dict()}


class LevelsStream:
    def __init__(self, stream_name: str, client: Any = None) -> None:
        self.name = stream_name
        self.client = client or aws.client("kinesis")

    def publish(self, level: Level) -> None:
        self.client.put_record(
            StreamName=self.name,
            PartitionKey=level.type_id,
            Data=json.dumps(level_record(level)).encode(),
        )
