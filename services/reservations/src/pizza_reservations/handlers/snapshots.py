"""``pizza-reservations-snapshots``: archives each item's new events to S3, folds them into a snapshot once
enough have gathered, and lets the events that snapshot covers expire from the hot table (TTL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.observability import instrumented
from pizza_reservations import use_cases
from pizza_reservations.bootstrap import archiving, settings
from pizza_reservations.domain.events import ItemEvent
from pizza_reservations.handlers._stream import each_item


def _snapshot(item_id: str, events: Sequence[ItemEvent]) -> None:
    ports = archiving()
    use_cases.snapshot_and_retire(
        item_id,
        events,
        store=ports.store,
        snapshots=ports.snapshots,
        archive=ports.archive,
        retirement=ports.retirement,
        every=settings().snapshot_every,
        hot_retention=timedelta(days=settings().hot_retention_days),
    )


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return each_item(event, _snapshot)
