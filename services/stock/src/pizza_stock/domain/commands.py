"""What callers ask the stock service to do (imperative names); validated at the edge before they get here."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

__all__ = ["MAX_ITEMS", "MAX_QUANTITY", "UsageItem", "UseIngredients"]

MAX_ITEMS = 25  # ingredients in one usage
MAX_QUANTITY = 1_000_000_000  # of one ingredient in one usage


@dataclass(frozen=True)
class UsageItem:
    type_id: str
    quantity: int


@dataclass(frozen=True)
class UseIngredients:
    """Take every item, or none; ``transaction_id`` makes a replay harmless (its first answer is final)."""

    transaction_id: str
    items: tuple[UsageItem, ...]

    def fingerprint(self) -> str:
        """The same request, whatever the order of its items, has the same fingerprint."""
        canonical = sorted((item.type_id, item.quantity) for item in self.items)
        return hashlib.sha256(json.dumps(canonical).encode()).hexdigest()
