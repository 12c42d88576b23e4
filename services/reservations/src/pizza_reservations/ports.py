"""What the reservations use cases need from the world, as protocols. Adapters implement them with AWS;
``tests/fakes.py`` in memory, held to the same contract by ``tests/contract``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pizza_reservations.domain.events import InventoryChanged, ItemEvent
from pizza_reservations.domain.model import (
    AdjustItem,
    AdjustmentRecord,
    ConfirmReservation,
    ItemState,
    ItemView,
    ReservationRecord,
    ReservationStatus,
)

__all__ = [
    "Appended",
    "Archive",
    "Claim",
    "ClaimTaken",
    "Commands",
    "EventLog",
    "EventStore",
    "GateState",
    "ItemsPage",
    "NotSettled",
    "Projection",
    "Publisher",
    "Requests",
    "Retirement",
    "Settle",
    "Short",
    "Snapshots",
    "Taken",
    "VersionGate",
    "VersionTaken",
]


@dataclass(frozen=True)
class Claim:
    """A request record written with the event, only if its id is new (exactly once per request id)."""

    record: ReservationRecord | AdjustmentRecord


@dataclass(frozen=True)
class Settle:
    """A reservation's new status, written with the event, only if the reservation is still HELD."""

    reservation_id: str
    status: ReservationStatus
    confirm_refusal: str | None = None


@dataclass(frozen=True)
class Appended:
    version: int


@dataclass(frozen=True)
class VersionTaken:
    """Another writer appended at that version first: decide again on the state after it. ``winner`` is the
    event that took the version, when the store could tell (it saves reading the tail again)."""

    winner: ItemEvent | None = None


@dataclass(frozen=True)
class ClaimTaken:
    """The request id is known already: a replay (or a reuse with another body)."""


@dataclass(frozen=True)
class NotSettled:
    """The reservation is not HELD any more (settled by another writer)."""


@dataclass(frozen=True)
class GateState:
    """An item's gate (docs/decisions.md, 2026-11-27, hot items: the gate). ``seq``: the last version taken;
    ``free``: units that may still be taken, every hold not yet released counted as taken (expired or not)
    and every version taken counted with what it took, written or not; ``fixes``: corrections applied so far
    (a correction applies only if none came between its read and its write); ``checked``: the ``seq`` the
    last correction saw (the sweep skips gates with nothing taken since); ``taken_at``: the last take."""

    free: int
    seq: int
    fixes: int = 0
    checked: int = 0
    taken_at: datetime | None = None


@dataclass(frozen=True)
class Taken:
    version: int


@dataclass(frozen=True)
class Short:
    """The gate has fewer than asked for free (``free``: what it has), or no row yet (``free`` None)."""

    free: int | None = None


class VersionGate(Protocol):
    """Each item's versions come from its gate: one conditional write, no read, never contended beyond it."""

    def take(self, item_id: str, units: int, at: datetime) -> Taken | Short:
        """The item's next version, taking ``units`` from its free units only if it has that many (0: a version
        alone, if the gate exists)."""
        ...

    def gate(self, item_id: str) -> GateState | None:
        """The gate as it is (a consistent read); None if the item has none yet."""
        ...

    def correct(self, item_id: str, seen: GateState | None, *, free: int, seq: int) -> bool:
        """Make ``free`` what it would have been at ``seq`` had it been exact (``seen`` None: open the gate at
        ``seq`` with ``free``), only if no other correction (or opening) came since ``seen`` was read."""
        ...

    def gated_items(self) -> list[str]:
        """Items whose gate took versions since its last correction (what the sweep reconciles)."""
        ...


class EventLog(Protocol):
    """Reading an item's stream (all that those who only look need)."""

    def read(self, item_id: str, after_version: int = 0) -> list[ItemEvent]:
        """The item's events after ``after_version`` still in the hot store, in version order."""
        ...


class EventStore(VersionGate, EventLog, Protocol):
    """One stream of immutable events per item; an append succeeds only if its version is still free. Its
    versions come from the item's gate (:class:`VersionGate`): whoever takes a version writes its event, or
    a ``Voided`` event, at it."""

    def append(
        self, event: ItemEvent, *, claim: Claim | None = None, settle: Settle | None = None
    ) -> Appended | VersionTaken | ClaimTaken | NotSettled: ...


class Retirement(Protocol):
    """The hot store's end of an event: a TTL once the event is archived and covered by a snapshot."""

    def retire(self, events: Sequence[ItemEvent], purge_at: datetime) -> None:
        """Let these events leave the hot store some time after ``purge_at`` (TTL)."""
        ...


class Requests(Protocol):
    """Reservations and adjustments by id: idempotency, and what ``GET /reservations/{id}`` tells."""

    def reservation(self, reservation_id: str) -> ReservationRecord | None: ...

    def adjustment(self, adjustment_id: str) -> AdjustmentRecord | None: ...

    def accept_adjustment(self, command: AdjustItem, at: datetime) -> AdjustItem | None:
        """Remember the body an adjustment id was first accepted with (``POST /items/{itemId}/adjustments``), only
        if the id is new. None when it is new, or known with this same body; else the body first accepted."""
        ...

    def record_refusal(self, record: ReservationRecord) -> bool:
        """Remember a refused reservation, only if its id is new; False if it was known."""
        ...

    def note_confirm_refusal(self, reservation_id: str, reason: str) -> None: ...

    def expired_holds(self, now: datetime, limit: int) -> list[ReservationRecord]:
        """HELD reservations whose hold expired at ``now`` (eventually consistent: the sweep's list)."""
        ...


class Snapshots(Protocol):
    def get(self, item_id: str) -> ItemState | None: ...

    def put(self, state: ItemState) -> bool:
        """Keep ``state`` unless a snapshot at the same or a later version is there; True if written."""
        ...


@dataclass(frozen=True)
class ItemsPage:
    """A page of the projection's items, in the store's own order; ``next``: the item to ask after for the next
    page, when there may be more (the page is full)."""

    views: tuple[ItemView, ...]
    next: str | None = None


class Projection(Protocol):
    def get(self, item_id: str) -> ItemView | None: ...

    def put(self, view: ItemView, previous: ItemView | None) -> bool:
        """Replace ``previous`` (None: the item is new) by ``view``; False if another writer got there first.
        Items are never deleted."""
        ...

    def list_page(self, after: str | None, most: int) -> ItemsPage:
        """At most ``most`` items after the item ``after`` (None: from the first), in an order that is the same
        from page to page but need not be by id (on DynamoDB, by the hash of the key); ``after`` need not exist.
        Following ``next`` from the first page gives every item that exists throughout exactly once (an item
        added meanwhile may or may not appear)."""
        ...


class Archive(Protocol):
    """Cold storage of events (S3, JSON Lines): what leaves the hot store is there first."""

    def keep(self, item_id: str, events: Sequence[ItemEvent]) -> None:
        """Keep these events (any order, duplicates and overlaps with earlier calls allowed)."""
        ...

    def recall(self, item_id: str, after_version: int = 0, most: int | None = None) -> list[ItemEvent]:
        """The item's archived events after ``after_version``, each version once, in order. With ``most``, it may
        stop reading once it holds every version from ``after_version + 1`` to ``after_version + most``."""
        ...


class Publisher(Protocol):
    def publish(self, changes: Sequence[InventoryChanged]) -> None: ...


class Commands(Protocol):
    """The durable queue of checkout and adjustment commands."""

    def send(self, command: ConfirmReservation | AdjustItem) -> None: ...
