"""The events table: one stream per item, ``pk`` = item id, ``sk`` = version (a number); and the gates table:
one row per item (``pk`` = item id; ``free``, ``seq``, ``fixes``, ``checked``, ``taken_at`` in ms), from which
every append takes its version (docs/decisions.md, 2026-11-27, hot items: the gate).

Each item holds one event as its JSON (``event``, exactly as appended), with ``type`` and ``at`` beside it
for people reading the table, and ``purge_at`` (TTL) once the event is archived and covered by a snapshot.

An append is a Put conditional on ``attribute_not_exists(sk)``: it succeeds only if its version is still
free. A request record (a new reservation or adjustment, or a reservation settled) is written in the same
transaction. There is no head item (no "current version" row) in any transaction: the only items a
transaction touches are the new event and its own request. Writers of one item meet only on its gate row,
each with one conditional UpdateItem that gives it a version nobody else gets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pizza_common.dynamodb import (
    Cancelled,
    ConditionFailed,
    Put,
    Update,
    batch_write,
    every_item,
    get,
    transact,
    write,
)
from pizza_reservations.adapters.requests import record_item, settle_update
from pizza_reservations.domain.events import ItemEvent, event_from_json, event_to_json
from pizza_reservations.ports import (
    Appended,
    Claim,
    ClaimTaken,
    GateState,
    NotSettled,
    Settle,
    Short,
    Taken,
    VersionTaken,
)

__all__ = ["DynamoDbEventLog", "DynamoDbEventStore", "DynamoDbRetirement", "event_item"]

_FREE_VERSION = "attribute_not_exists(sk)"


def event_item(event: ItemEvent, purge_at: datetime | None = None) -> dict[str, Any]:
    """The event as a plain item: its keys, its JSON exactly as appended, and ``purge_at`` once retired."""
    item: dict[str, Any] = {
        "pk": event.item_id,
        "sk": event.version,
        "type": event.type,
        "at": event.at.isoformat(),
        "event": event_to_json(event),
    }
    if purge_at is not None:
        item["purge_at"] = int(purge_at.timestamp())
    return item


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def gate_state(values: Mapping[str, Any]) -> GateState:
    taken_at = values.get("taken_at")
    return GateState(
        free=int(values["free"]),
        seq=int(values["seq"]),
        fixes=int(values.get("fixes", 0)),
        checked=int(values.get("checked", 0)),
        taken_at=datetime.fromtimestamp(int(taken_at) / 1000, UTC) if taken_at is not None else None,
    )


def _winner(old: dict[str, Any] | None) -> ItemEvent | None:
    return event_from_json(old["event"]) if old and "event" in old else None


class DynamoDbEventLog:
    """The :class:`~pizza_reservations.ports.EventLog` port: reading the events table, nothing else (a function
    that only looks is granted, and reaches, no more)."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def read(self, item_id: str, after_version: int = 0) -> list[ItemEvent]:
        query = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND sk > :after",
            "ExpressionAttributeValues": {":pk": {"S": item_id}, ":after": {"N": str(after_version)}},
            "ProjectionExpression": "#event",
            "ExpressionAttributeNames": {"#event": "event"},
            "ConsistentRead": True,
        }
        # Each page retried on throttling within the deadline.
        return [
            event_from_json(item["event"]) for item in every_item(lambda start: self.client.query(**query, **start))
        ]


