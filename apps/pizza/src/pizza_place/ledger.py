"""The demo's own account of the stock: what it delivered, what its accepted orders used, what expired.

The stock service promises (DESIGN.md): usage is taken from the batches that expire soonest (FEFO), and TTL
expiry removes only what is left of a batch. So from the deliveries, the accepted transactions and the times
the TTL clock was swept, the level of every ingredient follows exactly:

    level = delivered - used - expired

where ``expired`` is what remained of each batch whose best-before had passed at a sweep. FEFO composes
(taking a then b oldest-first leaves the same batches as taking a + b), so the order of concurrent
transactions between two sweeps does not matter; the demo only has to know which batches existed when a
transaction ran, which it does by holding orders while it delivers and while it sweeps.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

__all__ = ["Batch", "StockLedger", "expiry_instant"]


def expiry_instant(best_before: date) -> datetime:
    """When TTL takes a batch away: a best-before date is good through that day (UTC), as the stock service says."""
    return datetime.combine(best_before + timedelta(days=1), time(0, 0), tzinfo=UTC)


@dataclass
class Batch:
    type_id: str
    best_before: date
    remaining: int
    delivery: str  # the object key of the delivery it came in


@dataclass
class StockLedger:
    expires_at: Callable[[date], datetime] = expiry_instant
    delivered: Counter[str] = field(default_factory=Counter)
    used: Counter[str] = field(default_factory=Counter)
    expired: Counter[str] = field(default_factory=Counter)
    batches: dict[str, list[Batch]] = field(default_factory=dict)
    # Accepted transactions the ledger could not cover: the service sold stock the ledger says it did not have.
    oversold: Counter[str] = field(default_factory=Counter)

    def deliver(self, delivery: str, rows: Iterable[tuple[str, int, date]]) -> None:
        for type_id, quantity, best_before in rows:
            self.delivered[type_id] += quantity
            self.batches.setdefault(type_id, []).append(Batch(type_id, best_before, quantity, delivery))

    def use(self, items: Mapping[str, int]) -> None:
        """An accepted transaction: take each quantity from the batches that expire soonest."""
        for type_id, quantity in items.items():
            self.used[type_id] += quantity
            wanted = quantity
            for batch in sorted(self.batches.get(type_id, []), key=lambda b: b.best_before):
                taken = min(batch.remaining, wanted)
                batch.remaining -= taken
                wanted -= taken
                if wanted == 0:
                    break
            if wanted:
                self.oversold[type_id] += wanted
            self.batches[type_id] = [b for b in self.batches.get(type_id, []) if b.remaining > 0]

    def expiring(self, now: datetime) -> list[Batch]:
        """The batches a sweep at ``now`` would take away (the ledger unchanged)."""
        return [b for batches in self.batches.values() for b in batches if self.expires_at(b.best_before) <= now]

    def expire(self, now: datetime) -> list[Batch]:
        """The TTL clock reads ``now``: every batch past its best-before goes, with what was left of it."""
        gone: list[Batch] = []
        for type_id, batches in self.batches.items():
            keep: list[Batch] = []
            for batch in batches:
                (gone if self.expires_at(batch.best_before) <= now else keep).append(batch)
            self.batches[type_id] = keep
        for batch in gone:
            self.expired[batch.type_id] += batch.remaining
        return gone

    def expected_level(self, type_id: str) -> int:
        return self.delivered[type_id] - self.used[type_id] - self.expired[type_id]

    def expected_levels(self) -> dict[str, int]:
        return {type_id: self.expected_level(type_id) for type_id in sorted(self.delivered)}

    def explain(self, type_id: str) -> str:
        return (
            f"delivered {self.delivered[type_id]} - used {self.used[type_id]} - expired {self.expired[type_id]}"
            f" = {self.expected_level(type_id)}"
        )
