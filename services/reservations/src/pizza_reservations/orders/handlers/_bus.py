"""Reading EventBridge events delivered through an SQS queue (a rule's queue target sends the whole event)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

__all__ = ["BusEvent", "Malformed", "read_event"]

ModelT = TypeVar("ModelT", bound=BaseModel)


class Malformed(ValueError):
    """The event cannot be read; the message says which field and why."""


@dataclass(frozen=True)
class BusEvent(Generic[ModelT]):
    """An event as delivered: its detail, read into the model, and its own id (None if it has none)."""

    detail: ModelT
    # Kept across redeliveries of one event; a publisher's retried PutEvents gets another.
    event_id: str | None


def read_event(body: str, model: type[ModelT]) -> BusEvent[ModelT]:
    try:
        envelope: Any = json.loads(body)
    except ValueError as error:
        raise Malformed(f"body: not JSON ({error})") from None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("detail"), dict):
        raise Malformed("detail: an EventBridge event with a JSON object detail is expected")
    try:
        detail = model.model_validate(envelope["detail"])
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'detail'}: {problem['msg']}"
            for problem in error.errors()
        )
        raise Malformed(problems) from None
    found = envelope.get("id")
    return BusEvent(detail=detail, event_id=found if isinstance(found, str) and found else None)
