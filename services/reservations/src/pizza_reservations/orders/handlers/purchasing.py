"""``pizza-orders-purchasing``: ``create-purchase-order`` events (rule -> queue) raise purchase orders, at most
one open per item however many arrive, and one per request however often it is delivered (named by it); each
new one starts its create-purchase-order workflow (named by it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.observability import instrumented, logger, metrics
from pizza_reservations.orders import use_cases
from pizza_reservations.orders.bootstrap import purchasing, settings
from pizza_reservations.orders.domain import CreatePurchaseOrder
from pizza_reservations.orders.handlers._bus import detail_of, event_id

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> list[str]:
    request = detail_of(record.body, CreatePurchaseOrder)  # malformed: retried, then the queue's DLQ
    ports = purchasing()
    raised = use_cases.raise_purchase_orders(
        request,
        purchase_orders=ports.purchase_orders,
        workflows=ports.workflows,
        now=lambda: datetime.now(UTC),
        reorder_quantity=settings().reorder_quantity,
        approval_timeout_seconds=settings().approval_timeout_seconds,
        cause=_cause(request, record.body),
    )
    logger.info("purchase orders", extra={"order": request.order_id, "purchase_orders": [p.po_id for p in raised]})
    metrics.add_metric(name="PurchaseOrdersRequested", unit=MetricUnit.Count, value=len(raised))
    return [order.po_id for order in raised]


def _cause(request: CreatePurchaseOrder, body: str) -> str | None:
    """An order's shortfall is named by its order (the default); another publisher's request by its event."""
    if request.order_id:
        return None
    found = event_id(body)
    return f"event {found}" if found else None


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(
        process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    )
