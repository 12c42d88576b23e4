"""What the oven's use cases need from the world, as protocols. ``adapters/`` implements each with AWS
(a module named after the port); ``tests/fakes.py`` in memory, held to the adapters by ``tests/contract``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pizza_oven.domain.model import Load, Pizza, PizzaRecord, Route
from pizza_oven.domain.outcomes import AlreadyKnown, Granted, NoRoom

__all__ = [
    "BakeTimer",
    "Bell",
    "Execution",
    "Ledger",
    "LineEntry",
    "LineHead",
    "Rejects",
    "Shelf",
    "Snooze",
    "StartFailed",
    "Started",
    "WaitingLine",
]


class Ledger(Protocol):
    """The oven table: capacity, load and every pizza's state, changed together in transactions.

    The load records which pizzas hold its slots (``slot_holders``), in the same transactions as ``in_use``.
    """

    def load(self) -> Load: ...

    def pizza(self, pizza_id: str) -> PizzaRecord | None: ...

    def allocate(self, pizza: Pizza, message_id: str, now: datetime) -> Granted | NoRoom | AlreadyKnown:
        """Take a slot for a new arrival: only if one is free, nobody waits, and the pizza is new."""
        ...

    def join_line(self, pizza: Pizza, message_id: str, now: datetime) -> Granted | AlreadyKnown:
        """Record the pizza as waiting (and count it), unless the oven already knows it."""
        ...

    def join_line_together(self, arrivals: Sequence[tuple[Pizza, str]], now: datetime) -> bool:
        """Record several new pizzas (each with its message id) as waiting, and count them, in one step: True.
        False if the oven knows any of them already: then nothing changed (join them one by one)."""
        ...

    def take_from_line(self, pizza: Pizza, line_sequence: str, now: datetime) -> Granted | NoRoom | AlreadyKnown:
        """Give a waiting pizza a slot, if one is free."""
        ...

    def hand_over(
        self, baked: Pizza, waiting: Pizza, line_sequence: str, now: datetime
    ) -> Granted | NoRoom | AlreadyKnown:
        """Take ``baked`` out and give its slot to ``waiting`` in one step. ``AlreadyKnown``: ``baked`` was not
        baking (nothing changed); ``NoRoom``: ``waiting`` is not waiting any more, or the capacity was lowered."""
        ...

    def give_back(self, pizza: Pizza, route: Route) -> None:
        """Undo a slot whose baking could not start: an arrival is forgotten, a line pizza waits again."""
        ...

    def mark_started(self, pizza: Pizza, execution: str, now: datetime) -> None: ...

    def take_out(self, pizza: Pizza, now: datetime) -> Granted | AlreadyKnown:
        """Free the pizza's slot and mark it baked, only if it is baking: a second removal changes nothing."""
        ...

    def discard(self, pizza: Pizza, reason: str, now: datetime) -> Granted | AlreadyKnown:
        """Free the slot of a pizza whose baking failed before its time, and mark it failed with the reason."""
        ...

    def mark_shelved(self, pizza: Pizza, now: datetime) -> None: ...

    def slot_holders(self) -> tuple[Load, list[str]]:
        """The load and the ids of the pizzas holding its slots, read together."""
        ...

    def recount(self) -> bool:
        """Set ``in_use`` to the number of slot holders if they disagree; whether they did."""
        ...


@dataclass(frozen=True)
class LineEntry:
    """A pizza taken from the head of the waiting line (held until done or put back)."""

    pizza: Pizza
    sequence: str  # the line's own order (the FIFO queue's sequence number)
    receipt: str


class WaitingLine(Protocol):
    """The back of the waiting line, where pizzas join it in arrival order."""

    def join(self, pizza: Pizza) -> None:
        """Join once: a repeat within the deduplication window is dropped."""
        ...

    def join_together(self, pizzas: Sequence[Pizza]) -> None:
        """Join in this order, each once (as :meth:`join`), in as few calls as the queue allows."""
        ...

    def rejoin(self, pizza: Pizza) -> None:
        """Join again, even within the window (a pizza put back to waiting whose entry is gone)."""
        ...


class LineHead(Protocol):
    """The head of the waiting line. Entries taken are held by the taker until done or put back, and while
    any is held nobody else is handed anything (one taker at a time)."""

    def take(self, most: int, *, patient: bool = True) -> list[LineEntry]:
        """Up to ``most`` entries from the head; ``patient`` waits a moment for entries on their way."""
        ...

    def done(self, entries: list[LineEntry]) -> None:
        """These entries are settled: they leave the line."""
        ...

    def put_back(self, entries: list[LineEntry]) -> None: ...


class Started(StrEnum):
    NOW = "now"  # this call started it (or found its own identical start still running)
    EARLIER = "earlier"  # an execution of that name exists and is running
    FINISHED = "finished"  # an execution of that name exists and is over


class StartFailed(Exception):
    """The baking execution did not start. ``definite``: Step Functions confirms that no execution of the
    pizza exists (not even from an earlier attempt), so its slot can go back."""

    def __init__(self, message: str, *, definite: bool) -> None:
        super().__init__(message)
        self.definite = definite


@dataclass(frozen=True)
class Execution:
    """A pizza's baking execution as Step Functions describes it."""

    status: str  # RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE
    started_at: datetime
    stopped_at: datetime | None = None
    error: str | None = None
    cause: str | None = None

    @property
    def running(self) -> bool:
        return self.status in ("RUNNING", "PENDING_REDRIVE")

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    def baked_for(self) -> float:
        """Seconds it ran (so far, or until it stopped)."""
        end = self.stopped_at or self.started_at
        return (end - self.started_at).total_seconds()


class BakeTimer(Protocol):
    """Starts the baking of a pizza: one execution named after the pizza, which removes it when done."""

    def start(self, pizza: Pizza) -> tuple[Started, str]:
        """Returns how it went and the execution's id; raises :class:`StartFailed`."""
        ...

    def execution(self, pizza: Pizza) -> Execution | None:
        """The pizza's execution, or None if none exists."""
        ...


class Shelf(Protocol):
    """Where baked pizzas go (the BakedItems queue)."""

    def put(self, pizza: Pizza, baked_at: datetime) -> None: ...


class Bell(Protocol):
    """Wakes the baker, who then takes waiting pizzas into free slots."""

    def ring(self, reason: str) -> None: ...


class Snooze(Protocol):
    """The baker's own rings, once received: a baker that failed lets them come back soon."""

    def snooze(self, receipts: list[str], seconds: int) -> None:
        """Rings already received (by their receipt handles) come back after ``seconds``: try again soon."""
        ...


class Rejects(Protocol):
    """Where a pizza that will never be baked goes, with its reason (the NewItems dead-letter queue)."""

    def reject(self, body: str, reason: str, message_id: str) -> None: ...
