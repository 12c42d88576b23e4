"""The reservations use cases: short functions over the ports (:mod:`pizza_reservations.ports`).

Every write is an append at the next version of one item's stream, decided on the state folded from the
latest snapshot and the events after it; when another writer took that version first, the tail is read
again and the decision made again (optimistic concurrency). Request records (reservations, adjustments)
are written in the same transaction as their event, so a request id is applied exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pizza_common.deadline import Deadline, current, full_jitter
from pizza_common.errors import Conflict, NotFound
from pizza_reservations.domain.events import Adjusted, InventoryChanged, ItemEvent, Released
from pizza_reservations.domain.model import (
    AdjustItem,
    AdjustmentRecord,
    ConfirmReservation,
    ItemState,
    ItemView,
    NotEnough,
    NotHeld,
    ReservationRecord,
    ReservationStatus,
    Reserve,
    decide_adjust,
    decide_confirm,
    decide_release,
    decide_reserve,
    fold,
    inventory_changed,
    project,
)
from pizza_reservations.ports import (
    Appended,
    Archive,
    Claim,
    ClaimTaken,
    Commands,
    EventStore,
    NotSettled,
    Projection,
    Publisher,
    Requests,
    Retirement,
    Settle,
    Snapshots,
    VersionTaken,
)

__all__ = [
    "Contended",
    "Granted",
    "IdReused",
    "Refused",
    "accept_adjustment",
    "adjust",
    "confirm",
    "expire_holds",
    "history",
    "load_state",
    "project_changes",
    "release",
    "request_confirm",
    "reserve",
    "snapshot_and_retire",
]

Clock = Callable[[], datetime]


class Contended(Exception):
    """The item kept changing until the function ran out of time (never expected; a 503 with Retry-After)."""


@dataclass(frozen=True)
class Granted:
    record: ReservationRecord
    replay: bool = False
    conflicts: int = 0


@dataclass(frozen=True)
class Refused:
    record: ReservationRecord
    replay: bool = False
    conflicts: int = 0


@dataclass(frozen=True)
class IdReused:
    """The request id is known with another body."""

    known: ReservationRecord | AdjustmentRecord


def load_state(item_id: str, *, store: EventStore, snapshots: Snapshots) -> ItemState:
    """The latest snapshot and the events after it: one read and a short tail, whatever the history's length."""
    start = snapshots.get(item_id) or ItemState(item_id)
    return fold(store.read(item_id, start.version), start)


# After a lost race the loser's next step depends on what its failed append returned (docs/decisions.md,
# 2026-11-27, hot items). The winner named (ALL_OLD): it is folded and the next version tried at once, no pause,
# no read; a reservation that no longer fits is refused there and then. A transaction conflict (another writer
# holds the version right now, winner unknown): pause at least the conflict window (AWS holds a transaction's
# items for tens of milliseconds; the local cloud 20 ms after DynamoDB Local answers) plus full jitter doubling
# per conflict, then read the tail. Retrying the same version sooner only meets the holder again.
BACKOFF_BASE_SECS = 0.02
BACKOFF_CAP_SECS = 1.0


class _Retry:
    """What a writer does after a lost race, bounded by the deadline (by default the invocation's remaining
    time, :func:`pizza_common.deadline.current`)."""

    def __init__(self, deadline: Deadline | None) -> None:
        self.deadline, self.conflicts, self.waits = deadline or current(), 0, 0

    def again(self, lost: object) -> None:
        """Pause as ``lost`` requires, or raise :class:`Contended` when the deadline leaves no time for it."""
        self.conflicts += 1
        if isinstance(lost, VersionTaken) and lost.winner is not None:
            pause = 0.0  # the winner is known and folded: the next version at once
        else:
            pause = BACKOFF_BASE_SECS + full_jitter(self.waits, base=BACKOFF_BASE_SECS, cap=BACKOFF_CAP_SECS)
            self.waits += 1
        if pause >= self.deadline.remaining() or self.deadline.expired:
            raise Contended(f"the item kept changing ({self.conflicts} conflicts)")
        if pause:
            self.deadline.sleep(pause)


def _refresh(state: ItemState, store: EventStore, lost: VersionTaken | None = None) -> ItemState:
    """The state after a lost race: the winner's event when the store named it (no read), else the tail."""
    if lost is not None and lost.winner is not None and lost.winner.version == state.version + 1:
        return state.apply(lost.winner)
    return fold(store.read(state.item_id, state.version), state)


