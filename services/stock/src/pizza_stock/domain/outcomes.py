"""What the stock service's use cases answer: plain values, turned into HTTP or reports at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pizza_stock.domain.commands import UsageItem
from pizza_stock.domain.model import Level, Shortfall

__all__ = [
    "IngestOutcome",
    "IngestStatus",
    "OutOfStock",
    "StockBusy",
    "StockUsed",
    "TransactionIdReused",
    "UsageAnswer",
]


@dataclass(frozen=True)
class StockUsed:
    """Every item was taken; ``levels`` are the ingredients' levels right after, at their new versions."""

    transaction_id: str
    items: tuple[UsageItem, ...]
    levels: tuple[Level, ...]


@dataclass(frozen=True)
class OutOfStock:
    """Some items fell short; nothing was taken."""

    transaction_id: str
    shortfalls: tuple[Shortfall, ...]

    @property
    def message(self) -> str:
        listed = ", ".join(f"{s.type_id} (requested {s.requested}, available {s.available})" for s in self.shortfalls)
        return f"not enough stock, nothing was taken: {listed}"


@dataclass(frozen=True)
class TransactionIdReused:
    """The transaction id was used before for a different request; nothing was taken."""

    transaction_id: str

    @property
    def message(self) -> str:
        return (
            f"transactionId {self.transaction_id!r} was already used for a different request; use a new transactionId"
        )


@dataclass(frozen=True)
class StockBusy:
    """The function ran out of time while other writers kept changing these ingredients; nothing was taken.

    The last resort of a bounded retry: contention is retried for as long as the function may run.
    """

    transaction_id: str
    attempts: int


# The answers a usage can get; the first two are stored as the transaction's answer for replays.
UsageAnswer = StockUsed | OutOfStock | TransactionIdReused | StockBusy


class IngestStatus(StrEnum):
    INGESTED = "ingested"
    ALREADY_INGESTED = "already-ingested"  # the same content again: nothing added
    CONFLICT = "conflict"  # other content under a delivered key: nothing added, the first report stays
    SUPERSEDED = "superseded"  # replaced or deleted since the notification: the newer one's notice delivers it
    REFUSED = "refused"  # not read at all (too large)


@dataclass(frozen=True)
class IngestOutcome:
    status: IngestStatus
    accepted: int = 0
    rejected: int = 0
