"""The oven's values and the decisions made about them. Pure Python: no AWS here.

A pizza is in one of three states while the oven remembers it::

    (arrives) --room--> BAKING --baking time--> BAKED
        \\--no room--> WAITING --room frees--/  \\--execution failed early--> FAILED (to the DLQ)

The oven's load (``in_use`` slots of ``capacity``, ``waiting`` pizzas in line) and every pizza's state
change together, in one transaction each, so the counters always equal the pizzas in each state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = [
    "MAX_BAKING_TIME_SECS",
    "PIZZA_ID_PATTERN",
    "Load",
    "OvenNotSeeded",
    "Pizza",
    "PizzaRecord",
    "PizzaState",
    "Route",
    "Then",
    "is_pizza_id",
    "when_already_known",
]

# A pizza's id names its Step Functions execution, its DynamoDB item and its SQS deduplication id, so it
# must be valid for all three: 1-80 characters of letters, digits, '-' and '_'.
PIZZA_ID_PATTERN = r"^[A-Za-z0-9_-]{1,80}$"
MAX_BAKING_TIME_SECS = 3600


class PizzaState(StrEnum):
    WAITING = "waiting"
    BAKING = "baking"
    BAKED = "baked"
    FAILED = "failed"  # its baking ended before its time (failed, aborted): its slot is free, it went to the DLQ


class Route(StrEnum):
    """How a pizza got its slot: straight from NewItems, or from the waiting line."""

    DIRECT = "direct"
    LINE = "line"


@dataclass(frozen=True)
class Pizza:
    """A pizza the oven has accepted: its id and how long it bakes."""

    id: str
    baking_time_secs: int

    def to_message(self) -> dict[str, object]:
        """The JSON shape used on every queue and as the baking execution's input."""
        return {"id": self.id, "bakingTimeSecs": self.baking_time_secs}


def is_pizza_id(text: str) -> bool:
    return re.fullmatch(PIZZA_ID_PATTERN, text) is not None


class OvenNotSeeded(RuntimeError):
    """The oven's capacity item is missing: the deployment seeds it (Terraform variable ``oven_capacity``)."""


@dataclass(frozen=True)
class Load:
    """How full the oven is: slots in use of its capacity, and pizzas in the waiting line."""

    capacity: int
    in_use: int = 0
    waiting: int = 0

    @property
    def free_slots(self) -> int:
        return max(0, self.capacity - self.in_use)

    @property
    def admits_arrivals(self) -> bool:
        """A new arrival may take a slot at once only if one is free AND nobody is waiting for it."""
        return self.free_slots > 0 and self.waiting == 0


@dataclass(frozen=True)
class PizzaRecord:
    """What the oven remembers about one pizza."""

    id: str
    state: PizzaState
    baking_time_secs: int
    route: Route | None = None
    allocated_at: datetime | None = None
    started_at: datetime | None = None
    baked_at: datetime | None = None
    shelved_at: datetime | None = None
    line_sequence: str | None = None
    message_id: str | None = None  # the NewItems message that brought it: another message with its id is a reuse
    execution: str | None = None

    @property
    def pizza(self) -> Pizza:
        return Pizza(self.id, self.baking_time_secs)


class Then(StrEnum):
    """What to do with a pizza the oven already knows about."""

    REJOIN_LINE = "rejoin-line"  # it waits: make sure it is in the line (SQS deduplicates by pizza id)
    START = "start"  # it holds a slot but its baking may never have started: start it (idempotent by name)
    RETRY_LATER = "retry-later"  # another delivery is starting it right now: look again later
    DROP = "drop"  # it bakes, or is baked: nothing to do


def when_already_known(
    record: PizzaRecord | None, *, now: datetime, start_grace: timedelta, from_line: bool = False
) -> Then:
    """Decide about a pizza that arrives again (from NewItems, or as a line entry the oven has seen).

    A slot taken but not yet marked started is either being started by the first delivery, or its start
    crashed. The first delivery is given ``start_grace`` (longer than the function's timeout) to finish
    before another takes over. The line is tended by one baker at a time, so a line entry never races
    the start it finds unfinished, and takes over at once.
    """
    if record is None or record.state in (PizzaState.BAKED, PizzaState.FAILED):
        return Then.DROP
    if record.state is PizzaState.WAITING:
        return Then.REJOIN_LINE
    if record.started_at is not None:
        return Then.DROP
    if from_line or record.allocated_at is None or now - record.allocated_at >= start_grace:
        return Then.START
    return Then.RETRY_LATER
