"""``pizza-reservations-projection``: folds each item's events into the items table (any order, duplicates
dropped) and publishes one ``inventory-changed`` per new event on the shared bus."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.observability import instrumented, metrics
from pizza_reservations import use_cases
from pizza_reservations.bootstrap import projecting
from pizza_reservations.domain.events import ItemEvent
from pizza_reservations.handlers._stream import each_item


def _project(item_id: str, events: Sequence[ItemEvent]) -> None:
    ports = projecting()
    changes = use_cases.project_changes(
        item_id,
        events,
        projection=ports.projection,
        publisher=ports.publisher,
        store=ports.store,
        snapshots=ports.snapshots,
    )
    metrics.add_metric(name="InventoryChangesPublished", unit=MetricUnit.Count, value=len(changes))


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return each_item(event, _project)
