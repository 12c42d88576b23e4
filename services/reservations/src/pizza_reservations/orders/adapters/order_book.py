"""The orders table: one item per order (``pk`` = order id).

``status``, ``lines`` (``[{item_id, quantity}]``), ``reservations`` (each line's outcome), ``reason``,
``placed_at``, ``updated_at``. An order is placed once (conditional put) and decided once (conditional on
PLACED), so duplicate executions of reserve-stock cannot overwrite each other's decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from pizza_common.dynamodb import from_item, to_item, to_value
from pizza_reservations.orders.domain import LineOutcome, Order, OrderStatus

__all__ = ["DynamoDbOrderBook"]


def _conditional_failed(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == "ConditionalCheckFailedException"


def _outcome(outcome: LineOutcome) -> dict[str, Any]:
    return {
        "item_id": outcome.item_id,
        "quantity": outcome.quantity,
        "reservation_id": outcome.reservation_id,
        "held": outcome.held,
        "available": outcome.available,
    }


def _order(item: dict[str, Any]) -> Order:
    plain = from_item(item)
    return Order(
        order_id=plain["pk"],
        lines=tuple((line["item_id"], int(line["quantity"])) for line in plain["lines"]),
        status=OrderStatus(plain["status"]),
        placed_at=datetime.fromisoformat(plain["placed_at"]),
        updated_at=datetime.fromisoformat(plain["updated_at"]),
        reservations=tuple(
            LineOutcome(
                o["item_id"],
                int(o["quantity"]),
                o["reservation_id"],
                bool(o["held"]),
                None if o.get("available") is None else int(o["available"]),
            )
            for o in plain.get("reservations", [])
        ),
        reason=plain.get("reason"),
    )


class DynamoDbOrderBook:
    """The :class:`~pizza_reservations.orders.ports.OrderBook` port."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def get(self, order_id: str) -> Order | None:
        item = self.client.get_item(TableName=self.table, Key={"pk": {"S": order_id}}, ConsistentRead=True).get("Item")
        return None if item is None else _order(item)

    def place(self, order: Order) -> Order:
        item = to_item(
            {
                "pk": order.order_id,
                "status": order.status.value,
                "lines": [{"item_id": item_id, "quantity": quantity} for item_id, quantity in order.lines],
                "reservations": [],
                "placed_at": order.placed_at.isoformat(),
                "updated_at": order.updated_at.isoformat(),
            }
        )
        try:
            self.client.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            if not _conditional_failed(error):
                raise
            known = self.get(order.order_id)
            if known is None:  # it was there a moment ago: orders are never deleted
                raise RuntimeError(f"order {order.order_id} vanished") from error
            return known
        return order

    def decide(
        self, order_id: str, status: OrderStatus, at: datetime, outcomes: Sequence[LineOutcome], reason: str | None
    ) -> Order | None:
        try:
            answer = self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": order_id}},
                UpdateExpression="SET #status = :status, updated_at = :at, reservations = :outcomes, reason = :reason",
                ConditionExpression="#status = :placed",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":status": {"S": status.value},
                    ":placed": {"S": OrderStatus.PLACED.value},
                    ":at": {"S": at.isoformat()},
                    ":outcomes": to_value([_outcome(o) for o in outcomes]),
                    ":reason": to_value(reason),
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if not _conditional_failed(error):
                raise
            return self.get(order_id)
        return _order(answer["Attributes"])
