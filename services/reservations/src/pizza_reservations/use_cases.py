"""The reservations use cases: short functions over the ports (:mod:`pizza_reservations.ports`).

Every write is an append to one item's stream at a version taken from the item's gate (one conditional
UpdateItem, no read; docs/decisions.md, 2026-11-27, "reservations, hot items: the gate, built"). A reservation
takes its units there too; when the gate says no, the exact path folds the latest snapshot and the events after
it, releases expired holds, reconciles the gate and asks again. Request records (reservations, adjustments)
are written in the same transaction as their event, so a request id is applied exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from pizza_common.deadline import Deadline, current, full_jitter, within
from pizza_common.errors import Conflict, NotFound
from pizza_reservations.domain.events import InventoryChanged, ItemEvent, Released, Reserved, Voided
from pizza_reservations.domain.model import (
    AdjustItem,
    AdjustmentRecord,
    ConfirmReservation,
    ItemState,
    ItemView,
    ReservationRecord,
    ReservationStatus,
    Reserve,
    adjustment_at,
    adjustment_refusal,
    confirm_at,
    fold,
    inventory_changed,
    project,
    release_at,
    voided_at,
)
from pizza_reservations.ports import (
    Appended,
    Archive,
    Claim,
    ClaimTaken,
    Commands,
    EventLog,
    EventStore,
    NotSettled,
    Projection,
    Publisher,
    Requests,
    Retirement,
    Settle,
    Short,
    Snapshots,
    VersionTaken,
)

__all__ = [
    "Contended",
    "Granted",
    "IdReused",
    "Reconciled",
    "Refused",
    "accept_adjustment",
    "adjust",
    "confirm",
    "expire_holds",
    "history",
    "load_state",
    "project_changes",
    "reconcile",
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


def load_state(item_id: str, *, store: EventLog, snapshots: Snapshots) -> ItemState:
    """The latest snapshot and the events after it: one read and a short tail, whatever the history's length.
    The state is as of the last version before any gap (a version taken whose event is not written yet)."""
    start = snapshots.get(item_id) or ItemState(item_id)
    return fold(store.read(item_id, start.version), start)


# A lost version (another writer wrote at it first) is rare with the gate: a sealer voided it because this
# writer was slower than the grace, or a writer outside the gate (an older deployment) appended there. The
# loser takes another version. When the failed append named the winner, at once; otherwise (a transaction
# conflict, no winner yet) after the conflict window (AWS holds a transaction's items for tens of
# milliseconds; the local cloud 20 ms after DynamoDB Local answers) plus full jitter doubling per conflict.
BACKOFF_BASE_SECS = 0.02
BACKOFF_CAP_SECS = 1.0
# A version taken from the gate and still unwritten this long after the gate's last take is sealed (a
# ``Voided`` event at it). Sealing a live but slow writer is safe: its append then fails and it takes again.
GRACE = timedelta(seconds=3)
# How often a reconciliation looks again for versions being written right now (they take milliseconds).
POLL_SECS = 0.01


class _Retry:
    """What a writer does after a lost race, bounded by the deadline (by default the invocation's remaining
    time, :func:`pizza_common.deadline.current`)."""

    def __init__(self, deadline: Deadline | None) -> None:
        self.deadline, self.conflicts, self.waits = deadline or current(), 0, 0

    def again(self, lost: object) -> None:
        """Pause as ``lost`` requires, or raise :class:`Contended` when the deadline leaves no time for it."""
        self.conflicts += 1
        if isinstance(lost, VersionTaken) and lost.winner is not None:
            pause = 0.0  # the winner is known: another version at once
        else:
            pause = BACKOFF_BASE_SECS + full_jitter(self.waits, base=BACKOFF_BASE_SECS, cap=BACKOFF_CAP_SECS)
            self.waits += 1
        if pause >= self.deadline.remaining() or self.deadline.expired:
            raise Contended(f"the item kept changing ({self.conflicts} conflicts)")
        if pause:
            self.deadline.sleep(pause)


@dataclass(frozen=True)
class Reconciled:
    """An item's fold through its gate's ``seq`` (every version up to it written or sealed) and the units the
    gate had free right after its correction."""

    state: ItemState
    free: int


def reconcile(
    item_id: str,
    *,
    store: EventStore,
    snapshots: Snapshots,
    now: Clock,
    deadline: Deadline | None = None,
    mark: bool = False,
    open_gate: bool = True,
) -> Reconciled:
    """Make the item's gate exact: wait for the versions it gave out to be written, seal those still unwritten
    after :data:`GRACE`, then correct ``free`` to what the fold says as of the gate's last version (the units
    of voided versions, released holds and added supply come back here, and only here). Takes that happen
    meanwhile are not disturbed: a correction is a difference, and a take only ever lowers ``free``.
    An item with no gate gets one, opened at its fold. ``mark`` (the sweep): note the version reconciled even
    when nothing needed correcting, so the next sweep skips the item until it takes another version.
    ``open_gate`` False (a reservation): an item that has no event yet gets no gate; it has nothing to sell, and
    an unknown item id must not leave a row behind."""
    deadline = deadline or current()
    while True:
        seen = store.gate(item_id)
        start = snapshots.get(item_id) or ItemState(item_id)
        events = store.read(item_id, start.version)
        if seen is None and not open_gate and start.version == 0 and not events:
            return Reconciled(start, 0)
        if seen is None:  # nobody can take a version without a gate: any gap is an old crash's
            through = max([start.version, *(event.version for event in events)])
            old_after = now()
        else:
            through = seen.seq
            old_after = (seen.taken_at or now()) + GRACE
        state = _resolved(item_id, start, events, through, old_after, store, now, deadline)
        free = state.unheld()
        if seen is not None and free == seen.free and not (mark and seen.checked < through):
            return Reconciled(state, free)
        if store.correct(item_id, seen, free=free, seq=through):
            return Reconciled(state, free)
        # another correction (or opening) came between the read and the write: read again


def _resolved(
    item_id: str,
    start: ItemState,
    events: list[ItemEvent],
    through: int,
    old_after: datetime,
    store: EventStore,
    now: Clock,
    deadline: Deadline,
) -> ItemState:
    """The fold through ``through`` once every version up to it is written or sealed (``Voided``)."""
    state = fold(events, start, through)
    while state.version < through:
        if now() >= old_after or deadline.remaining() <= POLL_SECS:
            written = {event.version for event in events}
            for version in range(state.version + 1, through + 1):
                if version not in written:  # a Put that fails means its writer got there after all
                    store.append(voided_at(item_id, version, now(), "abandoned"))
        else:
            deadline.sleep(POLL_SECS)
        events = [*events, *store.read(item_id, state.version)]
        state = fold(events, state, through)
    return state


def reserve(
    command: Reserve,
    *,
    store: EventStore,
    snapshots: Snapshots,
    requests: Requests,
    now: Clock,
    deadline: Deadline | None = None,
) -> Granted | Refused | IdReused:
    """Hold units if enough are free at this instant; idempotent by reservation id.

    The fast path takes the units and a version from the item's gate (one conditional write, no read) and
    writes ``Reserved`` there with the reservation record. The gate counts expired holds not yet released as
    taken, so when it says no, the exact path releases them, reconciles the gate and asks once more: an
    expired hold never blocks a sale."""
    known = requests.reservation(command.reservation_id)
    if known is not None:  # a replay: the first answer, and no version taken for nothing
        return _replay(command, known)
    retry = _Retry(deadline)
    reconciled: Reconciled | None = None
    while True:
        taken = store.take(command.item_id, command.quantity, now())
        if isinstance(taken, Short):
            if reconciled is not None:
                return _refuse(command, max(taken.free or 0, 0), now(), requests, retry)
            reconciled = _make_room(command.item_id, store, snapshots, requests, now, retry.deadline, open_gate=False)
            if reconciled.free < command.quantity:
                return _refuse(command, max(reconciled.free, 0), now(), requests, retry)
            continue
        moment = now()
        event = Reserved(
            item_id=command.item_id,
            version=taken.version,
            at=moment,
            reservation_id=command.reservation_id,
            quantity=command.quantity,
            expires_at=moment + timedelta(seconds=command.hold_seconds),
        )
        record = ReservationRecord(
            command.reservation_id,
            command.item_id,
            command.quantity,
            command.hold_seconds,
            ReservationStatus.HELD,
            created_at=moment,
            expires_at=event.expires_at,
            version=taken.version,
        )
        outcome = store.append(event, claim=Claim(record))
        if isinstance(outcome, Appended):
            return Granted(record, conflicts=retry.conflicts)
        if isinstance(outcome, ClaimTaken):  # the same id, at the same time: give the version back
            store.append(voided_at(command.item_id, taken.version, now(), "replayed"))
            return _replay(command, requests.reservation(command.reservation_id))
        retry.again(outcome)  # our version was sealed before we wrote it: take another


def _make_room(
    item_id: str,
    store: EventStore,
    snapshots: Snapshots,
    requests: Requests,
    now: Clock,
    deadline: Deadline,
    *,
    open_gate: bool = True,
) -> Reconciled:
    """The exact path: reconcile the gate, release the holds that have expired, and reconcile again."""
    reconciled = reconcile(item_id, store=store, snapshots=snapshots, now=now, deadline=deadline, open_gate=open_gate)
    moment = now()
    expired = [hold.reservation_id for hold in reconciled.state.holds if hold.expires_at <= moment]
    released = 0
    for reservation_id in expired:
        record = requests.reservation(reservation_id)
        if record is not None and record.status is ReservationStatus.HELD:
            released += _settle(record, release_at, None, store, snapshots, now, _Retry(deadline))
    if not released:
        return reconciled
    return reconcile(item_id, store=store, snapshots=snapshots, now=now, deadline=deadline)


def _refuse(
    command: Reserve, available: int, moment: datetime, requests: Requests, retry: _Retry
) -> Refused | Granted | IdReused:
    record = ReservationRecord(
        command.reservation_id,
        command.item_id,
        command.quantity,
        command.hold_seconds,
        ReservationStatus.REFUSED,
        created_at=moment,
        available=available,
    )
    if requests.record_refusal(record):
        return Refused(record, conflicts=retry.conflicts)
    return _replay(command, requests.reservation(command.reservation_id))


def _replay(command: Reserve, known: ReservationRecord | None) -> Granted | Refused | IdReused:
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
    """Give a hold back (``DELETE``, or the sweep once it expired): exactly one ``Released`` per hold. Its units
    are free again at the gate's next reconciliation (the next refusal's, or the sweep's)."""
    record = requests.reservation(reservation_id)
    if record is None:
        raise NotFound(f"no reservation {reservation_id}")
    if record.status is ReservationStatus.CONFIRMED:
        raise Conflict(f"reservation {reservation_id} is confirmed: its units are sold", details=_brief(record))
    if record.status is ReservationStatus.REFUSED:
        raise Conflict(f"reservation {reservation_id} was refused: it holds nothing to release", details=_brief(record))
    if record.status is not ReservationStatus.HELD:
        return record
    _settle(record, release_at, None, store, snapshots, now, _Retry(deadline))
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
    if _settle(record, confirm_at, "expired", store, snapshots, now, _Retry(deadline)):
        return requests.reservation(record.reservation_id)
    # Another writer (DELETE, the sweep, a confirm delivered twice) settled it between our read and our append:
    # read it again, and answer as above.
    return confirm(command, store=store, snapshots=snapshots, requests=requests, now=now, deadline=deadline)


