"""What the oven tells the world: a pizza is baked (BakedItems), and the baker's wake-up (internal).

``events/baked-items.schema.json`` and ``events/wakeups.schema.json`` are generated from these models
(tests/unit/test_event_schemas.py fails when code and schema drift).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from pizza_oven.domain.model import MAX_BAKING_TIME_SECS, PIZZA_ID_PATTERN, Pizza

__all__ = ["PizzaBaked", "WakeUp"]


class PizzaBaked(BaseModel):
    """On BakedItems (.fifo; group and deduplication id: the pizza id), once per pizza."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, title="BakedItems: a pizza is baked")

    id: Annotated[str, Field(pattern=PIZZA_ID_PATTERN)]
    baking_time_secs: Annotated[int, Field(ge=1, le=MAX_BAKING_TIME_SECS, alias="bakingTimeSecs")]
    baked_at: Annotated[datetime, Field(alias="bakedAt", description="when its slot was freed (UTC, ISO 8601)")]

    @field_serializer("baked_at")
    def _iso(self, moment: datetime) -> str:
        return moment.isoformat()  # "+00:00", as BakedItems has always carried it

    @classmethod
    def of(cls, pizza: Pizza, baked_at: datetime) -> PizzaBaked:
        return cls(id=pizza.id, baking_time_secs=pizza.baking_time_secs, baked_at=baked_at.astimezone(UTC))

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)


class WakeUp(BaseModel):
    """On the wake-ups FIFO queue (one message group): the baker's bell. ``reason`` is its deduplication id."""

    model_config = ConfigDict(frozen=True, title="Wake-ups: ring for the baker")

    reason: Annotated[
        str,
        Field(max_length=128, description="joined-<id> | removed-<id> | continue-<request> | reconciled-<time>"),
    ]
