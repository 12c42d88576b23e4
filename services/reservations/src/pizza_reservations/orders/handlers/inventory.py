"""``pizza-orders-inventory``: check-inventory-level on every ``inventory-changed`` (rule -> queue).

At or below the threshold the item gets its one open purchase order (however many changes arrive); at zero it
is marked OUT OF STOCK and an alert is sent, once per change of status (older versions are ignored).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.observability import instrumented
from pizza_reservations.domain.events import InventoryChanged
from pizza_reservations.orders import use_cases
from pizza_reservations.orders.bootstrap import alerts, purchasing, settings
from pizza_reservations.orders.handlers._bus import read_event

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> str | None:
    change = read_event(record.body, InventoryChanged).detail
    ports = purchasing()
    raised = use_cases.check_inventory_level(
        change.item_id,
        change.version,
        change.available,
        change=change.change,
        adjustment_id=change.adjustment_id,
        threshold=settings().low_stock_threshold,
        purchase_orders=ports.purchase_orders,
        workflows=ports.workflows,
        notifier=alerts(),
        now=lambda: datetime.now(UTC),
        reorder_quantity=settings().reorder_quantity,
        approval_timeout_seconds=settings().approval_timeout_seconds,
    )
    return raised.po_id if raised else None


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(
        process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    )
