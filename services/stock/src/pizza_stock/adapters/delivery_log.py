"""The :class:`~pizza_stock.ports.DeliveryLog` on the stock table (the ingest function): deliveries, and the
batches their rows add to their ingredients. Layout: :mod:`pizza_stock.adapters.items`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from pizza_common import aws
from pizza_common.dynamodb import Cancelled, Put, Update, every_item, get, transact, write
from pizza_common.dynamodb import ConditionFailed as WriteConditionFailed
from pizza_stock.adapters.items import (
    LEVELS_PARTITION,
    MAX_BATCHES_PER_INGREDIENT,
    REFUSED_PREFIX,
    TTL_ATTRIBUTE,
    batch_entry,
    batch_sort_key,
    ingredient_key,
)
from pizza_stock.domain import DeliveryReport, RefusedRow, Row, batch_for
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


def _delivery_partition(delivered: Delivered) -> str:
    return f"DELIVERY#{delivered.delivery.bucket}/{delivered.delivery.key}"


def _delivery_key(delivered: Delivered) -> dict[str, str]:
    return {"pk": _delivery_partition(delivered), "sk": "DELIVERY"}


def _refused_rows_key(delivered: Delivered, first_line: int) -> dict[str, str]:
    """One item per write that refused rows, named by the first line it wrote (no two writes share one: each
    starts past the progress the one before it set). Zero-padded (an 8 MiB file has under 10**7 lines), so
    the delivery's refused rows read back in line order."""
    return {"pk": _delivery_partition(delivered), "sk": f"{REFUSED_PREFIX}{first_line:010d}"}


def _time(text: object) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) else None


def _no_room(type_id: str) -> str:
    return (
        f"{type_id} already holds {MAX_BATCHES_PER_INGREDIENT:,} batches, the most one ingredient can hold: "
        "use or let expire some first"
    )


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
            return DeliveryState(checksum=delivered.checksum, progress=0, completed=False, first_seen_at=now)
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
            first_seen_at=_time(before.get("first_seen_at")),
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
            first_seen_at=_time(found.get("first_seen_at")),
        )

    def add_rows(self, delivered: Delivered, rows: Iterable[Row]) -> None:
        for group in group_for_writing(rows):
            self._add_group(delivered, group)

    def refused_rows(self, delivered: Delivered) -> Iterator[RefusedRow]:
        query: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": "pk = :delivery AND begins_with(sk, :refused)",
            "ExpressionAttributeValues": {
                ":delivery": {"S": _delivery_partition(delivered)},
                ":refused": {"S": REFUSED_PREFIX},
            },
            "ConsistentRead": True,  # a write that refused rows may have committed an instant ago
        }
        for item in every_item(lambda start: self.client.query(**query, **start)):
            for row in item["rows"]:
                yield RefusedRow(int(row["line"]), str(row["type_id"]), int(row["quantity"]), str(row["reason"]))

    def _add_group(self, delivered: Delivered, rows: list[Row]) -> None:
        """Write one group's batches and grow its ingredients, all at once, unless already written.

        The delivery row's ``progress`` (the last line written) moves in the same transaction, under the
        condition that it is still before these rows: a duplicate run of the same file finds its rows
        already written and writes nothing, even if those batches were used up or expired since. The rows
        refused for their ingredient's room are kept in that same transaction, so no run can move past them
        and lose them: a run that resumes after a crash reads them back.
        """
        for type_id in {row.type_id for row in rows} - self._known:
            self._create_ingredient(type_id)
        pending = list(rows)  # those past the progress
        refused: dict[int, RefusedRow] = {}  # by line
        while pending:
            kept = [row for row in pending if row.line not in refused]
            by_ingredient: dict[str, list[Row]] = {}
            for row in kept:
                by_ingredient.setdefault(row.type_id, []).append(row)
            progress = Update(
                self.name,
                _delivery_key(delivered),
                "SET progress = :last",
                condition="checksum = :checksum AND progress < :first",
                values={":checksum": delivered.checksum, ":first": pending[0].line, ":last": pending[-1].line},
            )
            puts = [self._batch_row(delivered, row) for row in kept]
            grows = [self._grow(delivered, type_id, grown) for type_id, grown in by_ingredient.items()]
            # The rows refused so far go in this write too. Each left out its batch row, so their one item still
            # fits the 100 of a transaction; it holds at most a group's 98 rows (about 25 KB at most): no item
            # grows with the file.
            refused_here = [refused[row.line] for row in pending if row.line in refused]
            keep_refused = [self._refused_rows_item(delivered, pending[0].line, refused_here)] if refused_here else []
            outcome = transact(self.client, [progress, *puts, *grows, *keep_refused])
            if not isinstance(outcome, Cancelled):
                return
            if outcome.failed(0):
                done = self._state(delivered, upload="")
                if done.checksum != delivered.checksum:
                    raise RuntimeError(f"delivery {delivered.delivery.key} changed content while written")
                # Another run wrote the rows up to its progress, and kept those it refused.
                pending = [row for row in pending if row.line > done.progress]
                continue
            if any(outcome.failed(1 + index) for index in range(len(puts))):
                raise RuntimeError(f"a batch of {delivered.delivery.key} exists beyond the delivery's progress")
            before = len(refused)
            for index, (type_id, grown) in enumerate(by_ingredient.items()):
                if outcome.failed(1 + len(puts) + index):
                    room = MAX_BATCHES_PER_INGREDIENT - self._held(type_id, outcome.old_item(1 + len(puts) + index))
                    refused.update((row.line, RefusedRow.of(row, _no_room(type_id))) for row in grown[max(0, room) :])
            if len(refused) == before:
                raise RuntimeError(f"could not write rows of {delivered.delivery.key}: {outcome.reasons}")

    def _refused_rows_item(self, delivered: Delivered, first_line: int, refused: list[RefusedRow]) -> Put:
        rows = [
            {"line": row.line, "type_id": row.type_id, "quantity": row.quantity, "reason": row.reason}
            for row in refused
        ]
        return Put(self.name, _refused_rows_key(delivered, first_line) | {"rows": rows})

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
