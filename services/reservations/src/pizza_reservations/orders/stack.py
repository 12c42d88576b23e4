"""The order workflows' resources for the local cloud: the same as ``terraform/modules/order_workflows``
(a test holds the two together). A stack of its own (entry point ``orders``), built on the reservations
stack's tables, commands queue and shared bus, which it names by reference.

Resources, with prefix ``pizza``:

- tables ``pizza-orders-orders`` (``pk`` order id) and ``pizza-orders-purchase-orders`` (``pk``);
- queues ``pizza-orders-new-orders``, ``-purchase-requests``, ``-inventory-changes``, each with a DLQ;
- rules on the shared bus: ``new-order-received``, ``create-purchase-order`` (source ``pizza.orders``) and
  ``inventory-changed`` (source ``pizza.reservations``), each to its queue; the order generator's schedule
  (disabled unless ``generator_enabled``);
- state machines ``pizza-orders-reserve-stock`` (Express), ``pizza-orders-create-purchase-order`` (Standard) and
  ``pizza-orders-order`` (Standard: the whole order, whose steps call the stock API and the oven's NewItems);
- functions ``-intake`` (starts reserve-stock), ``-steps`` (the state machines' tasks), ``-purchasing``
  (create-purchase-order), ``-inventory`` (check-inventory-level), ``-api`` (function URL, AWS_IAM),
  ``-generator``;
- SNS topic ``pizza-orders-notifications`` (approval requests, short orders, OUT OF STOCK alerts).
"""

from __future__ import annotations

from pathlib import Path

from localcloud.stack import (
    Attribute,
    Function,
    FunctionUrl,
    Queue,
    Rule,
    RuleTarget,
    SqsSource,
    Stack,
    StateMachine,
    Table,
    Topic,
)

__all__ = ["ORDER_FILE", "PURCHASE_ORDER_FILE", "RESERVE_STOCK_FILE", "stack"]

STATEMACHINES = Path(__file__).resolve().parents[3] / "statemachines"
RESERVE_STOCK_FILE = STATEMACHINES / "reserve-stock.asl.json"
PURCHASE_ORDER_FILE = STATEMACHINES / "create-purchase-order.asl.json"
ORDER_FILE = STATEMACHINES / "order.asl.json"
DLQ_RETENTION_SECONDS = 1_209_600
MAX_RECEIVE_COUNT = 5


