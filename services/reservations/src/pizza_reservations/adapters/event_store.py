"""The events table: one stream per item, ``pk`` = item id, ``sk`` = version (a number).

Each item holds one event as its JSON (``event``, exactly as appended), with ``type`` and ``at`` beside it
for people reading the table, and ``purge_at`` (TTL) once the event is archived and covered by a snapshot.

An append is a Put conditional on ``attribute_not_exists(sk)``: it succeeds only if its version is still
free. A request record (a new reservation or adjustment, or a reservation settled) is written in the same
transaction. There is no head item (no "current version" row): the only items a transaction touches are the
new event and its own request, so concurrent writers of one item never conflict on a shared row; they race
for the next version, and the loser reads the tail and decides again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pizza_common.dynamodb import Cancelled, ConditionFailed, Put, batch_write, retrying, transact, write
from pizza_reservations.adapters.requests import record_item, settle_update
from pizza_reservations.domain.events import ItemEvent, event_from_json, event_to_json
from pizza_reservations.ports import Appended, Claim, ClaimTaken, NotSettled, Settle, VersionTaken

__all__ = ["DynamoDbEventStore", "DynamoDbRetirement", "event_item"]

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


def _winner(old: dict[str, Any] | None) -> ItemEvent | None:
    return event_from_json(old["event"]) if old and "event" in old else None


class DynamoDbEventStore:
    """The :class:`~pizza_reservations.ports.EventStore` port on the events table (and the requests table).

    Conflicts and throttling are retried by :mod:`pizza_common.dynamodb` within the invocation's deadline;
    still contended then, the append answers :class:`VersionTaken` and the use case reads the tail again."""

    def __init__(self, table: str, requests_table: str, client: Any) -> None:
        self.table = table
        self.requests_table = requests_table
        self.client = client

    def read(self, item_id: str, after_version: int = 0) -> list[ItemEvent]:
        # Throttled reads are retried within the deadline, the whole tail again (it is short).
        return retrying(lambda: self._read(item_id, after_version))

    def _read(self, item_id: str, after_version: int) -> list[ItemEvent]:
        events: list[ItemEvent] = []
        paginator = self.client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND sk > :after",
            ExpressionAttributeValues={":pk": {"S": item_id}, ":after": {"N": str(after_version)}},
            ProjectionExpression="#event",
            ExpressionAttributeNames={"#event": "event"},
            ConsistentRead=True,
        ):
            events.extend(event_from_json(item["event"]["S"]) for item in page.get("Items", []))
        return events

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
        # A conflict means another writer's transaction holds this version right now: answer at once (the use
        # case waits out the window and reads the winner) rather than queue behind it on a version it has taken.
        outcome = transact(self.client, [put, second], retry_conflicts=False)
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
