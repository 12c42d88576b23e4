"""In-memory ports with the same semantics as the AWS adapters (``tests/contract`` holds each fake to its
adapter), for testing the use cases without moto, in any order of events and under any contention."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

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
    batch_for,
)
from pizza_stock.ports import (
    AlreadyRecorded,
    Committed,
    Delivered,
    DeliveryState,
    IngredientsChanged,
    RecordedAnswer,
)

MAX_BATCHES_PER_INGREDIENT = 2000  # as pizza_stock.adapters.items


@dataclass
class Shelves:
    """The stock table's ingredient rows and transaction records, shared by the fakes of one test."""

    ingredients: dict[str, Ingredient] = field(default_factory=dict)
    records: dict[str, RecordedAnswer] = field(default_factory=dict)
    deliveries: dict[str, dict[str, object]] = field(default_factory=dict)
    refused: dict[str, list[RefusedRow]] = field(default_factory=dict)  # by delivery key

    def put(self, ingredient: Ingredient) -> None:
        self.ingredients[ingredient.type_id] = ingredient


@dataclass
class FakePantry:
    shelves: Shelves = field(default_factory=Shelves)
    interfere: list[str] = field(default_factory=list)  # type ids another writer changes before the next commit
    commits: int = 0
    reads: int = 0

    def ingredients(self, type_ids: Collection[str]) -> dict[str, Ingredient]:
        self.reads += 1
        read = {t: self.shelves.ingredients[t] for t in set(type_ids) if t in self.shelves.ingredients}
        return read

    def all_ingredients(self) -> list[Ingredient]:
        return list(self.shelves.ingredients.values())

    def commit_usage(
        self, plan: UsagePlan, fingerprint: str, now: datetime
    ) -> Committed | IngredientsChanged | AlreadyRecorded:
        self.commits += 1
        while self.interfere:  # another writer got there first: the version moves
            type_id = self.interfere.pop()
            found = self.shelves.ingredients[type_id]
            self.shelves.put(replace(found, version=found.version + 1))
        if plan.command.transaction_id in self.shelves.records:
            return AlreadyRecorded()
        if any(self.shelves.ingredients[c.ingredient.type_id].version != c.ingredient.version for c in plan.changes):
            current = {c.ingredient.type_id: self.shelves.ingredients[c.ingredient.type_id] for c in plan.changes}
            return IngredientsChanged(current)
        for change in plan.changes:
            batches = {b.batch_id: b for b in self.shelves.ingredients[change.ingredient.type_id].batches}
            for take in change.takes:
                left = batches[take.batch.batch_id].remaining - take.quantity
                if left:
                    batches[take.batch.batch_id] = replace(take.batch, remaining=left)
                else:
                    del batches[take.batch.batch_id]
            self.shelves.put(
                replace(change.ingredient, version=change.ingredient.version + 1, batches=tuple(batches.values()))
            )
        self.shelves.records[plan.command.transaction_id] = RecordedAnswer(fingerprint, plan.outcome)
        return Committed()

    def record_refusal(self, refusal: OutOfStock, fingerprint: str, now: datetime) -> Committed | AlreadyRecorded:
        if refusal.transaction_id in self.shelves.records:
            return AlreadyRecorded()
        self.shelves.records[refusal.transaction_id] = RecordedAnswer(fingerprint, refusal)
        return Committed()

    def recorded_answer(self, transaction_id: str) -> RecordedAnswer | None:
        return self.shelves.records.get(transaction_id)


@dataclass
class Patience:
    """Retries without waiting, at most ``attempts`` of them."""

    attempts: int = 100
    pauses: int = 0

    def pause(self, attempt: int) -> bool:
        if attempt >= self.attempts:
            return False
        self.pauses += 1
        return True


@dataclass
class FakeInbox:
    """The deliveries bucket: files by key (the last upload wins), reports and conflicts beside them."""

    files: dict[str, bytes] = field(default_factory=dict)
    reports: dict[str, DeliveryReport] = field(default_factory=dict)
    conflicts: dict[str, DeliveryConflict] = field(default_factory=dict)
    chunk: int = 7  # small chunks, so lines are cut across them

    def upload(self, key: str, content: bytes) -> str:
        """Store a file; its ETag is new per upload (as SSE-KMS ETags are), never the content's MD5."""
        self.files[key] = content
        return f"etag-{len(self.files)}-{hashlib.sha256(content + key.encode()).hexdigest()[:6]}-{id(content)}"

    def look(self, delivery: Delivery, etag: str | None, version_id: str | None) -> Delivered | None:
        content = self.files.get(delivery.key)
        if content is None:
            return None
        return Delivered(delivery, etag or "etag", version_id, len(content), hashlib.sha256(content).hexdigest())

    def read(self, delivered: Delivered) -> Iterator[bytes] | None:
        content = self.files.get(delivered.delivery.key)
        if content is None:
            return None
        return iter([content[i : i + self.chunk] for i in range(0, len(content), self.chunk)])

    def write_report(self, report: DeliveryReport) -> None:
        self.reports[report.delivery.key] = replace(
            report, rejected=list(report.rejected), quantities=dict(report.quantities)
        )

    def count_upload(self, delivered: Delivered, uploads: int) -> bool:
        report = self.reports.get(delivered.delivery.key)
        if report is None or report.checksum != delivered.checksum:
            return False
        self.reports[delivered.delivery.key] = replace(report, uploads=max(report.uploads, uploads))
        return True

    def write_conflict(self, conflict: DeliveryConflict) -> None:
        self.conflicts[conflict.delivery.key] = conflict


