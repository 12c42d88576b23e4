"""Waiting for an asynchronous outcome without sleeping blindly: poll a condition until a deadline.

Everything in the local cloud happens on other threads and processes (event sources, workers), so a test
or a benchmark waits for what it expects to see, and fails naming it when it does not come.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["eventually"]

T = TypeVar("T")


def eventually(check: Callable[[], T | None], what: str, timeout: float = 60, interval: float = 0.1) -> T:
    """Call ``check`` until it returns something truthy and return that; after ``timeout`` seconds raise
    ``AssertionError`` naming ``what`` and the last value seen. An exception from ``check`` propagates."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
