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

from botocore.exceptions import ClientError

from pizza_reservations.adapters.requests import record_item, settle_update
from pizza_reservations.domain.events import ItemEvent, event_from_json, event_to_json
from pizza_reservations.ports import Appended, Claim, ClaimTaken, NotSettled, Settle, VersionTaken

__all__ = ["DynamoDbEventStore", "event_item"]

_FREE_VERSION = "attribute_not_exists(sk)"
# Another transaction on the same items, or throttling: the caller re-reads and tries again (with jitter).
_TRY_AGAIN = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}


def event_item(event: ItemEvent, purge_at: datetime | None = None) -> dict[str, Any]:
    item = {
        "pk": {"S": event.item_id},
        "sk": {"N": str(event.version)},
        "type": {"S": event.type},
        "at": {"S": event.at.isoformat()},
        "event": {"S": event_to_json(event)},
    }
    if purge_at is not None:
        item["purge_at"] = {"N": str(int(purge_at.timestamp()))}
    return item


class DynamoDbEventStore:
    """The :class:`~pizza_reservations.ports.EventStore` port on the events table (and the requests table)."""

    def __init__(self, table: str, requests_table: str, client: Any) -> None:
        self.table = table
        self.requests_table = requests_table
        self.client = client

    def read(self, item_id: str, after_version: int = 0) -> list[ItemEvent]:
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
        put = {"TableName": self.table, "Item": event_item(event), "ConditionExpression": _FREE_VERSION}
        if claim is None and settle is None:
            try:
                self.client.put_item(**put)
            except ClientError as error:
                code = error.response["Error"]["Code"]
                if code in ("ConditionalCheckFailedException", "TransactionConflictException"):
                    return VersionTaken()
                raise
            return Appended(event.version)
        second: dict[str, Any]
        if claim is not None:
            second = {
                "Put": {
                    "TableName": self.requests_table,
                    "Item": record_item(claim.record, event.at),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        else:
            assert settle is not None
            second = settle_update(self.requests_table, settle.reservation_id, settle.status, settle.confirm_refusal)
        try:
            self.client.transact_write_items(TransactItems=[{"Put": put}, second])
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code != "TransactionCanceledException":
                if code in ("TransactionConflictException", "ThrottlingException"):
                    return VersionTaken()
                raise
            reasons = [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]
            if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                return ClaimTaken() if claim is not None else NotSettled()
            if reasons and (reasons[0] == "ConditionalCheckFailed" or set(reasons) & _TRY_AGAIN):
                return VersionTaken()
            raise
        return Appended(event.version)

    def retire(self, events: Sequence[ItemEvent], purge_at: datetime) -> None:
        """Write the events again, identical but for ``purge_at``: TTL removes them some day after it."""
        requests = [{"PutRequest": {"Item": event_item(event, purge_at)}} for event in events]
        for start in range(0, len(requests), 25):
            pending = {self.table: requests[start : start + 25]}
            while pending:
                pending = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
