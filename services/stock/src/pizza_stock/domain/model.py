"""Ingredients, their batches, and taking usage from batches oldest best-before first (FEFO).

An ingredient's level is what is left in its batches that have not passed their best-before. Expiry is
decided here, at the moment of reading, never left to DynamoDB's TTL (which can lag by days): a batch past
its best-before is neither sold nor counted, whether or not anything has removed it yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

__all__ = [
    "MAX_TYPE_ID_LENGTH",
    "NEVER",
    "Batch",
    "Ingredient",
    "Level",
    "Shortfall",
    "Take",
    "allocate_oldest_first",
    "is_type_id",
    "removal_instant",
]

MAX_TYPE_ID_LENGTH = 64
# Suppliers write 9999-12-31 for "never expires": the last representable instant stands for it.
NEVER = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def is_type_id(text: str) -> bool:
    """An ingredient id is a lowercase slug: ``ham``, ``san-marzano-tomato``."""
    return len(text) <= MAX_TYPE_ID_LENGTH and _SLUG.fullmatch(text) is not None


def removal_instant(expires_at: date | datetime) -> datetime:
    """When a batch leaves the kitchen: a best-before date is usable through that day (UTC).

    Raises ``OverflowError`` for a time whose UTC instant is past the year 9999.
    """
    if isinstance(expires_at, datetime):
        return expires_at.astimezone(UTC) if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
    if expires_at >= NEVER.date():
        return NEVER
    return datetime.combine(expires_at + timedelta(days=1), time(0), tzinfo=UTC)


@dataclass(frozen=True)
class Batch:
    """One delivered row of an ingredient; ``remaining`` is what is still in the kitchen."""

    type_id: str
    batch_id: str
    remaining: int
    removed_at: datetime  # the best-before instant: from then on the batch is gone, whatever TTL does

    def expired(self, now: datetime) -> bool:
        return self.removed_at <= now

    @property
    def fefo_order(self) -> tuple[datetime, str]:
        """Earlier best-before first; the batch id breaks ties so every reader agrees on one order."""
        return (self.removed_at, self.batch_id)


@dataclass(frozen=True)
class Level:
    """The level of one ingredient; ``version`` grows by one with every change of its batches."""

    type_id: str
    quantity: int
    version: int


@dataclass(frozen=True)
class Ingredient:
    """An ingredient with the batches it holds, as one consistent read saw them at ``version``."""

    type_id: str
    version: int
    batches: tuple[Batch, ...] = ()

    def usable(self, now: datetime) -> list[Batch]:
        """Batches that can still be used, oldest best-before first."""
        return sorted((b for b in self.batches if b.remaining > 0 and not b.expired(now)), key=lambda b: b.fefo_order)

    def expired(self, now: datetime) -> list[Batch]:
        """Batches past their best-before that are still held (TTL or the sweep will take them away)."""
        return [b for b in self.batches if b.expired(now)]

    def level(self, now: datetime) -> Level:
        return Level(self.type_id, sum(b.remaining for b in self.usable(now)), self.version)

    @classmethod
    def never_delivered(cls, type_id: str) -> Ingredient:
        return cls(type_id, version=0)


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


def allocate_oldest_first(type_id: str, requested: int, batches: Iterable[Batch]) -> list[Take] | Shortfall:
    """Takes covering ``requested`` from the batches expiring soonest, or the shortfall if they hold too little.

    Every batch before the last one taken is drained, so no batch is used while an older one has stock.
    The caller passes only usable batches (:meth:`Ingredient.usable`).
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
