"""The deliveries bucket: reading a supplier's file as a stream of chunks, and writing its report beside it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from pizza_common import aws

__all__ = ["CHUNK_BYTES", "DeliveryBucket", "DeliveryObject", "report_key"]

CHUNK_BYTES = 64 * 1024
_GONE = {"PreconditionFailed", "NoSuchKey", "NoSuchVersion", "412", "404"}


def report_key(key: str) -> str:
    """``reports/<key>.json``: it does not end in ``.csv``, so writing it never triggers another ingest."""
    return f"reports/{key}.json"


@dataclass
class DeliveryObject:
    etag: str
    chunks: Iterator[bytes]


class DeliveryBucket:
    def __init__(self, client: Any = None) -> None:
        self.client = client or aws.client("s3")

    def open(self, bucket: str, key: str, etag: str | None, version_id: str | None) -> DeliveryObject | None:
        """The object a notification names, streamed; ``None`` if it has been replaced or deleted since.

        A version id (versioned bucket) reads exactly that version; otherwise ``If-Match`` on the
        notification's ETag refuses a newer object, whose own notification will deliver it.
        """
        try:
            if version_id:
                found = self.client.get_object(Bucket=bucket, Key=key, VersionId=version_id)
            elif etag:
                found = self.client.get_object(Bucket=bucket, Key=key, IfMatch=etag)
            else:
                found = self.client.get_object(Bucket=bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _GONE:
                return None
            raise
        body = found["Body"]
        return DeliveryObject(etag=found["ETag"].strip('"'), chunks=iter(lambda: body.read(CHUNK_BYTES), b""))

    def write_report(self, bucket: str, key: str, report: dict[str, object]) -> str:
        target = report_key(key)
        self.client.put_object(
            Bucket=bucket,
            Key=target,
            Body=json.dumps(report, indent=2).encode(),
            ContentType="application/json",
        )
        return target
