"""BatchGetItem and BatchWriteItem that finish their work.

DynamoDB may answer a batch call in part: whatever it did not get to comes back as ``UnprocessedKeys`` /
``UnprocessedItems`` (throttling, the 16 MB answer limit), with no error. Reading that as "not there" is a
bug (a throttled read of the oven's capacity looked like "oven not seeded"). These functions send the rest
again, with full-jitter backoff, until nothing is left; past the deadline they raise :class:`Unfinished`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import Any

from pizza_common.deadline import Deadline, current
from pizza_common.dynamodb.items import from_item, to_item
from pizza_common.dynamodb.writes import retrying

__all__ = ["MAX_GET_KEYS", "MAX_WRITE_ITEMS", "Unfinished", "batch_get", "batch_write"]

MAX_GET_KEYS = 100  # DynamoDB's limit per BatchGetItem
MAX_WRITE_ITEMS = 25  # and per BatchWriteItem


class Unfinished(Exception):
    """The deadline came with part of a batch still unprocessed; ``left`` says how many keys or items."""

    def __init__(self, operation: str, left: int) -> None:
        super().__init__(f"{operation}: {left} left unprocessed when the deadline came")
        self.left = left


def _get_batch(client: Any, request: dict[str, Any]) -> dict[str, Any]:
    return dict(client.batch_get_item(RequestItems=request))


def _write_batch(client: Any, request: dict[str, Any]) -> dict[str, Any]:
    return dict(client.batch_write_item(RequestItems=request))


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def batch_get(
    client: Any,
    table: str,
    keys: Iterable[Mapping[str, Any]],
    *,
    consistent: bool = False,
    projection: str | None = None,
    deadline: Deadline | None = None,
) -> list[dict[str, Any]]:
    """Every item found under ``keys`` (plain values, in no particular order); missing keys are left out."""
    deadline = deadline or current()
    wanted = [to_item(key) for key in keys]
    found: list[dict[str, Any]] = []
    for chunk in _chunks(wanted, MAX_GET_KEYS):
        request: dict[str, Any] = {"Keys": list(chunk), "ConsistentRead": consistent}
        if projection:
            request["ProjectionExpression"] = projection
        pending = {table: request}
        attempt = 0
        while pending:
            answer = retrying(partial(_get_batch, client, pending), deadline=deadline)
            found.extend(from_item(item) for item in answer.get("Responses", {}).get(table, []))
            pending = answer.get("UnprocessedKeys") or {}
            if pending and not deadline.pause(attempt):
                raise Unfinished("BatchGetItem", len(pending[table]["Keys"]))
            attempt += 1
    return found


def batch_write(
    client: Any,
    table: str,
    *,
    puts: Iterable[Mapping[str, Any]] = (),
    deletes: Iterable[Mapping[str, Any]] = (),
    deadline: Deadline | None = None,
) -> None:
    """Put whole items and delete keys (plain values), unconditionally, 25 a request, until all are done."""
    deadline = deadline or current()
    requests = [{"PutRequest": {"Item": to_item(item)}} for item in puts]
    requests += [{"DeleteRequest": {"Key": to_item(key)}} for key in deletes]
    for chunk in _chunks(requests, MAX_WRITE_ITEMS):
        pending: dict[str, Any] = {table: list(chunk)}
        attempt = 0
        while pending:
            answer = retrying(partial(_write_batch, client, pending), deadline=deadline)
            pending = answer.get("UnprocessedItems") or {}
            if pending and not deadline.pause(attempt):
                raise Unfinished("BatchWriteItem", len(pending[table]))
            attempt += 1
