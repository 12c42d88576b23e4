"""The requests table: every reservation and adjustment by its id (idempotency, ``GET /reservations/{id}``).

=======================  =============================================================================
``pk``                   attributes
=======================  =============================================================================
``RESERVATION#<id>``     ``item_id``, ``quantity``, ``hold_seconds``, ``status``, ``created_at``,
                         ``expires_at``, ``version``, ``available``, ``confirm_refusal``, ``purge_at``;
                         while HELD also ``hold_bucket`` and ``hold_expires`` (the sparse index
                         ``expiring-holds`` the sweep queries)
``ADJUSTMENT#<id>``      ``item_id``, ``delta``, ``reason``, ``outcome``, ``version``, ``refusal``, ``purge_at``
``ACCEPTED#<id>``        an adjustment's body as the API first accepted it (``item_id``, ``delta``,
                         ``reason``, ``accepted_at``, ``purge_at``): the same id with another body is a 409
                         at once, even while the first is still on the queue
=======================  =============================================================================

A record is written in the same transaction as its event (:mod:`.event_store`), so a request id is applied
exactly once; a refused reservation (no event) and an accepted adjustment are written alone. TTL (``purge_at``)
removes a record 30 days after it was written, a refused reservation's 24 hours after (:data:`REFUSAL_RETENTION`;
docs/decisions.md, 2026-11-28, "reservations, a refused reservation's record is kept 24 hours")."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pizza_common.dynamodb import ConditionFailed, Put, Update, every_item, get, write
from pizza_reservations.domain.model import AdjustItem, AdjustmentRecord, ReservationRecord, ReservationStatus

__all__ = [
    "EXPIRING_HOLDS_INDEX",
    "HOLD_BUCKETS",
    "REFUSAL_RETENTION",
    "REQUEST_RETENTION",
    "DynamoDbRequests",
    "adjustment_key",
    "record_item",
    "reservation_key",
]

EXPIRING_HOLDS_INDEX = "expiring-holds"
# Live holds are spread over a few index partitions so that no single one is hot; the sweep reads them all.
HOLD_BUCKETS = 8
# A request id is remembered this long (TTL, which may lag by days): a replay within it gets the first answer.
REQUEST_RETENTION = timedelta(days=30)
# A refused reservation holds nothing; its record is there only so that a retry gets the first answer (a 409), and
# retries come within EventBridge's longest (24 h) or a client's (minutes). Kept 30 days, a caller making up ids
# would fill the table for a month. After it, the same id is a new request, decided afresh.
REFUSAL_RETENTION = timedelta(hours=24)


def reservation_key(reservation_id: str) -> dict[str, str]:
    return {"pk": f"RESERVATION#{reservation_id}"}


def adjustment_key(adjustment_id: str) -> dict[str, str]:
    return {"pk": f"ADJUSTMENT#{adjustment_id}"}


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def hold_bucket(reservation_id: str) -> str:
    return f"HELD#{zlib.crc32(reservation_id.encode()) % HOLD_BUCKETS}"


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def record_item(record: ReservationRecord | AdjustmentRecord, now: datetime) -> dict[str, Any]:
    """The record as a plain item (``None`` attributes left out), purged :data:`REQUEST_RETENTION` after ``now``
    (a refused reservation: :data:`REFUSAL_RETENTION`)."""
    refused = isinstance(record, ReservationRecord) and record.status is ReservationStatus.REFUSED
    purge_at = int((now + (REFUSAL_RETENTION if refused else REQUEST_RETENTION)).timestamp())
    if isinstance(record, AdjustmentRecord):
        return _present(
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
    return _present(
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


def reservation_from_item(values: Mapping[str, Any]) -> ReservationRecord:
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


def adjustment_from_item(values: Mapping[str, Any]) -> AdjustmentRecord:
    return AdjustmentRecord(
        adjustment_id=values["adjustment_id"],
        item_id=values["item_id"],
        delta=int(values["delta"]),
        reason=values["reason"],
        outcome=values["outcome"],
        version=int(values["version"]),
        refusal=values.get("refusal"),
    )


def settle_update(table: str, reservation_id: str, status: ReservationStatus, refusal: str | None) -> Update:
    """The transaction item that settles a HELD reservation (and takes it out of the sweep's index)."""
    values: dict[str, Any] = {":status": status.value, ":held": ReservationStatus.HELD.value}
    expression = "SET #status = :status"
    if refusal is not None:
        expression += ", confirm_refusal = :refusal"
        values[":refusal"] = refusal
    return Update(
        table,
        reservation_key(reservation_id),
        expression + " REMOVE hold_bucket, hold_expires",
        condition="#status = :held",
        values=values,
    )


class DynamoDbRequests:
    """The :class:`~pizza_reservations.ports.Requests` port on the requests table."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def reservation(self, reservation_id: str) -> ReservationRecord | None:
        values = get(self.client, self.table, reservation_key(reservation_id))
        return reservation_from_item(values) if values else None

    def adjustment(self, adjustment_id: str) -> AdjustmentRecord | None:
        values = get(self.client, self.table, adjustment_key(adjustment_id))
        return adjustment_from_item(values) if values else None

    def accept_adjustment(self, command: AdjustItem, at: datetime) -> AdjustItem | None:
        accepted = {
            "pk": f"ACCEPTED#{command.adjustment_id}",
            "kind": "accepted-adjustment",
            "item_id": command.item_id,
            "delta": command.delta,
            "reason": command.reason,
            "accepted_at": at.isoformat(),
            "purge_at": int((at + REQUEST_RETENTION).timestamp()),
        }
        put = Put(self.table, accepted, condition="attribute_not_exists(pk)", old_on_failure=True)
        outcome = write(self.client, put)
        if not isinstance(outcome, ConditionFailed) or outcome.old is None:
            return None
        first = AdjustItem(
            adjustment_id=command.adjustment_id,
            item_id=outcome.old["item_id"],
            delta=int(outcome.old["delta"]),
            reason=outcome.old["reason"],
        )
        return None if first == command else first

    def record_refusal(self, record: ReservationRecord) -> bool:
        put = Put(self.table, record_item(record, record.created_at), condition="attribute_not_exists(pk)")
        return not isinstance(write(self.client, put), ConditionFailed)

    def note_confirm_refusal(self, reservation_id: str, reason: str) -> None:
        write(
            self.client,
            Update(
                self.table,
                reservation_key(reservation_id),
                "SET confirm_refusal = :reason",
                condition="attribute_exists(pk)",
                values={":reason": reason},
            ),
        )

    def expired_holds(self, now: datetime, limit: int) -> list[ReservationRecord]:
        found: list[ReservationRecord] = []
        for bucket in range(HOLD_BUCKETS):
            query = {
                "TableName": self.table,
                "IndexName": EXPIRING_HOLDS_INDEX,
                "KeyConditionExpression": "hold_bucket = :bucket AND hold_expires <= :now",
                "ExpressionAttributeValues": {":bucket": {"S": f"HELD#{bucket}"}, ":now": {"N": str(_epoch_ms(now))}},
            }
            pages = every_item(lambda start, query=query: self.client.query(**query, **start))  # type: ignore[misc]
            found.extend(reservation_from_item(item) for item in pages)
        found.sort(key=lambda record: (record.expires_at or now, record.reservation_id))
        return [record for record in found if record.status is ReservationStatus.HELD][:limit]
