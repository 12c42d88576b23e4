"""The requests table: every reservation and adjustment by its id (idempotency, ``GET /reservations/{id}``).

=======================  =============================================================================
``pk``                   attributes
=======================  =============================================================================
``RESERVATION#<id>``     ``item_id``, ``quantity``, ``hold_seconds``, ``status``, ``created_at``,
                         ``expires_at``, ``version``, ``available``, ``confirm_refusal``, ``purge_at``;
                         while HELD also ``hold_bucket`` and ``hold_expires`` (the sparse index
                         ``expiring-holds`` the sweep queries)
``ADJUSTMENT#<id>``      ``item_id``, ``delta``, ``reason``, ``outcome``, ``version``, ``refusal``, ``purge_at``
=======================  =============================================================================

A record is written in the same transaction as its event (:mod:`.event_store`), so a request id is applied
exactly once; a refused reservation (no event) is written alone.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from pizza_common.dynamodb import from_item, to_item
from pizza_reservations.domain.model import AdjustmentRecord, ReservationRecord, ReservationStatus

__all__ = [
    "EXPIRING_HOLDS_INDEX",
    "HOLD_BUCKETS",
    "REQUEST_RETENTION",
    "DynamoDbRequests",
    "adjustment_key",
    "record_item",
    "reservation_key",
]

EXPIRING_HOLDS_INDEX = "expiring-holds"
# Live holds are spread over a few index partitions so that no single one is hot; the sweep reads them all.
HOLD_BUCKETS = 8
# A request id is remembered this long (TTL): a replay within it gets the first answer.
REQUEST_RETENTION = timedelta(days=30)


def reservation_key(reservation_id: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"RESERVATION#{reservation_id}"}}


def adjustment_key(adjustment_id: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"ADJUSTMENT#{adjustment_id}"}}


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def hold_bucket(reservation_id: str) -> str:
    return f"HELD#{zlib.crc32(reservation_id.encode()) % HOLD_BUCKETS}"


def record_item(record: ReservationRecord | AdjustmentRecord, now: datetime) -> dict[str, Any]:
    purge_at = int((now + REQUEST_RETENTION).timestamp())
    if isinstance(record, AdjustmentRecord):
        return to_item(
            {
                "pk": f"ADJUSTMENT#{record.adjustment_id}",
                "kind": "adjustment",
                "adjustment_id": record.adjustment_id,
                "item_id": record.item_id,
                "delta": record.delta,
                "reason": record.reason,
                "outcome": record.outcome,
                "version": record.version,
                "refusal": record.refusal,
                "purge_at": purge_at,
            }
        )
    held = record.status is ReservationStatus.HELD and record.expires_at is not None
    return to_item(
        {
            "pk": f"RESERVATION#{record.reservation_id}",
            "kind": "reservation",
            "reservation_id": record.reservation_id,
            "item_id": record.item_id,
            "quantity": record.quantity,
            "hold_seconds": record.hold_seconds,
            "status": record.status.value,
            "created_at": record.created_at.isoformat(),
            "expires_at": record.expires_at.isoformat() if record.expires_at else None,
            "version": record.version,
            "available": record.available,
            "confirm_refusal": record.confirm_refusal,
            "hold_bucket": hold_bucket(record.reservation_id) if held else None,
            "hold_expires": _epoch_ms(record.expires_at) if held and record.expires_at else None,
            "purge_at": purge_at,
        }
    )


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def reservation_from_item(item: dict[str, Any]) -> ReservationRecord:
    values = from_item(item)
    created_at = _time(values["created_at"])
    assert created_at is not None
    return ReservationRecord(
        reservation_id=values["reservation_id"],
        item_id=values["item_id"],
        quantity=int(values["quantity"]),
        hold_seconds=int(values["hold_seconds"]),
        status=ReservationStatus(values["status"]),
        created_at=created_at,
        expires_at=_time(values.get("expires_at")),
        version=values.get("version"),
        available=values.get("available"),
        confirm_refusal=values.get("confirm_refusal"),
    )


def adjustment_from_item(item: dict[str, Any]) -> AdjustmentRecord:
    values = from_item(item)
    return AdjustmentRecord(
        adjustment_id=values["adjustment_id"],
        item_id=values["item_id"],
        delta=int(values["delta"]),
        reason=values["reason"],
        outcome=values["outcome"],
        version=int(values["version"]),
        refusal=values.get("refusal"),
    )


def settle_update(table: str, reservation_id: str, status: ReservationStatus, refusal: str | None) -> dict[str, Any]:
    """The transaction item that settles a HELD reservation (and takes it out of the sweep's index)."""
    values: dict[str, Any] = {":status": {"S": status.value}, ":held": {"S": ReservationStatus.HELD.value}}
    expression = "SET #status = :status"
    if refusal is not None:
        expression += ", confirm_refusal = :refusal"
        values[":refusal"] = {"S": refusal}
    return {
        "Update": {
            "TableName": table,
            "Key": reservation_key(reservation_id),
            "UpdateExpression": expression + " REMOVE hold_bucket, hold_expires",
            "ConditionExpression": "#status = :held",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": values,
        }
    }


class DynamoDbRequests:
    """The :class:`~pizza_reservations.ports.Requests` port on the requests table."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.client.get_item(TableName=self.table, Key=key, ConsistentRead=True).get(
            "Item"
        )
        return item

    def reservation(self, reservation_id: str) -> ReservationRecord | None:
        item = self._get(reservation_key(reservation_id))
        return reservation_from_item(item) if item else None

    def adjustment(self, adjustment_id: str) -> AdjustmentRecord | None:
        item = self._get(adjustment_key(adjustment_id))
        return adjustment_from_item(item) if item else None

    def record_refusal(self, record: ReservationRecord) -> bool:
        try:
            self.client.put_item(
                TableName=self.table,
                Item=record_item(record, record.created_at),
                ConditionExpression="attribute_not_exists(pk)",
            )
            return True
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise

    def note_confirm_refusal(self, reservation_id: str, reason: str) -> None:
        try:
            self.client.update_item(
                TableName=self.table,
                Key=reservation_key(reservation_id),
                UpdateExpression="SET confirm_refusal = :reason",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":reason": {"S": reason}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def expired_holds(self, now: datetime, limit: int) -> list[ReservationRecord]:
        found: list[ReservationRecord] = []
        for bucket in range(HOLD_BUCKETS):
            paginator = self.client.get_paginator("query")
            for page in paginator.paginate(
                TableName=self.table,
                IndexName=EXPIRING_HOLDS_INDEX,
                KeyConditionExpression="hold_bucket = :bucket AND hold_expires <= :now",
                ExpressionAttributeValues={":bucket": {"S": f"HELD#{bucket}"}, ":now": {"N": str(_epoch_ms(now))}},
            ):
                found.extend(reservation_from_item(item) for item in page.get("Items", []))
        found.sort(key=lambda record: (record.expires_at or now, record.reservation_id))
        return [record for record in found if record.status is ReservationStatus.HELD][:limit]
