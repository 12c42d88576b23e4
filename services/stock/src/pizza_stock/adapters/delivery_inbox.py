"""The :class:`~pizza_stock.ports.DeliveryInbox` on the deliveries bucket: a supplier's file, read twice as a
stream of chunks (once to measure and checksum it, once to ingest it), and the reports written beside it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from pizza_common import aws
from pizza_stock.domain import Delivery, DeliveryConflict, DeliveryReport
from pizza_stock.domain.events import DeliveryConflicted, DeliveryReported
from pizza_stock.ports import Delivered

__all__ = ["CHUNK_BYTES", "S3DeliveryInbox", "conflict_key", "report_key"]

CHUNK_BYTES = 64 * 1024
_GONE = {"PreconditionFailed", "NoSuchKey", "NoSuchVersion", "412", "404"}


def report_key(key: str) -> str:
    """``reports/<key>.json``: it does not end in ``.csv``, so writing it never triggers another ingest."""
    return f"reports/{key}.json"


def conflict_key(key: str) -> str:
    """``reports/<key>.conflict.json``: beside the report, so a conflict never overwrites a good report."""
    return f"reports/{key}.conflict.json"


class S3DeliveryInbox:
    def __init__(self, client: Any = None) -> None:
        self.client = client or aws.client("s3")

    def _get(self, bucket: str, key: str, etag: str | None, version_id: str | None) -> dict[str, Any] | None:
        """A version id (versioned bucket) reads exactly that version; otherwise ``If-Match`` on the ETag
        refuses a newer object, whose own notification will deliver it."""
        try:
            if version_id:
                return dict(self.client.get_object(Bucket=bucket, Key=key, VersionId=version_id))
            if etag:
                return dict(self.client.get_object(Bucket=bucket, Key=key, IfMatch=etag))
            return dict(self.client.get_object(Bucket=bucket, Key=key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _GONE:
                return None
            raise

    def look(self, delivery: Delivery, etag: str | None, version_id: str | None) -> Delivered | None:
        found = self._get(delivery.bucket, delivery.key, etag, version_id)
        if found is None:
            return None
        digest, size = hashlib.sha256(), 0
        for chunk in iter(lambda: found["Body"].read(CHUNK_BYTES), b""):
            digest.update(chunk)
            size += len(chunk)
        return Delivered(
            delivery=delivery,
            etag=str(found["ETag"]).strip('"'),
            version_id=version_id,
            size=size,
            checksum=digest.hexdigest(),
        )

    def read(self, delivered: Delivered) -> Iterator[bytes] | None:
        found = self._get(delivered.delivery.bucket, delivered.delivery.key, delivered.etag, delivered.version_id)
        if found is None:
            return None
        body = found["Body"]
        return iter(lambda: body.read(CHUNK_BYTES), b"")

    def write_report(self, report: DeliveryReport) -> None:
        document = DeliveryReported.of(report).model_dump_json(by_alias=True, exclude_none=True, indent=2)
        self._put(report.delivery.bucket, report_key(report.delivery.key), document)

    def count_upload(self, delivered: Delivered, uploads: int) -> bool:
        key = report_key(delivered.delivery.key)
        found = self._get(delivered.delivery.bucket, key, etag=None, version_id=None)
        if found is None:
            return False
        report = DeliveryReported.model_validate_json(found["Body"].read())
        if report.sha256 != delivered.checksum:
            return False
        counted = report.model_copy(update={"uploads": max(report.uploads, uploads)})
        self._put(delivered.delivery.bucket, key, counted.model_dump_json(by_alias=True, exclude_none=True, indent=2))
        return True

    def write_conflict(self, conflict: DeliveryConflict) -> None:
        document = DeliveryConflicted.of(conflict).model_dump_json(by_alias=True, indent=2)
        self._put(conflict.delivery.bucket, conflict_key(conflict.delivery.key), document)

    def _put(self, bucket: str, key: str, document: str) -> None:
        self.client.put_object(Bucket=bucket, Key=key, Body=document.encode(), ContentType="application/json")
