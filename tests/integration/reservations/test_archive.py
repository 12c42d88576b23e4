"""Old events leave the hot table only once archived and covered by a snapshot; the history stays whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import stocked, unique

from localcloud.polling import eventually


@pytest.mark.localcloud_only
def test_archive_then_rebuild_gives_the_same_history_and_the_same_availability(localcloud, reservations):
    item = stocked(reservations, 200)
    for n in range(60):  # more than a snapshot's worth (50)
        assert reservations.reserve(unique(f"r{n}"), item, 1, 600).status == 201
    before = reservations.history(item).json()["events"]
    assert len(before) == 61
    dynamodb = localcloud.client("dynamodb")
    outputs = localcloud.service("reservations")

    def snapshot_version() -> int:
        found = dynamodb.get_item(TableName=outputs["snapshots_table"], Key={"pk": {"S": item}}).get("Item")
        return int(found["version"]["N"]) if found else 0

    covered = eventually(lambda: snapshot_version() >= 50 and snapshot_version(), "a snapshot of 50 events", timeout=60)

    def retired() -> int:
        events = dynamodb.query(
            TableName=outputs["events_table"],
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": item}},
            ConsistentRead=True,
        )["Items"]
        return sum("purge_at" in event for event in events)

    eventually(lambda: retired() == covered, "the covered events marked for TTL", timeout=60)
    localcloud.ttl_sweep(datetime.now(UTC) + timedelta(days=31))  # TTL, however late it comes
    hot = dynamodb.query(
        TableName=outputs["events_table"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": item}},
        ConsistentRead=True,
    )["Items"]
    assert sorted(int(event["sk"]["N"]) for event in hot) == list(range(covered + 1, 62))
    assert reservations.history(item).json()["events"] == before
    pages = [reservations.history(item, after, 25).json() for after in (0, 25, 50)]  # across archive and hot table
    assert [page.get("next") for page in pages] == [25, 50, None]
    assert [event for page in pages for event in page["events"]] == before
    assert reservations.whole_history(item) == before
    after = reservations.reserve(unique("after"), item, 140, 600)
    assert after.status == 201 and after.json()["version"] == 62
    assert reservations.reserve(unique("over"), item, 1, 600).status == 409
