"""In-memory ports with the same semantics as the AWS adapters (``tests/contract`` holds each to its adapter)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

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
from pizza_reservations.ports import (
    Appended,
    Claim,
    ClaimTaken,
    GateState,
    ItemsPage,
    NotSettled,
    Settle,
    Short,
    Taken,
    VersionTaken,
)


class Clock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class FakeRequests:
    reservations: dict[str, ReservationRecord] = field(default_factory=dict)
    adjustments: dict[str, AdjustmentRecord] = field(default_factory=dict)
    accepted: dict[str, AdjustItem] = field(default_factory=dict)

    def accept_adjustment(self, command: AdjustItem, at: datetime) -> AdjustItem | None:
        first = self.accepted.setdefault(command.adjustment_id, command)
        return None if first == command else first

    def reservation(self, reservation_id: str) -> ReservationRecord | None:
        return self.reservations.get(reservation_id)

    def adjustment(self, adjustment_id: str) -> AdjustmentRecord | None:
        return self.adjustments.get(adjustment_id)

    def record_refusal(self, record: ReservationRecord) -> bool:
        if record.reservation_id in self.reservations:
            return False
        self.reservations[record.reservation_id] = record
        return True

    def note_confirm_refusal(self, reservation_id: str, reason: str) -> None:
        if reservation_id in self.reservations:
            self.reservations[reservation_id] = replace(self.reservations[reservation_id], confirm_refusal=reason)

    def expired_holds(self, now: datetime, limit: int) -> list[ReservationRecord]:
        expired = [
            r
            for r in self.reservations.values()
            if r.status is ReservationStatus.HELD and r.expires_at is not None and r.expires_at <= now
        ]
        return sorted(expired, key=lambda r: (r.expires_at, r.reservation_id))[:limit]


@dataclass
class FakeEventStore:
    requests: FakeRequests
    events: dict[str, dict[int, ItemEvent]] = field(default_factory=dict)
    purge_at: dict[tuple[str, int], datetime] = field(default_factory=dict)
    gates: dict[str, GateState] = field(default_factory=dict)
    appends: int = 0  # write requests, as the bench counts them
    gate_writes: int = 0

    def take(self, item_id: str, units: int, at: datetime) -> Taken | Short:
        self.gate_writes += 1
        gate = self.gates.get(item_id)
        if gate is None:
            return Short(None)
        if units > 0 and gate.free < units:
            return Short(gate.free)
        self.gates[item_id] = replace(gate, free=gate.free - units, seq=gate.seq + 1, taken_at=at)
        return Taken(gate.seq + 1)

    def gate(self, item_id: str) -> GateState | None:
        return self.gates.get(item_id)

    def correct(self, item_id: str, seen: GateState | None, *, free: int, seq: int) -> bool:
        self.gate_writes += 1
        gate = self.gates.get(item_id)
        if seen is None:
            if gate is not None:
                return False
            self.gates[item_id] = GateState(free=free, seq=seq, checked=seq)
            return True
        if gate is None or gate.fixes != seen.fixes:
            return False
        self.gates[item_id] = replace(gate, free=gate.free + free - seen.free, fixes=gate.fixes + 1, checked=seq)
        return True

    def gated_items(self) -> list[str]:
        return sorted(item for item, gate in self.gates.items() if gate.seq > gate.checked)

    def read(self, item_id: str, after_version: int = 0) -> list[ItemEvent]:
        stream = self.events.get(item_id, {})
        return [stream[v] for v in sorted(stream) if v > after_version]

    def append(
        self, event: ItemEvent, *, claim: Claim | None = None, settle: Settle | None = None
    ) -> Appended | VersionTaken | ClaimTaken | NotSettled:
        self.appends += 1
        stream = self.events.setdefault(event.item_id, {})
        if event.version in stream:
            return VersionTaken(stream[event.version])
        if claim is not None:
            record = claim.record
            known = self.requests.reservations if isinstance(record, ReservationRecord) else self.requests.adjustments
            key = record.reservation_id if isinstance(record, ReservationRecord) else record.adjustment_id
            if key in known:
                return ClaimTaken()
            known[key] = record  # type: ignore[assignment]
        if settle is not None:
            current = self.requests.reservations.get(settle.reservation_id)
            if current is None or current.status is not ReservationStatus.HELD:
                return NotSettled()
            self.requests.reservations[settle.reservation_id] = replace(
                current, status=settle.status, confirm_refusal=settle.confirm_refusal
            )
        stream[event.version] = event
        return Appended(event.version)

    def retire(self, events: Sequence[ItemEvent], purge_at: datetime) -> None:
        for event in events:
            self.purge_at[(event.item_id, event.version)] = purge_at

    def purge(self, now: datetime) -> None:
        """What TTL does, some day: events past their purge time leave the hot store."""
        for (item_id, version), when in list(self.purge_at.items()):
            if when <= now:
                self.events[item_id].pop(version, None)
                del self.purge_at[(item_id, version)]


@dataclass
class FakeSnapshots:
    states: dict[str, ItemState] = field(default_factory=dict)

    def get(self, item_id: str) -> ItemState | None:
        return self.states.get(item_id)

    def put(self, state: ItemState) -> bool:
        current = self.states.get(state.item_id)
        if current is not None and current.version >= state.version:
            return False
        self.states[state.item_id] = state
        return True


@dataclass
class FakeProjection:
    views: dict[str, ItemView] = field(default_factory=dict)

    def get(self, item_id: str) -> ItemView | None:
        return self.views.get(item_id)

    def put(self, view: ItemView, previous: ItemView | None) -> bool:
        if self.views.get(view.state.item_id) != previous:
            return False
        self.views[view.state.item_id] = view
        return True

    def list_page(self, after: str | None, most: int) -> ItemsPage:
        """By id (DynamoDB's order is the hash of the key's: the contract holds only what both keep)."""
        ids = [key for key in sorted(self.views) if after is None or key > after]
        views = tuple(self.views[key] for key in ids[:most])
        return ItemsPage(views, next=ids[most - 1] if len(ids) >= most else None)


@dataclass
class FakeArchive:
    objects: dict[str, list[ItemEvent]] = field(default_factory=dict)

    def keep(self, item_id: str, events: Sequence[ItemEvent]) -> None:
        ordered = sorted(events, key=lambda e: e.version)
        self.objects[f"{item_id}/{ordered[0].version}-{ordered[-1].version}"] = ordered

    def recall(self, item_id: str, after_version: int = 0, most: int | None = None) -> list[ItemEvent]:
        found = {e.version: e for key, events in self.objects.items() if key.startswith(f"{item_id}/") for e in events}
        return [found[v] for v in sorted(found) if v > after_version]


@dataclass
class FakePublisher:
    published: list[InventoryChanged] = field(default_factory=list)

    def publish(self, changes: Sequence[InventoryChanged]) -> None:
        self.published.extend(changes)


@dataclass
class FakeCommands:
    sent: list[ConfirmReservation | AdjustItem] = field(default_factory=list)

    def send(self, command: ConfirmReservation | AdjustItem) -> None:
        self.sent.append(command)
