"""In-memory ports with the same semantics as the AWS adapters (tests/test_ledger_contract.py holds the
ledger fake to the DynamoDB one), for testing the use cases in every order of events."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from pizza_oven.domain.model import Load, Pizza, PizzaRecord, PizzaState, Route
from pizza_oven.domain.outcomes import AlreadyKnown, Granted, NoRoom
from pizza_oven.ports import Execution, LineEntry, Started, StartFailed


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


@dataclass
class FakeLedger:
    capacity: int
    in_use: int = 0
    waiting: int = 0
    pizzas: dict[str, PizzaRecord] = field(default_factory=dict)
    allocations: list[tuple[str, Route]] = field(default_factory=list)  # in the order slots were granted
    holders: set[str] = field(default_factory=set)  # the pizzas holding slots

    def load(self) -> Load:
        return Load(self.capacity, self.in_use, self.waiting)

    def pizza(self, pizza_id: str) -> PizzaRecord | None:
        return self.pizzas.get(pizza_id)

    def allocate(self, pizza: Pizza, message_id: str, now: datetime) -> Granted | NoRoom | AlreadyKnown:
        if pizza.id in self.pizzas:
            return AlreadyKnown(self.pizzas[pizza.id])
        if self.in_use >= self.capacity or self.waiting != 0:
            return NoRoom()
        self.in_use += 1
        self.holders.add(pizza.id)
        self.pizzas[pizza.id] = PizzaRecord(
            pizza.id,
            PizzaState.BAKING,
            pizza.baking_time_secs,
            route=Route.DIRECT,
            allocated_at=now,
            message_id=message_id,
        )
        self.allocations.append((pizza.id, Route.DIRECT))
        return Granted()

    def join_line(self, pizza: Pizza, message_id: str, now: datetime) -> Granted | AlreadyKnown:
        if pizza.id in self.pizzas:
            return AlreadyKnown(self.pizzas[pizza.id])
        self.pizzas[pizza.id] = PizzaRecord(pizza.id, PizzaState.WAITING, pizza.baking_time_secs, message_id=message_id)
        self.waiting += 1
        return Granted()

    def join_line_together(self, arrivals: Sequence[tuple[Pizza, str]], now: datetime) -> bool:
        if any(pizza.id in self.pizzas for pizza, _ in arrivals):
            return False
        for pizza, message_id in arrivals:
            self.join_line(pizza, message_id, now)
        return True

    def take_from_line(self, pizza: Pizza, line_sequence: str, now: datetime) -> Granted | NoRoom | AlreadyKnown:
        record = self.pizzas.get(pizza.id)
        if record is None or record.state is not PizzaState.WAITING:
            return AlreadyKnown(record)
        if self.in_use >= self.capacity:
            return NoRoom()
        self.in_use += 1
        self.waiting -= 1
        self.holders.add(pizza.id)
        self.pizzas[pizza.id] = replace(
            record, state=PizzaState.BAKING, route=Route.LINE, line_sequence=line_sequence, allocated_at=now
        )
        self.allocations.append((pizza.id, Route.LINE))
        return Granted()

    def hand_over(
        self, baked: Pizza, waiting: Pizza, line_sequence: str, now: datetime
    ) -> Granted | NoRoom | AlreadyKnown:
        record = self.pizzas.get(baked.id)
        if record is None or record.state is not PizzaState.BAKING:
            return AlreadyKnown(record)
        next_record = self.pizzas.get(waiting.id)
        if next_record is None or next_record.state is not PizzaState.WAITING or self.in_use > self.capacity:
            return NoRoom()
        self.pizzas[baked.id] = replace(record, state=PizzaState.BAKED, baked_at=now)
        self.holders.discard(baked.id)
        self.holders.add(waiting.id)
        self.waiting -= 1
        self.pizzas[waiting.id] = replace(
            next_record, state=PizzaState.BAKING, route=Route.LINE, line_sequence=line_sequence, allocated_at=now
        )
        self.allocations.append((waiting.id, Route.LINE))
        return Granted()

    def give_back(self, pizza: Pizza, route: Route) -> None:
        record = self.pizzas.get(pizza.id)
        if record is None or record.state is not PizzaState.BAKING or record.started_at is not None:
            return
        self.in_use -= 1
        self.holders.discard(pizza.id)
        if route is Route.DIRECT:
            del self.pizzas[pizza.id]
        else:
            self.waiting += 1
            self.pizzas[pizza.id] = replace(
                record, state=PizzaState.WAITING, allocated_at=None, route=None, line_sequence=None
            )

    def mark_started(self, pizza: Pizza, execution: str, now: datetime) -> None:
        record = self.pizzas.get(pizza.id)
        if record is not None and record.started_at is None:
            self.pizzas[pizza.id] = replace(record, started_at=now, execution=execution)

    def take_out(self, pizza: Pizza, now: datetime) -> Granted | AlreadyKnown:
        record = self.pizzas.get(pizza.id)
        if record is None or record.state is not PizzaState.BAKING:
            return AlreadyKnown(record)
        assert self.in_use > 0, "the load has no slot in use while a pizza bakes"
        self.in_use -= 1
        self.holders.discard(pizza.id)
        self.pizzas[pizza.id] = replace(record, state=PizzaState.BAKED, baked_at=now)
        return Granted()

    def discard(self, pizza: Pizza, reason: str, now: datetime) -> Granted | AlreadyKnown:
        record = self.pizzas.get(pizza.id)
        if record is None or record.state is not PizzaState.BAKING:
            return AlreadyKnown(record)
        self.in_use -= 1
        self.holders.discard(pizza.id)
        self.pizzas[pizza.id] = replace(record, state=PizzaState.FAILED)
        return Granted()

    def slot_holders(self) -> tuple[Load, list[str]]:
        return self.load(), sorted(self.holders)

    def recount(self) -> bool:
        if self.in_use == len(self.holders):
            return False
        self.in_use = len(self.holders)
        return True

    def mark_shelved(self, pizza: Pizza, now: datetime) -> None:
        record = self.pizzas.get(pizza.id)
        if record is not None and record.shelved_at is None:
            self.pizzas[pizza.id] = replace(record, shelved_at=now)


@dataclass
class FakeLine:
    """A FIFO line with one group: nothing is handed out while any entry is held (as SQS FIFO does)."""

    queued: list[tuple[str, Pizza]] = field(default_factory=list)  # (sequence, pizza) in order
    held: dict[str, tuple[str, Pizza]] = field(default_factory=dict)
    joined: list[str] = field(default_factory=list)  # every pizza id sent, in order
    _sequence: itertools.count = field(default_factory=lambda: itertools.count(1))
    _recent: set[str] = field(default_factory=set)  # deduplication ids seen (the 5-minute window)

    def join(self, pizza: Pizza) -> None:
        if pizza.id in self._recent:
            return
        self._recent.add(pizza.id)
        self.rejoin(pizza)

    def join_together(self, pizzas: Sequence[Pizza]) -> None:
        for pizza in pizzas:
            self.join(pizza)

    def rejoin(self, pizza: Pizza) -> None:
        self.queued.append((f"{next(self._sequence):020d}", pizza))
        self.joined.append(pizza.id)

    def take(self, most: int, *, patient: bool = True) -> list[LineEntry]:
        if self.held:
            return []
        taken, self.queued = self.queued[:most], self.queued[most:]
        entries = []
        for sequence, pizza in taken:
            receipt = f"r-{sequence}"
            self.held[receipt] = (sequence, pizza)
            entries.append(LineEntry(pizza, sequence, receipt))
        return entries

    def done(self, entries: list[LineEntry]) -> None:
        for entry in entries:
            del self.held[entry.receipt]

    def put_back(self, entries: list[LineEntry]) -> None:
        returned = [self.held.pop(entry.receipt) for entry in entries]
        self.queued = sorted(returned) + self.queued

    def __len__(self) -> int:
        return len(self.queued) + len(self.held)


@dataclass
class FakeTimer:
    """Executions by name, with failures to order."""

    running: dict[str, Pizza] = field(default_factory=dict)
    finished: set[str] = field(default_factory=set)
    starts: list[str] = field(default_factory=list)
    fail_next: int = 0  # starts that fail before anything started: the slot can go back
    unclear_next: int = 0  # starts that went through but whose answer was lost: the slot must stay
    started_at: dict[str, datetime] = field(default_factory=dict)
    ended: dict[str, Execution] = field(default_factory=dict)  # how finished executions ended
    clock: Clock | None = None

    def start(self, pizza: Pizza) -> tuple[Started, str]:
        exists = pizza.id in self.running or pizza.id in self.finished
        if self.fail_next and not exists:  # refused, and a look confirms no execution of it exists
            self.fail_next -= 1
            raise StartFailed("StateMachineDoesNotExist", definite=True)
        if self.unclear_next and not exists:  # it went through, but neither the answer nor a look came back
            self.unclear_next -= 1
            self.running[pizza.id] = pizza
            self.starts.append(pizza.id)
            raise StartFailed("read timeout", definite=False)
        if pizza.id in self.finished:
            return Started.FINISHED, pizza.id
        if pizza.id in self.running:
            return Started.EARLIER, pizza.id
        self.running[pizza.id] = pizza
        self.starts.append(pizza.id)
        self.started_at[pizza.id] = self._now()
        return Started.NOW, pizza.id

    def _now(self) -> datetime:
        return self.clock.now if self.clock else datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    def execution(self, pizza: Pizza) -> Execution | None:
        if pizza.id in self.ended:
            return self.ended[pizza.id]
        started = self.started_at.get(pizza.id, self._now())
        if pizza.id in self.running:
            return Execution("RUNNING", started)
        if pizza.id in self.finished:
            return Execution("SUCCEEDED", started, started + timedelta(seconds=pizza.baking_time_secs))
        return None

    def finish(self, pizza_id: str) -> Pizza:
        pizza = self.running.pop(pizza_id)
        self.finished.add(pizza_id)
        return pizza

    def fail(self, pizza_id: str, status: str, after_secs: float, error: str = "States.TaskFailed") -> Pizza:
        """The execution ends without its removal (every retry failed, or it was stopped)."""
        pizza = self.running.pop(pizza_id)
        self.finished.add(pizza_id)
        started = self.started_at.get(pizza_id, self._now())
        self.ended[pizza_id] = Execution(status, started, started + timedelta(seconds=after_secs), error, "cause")
        return pizza


@dataclass
class FakeShelf:
    baked: list[str] = field(default_factory=list)

    def put(self, pizza: Pizza, baked_at: datetime) -> None:
        self.baked.append(pizza.id)


@dataclass
class FakeBell:
    rings: list[str] = field(default_factory=list)

    def ring(self, reason: str) -> None:
        self.rings.append(reason)


@dataclass
class FakeRejects:
    rejected: list[tuple[str, str, str]] = field(default_factory=list)  # (body, reason, message id)

    def reject(self, body: str, reason: str, message_id: str) -> None:
        self.rejected.append((body, reason, message_id))


class InlineStarts(Executor):
    """Runs each submitted start at once, in the caller's thread: the fakes are not thread-safe, and a test's
    answers must not depend on which of two threads ran first."""

    def submit(self, fn: Callable[..., object], /, *args: object, **kwargs: object) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:
            future.set_exception(error)
        return future