def _settle(
    record: ReservationRecord,
    decide: Callable[[ReservationRecord, int, datetime], ItemEvent],
    refusal_if_released: str | None,
    store: EventStore,
    snapshots: Snapshots,
    now: Clock,
    retry: _Retry,
) -> bool:
    """Append the event that settles a HELD reservation at a version of its own (no units taken: a release's
    come back at the next reconciliation, a confirm's stay sold). True if this writer settled it."""
    while True:
        taken = store.take(record.item_id, 0, now())
        if isinstance(taken, Short):  # no gate yet (an item from before gates, or a gate dropped to rebuild it)
            reconcile(record.item_id, store=store, snapshots=snapshots, now=now, deadline=retry.deadline)
            continue
        moment = now()
        event = decide(record, taken.version, moment)
        if isinstance(event, Released):
            status = ReservationStatus.EXPIRED if event.reason == "expired" else ReservationStatus.RELEASED
            settle = Settle(record.reservation_id, status, refusal_if_released)
        else:
            settle = Settle(record.reservation_id, ReservationStatus.CONFIRMED)
        outcome = store.append(event, settle=settle)
        if isinstance(outcome, Appended):
            return True
        if isinstance(outcome, NotSettled):  # another writer settled it first: give the version back
            store.append(voided_at(record.item_id, taken.version, now(), "settled"))
            return False
        retry.again(outcome)


