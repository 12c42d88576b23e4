"""Conditional writes and transactions that retry what is worth retrying, within a deadline.

- :func:`transact`: one ``TransactWriteItems``. A condition that failed comes back as :class:`Cancelled`
  with a typed reason per item; a cancellation only by conflicts or throttling is retried with full
  jitter until the deadline, then returned (``contended``). A ``ClientRequestToken`` makes a retry after a
  lost answer safe: DynamoDB applies the transaction once and answers the repeat with success.
- :func:`write`: one conditional ``PutItem`` / ``UpdateItem`` / ``DeleteItem``; a failed condition comes back
  as :class:`ConditionFailed` with the old item; throttling and ``TransactionConflictException`` (a plain write
  to an item a transaction holds) are retried within the deadline.
- :func:`get`: one consistent ``GetItem``, throttling retried.
- :func:`every_item`: every item of a ``Query`` or ``Scan``, page after page, each page's throttling retried.

The deadline defaults to :func:`pizza_common.deadline.current`: the invocation's remaining time in a handler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from pizza_common.deadline import Deadline, current
from pizza_common.dynamodb.items import from_item, to_item
from pizza_common.dynamodb.operations import Delete, Operation, Put, Update
from pizza_common.dynamodb.outcomes import Cancelled, Committed, ConditionFailed, Written

__all__ = ["RETRYABLE", "TransactionRefused", "error_code", "every_item", "get", "retrying", "transact", "write"]

# Answers that mean "not now": the same request may go through on a later try.
RETRYABLE = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TransactionConflictException",  # a plain write to an item inside an in-flight transaction
        "TransactionInProgressException",  # the same ClientRequestToken is still being applied
        "InternalServerError",
    }
)

T = TypeVar("T")


class TransactionRefused(Exception):
    """DynamoDB cancelled the transaction for a reason no retry fixes (``ValidationError``, an item too big)."""

    def __init__(self, cancelled: Cancelled) -> None:
        super().__init__(f"transaction refused: {[reason for reason in cancelled.refused]}")
        self.cancelled = cancelled


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def retrying(call: Callable[[], T], *, deadline: Deadline | None = None, retry_on: frozenset[str] = RETRYABLE) -> T:
    """``call()``, retried with full jitter while it fails with a code in ``retry_on`` and time is left."""
    deadline = deadline or current()
    attempt = 0
    while True:
        try:
            return call()
        except ClientError as error:
            if error_code(error) not in retry_on or not deadline.pause(attempt):
                raise
            attempt += 1


def transact(
    client: Any,
    operations: Sequence[Operation],
    *,
    token: str | None = None,
    deadline: Deadline | None = None,
    retry_conflicts: bool = True,
) -> Committed | Cancelled:
    """Apply ``operations`` all together or not at all; see the module docstring.

    ``retry_conflicts=False``: a cancellation by ``TransactionConflict`` comes back at once (throttling is still
    retried), for a caller whose conflict means another writer is taking the same key (an optimistic append:
    retrying the same write only queues behind the winner and learns the loss a window later)."""
    deadline = deadline or current()
    arguments: dict[str, Any] = {"TransactItems": [operation.transact_item() for operation in operations]}
    if token is not None:
        arguments["ClientRequestToken"] = token
    attempt = 0
    while True:
        try:
            client.transact_write_items(**arguments)
            return Committed()
        except ClientError as error:
            code = error_code(error)
            if code == "TransactionCanceledException":
                cancelled = Cancelled.of(error.response.get("CancellationReasons", []))
                if cancelled.refused and not cancelled.condition_failed:
                    raise TransactionRefused(cancelled) from error
                if not cancelled.contended or (not retry_conflicts and cancelled.conflicted):
                    return cancelled
                if not deadline.pause(attempt):
                    return cancelled
            elif code not in RETRYABLE or not deadline.pause(attempt):
                raise
            attempt += 1


def write(
    client: Any,
    operation: Put | Update | Delete,
    *,
    return_values: str | None = None,
    deadline: Deadline | None = None,
) -> Written | ConditionFailed:
    """One conditional write; ``return_values`` as DynamoDB's ``ReturnValues`` (``ALL_OLD``, ``UPDATED_NEW``...)."""
    method, arguments = operation.call()
    if return_values:
        arguments["ReturnValues"] = return_values
    try:
        response = retrying(lambda: getattr(client, method)(**arguments), deadline=deadline)
    except ClientError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise
        old = error.response.get("Item")
        return ConditionFailed(from_item(old) if old else None)
    attributes = response.get("Attributes")
    return Written(from_item(attributes) if attributes else None)


def get(
    client: Any, table: str, key: Mapping[str, Any], *, consistent: bool = True, deadline: Deadline | None = None
) -> dict[str, Any] | None:
    """One item as plain values, or None; read consistently unless told otherwise."""
    response = retrying(
        lambda: client.get_item(TableName=table, Key=to_item(key), ConsistentRead=consistent), deadline=deadline
    )
    item = response.get("Item")
    return from_item(item) if item else None


def every_item(
    read_page: Callable[[dict[str, Any]], Mapping[str, Any]], *, deadline: Deadline | None = None
) -> Iterator[dict[str, Any]]:
    """Each item (plain, :func:`from_item`) of every page of a ``Query`` or ``Scan``, in order.

    ``read_page(start)`` reads one page: ``start`` is ``{}`` for the first, then ``{"ExclusiveStartKey": ...}``
    to pass on (the call is written out at the caller, e.g. ``lambda start: client.query(**query, **start)``, so
    that the IAM check reads its action). Each page is retried on throttling within the deadline.
    """
    start: dict[str, Any] = {}
    while True:
        page = retrying(partial(read_page, start), deadline=deadline)
        for item in page.get("Items", []):
            yield from_item(item)
        if "LastEvaluatedKey" not in page:
            return
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
