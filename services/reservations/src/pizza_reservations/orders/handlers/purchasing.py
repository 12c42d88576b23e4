"""``pizza-orders-purchasing``: ``create-purchase-order`` events (rule -> queue) raise purchase orders, at most
one open per item however many arrive, and one per request however often it is delivered (named by it); each
new one starts its create-purchase-order workflow (named by it).

Only items on the menu are ordered (an item with no events would be put on it by an approval). A malformed
event, or one naming an item that is not on the menu, goes to the DLQ at once with its reason (retrying cannot
mend either); the request's other lines are raised first, and a redrive raises nothing twice.
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
from pizza_reservations.orders.bootstrap import purchase_requests, settings
from pizza_reservations.orders.domain import CreatePurchaseOrder
from pizza_reservations.orders.handlers._bus import BusEvent, Malformed, read_event

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> list[str]:
    ports = purchase_requests()
    try:
        delivered = read_event(record.body, CreatePurchaseOrder)
    except Malformed as error:
        _reject(record, str(error), "PurchaseRequestsMalformed")
        return []
    request = delivered.detail
    requested = use_cases.request_purchase_orders(
        request,
        events=ports.events,
        snapshots=ports.snapshots,
        purchase_orders=ports.purchasing.purchase_orders,
        workflows=ports.purchasing.workflows,
        now=lambda: datetime.now(UTC),
        reorder_quantity=settings().reorder_quantity,
        approval_timeout_seconds=settings().approval_timeout_seconds,
        cause=_cause(delivered),
    )
    raised = [order.po_id for order in requested.raised]
    logger.info("purchase orders", extra={"order": request.order_id, "purchase_orders": raised})
    metrics.add_metric(name="PurchaseOrdersRequested", unit=MetricUnit.Count, value=len(raised))
    if requested.unknown:
        names = ", ".join(requested.unknown)
        _reject(record, f"items: {names} not on the menu (no events): never ordered", "PurchaseRequestsUnknownItem")
    return raised


def _reject(record: SQSRecord, reason: str, metric: str) -> None:
    logger.warning("create-purchase-order rejected", extra={"reason": reason, "message_id": record.message_id})
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    purchase_requests().dead_letters.send(record.body, reason)


def _cause(delivered: BusEvent[CreatePurchaseOrder]) -> str | None:
    """An order's shortfall is named by its order (the default); another publisher's request by its event."""
    if delivered.detail.order_id or delivered.event_id is None:
        return None
    return f"event {delivered.event_id}"


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(
        process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    )