# The sweep stops releasing with this much of its run left, for the gates' reconciliation that follows.
SWEEP_RECONCILE_SECS = 10.0


def expire_holds(
    *,
    store: EventStore,
    snapshots: Snapshots,
    requests: Requests,
    now: Clock,
    limit: int = 500,
    workers: int = 1,
    deadline: Deadline | None = None,
) -> int:
    """The sweep: record ``Released`` for every expired hold (exactly once each), then reconcile the gates that
    took versions since their last correction (their units come back; versions never written are sealed).

    Holds are listed ``limit`` at a time and released by ``workers`` threads, page after page, until none is
    left or the run nears its end: a release is a few calls one after another, so one at a time a run of 55 s
    settled about 1,300, and a first page alone 500 (the rest waited a minute a page). Releases of one item
    take versions of their own at its gate and never conflict. Returns how many holds it settled."""
    deadline = deadline or current()
    settled = 0

    def settle(record: ReservationRecord) -> bool:
        if deadline.remaining() < SWEEP_RECONCILE_SECS:
            return False  # the next run (a minute later) takes the rest
        with within(deadline):  # a thread does not inherit the handler's: the SDK calls' retries keep to it too
            after = release(
                record.reservation_id, store=store, snapshots=snapshots, requests=requests, now=now, deadline=deadline
            )
        return after.status is not ReservationStatus.HELD

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sweep") as pool:
        while deadline.remaining() >= SWEEP_RECONCILE_SECS:
            page = requests.expired_holds(now(), limit)
            done = sum(pool.map(settle, page))
            settled += done
            if len(page) < limit or done == 0:  # the last page, or only what the index has not caught up on
                break
    for item_id in store.gated_items():
        if deadline.remaining() < GRACE.total_seconds() + 1:
            break
        reconcile(item_id, store=store, snapshots=snapshots, now=now, deadline=deadline, mark=True)
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
    """The queue processor: append ``Adjusted`` or ``AdjustmentRefused`` exactly once per adjustment id.

    Units taken away come out of the gate's free units (so no reservation in flight can be left without its
    units); when the gate has too few, the exact path (expired holds released, the gate reconciled) decides.
    Units added come in at the reconciliation that follows."""
    known = requests.adjustment(command.adjustment_id)
    if known is not None:
        return known if known.same_request(command) else IdReused(known)
    retry = _Retry(deadline)
    units = max(-command.delta, 0)
    refusal: str | None = None
    reconciled: Reconciled | None = None
    while True:
        taken = store.take(command.item_id, 0 if refusal else units, now())
        if isinstance(taken, Short):
            if reconciled is None or taken.free is None:
                reconciled = _make_room(command.item_id, store, snapshots, requests, now, retry.deadline)
                continue
            state = reconciled.state
            free = max(taken.free, 0)
            refusal = adjustment_refusal(command.delta, state.supply, state.sold, state.supply - state.sold - free)
            continue
        event = adjustment_at(command, taken.version, now(), refusal)
        record = AdjustmentRecord(
            command.adjustment_id,
            command.item_id,
            command.delta,
            command.reason,
            "adjusted" if refusal is None else "refused",
            taken.version,
            refusal=refusal,
        )
        outcome = store.append(event, claim=Claim(record))
        if isinstance(outcome, Appended):
            if command.delta > 0 and refusal is None:  # the new units are free once the gate counts them
                reconcile(command.item_id, store=store, snapshots=snapshots, now=now, deadline=retry.deadline)
            return record
        if isinstance(outcome, ClaimTaken):
            store.append(voided_at(command.item_id, taken.version, now(), "replayed"))
            known = requests.adjustment(command.adjustment_id)
            if known is None:
                raise RuntimeError(f"adjustment {command.adjustment_id} was claimed but cannot be read")
            return known if known.same_request(command) else IdReused(known)
        retry.again(outcome)


