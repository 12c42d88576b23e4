"""The stock table: every row of the service in one DynamoDB table, and the atomic writes between them.

Key layout (``pk``, ``sk``):

================  ===============================  ==============================================================
row               pk                               sk
================  ===============================  ==============================================================
ingredient level  ``<typeId>``                     ``AGGREGATE``
batch             ``<typeId>``                     ``BATCH#<best-before UTC>#<batchId>`` (FEFO order by key)
expiry applied    ``<typeId>``                     ``EXPIRED#<batchId>``
delivery          ``DELIVERY#<bucket>/<key>``      ``DELIVERY``
transaction       ``TRANSACTION#<transactionId>``  ``TRANSACTION``
================  ===============================  ==============================================================

A typeId is a lowercase slug, so it never collides with the ``DELIVERY#`` and ``TRANSACTION#`` partitions.
Level rows carry ``levelsPartition`` so the sparse ``levels`` index lists every ingredient without a scan.
The TTL attribute is ``expiresAtEpoch``: on batches their best-before, on markers and records a retention.

One class per function that uses the table (:class:`DeliveriesTable` for ingest, :class:`ExpiryTable` for
expiry, :class:`StockTable` for the API), so each function's IAM policy names only what its class calls.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from pizza_common import aws
from pizza_common.dynamodb import from_item, to_item, to_value
from pizza_stock.domain import Answer, Batch, Level, Row, Take, batch_for

__all__ = [
    "AGGREGATE",
    "BATCH_PREFIX",
    "LEVELS_INDEX",
    "BatchesChanged",
    "DeliveriesTable",
    "DeliveryState",
    "ExpiryTable",
    "StockTable",
    "TransactionRecord",
    "TransactionRecorded",
    "batch_from_image",
    "batch_sort_key",
    "level_from_image",
]

AGGREGATE = "AGGREGATE"
BATCH_PREFIX = "BATCH#"
EXPIRED_PREFIX = "EXPIRED#"
LEVELS_INDEX = "levels"
LEVELS_PARTITION = "LEVELS"
TTL_ATTRIBUTE = "expiresAtEpoch"
# Stream records are kept 24 hours: a marker outliving that sees every duplicate of its REMOVE record.
EXPIRY_MARKER_RETENTION = timedelta(days=7)
# How long a transactionId keeps its first answer.
TRANSACTION_RETENTION = timedelta(days=30)
_CONFLICT_ATTEMPTS = 8


class BatchesChanged(Exception):
    """A batch or level changed between reading and writing; read again and re-plan."""


class TransactionRecorded(Exception):
    """The transactionId already has a record: this request is a replay (or a reuse)."""


@dataclass(frozen=True)
class DeliveryState:
    """The first content seen under a key, and how far its rows are written (every row up to ``progress``).

    ``uploads`` counts the distinct uploads of that content under the key; ``new_upload`` says whether the
    notification at hand is one not seen before (False for a duplicate delivery of a notification).
    """

    etag: str
    progress: int
    completed: bool
    uploads: int = 1
    new_upload: bool = True


@dataclass(frozen=True)
class TransactionRecord:
    fingerprint: str
    answer: Answer | None


def batch_sort_key(batch: Batch) -> str:
    return f"{BATCH_PREFIX}{batch.removed_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}#{batch.batch_id}"


def batch_from_image(image: Mapping[str, Any]) -> Batch:
    """A batch from a stream image or a query answer (DynamoDB JSON)."""
    values = from_item(image)
    return Batch(
        type_id=values["typeId"],
        batch_id=values["batchId"],
        quantity=values["quantity"],
        remaining=values["remaining"],
        removed_at=datetime.fromtimestamp(values[TTL_ATTRIBUTE], UTC),
    )


def level_from_image(image: Mapping[str, Any]) -> Level:
    values = from_item(image)
    return Level(type_id=values["typeId"], quantity=values["quantity"], version=values["version"])


def _reasons(error: ClientError) -> list[str]:
    return [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]


def _cancelled(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "TransactionCanceledException"


def _condition_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _pause(attempt: int) -> None:
    """Full-jitter backoff between retries of a write that met a concurrent one."""
    time.sleep(random.uniform(0, min(0.5, 0.01 * 2**attempt)))


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _delivery_key(bucket: str, key: str) -> dict[str, Any]:
    return _key(f"DELIVERY#{bucket}/{key}", "DELIVERY")


def _transaction_key(transaction_id: str) -> dict[str, Any]:
    return _key(f"TRANSACTION#{transaction_id}", "TRANSACTION")


def _level_change(table: str, type_id: str, change: int, *, ingest: bool = False) -> dict[str, Any]:
    """A transaction item: change a level by ``change`` and bump its version; a decrease is refused below zero."""
    update: dict[str, Any] = {
        "TableName": table,
        "Key": _key(type_id, AGGREGATE),
        "UpdateExpression": "ADD quantity :change, version :one",
        "ExpressionAttributeValues": {":change": to_value(change), ":one": to_value(1)},
    }
    if ingest:
        update["UpdateExpression"] += " SET typeId = :typeId, levelsPartition = :levels"
        update["ExpressionAttributeValues"] |= {":typeId": to_value(type_id), ":levels": to_value(LEVELS_PARTITION)}
    else:
        update["ConditionExpression"] = "quantity >= :taken"
        update["ExpressionAttributeValues"][":taken"] = to_value(-change)
    return {"Update": update}


class DeliveriesTable:
    """Deliveries and the batches they add (the ingest function)."""

    def __init__(self, table_name: str, client: Any = None) -> None:
        self.name = table_name
        self.client = client or aws.client("dynamodb")

    def open_delivery(self, bucket: str, key: str, etag: str, upload: str, now: datetime) -> DeliveryState:
        """Record the first content seen under a key, and note this upload of it; answer with the delivery's state.

        A different content under the key comes back with the first content's etag (a conflict) and is not noted.
        """
        try:
            self.client.put_item(
                TableName=self.name,
                Item=_delivery_key(bucket, key)
                | to_item(
                    {
                        "etag": etag,
                        "progress": 0,
                        "completed": False,
                        "uploads": {upload},
                        "firstSeenAt": now.isoformat(),
                    }
                ),
                ConditionExpression="attribute_not_exists(pk)",
            )
            return DeliveryState(etag=etag, progress=0, completed=False)
        except ClientError as error:
            if not _condition_failed(error):
                raise
        try:
            before = self.client.update_item(
                TableName=self.name,
                Key=_delivery_key(bucket, key),
                UpdateExpression="ADD uploads :upload",
                ConditionExpression="etag = :etag",
                ExpressionAttributeValues={":upload": to_value({upload}), ":etag": to_value(etag)},
                ReturnValues="ALL_OLD",
            )["Attributes"]
        except ClientError as error:
            if not _condition_failed(error):
                raise
            return self._delivery(bucket, key)
        values = from_item(before)
        seen = set(values.get("uploads", ()))
        return DeliveryState(
            etag=values["etag"],
            progress=values["progress"],
            completed=values["completed"],
            uploads=len(seen | {upload}),
            new_upload=upload not in seen,
        )

    def _delivery(self, bucket: str, key: str) -> DeliveryState:
        found = self.client.get_item(TableName=self.name, Key=_delivery_key(bucket, key), ConsistentRead=True)
        values = from_item(found["Item"])
        return DeliveryState(
            etag=values["etag"],
            progress=values["progress"],
            completed=values["completed"],
            uploads=len(values.get("uploads", ())),
            new_upload=False,
        )

    def add_batches(self, bucket: str, key: str, delivery: str, etag: str, rows: Sequence[Row]) -> int:
        """Write the rows' batches and grow their levels, all at once, unless already written; the new progress.

        The delivery row's ``progress`` (the last line written) moves in the same transaction, under the
        condition that it is still before these rows: a duplicate run of the same file finds its rows
        already written and writes nothing, even if those batches were used up or expired since.
        """
        pending = list(rows)
        attempt = 0
        while pending:
            totals: dict[str, int] = {}
            for row in pending:
                totals[row.type_id] = totals.get(row.type_id, 0) + row.quantity
            progress_update = {
                "Update": {
                    "TableName": self.name,
                    "Key": _delivery_key(bucket, key),
                    "UpdateExpression": "SET progress = :last",
                    "ConditionExpression": "etag = :etag AND progress < :first",
                    "ExpressionAttributeValues": {
                        ":etag": to_value(etag),
                        ":first": to_value(pending[0].line),
                        ":last": to_value(pending[-1].line),
                    },
                }
            }
            puts = [
                {
                    "Put": {
                        "TableName": self.name,
                        "Item": self._batch_item(batch_for(delivery, row), f"s3://{bucket}/{key}", row.line),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
                for row in pending
            ]
            updates = [_level_change(self.name, type_id, total, ingest=True) for type_id, total in totals.items()]
            try:
                self.client.transact_write_items(TransactItems=[progress_update, *puts, *updates])
                return pending[-1].line
            except ClientError as error:
                if not _cancelled(error):
                    raise
                reasons = _reasons(error)
                if reasons and reasons[0] == "ConditionalCheckFailed":
                    done = self._delivery(bucket, key)
                    if done.etag != etag:
                        raise RuntimeError(f"delivery {bucket}/{key} changed content while written") from error
                    pending = [row for row in pending if row.line > done.progress]
                    continue
                if "ConditionalCheckFailed" in reasons:
                    raise RuntimeError(f"a batch of {bucket}/{key} exists beyond the delivery's progress") from error
                attempt += 1
                if attempt >= _CONFLICT_ATTEMPTS:
                    raise
                _pause(attempt)
        return rows[-1].line if rows else 0

    def complete_delivery(self, bucket: str, key: str, etag: str, accepted: int, rejected: int) -> None:
        self.client.update_item(
            TableName=self.name,
            Key=_delivery_key(bucket, key),
            UpdateExpression="SET completed = :yes, accepted = :accepted, rejectedCount = :rejected",
            ConditionExpression="etag = :etag",
            ExpressionAttributeValues={
                ":yes": to_value(True),
                ":accepted": to_value(accepted),
                ":rejected": to_value(rejected),
                ":etag": to_value(etag),
            },
        )

    def _batch_item(self, batch: Batch, source: str, line: int) -> dict[str, Any]:
        return _key(batch.type_id, batch_sort_key(batch)) | to_item(
            {
                "typeId": batch.type_id,
                "batchId": batch.batch_id,
                "quantity": batch.quantity,
                "remaining": batch.remaining,
                TTL_ATTRIBUTE: int(batch.removed_at.timestamp()),
                "expiresAt": batch.removed_at.isoformat(),
                "delivery": source,
                "line": line,
            }
        )


class ExpiryTable:
    """Levels lose what was left of batches TTL removed (the expire function)."""

    def __init__(self, table_name: str, client: Any = None) -> None:
        self.name = table_name
        self.client = client or aws.client("dynamodb")

    def subtract_expired(self, batch: Batch, now: datetime) -> bool:
        """Take what was left in an expired batch off its level, once; False if that was already done."""
        marker = {
            "Put": {
                "TableName": self.name,
                "Item": _key(batch.type_id, f"{EXPIRED_PREFIX}{batch.batch_id}")
                | to_item(
                    {
                        "subtracted": batch.remaining,
                        "expiredAt": now.isoformat(),
                        TTL_ATTRIBUTE: int((now + EXPIRY_MARKER_RETENTION).timestamp()),
                    }
                ),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        for attempt in range(_CONFLICT_ATTEMPTS):
            try:
                self.client.transact_write_items(
                    TransactItems=[marker, _level_change(self.name, batch.type_id, -batch.remaining)]
                )
                return True
            except ClientError as error:
                if not _cancelled(error):
                    raise
                reasons = _reasons(error)
                if reasons and reasons[0] == "ConditionalCheckFailed":
                    return False
                if "ConditionalCheckFailed" in reasons:
                    raise RuntimeError(
                        f"level of {batch.type_id} is below the {batch.remaining} left in expired batch "
                        f"{batch.batch_id}: the level and its batches disagree"
                    ) from error
                _pause(attempt)
        raise RuntimeError(f"could not apply the expiry of batch {batch.batch_id}: kept meeting concurrent writes")


class StockTable:
    """Levels, usage and the transactions' first answers (the API function)."""

    def __init__(self, table_name: str, client: Any = None) -> None:
        self.name = table_name
        self.client = client or aws.client("dynamodb")

    def batches_oldest_first(self, type_id: str, needed: int, page_size: int = 5) -> list[Batch]:
        """Batches of an ingredient, best-before first, until they hold ``needed`` (or all of them).

        The first page is small (a usage rarely spans many batches: read little), later pages larger.
        """
        batches: list[Batch] = []
        held = 0
        query: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :batch)",
            "ExpressionAttributeValues": {":pk": to_value(type_id), ":batch": to_value(BATCH_PREFIX)},
            "ProjectionExpression": f"typeId, batchId, quantity, remaining, {TTL_ATTRIBUTE}",
            # Consistent: a stale read could miss a delivery and record a wrong refusal as the first answer.
            "ConsistentRead": True,
            "Limit": page_size,
        }
        while True:
            page = self.client.query(**query)
            for item in page.get("Items", []):
                batch = batch_from_image(item)
                batches.append(batch)
                held += batch.remaining
            if held >= needed or "LastEvaluatedKey" not in page:
                return batches
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            query["Limit"] = 100

    def commit_usage(
        self, transaction_id: str, fingerprint: str, plan: Mapping[str, Sequence[Take]], now: datetime
    ) -> None:
        """Take the planned quantities from levels and batches and record the transaction, all or nothing.

        Raises TransactionRecorded when the transactionId has a record already, BatchesChanged when a
        batch or level no longer holds what was planned.
        """
        record = {
            "Put": {
                "TableName": self.name,
                "Item": _transaction_key(transaction_id)
                | to_item(
                    {
                        "fingerprint": fingerprint,
                        "recordedAt": now.isoformat(),
                        TTL_ATTRIBUTE: int((now + TRANSACTION_RETENTION).timestamp()),
                    }
                ),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        writes: list[dict[str, Any]] = [record]
        for type_id, takes in plan.items():
            writes.append(_level_change(self.name, type_id, -sum(take.quantity for take in takes)))
            writes.extend(self._take(take) for take in takes)
        try:
            self.client.transact_write_items(TransactItems=writes)
        except ClientError as error:
            if not _cancelled(error):
                raise
            reasons = _reasons(error)
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise TransactionRecorded(transaction_id) from error
            raise BatchesChanged(transaction_id) from error

    def _take(self, take: Take) -> dict[str, Any]:
        key = _key(take.batch.type_id, batch_sort_key(take.batch))
        values = {":taken": to_value(take.quantity)}
        if take.drains:
            # An empty batch goes: the FEFO query stays short. This delete carries no TTL identity, so
            # the expiry consumer ignores it; a duplicate delivery cannot bring it back (see add_batches).
            return {
                "Delete": {
                    "TableName": self.name,
                    "Key": key,
                    "ConditionExpression": "remaining = :taken",
                    "ExpressionAttributeValues": values,
                }
            }
        return {
            "Update": {
                "TableName": self.name,
                "Key": key,
                "UpdateExpression": "SET remaining = remaining - :taken",
                "ConditionExpression": "remaining >= :taken",
                "ExpressionAttributeValues": values,
            }
        }

    def transaction_record(self, transaction_id: str) -> TransactionRecord | None:
        found = self.client.get_item(
            TableName=self.name, Key=_transaction_key(transaction_id), ConsistentRead=True
        ).get("Item")
        if found is None:
            return None
        values = from_item(found)
        answer = values.get("answer")
        return TransactionRecord(values["fingerprint"], Answer.from_json(answer) if answer else None)

    def record_refusal(self, transaction_id: str, fingerprint: str, answer: Answer, now: datetime) -> bool:
        """Record a refusal as the transaction's first answer; False if it already had a record."""
        try:
            self.client.put_item(
                TableName=self.name,
                Item=_transaction_key(transaction_id)
                | to_item(
                    {
                        "fingerprint": fingerprint,
                        "answer": answer.to_json(),
                        "recordedAt": now.isoformat(),
                        TTL_ATTRIBUTE: int((now + TRANSACTION_RETENTION).timestamp()),
                    }
                ),
                ConditionExpression="attribute_not_exists(pk)",
            )
            return True
        except ClientError as error:
            if not _condition_failed(error):
                raise
            return False

    def record_answer(self, transaction_id: str, answer: Answer) -> bool:
        """Store the answer of a committed transaction; False if another caller stored one first."""
        try:
            self.client.update_item(
                TableName=self.name,
                Key=_transaction_key(transaction_id),
                UpdateExpression="SET answer = :answer",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(answer)",
                ExpressionAttributeValues={":answer": to_value(answer.to_json())},
            )
            return True
        except ClientError as error:
            if not _condition_failed(error):
                raise
            return False

    def level(self, type_id: str) -> Level | None:
        found = self.client.get_item(TableName=self.name, Key=_key(type_id, AGGREGATE), ConsistentRead=True)
        return level_from_image(found["Item"]) if "Item" in found else None

    def levels(self, type_ids: Iterable[str]) -> list[Level]:
        """The current levels of some ingredients, read consistently (at most 100 ingredients)."""
        keys = [_key(type_id, AGGREGATE) for type_id in sorted(set(type_ids))]
        found: list[Level] = []
        request: dict[str, Any] = {self.name: {"Keys": keys, "ConsistentRead": True}}
        while request:
            answer = self.client.batch_get_item(RequestItems=request)
            found.extend(level_from_image(item) for item in answer["Responses"].get(self.name, []))
            request = answer.get("UnprocessedKeys") or {}
        return sorted(found, key=lambda level: level.type_id)

    def all_levels(self) -> list[Level]:
        """Every ingredient's level, from the sparse levels index (eventually consistent)."""
        query: dict[str, Any] = {
            "TableName": self.name,
            "IndexName": LEVELS_INDEX,
            "KeyConditionExpression": "levelsPartition = :levels",
            "ExpressionAttributeValues": {":levels": to_value(LEVELS_PARTITION)},
        }
        levels: list[Level] = []
        while True:
            page = self.client.query(**query)
            levels.extend(level_from_image(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return levels
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
