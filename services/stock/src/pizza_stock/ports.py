"""What the stock service's use cases need from the world, as protocols. Adapters implement them with AWS
(``pizza_stock.adapters``), in-memory fakes in ``tests/fakes.py`` (held to the adapters by ``tests/contract``).

One port per function's view of the stock table, so each function's IAM policy names only what it calls:
the API uses the :class:`Pantry`, ingest the :class:`DeliveryLog`, expiry the :class:`ExpiryShelf`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from pizza_stock.domain import (
    Batch,
    Delivery,
    DeliveryConflict,
    DeliveryReport,
    Ingredient,
    LevelChanged,
    OutOfStock,
    RefusedRow,
    Row,
    StockUsed,
    UsagePlan,
)

__all__ = [
    "AlreadyRecorded",
    "Committed",
    "Delivered",
    "DeliveryInbox",
    "DeliveryLog",
    "DeliveryState",
    "ExpiryShelf",
    "IngredientsChanged",
    "LevelsBroadcast",
    "Pantry",
    "Patience",
    "RecordedAnswer",
]


class Patience(Protocol):
    """How long a use case may keep retrying (``pizza_common.deadline.Deadline``: the Lambda's remaining time)."""

    def pause(self, attempt: int) -> bool:
        """Wait a jittered while before retry ``attempt``; False, without waiting, when no time is left."""
        ...


# --- the API function: levels and usage -------------------------------------------------------------------


@dataclass(frozen=True)
class Committed:
    """The usage was written, with its answer, in one transaction."""


@dataclass(frozen=True)
class IngredientsChanged:
    """An ingredient changed since it was read (or another write held it): re-plan. ``current`` has the
    ingredients as they are now, for those the write learned (a failed condition returns its item)."""

    current: Mapping[str, Ingredient] = field(default_factory=dict)


@dataclass(frozen=True)
class AlreadyRecorded:
    """The transaction id has a record already: this request is a replay (or a reuse of the id)."""


@dataclass(frozen=True)
class RecordedAnswer:
    fingerprint: str
    answer: StockUsed | OutOfStock


class Pantry(Protocol):
    """The ingredients with their batches, and each transaction's first answer."""

    def ingredients(self, type_ids: Collection[str]) -> dict[str, Ingredient]:
        """The ingredients delivered at least once among ``type_ids``, read consistently, in one request."""
        ...

    def all_ingredients(self) -> list[Ingredient]:
        """Every ingredient ever delivered (eventually consistent)."""
        ...

    def commit_usage(
        self, plan: UsagePlan, fingerprint: str, now: datetime
    ) -> Committed | IngredientsChanged | AlreadyRecorded:
        """Take the planned quantities, only if every ingredient is still at the version planned on, and record
        the transaction with its answer, all at once or not at all."""
        ...

    def record_refusal(self, refusal: OutOfStock, fingerprint: str, now: datetime) -> Committed | AlreadyRecorded:
        """Record a refusal as the transaction's first answer, unless it has one already."""
        ...

    def recorded_answer(self, transaction_id: str) -> RecordedAnswer | None: ...


# --- the ingest function: deliveries ----------------------------------------------------------------------


@dataclass(frozen=True)
class Delivered:
    """One upload in the deliveries bucket, as its notification names it, with its size and checksum."""

    delivery: Delivery
    etag: str
    version_id: str | None
    size: int
    checksum: str  # sha256 of the content, hex


class DeliveryInbox(Protocol):
    """The deliveries bucket: the suppliers' files, and the reports written beside them."""

    def look(self, delivery: Delivery, etag: str | None, version_id: str | None) -> Delivered | None:
        """The upload a notification names, measured and checksummed; None if it was replaced or deleted since."""
        ...

    def read(self, delivered: Delivered) -> Iterator[bytes] | None:
        """That same upload's bytes, in chunks; None if it was replaced or deleted since."""
        ...

    def write_report(self, report: DeliveryReport) -> None: ...

    def count_upload(self, delivered: Delivered, uploads: int) -> bool:
        """The report of this content, left as first written but for its ``uploads``; False when there is no
        report of this content to count on (then the caller writes one)."""
        ...

    def write_conflict(self, conflict: DeliveryConflict) -> None:
        """Beside the report, never over it: the first content's report stays."""
        ...


@dataclass(frozen=True)
class DeliveryState:
    """The first content seen under a key, and how far its rows are written (every row up to ``progress``).

    ``uploads`` counts the distinct uploads of that content; ``new_upload`` says whether the notification
    at hand is one not seen before (False for a duplicate delivery of a notification); ``first_seen_at`` is when
    the first run opened it (None when unknown: a row written before it was kept), the time its rows are judged at.
    """

    checksum: str
    progress: int
    completed: bool
    uploads: int = 1
    new_upload: bool = True
    first_seen_at: datetime | None = None


class DeliveryLog(Protocol):
    """Deliveries, and the batches they add to their ingredients."""

    def open(self, delivered: Delivered, upload: str, now: datetime) -> DeliveryState:
        """Record the first content seen under a key and note this upload of it; other content under the key
        comes back with the first content's checksum (a conflict) and is not noted."""
        ...

    def add_rows(self, delivered: Delivered, rows: Iterable[Row]) -> None:
        """Add the rows (in file order, past the delivery's progress) as batches, each exactly once. A row that
        cannot be stored (its ingredient holds as many batches as it can) is kept as refused, with its reason,
        in the same write as the progress past it."""
        ...

    def refused_rows(self, delivered: Delivered) -> Iterator[RefusedRow]:
        """Every row of the delivery refused so far, by any run of it, in line order (read consistently)."""
        ...

    def complete(self, delivered: Delivered, report: DeliveryReport) -> None: ...


# --- the expire function: batches past their best-before --------------------------------------------------


class ExpiryShelf(Protocol):
    def ingredients_holding_expired(self, now: datetime) -> list[Ingredient]:
        """Every ingredient that still holds a batch past its best-before at ``now``."""
        ...

    def remove(self, type_id: str, batch_ids: Collection[str]) -> list[Batch]:
        """Take these batches off their ingredient, each once ever: the batches removed by this call (those
        already gone are left out)."""
        ...


# --- the broadcast function ------------------------------------------------------------------------------


class LevelsBroadcast(Protocol):
    def publish(self, changes: Sequence[LevelChanged]) -> list[int]:
        """Publish the changes together, each ingredient's in their order; the indexes of those not published
        when the invocation's time ran out (an ingredient's first unpublished change and every later one)."""
        ...
