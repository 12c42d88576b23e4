"""DynamoDB for every service: items as plain values, and the write toolkit.

- :mod:`.items`: items to and from plain Python values (``to_item``, ``from_item``, ``to_value``).
- :mod:`.operations`: ``Put``, ``Update``, ``Delete``, ``ConditionCheck`` built from plain values.
- :mod:`.outcomes`: what a write gave, typed (``Committed``, ``Cancelled`` with a reason per item,
  ``ConditionFailed`` with the old item, ``Conflicted``, ``Throttled``, ``Written``).
- :mod:`.writes`: ``transact`` (with ``ClientRequestToken``), ``write``, ``get``, ``retrying``.
- :mod:`.batches`: ``batch_get`` and ``batch_write``, which finish their unprocessed keys and items.

Every retry pauses with full jitter and stops at the deadline (:mod:`pizza_common.deadline`), by default
the Lambda invocation's remaining time. This is the one place in the repo that reads ``CancellationReasons``.
"""

from pizza_common.dynamodb.batches import MAX_GET_KEYS, MAX_WRITE_ITEMS, Unfinished, batch_get, batch_write
from pizza_common.dynamodb.items import from_item, to_item, to_value
from pizza_common.dynamodb.operations import ConditionCheck, Delete, Operation, Put, Update, names_in
from pizza_common.dynamodb.outcomes import (
    Cancelled,
    Committed,
    ConditionFailed,
    Conflicted,
    ItemOutcome,
    Passed,
    Refused,
    Throttled,
    Written,
)
from pizza_common.dynamodb.writes import (
    RETRYABLE,
    TransactionRefused,
    error_code,
    every_item,
    get,
    retrying,
    transact,
    write,
)

__all__ = [
    "MAX_GET_KEYS",
    "MAX_WRITE_ITEMS",
    "RETRYABLE",
    "Cancelled",
    "Committed",
    "ConditionCheck",
    "ConditionFailed",
    "Conflicted",
    "Delete",
    "ItemOutcome",
    "Operation",
    "Passed",
    "Put",
    "Refused",
    "Throttled",
    "TransactionRefused",
    "Unfinished",
    "Update",
    "Written",
    "batch_get",
    "batch_write",
    "error_code",
    "every_item",
    "from_item",
    "get",
    "names_in",
    "retrying",
    "to_item",
    "to_value",
    "transact",
    "write",
]
