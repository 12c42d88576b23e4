"""Planning a usage over the ingredients' batches: all items or none, oldest best-before first."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from pizza_stock.domain.commands import UseIngredients
from pizza_stock.domain.model import Ingredient, Level, Shortfall, Take, allocate_oldest_first
from pizza_stock.domain.outcomes import OutOfStock, StockUsed

__all__ = ["IngredientChange", "UsagePlan", "plan_usage"]


@dataclass(frozen=True)
class IngredientChange:
    """What a usage does to one ingredient, planned on the state read at ``ingredient.version``."""

    ingredient: Ingredient
    takes: tuple[Take, ...]
    level_after: Level

    def after(self) -> Ingredient:
        """The ingredient once the usage is written: drained batches gone, the others holding what is left."""
        taken = {take.batch.batch_id: take.quantity for take in self.takes}
        batches = tuple(
            replace(batch, remaining=batch.remaining - taken.get(batch.batch_id, 0))
            for batch in self.ingredient.batches
            if batch.remaining - taken.get(batch.batch_id, 0) > 0 or batch.batch_id not in taken
        )
        return Ingredient(self.ingredient.type_id, self.ingredient.version + 1, batches)


@dataclass(frozen=True)
class UsagePlan:
    command: UseIngredients
    changes: tuple[IngredientChange, ...]

    @property
    def outcome(self) -> StockUsed:
        levels = tuple(sorted((change.level_after for change in self.changes), key=lambda level: level.type_id))
        return StockUsed(self.command.transaction_id, self.command.items, levels)


def plan_usage(command: UseIngredients, ingredients: Mapping[str, Ingredient], now: datetime) -> UsagePlan | OutOfStock:
    """The takes for every item from batches usable at ``now``, or the refusal naming every short item."""
    changes: list[IngredientChange] = []
    shortfalls: list[Shortfall] = []
    for item in command.items:
        ingredient = ingredients.get(item.type_id) or Ingredient.never_delivered(item.type_id)
        allocation = allocate_oldest_first(item.type_id, item.quantity, ingredient.usable(now))
        if isinstance(allocation, Shortfall):
            shortfalls.append(allocation)
            continue
        level = ingredient.level(now)
        after = Level(item.type_id, level.quantity - item.quantity, ingredient.version + 1)
        changes.append(IngredientChange(ingredient, tuple(allocation), after))
    if shortfalls:
        return OutOfStock(command.transaction_id, tuple(shortfalls))
    return UsagePlan(command, tuple(changes))
