"""Using ingredients: the request, how it is planned over batches, and the answers it can get.

A usage takes every item or none. The first answer given to a ``transactionId`` is its answer for good:
a replay gets it again and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from pizza_common.errors import Conflict, PizzaError
from pizza_stock.domain.model import (
    MAX_TYPE_ID_LENGTH,
    Batch,
    Level,
    Shortfall,
    Take,
    allocate_oldest_first,
)

__all__ = [
    "MAX_ITEMS",
    "MAX_WRITES",
    "Answer",
    "OutOfStock",
    "StockBusy",
    "TooManyBatches",
    "TransactionIdReused",
    "UsageItem",
    "UseIngredients",
    "plan_usage",
    "stock_used",
]

MAX_ITEMS = 25
# DynamoDB changes at most 100 items in one transaction; one of them is the transaction's own record.
MAX_WRITES = 100
MAX_QUANTITY = 1_000_000_000

TypeId = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=MAX_TYPE_ID_LENGTH)]


class UsageItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    type_id: TypeId = Field(alias="typeId")
    quantity: Annotated[StrictInt, Field(gt=0, le=MAX_QUANTITY)]


class UseIngredients(BaseModel):
    """``POST /transactions``: take every item, or none."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    transaction_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$", max_length=128)] = Field(
        alias="transactionId"
    )
    # A list, not a tuple: pydantic counts a tuple's length after dropping invalid items, adding a false "too short".
    items: Annotated[list[UsageItem], Field(min_length=1, max_length=MAX_ITEMS)]

    @field_validator("items")
    @classmethod
    def _each_ingredient_once(cls, items: list[UsageItem]) -> list[UsageItem]:
        counts = Counter(item.type_id for item in items)
        repeated = sorted(type_id for type_id, count in counts.items() if count > 1)
        if repeated:
            raise ValueError(f"each typeId may appear once; repeated: {', '.join(repeated)}")
        return items

    def fingerprint(self) -> str:
        """The same request, whatever the order of its items, has the same fingerprint."""
        canonical = sorted((item.type_id, item.quantity) for item in self.items)
        return hashlib.sha256(json.dumps(canonical).encode()).hexdigest()


@dataclass(frozen=True)
class Answer:
    """An HTTP answer as it is stored for replays: status and JSON body."""

    status: int
    body: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps({"status": self.status, "body": self.body}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Answer:
        stored = json.loads(text)
        return cls(status=int(stored["status"]), body=stored["body"])


class OutOfStock(Conflict):
    """409: some items fell short; nothing was taken."""

    code = "OutOfStock"

    def __init__(self, transaction_id: str, shortfalls: Sequence[Shortfall]) -> None:
        listed = ", ".join(f"{s.type_id} (requested {s.requested}, available {s.available})" for s in shortfalls)
        super().__init__(
            f"not enough stock, nothing was taken: {listed}",
            details={"transactionId": transaction_id, "shortfalls": [s.as_dict() for s in shortfalls]},
        )

    def answer(self) -> Answer:
        return Answer(self.status_code, self.to_body())


class TransactionIdReused(Conflict):
    """409: a transactionId already used for a different request."""

    code = "TransactionIdReused"

    def __init__(self, transaction_id: str) -> None:
        super().__init__(
            f"transactionId {transaction_id!r} was already used for a different request; use a new transactionId",
            details={"transactionId": transaction_id},
        )


class TooManyBatches(PizzaError):
    """422: the usage spans more batches than one atomic transaction can change."""

    status_code = 422
    code = "TooManyBatches"


class StockBusy(PizzaError):
    """503: the batches kept changing under this request; nothing was taken, try again."""

    status_code = 503
    code = "StockBusy"


def plan_usage(request: UseIngredients, batches: Mapping[str, Sequence[Batch]]) -> dict[str, list[Take]]:
    """The takes for every item, oldest best-before first; raises OutOfStock naming every short item."""
    plan: dict[str, list[Take]] = {}
    shortfalls: list[Shortfall] = []
    for item in request.items:
        allocation = allocate_oldest_first(item.type_id, item.quantity, batches.get(item.type_id, ()))
        if isinstance(allocation, Shortfall):
            shortfalls.append(allocation)
        else:
            plan[item.type_id] = allocation
    if shortfalls:
        raise OutOfStock(request.transaction_id, shortfalls)
    writes = 1 + len(plan) + sum(len(takes) for takes in plan.values())
    if writes > MAX_WRITES:
        raise TooManyBatches(
            f"this usage would change {writes - 1} items (each ingredient and each batch it draws on); "
            f"one atomic transaction changes at most {MAX_WRITES - 1}: split it into smaller requests",
            details={"transactionId": request.transaction_id},
        )
    return plan


def stock_used(request: UseIngredients, levels: Sequence[Level]) -> Answer:
    """201: what was taken and the levels right after."""
    return Answer(
        201,
        {
            "transactionId": request.transaction_id,
            "items": [{"typeId": item.type_id, "quantity": item.quantity} for item in request.items],
            "levels": [level.as_dict() for level in sorted(levels, key=lambda level: level.type_id)],
        },
    )
