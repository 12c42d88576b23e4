"""Reading EventBridge events delivered through an SQS queue (a rule's queue target sends the whole event)."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

__all__ = ["Malformed", "detail_of", "event_id"]

ModelT = TypeVar("ModelT", bound=BaseModel)


class Malformed(ValueError):
    """The event cannot be read; the message says which field and why."""


def detail_of(body: str, model: type[ModelT]) -> ModelT:
    try:
        envelope: Any = json.loads(body)
    except ValueError as error:
        raise Malformed(f"body: not JSON ({error})") from None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("detail"), dict):
        raise Malformed("detail: an EventBridge event with a JSON object detail is expected")
    try:
        return model.model_validate(envelope["detail"])
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'detail'}: {problem['msg']}"
            for problem in error.errors()
        )
        raise Malformed(problems) from None


def event_id(body: str) -> str | None:
    """The event's own id (kept across redeliveries of one event; a publisher's retried PutEvents gets another)."""
    try:
        envelope: Any = json.loads(body)
    except ValueError:
        return None
    found = envelope.get("id") if isinstance(envelope, dict) else None
    return found if isinstance(found, str) and found else None
