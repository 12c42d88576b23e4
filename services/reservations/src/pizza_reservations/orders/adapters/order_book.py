"""The orders table: one item per order (``pk`` = order id).

``status``, ``lines`` (``[{item_id, quantity}]``), ``reservations`` (each line's outcome), ``reason``,
``placed_at``, ``updated_at``, ``fingerprint`` (of the event that placed it: the same id with another body is
another order, rejected); for the order workflow also ``bake_token`` (the task token waiting for the oven,
never shown) and ``baked_at``. An order is placed once (conditional put) and each status is reached only from
the statuses before it (``TRANSITIONS``, conditional), so duplicate executions or late steps cannot overwrite
a decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pizza_common.dynamodb import Put, Update, Written, get, write
from pizza_reservations.orders.domain import TRANSITIONS, LineOutcome, Order, OrderStatus

__all__ = ["DynamoDbOrderBook"]


def _outcome(outcome: LineOutcome) -> dict[str, Any]:
    return {
        "item_id": outcome.item_id,
        "quantity": outcome.quantity,
        "reservation_id": outcome.reservation_id,
        "held": outcome.held,
        "available": outcome.available,
    }


def _order(plain: dict[str, Any]) -> Order:
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
        baked_at=datetime.fromisoformat(plain["baked_at"]) if plain.get("baked_at") else None,
        fingerprint=plain.get("fingerprint"),
        decided_by=plain.get("decided_by"),
    )


class DynamoDbOrderBook:
    """The :class:`~pizza_reservations.orders.ports.OrderBook` port."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def get(self, order_id: str) -> Order | None:
        plain = get(self.client, self.table, {"pk": order_id})
        return None if plain is None else _order(plain)

    def place(self, order: Order) -> Order:
        item = {
            "pk": order.order_id,
            "status": order.status.value,
            "lines": [{"item_id": item_id, "quantity": quantity} for item_id, quantity in order.lines],
            "reservations": [],
            "placed_at": order.placed_at.isoformat(),
            "updated_at": order.updated_at.isoformat(),
            **({"fingerprint": order.fingerprint} if order.fingerprint else {}),
        }
        outcome = write(self.client, Put(self.table, item, condition="attribute_not_exists(pk)"))
        if isinstance(outcome, Written):
            return order
        known = self.get(order.order_id)
        if known is None:  # it was there a moment ago: orders are never deleted
            raise RuntimeError(f"order {order.order_id} vanished")
        return known

    def decide(
        self,
        order_id: str,
        status: OrderStatus,
        at: datetime,
        outcomes: Sequence[LineOutcome] | None,
        reason: str | None,
        decided_by: str | None = None,
    ) -> tuple[Order, bool] | None:
        before = TRANSITIONS[status]
        names = {f":from{i}": s.value for i, s in enumerate(before)}
        sets = ["#status = :status", "updated_at = :at"]
        sets += ["reservations = :outcomes"] if outcomes is not None else []
        sets += ["baked_at = :at"] if status is OrderStatus.BAKED else []
        sets += ["reason = :reason"] if reason is not None else []
        sets += ["decided_by = :by"] if decided_by is not None else []
        values: dict[str, Any] = {":status": status.value, ":at": at.isoformat(), **names}
        if decided_by is not None:
            values[":by"] = decided_by
        if outcomes is not None:
            values[":outcomes"] = [_outcome(o) for o in outcomes]
        if reason is not None:
            values[":reason"] = reason
        outcome = write(
            self.client,
            Update(
                self.table,
                {"pk": order_id},
                # A decision no execution names is nobody's: an earlier one's name must not stay with it.
                "SET " + ", ".join(sets) + ("" if decided_by is not None else " REMOVE decided_by"),
                condition=f"#status IN ({', '.join(names)})",
                values=values,
            ),
            return_values="ALL_NEW",
        )
        if isinstance(outcome, Written) and outcome.attributes:
            return _order(outcome.attributes), True
        known = self.get(order_id)
        return None if known is None else (known, False)

    def await_oven(self, order_id: str, token: str) -> Order | None:
        outcome = write(
            self.client,
            Update(
                self.table,
                {"pk": order_id},
                "SET bake_token = :token",
                condition="attribute_exists(pk)",
                values={":token": token},
            ),
            return_values="ALL_NEW",
        )
        if isinstance(outcome, Written) and outcome.attributes:
            return _order(outcome.attributes)
        return None

    def bake_token(self, order_id: str) -> str | None:
        plain = get(self.client, self.table, {"pk": order_id})
        return None if plain is None else plain.get("bake_token")