# --- the API's asynchronous commands ----------------------------------------------------------------------


def request_confirm(reservation_id: str, *, requests: Requests, commands: Commands) -> ReservationRecord:
    record = requests.reservation(reservation_id)
    if record is None:
        raise NotFound(f"no reservation {reservation_id}")
    if record.status is ReservationStatus.REFUSED:
        raise Conflict(f"reservation {reservation_id} was refused: it holds nothing to confirm", details=_brief(record))
    commands.send(ConfirmReservation(reservation_id=reservation_id))
    return record


def accept_adjustment(command: AdjustItem, *, requests: Requests, commands: Commands, now: Clock) -> None:
    """``POST /items/{itemId}/adjustments``: queue it, once its id is known with this body (a replay is sent
    again: the processor applies an id once, and the first send may have failed after the id was kept)."""
    first: AdjustItem | AdjustmentRecord | None = requests.accept_adjustment(command, now())
    if first is None:
        first = requests.adjustment(command.adjustment_id)  # applied before acceptances were kept
        if first is None or first.same_request(command):
            commands.send(command)
            return
    raise Conflict(
        f"adjustment {command.adjustment_id} was made with another body",
        details={"itemId": first.item_id, "delta": first.delta, "reason": first.reason},
    )


def _brief(record: ReservationRecord) -> dict[str, object]:
    return {"reservationId": record.reservation_id, "itemId": record.item_id, "status": record.status.value}


