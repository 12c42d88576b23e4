"""The orders use cases: short functions over the orders' ports and the reservations use cases.

Every line of an order is reserved through :func:`pizza_reservations.use_cases.reserve` (the one guarded
path: availability decided at the instant, appended only if the version is still free), with a reservation id
made of the order and the item, so a redelivered event or a re-run execution never holds twice.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from pizza_common.errors import Conflict, NotFound
from pizza_reservations import use_cases as inventory
from pizza_reservations.bootstrap import Inventory
from pizza_reservations.domain.model import AdjustItem, ConfirmReservation, ReservationStatus, Reserve
from pizza_reservations.orders.domain import (
    CreatePurchaseOrder,
    LineGivenBack,
    LineOutcome,
    Marked,
    NewOrderReceived,
    Order,
    OrderIdReused,
    OrderLine,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderStatus,
    ReservationIdTaken,
    Usage,
    reservation_id,
)
from pizza_reservations.orders.ports import (
    Approvals,
    Notifier,
    OrderBook,
    Oven,
    Pantry,
    PurchaseOrders,
    Workflows,
)
from pizza_reservations.ports import Commands, EventLog, Snapshots

__all__ = [
    "APPROVED",
    "BAKED",
    "REJECTED",
    "Confirmation",
    "Decision",
    "Requested",
    "check_inventory_level",
    "close_purchase_order",
    "confirm_order",
    "decide_purchase_order",
    "place_order",
    "raise_purchase_orders",
    "record_decision",
    "release_order",
    "report_baked",
    "request_approval",
    "request_purchase_orders",
    "reserve_line",
    "send_to_oven",
    "start_order",
    "supply_purchase_order",
    "use_ingredients",
]

Clock = Callable[[], datetime]
APPROVED, REJECTED = "APPROVED", "REJECTED"
BAKED = "BAKED"  # what the oven's waiting task is resumed with


# --- reserve-stock --------------------------------------------------------------------------------------


def start_order(order: NewOrderReceived, *, book: OrderBook, workflows: Workflows, now: Clock) -> bool:
    """Record the order PLACED (once: the first event of an order id wins), then start its workflow unless it is
    decided: the whole order workflow (Standard, named by the order, so a second start is a no-op) for an order
    with a kitchen part, else reserve-stock (only while the order is PLACED). A duplicate of a decided order
    changes nothing; another order under a known id raises :class:`OrderIdReused` and touches nothing."""
    known = place_order(order, book=book, now=now)
    if known.status.final:
        return False
    document = order.model_dump_json(by_alias=True, exclude_none=True)
    if order.kitchen is not None:
        return workflows.start_order(order.order_id, document)
    if known.status is not OrderStatus.PLACED:
        return False
    workflows.start_reserve_stock(order.order_id, document)
    return True


def place_order(order: NewOrderReceived, *, book: OrderBook, now: Clock) -> Order:
    """Record the order as PLACED; the same order already known (a duplicate) comes back as it is. Another
    order under a known id (other lines or kitchen part) raises :class:`OrderIdReused`."""
    moment = now()
    lines = tuple((line.item_id, line.quantity) for line in order.items)
    placed = book.place(
        Order(
            order.order_id,
            lines,
            OrderStatus.PLACED,
            placed_at=moment,
            updated_at=moment,
            fingerprint=order.fingerprint(),
        )
    )
    if not placed.same_order(order):
        raise OrderIdReused(order.order_id)
    return placed


def reserve_line(
    order_id: str,
    item_id: str,
    quantity: int,
    *,
    hold_seconds: int,
    ports: Inventory,
    now: Clock,
) -> LineOutcome:
    """Hold one line through the reservations service's guarded path, idempotent by order and item.

    Raises :class:`LineGivenBack` when the line was held by another run of the same order and given back since:
    that run decides the order; :class:`ReservationIdTaken` when its reservation id is another reservation's.
    A refused line of an item with no events at all is ``unknown`` (not on the menu)."""
    rid = reservation_id(order_id, item_id)
    command = Reserve(reservation_id=rid, item_id=item_id, quantity=quantity, hold_seconds=hold_seconds)
    outcome = inventory.reserve(command, store=ports.store, snapshots=ports.snapshots, requests=ports.requests, now=now)
    if isinstance(outcome, inventory.Granted):
        status = outcome.record.status_at(now())
        if status is not ReservationStatus.HELD:  # a replay: another run of this order gave the hold back
            raise LineGivenBack(rid, status.value)
        return LineOutcome(item_id, quantity, rid, held=True)
    if isinstance(outcome, inventory.Refused):
        available = outcome.record.available
        unknown = not available and _unknown(item_id, ports.store, ports.snapshots)
        return LineOutcome(item_id, quantity, rid, held=False, available=available, unknown=unknown)
    raise ReservationIdTaken(rid)  # never "not held": that would call the line short, and release another's hold


def _unknown(item_id: str, events: EventLog, snapshots: Snapshots) -> bool:
    """An item with no events: never stocked nor adjusted, so not on the menu."""
    return inventory.load_state(item_id, store=events, snapshots=snapshots).version == 0


def release_order(
    order_id: str, lines: Sequence[tuple[str, int]], *, hold_seconds: int, ports: Inventory, now: Clock
) -> int:
    """Give back every hold of an order that will not go ahead (its ids follow from the order and its lines, so
    this works even when the workflow failed half-way); exactly one ``Released`` per hold. A reservation under
    the line's id made with another body (item, quantity or hold time) is not this order's, and is left alone:
    the order's own reserving raised :class:`ReservationIdTaken` for it."""
    released = 0
    for item_id, quantity in lines:
        rid = reservation_id(order_id, item_id)
        known = ports.requests.reservation(rid)
        line = Reserve(reservation_id=rid, item_id=item_id, quantity=quantity, hold_seconds=hold_seconds)
        if known is None or not known.same_request(line):
            continue  # never reserved, or another's
        try:
            record = inventory.release(
                rid,
                store=ports.store,
                snapshots=ports.snapshots,
                requests=ports.requests,
                now=now,
            )
        except (NotFound, Conflict):
            continue  # never reserved, or already sold
        released += record.status is ReservationStatus.RELEASED
    return released


