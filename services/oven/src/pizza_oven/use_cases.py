"""The oven's three use cases: accept a pizza, take waiting pizzas into free slots, take a baked pizza out.

Each is a short function over the ports (:mod:`pizza_oven.domain.ports`); the handlers call exactly one.
Every step is safe to repeat: a duplicate delivery, or a retry after a crash at any point, ends in the same
state, and no slot is held by a pizza whose baking is not running.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pizza_oven.domain.model import Granted, NoRoom, Pizza, PizzaState, Route, Then, when_already_known
from pizza_oven.domain.ports import (
    BakeTimer,
    Bell,
    Ledger,
    LineEntry,
    LineHead,
    Shelf,
    Started,
    StartFailed,
    WaitingLine,
)

__all__ = ["Accepted", "LineServed", "Removed", "StartInProgress", "accept", "remove", "take_waiting"]

Clock = Callable[[], datetime]
DEFAULT_START_GRACE = timedelta(seconds=90)


class Accepted(StrEnum):
    BAKING = "baking"  # it took a free slot and its baking started
    WAITING = "waiting"  # it joined the waiting line
    DUPLICATE = "duplicate"  # the oven already had it: nothing new happened


class Removed(StrEnum):
    TAKEN_OUT = "taken-out"  # this removal freed the slot
    DUPLICATE = "duplicate"  # an earlier removal freed it; the shelf and the bell were made sure of
    NOT_IN_OVEN = "not-in-oven"  # the oven does not have it baking or baked: nothing was changed


class StartInProgress(Exception):
    """Another delivery of this pizza took its slot moments ago and is starting it: try again later."""


def accept(
    pizza: Pizza,
    *,
    ledger: Ledger,
    line: WaitingLine,
    timer: BakeTimer,
    bell: Bell,
    now: Clock,
    start_grace: timedelta = DEFAULT_START_GRACE,
) -> Accepted:
    """A pizza from NewItems: a free slot if nobody waits for it, else the back of the waiting line."""
    outcome = ledger.allocate(pizza, now())
    if isinstance(outcome, Granted):
        return _start_and_mark(pizza, Route.DIRECT, ledger=ledger, timer=timer, now=now)
    if isinstance(outcome, NoRoom):
        joined = ledger.join_line(pizza, now())
        if isinstance(joined, Granted):
            line.join(pizza)
            bell.ring(f"joined-{pizza.id}")
            return Accepted.WAITING
        outcome = joined

    record = outcome.record
    match when_already_known(record, now=now(), start_grace=start_grace):
        case Then.REJOIN_LINE:
            assert record is not None
            line.join(record.pizza)  # its first delivery may have died before joining; SQS drops a repeat
            bell.ring(f"joined-{pizza.id}")
        case Then.START:
            assert record is not None
            _start_and_mark(record.pizza, record.route or Route.DIRECT, ledger=ledger, timer=timer, now=now)
        case Then.RETRY_LATER:
            raise StartInProgress(f"pizza {pizza.id} took its slot moments ago and is being started")
        case Then.DROP:
            pass
    return Accepted.DUPLICATE


@dataclass(frozen=True)
class LineServed:
    taken: int  # pizzas taken from the line into slots
    unfinished: bool = False  # stopped for lack of time with slots still free: ring for another baker


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
    timeout would leave the head of the line held.
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
    """Give each entry, in order, its slot and start its baking. Returns how many took a slot, and whether
    the round stopped early (the oven filled up): the entries not reached are put back at the head.

    Only the slot and the start are on the way to the next pizza's start; the round's bookkeeping (started
    marks, deleting the entries) follows it, and is safe to lose: a repeat of an entry redoes it.
    """
    taken = 0
    settled: list[LineEntry] = []
    started: list[tuple[Pizza, str, datetime]] = []
    try:
        for position, entry in enumerate(entries):
            outcome = ledger.take_from_line(entry.pizza, entry.sequence, now())
            if isinstance(outcome, NoRoom):
                line.put_back(entries[position:])
                return taken, True
            if isinstance(outcome, Granted):
                pizza: Pizza | None = entry.pizza
                taken += 1
            else:
                decision = when_already_known(outcome.record, now=now(), start_grace=timedelta(0), from_line=True)
                if decision is Then.REJOIN_LINE:  # still waiting: only a change of capacity gets here
                    line.put_back(entries[position:])
                    return taken, True
                pizza = outcome.record.pizza if decision is Then.START and outcome.record else None
            if pizza is not None:  # None: a stale entry (baked, or started already), only to be settled
                try:
                    execution = _start(pizza, Route.LINE, ledger=ledger, timer=timer, now=now)
                except StartFailed:
                    line.put_back(entries[position:])  # it keeps its place at the head of the line
                    raise
                if execution is not None:
                    started.append((pizza, execution, now()))
            settled.append(entry)
        return taken, False
    finally:
        for pizza, execution, moment in started:
            ledger.mark_started(pizza, execution, moment)
        line.done(settled)


def remove(pizza: Pizza, *, ledger: Ledger, shelf: Shelf, bell: Bell, now: Clock) -> Removed:
    """The end of baking: free the slot exactly once, put the pizza on the shelf, wake the baker."""
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
    # The baker first: a waiting pizza can take the slot while this one goes on the shelf. A crash after the
    # slot was freed leaves the pizza unshelved; the retried removal comes here again.
    bell.ring(f"removed-{pizza.id}")
    shelf.put(pizza, baked_at)
    ledger.mark_shelved(pizza, now())
    return result


def _start(pizza: Pizza, route: Route, *, ledger: Ledger, timer: BakeTimer, now: Clock) -> str | None:
    """Start the pizza's baking, and return its execution (to mark as started), or None if its baking is
    over already. Gives the slot back if the execution certainly did not start."""
    try:
        started, execution = timer.start(pizza)
    except StartFailed as failure:
        if failure.definite:
            ledger.give_back(pizza, route)
        raise
    if started is Started.FINISHED:
        # Its baking ran and ended in an earlier life (or failed before removing it): it holds no oven time.
        ledger.take_out(pizza, now())
        return None
    return execution


def _start_and_mark(pizza: Pizza, route: Route, *, ledger: Ledger, timer: BakeTimer, now: Clock) -> Accepted:
    execution = _start(pizza, route, ledger=ledger, timer=timer, now=now)
    if execution is None:
        return Accepted.DUPLICATE
    ledger.mark_started(pizza, execution, now())
    return Accepted.BAKING
