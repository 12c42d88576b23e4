"""What the orders functions read from their environment (Terraform's module ``order_workflows``, and the local
cloud from ``orders/stack.py``). The functions that reserve also read the reservations variables
(:class:`pizza_reservations.settings.ReservationsSettings`)."""

from __future__ import annotations

from pydantic import Field

from pizza_common.settings import ServiceSettings
from pizza_reservations.orders.domain import MAX_APPROVAL_SECONDS

__all__ = ["OrdersSettings"]


class OrdersSettings(ServiceSettings):
    orders_table: str  # ORDERS_TABLE
    purchase_orders_table: str  # PURCHASE_ORDERS_TABLE
    reserve_stock_state_machine_arn: str  # RESERVE_STOCK_STATE_MACHINE_ARN (Express)
    purchase_order_state_machine_arn: str  # PURCHASE_ORDER_STATE_MACHINE_ARN (Standard)
    order_state_machine_arn: str  # ORDER_STATE_MACHINE_ARN (Standard): the whole order, one per order
    # The kitchen's doors (read by the order workflow's steps only): the stock API, the oven's NewItems queue.
    stock_api_url: str | None = None  # STOCK_API_URL
    oven_new_items_queue_url: str | None = None  # OVEN_NEW_ITEMS_QUEUE_URL
    event_bus_name: str  # EVENT_BUS_NAME: the shared bus
    notifications_topic_arn: str  # NOTIFICATIONS_TOPIC_ARN: approval requests and alerts
    new_orders_dlq_url: str  # NEW_ORDERS_DLQ_URL: malformed new-order-received events, with their reason
    # PURCHASE_REQUESTS_DLQ_URL: create-purchase-order events that cannot be (wholly) done, with their reason
    purchase_requests_dlq_url: str
    # An order's lines are held this long: long enough to be made and baked.
    hold_seconds: int = Field(default=900, ge=1, le=86_400)  # HOLD_SECONDS
    low_stock_threshold: int = Field(default=2, ge=0)  # LOW_STOCK_THRESHOLD: at or below, a purchase order
    reorder_quantity: int = Field(default=20, ge=1, le=1_000_000)  # REORDER_QUANTITY
    approval_timeout_seconds: int = Field(default=3_600, ge=1, le=MAX_APPROVAL_SECONDS)  # APPROVAL_TIMEOUT_SECONDS
    # The items the order generator picks from (GENERATOR_ITEMS, comma-separated).
    generator_items: tuple[str, ...] = ("cola", "tiramisu", "pizza-of-the-day")