@dataclass(frozen=True)
class Decision:
    """The order after a decision, and whether this call made it (False: it was made before, or it is too late)."""

    order: Order
    changed: bool


# An order ending in these holds nothing any more: its lines are shown not held.
_ENDED_WITHOUT_SALE = (OrderStatus.UNAVAILABLE, OrderStatus.REFUSED, OrderStatus.FAILED)


def record_decision(
    order_id: str,
    status: OrderStatus,
    outcomes: tuple[LineOutcome, ...] | None,
    reason: str | None,
    *,
    book: OrderBook,
    now: Clock,
    decided_by: str | None = None,
) -> Decision:
    """Move the order to ``status`` if it may go there (``TRANSITIONS``), once: ``changed`` tells the one call
    that moved it, which alone publishes what follows from it (a duplicate run publishes nothing).

    ``decided_by`` names the workflow execution asking. A retry of its own write (the write done, its answer
    lost, the task tried again) finds the decision with its name and is told ``changed`` too, so the
    publication that follows is not lost; another execution's run is not."""
    if status in _ENDED_WITHOUT_SALE:
        if outcomes is None:
            known = book.get(order_id)
            outcomes = known.reservations if known is not None else None
        if outcomes is not None:
            outcomes = tuple(replace(o, held=False) for o in outcomes)
    decided = book.decide(order_id, status, now(), outcomes, reason, decided_by)
    if decided is None:
        raise NotFound(f"no order {order_id}")
    order, changed = decided
    own = decided_by is not None and order.decided_by == decided_by and order.status is status
    return Decision(order, changed or own)


# --- the order workflow: the kitchen ------------------------------------------------------------------


def use_ingredients(order_id: str, ingredients: Sequence[tuple[str, int]], *, pantry: Pantry) -> Usage:
    """The stock service takes the order's ingredients, all or none; the order id is the transaction id, so a
    retried step gets the first answer and uses nothing twice."""
    return pantry.use(order_id, ingredients)


def send_to_oven(
    order_id: str, baking_time_secs: int, token: str, *, book: OrderBook, oven: Oven, bakes: Approvals, now: Clock
) -> Order:
    """The workflow waits for the oven: keep its token, then send the pizza (its id is the order's). The token
    is kept before anything is sent, so the pass's report always finds it; a retried step whose pizza is
    already baked is resumed at once."""
    order = book.await_oven(order_id, token)
    if order is None:
        raise NotFound(f"no order {order_id}")
    if order.status is OrderStatus.RESERVED:
        order = record_decision(order_id, OrderStatus.COOKING, None, None, book=book, now=now).order
    if order.status is OrderStatus.BAKED:
        bakes.resume(token, BAKED)
    elif order.status is OrderStatus.COOKING:
        oven.bake(order_id, baking_time_secs)  # the oven takes a repeated pizza id once
    else:
        raise Conflict(f"order {order_id} is {order.status.value}: nothing to bake")
    return order


