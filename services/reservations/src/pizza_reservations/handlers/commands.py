"""``pizza-reservations-commands``: checkout and adjustment commands from the commands queue.

Each is applied exactly once however often it is delivered: a confirm settles a HELD reservation once, an
adjustment claims its id in the same transaction as its event. A failed command is retried, then dead-lettered.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field, TypeAdapter

from pizza_common.observability import instrumented, logger, metrics
from pizza_reservations import use_cases
from pizza_reservations.bootstrap import inventory
from pizza_reservations.domain.model import AdjustItem, ConfirmReservation

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
_COMMAND: TypeAdapter[ConfirmReservation | AdjustItem] = TypeAdapter(
    Annotated[ConfirmReservation | AdjustItem, Field(discriminator="kind")]
)


def _now() -> datetime:
    return datetime.now(UTC)


def record_handler(record: SQSRecord) -> str:
    command = _COMMAND.validate_json(record.body)
    ports = inventory()
    common: dict[str, Any] = {"store": ports.store, "snapshots": ports.snapshots, "requests": ports.requests}
    if isinstance(command, ConfirmReservation):
        settled = use_cases.confirm(command, now=_now, **common)
        status = settled.status.value if settled else "UNKNOWN"
        logger.info("confirm", extra={"reservation": command.reservation_id, "status": status})
        metrics.add_metric(name=f"Confirm{status.title()}", unit=MetricUnit.Count, value=1)
        return status
    outcome = use_cases.adjust(command, now=_now, **common)
    if isinstance(outcome, use_cases.IdReused):
        logger.warning("adjustment id reused with another body", extra={"adjustment": command.adjustment_id})
        metrics.add_metric(name="AdjustmentIdReused", unit=MetricUnit.Count, value=1)
        return "id-reused"
    logger.info("adjustment", extra={"adjustment": command.adjustment_id, "outcome": outcome.outcome})
    metrics.add_metric(name=f"Adjustments{outcome.outcome.title()}", unit=MetricUnit.Count, value=1)
    return outcome.outcome


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(
        process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    )
