"""``pizza-stock-broadcast``: every change of an ingredient goes to the Kinesis levels stream, with its version.

A stream batch's changes are put together (``PutRecords``, each ingredient's in their order); those the
stream still refused when the time ran out are handed back as the batch's item failures, and the stream sends
them again from the first of them (the changes after it, already put, come again too: a reader keeps the
newest version, so a repeat is harmless).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.observability import instrumented, logger, metrics
from pizza_stock import bootstrap
from pizza_stock.adapters.items import AGGREGATE, ingredient_from_image
from pizza_stock.domain import Ingredient
from pizza_stock.use_cases import broadcast_levels


def ingredient_changed(record: DynamoDBRecord) -> tuple[Ingredient, datetime] | None:
    """The ingredient as the record left it, and when; None for a record that is not a change of a level."""
    change = record.dynamodb
    if record.get("eventName") not in ("INSERT", "MODIFY") or change is None:
        return None
    if change.keys.get("sk") != AGGREGATE:  # the filter criteria do this on Lambda
        return None
    created = change.approximate_creation_date_time
    changed_at = datetime.fromtimestamp(created, UTC) if created else datetime.now(UTC)
    return ingredient_from_image(change.raw_event["NewImage"]), changed_at


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    failed: list[str] = []  # sequence numbers of the records to hand back
    changes: list[tuple[Ingredient, datetime]] = []
    sequences: list[str] = []
    for record in DynamoDBStreamEvent(event).records:
        sequence = str(record.dynamodb.sequence_number if record.dynamodb else "")
        try:
            changed = ingredient_changed(record)
        except Exception:  # a record that cannot be read: its retries, then the failures queue, keep it
            logger.exception("a stream record could not be read", extra={"sequence_number": sequence})
            failed.append(sequence)
            continue
        if changed is not None:
            changes.append(changed)
            sequences.append(sequence)
    if changes:
        broadcast = broadcast_levels(changes, bootstrap.broadcast().levels)
        metrics.add_metric(name="LevelChangesBroadcast", unit=MetricUnit.Count, value=broadcast.published)
        if broadcast.unpublished:
            logger.warning("level changes not put on the stream", extra={"unpublished": len(broadcast.unpublished)})
            failed += [sequences[index] for index in broadcast.unpublished]
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failed]}
