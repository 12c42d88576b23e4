"""The oven table in DynamoDB: one key (``pk``), three kinds of item.

================  ==========================================  ================================
``pk``            attributes                                  written by
================  ==========================================  ================================
``OVEN#CAPACITY`` ``capacity``                                the deployment (Terraform seed)
``OVEN#LOAD``     ``in_use``, ``waiting``, ``slot_<id>``...   the functions
``PIZZA#<id>``    ``state``, ``baking_time_secs``, times...   the functions
================  ==========================================  ================================

The load names the pizzas holding its slots: one attribute ``slot_<pizza id>`` (its allocation time) per
slot in use, set and removed in the same transactions as ``in_use``, so the reconciler reads exactly who
holds the oven in one consistent read (and can recount ``in_use`` from them).

Every change of a pizza's state changes the load in the same TransactWriteItems, with a condition on the
pizza's state, so a repeated step changes nothing and the counters always equal the pizzas in each state.
Taking a slot also checks the capacity item (``ConditionCheck capacity = :seen``), so a capacity changed
by a deployment applies at once and exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pizza_common import deadline
from pizza_common.dynamodb import (
    Cancelled,
    ConditionCheck,
    Delete,
    Operation,
    Put,
    Update,
    batch_get,
    get,
    transact,
    write,
)
from pizza_oven.domain.model import (
    Load,
    OvenNotSeeded,
    Pizza,
    PizzaRecord,
    PizzaState,
    Route,
)
from pizza_oven.domain.outcomes import AlreadyKnown, Granted, NoRoom

__all__ = ["BAKED_PIZZA_RETENTION", "CAPACITY_KEY", "LOAD_KEY", "DynamoDbLedger", "pizza_key", "record_from_item"]

CAPACITY_KEY = {"pk": "OVEN#CAPACITY"}
LOAD_KEY = {"pk": "OVEN#LOAD"}
# A baked pizza is remembered this long (TTL): as long as Step Functions keeps its execution's name taken
# (90 days for Standard workflows), so a reused id is recognised and rejected, never silently dropped.
BAKED_PIZZA_RETENTION = timedelta(days=90)
SLOT_PREFIX = "slot_"
# The longest pause between retries of a transaction that met another on the load item. Every step of the
# oven writes that one item, and a removal retrying it holds the head of the line meanwhile: pauses growing
# to the toolkit's 1 s stalled the whole line for seconds under a backlog's arrivals.
LOAD_PAUSE_CAP_SECS = 0.05


class Contended(RuntimeError):
    """The oven's load item stayed contended (conflicts, throttling) until the invocation's deadline."""


def pizza_key(pizza_id: str) -> dict[str, str]:
    return {"pk": f"PIZZA#{pizza_id}"}


def _slot(pizza: Pizza, placeholder: str = "#slot") -> dict[str, str]:
    return {placeholder: f"{SLOT_PREFIX}{pizza.id}"}


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _parse_time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def record_from_item(values: dict[str, Any]) -> PizzaRecord:
    """A pizza's item (plain values, as the toolkit gives them) as the domain's record."""
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
        message_id=values.get("message_id"),
        execution=values.get("execution"),
    )


class DynamoDbLedger:
    """The :class:`~pizza_oven.ports.Ledger` port on one DynamoDB table."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client
        self._capacity: int | None = None

    # --- reading ------------------------------------------------------------------------------------------

    def load(self) -> Load:
        # batch_get finishes unprocessed keys: a throttled read is never mistaken for "not seeded".
        items = {
            item["pk"]: item for item in batch_get(self.client, self.table, [CAPACITY_KEY, LOAD_KEY], consistent=True)
        }
        if "OVEN#CAPACITY" not in items:
            raise OvenNotSeeded(f"table {self.table} has no capacity item (pk OVEN#CAPACITY): the deployment seeds it")
        self._capacity = int(items["OVEN#CAPACITY"]["capacity"])
        load = items.get("OVEN#LOAD", {})
        return Load(capacity=self._capacity, in_use=int(load.get("in_use", 0)), waiting=int(load.get("waiting", 0)))

    def pizza(self, pizza_id: str) -> PizzaRecord | None:
        item = get(self.client, self.table, pizza_key(pizza_id))
        return record_from_item(item) if item else None

    def _known(self, pizza_id: str, old_item: dict[str, Any] | None) -> AlreadyKnown:
        return AlreadyKnown(record_from_item(old_item) if old_item else self.pizza(pizza_id))

    def _seen_capacity(self, refresh: bool = False) -> int:
        if self._capacity is None or refresh:
            self.load()
        assert self._capacity is not None
        return self._capacity

    # --- taking a slot --------------------------------------------------------------------------------------

    def allocate(self, pizza: Pizza, message_id: str, now: datetime) -> Granted | NoRoom | AlreadyKnown:
        refresh = False
        while True:
            capacity = self._seen_capacity(refresh)
            cancelled = self._transact(
                self._capacity_is(capacity),
                self._update(
                    LOAD_KEY,
                    "ADD in_use :one SET #slot = :now",
                    "(attribute_not_exists(in_use) OR in_use < :capacity)"
                    " AND (attribute_not_exists(waiting) OR waiting = :zero)",
                    {":one": 1, ":zero": 0, ":capacity": capacity, ":now": _time(now)},
                    names=_slot(pizza),
                ),
                self._put_new(
                    pizza,
                    PizzaState.BAKING,
                    route=Route.DIRECT.value,
                    allocated_at=_time(now),
                    message_id=message_id,
                ),
            )
            if cancelled is None:
                return Granted()
            if cancelled.failed(2):
                return self._known(pizza.id, cancelled.old_item(2))
            if cancelled.failed(0):
                refresh = True  # the deployment changed the capacity: read it again
                continue
            return NoRoom()

    def join_line(self, pizza: Pizza, message_id: str, now: datetime) -> Granted | AlreadyKnown:
        cancelled = self._transact(
            self._put_new(pizza, PizzaState.WAITING, joined_at=_time(now), message_id=message_id),
            self._update(LOAD_KEY, "ADD waiting :one", None, {":one": 1}),
        )
        return Granted() if cancelled is None else self._known(pizza.id, cancelled.old_item(0))

    def join_line_together(self, arrivals: Sequence[tuple[Pizza, str]], now: datetime) -> bool:
        cancelled = self._transact(
            *(
                self._put_new(pizza, PizzaState.WAITING, joined_at=_time(now), message_id=message_id)
                for pizza, message_id in arrivals
            ),
            self._update(LOAD_KEY, "ADD waiting :joined", None, {":joined": len(arrivals)}),
        )
        return cancelled is None

    def take_from_line(self, pizza: Pizza, line_sequence: str, now: datetime) -> Granted | NoRoom | AlreadyKnown:
        refresh = False
        while True:
            capacity = self._seen_capacity(refresh)
            cancelled = self._transact(
                self._capacity_is(capacity),
                self._update(
                    LOAD_KEY,
                    "ADD in_use :one, waiting :minus_one SET #slot = :now",
                    "attribute_not_exists(in_use) OR in_use < :capacity",
                    {":one": 1, ":minus_one": -1, ":capacity": capacity, ":now": _time(now)},
                    names=_slot(pizza),
                ),
                self._from_waiting(pizza, line_sequence, now),
            )
            if cancelled is None:
                return Granted()
            if cancelled.failed(2):
                return self._known(pizza.id, cancelled.old_item(2))
            if cancelled.failed(0):
                refresh = True
                continue
            return NoRoom()

    def hand_over(
        self, baked: Pizza, waiting: Pizza, line_sequence: str, now: datetime
    ) -> Granted | NoRoom | AlreadyKnown:
        refresh = False
        while True:
            capacity = self._seen_capacity(refresh)
            cancelled = self._transact(
                self._capacity_is(capacity),
                self._to_baked(baked, now),
                self._update(
                    LOAD_KEY,
                    "ADD waiting :minus_one SET #next = :now REMOVE #done",
                    "in_use <= :capacity AND attribute_exists(#done)",
                    {":minus_one": -1, ":capacity": capacity, ":now": _time(now)},
                    names=_slot(waiting, "#next") | _slot(baked, "#done"),
                ),
                self._from_waiting(waiting, line_sequence, now),
            )
            if cancelled is None:
                return Granted()
            if cancelled.failed(1):
                return self._known(baked.id, cancelled.old_item(1))
            if cancelled.failed(0):
                refresh = True
                continue
            return NoRoom()

    def give_back(self, pizza: Pizza, route: Route) -> None:
        """Given back already, or started after all: either way a failed condition leaves nothing to undo."""
        unstarted = "#state = :baking AND attribute_not_exists(started_at)"
        values = {":baking": PizzaState.BAKING.value}
        free = self._update(
            LOAD_KEY, "ADD in_use :minus_one REMOVE #slot", None, {":minus_one": -1}, names=_slot(pizza)
        )
        if route is Route.DIRECT:  # the arrival is forgotten: its message is retried from the start
            self._transact(Delete(self.table, pizza_key(pizza.id), unstarted, values), free)
        else:  # the pizza waits again, at the head of the line
            self._transact(
                self._update(
                    pizza_key(pizza.id),
                    "SET #state = :waiting REMOVE allocated_at, route, line_sequence",
                    unstarted,
                    {**values, ":waiting": PizzaState.WAITING.value},
                ),
                self._update(
                    LOAD_KEY,
                    "ADD in_use :minus_one, waiting :one REMOVE #slot",
                    None,
                    {":minus_one": -1, ":one": 1},
                    names=_slot(pizza),
                ),
            )

    def mark_started(self, pizza: Pizza, execution: str, now: datetime) -> None:
        self._mark(
            pizza,
            "SET started_at = if_not_exists(started_at, :now), execution = :execution",
            {":now": _time(now), ":execution": execution},
        )

    def mark_shelved(self, pizza: Pizza, now: datetime) -> None:
        self._mark(pizza, "SET shelved_at = if_not_exists(shelved_at, :now)", {":now": _time(now)})

    def _mark(self, pizza: Pizza, expression: str, values: dict[str, Any]) -> None:
        # A pizza the oven no longer has (its item expired) is not brought back by a late mark.
        write(self.client, self._update(pizza_key(pizza.id), expression, "attribute_exists(pk)", values))

    # --- freeing a slot -------------------------------------------------------------------------------------

    def take_out(self, pizza: Pizza, now: datetime) -> Granted | AlreadyKnown:
        cancelled = self._transact(self._to_baked(pizza, now), self._free_slot(pizza))
        if cancelled is None:
            return Granted()
        if cancelled.failed(0):
            return self._known(pizza.id, cancelled.old_item(0))
        raise RuntimeError(f"pizza {pizza.id} bakes but the oven's load has no slot in use")

    def discard(self, pizza: Pizza, reason: str, now: datetime) -> Granted | AlreadyKnown:
        cancelled = self._transact(
            self._update(
                pizza_key(pizza.id),
                "SET #state = :failed, failed_at = :now, failure = :reason, expires_at = :expires",
                "#state = :baking",
                {
                    ":failed": PizzaState.FAILED.value,
                    ":baking": PizzaState.BAKING.value,
                    ":now": _time(now),
                    ":reason": reason[:1000],
                    ":expires": int((now + BAKED_PIZZA_RETENTION).timestamp()),
                },
                old_on_failure=True,
            ),
            self._free_slot(pizza),
        )
        if cancelled is None:
            return Granted()
        if cancelled.failed(0):
            return self._known(pizza.id, cancelled.old_item(0))
        raise RuntimeError(f"pizza {pizza.id} bakes but the oven's load has no slot in use")

    # --- the reconciler's view ------------------------------------------------------------------------------

    def slot_holders(self) -> tuple[Load, list[str]]:
        items = {
            item["pk"]: item for item in batch_get(self.client, self.table, [CAPACITY_KEY, LOAD_KEY], consistent=True)
        }
        if "OVEN#CAPACITY" not in items:
            raise OvenNotSeeded(f"table {self.table} has no capacity item (pk OVEN#CAPACITY): the deployment seeds it")
        load = items.get("OVEN#LOAD", {})
        holders = sorted(name.removeprefix(SLOT_PREFIX) for name in load if name.startswith(SLOT_PREFIX))
        return (
            Load(int(items["OVEN#CAPACITY"]["capacity"]), int(load.get("in_use", 0)), int(load.get("waiting", 0))),
            holders,
        )

    def recount(self) -> bool:
        load, holders = self.slot_holders()
        if load.in_use == len(holders):
            return False
        # Every transaction changes in_use and the holders by the same amount, so their difference holds
        # whatever ran since the read: adding it is right even now.
        write(
            self.client,
            self._update(LOAD_KEY, "ADD in_use :correction", None, {":correction": len(holders) - load.in_use}),
        )
        return True

    # --- transaction pieces ---------------------------------------------------------------------------------

    def _capacity_is(self, capacity: int) -> ConditionCheck:
        return ConditionCheck(self.table, CAPACITY_KEY, "#capacity = :capacity", {":capacity": capacity})

    def _update(
        self,
        key: dict[str, str],
        expression: str,
        condition: str | None,
        values: dict[str, Any],
        *,
        old_on_failure: bool = False,
        names: dict[str, str] | None = None,
    ) -> Update:
        return Update(self.table, key, expression, condition, values, old_on_failure=old_on_failure, names=names or {})

    def _to_baked(self, pizza: Pizza, now: datetime) -> Update:
        return self._update(
            pizza_key(pizza.id),
            "SET #state = :baked, baked_at = :now, expires_at = :expires",
            "#state = :baking",
            {
                ":baked": PizzaState.BAKED.value,
                ":baking": PizzaState.BAKING.value,
                ":now": _time(now),
                ":expires": int((now + BAKED_PIZZA_RETENTION).timestamp()),
            },
            old_on_failure=True,
        )

    def _free_slot(self, pizza: Pizza) -> Update:
        return self._update(
            LOAD_KEY,
            "ADD in_use :minus_one REMOVE #slot",
            "in_use > :zero",
            {":minus_one": -1, ":zero": 0},
            names=_slot(pizza),
        )

    def _from_waiting(self, pizza: Pizza, line_sequence: str, now: datetime) -> Update:
        return self._update(
            pizza_key(pizza.id),
            "SET #state = :baking, route = :line, line_sequence = :sequence, allocated_at = :now",
            "#state = :waiting",
            {
                ":baking": PizzaState.BAKING.value,
                ":waiting": PizzaState.WAITING.value,
                ":line": Route.LINE.value,
                ":sequence": line_sequence,
                ":now": _time(now),
            },
            old_on_failure=True,
        )

    def _put_new(self, pizza: Pizza, state: PizzaState, **times: str) -> Put:
        item = {
            "pk": f"PIZZA#{pizza.id}",
            "pizza_id": pizza.id,
            "state": state.value,
            "baking_time_secs": pizza.baking_time_secs,
            **times,
        }
        return Put(self.table, item, "attribute_not_exists(pk)", old_on_failure=True)

    def _transact(self, *operations: Operation) -> Cancelled | None:
        """One transaction; None when it went through, the cancellation when a condition failed.

        Conflicts and throttling on the hot load item are retried by the toolkit within the invocation's
        deadline; still contended then, the step fails and its message or execution is retried.
        """
        outcome = transact(self.client, operations, deadline=deadline.current().with_pauses_up_to(LOAD_PAUSE_CAP_SECS))
        if isinstance(outcome, Cancelled):
            if outcome.contended:
                raise Contended(f"oven table {self.table} stayed contended: {outcome.reasons}")
            return outcome
        return None
