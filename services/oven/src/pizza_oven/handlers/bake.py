"""``pizza-oven-bake``: each pizza on NewItems takes a free slot, or joins the waiting line.

A message that can never be baked (broken JSON, a bad id or baking time, an id another message used) is
sent to the NewItems dead-letter queue at once, with its reason as a message attribute, and counts as
processed: it never blocks or slows the queue. A pizza whose baking could not start is retried.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.observability import instrumented, logger, metrics
from pizza_oven.bootstrap import bake_ports
from pizza_oven.domain.commands import InvalidPizza, parse_order
from pizza_oven.domain.outcomes import Accepted
from pizza_oven.ports import StartFailed
from pizza_oven.use_cases import accept

# A batch where every pizza failed is answered like any other (each reported), not as an error of the function.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

_METRICS = {
    Accepted.BAKING: "PizzasBaking",
    Accepted.WAITING: "PizzasWaiting",
    Accepted.DUPLICATE: "DuplicatesDropped",
    Accepted.REUSED: "PizzasRejected",
}


def record_handler(record: SQSRecord) -> str:
    ports = bake_ports()
    try:
        pizza = parse_order(record.body, ports.settings.default_baking_time_secs)
    except InvalidPizza as invalid:
        ports.rejects.reject(record.body, str(invalid), record.message_id)
        logger.warning("pizza rejected", extra={"message_id": record.message_id, "reason": str(invalid)})
        metrics.add_metric(name="PizzasRejected", unit=MetricUnit.Count, value=1)
        return "rejected"
    try:
        accepted = accept(
            pizza,
            message_id=record.message_id,
            body=record.body,
            ledger=ports.ledger,
            line=ports.line,
            timer=ports.timer,
            bell=ports.bell,
            rejects=ports.rejects,
            now=lambda: datetime.now(UTC),
            start_grace=timedelta(seconds=ports.settings.start_grace_secs),
        )
    except StartFailed as failure:
        logger.error(
            "baking did not start",
            extra={"pizza": pizza.id, "reason": str(failure), "slot_given_back": failure.definite},
        )
        metrics.add_metric(name="BakingStartFailures", unit=MetricUnit.Count, value=1)
        raise
    logger.info("pizza accepted", extra={"pizza": pizza.id, "outcome": accepted.value})
    metrics.add_metric(name=_METRICS[accepted], unit=MetricUnit.Count, value=1)
    return accepted.value


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(
        process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    )
