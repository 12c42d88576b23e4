"""In-memory fakes of the orders' ports (held to their adapters by contract/test_orders_contract.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from pizza_reservations.orders.domain import (
    RESTOCK_WAIT,
    TRANSITIONS,
    LineOutcome,
    Marked,
    Order,
    OrderEvent,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderStatus,
    Usage,
)


class FakeOrderBook:
    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self.tokens: dict[str, str] = {}

    def get(self, order_id: str) -> Order | None:
        return self.orders.get(order_id)

    def place(self, order: Order) -> Order:
        return self.orders.setdefault(order.order_id, order)

        self.tokens: dict[str, str] = {}

    def decide(
        self,
        order_id: str,
        status: OrderStatus,
        at: datetime,
        outcomes: Sequence[LineOutcome] | None,
        reason: str | None,
        decided_by: str | None = None,
    ) -> tuple[Order, bool] | None:
        order = self.orders.get(order_id)
        if order is None:
            return None
        if order.status not in TRANSITIONS[status]:
            return order, False
        decided = order.decided(
            status, at, order.reservations if outcomes is None else tuple(outcomes), reason or order.reason
        )
        decided = replace(decided, decided_by=decided_by)
        if status is OrderStatus.BAKED:
            decided = replace(decided, baked_at=at)
        self.orders[order_id] = decided
        return decided, True

    def await_oven(self, order_id: str, token: str) -> Order | None:
        if order_id not in self.orders:
            return None
        self.tokens[order_id] = token
        return self.orders[order_id]

    def bake_token(self, order_id: str) -> str | None:
        return self.tokens.get(order_id)


class FakePurchaseOrders:
    def __init__(self) -> None:
        self.orders: dict[str, PurchaseOrder] = {}
        self.open: dict[str, str] = {}
        self.causes: dict[str, str] = {}  # a request's id (its cause) -> what it raised or found
        self.restocking_until: dict[str, datetime] = {}  # item -> the approved order's guard lasts until
        self.tokens: dict[str, str] = {}
        self.items: dict[str, tuple[str, int]] = {}

    def raise_for(self, order: PurchaseOrder) -> PurchaseOrder:
        if order.po_id in self.causes:
            return self.orders[self.causes[order.po_id]]
        until = self.restocking_until.get(order.item_id)
        if until is not None and until < order.created_at:
            self.release_restocked(order.item_id, self.open[order.item_id])
        if order.item_id in self.open:
            self.causes[order.po_id] = self.open[order.item_id]
            return self.orders[self.open[order.item_id]]
        self.open[order.item_id] = order.po_id
        self.orders[order.po_id] = order
        self.causes[order.po_id] = order.po_id
        return order

    def get(self, po_id: str) -> PurchaseOrder | None:
        return self.orders.get(po_id)

    def all(self) -> list[PurchaseOrder]:
        return sorted(self.orders.values(), key=lambda o: (o.created_at, o.po_id))

    def _update_open(self, po_id: str, **changes: object) -> PurchaseOrder | None:
        order = self.orders.get(po_id)
        if order is None or not order.status.open:
            return order
        self.orders[po_id] = replace(order, **changes)  # type: ignore[arg-type]
        return self.orders[po_id]

    def await_approval(self, po_id: str, token: str) -> PurchaseOrder | None:
        order = self._update_open(po_id, status=PurchaseOrderStatus.AWAITING_APPROVAL)
        if order is not None and order.status is PurchaseOrderStatus.AWAITING_APPROVAL:
            self.tokens[po_id] = token
        return order

    def token(self, po_id: str) -> str | None:
        return self.tokens.get(po_id)

    def request_decision(self, po_id: str, decision: str) -> PurchaseOrder | None:
        order = self.orders.get(po_id)
        if order is None or not order.status.open or order.decision not in (None, decision):
            return order
        return self._update_open(po_id, decision=decision)

    def mark_item(self, item_id: str, stock_status: str, version: int) -> Marked:
        before = self.items.get(item_id)
        if before is not None and before[1] > version:
            return Marked.STALE
        self.items[item_id] = (stock_status, version)
        if before is None or (before[0] != stock_status and before[1] != version):
            return Marked.CHANGED
        return Marked.UNCHANGED

    def close(self, po_id: str, status: PurchaseOrderStatus, at: datetime) -> PurchaseOrder | None:
        order = self.orders.get(po_id)
        if order is None or not order.status.open:
            return order
        self.orders[po_id] = replace(order, status=status, decided_at=at)
        self.tokens.pop(po_id, None)
        if self.open.get(order.item_id) == po_id:
            if status is PurchaseOrderStatus.APPROVED:
                self.expect_restock(po_id, order.item_id, at)
            else:
                del self.open[order.item_id]
                self.restocking_until.pop(order.item_id, None)
        return self.orders[po_id]

    def expect_restock(self, po_id: str, item_id: str, at: datetime) -> None:
        if self.open.get(item_id) == po_id:
            self.restocking_until.setdefault(item_id, at + RESTOCK_WAIT)

    def release_restocked(self, item_id: str, po_id: str) -> bool:
        if self.open.get(item_id) != po_id or item_id not in self.restocking_until:
            return False
        del self.restocking_until[item_id], self.open[item_id]
        return True


class FakeWorkflows:
    def __init__(self) -> None:
        self.reserve_stock: list[str] = []
        self.purchase_orders: dict[str, str] = {}  # Standard: one execution per name
        self.orders: dict[str, str] = {}  # Standard: one execution per name

    def start_order(self, order_id: str, document: str) -> bool:
        if order_id in self.orders:
            return False
        self.orders[order_id] = document
        return True

    def start_reserve_stock(self, order_id: str, document: str) -> None:
        self.reserve_stock.append(order_id)

    def start_purchase_order(self, po_id: str, document: str) -> None:
        self.purchase_orders.setdefault(po_id, document)


class FakeApprovals:
    def __init__(self) -> None:
        self.resumed: list[tuple[str, str]] = []
        self.used: set[str] = set()

    def resume(self, token: str, decision: str) -> bool:
        if token in self.used:
            return False
        self.used.add(token)
        self.resumed.append((token, decision))
        return True


class FakeNotifier:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def notify(self, subject: str, message: str) -> None:
        self.sent.append((subject, message))


class FakePublisher:
    def __init__(self) -> None:
        self.published: list[OrderEvent] = []

    def publish(self, events: Sequence[OrderEvent]) -> None:
        self.published.extend(events)


class FakePantry:
    """The stock API: all or none, the first answer again for a repeated transaction id."""

    def __init__(self, levels: dict[str, int]) -> None:
        self.levels = dict(levels)
        self.answers: dict[str, Usage] = {}

    def use(self, transaction_id: str, ingredients: Sequence[tuple[str, int]]) -> Usage:
        if transaction_id in self.answers:
            return self.answers[transaction_id]
        short = [t for t, q in ingredients if self.levels.get(t, 0) < q]
        if short:
            answer = Usage(used=False, reason=f"stock: short of {', '.join(short)}")
        else:
            for t, q in ingredients:
                self.levels[t] -= q
            answer = Usage(used=True)
        self.answers[transaction_id] = answer
        return answer


class FakeOven:
    def __init__(self) -> None:
        self.sent: list[tuple[str, int]] = []

    def bake(self, pizza_id: str, baking_time_secs: int) -> None:
        self.sent.append((pizza_id, baking_time_secs))
