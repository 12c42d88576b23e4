"""An item's state is the fold of its events; every decision is made on that state at one instant, ``now``.

Availability counts only holds that have not expired at ``now``: an expired hold never blocks a sale, whatever
TTL's lag and whether its ``Released`` event has been recorded yet. Pure Python: no AWS, no HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from pizza_reservations.domain.events import (
    Adjusted,
    AdjustmentRefused,
    Confirmed,
    InventoryChanged,
    ItemEvent,
    Released,
    Reserved,
    Voided,
    event_from_json,
    event_to_json,
)

__all__ = [
    "ID_PATTERN",
    "ITEM_ID_PATTERN",
    "MAX_DELTA",
    "MAX_HOLD_SECONDS",
    "MAX_QUANTITY",
    "AdjustItem",
    "AdjustmentRecord",
    "ConfirmReservation",
    "Hold",
    "ItemState",
    "ItemView",
    "NotEnough",
    "NotHeld",
    "ReservationRecord",
    "ReservationStatus",
    "Reserve",
    "adjustment_at",
    "adjustment_refusal",
    "confirm_at",
    "decide_adjust",
    "decide_confirm",
    "decide_expiry",
    "decide_release",
    "decide_reserve",
    "fold",
    "inventory_changed",
    "project",
    "release_at",
    "voided_at",
]

# Ids name DynamoDB keys and S3 keys: letters, digits, '-', '_' and ':' (an order's "order-7:cola").
ID_PATTERN = r"^[A-Za-z0-9_:-]{1,100}$"
ITEM_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"  # a slug: "cola", "pizza-of-the-day"
MAX_QUANTITY = 1_000
MAX_HOLD_SECONDS = 86_400
MAX_DELTA = 1_000_000

_Id = Annotated[str, StringConstraints(strict=True, pattern=ID_PATTERN)]
_ItemId = Annotated[str, StringConstraints(strict=True, pattern=ITEM_ID_PATTERN)]


# --- commands (the API's bodies and the queue's messages) ----------------------------------------------


class _Command(BaseModel):
    # By name in the code (``Reserve(reservation_id=...)``), by alias only from a request's body.
    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True)

    @classmethod
    def from_body(cls, body: object) -> Self:
        """A command from JSON a client sent: its fields by their API names only (``reservationId``)."""
        return cls.model_validate(body, by_alias=True, by_name=False)


class Reserve(_Command):
    """``POST /reservations``: hold ``quantity`` units of an item for ``holdSeconds``."""

    reservation_id: _Id = Field(alias="reservationId")
    item_id: _ItemId = Field(alias="itemId")
    quantity: Annotated[int, Field(strict=True, ge=1, le=MAX_QUANTITY)]
    hold_seconds: Annotated[int, Field(strict=True, ge=1, le=MAX_HOLD_SECONDS)] = Field(alias="holdSeconds")


class ConfirmReservation(_Command):
    """The checkout command on the commands queue."""

    kind: Literal["confirm"] = "confirm"
    reservation_id: _Id = Field(alias="reservationId")


class AdjustItem(_Command):
    """``POST /items/{itemId}/adjustments`` (the item id from the path), then on the commands queue."""

    kind: Literal["adjust"] = "adjust"
    item_id: _ItemId = Field(alias="itemId")
    adjustment_id: _Id = Field(alias="adjustmentId")
    delta: Annotated[int, Field(strict=True, ge=-MAX_DELTA, le=MAX_DELTA)]
    reason: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200)]

    @field_validator("delta")
    @classmethod
    def _not_zero(cls, delta: int) -> int:
        if delta == 0:
            raise ValueError("an adjustment changes something: delta must not be 0")
        return delta

    @field_validator("reason")
    @classmethod
    def _says_why(cls, reason: str) -> str:
        if not reason.strip():
            raise ValueError("a reason says why: it must not be only spaces")
        return reason


# --- state ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hold:
    reservation_id: str
    quantity: int
    expires_at: datetime


@dataclass(frozen=True)
class ItemState:
    """An item as of ``version``: units ever supplied, units sold, and the holds not yet released."""

    item_id: str
    version: int = 0
    supply: int = 0
    sold: int = 0
    holds: tuple[Hold, ...] = ()

    def held(self, now: datetime) -> int:
        return sum(hold.quantity for hold in self.holds if hold.expires_at > now)

    def available(self, now: datetime) -> int:
        return self.supply - self.sold - self.held(now)

    def unheld(self) -> int:
        """Units neither sold nor in any hold not yet released, expired or not: what the item's gate may give."""
        return self.supply - self.sold - sum(hold.quantity for hold in self.holds)

    def hold(self, reservation_id: str) -> Hold | None:
        return next((hold for hold in self.holds if hold.reservation_id == reservation_id), None)

    def apply(self, event: ItemEvent) -> ItemState:
        """The state after ``event``, which must be the next one of this item."""
        if event.item_id != self.item_id or event.version != self.version + 1:
            raise ValueError(f"event {event.item_id}@{event.version} does not follow {self.item_id}@{self.version}")
        state = replace(self, version=event.version)
        match event:
            case Reserved():
                return replace(state, holds=(*self.holds, Hold(event.reservation_id, event.quantity, event.expires_at)))
            case Released():
                return replace(state, holds=self._without(event.reservation_id))
            case Confirmed():
                return replace(state, holds=self._without(event.reservation_id), sold=self.sold + event.quantity)
            case Adjusted():
                return replace(state, supply=self.supply + event.delta)
        return state  # AdjustmentRefused and Voided change nothing but the version

    def _without(self, reservation_id: str) -> tuple[Hold, ...]:
        return tuple(hold for hold in self.holds if hold.reservation_id != reservation_id)

    # A snapshot's JSON (the snapshots table, the projection): the fold up to ``version``.
    def to_json(self) -> str:
        return json.dumps(
            {
                "item_id": self.item_id,
                "version": self.version,
                "supply": self.supply,
                "sold": self.sold,
                "holds": [[h.reservation_id, h.quantity, h.expires_at.isoformat()] for h in self.holds],
            }
        )

    @classmethod
    def from_json(cls, text: str) -> ItemState:
        data = json.loads(text)
        holds = tuple(Hold(rid, int(qty), datetime.fromisoformat(at)) for rid, qty, at in data["holds"])
        return cls(data["item_id"], int(data["version"]), int(data["supply"]), int(data["sold"]), holds)


