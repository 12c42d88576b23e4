"""``pizza-stock-expire``: a batch removed by TTL takes what was left of it off its ingredient's level, once.

The event source's filter lets through only TTL removals of batch rows; the same test is repeated here
so that a mapping without filters cannot turn a usage that drained a batch into a second subtraction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.observability import instrumented, logger, metrics
from pizza_common.settings import load
from pizza_stock.adapters.table import BATCH_PREFIX, ExpiryTable, batch_from_image
from pizza_stock.settings import TableSettings
from pizza_stock.use_cases import expire_batch

TTL_PRINCIPAL = "dynamodb.amazonaws.com"
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@cache
def _table() -> ExpiryTable:
    return ExpiryTable(load(TableSettings).stock_table)


def is_ttl_removal_of_batch(record: dict[str, Any]) -> bool:
    identity = record.get("userIdentity") or {}
    sort_key = record.get("dynamodb", {}).get("Keys", {}).get("sk", {}).get("S", "")
    return (
        record.get("eventName") == "REMOVE"
        and identity.get("type") == "Service"
        and identity.get("principalId") == TTL_PRINCIPAL
        and sort_key.startswith(BATCH_PREFIX)
    )


def record_handler(record: DynamoDBRecord) -> None:
    if not is_ttl_removal_of_batch(record.raw_event):
        return
    batch = batch_from_image(record.raw_event["dynamodb"]["OldImage"])
    if expire_batch(batch, datetime.now(UTC), _table()):
        logger.info("batch expired", extra={"batchId": batch.batch_id, "left": batch.remaining})
        metrics.add_metric(name="QuantityExpired", unit=MetricUnit.Count, value=batch.remaining)


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
