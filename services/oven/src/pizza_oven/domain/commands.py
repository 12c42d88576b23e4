"""What the oven is asked to do, as messages: bake a pizza (NewItems), take a baked one out (the state machine).

The pydantic models are the contract: ``events/new-items.schema.json`` is generated from :class:`BakePizza`
(tests/unit/test_event_schemas.py fails when the two drift).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pizza_common import strict_json
from pizza_oven.domain.model import MAX_BAKING_TIME_SECS, PIZZA_ID_PATTERN, Pizza

__all__ = ["BakePizza", "InvalidPizza", "parse_order"]


class BakePizza(BaseModel):
    """A message on the NewItems queue: ``{"id": "margherita-42", "bakingTimeSecs": 30}``.

    The same shape is the baking execution's input and a line entry's body. Other fields are ignored.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True, title="NewItems: bake a pizza")

    id: Annotated[
        str,
        Field(
            strict=True,
            pattern=PIZZA_ID_PATTERN,
            description="1-80 of A-Z a-z 0-9 - _; names the pizza's execution, item and deduplication id. "
            "An id the oven baked in the last 90 days is rejected (to the DLQ), not baked again.",
        ),
    ]
    baking_time_secs: Annotated[int | None, Field(strict=True, ge=1, le=MAX_BAKING_TIME_SECS)] = Field(
        default=None, alias="bakingTimeSecs", description="whole seconds; default DEFAULT_BAKING_TIME_SECS"
    )


class InvalidPizza(ValueError):
    """A NewItems message that can never be baked; the reason names the field."""


def parse_order(body: str, default_baking_time_secs: int) -> Pizza:
    """A NewItems message body as a :class:`Pizza`, the default baking time applied when it has none."""
    try:
        strict_json.loads(body)  # a name given twice would be read as its last, silently
    except strict_json.NotStrictJson as error:
        raise InvalidPizza(f"body: holds {error}") from None
    except (ValueError, RecursionError):
        pass  # broken or nested too deep: pydantic's reading below names what is wrong
    try:
        order = BakePizza.model_validate_json(body)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'body'}: {problem['msg']}"
            for problem in error.errors(include_url=False)
        )
        raise InvalidPizza(problems) from None
    return Pizza(order.id, order.baking_time_secs or default_baking_time_secs)
