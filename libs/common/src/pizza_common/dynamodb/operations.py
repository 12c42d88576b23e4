"""The writes of a DynamoDB request, built from plain Python values.

Each operation renders itself both as one item of a ``TransactWriteItems`` and as the arguments of the
single call (``PutItem``, ``UpdateItem``, ``DeleteItem``). Keys, items and ``:values`` are plain Python
values (converted with :func:`~pizza_common.dynamodb.items.to_value`); every ``#name`` in an expression
becomes an ``ExpressionAttributeNames`` entry for itself, so reserved words (``state``, ``capacity``) need
no bookkeeping; ``names`` adds placeholders for names that are not words (``{"#slot": "slot_p-1"}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pizza_common.dynamodb.items import to_item

__all__ = ["ConditionCheck", "Delete", "Operation", "Put", "Update", "names_in"]

_NAME = re.compile(r"#(\w+)")


def names_in(*expressions: str | None) -> dict[str, str]:
    """``{"#state": "state"}`` for every ``#name`` placeholder in the expressions."""
    return {f"#{name}": name for text in expressions if text for name in _NAME.findall(text)}


def _expressions(
    arguments: dict[str, Any],
    *,
    condition: str | None,
    values: Mapping[str, Any],
    names: Mapping[str, str],
    old_on_failure: bool,
    other: str | None = None,
) -> dict[str, Any]:
    if old_on_failure:  # a failed condition reports the item as it was
        arguments["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    if condition:
        arguments["ConditionExpression"] = condition
    if names := names_in(other, condition) | dict(names):
        arguments["ExpressionAttributeNames"] = names
    if values:
        arguments["ExpressionAttributeValues"] = to_item(values)
    return arguments


@dataclass(frozen=True)
class Put:
    """Write a whole item, if ``condition`` holds (``attribute_not_exists(pk)``: only a new one)."""

    table: str
    item: Mapping[str, Any]
    condition: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    old_on_failure: bool = False  # a failed condition reports the item as it was
    names: Mapping[str, str] = field(default_factory=dict)  # placeholders not named after themselves

    def transact_item(self) -> dict[str, Any]:
        arguments = _expressions(
            {"TableName": self.table, "Item": to_item(self.item)},
            condition=self.condition,
            values=self.values,
            names=self.names,
            old_on_failure=self.old_on_failure,
        )
        return {"Put": arguments}

    def call(self) -> tuple[str, dict[str, Any]]:
        return "put_item", dict(self.transact_item()["Put"])


@dataclass(frozen=True)
class Update:
    """Change some attributes of an item (``SET``, ``ADD``, ``REMOVE``), if ``condition`` holds."""

    table: str
    key: Mapping[str, Any]
    expression: str
    condition: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    old_on_failure: bool = False
    names: Mapping[str, str] = field(default_factory=dict)

    def transact_item(self) -> dict[str, Any]:
        arguments = _expressions(
            {"TableName": self.table, "Key": to_item(self.key), "UpdateExpression": self.expression},
            condition=self.condition,
            values=self.values,
            names=self.names,
            old_on_failure=self.old_on_failure,
            other=self.expression,
        )
        return {"Update": arguments}

    def call(self) -> tuple[str, dict[str, Any]]:
        return "update_item", dict(self.transact_item()["Update"])


@dataclass(frozen=True)
class Delete:
    """Delete an item, if ``condition`` holds."""

    table: str
    key: Mapping[str, Any]
    condition: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    old_on_failure: bool = False
    names: Mapping[str, str] = field(default_factory=dict)

    def transact_item(self) -> dict[str, Any]:
        arguments = _expressions(
            {"TableName": self.table, "Key": to_item(self.key)},
            condition=self.condition,
            values=self.values,
            names=self.names,
            old_on_failure=self.old_on_failure,
        )
        return {"Delete": arguments}

    def call(self) -> tuple[str, dict[str, Any]]:
        return "delete_item", dict(self.transact_item()["Delete"])


@dataclass(frozen=True)
class ConditionCheck:
    """Only in a transaction: the transaction goes through only if ``condition`` holds on this item."""

    table: str
    key: Mapping[str, Any]
    condition: str
    values: Mapping[str, Any] = field(default_factory=dict)
    old_on_failure: bool = False
    names: Mapping[str, str] = field(default_factory=dict)

    def transact_item(self) -> dict[str, Any]:
        arguments = _expressions(
            {"TableName": self.table, "Key": to_item(self.key)},
            condition=self.condition,
            values=self.values,
            names=self.names,
            old_on_failure=self.old_on_failure,
        )
        return {"ConditionCheck": arguments}


Operation = Put | Update | Delete | ConditionCheck
