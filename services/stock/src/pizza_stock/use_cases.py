"""What the stock service does, one short function each: load through a port, decide in the domain, write."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from pizza_stock.domain import (
    MAX_DELIVERY_BYTES,
    Batch,
    Delivery,
    DeliveryConflict,
    DeliveryReport,
    IngestOutcome,
    IngestStatus,
    Ingredient,
    Level,
    LevelChanged,
    OutOfStock,
    Row,
    StockBusy,
    TransactionIdReused,
    UsageAnswer,
    UseIngredients,
    plan_usage,
    read_delivery,
)
from pizza_stock.ports import (
    AlreadyRecorded,
    Committed,
    DeliveryInbox,
    DeliveryLog,
    ExpiryShelf,
    LevelsBroadcast,
    Pantry,
    Patience,
)

__all__ = [
    "Broadcast",
    "Swept",
    "Usage",
    "broadcast_levels",
    "expire_batches",
    "ingest_delivery",
    "level_of",
    "levels",
    "sweep_expired",
    "use_ingredients",
]


# --- usage ------------------------------------------------------------------------------------------------

# Full-jitter pauses between re-plans grow to at most 2**3 times their base (80 ms with pizza_common.deadline).
MAX_PAUSE_STEP = 3


@dataclass(frozen=True)
class Usage:
    """A usage's answer, and how many times it met another writer on the way (for the metric)."""

    answer: UsageAnswer
    contended: int = 0


def use_ingredients(command: UseIngredients, now: Callable[[], datetime], pantry: Pantry, patience: Patience) -> Usage:
    """Take every item oldest best-before first, or none; the first answer to a transaction id is final.

    One consistent read of every ingredient of the usage, one transaction planned on it (conditional on each
    ingredient's version). Another writer in between is contention, not an error: the cancelled write says
    how the ingredients are now, so re-plan on that with no read, with jittered pauses, for as long as the
    function may run. A refusal is only ever made on what was read or answered: never a guess. Each plan reads
    the clock anew: a usage that waited out contention past a batch's best-before must not sell it (the
    commit's condition is on the version only).
    """
    fingerprint = command.fingerprint()
    wanted = [item.type_id for item in command.items]
    ingredients = pantry.ingredients(wanted)
    attempt = 0
    while True:
        moment = now()
        plan = plan_usage(command, ingredients, moment)
        if isinstance(plan, OutOfStock):
            written = pantry.record_refusal(plan, fingerprint, moment)
            answer = plan if isinstance(written, Committed) else _first_answer(command, fingerprint, pantry)
            return Usage(answer, attempt)
        outcome = pantry.commit_usage(plan, fingerprint, moment)
        if isinstance(outcome, Committed):
            return Usage(plan.outcome, attempt)
        if isinstance(outcome, AlreadyRecorded):
            return Usage(_first_answer(command, fingerprint, pantry), attempt)
        # The answer says how the ingredients are now, so re-plan soon: a pause that kept growing would leave
        # this request behind newer ones on a busy ingredient (unfair, and 503s at the deadline).
        if not patience.pause(min(attempt, MAX_PAUSE_STEP)):
            return Usage(StockBusy(command.transaction_id, attempt + 1), attempt + 1)
        attempt += 1
        current = outcome.current
        ingredients = dict(current) if set(current) >= set(wanted) else pantry.ingredients(wanted)


def _first_answer(command: UseIngredients, fingerprint: str, pantry: Pantry) -> UsageAnswer:
    recorded = pantry.recorded_answer(command.transaction_id)
    if recorded is None:
        raise RuntimeError(f"transaction {command.transaction_id} has no record right after it was recorded")
    if recorded.fingerprint != fingerprint:
        return TransactionIdReused(command.transaction_id)
    return recorded.answer


def level_of(type_id: str, now: datetime, pantry: Pantry) -> Level | None:
    """One ingredient's level; None if it was never delivered."""
    found = pantry.ingredients([type_id]).get(type_id)
    return None if found is None else found.level(now)


def levels(now: datetime, pantry: Pantry) -> list[Level]:
    return sorted((ingredient.level(now) for ingredient in pantry.all_ingredients()), key=lambda level: level.type_id)


# --- deliveries -------------------------------------------------------------------------------------------


