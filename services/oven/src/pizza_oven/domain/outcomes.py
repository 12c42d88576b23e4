"""What the oven's steps gave: plain values the use cases and handlers match on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pizza_oven.domain.model import PizzaRecord

__all__ = ["Accepted", "AlreadyKnown", "Granted", "LineServed", "NoRoom", "Reconciled", "Removed"]


# --- what an attempt to take a slot (or to take a pizza out) gave -----------------------------------------


@dataclass(frozen=True)
class Granted:
    """The transaction went through: the slot is this pizza's (or, for removal, freed)."""


@dataclass(frozen=True)
class NoRoom:
    """Every slot is taken, or (for arrivals) others are waiting for the next one."""


@dataclass(frozen=True)
class AlreadyKnown:
    """The oven has seen this pizza before: a duplicate delivery, or a retry after a crash."""

    record: PizzaRecord | None  # None: the line held a pizza the oven no longer (or never) had


# --- what a use case did -----------------------------------------------------------------------------------


class Accepted(StrEnum):
    BAKING = "baking"  # it took a free slot and its baking started
    WAITING = "waiting"  # it joined the waiting line
    DUPLICATE = "duplicate"  # the oven already had it from this very message: nothing new happened
    REUSED = "reused"  # another message already used this pizza id: rejected, with the reason


class Removed(StrEnum):
    TAKEN_OUT = "taken-out"  # this removal freed the slot
    HANDED_OVER = "handed-over"  # this removal gave its slot straight to the head of the line
    DUPLICATE = "duplicate"  # an earlier removal freed it; the shelf and the bell were made sure of
    NOT_IN_OVEN = "not-in-oven"  # the oven does not have it baking or baked: nothing was changed


@dataclass(frozen=True)
class LineServed:
    taken: int  # pizzas taken from the line into slots
    unfinished: bool = False  # stopped for lack of time with slots still free: ring for another baker


@dataclass(frozen=True)
class Reconciled:
    """One pass of the reconciler: what it found and repaired."""

    checked: int = 0  # pizzas holding a slot, looked at
    started: int = 0  # held a slot but their baking never started: started now
    taken_out: int = 0  # baked, but their removal never happened: taken out now
    failed: int = 0  # their baking failed before its time: slot freed, sent to the DLQ with the reason
    recounted: bool = False  # the load's counters disagreed with the pizzas and were set right
