"""The oven's use cases: accept a pizza, take waiting pizzas into free slots, take a baked pizza out (handing
its slot straight to the head of the line), and reconcile what a crash or a failed execution left behind.

Each is a short function over the ports (:mod:`pizza_oven.ports`); the handlers call exactly one.
Every step is safe to repeat: a duplicate delivery, or a retry after a crash at any point, ends in the same
state; a slot held by a pizza whose baking is not running is found and repaired by :func:`reconcile`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import ExitStack
from contextvars import copy_context
from dataclasses import dataclass
from datetime import datetime, timedelta

from pizza_oven.domain.model import Pizza, PizzaRecord, PizzaState, Route, Then, when_already_known
from pizza_oven.domain.outcomes import Accepted, Granted, LineServed, NoRoom, Reconciled, Removed
from pizza_oven.ports import (
    BakeTimer,
    Bell,
    Execution,
    Ledger,
    LineEntry,
    LineHead,
    Rejects,
    Shelf,
    Started,
    StartFailed,
    WaitingLine,
)

__all__ = ["Arrival", "StartInProgress", "accept", "accept_all", "reconcile", "remove", "take_waiting"]

Clock = Callable[[], datetime]
DEFAULT_START_GRACE = timedelta(seconds=90)
# How long a removal keeps trying to hand its slot to the head of the line while another taker holds it
# (removals of pizzas that started together finish together, and take the head one after another). Waiting
# costs less than giving up: a freed slot waits for the baker's ring, wake-up and turn at the head.
HAND_OVER_PATIENCE_SECS = 2.0
_HAND_OVER_POLL_SECS = 0.003


class StartInProgress(Exception):
    """Another delivery of this pizza took its slot moments ago and is starting it: try again later."""


def _reused(pizza: Pizza, record: PizzaRecord) -> str:
    return (
        f"pizza id {pizza.id} was already used by another message ({record.message_id}, now {record.state.value}): "
        "an id names its baking execution and cannot be reused within 90 days; send it with a new id"
    )


def accept(
    pizza: Pizza,
    *,
    message_id: str,
    body: str,
    ledger: Ledger,
    line: WaitingLine,
    timer: BakeTimer,
    bell: Bell,
    rejects: Rejects,
    now: Clock,
    start_grace: timedelta = DEFAULT_START_GRACE,
    starts: Executor | None = None,
) -> Accepted | Future[Accepted]:
    """A pizza from NewItems: a free slot if nobody waits for it, else the back of the waiting line.

    Another message with the same pizza id is a reuse: rejected to the DLQ with the reason, never dropped.
    With ``starts``, a pizza that took a slot has its baking started there, and the answer is that start's
    future (:func:`accept_all` starts a batch's first pizzas side by side).
    """
    outcome = ledger.allocate(pizza, message_id, now())
    if isinstance(outcome, Granted):
        if starts is not None:
            return starts.submit(  # in this call's context: the handler's deadline bounds the start's retries
                copy_context().run,
                _start_arrival,
                pizza,
                message_id,
                body,
                ledger=ledger,
                timer=timer,
                rejects=rejects,
                now=now,
            )
        return _start_arrival(pizza, message_id, body, ledger=ledger, timer=timer, rejects=rejects, now=now)
    if isinstance(outcome, NoRoom):
        joined = ledger.join_line(pizza, message_id, now())
        if isinstance(joined, Granted):
            line.join(pizza)
            bell.ring(f"joined-{pizza.id}")
            return Accepted.WAITING
        outcome = joined

    record = outcome.record
    if record is not None and record.message_id is not None and record.message_id != message_id:
        rejects.reject(body, _reused(pizza, record), message_id)
        return Accepted.REUSED
    match when_already_known(record, now=now(), start_grace=start_grace):
        case Then.REJOIN_LINE:
            assert record is not None
            line.join(record.pizza)  # its first delivery may have died before joining; SQS drops a repeat
            bell.ring(f"joined-{pizza.id}")
        case Then.START:
            assert record is not None
            execution = _start(record.pizza, record.route or Route.DIRECT, ledger=ledger, timer=timer)
            if execution is not None:
                ledger.mark_started(record.pizza, execution, now())
        case Then.RETRY_LATER:
            raise StartInProgress(f"pizza {pizza.id} took its slot moments ago and is being started")
        case Then.DROP:
            pass
    return Accepted.DUPLICATE


@dataclass(frozen=True)
class Arrival:
    """A pizza from NewItems, with the message that brought it."""

    pizza: Pizza
    message_id: str
    body: str


# The most arrivals recorded in one transaction (DynamoDB allows 100 actions; the load is one of them).
MOST_JOINING_TOGETHER = 50
# The most bakings of one batch started side by side (an oven's capacity is rarely larger).
STARTING_TOGETHER = 8


def accept_all(
    arrivals: Sequence[Arrival],
    *,
    ledger: Ledger,
    line: WaitingLine,
    timer: BakeTimer,
    bell: Bell,
    rejects: Rejects,
    now: Clock,
    start_grace: timedelta = DEFAULT_START_GRACE,
    starts: Executor | None = None,
) -> list[Accepted | Exception]:
    """Arrivals of one batch, in order, each answered as :func:`accept` would (or with the error it met).

    Each takes a free slot while there is one and nobody waits; once one has joined the line, those after it
    join together: one transaction for their records and the count, one send for their entries, one ring.
    (One pair of transactions per pizza on the oven's one load item made a backlog's arrivals fight the
    removals handing their slots over, and stall the line behind them.) A pizza the oven knows already
    sends the group back to one by one.

    Those that took a slot start baking side by side, on ``starts`` (by default a pool of
    :data:`STARTING_TOGETHER` threads): a start (StartExecution, then the record) is the slow part, and an
    empty oven's first pizzas arrive in one batch; started one after another, they came out of the oven as
    far apart, wave after wave.
    """
    with ExitStack() as pool:
        if starts is None:
            starts = pool.enter_context(ThreadPoolExecutor(STARTING_TOGETHER, thread_name_prefix="start"))
        outcomes: list[Accepted | Exception | Future[Accepted]] = []
        together = True
        while len(outcomes) < len(arrivals):
            rest = arrivals[len(outcomes) : len(outcomes) + MOST_JOINING_TOGETHER]
            if together and outcomes and outcomes[-1] is Accepted.WAITING and _distinct(rest):
                joined = _join_together(rest, ledger, line, bell, now)
                if joined:
                    outcomes += joined
                    continue
                together = False  # the oven knew one of them: one by one from here
            arrival = rest[0]
            try:
                outcomes.append(
                    accept(
                        arrival.pizza,
                        message_id=arrival.message_id,
                        body=arrival.body,
                        ledger=ledger,
                        line=line,
                        timer=timer,
                        bell=bell,
                        rejects=rejects,
                        now=now,
                        start_grace=start_grace,
                        starts=starts,
                    )
                )
            except Exception as error:  # this pizza is retried; the others go on
                outcomes.append(error)
        return [_answer(outcome) for outcome in outcomes]


def _answer(outcome: Accepted | Exception | Future[Accepted]) -> Accepted | Exception:
    if not isinstance(outcome, Future):
        return outcome
    error = outcome.exception()
    return error if isinstance(error, Exception) else outcome.result()


def _distinct(arrivals: Sequence[Arrival]) -> bool:
    return len({arrival.pizza.id for arrival in arrivals}) == len(arrivals)


def _join_together(
    arrivals: Sequence[Arrival], ledger: Ledger, line: WaitingLine, bell: Bell, now: Clock
) -> list[Accepted | Exception]:
    """Join the line together; an empty answer if the oven knew one of them (nothing changed)."""
    try:
        if not ledger.join_line_together([(arrival.pizza, arrival.message_id) for arrival in arrivals], now()):
            return []
        line.join_together([arrival.pizza for arrival in arrivals])
        bell.ring(f"joined-{arrivals[0].pizza.id}")
    except Exception as error:  # each is retried: recorded as waiting, it rejoins the line (deduplicated)
        return [error] * len(arrivals)
    return [Accepted.WAITING] * len(arrivals)


def _start_arrival(
    pizza: Pizza, message_id: str, body: str, *, ledger: Ledger, timer: BakeTimer, rejects: Rejects, now: Clock
) -> Accepted:
    allocated = now()
    execution = _start(pizza, Route.DIRECT, ledger=ledger, timer=timer)
    if execution is None:
        # An execution of that name exists and is over, though the oven had no record: one from an earlier
        # pizza with this id (its record expired, or predates the 90-day retention). A reuse: reject it.
        found = timer.execution(pizza)
        if found is not None and found.started_at < allocated - timedelta(seconds=1):
            ledger.discard(pizza, "reused id", now())
            reason = (
                f"pizza id {pizza.id} named an execution that ran on {found.started_at:%Y-%m-%d}: ids cannot be reused"
            )
            rejects.reject(body, reason, message_id)
            return Accepted.REUSED
        return Accepted.DUPLICATE  # its own execution, over already: the reconciler settles it
    ledger.mark_started(pizza, execution, now())
    return Accepted.BAKING


def take_waiting(
    *,
    ledger: Ledger,
    line: LineHead,
    timer: BakeTimer,
    now: Clock,
    most: int = 10,
    has_time: Callable[[], bool] = lambda: True,
) -> LineServed:
    """The baker: take pizzas from the head of the line, in order, while slots are free.

    Only one baker runs at a time (it is woken through a FIFO queue with one message group), so nothing
    else takes waiting pizzas, and arrivals take no slot while anyone waits: the line is never overtaken.
    Slots free up while it works, and it goes on taking; ``has_time`` lets it stop before its function's
    timeout would leave the head of the line held. (A removal handing its slot over takes the head too:
    whoever holds the head is the one taker at that moment, baker or not.)
    """
    taken = 0
    while True:
        load = ledger.load()
        if load.free_slots == 0:
            return LineServed(taken)
        if not has_time():
            return LineServed(taken, unfinished=True)
        # With nobody counted as waiting, a quick look still clears stale entries: a repeat sent after SQS's
        # deduplication window, or the entry of a pizza whose start was unclear (it is baking, not waiting).
        entries = line.take(min(most, load.free_slots), patient=load.waiting > 0)
        if not entries:
            return LineServed(taken)
        taken_now, stopped = _take_in_order(entries, ledger=ledger, line=line, timer=timer, now=now)
        taken += taken_now
        if stopped:
            return LineServed(taken)


def _take_in_order(
    entries: list[LineEntry], *, ledger: Ledger, line: LineHead, timer: BakeTimer, now: Clock
) -> tuple[int, bool]:
    """Give each entry, in order, its slot; let go of the line; then start their bakings. Returns how many
    took a slot, and whether the round stopped early (the oven filled up): the entries not reached are put
    back at the head.

    The line is held only for the transactions, which decide the order; the starts (the slow part) follow
    once it is free for the next taker. A pizza whose start fails keeps its slot: the reconciler starts it,
    or puts it back in line if it never can.
    """
    taken, stopped = 0, False
    settled: list[LineEntry] = []
    to_start: list[Pizza] = []
    error: Exception | None = None
    try:
        for position, entry in enumerate(entries):
            try:
                outcome = ledger.take_from_line(entry.pizza, entry.sequence, now())
            except Exception as failed:
                # Back at the head at once, this entry and those after it: held, they would hold up the line's
                # one message group for the visibility timeout. The next taker tries them again; those that
                # took a slot before it still start below.
                line.put_back(entries[position:])
                error, stopped = failed, True
                break
            if isinstance(outcome, NoRoom):
                line.put_back(entries[position:])
                stopped = True
                break
            if isinstance(outcome, Granted):
                to_start.append(entry.pizza)
                taken += 1
            else:
                decision = when_already_known(outcome.record, now=now(), start_grace=timedelta(0), from_line=True)
                if decision is Then.REJOIN_LINE:  # still waiting: only a change of capacity gets here
                    line.put_back(entries[position:])
                    stopped = True
                    break
                if decision is Then.START and outcome.record:  # its start was unclear: start it (idempotent)
                    to_start.append(outcome.record.pizza)
            settled.append(entry)
    finally:
        line.done(settled)
    failure: StartFailed | None = None
    for pizza in to_start:
        try:
            started, execution = timer.start(pizza)
        except StartFailed as failed:
            failure = failure or failed
            continue
        if started is not Started.FINISHED:
            ledger.mark_started(pizza, execution, now())
    if error is not None:
        raise error
    if failure is not None:
        raise failure
    return taken, stopped


def remove(
    pizza: Pizza,
    *,
    ledger: Ledger,
    line: LineHead,
    timer: BakeTimer,
    shelf: Shelf,
    bell: Bell,
    now: Clock,
    patience_secs: float = HAND_OVER_PATIENCE_SECS,
    pause: Callable[[float], None] = time.sleep,
) -> Removed:
    """The end of baking: free the slot exactly once, put the pizza on the shelf.

    If pizzas wait, the slot goes straight to the head of the line (one transaction takes this pizza out
    and gives the slot to the next, whose baking starts at once): no ring, no baker's wake-up between a slot
    freeing and the next start. Only when the head cannot be had (another taker holds it) is the slot freed
    and the baker's bell rung.
    """
    handed_at = _hand_over(
        pizza, ledger=ledger, line=line, timer=timer, bell=bell, now=now, patience_secs=patience_secs, pause=pause
    )
    if handed_at is not None:
        result, baked_at = Removed.HANDED_OVER, handed_at
    else:
        moment = now()
        outcome = ledger.take_out(pizza, moment)
        if isinstance(outcome, Granted):
            result, baked_at = Removed.TAKEN_OUT, moment
        else:
            record = outcome.record
            if record is None or record.state is not PizzaState.BAKED:
                return Removed.NOT_IN_OVEN
            result, baked_at, pizza = Removed.DUPLICATE, record.baked_at or moment, record.pizza
            if record.shelved_at is not None:
                bell.ring(f"removed-{pizza.id}")
                return result
        # The baker first: a waiting pizza can take the slot while this one goes on the shelf. A crash after
        # the slot was freed leaves the pizza unshelved; the retried removal comes here again.
        bell.ring(f"removed-{pizza.id}")
    shelf.put(pizza, baked_at)
    ledger.mark_shelved(pizza, now())
    return result


def _hand_over(
    pizza: Pizza,
    *,
    ledger: Ledger,
    line: LineHead,
    timer: BakeTimer,
    bell: Bell,
    now: Clock,
    patience_secs: float,
    pause: Callable[[float], None],
) -> datetime | None:
    """Give this pizza's slot to the head of the line; when it did (None: it did not). The head is held (by
    this removal) from before the transaction until its baking started, so the line's order and one-taker
    rule hold."""
    give_up = time.monotonic() + patience_secs
    patient = False
    while True:
        entries = line.take(1, patient=patient)
        if not entries:
            # Nobody waits, or another taker holds the head (removals of pizzas that started together finish
            # together): wait for it with a long poll, which answers as soon as the head is free again.
            if time.monotonic() >= give_up or ledger.load().waiting == 0:
                return None
            patient = True
            pause(_HAND_OVER_POLL_SECS)
            continue
        entry, moment = entries[0], now()
        try:
            outcome = ledger.hand_over(pizza, entry.pizza, entry.sequence, moment)
        except Exception:
            # Held, the head would hold up the line's one message group for the visibility timeout.
            line.put_back([entry])
            raise
        if not isinstance(outcome, Granted):
            # AlreadyKnown: this pizza is out already (a repeated removal); NoRoom: the entry is stale or the
            # capacity was lowered. Either way the head goes back to the baker, untouched.
            line.put_back([entry])
            return None
        # The slot is the head's now (the transaction decided the order): let the next taker have the line
        # before this pizza's start, which is the slow part.
        line.done([entry])
        try:
            started, execution = timer.start(entry.pizza)
        except StartFailed:
            # It holds its slot, unstarted: the reconciler starts it (or, if it never can, puts it back in line).
            bell.ring(f"removed-{pizza.id}")
            return moment
        if started is not Started.FINISHED:
            ledger.mark_started(entry.pizza, execution, now())
        return moment


def reconcile(
    *,
    ledger: Ledger,
    timer: BakeTimer,
    line: LineHead,
    waiting_line: WaitingLine,
    shelf: Shelf,
    bell: Bell,
    rejects: Rejects,
    now: Clock,
    start_grace: timedelta = DEFAULT_START_GRACE,
    has_time: Callable[[], bool] = lambda: True,
) -> Reconciled:
    """Repair what crashes and failed executions leave behind, on a schedule, so no slot leaks and no pizza
    is lost:

    - a slot held by a pizza whose baking never started (a start that failed without a definite answer,
      whose message then reached its DLQ): its baking is started now (idempotent by name);
    - a pizza whose execution ended without its removal (every retry of it failed, or it was stopped):
      taken out and shelved if it baked its time, else its slot is freed and it goes to the DLQ with the
      reason (``FAILED``);
    - ``in_use`` recounted from the slot holders; and the baker's bell rung, so the line never waits for a
      ring that was lost.
    """
    _, holders = ledger.slot_holders()
    checked = started = taken_out = failed = 0
    for pizza_id in holders:
        if not has_time():
            break
        record = ledger.pizza(pizza_id)
        if record is None or record.state is not PizzaState.BAKING:
            continue  # it left the oven since the read
        checked += 1
        pizza = record.pizza
        if record.started_at is None:
            if record.allocated_at is not None and now() - record.allocated_at < start_grace:
                continue  # its first delivery may still be starting it
            try:
                execution = _start(pizza, record.route or Route.DIRECT, ledger=ledger, timer=timer)
            except StartFailed as failure:
                if failure.definite and record.route is Route.LINE:
                    waiting_line.rejoin(pizza)  # it waits again; its entry may be gone
                elif failure.definite:
                    rejects.reject(_body(pizza), f"its baking could not start: {failure}", record.message_id or "")
                continue
            if execution is not None:
                ledger.mark_started(pizza, execution, now())
                started += 1
                continue
        found = timer.execution(pizza)
        if found is None or found.running:
            continue
        if _settle(
            record, found, ledger=ledger, line=line, timer=timer, shelf=shelf, bell=bell, rejects=rejects, now=now
        ):
            taken_out += 1
        else:
            failed += 1
    recounted = ledger.recount()
    bell.ring(f"reconciled-{now():%Y%m%dT%H%M}")
    return Reconciled(checked=checked, started=started, taken_out=taken_out, failed=failed, recounted=recounted)


def _settle(
    record: PizzaRecord,
    execution: Execution,
    *,
    ledger: Ledger,
    line: LineHead,
    timer: BakeTimer,
    shelf: Shelf,
    bell: Bell,
    rejects: Rejects,
    now: Clock,
) -> bool:
    """A pizza still holding its slot whose execution is over: taken out (True) if it baked its time, else
    failed and sent to the DLQ with the reason (False)."""
    pizza = record.pizza
    earlier_life = record.allocated_at is not None and execution.started_at < record.allocated_at - timedelta(seconds=1)
    if not earlier_life and (execution.succeeded or execution.baked_for() >= pizza.baking_time_secs):
        remove(pizza, ledger=ledger, line=line, timer=timer, shelf=shelf, bell=bell, now=now)
        return True
    reason = (
        f"pizza id {pizza.id} names an execution of an earlier pizza ({execution.started_at:%Y-%m-%d}): reused id"
        if earlier_life
        else f"its baking execution ended {execution.status} after {execution.baked_for():.0f} s of "
        f"{pizza.baking_time_secs} s: {execution.error or ''} {execution.cause or ''}".strip()
    )
    if isinstance(ledger.discard(pizza, reason, now()), Granted):
        rejects.reject(_body(pizza), reason, record.message_id or "")
        bell.ring(f"failed-{pizza.id}")
    return False


def _body(pizza: Pizza) -> str:
    return json.dumps(pizza.to_message(), sort_keys=True)


def _start(pizza: Pizza, route: Route, *, ledger: Ledger, timer: BakeTimer) -> str | None:
    """Start the pizza's baking, and return its execution (to mark as started), or None if an execution of
    that name is over already (the reconciler settles it). Gives the slot back if the execution certainly
    did not start."""
    try:
        started, execution = timer.start(pizza)
    except StartFailed as failure:
        if failure.definite:
            ledger.give_back(pizza, route)
        raise
    return None if started is Started.FINISHED else execution