class DynamoDbEventStore(DynamoDbEventLog):
    """The :class:`~pizza_reservations.ports.EventStore` port on the events table (and the requests table).

    Conflicts and throttling are retried by :mod:`pizza_common.dynamodb` within the invocation's deadline;
    still contended then, the append answers :class:`VersionTaken` and the use case reads the tail again."""

    def __init__(self, table: str, requests_table: str, gates_table: str, client: Any) -> None:
        super().__init__(table, client)
        self.requests_table = requests_table
        self.gates_table = gates_table

    def take(self, item_id: str, units: int, at: datetime) -> Taken | Short:
        # One conditional UpdateItem and no read: the new seq is this writer's version, nobody else's.
        update = Update(
            self.gates_table,
            {"pk": item_id},
            "SET #seq = #seq + :one, #free = #free - :units, #taken_at = :at",
            # Only on an existing gate (a comparison with a missing attribute fails); a version alone needs no units.
            condition="#free >= :units" if units > 0 else "attribute_exists(#seq)",
            values={":one": 1, ":units": units, ":at": _ms(at)},
            old_on_failure=True,
        )
        written = write(self.client, update, return_values="UPDATED_NEW")
        if isinstance(written, ConditionFailed):
            return Short(int(written.old["free"]) if written.old and "free" in written.old else None)
        assert written.attributes is not None
        return Taken(int(written.attributes["seq"]))

    def gate(self, item_id: str) -> GateState | None:
        values = get(self.client, self.gates_table, {"pk": item_id})
        return gate_state(values) if values else None

    def correct(self, item_id: str, seen: GateState | None, *, free: int, seq: int) -> bool:
        if seen is None:
            update = Update(
                self.gates_table,
                {"pk": item_id},
                "SET #free = :free, #seq = :seq, #fixes = :zero, #checked = :seq",
                condition="attribute_not_exists(pk)",
                values={":free": free, ":seq": seq, ":zero": 0},
            )
        else:  # a difference, so that the takes since the read stand
            update = Update(
                self.gates_table,
                {"pk": item_id},
                "SET #free = #free + :by, #fixes = #fixes + :one, #checked = :seq",
                condition="#fixes = :fixes",
                values={":by": free - seen.free, ":one": 1, ":seq": seq, ":fixes": seen.fixes},
            )
        return not isinstance(write(self.client, update), ConditionFailed)

    def gated_items(self) -> list[str]:
        scan = {
            "TableName": self.gates_table,
            "FilterExpression": "#seq > #checked",
            "ExpressionAttributeNames": {"#seq": "seq", "#checked": "checked"},
            "ProjectionExpression": "pk",
        }
        return sorted(item["pk"] for item in every_item(lambda start: self.client.scan(**scan, **start)))

    def append(
        self, event: ItemEvent, *, claim: Claim | None = None, settle: Settle | None = None
    ) -> Appended | VersionTaken | ClaimTaken | NotSettled:
        # A lost race answers with the event that won it (ALL_OLD), so the loser need not read the tail again.
        put = Put(self.table, event_item(event), condition=_FREE_VERSION, old_on_failure=True)
        if claim is None and settle is None:
            written = write(self.client, put)
            if isinstance(written, ConditionFailed):
                return VersionTaken(_winner(written.old))
            return Appended(event.version)
        if claim is not None:
            second: Put | Any = Put(
                self.requests_table, record_item(claim.record, event.at), condition="attribute_not_exists(pk)"
            )
        else:
            assert settle is not None
            second = settle_update(self.requests_table, settle.reservation_id, settle.status, settle.confirm_refusal)
        # The version is this writer's alone (the gate gave it): a conflict is a sealer or a replay of the same
        # request at the same instant, and is retried within the deadline like throttling.
        outcome = transact(self.client, [put, second])
        if not isinstance(outcome, Cancelled):
            return Appended(event.version)
        if outcome.failed(1):
            return ClaimTaken() if claim is not None else NotSettled()
        # The version is taken (the winner named, ALL_OLD), or another writer holds it (a conflict: no winner yet).
        return VersionTaken(_winner(outcome.old_item(0)))


class DynamoDbRetirement:
    """The :class:`~pizza_reservations.ports.Retirement` port: only the snapshot consumer needs it."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def retire(self, events: Sequence[ItemEvent], purge_at: datetime) -> None:
        """Write the events again, identical but for ``purge_at``: TTL removes them some day after it."""
        batch_write(self.client, self.table, puts=[event_item(event, purge_at) for event in events])