def stack(prefix: str = "pizza", *, generator_enabled: bool = False) -> Stack:
    def name(thing: str) -> str:
        return f"{prefix}-orders-{thing}"

    def reservations(thing: str) -> str:
        return f"{prefix}-reservations-{thing}"

    bus = f"{prefix}-shared-events"
    orders_table, purchase_orders_table = name("orders"), name("purchase-orders")
    new_orders, purchase_requests, inventory_changes = (
        name("new-orders"),
        name("purchase-requests"),
        name("inventory-changes"),
    )
    reserve_stock, purchase_order, order = name("reserve-stock"), name("create-purchase-order"), name("order")
    steps, topic = name("steps"), name("notifications")
    environment = {
        "POWERTOOLS_SERVICE_NAME": "orders",
        "POWERTOOLS_METRICS_NAMESPACE": "CloudPizzaPlace",
        "LOG_LEVEL": "INFO",
        "ORDERS_TABLE": f"${{table.{orders_table}.name}}",
        "PURCHASE_ORDERS_TABLE": f"${{table.{purchase_orders_table}.name}}",
        "RESERVE_STOCK_STATE_MACHINE_ARN": f"${{state_machine.{reserve_stock}.arn}}",
        "PURCHASE_ORDER_STATE_MACHINE_ARN": f"${{state_machine.{purchase_order}.arn}}",
        "ORDER_STATE_MACHINE_ARN": f"${{state_machine.{order}.arn}}",
        "EVENT_BUS_NAME": f"${{bus.{bus}.name}}",
        "NOTIFICATIONS_TOPIC_ARN": f"${{topic.{topic}.arn}}",
        "NEW_ORDERS_DLQ_URL": f"${{queue.{new_orders}-dlq.url}}",
        "PURCHASE_REQUESTS_DLQ_URL": f"${{queue.{purchase_requests}-dlq.url}}",
        "HOLD_SECONDS": "900",
        "LOW_STOCK_THRESHOLD": "2",
        "REORDER_QUANTITY": "20",
        "APPROVAL_TIMEOUT_SECONDS": "3600",
    }
    # The functions that reserve and adjust go through the reservations use cases, on that service's tables.
    reserving = {
        **environment,
        "EVENTS_TABLE": f"${{table.{reservations('events')}.name}}",
        "REQUESTS_TABLE": f"${{table.{reservations('requests')}.name}}",
        "SNAPSHOTS_TABLE": f"${{table.{reservations('snapshots')}.name}}",
        "ITEMS_TABLE": f"${{table.{reservations('items')}.name}}",
        "GATES_TABLE": f"${{table.{reservations('gates')}.name}}",
        "ARCHIVE_BUCKET": f"${{bucket.{reservations('archive')}.name}}",
        "COMMANDS_QUEUE_URL": f"${{queue.{reservations('commands')}.url}}",
        "CHANGES_STREAM": f"${{stream.{reservations('changes')}.name}}",
        # The kitchen's doors: the stock service's API and the oven's NewItems queue (the order workflow).
        "STOCK_API_URL": f"${{function.{prefix}-stock-api.url}}",
        "OVEN_NEW_ITEMS_QUEUE_URL": f"${{queue.{prefix}-oven-new-items.url}}",
    }

    def queue_with_dlq(queue: str, visibility: int) -> tuple[Queue, Queue]:
        return (
            Queue(
                name=queue,
                visibility_timeout=visibility,
                dead_letter_queue=f"{queue}-dlq",
                max_receive_count=MAX_RECEIVE_COUNT,
            ),
            Queue(name=f"{queue}-dlq", message_retention_seconds=DLQ_RETENTION_SECONDS),
        )

    def on_bus(rule: str, source: str, detail_type: str, queue: str) -> Rule:
        return Rule(
            name=name(rule),
            event_bus=bus,
            event_pattern={"source": [source], "detail-type": [detail_type]},
            targets=(RuleTarget(kind="queue", name=queue),),
        )

    def consumer(thing: str, handler: str, queue: str, env: dict[str, str]) -> Function:
        return Function(
            name=name(thing),
            handler=f"pizza_reservations.orders.handlers.{handler}.handler",
            environment=env,
            timeout=30,
            event_sources=(SqsSource(queue=queue, batch_size=10),),
        )

    substitutions = {"partition": "aws", "steps_function_arn": f"${{function.{steps}.arn}}"}
    return Stack(
        name="orders",
        tables=(
            Table(name=orders_table, hash_key=Attribute(name="pk")),
            Table(name=purchase_orders_table, hash_key=Attribute(name="pk"), ttl_attribute="purge_at"),
        ),
        queues=(
            *queue_with_dlq(new_orders, 6 * 30),
            *queue_with_dlq(purchase_requests, 6 * 30),
            *queue_with_dlq(inventory_changes, 6 * 30),
        ),
        topics=(Topic(name=topic),),
        rules=(
            on_bus("new-order-received", "pizza.orders", "new-order-received", new_orders),
            on_bus("create-purchase-order", "pizza.orders", "create-purchase-order", purchase_requests),
            on_bus("inventory-changed", "pizza.reservations", "inventory-changed", inventory_changes),
            Rule(
                name=name("generator"),
                schedule_expression="rate(1 minute)",
                targets=(RuleTarget(kind="function", name=name("generator")),),
                enabled=generator_enabled,
            ),
        ),
        functions=(
            consumer("intake", "intake", new_orders, environment),
            # It reads the reservations' events too: an item with none is not on the menu, never ordered.
            consumer("purchasing", "purchasing", purchase_requests, reserving),
            consumer("inventory", "inventory", inventory_changes, environment),
            Function(
                name=steps,
                handler="pizza_reservations.orders.handlers.steps.handler",
                environment=reserving,
                timeout=30,
            ),
            Function(
                name=name("api"),
                handler="pizza_reservations.orders.handlers.api.handler",
                environment=environment,
                timeout=29,
                url=FunctionUrl(authorization="AWS_IAM"),
            ),
            Function(
                name=name("generator"),
                handler="pizza_reservations.orders.handlers.generator.handler",
                environment=environment,
                timeout=30,
            ),
        ),
        state_machines=(
            StateMachine(
                name=reserve_stock,
                definition_file=RESERVE_STOCK_FILE,
                substitutions={
                    **substitutions,
                    "event_bus_name": f"${{bus.{bus}.name}}",
                    "notifications_topic_arn": f"${{topic.{topic}.arn}}",
                },
                type="EXPRESS",
            ),
            StateMachine(
                name=purchase_order,
                definition_file=PURCHASE_ORDER_FILE,
                substitutions=substitutions,
                type="STANDARD",
            ),
            StateMachine(
                name=order,
                definition_file=ORDER_FILE,
                substitutions={**substitutions, "event_bus_name": f"${{bus.{bus}.name}}"},
                type="STANDARD",
            ),
        ),
        outputs={
            "orders_api_url": f"${{function.{name('api')}.url}}",
            "orders_table": f"${{table.{orders_table}.name}}",
            "purchase_orders_table": f"${{table.{purchase_orders_table}.name}}",
            "new_orders_queue_url": f"${{queue.{new_orders}.url}}",
            "new_orders_dlq_url": f"${{queue.{new_orders}-dlq.url}}",
            "inventory_changes_queue_url": f"${{queue.{inventory_changes}.url}}",
            "purchase_requests_queue_url": f"${{queue.{purchase_requests}.url}}",
            "purchase_requests_dlq_url": f"${{queue.{purchase_requests}-dlq.url}}",
            "reserve_stock_state_machine_arn": f"${{state_machine.{reserve_stock}.arn}}",
            "purchase_order_state_machine_arn": f"${{state_machine.{purchase_order}.arn}}",
            "order_state_machine_arn": f"${{state_machine.{order}.arn}}",
            "notifications_topic_arn": f"${{topic.{topic}.arn}}",
            "event_bus_name": f"${{bus.{bus}.name}}",
        },
    )