def reserve(
    command: Reserve,
    *,
    store: EventStore,
    snapshots: Snapshots,
    requests: Requests,
    now: Clock,
    deadline: Deadline | None = None,
) -> Granted | Refused | IdReused:
    """Hold units if enough are available at this instant; idempotent by reservation id."""
    retry = _Retry(deadline)
    state = load_state(command.item_id, store=store, snapshots=snapshots)
    while True:
        moment = now()
        decision = decide_reserve(state, command, moment)
        if isinstance(decision, NotEnough):
            record = ReservationRecord(
                command.reservation_id,
                command.item_id,
                command.quantity,
                command.hold_seconds,
                ReservationStatus.REFUSED,
                created_at=moment,
                available=decision.available,
            )
            if requests.record_refusal(record):
                return Refused(record, conflicts=retry.conflicts)
            return _replay(command, requests)
        record = ReservationRecord(
            command.reservation_id,
            command.item_id,
            command.quantity,
            command.hold_seconds,
            ReservationStatus.HELD,
            created_at=moment,
            expires_at=decision.expires_at,
            version=decision.version,
        )
        outcome = store.append(decision, claim=Claim(record))
        if isinstance(outcome, Appended):
            return Granted(record, conflicts=retry.conflicts)
        if isinstance(outcome, ClaimTaken):
            return _replay(command, requests)
        retry.again(outcome)
        state = _refresh(state, store, outcome if isinstance(outcome, VersionTaken) else None)


def _replay(command: Reserve, requests: Requests) -> Granted | Refused | IdReused:
    known = requests.reservation(command.reservation_id)
    if known is None:  # a refusal is never removed, nor a claim: only a broken store gets here
        raise RuntimeError(f"reservation {command.reservation_id} was claimed but cannot be read")
    if not known.same_request(command):
        return IdReused(known)
    if known.status is ReservationStatus.REFUSED:
        return Refused(known, replay=True)
    return Granted(known, replay=True)


def release(
    reservation_id: str,
    *,
    store: EventStore,
    snapshots: Snapshots,
    requests: Requests,
    now: Clock,
    deadline: Deadline | None = None,
) -> ReservationRecord:
    """Give a hold back (``DELETE``, or the sweep once it expired): exactly one ``Released`` per hold."""
    record = requests.reservation(reservation_id)
    if record is None:
        raise NotFound(f"no reservation {reservation_id}")
    if record.status is ReservationStatus.CONFIRMED:
        raise Conflict(f"reservation {reservation_id} is confirmed: its units are sold", details=_brief(record))
    if record.status is not ReservationStatus.HELD:
        return record
    _settle(
        record,
        lambda state, moment: decide_release(state, reservation_id, moment),
        None,
        store,
        snapshots,
        now,
        _Retry(deadline),
    )
    return requests.reservation(reservation_id) or record


def confirm(
    command: ConfirmReservation,
    *,
    store: EventStore,
    snapshots: Snapshots,
    requests: Requests,
    now: Clock,
    deadline: Deadline | None = None,
) -> ReservationRecord | None:
    """Checkout: a live hold becomes ``Confirmed`` exactly once; otherwise the refusal is noted on the record."""
    record = requests.reservation(command.reservation_id)
    if record is None:
        return None
    if record.status is ReservationStatus.CONFIRMED:
        return record
    if record.status is not ReservationStatus.HELD:
        requests.note_confirm_refusal(record.reservation_id, record.status.value.lower())
        return requests.reservation(record.reservation_id)
    _settle(
        record,
        lambda state, moment: decide_confirm(state, command.reservation_id, moment),
        "expired",
        store,
        snapshots,
        now,
        _Retry(deadline),
    )
    return requests.reservation(record.reservation_id)


def _settle(
    record: ReservationRecord,
    decide: Callable[[ItemState, datetime], ItemEvent | NotHeld],
    refusal_if_released: str | None,
    store: EventStore,
    snapshots: Snapshots,
    now: Clock,
    retry: _Retry,
) -> None:
    state = load_state(record.item_id, store=store, snapshots=snapshots)
    while True:
        event = decide(state, now())
        if isinstance(event, NotHeld):
            return
        if isinstance(event, Released):
            status = ReservationStatus.EXPIRED if event.reason == "expired" else ReservationStatus.RELEASED
            settle = Settle(record.reservation_id, status, refusal_if_released)
        else:
            settle = Settle(record.reservation_id, ReservationStatus.CONFIRMED)
        outcome = store.append(event, settle=settle)
        if isinstance(outcome, Appended | NotSettled):
            return
        retry.again(outcome)
        state = _refresh(state, store, outcome if isinstance(outcome, VersionTaken) else None)


def expire_holds(
    *,
    store: EventStore,
    snapshots: Snapshots,
    requests: Requests,
    now: Clock,
    limit: int = 500,
    deadline: Deadline | None = None,
) -> int:
    """The sweep: record ``Released`` for every expired hold (exactly once each). Returns how many it settled."""
    deadline = deadline or current()
    settled = 0
    for record in requests.expired_holds(now(), limit):
        if deadline.remaining() < 1:
            break  # the next run (a minute later) takes the rest
        after = release(
            record.reservation_id, store=store, snapshots=snapshots, requests=requests, now=now, deadline=deadline
        )
        settled += after.status is not ReservationStatus.HELD
    return settled