# --- the consumers of the change stream -------------------------------------------------------------------


def snapshot_and_retire(
    item_id: str,
    events: Sequence[ItemEvent],
    *,
    store: EventLog,
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
    archive.keep(item_id, events)
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
    store: EventLog,
    snapshots: Snapshots,
) -> list[InventoryChanged]:
    """Fold delivered events into the item's view (any order, duplicates dropped), publish one
    ``inventory-changed`` per newly applied event, then keep the view. A gap that the delivered events
    cannot fill is filled from the event store: each missing event the hot store still holds is applied and
    published (it was written but comes in a later record: the gate's writers finish in any order, and a later
    delivery of it would be dropped as old); past events it no longer holds (a record lost before this consumer
    existed), the view jumps to the store's state with one change."""
    events = list(events)
    while True:
        previous = projection.get(item_id)
        view, applied = project(previous or ItemView(ItemState(item_id)), events)
        if view.pending:
            view, filled = project(view, store.read(item_id, view.state.version))
            applied += filled
        if view.pending:
            state = load_state(item_id, store=store, snapshots=snapshots)
            if state.version >= max(event.version for event in view.pending):
                known = {event.version: event for event in (*view.pending, *events)}
                tail = [known[v] for v in range(view.state.version + 1, state.version + 1) if v in known]
                view = ItemView(state)
                changed = [event for event in tail if not isinstance(event, Voided)]
                applied += [(event, state) for event in changed[-1:]]  # the gap: one change, as of the latest
        changes = [inventory_changed(event, after) for event, after in applied if not isinstance(event, Voided)]
        publisher.publish(changes)  # before the write: a crash republishes (consumers drop by version)
        if view == previous or projection.put(view, previous):
            return changes


def history(
    item_id: str, *, store: EventLog, archive: Archive, after_version: int = 0, most: int | None = None
) -> list[ItemEvent]:
    """The item's history after ``after_version`` (at most ``most`` events: a page): the archive, then the hot
    store's events it does not hold yet (read only when the archive cannot fill the page)."""
    events = {event.version: event for event in archive.recall(item_id, after_version, most)}
    wanted = range(after_version + 1, after_version + 1 + most) if most is not None else None
    if wanted is None or not all(version in events for version in wanted):
        for event in store.read(item_id, after_version):
            events.setdefault(event.version, event)
    ordered = [events[version] for version in sorted(events)]
    return ordered if most is None else ordered[:most]
