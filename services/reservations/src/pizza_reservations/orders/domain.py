"""Orders and purchase orders: pure Python (no boto3, no HTTP, no DynamoDB limits).

Events on the shared bus carry camelCase details (``{"orderId", "items": [{"itemId", "quantity"}]}``), as the
original workflows' events did; the models name their fields in snake_case and speak camelCase by alias.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic.alias_generators import to_camel

from pizza_reservations.domain.model import ITEM_ID_PATTERN, MAX_QUANTITY

__all__ = [
    "BAKE_TIMEOUT_SECONDS",
    "MAX_APPROVAL_SECONDS",
    "MAX_BAKING_SECS",
    "MAX_LINES",
    "ORDER_ID_PATTERN",
    "RESTOCK_WAIT",
    "TRANSITIONS",
    "CreatePurchaseOrder",
    "Held",
    "Ingredient",
    "Kitchen",
    "LineOutcome",
    "Marked",
    "NewOrderReceived",
    "Order",
    "OrderEvent",
    "OrderIdReused",
    "OrderLine",
    "OrderStatus",
    "PurchaseOrder",
    "PurchaseOrderStatus",
    "ReservationIdTaken",
    "StockReserved",
    "StockUnavailable",
    "Tally",
    "Usage",
    "failure_reason",
    "reservation_id",
    "tally",
]

ORDER_ID_PATTERN = r"^[A-Za-z0-9_-]{1,60}$"
MAX_LINES = 20  # a Map state reserves them; an order is a handful of items
MAX_APPROVAL_SECONDS = 7 * 86_400
# The order workflow's Bake task waits for the oven at most BAKE_TIMEOUT_SECONDS (order.asl.json's TimeoutSeconds):
# the pizza may wait for a slot, bake, and wait for the pass. A baking time is at most half of that, so an order
# that bakes for the longest time allowed still has 300 s for the line and the pass.
BAKE_TIMEOUT_SECONDS = 600
MAX_BAKING_SECS = BAKE_TIMEOUT_SECONDS // 2

_OrderId = Annotated[str, StringConstraints(strict=True, pattern=ORDER_ID_PATTERN)]
_ItemId = Annotated[str, StringConstraints(strict=True, pattern=ITEM_ID_PATTERN)]
_Quantity = Annotated[int, Field(strict=True, ge=1, le=MAX_QUANTITY)]


def reservation_id(order_id: str, item_id: str) -> str:
    """The reservation of one line of one order: the same on every delivery, so a replay reserves nothing twice."""
    return f"{order_id}:{item_id}"


# --- events on the shared bus ---------------------------------------------------------------------------


class _Camel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)


class OrderEvent(_Camel):
    """Base of the orders' event details (source ``pizza.orders``); ``detail_type`` names the event."""

    detail_type: ClassVar[str]
    schema_version: int = 1


class OrderLine(_Camel):
    item_id: _ItemId
    quantity: _Quantity


class Ingredient(_Camel):
    type_id: Annotated[str, StringConstraints(strict=True, pattern=ITEM_ID_PATTERN)]
    quantity: _Quantity


class Kitchen(_Camel):
    """What the kitchen makes of an order: the ingredients it uses (stock) and the pizza's baking time (oven)."""

    ingredients: Annotated[tuple[Ingredient, ...], Field(min_length=1, max_length=MAX_LINES)]
    baking_time_secs: Annotated[int, Field(strict=True, ge=1, le=MAX_BAKING_SECS)]


class NewOrderReceived(OrderEvent):
    """``new-order-received``: an order placed (by the shop, the demo or the generator). With ``kitchen`` it
    goes the whole way (the order workflow: reserved, ingredients used, baked, confirmed); without, it is
    only reserved (reserve-stock)."""

    detail_type = "new-order-received"

    order_id: _OrderId
    items: Annotated[tuple[OrderLine, ...], Field(min_length=1, max_length=MAX_LINES)]
    kitchen: Kitchen | None = None

    @field_validator("items")
    @classmethod
    def _one_line_per_item(cls, items: tuple[OrderLine, ...]) -> tuple[OrderLine, ...]:
        seen = [line.item_id for line in items]
        if len(set(seen)) != len(seen):
            raise ValueError("each item appears once (add the quantities)")
        return items

    def fingerprint(self) -> str:
        """What the order is, whatever the order of its lines: two events of one order id with the same
        fingerprint are the same order delivered again; with another, the id was reused for another order."""
        body = {
            "items": sorted([line.item_id, line.quantity] for line in self.items),
            "kitchen": None
            if self.kitchen is None
            else {
                "ingredients": sorted([i.type_id, i.quantity] for i in self.kitchen.ingredients),
                "bakingTimeSecs": self.kitchen.baking_time_secs,
            },
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:32]


class Held(_Camel):
    reservation_id: str
    item_id: str
    quantity: int


class StockReserved(OrderEvent):
    """``stock-reserved``: every line of the order is held."""

    detail_type = "stock-reserved"

    order_id: str
    reservations: tuple[Held, ...]


