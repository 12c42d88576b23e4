"""``pizza-stock-expire``: batches past their best-before leave their ingredient, each exactly once.

Two doors, one effect: a schedule sweeps every minute for batches past their best-before (TTL may lag by
days, or never come), and DynamoDB's TTL removals of batch rows take their batch off at once. The event
source's filter lets through only TTL removals of batch rows; the same test is repeated here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.observability import instrumented, logger, metrics
from pizza_stock import bootstrap
from pizza_stock.adapters.items import BATCH_PREFIX
from pizza_stock.domain import Batch
from pizza_stock.use_cases import expire_batches, sweep_expired

TTL_PRINCIPAL = "dynamodb.amazonaws.com"


class SweepIncomplete(RuntimeError):
    """Some ingredients' expired batches could not be removed (named); every other ingredient's were."""


processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def is_ttl_removal_of_batch(record: DynamoDBRecord) -> bool:
    identity = {str(k).lower(): v for k, v in record.user_identity.items()}  # GetRecords spells Type/PrincipalId
    keys = record.dynamodb.keys if record.dynamodb else {}
    return (
        record.get("eventName") == "REMOVE"
        and identity.get("type") == "Service"
        and identity.get("principalid") == TTL_PRINCIPAL
        and str(keys.get("sk", "")).startswith(BATCH_PREFIX)
    )


def _expired(batches: list[Batch]) -> None:
    for batch in batches:
        logger.info(
            "batch expired", extra={"typeId": batch.type_id, "batchId": batch.batch_id, "left": batch.remaining}
        )
        metrics.add_metric(name="QuantityExpired", unit=MetricUnit.Count, value=batch.remaining)


def record_handler(record: DynamoDBRecord) -> None:
    if not is_ttl_removal_of_batch(record) or record.dynamodb is None:
        return
    old = record.dynamodb.old_image
    _expired(expire_batches(str(old["type_id"]), [str(old["batch_id"])], bootstrap.expire().shelf))


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse | dict[str, int]:
    if event.get("detail-type") == "Scheduled Event":
        swept = sweep_expired(datetime.now(UTC), bootstrap.expire().shelf)
        _expired(swept.removed)
        if swept.failed:  # the function's errors alarm hears of it; the next sweep tries them again
            for type_id, error in swept.failed.items():
                logger.error("expired batches not removed", extra={"typeId": type_id, "error": repr(error)})
            raise SweepIncomplete(f"expired batches of {sorted(swept.failed)} not removed; the others were")
        return {"expired": len(swept.removed)}
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
