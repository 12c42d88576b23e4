"""The :class:`~pizza_stock.ports.ExpiryShelf` on the stock table (the expire function): batches past their
best-before leave their ingredient's row, each once. Layout: :mod:`pizza_stock.adapters.items`."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from pizza_common import aws
from pizza_common.deadline import current
from pizza_common.dynamodb import ConditionFailed as WriteConditionFailed
from pizza_common.dynamodb import every_item, get, write
from pizza_stock.adapters.items import (
    LEVELS_INDEX,
    LEVELS_PARTITION,
    batches_update,
    ingredient_from,
    ingredient_key,
)
from pizza_stock.domain import Batch, Ingredient

__all__ = ["DynamoDbExpiryShelf"]


class DynamoDbExpiryShelf:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self.name = table_name
        self.client = client or aws.client("dynamodb")

    def ingredients_holding_expired(self, now: datetime) -> list[Ingredient]:
        """From the levels index: one row per ingredient, so a sweep reads as many rows as there are ingredients."""
        query: dict[str, Any] = {
            "TableName": self.name,
            "IndexName": LEVELS_INDEX,
            "KeyConditionExpression": "levels_partition = :levels",
            "ExpressionAttributeValues": {":levels": {"S": LEVELS_PARTITION}},
        }
        found = map(ingredient_from, every_item(lambda start: self.client.query(**query, **start)))
        return [ingredient for ingredient in found if ingredient.expired(now)]

    def remove(self, type_id: str, batch_ids: Collection[str]) -> list[Batch]:
        """Read the ingredient, remove those of the batches it still holds, only if it did not change meanwhile."""
        deadline = current()
        attempt = 0
        while True:
            found = get(self.client, self.name, ingredient_key(type_id))
            if found is None:
                return []
            ingredient = ingredient_from(found)
            held = [batch for batch in ingredient.batches if batch.batch_id in set(batch_ids)]
            if not held:
                return []
            gone = {batch.batch_id for batch in held}
            removal = batches_update(
                self.name, ingredient, [batch for batch in ingredient.batches if batch.batch_id not in gone]
            )
            if not isinstance(write(self.client, removal), WriteConditionFailed):
                return held
            if not deadline.pause(attempt):  # usage kept changing the ingredient: the event source retries
                raise TimeoutError(f"{type_id} kept changing while its expired batches were removed")
            attempt += 1
