"""The oven table in DynamoDB: one key (``pk``), three kinds of item.

================  ==========================================  ================================
``pk``            attributes                                  written by
================  ==========================================  ================================
``OVEN#CAPACITY`` ``capacity``                                the deployment (Terraform seed)
``OVEN#LOAD``     ``in_use``, ``waiting``                     the functions
``PIZZA#<id>``    ``state``, ``baking_time_secs``, times...   the functions
================  ==========================================  ================================

Every change of a pizza's state changes the load in the same TransactWriteItems, with a condition on the
pizza's state, so a repeated step changes nothing and the counters always equal the pizzas in each state.
Taking a slot also checks the capacity item (``ConditionCheck capacity = :seen``), so a capacity changed
by a deployment applies at once and exactly.
"""

from __future__ import annotations

import random
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from pizza_common.dynamodb import from_item, to_item, to_value
from pizza_oven.domain.model import (
    AlreadyKnown,
    Granted,
    Load,
    NoRoom,
    OvenNotSeeded,
    Pizza,
    PizzaRecord,
    PizzaState,
    Route,
)

__all__ = ["BAKED_PIZZA_RETENTION", "CAPACITY_KEY", "LOAD_KEY", "DynamoDbLedger", "pizza_key", "record_from_item"]

CAPACITY_KEY = {"pk": {"S": "OVEN#CAPACITY"}}
LOAD_KEY = {"pk": {"S": "OVEN#LOAD"}}
# A baked pizza is remembered this long (TTL), so a late duplicate of it is recognised and dropped.
BAKED_PIZZA_RETENTION = timedelta(days=7)

_ONE, _MINUS_ONE, _ZERO = to_value(1), to_value(-1), to_value(0)
_TRANSACTION_ATTEMPTS = 8


def _names(*expressions: str | None) -> dict[str, str]:
    """``#name`` placeholders for attribute names DynamoDB reserves (``state``, ``capacity``)."""
    return {f"#{name}": name for text in expressions if text for name in re.findall(r"#(\w+)", text)}


def pizza_key(pizza_id: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"PIZZA#{pizza_id}"}}


def _time(moment: datetime) -> dict[str, str]:
    return {"S": moment.astimezone(UTC).isoformat()}


def _parse_time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def record_from_item(item: dict[str, Any]) -> PizzaRecord:
    values = from_item(item)
    return PizzaRecord(
        id=values["pizza_id"],
        state=PizzaState(values["state"]),
        baking_time_secs=int(values["baking_time_secs"]),
        route=Route(values["route"]) if "route" in values else None,
        allocated_at=_parse_time(values.get("allocated_at")),
        started_at=_parse_time(values.get("started_at")),
        baked_at=_parse_time(values.get("baked_at")),
        shelved_at=_parse_time(values.get("shelved_at")),
        line_sequence=values.get("line_sequence"),
    )


class _Cancelled(Exception):
    def __init__(self, reasons: list[dict[str, Any]]) -> None:
        super().__init__(reasons)
        self.reasons = reasons

    def failed(self, index: int) -> bool:
        return self.reasons[index].get("Code") == "ConditionalCheckFailed"

    def old_item(self, index: int) -> dict[str, Any] | None:
        return self.reasons[index].get("Item")


