"""The orders' ports (typing.Protocol); adapters in :mod:`pizza_reservations.orders.adapters`, fakes in tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from pizza_reservations.orders.domain import (
    LineOutcome,
    Marked,
    Order,
    OrderEvent,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderStatus,
    Usage,
)

__all__ = [
    "Approvals",
    "DeadLetters",
    "Notifier",
    "OrderBook",
    "OrderPublisher",
    "Oven",
    "Pantry",
    "PurchaseOrders",
    "Workflows",
]


class OrderBook(Protocol):
    def get(self, order_id: str) -> Order | None: ...

    def place(self, order: Order) -> Order:
        """Record a new order (with its fingerprint); an order already known is returned as it is (never
        overwritten, whatever ``order`` holds)."""
        ...

    def decide(
        self,
        order_id: str,
        status: OrderStatus,
        at: datetime,
        outcomes: Sequence[LineOutcome] | None,
        reason: str | None,
        decided_by: str | None = None,
    ) -> tuple[Order, bool] | None:
        """Move an order to ``status`` if it is in one of the statuses before it (``TRANSITIONS``); otherwise it
        is returned unchanged. ``outcomes`` None keeps its reservations; ``decided_by`` is kept with the decision.
        The order as it is now, and True if this call moved it (one call does, however many try). None:
        unknown."""
        ...

    def await_oven(self, order_id: str, token: str) -> Order | None:
        """Keep the task token that waits for the oven (never shown nor logged); the order as it is now."""
        ...

    def bake_token(self, order_id: str) -> str | None: ...


class PurchaseOrders(Protocol):
    def raise_for(self, order: PurchaseOrder) -> PurchaseOrder:
        """The item's open purchase order: this one if none was open (claimed atomically), else the open one.
        An id names its request's cause: a cause handled before gets what it raised or found then, open or
        closed."""
        ...

    def get(self, po_id: str) -> PurchaseOrder | None: ...

    def all(self) -> list[PurchaseOrder]: ...

    def await_approval(self, po_id: str, token: str) -> PurchaseOrder | None:
        """Keep the workflow's task token (never shown nor logged) and mark the order AWAITING_APPROVAL."""
        ...

    def token(self, po_id: str) -> str | None: ...

    def request_decision(self, po_id: str, decision: str) -> PurchaseOrder | None:
        """Note an approve/reject on an open order; a different decision already noted or made wins."""
        ...

    def mark_item(self, item_id: str, stock_status: str, version: int) -> Marked:
        """Note an item's stock status as of an inventory version: STALE (older than the one noted: ignored),
        CHANGED (another status than before), UNCHANGED (the same status, or the same version again)."""
        ...

    def close(self, po_id: str, status: PurchaseOrderStatus, at: datetime) -> PurchaseOrder | None:
        """Record the end (APPROVED, REJECTED, TIMED_OUT) once, and free the item for its next purchase order:
        at once, or once approved when its restock is seen (:meth:`release_restocked`; ``RESTOCK_WAIT`` at most)."""
        ...

    def expect_restock(self, po_id: str, item_id: str, at: datetime) -> None:
        """Before its supply is sent: the item's guard, if this order's, waits for the restock (from ``at``, for
        ``RESTOCK_WAIT`` at most) instead of going when the order closes."""
        ...

    def release_restocked(self, item_id: str, po_id: str) -> bool:
        """The restock of approved purchase order ``po_id`` (its adjustment) was seen: free the item, if that
        order still holds it (False: nothing of that order waited)."""
        ...


class Workflows(Protocol):
    def start_reserve_stock(self, order_id: str, document: str) -> None: ...

    def start_order(self, order_id: str, document: str) -> bool:
        """The order workflow (Standard) named by the order: starting it twice starts it once (False)."""
        ...

    def start_purchase_order(self, po_id: str, document: str) -> None:
        """Standard workflow named by the purchase order: starting it twice starts it once."""
        ...


class Approvals(Protocol):
    def resume(self, token: str, decision: str) -> bool:
        """Send the decision to the waiting task; False when the task no longer waits (timed out, done)."""
        ...


class OrderPublisher(Protocol):
    def publish(self, events: Sequence[OrderEvent]) -> None: ...


class Notifier(Protocol):
    def notify(self, subject: str, message: str) -> None: ...


class DeadLetters(Protocol):
    def send(self, body: str, reason: str) -> None: ...


class Pantry(Protocol):
    """The stock service, through its API: an order's ingredients used all or none (transaction id = order id)."""

    def use(self, transaction_id: str, ingredients: Sequence[tuple[str, int]]) -> Usage:
        """Used, or refused with the reason (short, or a recipe the stock service rejects); raises when the
        service could not answer (the state machine retries)."""
        ...


class Oven(Protocol):
    """The oven, through its NewItems queue: it reports the pizza on BakedItems once baked."""

    def bake(self, pizza_id: str, baking_time_secs: int) -> None: ...