def report_baked(order_id: str, *, book: OrderBook, bakes: Approvals, now: Clock) -> Order:
    """The pass took the pizza off the oven's BakedItems: the order is BAKED and its workflow resumed (again,
    harmlessly, on a repeated report)."""
    order = book.get(order_id)
    if order is None:
        raise NotFound(f"no order {order_id}")
    if order.status is OrderStatus.COOKING:
        order = record_decision(order_id, OrderStatus.BAKED, None, None, book=book, now=now).order
    if order.status is not OrderStatus.BAKED and order.baked_at is None:
        raise Conflict(f"order {order_id} is {order.status.value}: it is not in the oven")
    token = book.bake_token(order_id)
    if token is not None and order.status is OrderStatus.BAKED:
        bakes.resume(token, BAKED)
    return order


@dataclass(frozen=True)
class Confirmation:
    """What confirming an order gave: every line sold, or the lines that could not be (with why) and the lines
    that had been sold already and whose units were given back by an adjustment."""

    refused: tuple[str, ...] = ()
    returned: tuple[str, ...] = ()

    @property
    def confirmed(self) -> bool:
        return not self.refused

    @property
    def reason(self) -> str | None:
        if not self.refused:
            return None
        returned = f"; sold lines returned: {', '.join(self.returned)}" if self.returned else ""
        return f"confirmation: not confirmed: {', '.join(self.refused)}{returned}"


def confirm_order(
    order_id: str, lines: Sequence[tuple[str, int]], *, ports: Inventory, commands: Commands, now: Clock
) -> Confirmation:
    """Baked: every hold of the order becomes a sale, through the reservations' own confirm (exactly once per
    hold), all or none. First every line is checked still held (or sold by an earlier attempt of this step):
    if one is not, none is confirmed. If a hold is settled by another (released, expired) between that check
    and its confirm, the lines already sold get their units back through one adjustment each
    (``{reservation id}:returned``, exactly once), so a refused order never keeps part of itself sold."""
    rids = [(item_id, quantity, reservation_id(order_id, item_id)) for item_id, quantity in lines]
    refused = [why for item_id, _, rid in rids if (why := _not_confirmable(item_id, rid, ports, now))]
    if not refused:
        for item_id, _, rid in rids:
            record = inventory.confirm(
                ConfirmReservation(reservation_id=rid),
                store=ports.store,
                snapshots=ports.snapshots,
                requests=ports.requests,
                now=now,
            )
            if record is None or record.status is not ReservationStatus.CONFIRMED:
                refused.append(f"{item_id} ({'unknown' if record is None else record.status.value.lower()})")
                break
    if not refused:
        return Confirmation()
    returned = []
    for item_id, quantity, rid in rids:
        record = ports.requests.reservation(rid)
        if record is None or record.status is not ReservationStatus.CONFIRMED or record.quantity != quantity:
            continue
        command = AdjustItem(
            item_id=item_id,
            adjustment_id=_returned_id(rid),
            delta=quantity,
            reason=f"order {order_id} refused at confirmation: {rid} returned",
        )
        inventory.accept_adjustment(command, requests=ports.requests, commands=commands, now=now)
        returned.append(item_id)
    return Confirmation(tuple(refused), tuple(returned))


def _not_confirmable(item_id: str, rid: str, ports: Inventory, now: Clock) -> str | None:
    record = ports.requests.reservation(rid)
    if record is None:
        return f"{item_id} (unknown)"
    status = record.status_at(now())
    if status in (ReservationStatus.HELD, ReservationStatus.CONFIRMED):
        return None
    return f"{item_id} ({status.value.lower()})"


def _returned_id(rid: str) -> str:
    """The adjustment that gives a sold line's units back: one id per reservation, so it applies once."""
    candidate = f"{rid}:returned"
    return candidate if len(candidate) <= 100 else f"returned-{hashlib.sha256(rid.encode()).hexdigest()[:40]}"


# --- purchase orders ------------------------------------------------------------------------------------


