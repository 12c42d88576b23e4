"""The :class:`~pizza_stock.ports.DeliveryLog` on the stock table (the ingest function): deliveries, and the
batches their rows add to their ingredients. Layout: :mod:`pizza_stock.adapters.items`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from pizza_common import aws
from pizza_common.dynamodb import Cancelled, Put, Update, get, transact, write
from pizza_common.dynamodb import ConditionFailed as WriteConditionFailed
from pizza_stock.adapters.items import (
    LEVELS_PARTITION,
    MAX_BATCHES_PER_INGREDIENT,
    TTL_ATTRIBUTE,
    batch_entry,
    batch_sort_key,
    ingredient_key,
)
from pizza_stock.domain import DeliveryReport, Row, batch_for
from pizza_stock.ports import Delivered, DeliveryState

__all__ = ["GROUP_ROWS", "DynamoDbDeliveryLog", "group_for_writing"]

# One transaction (at most 100 items) writes the delivery's progress, a group's batch rows and each of its
# ingredients once: as many rows as fit, so fewer requests per row.
GROUP_ROWS = 98
_GROUP_ITEMS = 100


def group_for_writing(
    rows: Iterable[Row], max_rows: int = GROUP_ROWS, max_items: int = _GROUP_ITEMS - 1
) -> Iterator[list[Row]]:
    """Rows in file order, in groups of at most ``max_rows``, whose rows plus distinct ingredients fit ``max_items``."""
    group: list[Row] = []
    ingredients: set[str] = set()
    for row in rows:
        grows = 1 + (row.type_id not in ingredients)
        if group and (len(group) >= max_rows or len(group) + len(ingredients) + grows > max_items):
            yield group
            group, ingredients = [], set()
        group.append(row)
        ingredients.add(row.type_id)
    if group:
        yield group


def _delivery_key(delivered: Delivered) -> dict[str, str]:
    return {"pk": f"DELIVERY#{delivered.delivery.bucket}/{delivered.delivery.key}", "sk": "DELIVERY"}


class DynamoDbDeliveryLog:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self.name = table_name
        self.client = client or aws.client("dynamodb")
        self._known: set[str] = set()  # ingredients whose row exists (created once, never deleted)

    def open(self, delivered: Delivered, upload: str, now: datetime) -> DeliveryState:
        first = Put(
            self.name,
            _delivery_key(delivered)
            | {
                "checksum": delivered.checksum,
                "etag": delivered.etag,
                "progress": 0,
                "completed": False,
                "uploads": {upload},
                "first_seen_at": now.isoformat(),
            },
            condition="attribute_not_exists(pk)",
        )
        if not isinstance(write(self.client, first), WriteConditionFailed):
            return DeliveryState(checksum=delivered.checksum, progress=0, completed=False)
        again = Update(
            self.name,
            _delivery_key(delivered),
            "ADD uploads :upload",
            condition="checksum = :checksum",
            values={":upload": {upload}, ":checksum": delivered.checksum},
        )
        noted = write(self.client, again, return_values="ALL_OLD")
        if isinstance(noted, WriteConditionFailed):
            return self._state(delivered, upload)
        before = noted.attributes or {}
        seen = set(before.get("uploads", ()))
        return DeliveryState(
            checksum=str(before["checksum"]),
            progress=int(before["progress"]),
            completed=bool(before["completed"]),
            uploads=len(seen | {upload}),
            new_upload=upload not in seen,
        )

    def _state(self, delivered: Delivered, upload: str) -> DeliveryState:
        found = get(self.client, self.name, _delivery_key(delivered))
        if found is None:
            raise RuntimeError(f"delivery {delivered.delivery.key} has no row right after its condition failed")
        uploads = set(found.get("uploads", ()))
        return DeliveryState(
            checksum=str(found["checksum"]),
            progress=int(found["progress"]),
            completed=bool(found["completed"]),
            uploads=len(uploads),
            new_upload=upload not in uploads,
        )

    def add_rows(self, delivered: Delivered, rows: Iterable[Row]) -> Iterator[tuple[Row, str]]:
        for group in group_for_writing(rows):
            yield from self._add_group(delivered, group)

    def _add_group(self, delivered: Delivered, rows: list[Row]) -> Iterator[tuple[Row, str]]:
        """Write one group's batches and grow its ingredients, all at once, unless already written.

        The delivery row's ``progress`` (the last line written) moves in the same transaction, under the
        condition that it is still before these rows: a duplicate run of the same file finds its rows
        already written and writes nothing, even if those batches were used up or expired since.
        """
        pending = list(rows)
        for type_id in {row.type_id for row in pending} - self._known:
            self._create_ingredient(type_id)
        while pending:
            by_ingredient: dict[str, list[Row]] = {}
            for row in pending:
                by_ingredient.setdefault(row.type_id, []).append(row)
            progress = Update(
                self.name,
                _delivery_key(delivered),
                "SET progress = :last",
                condition="checksum = :checksum AND progress < :first",
                values={":checksum": delivered.checksum, ":first": pending[0].line, ":last": pending[-1].line},
            )
            puts = [self._batch_row(delivered, row) for row in pending]
            grows = [self._grow(delivered, type_id, grown) for type_id, grown in by_ingredient.items()]
            outcome = transact(self.client, [progress, *puts, *grows])
            if not isinstance(outcome, Cancelled):
                return
            if outcome.failed(0):
                done = self._state(delivered, upload="")
                if done.checksum != delivered.checksum:
                    raise RuntimeError(f"delivery {delivered.delivery.key} changed content while written")
                pending = [row for row in pending if row.line > done.progress]
                continue
            if any(outcome.failed(1 + index) for index in range(len(puts))):
                raise RuntimeError(f"a batch of {delivered.delivery.key} exists beyond the delivery's progress")
            beyond: set[int] = set()  # lines of rows their ingredient has no room for
            for index, (type_id, grown) in enumerate(by_ingredient.items()):
                if outcome.failed(1 + len(puts) + index):
                    room = MAX_BATCHES_PER_INGREDIENT - self._held(type_id, outcome.old_item(1 + len(puts) + index))
                    beyond.update(row.line for row in grown[max(0, room) :])
            if not beyond:
                raise RuntimeError(f"could not write rows of {delivered.delivery.key}: {outcome.reasons}")
            for row in pending:
                if row.line in beyond:
                    yield (
                        row,
                        (
                            f"{row.type_id} already holds {MAX_BATCHES_PER_INGREDIENT:,} batches, the most one "
                            "ingredient can hold: use or let expire some first"
                        ),
                    )
            pending = [row for row in pending if row.line not in beyond]

    def _held(self, type_id: str, old: dict[str, Any] | None) -> int:
        """How many batches an ingredient holds, from the item its failed condition returned (else read it)."""
        found = old if old is not None else get(self.client, self.name, ingredient_key(type_id))
        return len((found or {}).get("batches") or {})

    def _create_ingredient(self, type_id: str) -> None:
        """The ingredient's row, with an empty batches map, so later writes can add entries to the map."""
        create = Put(
            self.name,
            ingredient_key(type_id)
            | {"type_id": type_id, "levels_partition": LEVELS_PARTITION, "version": 0, "batches": {}},
            condition="attribute_not_exists(pk)",
        )
        write(self.client, create)  # a failed condition: it exists already
        self._known.add(type_id)

    def _grow(self, delivered: Delivered, type_id: str, rows: list[Row]) -> Update:
        values: dict[str, Any] = {":one": 1, ":room": MAX_BATCHES_PER_INGREDIENT - len(rows)}
        names, sets = {}, []
        for number, row in enumerate(rows):
            batch = batch_for(delivered.delivery, row)
            names[f"#b{number}"] = batch.batch_id  # short placeholders keep the expression far under 4 KB
            sets.append(f"#batches.#b{number} = :b{number}")
            values[f":b{number}"] = batch_entry(batch)
        return Update(
            self.name,
            ingredient_key(type_id),
            "SET " + ", ".join(sets) + " ADD #version :one",
            condition="size(#batches) <= :room",
            values=values,
            old_on_failure=True,
            names=names,
        )

    def _batch_row(self, delivered: Delivered, row: Row) -> Put:
        batch = batch_for(delivered.delivery, row)
        return Put(
            self.name,
            {
                "pk": batch.type_id,
                "sk": batch_sort_key(batch),
                "type_id": batch.type_id,
                "batch_id": batch.batch_id,
                "quantity": row.quantity,
                TTL_ATTRIBUTE: int(batch.removed_at.timestamp()),
                "expires_at": batch.removed_at.isoformat(),
                "delivery": f"s3://{delivered.delivery.bucket}/{delivered.delivery.key}",
                "line": row.line,
            },
            condition="attribute_not_exists(pk)",
        )

    def complete(self, delivered: Delivered, report: DeliveryReport) -> None:
        done = Update(
            self.name,
            _delivery_key(delivered),
            "SET completed = :yes, accepted = :accepted, rejected_count = :rejected",
            condition="checksum = :checksum",
            values={
                ":yes": True,
                ":accepted": report.accepted,
                ":rejected": len(report.rejected),
                ":checksum": delivered.checksum,
            },
        )
        write(self.client, done)
