"""The orders' composition root: its ports on AWS, built once per cold start and reused while warm."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pizza_common.aws import client
from pizza_common.settings import load
from pizza_reservations.orders.adapters.dead_letters import SqsDeadLetters
from pizza_reservations.orders.adapters.order_book import DynamoDbOrderBook
from pizza_reservations.orders.adapters.publisher import EventBridgeOrderPublisher, SnsNotifier
from pizza_reservations.orders.adapters.purchase_orders import DynamoDbPurchaseOrders
from pizza_reservations.orders.adapters.workflows import StepFunctionsWorkflows
from pizza_reservations.orders.ports import DeadLetters, Notifier, OrderBook, OrderPublisher, PurchaseOrders, Workflows
from pizza_reservations.orders.settings import OrdersSettings

__all__ = ["Orders", "orders"]


@dataclass(frozen=True)
class Orders:
    settings: OrdersSettings
    book: OrderBook
    purchase_orders: PurchaseOrders
    workflows: Workflows
    publisher: OrderPublisher
    notifier: Notifier
    dead_letters: DeadLetters


@cache
def orders() -> Orders:
    settings = load(OrdersSettings)
    dynamodb = client("dynamodb")
    return Orders(
        settings=settings,
        book=DynamoDbOrderBook(settings.orders_table, dynamodb),
        purchase_orders=DynamoDbPurchaseOrders(settings.purchase_orders_table, dynamodb),
        workflows=StepFunctionsWorkflows(
            settings.reserve_stock_state_machine_arn, settings.purchase_order_state_machine_arn, client("stepfunctions")
        ),
        publisher=EventBridgeOrderPublisher(settings.event_bus_name, client("events")),
        notifier=SnsNotifier(settings.notifications_topic_arn, client("sns")),
        dead_letters=SqsDeadLetters(settings.new_orders_dlq_url, client("sqs")),
    )
