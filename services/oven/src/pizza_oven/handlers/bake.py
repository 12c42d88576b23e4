"""``pizza-oven-bake``: each pizza on NewItems takes a free slot, or joins the waiting line.

The batch is accepted in order by one use case (``accept_all``: once one pizza joins the line, those after it
join together, in one transaction); each record is then answered with its own outcome, so a pizza that
failed is retried alone. A message that can never be baked (broken JSON, a bad id or baking time, an id
another message used) is sent to the NewItems dead-letter queue at once, with its reason as a message
attribute, and counts as processed: it never blocks or slows the queue.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.observability import instrumented, logger, metrics
from pizza_oven.bootstrap import BakePorts, bake_ports
from pizza_oven.domain.commands import InvalidPizza, parse_order
from pizza_oven.domain.outcomes import Accepted
from pizza_oven.ports import StartFailed
from pizza_oven.use_cases import Arrival, accept_all

# A batch where every pizza failed is answered like any other (each reported), not as an error of the function.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

_METRICS = {
    Accepted.BAKING: "PizzasBaking",
    Accepted.WAITING: "PizzasWaiting",
    Accepted.DUPLICATE: "DuplicatesDropped",
    Accepted.REUSED: "PizzasRejected",
}
_REJECTED = "rejected"


def _arrival(record: SQSRecord, ports: BakePorts) -> Arrival | str:
    try:
        pizza = parse_order(record.body, ports.settings.default_baking_time_secs)
    except InvalidPizza as invalid:
        ports.rejects.reject(record.body, str(invalid), record.message_id)
        logger.warning("pizza rejected", extra={"message_id": record.message_id, "reason": str(invalid)})
        metrics.add_metric(name="PizzasRejected", unit=MetricUnit.Count, value=1)
        return _REJECTED
    return Arrival(pizza, record.message_id, record.body)


def _accept_batch(records: list[SQSRecord]) -> list[tuple[str | None, Accepted | Exception | str]]:
    """Each record's pizza id (None if rejected) and outcome, in the records' order."""
    ports = bake_ports()
    parsed = [_arrival(record, ports) for record in records]
    arrivals = [arrival for arrival in parsed if isinstance(arrival, Arrival)]
    accepted = iter(
        accept_all(
            arrivals,
            ledger=ports.ledger,
            line=ports.line,
            timer=ports.timer,
            bell=ports.bell,
            rejects=ports.rejects,
            now=lambda: datetime.now(UTC),
            start_grace=timedelta(seconds=ports.settings.start_grace_secs),
        )
    )
    return [
        (arrival.pizza.id, next(accepted)) if isinstance(arrival, Arrival) else (None, arrival) for arrival in parsed
    ]


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = [SQSRecord(raw) for raw in event.get("Records", [])]
    outcomes = iter(_accept_batch(records))

    def record_handler(record: SQSRecord) -> str:
        # The processor goes through the records in their order, as _accept_batch did.
        pizza, outcome = next(outcomes)
        if isinstance(outcome, StartFailed):
            logger.error(
                "baking did not start",
                extra={"pizza": pizza, "reason": str(outcome), "slot_given_back": outcome.definite},
            )
            metrics.add_metric(name="BakingStartFailures", unit=MetricUnit.Count, value=1)
            raise outcome
        if isinstance(outcome, Exception):
            raise outcome
        if outcome != _REJECTED:
            logger.info("pizza accepted", extra={"pizza": pizza, "outcome": str(outcome)})
            metrics.add_metric(name=_METRICS[Accepted(outcome)], unit=MetricUnit.Count, value=1)
        return str(outcome)

    return dict(
        process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    )
