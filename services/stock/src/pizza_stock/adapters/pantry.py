"""The :class:`~pizza_stock.ports.Pantry` on the stock table (the API function): ingredients, usage and the
transactions' first answers. Layout: :mod:`pizza_stock.adapters.items`."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from pizza_common import aws
from pizza_common.dynamodb import (
    Cancelled,
    Passed,
    Put,
    Update,
    batch_get,
    every_item,
    get,
    transact,
    write,
)
from pizza_common.dynamodb import ConditionFailed as WriteConditionFailed
from pizza_stock.adapters.items import (
    LEVELS_INDEX,
    LEVELS_PARTITION,
    TTL_ATTRIBUTE,
    batches_update,
    ingredient_from,
    ingredient_key,
)
from pizza_stock.domain import (
    Ingredient,
    IngredientChange,
    Level,
    OutOfStock,
    Shortfall,
    StockUsed,
    UsageItem,
    UsagePlan,
)
from pizza_stock.ports import AlreadyRecorded, Committed, IngredientsChanged, RecordedAnswer

__all__ = ["TRANSACTION_RETENTION", "DynamoDbPantry"]

# How long a transactionId keeps its first answer.
TRANSACTION_RETENTION = timedelta(days=30)


def _transaction_key(transaction_id: str) -> dict[str, str]:
    return {"pk": f"TRANSACTION#{transaction_id}", "sk": "TRANSACTION"}


def _answer_json(answer: StockUsed | OutOfStock) -> str:
    if isinstance(answer, StockUsed):
        return json.dumps(
            {
                "kind": "used",
                "items": [[item.type_id, item.quantity] for item in answer.items],
                "levels": [[level.type_id, level.quantity, level.version] for level in answer.levels],
            }
        )
    return json.dumps(
        {"kind": "out_of_stock", "shortfalls": [[s.type_id, s.requested, s.available] for s in answer.shortfalls]}
    )


def _answer_of(transaction_id: str, text: str) -> StockUsed | OutOfStock:
    stored = json.loads(text)
    if stored["kind"] == "used":
        return StockUsed(
            transaction_id,
            tuple(UsageItem(type_id, quantity) for type_id, quantity in stored["items"]),
            tuple(Level(type_id, quantity, version) for type_id, quantity, version in stored["levels"]),
        )
    return OutOfStock(transaction_id, tuple(Shortfall(t, r, a) for t, r, a in stored["shortfalls"]))


class DynamoDbPantry:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self.name = table_name
        self.client = client or aws.client("dynamodb")

    def ingredients(self, type_ids: Collection[str]) -> dict[str, Ingredient]:
        # Consistent: a stale read could miss a delivery and record a wrong refusal as the first answer.
        found = batch_get(self.client, self.name, [ingredient_key(t) for t in sorted(set(type_ids))], consistent=True)
        return {ingredient.type_id: ingredient for ingredient in map(ingredient_from, found)}

    def all_ingredients(self) -> list[Ingredient]:
        query: dict[str, Any] = {
            "TableName": self.name,
            "IndexName": LEVELS_INDEX,
            "KeyConditionExpression": "levels_partition = :levels",
            "ExpressionAttributeValues": {":levels": {"S": LEVELS_PARTITION}},
        }
        return [ingredient_from(item) for item in every_item(lambda start: self.client.query(**query, **start))]

    def commit_usage(
        self, plan: UsagePlan, fingerprint: str, now: datetime
    ) -> Committed | IngredientsChanged | AlreadyRecorded:
        record = Put(
            self.name,
            self._record(plan.command.transaction_id, fingerprint, plan.outcome, now),
            condition="attribute_not_exists(pk)",
        )
        # Conflicts and throttling are retried within the invocation's deadline, with full-jitter pauses doubling
        # to the toolkit's 1 s. Pauses capped at 50 ms (meant to keep a waiting usage from being overtaken) made a
        # hot ingredient's contenders retry into each other's transactions: 70 conflicts per success, a third of
        # the rate, and a longer tail (bench/README.md, "A hot ingredient, and pauses that spread its contenders").
        outcome = transact(self.client, [record, *(self._change(change) for change in plan.changes)])
        if not isinstance(outcome, Cancelled):
            return Committed()
        if outcome.failed(0):
            return AlreadyRecorded()
        # A version moved, or others kept the items busy past the deadline. What the answer says of each
        # ingredient: its condition failed (it came back as it is now) or held (it is as planned).
        current: dict[str, Ingredient] = {}
        for index, change in enumerate(plan.changes, start=1):
            reason = outcome.reasons[index] if index < len(outcome.reasons) else None
            old = outcome.old_item(index)
            if old is not None:
                current[change.ingredient.type_id] = ingredient_from(old)
            elif isinstance(reason, Passed):
                current[change.ingredient.type_id] = change.ingredient
        return IngredientsChanged(current)

    def _change(self, change: IngredientChange) -> Update:
        """Take from the batches and step the version, only if the ingredient is still as it was read."""
        taken = {take.batch.batch_id: take for take in change.takes}
        after = []
        for batch in change.ingredient.batches:
            take = taken.get(batch.batch_id)
            if take is None:
                after.append(batch)
            elif not take.drains:  # an empty batch leaves the map
                after.append(replace(batch, remaining=batch.remaining - take.quantity))
        # A failed condition answers with the ingredient as it is now: no read to re-plan.
        return batches_update(self.name, change.ingredient, after, old_on_failure=True)

    def _record(
        self, transaction_id: str, fingerprint: str, answer: StockUsed | OutOfStock, now: datetime
    ) -> dict[str, Any]:
        return _transaction_key(transaction_id) | {
            "fingerprint": fingerprint,
            "answer": _answer_json(answer),
            "recorded_at": now.isoformat(),
            TTL_ATTRIBUTE: int((now + TRANSACTION_RETENTION).timestamp()),
        }

    def record_refusal(self, refusal: OutOfStock, fingerprint: str, now: datetime) -> Committed | AlreadyRecorded:
        put = Put(
            self.name,
            self._record(refusal.transaction_id, fingerprint, refusal, now),
            condition="attribute_not_exists(pk)",
        )
        return AlreadyRecorded() if isinstance(write(self.client, put), WriteConditionFailed) else Committed()

    def recorded_answer(self, transaction_id: str) -> RecordedAnswer | None:
        found = get(self.client, self.name, _transaction_key(transaction_id))
        if found is None:
            return None
        return RecordedAnswer(str(found["fingerprint"]), _answer_of(transaction_id, str(found["answer"])))
