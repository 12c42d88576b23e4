"""``pizza-orders-intake``: ``new-order-received`` events (rule -> queue): the order recorded PLACED (the first
event of an order id wins), then its workflow started (reserve-stock, or the whole order workflow).

Partial batch failures: a record whose start failed is retried alone (then dead-lettered by the queue); a
malformed event, or another order under an id already recorded (its id reused), goes to the DLQ at once with
its reason. A duplicate of a decided order starts nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.observability import instrumented, logger, metrics
from pizza_reservations.orders import use_cases
from pizza_reservations.orders.bootstrap import intake
from pizza_reservations.orders.domain import NewOrderReceived, OrderIdReused
from pizza_reservations.orders.handlers._bus import Malformed, read_event

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> str:
    ports = intake()
    try:
        order = read_event(record.body, NewOrderReceived).detail
    except Malformed as error:
        logger.warning("malformed new-order-received", extra={"reason": str(error), "message_id": record.message_id})
        metrics.add_metric(name="OrdersMalformed", unit=MetricUnit.Count, value=1)
        ports.dead_letters.send(record.body, str(error))
        return "dead-lettered"
    try:
        started = use_cases.start_order(
            order, book=ports.book, workflows=ports.workflows, now=lambda: datetime.now(UTC)
        )
    except OrderIdReused as reused:
        # Another order under an id already recorded: never retried (it cannot mend), never near the first order.
        logger.warning("order id reused", extra={"reason": str(reused), "message_id": record.message_id})
        metrics.add_metric(name="OrdersIdReused", unit=MetricUnit.Count, value=1)
        ports.dead_letters.send(record.body, str(reused))
        return "dead-lettered"
    metrics.add_metric(name="OrdersStarted" if started else "OrdersDuplicate", unit=MetricUnit.Count, value=1)
    return "started" if started else "duplicate"


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(
        process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    )
