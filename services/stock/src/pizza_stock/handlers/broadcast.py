"""``pizza-stock-broadcast``: every change of an ingredient's level goes to the Kinesis levels stream."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.observability import instrumented, metrics
from pizza_common.settings import load
from pizza_stock.adapters.levels_stream import LevelsStream
from pizza_stock.adapters.table import AGGREGATE, level_from_image
from pizza_stock.settings import LevelsStreamSettings
from pizza_stock.use_cases import broadcast_level

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@cache
def _stream() -> LevelsStream:
    return LevelsStream(load(LevelsStreamSettings).stock_levels_stream)


def record_handler(record: DynamoDBRecord) -> None:
    change = record.raw_event
    if change.get("eventName") not in ("INSERT", "MODIFY"):
        return
    if change["dynamodb"]["Keys"]["sk"]["S"] != AGGREGATE:  # the filter criteria do this on Lambda
        return
    broadcast_level(level_from_image(change["dynamodb"]["NewImage"]), _stream())
    metrics.add_metric(name="LevelChangesBroadcast", unit=MetricUnit.Count, value=1)


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
