"""``pizza-stock-broadcast``: every change of an ingredient goes to the Kinesis levels stream, with its version."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.observability import instrumented, metrics
from pizza_stock import bootstrap
from pizza_stock.adapters.items import AGGREGATE, ingredient_from_image
from pizza_stock.use_cases import broadcast_level

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord) -> None:
    change = record.dynamodb
    if record.get("eventName") not in ("INSERT", "MODIFY") or change is None:
        return
    if change.keys.get("sk") != AGGREGATE:  # the filter criteria do this on Lambda
        return
    created = change.approximate_creation_date_time
    changed_at = datetime.fromtimestamp(created, UTC) if created else datetime.now(UTC)
    if broadcast_level(ingredient_from_image(change.raw_event["NewImage"]), changed_at, bootstrap.broadcast().levels):
        metrics.add_metric(name="LevelChangesBroadcast", unit=MetricUnit.Count, value=1)


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