@dataclass
class FakeDeliveryLog:
    shelves: Shelves = field(default_factory=Shelves)
    fail_after_rows: int | None = None  # raise after writing this many rows (a crash mid-file)
    written: int = 0

    def open(self, delivered: Delivered, upload: str, now: datetime) -> DeliveryState:
        key = delivered.delivery.key
        row = self.shelves.deliveries.get(key)
        if row is None:
            self.shelves.deliveries[key] = {
                "checksum": delivered.checksum,
                "progress": 0,
                "completed": False,
                "uploads": {upload},
                "first_seen_at": now,
            }
            return DeliveryState(delivered.checksum, 0, False, first_seen_at=now)
        if row["checksum"] != delivered.checksum:
            return DeliveryState(
                str(row["checksum"]),
                int(row["progress"]),
                bool(row["completed"]),
                len(row["uploads"]),
                upload not in row["uploads"],
            )  # type: ignore[arg-type]
        seen = set(row["uploads"])  # type: ignore[call-overload]
        row["uploads"] = seen | {upload}
        return DeliveryState(
            delivered.checksum,
            int(row["progress"]),  # type: ignore[call-overload]
            bool(row["completed"]),
            len(seen | {upload}),
            upload not in seen,
            row["first_seen_at"],  # type: ignore[arg-type]
        )

    def add_rows(self, delivered: Delivered, rows: Iterable[Row]) -> None:
        key = delivered.delivery.key
        row_of = self.shelves.deliveries[key]
        for row in rows:
            if row.line <= int(row_of["progress"]):  # type: ignore[call-overload]
                continue
            if self.fail_after_rows is not None and self.written >= self.fail_after_rows:
                raise ConnectionError("the table went away")
            ingredient = self.shelves.ingredients.get(row.type_id) or Ingredient(row.type_id, 0)
            if len(ingredient.batches) >= MAX_BATCHES_PER_INGREDIENT:
                refusal = RefusedRow.of(row, f"{row.type_id} already holds {MAX_BATCHES_PER_INGREDIENT:,} batches")
                self.shelves.refused.setdefault(key, []).append(refusal)
            else:
                batch = batch_for(delivered.delivery, row)
                self.shelves.put(
                    replace(ingredient, version=ingredient.version + 1, batches=(*ingredient.batches, batch))
                )
                self.written += 1
            row_of["progress"] = row.line  # past a refused row too: it is kept, with the progress

    def refused_rows(self, delivered: Delivered) -> Iterator[RefusedRow]:
        return iter(sorted(self.shelves.refused.get(delivered.delivery.key, []), key=lambda refused: refused.line))

    def complete(self, delivered: Delivered, report: DeliveryReport) -> None:
        self.shelves.deliveries[delivered.delivery.key]["completed"] = True


@dataclass
class FakeExpiryShelf:
    shelves: Shelves = field(default_factory=Shelves)

    def ingredients_holding_expired(self, now: datetime) -> list[Ingredient]:
        return [i for i in self.shelves.ingredients.values() if i.expired(now)]

    def remove(self, type_id: str, batch_ids: Collection[str]) -> list[Batch]:
        ingredient = self.shelves.ingredients.get(type_id)
        if ingredient is None:
            return []
        held = [b for b in ingredient.batches if b.batch_id in set(batch_ids)]
        if held:
            kept = tuple(b for b in ingredient.batches if b.batch_id not in set(batch_ids))
            self.shelves.put(replace(ingredient, version=ingredient.version + 1, batches=kept))
        return held


@dataclass
class FakeLevelsBroadcast:
    published: list[LevelChanged] = field(default_factory=list)
    refusing: frozenset[str] = frozenset()  # typeIds whose changes the stream refuses till the time runs out

    def publish(self, changes: Sequence[LevelChanged]) -> list[int]:
        self.published += [change for change in changes if change.type_id not in self.refusing]
        return [index for index, change in enumerate(changes) if change.type_id in self.refusing]


__all__ = [
    "FakeDeliveryLog",
    "FakeExpiryShelf",
    "FakeInbox",
    "FakeLevelsBroadcast",
    "FakePantry",
    "Patience",
    "Shelves",
    "StockUsed",
]