def fold(events: Iterable[ItemEvent], start: ItemState, through: int | None = None) -> ItemState:
    """``start`` with ``events`` applied in order (duplicates of versions already folded are skipped), up to
    the first version missing (a version taken from the gate whose event is not written yet) or ``through``."""
    state = start
    for event in sorted(events, key=lambda e: e.version):
        if through is not None and event.version > through:
            break
        if event.version > state.version + 1:
            break  # a gap: what follows it is not the state of any moment yet
        if event.version > state.version:
            state = state.apply(event)
    return state


# --- decisions --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotEnough:
    """Fewer units are available than asked for."""

    available: int


@dataclass(frozen=True)
class NotHeld:
    """The reservation holds nothing on this item (released, confirmed, or never made)."""


def decide_reserve(state: ItemState, command: Reserve, now: datetime) -> Reserved | NotEnough:
    available = state.available(now)
    if command.quantity > available:
        return NotEnough(max(available, 0))
    return Reserved(
        item_id=state.item_id,
        version=state.version + 1,
        at=now,
        reservation_id=command.reservation_id,
        quantity=command.quantity,
        expires_at=now + timedelta(seconds=command.hold_seconds),
    )


def decide_release(state: ItemState, reservation_id: str, now: datetime) -> Released | NotHeld:
    hold = state.hold(reservation_id)
    if hold is None:
        return NotHeld()
    reason: Literal["early", "expired"] = "expired" if hold.expires_at <= now else "early"
    return Released(
        item_id=state.item_id,
        version=state.version + 1,
        at=now,
        reservation_id=reservation_id,
        quantity=hold.quantity,
        reason=reason,
    )


def decide_confirm(state: ItemState, reservation_id: str, now: datetime) -> Confirmed | Released | NotHeld:
    """Checkout: a live hold is sold; an expired one is released instead (its units may be sold already)."""
    hold = state.hold(reservation_id)
    if hold is None:
        return NotHeld()
    if hold.expires_at <= now:
        return decide_release(state, reservation_id, now)
    return Confirmed(
        item_id=state.item_id, version=state.version + 1, at=now, reservation_id=reservation_id, quantity=hold.quantity
    )


def decide_adjust(state: ItemState, command: AdjustItem, now: datetime) -> Adjusted | AdjustmentRefused:
    held = state.held(now)
    refused = state.supply + command.delta < state.sold + held
    refusal = adjustment_refusal(command.delta, state.supply, state.sold, held) if refused else None
    return adjustment_at(command, state.version + 1, now, refusal)


def adjustment_refusal(delta: int, supply: int, sold: int, held: int) -> str:
    """Why an adjustment is refused: it would leave fewer units than are sold or held."""
    return f"a delta of {delta} would leave {supply + delta} units for {sold} sold and {held} held"


def decide_expiry(state: ItemState, now: datetime) -> list[Released]:
    """A ``Released`` for every hold expired at ``now``, at consecutive versions."""
    released: list[Released] = []
    for hold in state.holds:
        if hold.expires_at <= now:
            released.append(
                Released(
                    item_id=state.item_id,
                    version=state.version + len(released) + 1,
                    at=now,
                    reservation_id=hold.reservation_id,
                    quantity=hold.quantity,
                    reason="expired",
                )
            )
    return released


# The gate's writers decide from the request record alone (docs/decisions.md, hot items: the gate): a HELD
# record means its Reserved is in the stream, and the settle condition (still HELD) makes each once.


def release_at(record: ReservationRecord, version: int, now: datetime) -> Released:
    """The ``Released`` of a HELD reservation at ``version``: early, or recorded after it expired."""
    expired = record.expires_at is not None and record.expires_at <= now
    return Released(
        item_id=record.item_id,
        version=version,
        at=now,
        reservation_id=record.reservation_id,
        quantity=record.quantity,
        reason="expired" if expired else "early",
    )


