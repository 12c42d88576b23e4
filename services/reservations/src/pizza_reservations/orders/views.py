"""Orders and purchase orders as the API and the state machines show them (camelCase JSON; never a token)."""

from __future__ import annotations

from typing import Any

from pizza_reservations.orders.domain import LineOutcome, Order, PurchaseOrder

__all__ = ["order_json", "outcome_json", "outcomes", "purchase_order_json"]


def outcome_json(outcome: LineOutcome) -> dict[str, Any]:
    shown = {
        "itemId": outcome.item_id,
        "quantity": outcome.quantity,
        "reservationId": outcome.reservation_id,
        "held": outcome.held,
        "available": outcome.available,
    }
    return {**shown, "unknown": True} if outcome.unknown else shown  # between steps only: not kept on the order


def outcomes(values: list[dict[str, Any]]) -> tuple[LineOutcome, ...]:
    return tuple(
        LineOutcome(
            v["itemId"],
            int(v["quantity"]),
            v["reservationId"],
            bool(v["held"]),
            v.get("available"),
            bool(v.get("unknown", False)),
        )
        for v in values
    )


def order_json(order: Order) -> dict[str, Any]:
    return {
        "orderId": order.order_id,
        "status": order.status.value,
        "items": [{"itemId": item_id, "quantity": quantity} for item_id, quantity in order.lines],
        "reservations": [outcome_json(o) for o in order.reservations],
        "reason": order.reason,
        "placedAt": order.placed_at.isoformat(),
        "updatedAt": order.updated_at.isoformat(),
        "bakedAt": order.baked_at.isoformat() if order.baked_at else None,
    }


def purchase_order_json(order: PurchaseOrder) -> dict[str, Any]:
    return {
        "poId": order.po_id,
        "itemId": order.item_id,
        "quantity": order.quantity,
        "status": order.status.value,
        "reason": order.reason,
        "createdAt": order.created_at.isoformat(),
        "decidedAt": order.decided_at.isoformat() if order.decided_at else None,
        "approvalTimeoutSeconds": order.approval_timeout_seconds,
        "decision": order.decision,
    }
