"""The orders' composition roots: each kind of function's ports on AWS, built once per cold start and reused
while warm. One root per kind of function, holding only the adapters it uses, so that what a function can
reach (and its IAM policy, which tests/terraform holds to the code) is exactly what it needs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pizza_common.aws import client
from pizza_common.settings import load
from pizza_common.signed_http import SignedHttp
from pizza_reservations import bootstrap as reservations
from pizza_reservations.adapters.commands import SqsCommands
from pizza_reservations.adapters.event_store import DynamoDbEventLog
from pizza_reservations.adapters.snapshots import DynamoDbSnapshots
from pizza_reservations.orders.adapters.dead_letters import SqsDeadLetters
from pizza_reservations.orders.adapters.kitchen import SqsOven, StockApiPantry
from pizza_reservations.orders.adapters.order_book import DynamoDbOrderBook
from pizza_reservations.orders.adapters.publisher import EventBridgeOrderPublisher, SnsNotifier
from pizza_reservations.orders.adapters.purchase_orders import DynamoDbPurchaseOrders
from pizza_reservations.orders.adapters.workflows import StepFunctionsApprovals, StepFunctionsWorkflows
from pizza_reservations.orders.ports import (
    Approvals,
    DeadLetters,
    Notifier,
    OrderBook,
    OrderPublisher,
    Oven,
    Pantry,
    PurchaseOrders,
    Workflows,
)
from pizza_reservations.orders.settings import OrdersSettings
from pizza_reservations.ports import Commands, EventLog, Snapshots

__all__ = [
    "Intake",
    "Purchasing",
    "Steps",
    "adjustments",
    "alerts",
    "api",
    "intake",
    "kitchen",
    "order_book",
    "publisher",
    "purchasing",
    "settings",
    "steps",
]


@cache
def settings() -> OrdersSettings:
    return load(OrdersSettings)


@cache
def order_book() -> OrderBook:
    return DynamoDbOrderBook(settings().orders_table, client("dynamodb"))


@cache
def _purchase_orders() -> PurchaseOrders:
    return DynamoDbPurchaseOrders(settings().purchase_orders_table, client("dynamodb"))


@cache
def _workflows() -> Workflows:
    s = settings()
    return StepFunctionsWorkflows(
        s.reserve_stock_state_machine_arn,
        s.purchase_order_state_machine_arn,
        s.order_state_machine_arn,
        client("stepfunctions"),
    )


@cache
def _notifier() -> Notifier:
    return SnsNotifier(settings().notifications_topic_arn, client("sns"))


@cache
def _approvals() -> Approvals:
    return StepFunctionsApprovals(client("stepfunctions"))


@dataclass(frozen=True)
class Intake:
    """new-order-received: the order book, reserve-stock's starts, the DLQ for malformed events."""

    book: OrderBook
    workflows: Workflows
    dead_letters: DeadLetters


@cache
def intake() -> Intake:
    return Intake(order_book(), _workflows(), SqsDeadLetters(settings().new_orders_dlq_url, client("sqs")))


@dataclass(frozen=True)
class Purchasing:
    """create-purchase-order and check-inventory-level: purchase orders and their workflows' starts."""

    purchase_orders: PurchaseOrders
    workflows: Workflows


@cache
def purchasing() -> Purchasing:
    return Purchasing(_purchase_orders(), _workflows())


@dataclass(frozen=True)
class PurchaseRequests:
    """create-purchase-order: as :class:`Purchasing`, the items' histories read-only (is it on the menu), and
    the DLQ for requests that cannot be (wholly) done."""

    purchasing: Purchasing
    events: EventLog
    snapshots: Snapshots
    dead_letters: DeadLetters


@cache
def purchase_requests() -> PurchaseRequests:
    dynamodb, tables = client("dynamodb"), reservations.settings()
    return PurchaseRequests(
        purchasing(),
        DynamoDbEventLog(tables.events_table, dynamodb),
        DynamoDbSnapshots(tables.snapshots_table, dynamodb),
        SqsDeadLetters(settings().purchase_requests_dlq_url, client("sqs")),
    )


@cache
def alerts() -> Notifier:
    """check-inventory-level's OUT OF STOCK alerts."""
    return _notifier()


@dataclass(frozen=True)
class Steps:
    """The state machines' tasks (besides the reservations' guarded path, :func:`reservations.inventory`)."""

    book: OrderBook
    purchase_orders: PurchaseOrders
    approvals: Approvals
    notifier: Notifier


@cache
def steps() -> Steps:
    return Steps(order_book(), _purchase_orders(), _approvals(), _notifier())


@dataclass(frozen=True)
class Kitchen:
    """The order workflow's kitchen steps: the stock API and the oven's NewItems queue."""

    pantry: Pantry
    oven: Oven


@cache
def kitchen() -> Kitchen:
    s = settings()
    if s.stock_api_url is None or s.oven_new_items_queue_url is None:
        raise RuntimeError("STOCK_API_URL and OVEN_NEW_ITEMS_QUEUE_URL are needed by the order workflow's steps")
    # Signed with the function's own role (lambda:InvokeFunctionUrl on the stock API).
    pantry = StockApiPantry(SignedHttp(s.stock_api_url, timeout=20))
    return Kitchen(pantry, SqsOven(s.oven_new_items_queue_url, client("sqs")))


@dataclass(frozen=True)
class Api:
    book: OrderBook
    purchase_orders: PurchaseOrders
    approvals: Approvals


@cache
def api() -> Api:
    return Api(order_book(), _purchase_orders(), _approvals())


@cache
def publisher() -> OrderPublisher:
    return EventBridgeOrderPublisher(settings().event_bus_name, client("events"))


@cache
def adjustments() -> Commands:
    """The reservations commands queue: an approved purchase order's adjustment is one of its commands."""
    return SqsCommands(reservations.settings().commands_queue_url, client("sqs"))
