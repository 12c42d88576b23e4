"""The stock table's layout, shared by the adapters of its three ports (pantry, delivery log, expiry shelf).

Key layout (``pk``, ``sk``); attribute names are snake_case (docs/conventions.md):

================  ===============================  ==============================================================
row               pk                               sk
================  ===============================  ==============================================================
ingredient        ``<type_id>``                    ``AGGREGATE``: ``version``, ``batches`` (a map, batch id ->
                                                   ``[remaining, best-before epoch]``), ``levels_partition``
batch             ``<type_id>``                    ``BATCH#<best-before UTC>#<batch_id>``: the delivered row, TTL
delivery          ``DELIVERY#<bucket>/<key>``      ``DELIVERY``: checksum, progress, uploads, completed
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

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pizza_common.dynamodb import from_item
from pizza_stock.domain import Batch, Ingredient

__all__ = [
    "AGGREGATE",
    "BATCH_PREFIX",
    "LEVELS_INDEX",
    "LEVELS_PARTITION",
    "MAX_BATCHES_PER_INGREDIENT",
    "TTL_ATTRIBUTE",
    "batch_entry",
    "batch_sort_key",
    "ingredient_from",
    "ingredient_from_image",
    "ingredient_key",
]

AGGREGATE = "AGGREGATE"
BATCH_PREFIX = "BATCH#"
LEVELS_INDEX = "levels"
LEVELS_PARTITION = "LEVELS"
TTL_ATTRIBUTE = "expires_at_epoch"
# An item holds at most 400 KB; an entry of the batches map takes about 45 bytes, so 2,000 live batches per
# ingredient stay well inside it. A delivery row beyond that is rejected with this reason.
MAX_BATCHES_PER_INGREDIENT = 2000


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
