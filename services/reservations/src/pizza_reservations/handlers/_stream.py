"""Shared by the change-stream consumers: events of a Kinesis batch grouped by item, and the partial answer.

A record is an item's run of events (``ItemChanges``). A stream is checkpointed at the lowest failed record, so a
failed item reports its first record and the records after it are delivered again (consumers are idempotent per
event version)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from aws_lambda_powertools.utilities.data_classes import KinesisStreamEvent

from pizza_common.observability import logger
from pizza_reservations.domain.events import ItemChanges, ItemEvent

__all__ = ["by_item", "each_item"]


def by_item(event: dict[str, Any]) -> tuple[dict[str, list[tuple[str, ItemEvent]]], list[str]]:
    """``{item id: [(sequence number of its record, event), ...]}`` in delivery order, and the sequence numbers of
    the records that cannot be read (not ``ItemChanges``)."""
    grouped: dict[str, list[tuple[str, ItemEvent]]] = {}
    unreadable: list[str] = []
    for record in KinesisStreamEvent(event).records:
        sequence = record.kinesis.sequence_number
        try:
            changes = _changes_of(record.kinesis.data_as_text())
        except ValueError:
            logger.exception("change stream: a record that cannot be read", extra={"sequence_number": sequence})
            unreadable.append(sequence)
            continue
        grouped.setdefault(changes.item_id, []).extend((sequence, e) for e in changes.events)
    return grouped, unreadable


def _changes_of(text: str) -> ItemChanges:
    data = json.loads(text)
    # A record of one event, as the fan-out put them before ItemChanges: after an upgrade, the stream still holds
    # them for its retention (24 h), and they must not end in the failures queue.
    if isinstance(data, dict) and "events" not in data:
        data = {"item_id": data.get("item_id"), "events": [data]}
    return ItemChanges.model_validate(data)


def each_item(event: dict[str, Any], work: Callable[[str, Sequence[ItemEvent]], object]) -> dict[str, Any]:
    """``work`` on each item's events; the answer hands back each failed item's first record and every record that
    cannot be read (its retries, then the failures destination, keep it), never the good records beside them."""
    grouped, failures = by_item(event)
    for item_id, records in grouped.items():
        try:
            work(item_id, [item_event for _, item_event in records])
        except Exception:
            logger.exception("change stream: item failed", extra={"item": item_id})
            failures.append(min(records, key=lambda record: int(record[0]))[0])
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failures]}
