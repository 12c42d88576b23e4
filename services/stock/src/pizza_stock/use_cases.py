"""What the stock service does, one short function each: load, decide in the domain, write."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from pizza_common.errors import NotFound
from pizza_stock.adapters.deliveries_bucket import DeliveryBucket
from pizza_stock.adapters.levels_stream import LevelsStream
from pizza_stock.adapters.table import (
    BatchesChanged,
    DeliveriesTable,
    ExpiryTable,
    StockTable,
    TransactionRecorded,
)
from pizza_stock.domain import (
    Answer,
    Batch,
    DeliveryReport,
    Level,
    OutOfStock,
    Row,
    StockBusy,
    TransactionIdReused,
    UseIngredients,
    conflict_report,
    delivery_id,
    group_for_writing,
    plan_usage,
    read_delivery,
    stock_used,
)

__all__ = [
    "IngestOutcome",
    "broadcast_level",
    "expire_batch",
    "ingest_delivery",
    "level_of",
    "use_ingredients",
]

# One transaction (at most 100 items) writes the delivery's progress, the group's batches and each of its
# ingredients' levels once: as many rows as fit, so fewer requests per row.
GROUP_ITEMS = 100 - 1
GROUP_ROWS = GROUP_ITEMS - 1
USAGE_ATTEMPTS = 12


@dataclass(frozen=True)
class IngestOutcome:
    status: str  # "ingested", "already-ingested", "conflict", "superseded"
    accepted: int = 0
    rejected: int = 0


def ingest_delivery(
    bucket: str,
    key: str,
    etag: str | None,
    version_id: str | None,
    upload: str,
    now: datetime,
    table: DeliveriesTable,
    deliveries: DeliveryBucket,
) -> IngestOutcome:
    """Add every valid row of a delivery file as a batch, once, and write its report beside it.

    ``upload`` identifies the upload the notification is about (its version id, else its event time): a
    duplicate notification of a completed delivery does nothing at all; a new upload of the same content
    adds nothing either, but rewrites the report with the count of uploads.
    """
    found = deliveries.open(bucket, key, etag, version_id)
    if found is None:
        return IngestOutcome("superseded")  # replaced or deleted since: the newer object's notification delivers it
    state = table.open_delivery(bucket, key, found.etag, upload, now)
    if state.etag != found.etag:
        deliveries.write_report(bucket, key, conflict_report(bucket, key, found.etag, state.etag))
        return IngestOutcome("conflict")
    if state.completed and not state.new_upload:
        return IngestOutcome("already-ingested")
    report = DeliveryReport(bucket, key, found.etag, uploads=state.uploads)
    batches_of = delivery_id(bucket, key)

    def rows_to_write() -> Iterator[Row]:
        for parsed in read_delivery(found.chunks, now):
            report.count(parsed)
            if isinstance(parsed, Row) and parsed.line > state.progress:
                yield parsed

    for group in group_for_writing(rows_to_write(), GROUP_ROWS, GROUP_ITEMS):
        table.add_batches(bucket, key, batches_of, found.etag, group)
    deliveries.write_report(bucket, key, report.as_dict())
    table.complete_delivery(bucket, key, found.etag, report.accepted, len(report.rejected))
    if state.completed:
        return IngestOutcome("already-ingested", report.accepted, len(report.rejected))
    return IngestOutcome("ingested", report.accepted, len(report.rejected))


def expire_batch(batch: Batch, now: datetime, table: ExpiryTable) -> bool:
    """Take what was left in a batch that TTL removed off its level, once. True if the level changed."""
    if batch.remaining <= 0:
        return False
    return table.subtract_expired(batch, now)


def broadcast_level(level: Level, stream: LevelsStream) -> None:
    stream.publish(level)


def level_of(type_id: str, table: StockTable) -> Level:
    level = table.level(type_id)
    if level is None:
        raise NotFound(f"no ingredient {type_id!r} has ever been delivered", details={"typeId": type_id})
    return level


def use_ingredients(request: UseIngredients, now: datetime, table: StockTable) -> Answer:
    """Take every item oldest best-before first, or none; the first answer to a transactionId is final."""
    fingerprint = request.fingerprint()
    for attempt in range(USAGE_ATTEMPTS):
        batches = {item.type_id: table.batches_oldest_first(item.type_id, item.quantity) for item in request.items}
        try:
            plan = plan_usage(request, batches)
        except OutOfStock as refused:
            if table.record_refusal(request.transaction_id, fingerprint, refused.answer(), now):
                return refused.answer()
            return _first_answer(request, fingerprint, table)
        try:
            table.commit_usage(request.transaction_id, fingerprint, plan, now)
        except BatchesChanged:
            time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))  # others took from these batches: re-plan
            continue
        except TransactionRecorded:
            return _first_answer(request, fingerprint, table)
        return _answer_committed(request, fingerprint, table)
    raise StockBusy(
        "the batches kept changing under this request; nothing was taken, try again",
        details={"transactionId": request.transaction_id},
    )


def _first_answer(request: UseIngredients, fingerprint: str, table: StockTable) -> Answer:
    """The transaction's stored answer; a committed one without an answer yet gets it now (first writer wins)."""
    record = table.transaction_record(request.transaction_id)
    if record is None:
        raise RuntimeError(f"transaction {request.transaction_id} has no record right after it was recorded")
    if record.fingerprint != fingerprint:
        raise TransactionIdReused(request.transaction_id)
    if record.answer is not None:
        return record.answer
    return _answer_committed(request, fingerprint, table)


def _answer_committed(request: UseIngredients, fingerprint: str, table: StockTable) -> Answer:
    """201 with the levels read now, stored as the answer unless another caller stored one first."""
    answer = stock_used(request, table.levels(item.type_id for item in request.items))
    if table.record_answer(request.transaction_id, answer):
        return answer
    return _first_answer(request, fingerprint, table)