class Shortfall(_Camel):
    item_id: str
    quantity: int
    available: int


class StockUnavailable(OrderEvent):
    """``stock-unavailable``: some line could not be held; what was held has been released."""

    detail_type = "stock-unavailable"

    order_id: str
    missing: tuple[Shortfall, ...]


class CreatePurchaseOrder(OrderEvent):
    """``create-purchase-order``: ask the supplier for more of these items (at most one open order per item)."""

    detail_type = "create-purchase-order"

    order_id: _OrderId | None = None
    items: Annotated[tuple[OrderLine, ...], Field(min_length=1, max_length=MAX_LINES)]
    # How long the approval may wait; None: the service's default.
    approval_timeout_seconds: Annotated[int, Field(strict=True, ge=1, le=MAX_APPROVAL_SECONDS)] | None = None


# --- orders ---------------------------------------------------------------------------------------------


class OrderStatus(StrEnum):
    PLACED = "PLACED"  # received, being reserved
    RESERVED = "RESERVED"  # every line held (the end of reserve-stock; the order workflow goes on)
    UNAVAILABLE = "UNAVAILABLE"  # reserve-stock: a line could not be held; nothing is held any more
    FAILED = "FAILED"  # the workflow failed after its retries; nothing is held any more
    # The order workflow (an order with a kitchen part) goes on from RESERVED:
    COOKING = "COOKING"  # its ingredients used (stock), the pizza sent to the oven
    BAKED = "BAKED"  # the oven baked it
    CONFIRMED = "CONFIRMED"  # its reservations confirmed: sold
    REFUSED = "REFUSED"  # a step refused it (see the reason); nothing is held any more

    @property
    def final(self) -> bool:
        """Decided: a new start of its workflow changes nothing (RESERVED ends reserve-stock)."""
        return self not in (OrderStatus.PLACED, OrderStatus.COOKING, OrderStatus.BAKED)


# The statuses an order may come from, for each it may go to: a late or repeated step never moves it back.
TRANSITIONS: dict[OrderStatus, tuple[OrderStatus, ...]] = {
    OrderStatus.RESERVED: (OrderStatus.PLACED,),
    OrderStatus.UNAVAILABLE: (OrderStatus.PLACED,),
    OrderStatus.COOKING: (OrderStatus.RESERVED,),
    OrderStatus.BAKED: (OrderStatus.COOKING,),
    OrderStatus.CONFIRMED: (OrderStatus.BAKED,),
    OrderStatus.REFUSED: (OrderStatus.PLACED, OrderStatus.RESERVED, OrderStatus.COOKING, OrderStatus.BAKED),
    OrderStatus.FAILED: (OrderStatus.PLACED, OrderStatus.RESERVED, OrderStatus.COOKING, OrderStatus.BAKED),
}


@dataclass(frozen=True)
class Usage:
    """What the stock service answered to an order's ingredients: used, or refused with the reason."""

    used: bool
    reason: str | None = None


class LineGivenBack(Exception):
    """A replayed line's hold was already given back (released, expired or confirmed) by another run of the same
    order: a duplicate execution of reserve-stock, run at once with the first. That run decides the order; this
    one must not tally it, or it would call the line missing and publish a shortage that is not there."""

    def __init__(self, reservation_id: str, status: str) -> None:
        super().__init__(f"reservation {reservation_id} is {status.lower()}: another run of its order gave it back")


class OrderIdReused(Exception):
    """An order id already recorded for another order (other lines, or another kitchen part): the event is
    rejected and never touches the order recorded under that id."""

    def __init__(self, order_id: str) -> None:
        super().__init__(
            f"orderId: {order_id} is already the id of another order (other items or kitchen part); "
            "an order id is used once"
        )


class ReservationIdTaken(Exception):
    """A line's reservation id (``{orderId}:{itemId}``) is already the id of another reservation (another
    quantity): not this order's hold, so the order must neither count it held nor release it."""

    def __init__(self, reservation_id: str) -> None:
        super().__init__(f"reservation {reservation_id} was made with another body: not this order's")


@dataclass(frozen=True)
class LineOutcome:
    """What reserving one line gave: held, or refused with what was available (``unknown``: the item has no
    events at all, it is not on the menu)."""

    item_id: str
    quantity: int
    reservation_id: str
    held: bool
    available: int | None = None
    unknown: bool = False


@dataclass(frozen=True)
class Order:
    order_id: str
    lines: tuple[tuple[str, int], ...]  # (item id, quantity)
    status: OrderStatus
    placed_at: datetime
    updated_at: datetime
    reservations: tuple[LineOutcome, ...] = ()
    reason: str | None = None
    baked_at: datetime | None = None
    # NewOrderReceived.fingerprint() of the event that placed it (None: placed before fingerprints were kept).
    fingerprint: str | None = None
    # The workflow execution whose write made the latest decision (None: not said), so that a retry of that
    # very write, its answer lost, knows the decision is its own.
    decided_by: str | None = None

    def same_order(self, order: NewOrderReceived) -> bool:
        """Is ``order`` the event that placed this order (delivered again), and not another order with its id?"""
        if self.fingerprint is not None:
            return self.fingerprint == order.fingerprint()
        return sorted(self.lines) == sorted((line.item_id, line.quantity) for line in order.items)

    def decided(
        self, status: OrderStatus, at: datetime, outcomes: tuple[LineOutcome, ...], reason: str | None
    ) -> Order:
        return replace(self, status=status, updated_at=at, reservations=outcomes, reason=reason)


