"""Functions that Step Functions calls through ``arn:aws:states:::lambda:invoke``."""

from __future__ import annotations

import json
from typing import Any

import boto3

_TITLES = {"978-0": "The Name of the Rose", "978-1": "Invisible Cities"}


def lookup(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"isbn": event["isbn"], "title": _TITLES.get(event["isbn"], "unknown")}


def hold(event: dict[str, Any], context: Any) -> None:
    """A ``.waitForTaskToken`` task: answer through the callback API, as a real integration does."""
    boto3.client("stepfunctions").send_task_success(
        taskToken=event["token"], output=json.dumps({"held": event["isbn"], "by": context.function_name})
    )
