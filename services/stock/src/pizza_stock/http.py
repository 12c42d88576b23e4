"""The stock API's edge: request bodies in (pydantic, camelCase as ``openapi.yaml`` has them), outcomes out as
status codes and JSON bodies, errors in the one shape of ``pizza_common.http``."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from pizza_stock.domain import (
    MAX_ITEMS,
    MAX_QUANTITY,
    Level,
    OutOfStock,
    StockBusy,
    StockUsed,
    TransactionIdReused,
    UsageAnswer,
    UsageItem,
    UseIngredients,
)
from pizza_stock.domain.events import TypeId

__all__ = ["UsageRequest", "level_body", "usage_answer"]


class UsageItemRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    type_id: TypeId = Field(alias="typeId")
    quantity: Annotated[StrictInt, Field(gt=0, le=MAX_QUANTITY)]


class UsageRequest(BaseModel):
    """``POST /transactions``: take every item, or none."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    transaction_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$", max_length=128)] = Field(
        alias="transactionId"
    )
    # A list, not a tuple: pydantic counts a tuple's length after dropping invalid items, adding a false "too short".
    items: Annotated[list[UsageItemRequest], Field(min_length=1, max_length=MAX_ITEMS)]

    @field_validator("items")
    @classmethod
    def _each_ingredient_once(cls, items: list[UsageItemRequest]) -> list[UsageItemRequest]:
        repeated = sorted(type_id for type_id, count in Counter(item.type_id for item in items).items() if count > 1)
        if repeated:
            raise ValueError(f"each typeId may appear once; repeated: {', '.join(repeated)}")
        return items

    def command(self) -> UseIngredients:
        return UseIngredients(self.transaction_id, tuple(UsageItem(i.type_id, i.quantity) for i in self.items))


def level_body(level: Level) -> dict[str, Any]:
    return {"typeId": level.type_id, "quantity": level.quantity, "version": level.version}


def _error(code: str, message: str, details: Any) -> dict[str, Any]:
    return {"error": code, "message": message, "details": details}


def usage_answer(answer: UsageAnswer) -> tuple[int, dict[str, Any]]:
    """The status and body of a usage's outcome (``openapi.yaml``)."""
    if isinstance(answer, StockUsed):
        return 201, {
            "transactionId": answer.transaction_id,
            "items": [{"typeId": item.type_id, "quantity": item.quantity} for item in answer.items],
            "levels": [level_body(level) for level in answer.levels],
        }
    if isinstance(answer, OutOfStock):
        shortfalls = [
            {"typeId": s.type_id, "requested": s.requested, "available": s.available} for s in answer.shortfalls
        ]
        return 409, _error(
            "OutOfStock", answer.message, {"transactionId": answer.transaction_id, "shortfalls": shortfalls}
        )
    if isinstance(answer, TransactionIdReused):
        return 409, _error("TransactionIdReused", answer.message, {"transactionId": answer.transaction_id})
    if isinstance(answer, StockBusy):
        message = "other usages kept changing these ingredients until time ran out; nothing was taken, try again"
        return 503, _error("StockBusy", message, {"transactionId": answer.transaction_id})
    raise TypeError(f"not a usage answer: {answer!r}")
