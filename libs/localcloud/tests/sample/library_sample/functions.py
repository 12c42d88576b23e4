"""Plain functions that show how the worker runs a handler: warm state, environment, errors, timeouts."""

from __future__ import annotations

import os
import time
from typing import Any

# Module state survives between invocations of a warm worker, as on Lambda.
_invocations = 0
_pid_at_import = os.getpid()


def count(event: Any, context: Any) -> dict[str, Any]:
    global _invocations
    _invocations += 1
    return {"invocations": _invocations, "pid": _pid_at_import}


def environment(event: Any, context: Any) -> dict[str, Any]:
    names = event.get("names", [])
    return {
        "env": {name: os.environ.get(name) for name in names},
        "function_name": context.function_name,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "request_id": context.aws_request_id,
        "arn": context.invoked_function_arn,
    }


def sleep(event: Any, context: Any) -> dict[str, Any]:
    seconds = event.get("seconds", 5)
    print(f"sleeping {seconds} s", flush=True)
    time.sleep(seconds)
    return {"slept": seconds}


class ShelfEmpty(Exception):
    pass


def fail(event: Any, context: Any) -> None:
    raise ShelfEmpty(f"no book on shelf {event.get('shelf', '?')}")


def echo(event: Any, context: Any) -> Any:
    return event