@dataclass(frozen=True)
class Tally:
    """The lines' outcomes summed up: the order is reserved only if every line is held."""

    order_id: str
    outcomes: tuple[LineOutcome, ...]
    held: tuple[LineOutcome, ...] = field(init=False)
    missing: tuple[LineOutcome, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "held", tuple(o for o in self.outcomes if o.held))
        object.__setattr__(self, "missing", tuple(o for o in self.outcomes if not o.held))

    @property
    def all_reserved(self) -> bool:
        return bool(self.outcomes) and not self.missing

    def stock_reserved(self) -> StockReserved:
        return StockReserved(
            order_id=self.order_id,
            reservations=tuple(
                Held(reservation_id=o.reservation_id, item_id=o.item_id, quantity=o.quantity) for o in self.held
            ),
        )

    def stock_unavailable(self) -> StockUnavailable:
        return StockUnavailable(
            order_id=self.order_id,
            missing=tuple(
                Shortfall(item_id=o.item_id, quantity=o.quantity, available=o.available or 0) for o in self.missing
            ),
        )

    def purchase_order_request(self) -> CreatePurchaseOrder | None:
        """More of each missing item that is on the menu; None when none is (an unknown item, one with no
        events, is never ordered from the supplier: approving that would put it on the menu)."""
        wanted = tuple(OrderLine(item_id=o.item_id, quantity=o.quantity) for o in self.missing if not o.unknown)
        return CreatePurchaseOrder(order_id=self.order_id, items=wanted) if wanted else None

    def summary(self) -> str:
        if not self.missing:
            return f"order {self.order_id}: reserved"
        missing = ", ".join(
            f"{o.item_id} (unknown item)"
            if o.unknown
            else f"{o.item_id} ({o.quantity} asked, {o.available or 0} available)"
            for o in self.missing
        )
        return f"order {self.order_id}: short of {missing}"


def tally(order_id: str, outcomes: tuple[LineOutcome, ...]) -> Tally:
    return Tally(order_id, outcomes)


def failure_reason(error: str | None, cause: str | None, limit: int = 300) -> str:
    """A failed step's reason on one line: the error type and its message. A Lambda task's ``Cause`` is its error
    as JSON (``errorType``, ``errorMessage``, ``stackTrace``): the stack trace belongs in the logs, not on the
    order."""
    kind, message = error or "Error", cause or ""
    try:
        document = json.loads(message) if message.lstrip().startswith("{") else None
    except ValueError:
        document = None
    if isinstance(document, dict) and ("errorMessage" in document or "errorType" in document):
        kind = str(document.get("errorType") or kind)
        message = str(document.get("errorMessage") or "")
    text = " ".join((f"{kind}: {message}" if message else kind).split())  # one line
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- purchase orders ------------------------------------------------------------------------------------


class PurchaseOrderStatus(StrEnum):
    REQUESTED = "REQUESTED"  # raised; its workflow is starting
    AWAITING_APPROVAL = "AWAITING_APPROVAL"
    # The adjustment for its quantity is sent (exactly once, keyed by the order's id); the item's guard stays
    # until the restock is seen (RESTOCK_WAIT at most), so no second purchase order is raised meanwhile.
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    TIMED_OUT = "TIMED_OUT"
    FAILED = "FAILED"  # its workflow failed after its retries (an alarm fires); the item is free again

    @property
    def open(self) -> bool:
        return self in (PurchaseOrderStatus.REQUESTED, PurchaseOrderStatus.AWAITING_APPROVAL)


# How long an approved purchase order keeps its item's guard if no restock is seen: the adjustment is applied
# within seconds; after this the item may be ordered again (a lost or refused restock must not block it).
RESTOCK_WAIT = timedelta(minutes=10)


class Marked(StrEnum):
    """What noting an item's stock status as of an inventory version did."""

    CHANGED = "CHANGED"  # a newer version, another status (or the first one seen)
    UNCHANGED = "UNCHANGED"  # a newer version, or the latest one again, with the same status
    STALE = "STALE"  # older than the version already noted: ignored


@dataclass(frozen=True)
class PurchaseOrder:
    po_id: str
    item_id: str
    quantity: int
    status: PurchaseOrderStatus
    created_at: datetime
    reason: str  # why it was raised: "order o-1 short", "at or below threshold 5"
    approval_timeout_seconds: int
    decided_at: datetime | None = None
    # A decision asked for by the API but not yet applied by the workflow (approve/reject is idempotent).
    decision: str | None = None