def raise_purchase_orders(
    request: CreatePurchaseOrder,
    *,
    purchase_orders: PurchaseOrders,
    workflows: Workflows,
    now: Clock,
    reorder_quantity: int,
    approval_timeout_seconds: int,
    reason: str | None = None,
    cause: str | None = None,
) -> list[PurchaseOrder]:
    """At most one open purchase order per item, however many requests arrive: each line either opens one
    (and starts its workflow, named by it) or finds the item's open one.

    A purchase order is named by what raised it (``cause``: the short order, the inventory change, the event),
    so a redelivery of that cause finds its own purchase order, even after it was closed, and raises no other."""
    cause = cause or (f"order {request.order_id}" if request.order_id else None)
    raised = []
    for line in request.items:
        candidate = PurchaseOrder(
            po_id=purchase_order_id(line.item_id, cause),
            item_id=line.item_id,
            quantity=max(line.quantity, reorder_quantity),
            status=PurchaseOrderStatus.REQUESTED,
            created_at=now(),
            reason=reason or (f"order {request.order_id} short" if request.order_id else "requested"),
            approval_timeout_seconds=request.approval_timeout_seconds or approval_timeout_seconds,
        )
        current = purchase_orders.raise_for(candidate)
        if current.status is PurchaseOrderStatus.REQUESTED:
            # Also when this is a redelivery that found its own order: starting it again starts it once.
            workflows.start_purchase_order(current.po_id, _workflow_input(current))
        raised.append(current)
    return raised


@dataclass(frozen=True)
class Requested:
    """What a create-purchase-order did: the purchase orders of its items on the menu, and the items that are
    not (no events: never stocked nor adjusted), which are never ordered."""

    raised: tuple[PurchaseOrder, ...]
    unknown: tuple[str, ...]


def request_purchase_orders(
    request: CreatePurchaseOrder,
    *,
    events: EventLog,
    snapshots: Snapshots,
    purchase_orders: PurchaseOrders,
    workflows: Workflows,
    now: Clock,
    reorder_quantity: int,
    approval_timeout_seconds: int,
    cause: str | None = None,
) -> Requested:
    """A ``create-purchase-order`` from any publisher: its lines of items on the menu raise (or find) their
    purchase orders; an unknown item is never ordered (approving it would put it on the menu)."""
    known = tuple(line for line in request.items if not _unknown(line.item_id, events, snapshots))
    unknown = tuple(line.item_id for line in request.items if line not in known)
    raised = (
        raise_purchase_orders(
            request.model_copy(update={"items": known}),
            purchase_orders=purchase_orders,
            workflows=workflows,
            now=now,
            reorder_quantity=reorder_quantity,
            approval_timeout_seconds=approval_timeout_seconds,
            cause=cause,
        )
        if known
        else []
    )
    return Requested(tuple(raised), unknown)


def purchase_order_id(item_id: str, cause: str | None) -> str:
    """``po-<item>-<10 hex>``: a digest of the cause (the same cause, the same id), or random without one."""
    tail = hashlib.sha256(cause.encode()).hexdigest() if cause else uuid.uuid4().hex
    return f"po-{item_id}-{tail[:10]}"


def _workflow_input(order: PurchaseOrder) -> str:
    return json.dumps(
        {
            "poId": order.po_id,
            "itemId": order.item_id,
            "quantity": order.quantity,
            "approvalTimeoutSeconds": order.approval_timeout_seconds,
        }
    )


def request_approval(
    po_id: str, token: str, *, purchase_orders: PurchaseOrders, approvals: Approvals, notifier: Notifier
) -> PurchaseOrder:
    """The workflow waits: keep its token (never shown), ask for approval by the order's id, and apply at once a
    decision that arrived before the workflow was waiting."""
    order = purchase_orders.await_approval(po_id, token)
    if order is None:
        raise NotFound(f"no purchase order {po_id}")
    if order.status is PurchaseOrderStatus.AWAITING_APPROVAL:
        notifier.notify(
            f"Purchase order {po_id}: approval needed",
            f"{order.quantity} x {order.item_id} ({order.reason}). "
            f"POST /purchase-orders/{po_id}/approve or /reject (IAM-authorised).",
        )
        if order.decision is not None:
            approvals.resume(token, order.decision)
    return order


