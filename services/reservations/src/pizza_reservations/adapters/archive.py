"""The archive bucket: events as JSON Lines, one object per delivered batch of an item,
``items/<item id>/<first version>-<last version>.jsonl`` (versions zero-padded, so keys sort by version).

Each line is the event's JSON exactly as appended. The bucket encrypts every object (SSE, the bucket's
default) and moves them to a cheaper class by lifecycle (Terraform). A batch delivered again, or split
differently, writes overlapping objects: reading keeps each version once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pizza_reservations.domain.events import ItemEvent, event_from_json, event_to_json

__all__ = ["ARCHIVE_PREFIX", "S3Archive", "archive_key"]

ARCHIVE_PREFIX = "items/"


def archive_key(item_id: str, first: int, last: int) -> str:
    return f"{ARCHIVE_PREFIX}{item_id}/{first:012d}-{last:012d}.jsonl"


class S3Archive:
    """The :class:`~pizza_reservations.ports.Archive` port."""

    def __init__(self, bucket: str, client: Any) -> None:
        self.bucket = bucket
        self.client = client

    def keep(self, item_id: str, events: Sequence[ItemEvent]) -> None:
        ordered = sorted({event.version: event for event in events}.values(), key=lambda event: event.version)
        body = "".join(event_to_json(event) + "\n" for event in ordered).encode()
        self.client.put_object(
            Bucket=self.bucket,
            Key=archive_key(item_id, ordered[0].version, ordered[-1].version),
            Body=body,
            ContentType="application/x-ndjson",
        )

    def recall(self, item_id: str, after_version: int = 0, most: int | None = None) -> list[ItemEvent]:
        # Keys name their versions, so objects wholly before ``after_version`` are never fetched, and a page
        # stops fetching once it holds its versions.
        prefix = f"{ARCHIVE_PREFIX}{item_id}/"
        keys: list[tuple[int, int, str]] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for listed in page.get("Contents", []):
                first, _, last = listed["Key"][len(prefix) :].removesuffix(".jsonl").partition("-")
                if int(last) > after_version:
                    keys.append((int(first), int(last), listed["Key"]))
        found: dict[int, ItemEvent] = {}
        wanted = range(after_version + 1, after_version + 1 + most) if most is not None else None
        for _, _, key in sorted(keys):
            if wanted is not None and all(version in found for version in wanted):
                break
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            for line in body.decode().splitlines():
                if line.strip():
                    event = event_from_json(line)
                    if event.version > after_version:
                        found.setdefault(event.version, event)
        return [found[version] for version in sorted(found)]
