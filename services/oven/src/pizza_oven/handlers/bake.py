"""``pizza-oven-bake``: each pizza on NewItems takes a free slot, or joins the waiting line.

A message that can never be baked (broken JSON, a bad id or baking time) is sent to the NewItems
dead-letter queue at once, with its reason as a message attribute, and counts as processed: it never
blocks or slows the queue. A pizza whose baking could not start has its slot given back and is retried.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.aws import client
from pizza_common.observability import instrumented, logger, metrics
from pizza_common.settings import load
from pizza_oven.adapters.ledger import DynamoDbLedger
from pizza_oven.adapters.queues import SqsBell, SqsRejects, SqsWaitingLine
from pizza_oven.adapters.timer import StepFunctionsTimer
from pizza_oven.domain.model import InvalidPizza, parse_order
from pizza_oven.domain.oven import Accepted, accept
from pizza_oven.domain.ports import StartFailed
from pizza_oven.settings import BakeSettings

# A batch where every pizza failed is answered like any other (each reported), not as an error of the function.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

_METRICS = {Accepted.BAKING: "PizzasBaking", Accepted.WAITING: "PizzasWaiting", Accepted.DUPLICATE: "DuplicatesDropped"}


@cache
def _settings() -> BakeSettings:
    return load(BakeSettings)


@cache
def _ports() -> dict[str, Any]:
    settings = _settings()
    return {
        "ledger": DynamoDbLedger(settings.oven_table, client("dynamodb")),
        "line": SqsWaitingLine(settings.waiting_queue_url, client("sqs")),
        "timer": StepFunctionsTimer(settings.bake_state_machine_arn, client("stepfunctions")),
        "bell": SqsBell(settings.wakeups_queue_url, client("sqs")),
    }


def record_handler(record: SQSRecord) -> str:
    settings = _settings()
    try:
        pizza = parse_order(record.body, settings.default_baking_time_secs)
    except InvalidPizza as invalid:
        SqsRejects(settings.new_items_dlq_url, client("sqs")).reject(record.body, str(invalid), record.message_id)
        logger.warning("pizza rejected", extra={"message_id": record.message_id, "reason": str(invalid)})
        metrics.add_metric(name="PizzasRejected", unit=MetricUnit.Count, value=1)
        return "rejected"
    try:
        accepted = accept(
            pizza,
            **_ports(),
            now=lambda: datetime.now(UTC),
            start_grace=timedelta(seconds=settings.start_grace_secs),
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
