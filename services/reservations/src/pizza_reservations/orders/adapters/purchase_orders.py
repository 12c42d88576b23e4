"""The purchase-orders table (``pk``):

=====================  ==========================================================================
``pk``                 attributes
=====================  ==========================================================================
``PO#<po id>``         ``item_id``, ``quantity``, ``status``, ``reason``, ``created_at``, ``decided_at``,
                       ``approval_timeout_seconds``, ``decision``, ``task_token`` (never returned by the API)
``OPEN#<item id>``     ``po_id``: the item's one open purchase order (the guard; deleted when it closes, or
                       once approved, given ``restocking_until`` and deleted when its restock is seen)
``ITEM#<item id>``     ``stock_status`` (IN STOCK / OUT OF STOCK), ``version`` of the inventory it reflects
``CAUSE#<po id>``      ``po_id``: what the request named by this id (its cause) raised, or found open;
                       ``purge_at`` (TTL): ``CAUSE_MEMORY`` on, when no redelivery can come any more
=====================  ==========================================================================

A purchase order, its cause and its item's ``OPEN#`` guard are written in one transaction, conditional on no
guard and the cause not handled, so two requests for one item can never both open one, and a request handled
again (an id names its cause) finds what it raised or found the first time, open or closed. Closing deletes
the guard in the same transaction, except an approval: its guard stays, with ``restocking_until``, until the
change of its own adjustment (the restock, id = the purchase order's) is seen, or until then (a restock never
seen must not block the item).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pizza_common.dynamodb import (
    Cancelled,
    ConditionFailed,
    Delete,
    Put,
    Update,
    Written,
    every_item,
    get,
    transact,
    write,
)
from pizza_reservations.orders.domain import RESTOCK_WAIT, Marked, PurchaseOrder, PurchaseOrderStatus

__all__ = ["DynamoDbPurchaseOrders"]

_OPEN = {":requested": PurchaseOrderStatus.REQUESTED.value, ":awaiting": PurchaseOrderStatus.AWAITING_APPROVAL.value}
_IS_OPEN = "#status IN (:requested, :awaiting)"
_ATTEMPTS = 20  # the open purchase order closed between our try and our read: try to open ours again
# A cause can come again while its message lives: 15 minutes of receives, then 14 days in a DLQ to redrive.
CAUSE_MEMORY = timedelta(days=15)


def _purchase_order(plain: dict[str, Any]) -> PurchaseOrder:
    return PurchaseOrder(
        po_id=plain["pk"].removeprefix("PO#"),
        item_id=plain["item_id"],
        quantity=int(plain["quantity"]),
        status=PurchaseOrderStatus(plain["status"]),
        created_at=datetime.fromisoformat(plain["created_at"]),
        reason=plain["reason"],
        approval_timeout_seconds=int(plain["approval_timeout_seconds"]),
        decided_at=datetime.fromisoformat(plain["decided_at"]) if plain.get("decided_at") else None,
        decision=plain.get("decision"),
    )


def _purge_at(raised_at: datetime) -> int:
    return int((raised_at + CAUSE_MEMORY).timestamp())


class Contended(RuntimeError):
    """The item kept changing until the deadline (retried by the caller's queue or state machine)."""


class DynamoDbPurchaseOrders:
    """The :class:`~pizza_reservations.orders.ports.PurchaseOrders` port, on the shared write toolkit
    (:mod:`pizza_common.dynamodb`: conflicts and throttling retried within the invocation's deadline)."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def _cause(self, cause_id: str, po_id: str, at: datetime) -> Put:
        """What the request named ``cause_id`` raised or found, if it has not been noted yet."""
        return Put(
            self.table,
            {"pk": f"CAUSE#{cause_id}", "po_id": po_id, "purge_at": _purge_at(at)},
            condition="attribute_not_exists(pk)",
            old_on_failure=True,
        )

    def _await_restock(self, po_id: str, item_id: str, at: datetime) -> Update:
        """The item's guard, if ``po_id``'s, waits for the restock until ``at`` + ``RESTOCK_WAIT``."""
        return Update(
            self.table,
            {"pk": f"OPEN#{item_id}"},
            "SET restocking_until = if_not_exists(restocking_until, :until)",
            condition="po_id = :po",
            values={":po": po_id, ":until": (at + RESTOCK_WAIT).isoformat()},
        )

    def _read(self, pk: str) -> dict[str, Any] | None:
        return get(self.client, self.table, {"pk": pk})

    def get(self, po_id: str) -> PurchaseOrder | None:
        plain = self._read(f"PO#{po_id}")
        return None if plain is None else _purchase_order(plain)

    def raise_for(self, order: PurchaseOrder) -> PurchaseOrder:
        item = {
            "pk": f"PO#{order.po_id}",
            "kind": "purchase-order",
            "item_id": order.item_id,
            "quantity": order.quantity,
            "status": order.status.value,
            "reason": order.reason,
            "created_at": order.created_at.isoformat(),
            "approval_timeout_seconds": order.approval_timeout_seconds,
        }
        guard = Put(
            self.table,
            {"pk": f"OPEN#{order.item_id}", "po_id": order.po_id},
            # No guard, or an approved order's whose restock was never seen in time.
            condition="attribute_not_exists(pk) OR restocking_until < :now",
            values={":now": order.created_at.isoformat()},
            old_on_failure=True,
        )
        # The cause first: whichever conditions an engine reports, whether it was handled is checked first.
        cause = self._cause(order.po_id, order.po_id, order.created_at)
        for _ in range(_ATTEMPTS):
            outcome = transact(self.client, [cause, Put(self.table, item, condition="attribute_not_exists(pk)"), guard])
            if not isinstance(outcome, Cancelled):
                return order
            if outcome.contended:
                raise Contended(f"purchase orders of {order.item_id} kept changing")
            if outcome.failed(0) or outcome.failed(1):  # the same request again: what it raised or found then
                handled = outcome.old_item(0) or self._read(f"CAUSE#{order.po_id}") or {"po_id": order.po_id}
                return self.get(handled["po_id"]) or order
            held = outcome.old_item(2) or self._read(f"OPEN#{order.item_id}")
            current = self.get(held["po_id"]) if held else None
            if current is not None:
                return self._found(order, current)
        raise Contended(f"could not raise a purchase order for {order.item_id}: the item kept changing")

    def _found(self, order: PurchaseOrder, current: PurchaseOrder) -> PurchaseOrder:
        """The cause found the item's open purchase order: noted under the cause, so that the same request
        delivered again after that order closed finds it again instead of raising another."""
        noted = write(self.client, self._cause(order.po_id, current.po_id, order.created_at))
        if isinstance(noted, ConditionFailed) and noted.old:  # the same request, handled meanwhile by another run
            return self.get(noted.old["po_id"]) or current
        return current

    def all(self) -> list[PurchaseOrder]:
        scan = {
            "TableName": self.table,
            "FilterExpression": "begins_with(pk, :po)",
            "ExpressionAttributeValues": {":po": {"S": "PO#"}},
            "ConsistentRead": True,
        }
        orders = [_purchase_order(item) for item in every_item(lambda start: self.client.scan(**scan, **start))]
        return sorted(orders, key=lambda order: (order.created_at, order.po_id))

    def _update_open(
        self, po_id: str, expression: str, values: dict[str, Any], extra_condition: str = ""
    ) -> PurchaseOrder | None:
        condition = "attribute_exists(pk) AND " + _IS_OPEN + (f" AND {extra_condition}" if extra_condition else "")
        outcome = write(
            self.client,
            Update(self.table, {"pk": f"PO#{po_id}"}, expression, condition=condition, values={**_OPEN, **values}),
            return_values="ALL_NEW",
        )
        if isinstance(outcome, Written) and outcome.attributes:
            return _purchase_order(outcome.attributes)
        return self.get(po_id)

    def await_approval(self, po_id: str, token: str) -> PurchaseOrder | None:
        return self._update_open(po_id, "SET #status = :awaiting, task_token = :token", {":token": token})

    def token(self, po_id: str) -> str | None:
        plain = self._read(f"PO#{po_id}")
        return None if plain is None else plain.get("task_token")

    def request_decision(self, po_id: str, decision: str) -> PurchaseOrder | None:
        return self._update_open(
            po_id,
            "SET decision = :decision",
            {":decision": decision},
            "(attribute_not_exists(decision) OR decision = :decision)",
        )

    def mark_item(self, item_id: str, stock_status: str, version: int) -> Marked:
        outcome = write(
            self.client,
            Update(
                self.table,
                {"pk": f"ITEM#{item_id}"},
                "SET stock_status = :status, version = :version",
                # The same version again writes the same status (a version has one level): it is a repeat.
                condition="attribute_not_exists(version) OR version <= :version",
                values={":status": stock_status, ":version": version},
            ),
            return_values="ALL_OLD",
        )
        if not isinstance(outcome, Written):
            return Marked.STALE  # older than the version noted
        before = outcome.attributes or {}
        if before.get("stock_status") == stock_status:
            return Marked.UNCHANGED
        if before.get("version") is not None and int(before["version"]) == version:
            return Marked.UNCHANGED  # the same change again
        return Marked.CHANGED

    def expect_restock(self, po_id: str, item_id: str, at: datetime) -> None:
        # Not this order's guard (released, or never held): nothing to mark.
        write(self.client, self._await_restock(po_id, item_id, at))

    def release_restocked(self, item_id: str, po_id: str) -> bool:
        outcome = write(
            self.client,
            Delete(
                self.table,
                {"pk": f"OPEN#{item_id}"},
                condition="po_id = :po AND attribute_exists(restocking_until)",
                values={":po": po_id},
            ),
        )
        return isinstance(outcome, Written)

    def close(self, po_id: str, status: PurchaseOrderStatus, at: datetime) -> PurchaseOrder | None:
        current = self.get(po_id)
        if current is None or not current.status.open:
            return current
        # Approved: the guard waits for the restock; otherwise the item is free at once. Never another's guard.
        guard = (
            self._await_restock(po_id, current.item_id, at)
            if status is PurchaseOrderStatus.APPROVED
            else Delete(
                self.table,
                {"pk": f"OPEN#{current.item_id}"},
                condition="attribute_not_exists(pk) OR po_id = :po",
                values={":po": po_id},
            )
        )
        closing = Update(
            self.table,
            {"pk": f"PO#{po_id}"},
            "SET #status = :status, decided_at = :at REMOVE task_token",
            condition=_IS_OPEN,
            values={":status": status.value, ":at": at.isoformat(), **_OPEN},
        )
        outcome = transact(self.client, [closing, guard])
        if isinstance(outcome, Cancelled) and outcome.failed(1) and not outcome.failed(0):
            # The guard is gone (its restock seen before the order closed) or another's: close the order alone.
            write(self.client, closing)
            return self.get(po_id)
        if isinstance(outcome, Cancelled) and outcome.contended:
            raise Contended(f"purchase order {po_id} kept changing")
        return self.get(po_id)  # closed now, by us or by another run