def ingest_delivery(
    delivery: Delivery,
    etag: str | None,
    version_id: str | None,
    upload: str,
    now: datetime,
    log: DeliveryLog,
    inbox: DeliveryInbox,
) -> IngestOutcome:
    """Add every valid row of a delivery file as a batch, once, and write its report beside it.

    Content is told apart by its checksum, never the ETag (an SSE-KMS ETag is not the content's MD5).
    ``upload`` identifies the upload the notification is about (its version id, else its event time): a
    duplicate notification of a completed delivery does nothing; a new upload of the same content adds
    nothing either, and its report stays as first written, but for the uploads it counts (the file is not read
    again: read anew, rows whose best-before has passed since would be reported rejected, and rows refused for
    their ingredient's room would be offered again). Other content under a delivered key is a conflict,
    reported beside the first report, never over it.
    """
    delivered = inbox.look(delivery, etag, version_id)
    if delivered is None:
        return IngestOutcome(IngestStatus.SUPERSEDED)
    state = log.open(delivered, upload, now)
    if state.checksum != delivered.checksum:
        inbox.write_conflict(DeliveryConflict(delivery, delivered.checksum, state.checksum, delivered.etag))
        return IngestOutcome(IngestStatus.CONFLICT)
    if state.completed and (not state.new_upload or inbox.count_upload(delivered, state.uploads)):
        return IngestOutcome(IngestStatus.ALREADY_INGESTED)
    report = DeliveryReport(delivery, delivered.checksum, delivered.etag, uploads=state.uploads)
    if delivered.size > MAX_DELIVERY_BYTES:
        report.refused = f"the file has {delivered.size:,} bytes; a delivery may have at most {MAX_DELIVERY_BYTES:,}"
    else:
        chunks = inbox.read(delivered)
        if chunks is None:
            return IngestOutcome(IngestStatus.SUPERSEDED)
        # Every row is judged as of the first run's clock, so that a run resuming after a crash reports as that
        # run would have: read with its own, a row written before the crash could since have passed its best-before.
        as_of = state.first_seen_at or now
        log.add_rows(delivered, _rows_to_write(chunks, as_of, report, state.progress))
        # From the log, not from this run alone: a run that died before this one may have refused rows.
        report.withdraw(log.refused_rows(delivered))
    inbox.write_report(report)
    log.complete(delivered, report)
    if report.refused:
        return IngestOutcome(IngestStatus.REFUSED)
    status = IngestStatus.ALREADY_INGESTED if state.completed else IngestStatus.INGESTED
    return IngestOutcome(status, report.accepted, len(report.rejected))


def _rows_to_write(chunks: Iterator[bytes], now: datetime, report: DeliveryReport, progress: int) -> Iterator[Row]:
    for parsed in read_delivery(chunks, now):
        report.count(parsed)
        if isinstance(parsed, Row) and parsed.line > progress:
            yield parsed


# --- expiry -----------------------------------------------------------------------------------------------


def expire_batches(type_id: str, batch_ids: list[str], shelf: ExpiryShelf) -> list[Batch]:
    """TTL removed these batch rows: take the batches off their ingredient, once (those already gone stay gone)."""
    return shelf.remove(type_id, batch_ids)


@dataclass(frozen=True)
class Swept:
    removed: list[Batch]
    failed: dict[str, Exception]  # by ingredient: tried again at the next sweep, a minute later


def sweep_expired(now: datetime, shelf: ExpiryShelf) -> Swept:
    """Take every batch past its best-before off its ingredient, whether or not TTL has come (it may lag days).
    One ingredient that cannot be swept never keeps the others from being swept."""
    removed: list[Batch] = []
    failed: dict[str, Exception] = {}
    for ingredient in shelf.ingredients_holding_expired(now):
        try:
            removed += shelf.remove(ingredient.type_id, [batch.batch_id for batch in ingredient.expired(now)])
        except Exception as error:
            failed[ingredient.type_id] = error
    return Swept(removed, failed)


# --- the levels stream ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Broadcast:
    published: int
    unpublished: list[int]  # indexes into the changes given: to hand back to the stream


def broadcast_levels(changes: Sequence[tuple[Ingredient, datetime]], broadcast: LevelsBroadcast) -> Broadcast:
    """Publish each ingredient's level as of its change, all in one go; an ingredient not yet holding anything
    is not news."""
    news = [(index, ingredient.level(at)) for index, (ingredient, at) in enumerate(changes) if ingredient.version >= 1]
    refused = broadcast.publish([LevelChanged.of(level) for _, level in news])
    return Broadcast(len(news) - len(refused), [news[i][0] for i in refused])
