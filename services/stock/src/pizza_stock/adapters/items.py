"""The stock table's layout, shared by the adapters of its three ports (pantry, delivery log, expiry shelf).

Key layout (``pk``, ``sk``); attribute names are snake_case (docs/conventions.md):

================  ===============================  ==============================================================
row               pk                               sk
================  ===============================  ==============================================================
ingredient        ``<type_id>``                    ``AGGREGATE``: ``version``, ``batches`` (a map, batch id ->
                                                   ``[remaining, best-before epoch]``), ``levels_partition``
batch             ``<type_id>``                    ``BATCH#<best-before UTC>#<batch_id>``: the delivered row, TTL
delivery          ``DELIVERY#<bucket>/<key>``      ``DELIVERY``: checksum, progress, uploads, completed
refused rows      ``DELIVERY#<bucket>/<key>``      ``REFUSED#<first line written, 10 digits>``: ``rows``, those
                                                   of one write refused for their ingredient's room (line,
                                                   type_id, quantity, reason)
transaction       ``TRANSACTION#<transactionId>``  ``TRANSACTION``: fingerprint and first answer
================  ===============================  ==============================================================

The ingredient row holds what is left of each of its batches, so a usage reads its ingredients with one
BatchGetItem and writes them, with its answer, in one TransactWriteItems. Batch rows keep the delivery's
record and carry the TTL that lets DynamoDB remove them; the ingredient row is what counts. A typeId is a
lowercase slug, so it never collides with the ``DELIVERY#`` and ``TRANSACTION#`` partitions. Ingredient rows
carry ``levels_partition`` so the sparse ``levels`` index lists every ingredient without a scan. The TTL
attribute is ``expires_at_epoch``: on batches their best-before, on transaction records a retention.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pizza_common.dynamodb import Update, from_item
from pizza_stock.domain import Batch, Ingredient

__all__ = [
    "AGGREGATE",
    "BATCH_PREFIX",
    "LEVELS_INDEX",
    "LEVELS_PARTITION",
    "MAX_BATCHES_PER_INGREDIENT",
    "MOST_BATCH_CLAUSES",
    "REFUSED_PREFIX",
    "TTL_ATTRIBUTE",
    "batch_entry",
    "batch_sort_key",
    "batches_update",
    "ingredient_from",
    "ingredient_from_image",
    "ingredient_key",
]

AGGREGATE = "AGGREGATE"
BATCH_PREFIX = "BATCH#"
LEVELS_INDEX = "levels"
LEVELS_PARTITION = "LEVELS"
REFUSED_PREFIX = "REFUSED#"
TTL_ATTRIBUTE = "expires_at_epoch"
# An item holds at most 400 KB; an entry of the batches map takes about 45 bytes, so 2,000 live batches per
# ingredient stay well inside it. A delivery row beyond that is rejected with this reason.
MAX_BATCHES_PER_INGREDIENT = 2000


# DynamoDB refuses an update expression over 4 KB. A changed batch's clause (``#batches.#b12 = :b12, ``) takes
# about 25 characters, so a write that changes more batches than this sets the whole map instead: a usage that
# drains hundreds of small batches, a sweep of hundreds expired at once.
MOST_BATCH_CLAUSES = 100


def ingredient_key(type_id: str) -> dict[str, str]:
    return {"pk": type_id, "sk": AGGREGATE}


def batch_sort_key(batch: Batch) -> str:
    return f"{BATCH_PREFIX}{batch.removed_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}#{batch.batch_id}"


def batch_entry(batch: Batch) -> list[int]:
    """A batch in its ingredient's ``batches`` map: ``[remaining, best-before epoch]``."""
    return [batch.remaining, int(batch.removed_at.timestamp())]


def ingredient_from(values: Mapping[str, Any]) -> Ingredient:
    """An ingredient row (plain values, as ``pizza_common.dynamodb.from_item`` gives them)."""
    type_id = str(values["type_id"])
    batches = tuple(
        Batch(type_id, batch_id, int(remaining), datetime.fromtimestamp(int(epoch), UTC))
        for batch_id, (remaining, epoch) in (values.get("batches") or {}).items()
    )
    return Ingredient(type_id, int(values.get("version", 0)), batches)


def ingredient_from_image(image: Mapping[str, Any]) -> Ingredient:
    """An ingredient row from a stream image (DynamoDB JSON).

    DynamoDB Local writes an empty map (an ingredient whose batches are all used or gone) as ``{}`` in stream
    images, where AWS writes ``{"M": {}}``; an attribute value is never empty on AWS, so such values are read
    as absent, which reads both right.
    """
    return ingredient_from(from_item({name: value for name, value in image.items() if value}))


def batches_update(
    table: str, ingredient: Ingredient, after: Sequence[Batch], *, old_on_failure: bool = False
) -> Update:
    """The ingredient's batches become ``after`` and its version steps, only if its version is still the one
    read (every writer of the row steps it, so the whole map may be set as safely as a few of its entries)."""
    values: dict[str, Any] = {":read": ingredient.version, ":next": ingredient.version + 1}
    before = {batch.batch_id: batch for batch in ingredient.batches}
    kept = {batch.batch_id: batch for batch in after}
    changed = sorted(batch_id for batch_id in before.keys() | kept.keys() if before.get(batch_id) != kept.get(batch_id))
    names: dict[str, str] = {}
    if len(changed) > MOST_BATCH_CLAUSES:
        values[":batches"] = {batch_id: batch_entry(batch) for batch_id, batch in kept.items()}
        expression = "SET #version = :next, #batches = :batches"
    else:
        sets, removes = ["#version = :next"], []
        for number, batch_id in enumerate(changed):
            names[f"#b{number}"] = batch_id  # short placeholders: a batch id may be long
            if batch_id in kept:
                sets.append(f"#batches.#b{number} = :b{number}")
                values[f":b{number}"] = batch_entry(kept[batch_id])
            else:
                removes.append(f"#batches.#b{number}")  # an empty or expired batch leaves the map
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    return Update(
        table,
        ingredient_key(ingredient.type_id),
        expression,
        condition="#version = :read",
        values=values,
        old_on_failure=old_on_failure,
        names=names,
    )
