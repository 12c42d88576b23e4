"""Chaos: every record reaches its function at least twice, in another batch split, and none is lost."""

from __future__ import annotations

import base64
import itertools
import json
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from depot_harness import Depot, start_depot

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def depot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Depot]:
    yield from start_depot(tmp_path_factory, "chaos", chaos_duplicates=True)


def _batches(depot: Depot, role: str, key: Any) -> list[list[str]]:
    """Each invocation of ``role`` as the list of record keys it carried."""
    return [[key(record) for record in line["event"]["Records"]] for line in depot.invocations(role)]


def _seen_twice_in_another_split(batches: list[list[str]], ids: list[str]) -> None:
    counts = Counter(identifier for batch in batches for identifier in batch)
    assert all(counts[identifier] >= 2 for identifier in ids), f"not every record came twice: {counts}"
    for identifier in ids:
        carrying = [tuple(batch) for batch in batches if identifier in batch]
        if len(carrying[0]) > 1:
            assert len(set(carrying)) > 1, f"{identifier} came twice in the same batch {carrying[0]}"


def test_every_parcel_message_comes_at_least_twice_in_another_split(depot: Depot) -> None:
    ids = [f"parcel-{uuid.uuid4().hex[:8]}" for _ in range(5)]
    depot.client("sqs").send_message_batch(
        QueueUrl=depot.queue_url("parcels"),
        Entries=[{"Id": str(n), "MessageBody": json.dumps({"id": parcel})} for n, parcel in enumerate(ids)],
    )

    def batches() -> list[list[str]]:
        return _batches(depot, "sort-parcel", lambda record: json.loads(record["body"])["id"])

    depot.wait_for("two deliveries of each parcel", lambda: all(sum(b.count(i) for b in batches()) >= 2 for i in ids))

    _seen_twice_in_another_split(batches(), ids)
    assert not depot.receive_all("parcels-dlq")


def test_fifo_stops_come_twice_and_each_van_still_drives_them_in_order(depot: Depot) -> None:
    run = uuid.uuid4().hex[:8]
    vans = [f"{run}-van-{n}" for n in range(2)]
    sqs, url = depot.client("sqs"), depot.queue_url("route.fifo")
    for stop, van in itertools.product(range(4), vans):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"van": van, "stop": stop}), MessageGroupId=van)

    def stops(van: str) -> list[int]:
        lines = sorted(depot.invocations("drive-route"), key=lambda line: line["started"])
        bodies = [json.loads(r["body"]) for line in lines for r in line["event"]["Records"]]
        return [body["stop"] for body in bodies if body["van"] == van]

    depot.wait_for("every stop twice", lambda: all(Counter(stops(van)) == dict.fromkeys(range(4), 2) for van in vans))

    for van in vans:
        first_sightings = list(dict.fromkeys(stops(van)))
        assert first_sightings == [0, 1, 2, 3]


def test_every_locker_change_comes_at_least_twice_in_another_split(depot: Depot) -> None:
    lockers = [f"locker-{uuid.uuid4().hex[:8]}" for _ in range(4)]
    depot.client("dynamodb").batch_write_item(
        RequestItems={
            depot.name("lockers"): [{"PutRequest": {"Item": {"locker": {"S": locker}}}} for locker in lockers]
        }
    )

    def batches() -> list[list[str]]:
        return _batches(depot, "on-locker", lambda record: record["dynamodb"]["Keys"]["locker"]["S"])

    depot.wait_for(
        "two deliveries of each locker", lambda: all(sum(b.count(i) for b in batches()) >= 2 for i in lockers)
    )

    _seen_twice_in_another_split(batches(), lockers)


def test_every_tracking_scan_comes_at_least_twice(depot: Depot) -> None:
    run = uuid.uuid4().hex[:8]
    depot.client("kinesis").put_records(
        StreamName=depot.name("tracking"),
        Records=[
            {"Data": json.dumps({"run": run, "kind": "scan", "step": n}).encode(), "PartitionKey": run}
            for n in range(4)
        ],
    )

    def batches() -> list[list[str]]:
        def step(record: dict[str, Any]) -> str:
            data = json.loads(base64.b64decode(record["kinesis"]["data"]))
            return f"{data['run']}-{data['step']}"

        return _batches(depot, "on-tracking", step)

    ids = [f"{run}-{n}" for n in range(4)]
    depot.wait_for("two deliveries of each scan", lambda: all(sum(b.count(i) for b in batches()) >= 2 for i in ids))

    _seen_twice_in_another_split(batches(), ids)


def test_a_manifest_an_event_and_a_schedule_each_reach_their_function_twice(depot: Depot) -> None:
    key = f"incoming/{uuid.uuid4().hex[:8]}.csv"
    parcel = f"P-{uuid.uuid4().hex[:8]}"
    depot.client("s3").put_object(Bucket=depot.name("manifests"), Key=key, Body=b"x")
    depot.client("events").put_events(
        Entries=[
            {
                "Source": "depot",
                "DetailType": "ParcelDelivered",
                "Detail": json.dumps({"parcel": parcel}),
                "EventBusName": depot.name("bus"),
            }
        ]
    )
    fired = depot.cloud.sources.fire_schedule(depot.name("nightly"), datetime(2030, 1, 1, 3, tzinfo=UTC))

    depot.wait_for(
        "the manifest twice",
        lambda: [line["answer"]["key"] for line in depot.invocations("on-manifest")].count(key) >= 2,
    )
    depot.wait_for(
        "the event twice", lambda: sum(parcel in json.dumps(line) for line in depot.invocations("notify")) >= 2
    )
    depot.wait_for(
        "the schedule twice",
        lambda: sum(line["event"]["id"] == fired["id"] for line in depot.invocations("count-lockers")) >= 2,
    )


def test_stop_ends_every_poller(depot: Depot) -> None:
    depot.cloud.sources.stop()

    alive = [
        thread.name
        for thread in threading.enumerate()
        if thread.name.startswith("localcloud-") and "chaos-depot" in thread.name
    ]
    assert alive == []