def decide_purchase_order(
    po_id: str, decision: str, *, purchase_orders: PurchaseOrders, approvals: Approvals
) -> PurchaseOrder:
    """``POST /purchase-orders/{id}/approve|reject``: idempotent; the other decision after one is a 409."""
    order = purchase_orders.get(po_id)
    if order is None:
        raise NotFound(f"no purchase order {po_id}")
    if not order.status.open:
        if order.status.value == decision:
            return order
        raise Conflict(f"purchase order {po_id} is {order.status.value}", details=_brief(order))
    noted = purchase_orders.request_decision(po_id, decision)
    if noted is None or (noted.decision != decision and noted.status.value != decision):
        current = noted or order
        raise Conflict(
            f"purchase order {po_id} is already {current.decision or current.status.value}", details=_brief(current)
        )
    token = purchase_orders.token(po_id)
    if token is not None:
        approvals.resume(token, decision)  # False: the workflow already moved on (timed out or decided)
    return purchase_orders.get(po_id) or noted


def supply_purchase_order(
    po_id: str, *, purchase_orders: PurchaseOrders, ports: Inventory, commands: Commands, now: Clock
) -> PurchaseOrder:
    """Approved: the ordered quantity arrives as one adjustment (keyed by the purchase order, so exactly once),
    through the reservations service's own adjustment command; then the order is closed. The item stays with
    it until the restock is seen (at most ``RESTOCK_WAIT``): no second purchase order for supply on its way."""
    order = purchase_orders.get(po_id)
    if order is None:
        raise NotFound(f"no purchase order {po_id}")
    command = AdjustItem(
        item_id=order.item_id, adjustment_id=po_id, delta=order.quantity, reason=f"purchase order {po_id}"
    )
    # Before the supply is sent, so that its restock, however soon it is seen, finds the guard waiting for it.
    purchase_orders.expect_restock(po_id, order.item_id, now())
    inventory.accept_adjustment(command, requests=ports.requests, commands=commands, now=now)
    closed = purchase_orders.close(po_id, PurchaseOrderStatus.APPROVED, now())
    return closed or order


def close_purchase_order(
    po_id: str, status: PurchaseOrderStatus, *, purchase_orders: PurchaseOrders, now: Clock
) -> PurchaseOrder:
    closed = purchase_orders.close(po_id, status, now())
    if closed is None:
        raise NotFound(f"no purchase order {po_id}")
    return closed


def _brief(order: PurchaseOrder) -> dict[str, object]:
    return {"poId": order.po_id, "itemId": order.item_id, "status": order.status.value, "decision": order.decision}


# --- check-inventory-level ------------------------------------------------------------------------------


def check_inventory_level(
    item_id: str,
    version: int,
    available: int,
    *,
    change: str,
    adjustment_id: str | None = None,
    threshold: int,
    purchase_orders: PurchaseOrders,
    workflows: Workflows,
    notifier: Notifier,
    now: Clock,
    reorder_quantity: int,
    approval_timeout_seconds: int,
) -> PurchaseOrder | None:
    """At or below the threshold: the item's one open purchase order (raised if none is open). At zero the
    item is marked OUT OF STOCK and an alert sent, once per change of its stock status. An approved purchase
    order keeps the item until the change of its own adjustment (the restock) is seen: its supply is on the
    way, so a low level meanwhile orders nothing more. A change older than one
    already seen is ignored (a redelivery after a restock must not order again); the same version again is
    handled again, so a run that failed half-way is completed: it finds the purchase order that version raised
    (named by it), open or closed, and raises no second one."""
    stock_status = "OUT OF STOCK" if available <= 0 else "IN STOCK"
    marked = purchase_orders.mark_item(item_id, stock_status, version)
    if change == "Adjusted" and adjustment_id is not None:
        # Perhaps a purchase order's restock (its adjustment id is the order's): the supply arrived, so the
        # next low level may order again, even when this change came after a later one (stale). Only once
        # its version is marked: a low change older than the restock, handled meanwhile, is stale by then.
        purchase_orders.release_restocked(item_id, adjustment_id)
    if marked is Marked.STALE:
        return None  # an older version than one already seen (late or redelivered): it says nothing now
    if marked is Marked.CHANGED and stock_status == "OUT OF STOCK":
        notifier.notify(f"{item_id} is OUT OF STOCK", f"{item_id}: nothing available as of version {version}.")
    if available > threshold:
        return None
    request = CreatePurchaseOrder(items=(OrderLine(item_id=item_id, quantity=reorder_quantity),))
    [order] = raise_purchase_orders(
        request,
        purchase_orders=purchase_orders,
        workflows=workflows,
        now=now,
        reorder_quantity=reorder_quantity,
        approval_timeout_seconds=approval_timeout_seconds,
        reason=f"{available} available, at or below {threshold}",
        cause=f"inventory-changed {item_id} v{version}",
    )
    return order