def adjust(
    command: AdjustItem,
    *,
    store: EventStore,
    snapshots: Snapshots,
    now: Clock,
    deadline: Deadline | None = None,
    requests: Requests,
) -> AdjustmentRecord | IdReused:
    """The queue processor: append ``Adjusted`` or ``AdjustmentRefused`` exactly once per adjustment id."""
    retry = _Retry(deadline)
    state = load_state(command.item_id, store=store, snapshots=snapshots)
    while True:
        event = decide_adjust(state, command, now())
        outcome_name: Literal["adjusted", "refused"] = "adjusted" if isinstance(event, Adjusted) else "refused"
        record = AdjustmentRecord(
            command.adjustment_id,
            command.item_id,
            command.delta,
            command.reason,
            outcome_name,
            event.version,
            refusal=None if isinstance(event, Adjusted) else event.refusal,
        )
        outcome = store.append(event, claim=Claim(record))
        if isinstance(outcome, Appended):
            return record
        if isinstance(outcome, ClaimTaken):
            known = requests.adjustment(command.adjustment_id)
            if known is None:
                raise RuntimeError(f"adjustment {command.adjustment_id} was claimed but cannot be read")
            return known if known.same_request(command) else IdReused(known)
        retry.again(outcome)
        state = _refresh(state, store, outcome if isinstance(outcome, VersionTaken) else None)


# --- the API's asynchronous commands ----------------------------------------------------------------------


def request_confirm(reservation_id: str, *, requests: Requests, commands: Commands) -> ReservationRecord:
    record = requests.reservation(reservation_id)
    if record is None:
        raise NotFound(f"no reservation {reservation_id}")
    if record.status is ReservationStatus.REFUSED:
        raise Conflict(f"reservation {reservation_id} was refused: it holds nothing to confirm", details=_brief(record))
    commands.send(ConfirmReservation(reservation_id=reservation_id))
    return record


def accept_adjustment(command: AdjustItem, *, requests: Requests, commands: Commands) -> None:
    known = requests.adjustment(command.adjustment_id)
    if known is not None and not known.same_request(command):
        raise Conflict(
            f"adjustment {command.adjustment_id} was made with another body",
            details={"itemId": known.item_id, "delta": known.delta, "reason": known.reason},
        )
    commands.send(command)


def _brief(record: ReservationRecord) -> dict[str, object]:
    return {"reservationId": record.reservation_id, "itemId": record.item_id, "status": record.status.value}


# --- the consumers of the change stream -------------------------------------------------------------------


def snapshot_and_retire(
    item_id: str,
    events: Sequence[ItemEvent],
    *,
    store: EventStore,
    snapshots: Snapshots,
    archive: Archive,
    retirement: Retirement,
    every: int,
    hot_retention: timedelta,
) -> ItemState | None:
    """Archive these events, then, once ``every`` events have gathered after the snapshot, fold them into a
    new snapshot and let exactly those events expire from the hot store (archived and covered, never before).

    Returns the new snapshot, or None when none was due."""
    if not events:
        return None
    archive.put(item_id, events)
    through = max(event.version for event in events)
    start = snapshots.get(item_id) or ItemState(item_id)
    if through - start.version < every:
        return None
    tail = [event for event in store.read(item_id, start.version) if event.version <= through]
    state = fold(tail, start)
    if state.version <= start.version:
        return None
    snapshots.put(state)
    retirement.retire(tail, purge_at=max(event.at for event in tail) + hot_retention)
    return state


def project_changes(
    item_id: str,
    events: Iterable[ItemEvent],
    *,
    projection: Projection,
    publisher: Publisher,
    store: EventStore,
    snapshots: Snapshots,
) -> list[InventoryChanged]:
    """Fold delivered events into the item's view (any order, duplicates dropped), publish one
    ``inventory-changed`` per newly applied event, then keep the view. A gap that the delivered events
    cannot fill (a record lost before this consumer existed) is filled from the event store."""
    events = list(events)
    while True:
        previous = projection.get(item_id)
        view, applied = project(previous or ItemView(ItemState(item_id)), events)
        if view.pending:
            state = load_state(item_id, store=store, snapshots=snapshots)
            if state.version >= max(event.version for event in view.pending):
                known = {event.version: event for event in (*view.pending, *events)}
                tail = [known[v] for v in range(view.state.version + 1, state.version + 1) if v in known]
                view = ItemView(state)
                applied += [(event, state) for event in tail[-1:]]  # the gap: one change, as of the latest
        changes = [inventory_changed(event, state_after) for event, state_after in applied]
        publisher.publish(changes)  # before the write: a crash republishes (consumers drop by version)
        if view == previous or projection.put(view, previous):
            return changes


def history(item_id: str, *, store: EventStore, archive: Archive) -> list[ItemEvent]:
    """The item's whole history: the archive, then the hot store's events it does not hold yet."""
    events = {event.version: event for event in archive.read(item_id)}
    for event in store.read(item_id):
        events.setdefault(event.version, event)
    return [events[version] for version in sorted(events)]