class DynamoDbLedger:
    """The :class:`~pizza_oven.domain.ports.Ledger` port on one DynamoDB table."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client
        self._capacity: int | None = None

    # --- reading ------------------------------------------------------------------------------------------

    def load(self) -> Load:
        response = self.client.batch_get_item(
            RequestItems={self.table: {"Keys": [CAPACITY_KEY, LOAD_KEY], "ConsistentRead": True}}
        )
        items = {from_item(item)["pk"]: from_item(item) for item in response["Responses"].get(self.table, [])}
        if "OVEN#CAPACITY" not in items:
            raise OvenNotSeeded(f"table {self.table} has no capacity item (pk OVEN#CAPACITY): the deployment seeds it")
        self._capacity = int(items["OVEN#CAPACITY"]["capacity"])
        load = items.get("OVEN#LOAD", {})
        return Load(capacity=self._capacity, in_use=int(load.get("in_use", 0)), waiting=int(load.get("waiting", 0)))

    def pizza(self, pizza_id: str) -> PizzaRecord | None:
        item = self.client.get_item(TableName=self.table, Key=pizza_key(pizza_id), ConsistentRead=True).get("Item")
        return record_from_item(item) if item else None

    def _known(self, pizza_id: str, old_item: dict[str, Any] | None) -> AlreadyKnown:
        return AlreadyKnown(record_from_item(old_item) if old_item else self.pizza(pizza_id))

    def _seen_capacity(self, refresh: bool = False) -> int:
        if self._capacity is None or refresh:
            self.load()
        assert self._capacity is not None
        return self._capacity

    # --- taking a slot --------------------------------------------------------------------------------------

    def allocate(self, pizza: Pizza, now: datetime) -> Granted | NoRoom | AlreadyKnown:
        refresh = False
        while True:
            capacity = self._seen_capacity(refresh)
            try:
                self._transact(
                    self._capacity_is(capacity),
                    self._update(
                        LOAD_KEY,
                        "ADD in_use :one",
                        "(attribute_not_exists(in_use) OR in_use < :capacity)"
                        " AND (attribute_not_exists(waiting) OR waiting = :zero)",
                        {":one": _ONE, ":zero": _ZERO, ":capacity": to_value(capacity)},
                    ),
                    self._put_new(pizza, PizzaState.BAKING, route=Route.DIRECT.value, allocated_at=_time(now)),
                )
                return Granted()
            except _Cancelled as cancelled:
                if cancelled.failed(2):
                    return self._known(pizza.id, cancelled.old_item(2))
                if cancelled.failed(0):
                    refresh = True  # the deployment changed the capacity: read it again
                    continue
                return NoRoom()

    def join_line(self, pizza: Pizza, now: datetime) -> Granted | AlreadyKnown:
        try:
            self._transact(
                self._put_new(pizza, PizzaState.WAITING, joined_at=_time(now)),
                self._update(LOAD_KEY, "ADD waiting :one", None, {":one": _ONE}),
            )
            return Granted()
        except _Cancelled as cancelled:
            return self._known(pizza.id, cancelled.old_item(0))

    def take_from_line(self, pizza: Pizza, line_sequence: str, now: datetime) -> Granted | NoRoom | AlreadyKnown:
        refresh = False
        while True:
            capacity = self._seen_capacity(refresh)
            try:
                self._transact(
                    self._capacity_is(capacity),
                    self._update(
                        LOAD_KEY,
                        "ADD in_use :one, waiting :minus_one",
                        "attribute_not_exists(in_use) OR in_use < :capacity",
                        {":one": _ONE, ":minus_one": _MINUS_ONE, ":capacity": to_value(capacity)},
                    ),
                    self._update(
                        pizza_key(pizza.id),
                        "SET #state = :baking, route = :line, line_sequence = :sequence, allocated_at = :now",
                        "#state = :waiting",
                        {
                            ":baking": to_value(PizzaState.BAKING.value),
                            ":waiting": to_value(PizzaState.WAITING.value),
                            ":line": to_value(Route.LINE.value),
                            ":sequence": to_value(line_sequence),
                            ":now": _time(now),
                        },
                        old_on_failure=True,
                    ),
                )
                return Granted()
            except _Cancelled as cancelled:
                if cancelled.failed(2):
                    return self._known(pizza.id, cancelled.old_item(2))
                if cancelled.failed(0):
                    refresh = True
                    continue
                return NoRoom()

    def give_back(self, pizza: Pizza, route: Route) -> None:
        unstarted = "#state = :baking AND attribute_not_exists(started_at)"
        values = {":baking": to_value(PizzaState.BAKING.value)}
        try:
            if route is Route.DIRECT:  # the arrival is forgotten: its message is retried from the start
                self._transact(
                    {
                        "Delete": {
                            "TableName": self.table,
                            "Key": pizza_key(pizza.id),
                            "ConditionExpression": unstarted,
                            "ExpressionAttributeNames": {"#state": "state"},
                            "ExpressionAttributeValues": values,
                        }
                    },
                    self._update(LOAD_KEY, "ADD in_use :minus_one", None, {":minus_one": _MINUS_ONE}),
                )
            else:  # the pizza waits again, at the head of the line
                self._transact(
                    self._update(
                        pizza_key(pizza.id),
                        "SET #state = :waiting REMOVE allocated_at, route, line_sequence",
                        unstarted,
                        {**values, ":waiting": to_value(PizzaState.WAITING.value)},
                    ),
                    self._update(
                        LOAD_KEY, "ADD in_use :minus_one, waiting :one", None, {":minus_one": _MINUS_ONE, ":one": _ONE}
                    ),
                )
        except _Cancelled:
            pass  # given back already, or started after all: either way nothing to undo

    def mark_started(self, pizza: Pizza, execution: str, now: datetime) -> None:
        self._mark(pizza, "SET started_at = if_not_exists(started_at, :now), execution = :execution", now, execution)

    def mark_shelved(self, pizza: Pizza, now: datetime) -> None:
        self._mark(pizza, "SET shelved_at = if_not_exists(shelved_at, :now)", now)

    def _mark(self, pizza: Pizza, expression: str, now: datetime, execution: str | None = None) -> None:
        values = {":now": _time(now)}
        if execution is not None:
            values[":execution"] = to_value(execution)
        try:
            self.client.update_item(
                TableName=self.table,
                Key=pizza_key(pizza.id),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    # --- freeing a slot -------------------------------------------------------------------------------------

    def take_out(self, pizza: Pizza, now: datetime) -> Granted | AlreadyKnown:
        try:
            self._transact(
                self._update(
                    pizza_key(pizza.id),
                    "SET #state = :baked, baked_at = :now, expires_at = :expires",
                    "#state = :baking",
                    {
                        ":baked": to_value(PizzaState.BAKED.value),
                        ":baking": to_value(PizzaState.BAKING.value),
                        ":now": _time(now),
                        ":expires": to_value(int((now + BAKED_PIZZA_RETENTION).timestamp())),
                    },
                    old_on_failure=True,
                ),
                self._update(
                    LOAD_KEY, "ADD in_use :minus_one", "in_use > :zero", {":minus_one": _MINUS_ONE, ":zero": _ZERO}
                ),
            )
            return Granted()
        except _Cancelled as cancelled:
            if cancelled.failed(0):
                return self._known(pizza.id, cancelled.old_item(0))
            raise RuntimeError(f"pizza {pizza.id} bakes but the oven's load has no slot in use") from None

    # --- transaction pieces ---------------------------------------------------------------------------------

    def _capacity_is(self, capacity: int) -> dict[str, Any]:
        return {
            "ConditionCheck": {
                "TableName": self.table,
                "Key": CAPACITY_KEY,
                "ConditionExpression": "#capacity = :capacity",
                "ExpressionAttributeNames": {"#capacity": "capacity"},
                "ExpressionAttributeValues": {":capacity": to_value(capacity)},
            }
        }

    def _update(
        self,
        key: dict[str, Any],
        expression: str,
        condition: str | None,
        values: dict[str, Any],
        *,
        old_on_failure: bool = False,
    ) -> dict[str, Any]:
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": key,
            "UpdateExpression": expression,
            "ExpressionAttributeValues": values,
        }
        if names := _names(expression, condition):
            update["ExpressionAttributeNames"] = names
        if condition:
            update["ConditionExpression"] = condition
        if old_on_failure:
            update["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return {"Update": update}

    def _put_new(self, pizza: Pizza, state: PizzaState, **times: Any) -> dict[str, Any]:
        item = to_item(
            {
                "pk": f"PIZZA#{pizza.id}",
                "pizza_id": pizza.id,
                "state": state.value,
                "baking_time_secs": pizza.baking_time_secs,
            }
        )
        item.update({name: value if isinstance(value, dict) else to_value(value) for name, value in times.items()})
        return {
            "Put": {
                "TableName": self.table,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(pk)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def _transact(self, *items: dict[str, Any]) -> None:
        """One TransactWriteItems; raises :class:`_Cancelled` when a condition failed.

        Transactions on the hot load item can be cancelled by a conflict with another in flight
        (``TransactionConflict``) or throttled: those are retried with jittered backoff.
        """
        for attempt in range(_TRANSACTION_ATTEMPTS):
            try:
                self.client.transact_write_items(TransactItems=list(items))
                return
            except ClientError as error:
                code = error.response["Error"]["Code"]
                if code == "TransactionCanceledException":
                    reasons = error.response.get("CancellationReasons", [])
                    if any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons):
                        raise _Cancelled(reasons) from None
                    if not any(reason.get("Code") in ("TransactionConflict", "ThrottlingError") for reason in reasons):
                        raise
                elif code not in ("TransactionConflictException", "ThrottlingException"):
                    raise
                if attempt == _TRANSACTION_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0, 0.02 * 2**attempt))
