"""Ingredients, their batches, and taking usage from batches oldest best-before first (FEFO).

An ingredient's level is the sum of what is left in its batches. Usage is taken from the batch that
expires first, so when a batch expires only what remains of it leaves the kitchen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

__all__ = [
    "MAX_TYPE_ID_LENGTH",
    "Batch",
    "Level",
    "Shortfall",
    "Take",
    "allocate_oldest_first",
    "is_type_id",
    "removal_instant",
]

MAX_TYPE_ID_LENGTH = 64
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def is_type_id(text: str) -> bool:
    """An ingredient id is a lowercase slug: ``ham``, ``san-marzano-tomato``."""
    return len(text) <= MAX_TYPE_ID_LENGTH and _SLUG.fullmatch(text) is not None


def removal_instant(expires_at: date | datetime) -> datetime:
    """When a batch leaves the kitchen: a best-before date is usable through that day (UTC)."""
    if isinstance(expires_at, datetime):
        return expires_at.astimezone(UTC) if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
    return datetime.combine(expires_at + timedelta(days=1), time(0), tzinfo=UTC)


@dataclass(frozen=True)
class Batch:
    """One delivered row: ``quantity`` arrived, ``remaining`` is still in the kitchen."""

    type_id: str
    batch_id: str
    quantity: int
    remaining: int
    removed_at: datetime  # the best-before instant, when TTL takes the batch away

    @property
    def fefo_order(self) -> tuple[datetime, str]:
        """Earlier best-before first; the batch id breaks ties so every reader agrees on one order."""
        return (self.removed_at, self.batch_id)


@dataclass(frozen=True)
class Take:
    """Take ``quantity`` from a batch; ``drains`` when nothing is left of it afterwards."""

    batch: Batch
    quantity: int

    @property
    def drains(self) -> bool:
        return self.quantity == self.batch.remaining


@dataclass(frozen=True)
class Shortfall:
    """An ingredient that cannot be served: ``requested`` is more than ``available``."""

    type_id: str
    requested: int
    available: int

    def as_dict(self) -> dict[str, object]:
        return {"typeId": self.type_id, "requested": self.requested, "available": self.available}


@dataclass(frozen=True)
class Level:
    """The current level of one ingredient; ``version`` grows by one with every change."""

    type_id: str
    quantity: int
    version: int

    def as_dict(self) -> dict[str, object]:
        return {"typeId": self.type_id, "quantity": self.quantity, "version": self.version}


def allocate_oldest_first(type_id: str, requested: int, batches: Iterable[Batch]) -> list[Take] | Shortfall:
    """Takes covering ``requested`` from the batches expiring soonest, or the shortfall if they hold too little.

    Every batch before the last one taken is drained, so no batch is used while an older one has stock.
    """
    if requested <= 0:
        raise ValueError(f"requested must be positive, got {requested}")
    takes: list[Take] = []
    still_needed = requested
    available = 0
    for batch in sorted((b for b in batches if b.remaining > 0), key=lambda b: b.fefo_order):
        available += batch.remaining
        if still_needed > 0:
            taken = min(batch.remaining, still_needed)
            takes.append(Take(batch, taken))
            still_needed -= taken
    if still_needed > 0:
        return Shortfall(type_id, requested, available)
    return takes