def confirm_at(record: ReservationRecord, version: int, now: datetime) -> Confirmed | Released:
    """Checkout of a HELD reservation: a live hold is sold; an expired one is released instead."""
    if record.expires_at is not None and record.expires_at <= now:
        return release_at(record, version, now)
    return Confirmed(
        item_id=record.item_id, version=version, at=now, reservation_id=record.reservation_id, quantity=record.quantity
    )


def adjustment_at(
    command: AdjustItem, version: int, now: datetime, refusal: str | None
) -> Adjusted | AdjustmentRefused:
    if refusal is None:
        return Adjusted(
            item_id=command.item_id,
            version=version,
            at=now,
            adjustment_id=command.adjustment_id,
            delta=command.delta,
            reason=command.reason,
        )
    return AdjustmentRefused(
        item_id=command.item_id,
        version=version,
        at=now,
        adjustment_id=command.adjustment_id,
        delta=command.delta,
        reason=command.reason,
        refusal=refusal,
    )


def voided_at(item_id: str, version: int, now: datetime, reason: Literal["replayed", "settled", "abandoned"]) -> Voided:
    return Voided(item_id=item_id, version=version, at=now, reason=reason)


# --- what the requests table remembers (idempotency and GET /reservations/{id}) --------------------------


class ReservationStatus(StrEnum):
    HELD = "HELD"
    EXPIRED = "EXPIRED"  # its hold ran out (its Released may not be recorded yet)
    RELEASED = "RELEASED"
    CONFIRMED = "CONFIRMED"
    REFUSED = "REFUSED"  # not enough units when it was asked for


@dataclass(frozen=True)
class ReservationRecord:
    reservation_id: str
    item_id: str
    quantity: int
    hold_seconds: int
    status: ReservationStatus
    created_at: datetime
    expires_at: datetime | None = None  # HELD and later states
    version: int | None = None  # of its Reserved event
    available: int | None = None  # REFUSED: what was available then
    confirm_refusal: str | None = None  # why a confirm changed nothing ("expired", "released")

    def same_request(self, command: Reserve) -> bool:
        return (self.item_id, self.quantity, self.hold_seconds) == (
            command.item_id,
            command.quantity,
            command.hold_seconds,
        )

    def status_at(self, now: datetime) -> ReservationStatus:
        if self.status is ReservationStatus.HELD and self.expires_at is not None and self.expires_at <= now:
            return ReservationStatus.EXPIRED
        return self.status


@dataclass(frozen=True)
class AdjustmentRecord:
    adjustment_id: str
    item_id: str
    delta: int
    reason: str
    outcome: Literal["adjusted", "refused"]
    version: int
    refusal: str | None = None

    def same_request(self, command: AdjustItem) -> bool:
        return (self.item_id, self.delta, self.reason) == (command.item_id, command.delta, command.reason)


# --- the projection: any delivery order of an item's events converges --------------------------------------


@dataclass(frozen=True)
class ItemView:
    """The read model of one item: its state, and events that arrived ahead of a gap, held until it fills."""

    state: ItemState
    pending: tuple[ItemEvent, ...] = field(default=())

    def to_json(self) -> str:
        return json.dumps(
            {"state": json.loads(self.state.to_json()), "pending": [event_to_json(e) for e in self.pending]}
        )

    @classmethod
    def from_json(cls, text: str) -> ItemView:
        data = json.loads(text)
        return cls(ItemState.from_json(json.dumps(data["state"])), tuple(event_from_json(e) for e in data["pending"]))


def project(view: ItemView, events: Iterable[ItemEvent]) -> tuple[ItemView, list[tuple[ItemEvent, ItemState]]]:
    """``view`` with ``events`` delivered (in any order, repeated or not). Returns the new view and each event
    newly applied with the state right after it, in version order (what to publish)."""
    waiting = {e.version: e for e in view.pending}
    for event in events:
        if event.version > view.state.version:
            waiting.setdefault(event.version, event)
    state, applied = view.state, []
    while state.version + 1 in waiting:
        event = waiting.pop(state.version + 1)
        state = state.apply(event)
        applied.append((event, state))
    return ItemView(state, tuple(waiting[v] for v in sorted(waiting))), applied


def inventory_changed(
    event: Reserved | Released | Confirmed | Adjusted | AdjustmentRefused, state: ItemState
) -> InventoryChanged:
    """What the bus hears of a change. A ``Voided`` version changes nothing, so it is never published (consumers
    drop stale deliveries by version; a version skipped is not a gap to them)."""
    available = state.available(event.at)
    return InventoryChanged(
        item_id=state.item_id,
        version=state.version,
        change=event.type,
        at=event.at,
        available=available,
        reserved=state.held(event.at),
        sold=state.sold,
        supply=state.supply,
        status="IN STOCK" if available > 0 else "OUT OF STOCK",
        adjustment_id=event.adjustment_id if isinstance(event, Adjusted | AdjustmentRefused) else None,
    )
