"""reservations: the fan-out on a hot item, from the events table's stream to the changes Kinesis stream.

64 clients race for one item through the local gateway (signed POST /reservations) with every event source
on, then the script waits (polling, with a deadline) until the item's last event is on the changes stream and
in the projection. Figures (printed, and written to bench/results/reservations_fanout.json):
- ``reservations_per_s``: granted reservations a second through the gateway, for what the fan-out must carry;
- ``fanout_invocations``: invocations of ``pizza-reservations-fanout`` for the item's events;
- ``changes_records``, ``events_per_record``: records of the item put on the changes stream, and events in each
  (one record per event before ``ItemChanges``; at most one record of an item goes in a ``PutRecords`` call, so
  records are also the calls the item cost);
- ``records_per_invocation``: the fan-out's ``PutRecords`` calls for the item in one invocation;
- ``projection_lag_s``: from the last answer to the projection showing the item's last version;
- ``put_records_ms_per_event``: ``changes_records`` times the baseline call's p50, over the events: the time the
  fan-out spends in calls per event of the item; on AWS a call takes some 10-20 ms, which is what made a call per
  event the bound on one item;
- baseline ``put_records_p50_ms``: one ``PutRecords`` of one record from this process to the same emulator (a
  stream of its own).

Run: ``.venv/bin/python bench/reservations_fanout.py [--reservations 640] [--clients 64]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cloud import point_this_process_at
from _report import figure, report

DEADLINE_SECONDS = 300.0


def changes_of(kinesis: Any, stream: str, item_id: str) -> list[dict[str, Any]]:
    """The item's records on the changes stream, each parsed (``ItemChanges``), in stream order."""
    from pizza_common.kinesis import records_from_start

    return [json.loads(r["Data"]) for r in records_from_start(kinesis, stream) if r["PartitionKey"] == item_id]


def poll(condition: Any, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not within {DEADLINE_SECONDS:.0f} s")
        time.sleep(0.05)


def invocations(log: Path) -> int:
    return log.read_text(errors="replace").count("START RequestId") if log.exists() else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--reservations", type=int, default=640, help="units of the hot item")
    args = parser.parse_args()

    import boto3

    from localcloud.cloud import LocalCloud
    from pizza_common.signed_http import SignedHttp
    from pizza_place.shared_stack import stack as shared_stack
    from pizza_reservations.client import ReservationsClient
    from pizza_reservations.stack import stack

    stacks = [shared_stack(), stack()]
    with tempfile.TemporaryDirectory() as state_dir, LocalCloud(stacks, state_dir=state_dir) as cloud:
        point_this_process_at(cloud)
        outputs = cloud.outputs["reservations"]
        stream, kinesis = outputs["changes_stream"], boto3.client("kinesis")
        client = ReservationsClient(SignedHttp(outputs["reservations_api_url"], region=cloud.region, timeout=120))
        fanout_log = cloud.log_dir / "pizza-reservations-fanout.log"

        # The baseline's own stream: the changes stream's readers would have to read its records.
        kinesis.create_stream(StreamName="bench-baseline", ShardCount=1)
        kinesis.get_waiter("stream_exists").wait(StreamName="bench-baseline")

        def put_one() -> float:
            started = time.perf_counter()
            kinesis.put_records(StreamName="bench-baseline", Records=[{"Data": b"{}", "PartitionKey": "baseline"}])
            return (time.perf_counter() - started) * 1000

        put_records_p50 = statistics.median(put_one() for _ in range(200))

        item = f"hot-fanout-{uuid.uuid4().hex[:6]}"
        client.adjust(item, f"bench-{uuid.uuid4().hex}", args.reservations, "bench")
        poll(lambda: client.item(item).status == 200, "the item's supply in the projection")
        with ThreadPoolExecutor(max_workers=args.clients) as pool:  # warm the API's workers
            list(pool.map(lambda _: client.reservation("nobody"), range(args.clients)))
        poll(lambda: len(changes_of(kinesis, stream, item)) >= 1, "the supply on the changes stream")
        before = invocations(fanout_log)

        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            started = time.monotonic()
            statuses = list(
                pool.map(
                    lambda _: client.reserve(f"bench-{uuid.uuid4().hex}", item, 1, 3600).status,
                    range(args.reservations + args.clients),
                )
            )
            answered = time.monotonic()
        granted = statuses.count(201)
        last_version = 1 + granted  # the supply's Adjusted, then one Reserved per grant
        poll(lambda: json.loads(client.item(item).body).get("version", 0) >= last_version, "the projection")
        projection_lag = time.monotonic() - answered

        def all_on_stream() -> bool:
            versions = [e["version"] for r in changes_of(kinesis, stream, item) for e in r["events"]]
            return bool(versions) and max(versions) >= last_version

        poll(all_on_stream, "the item's last event on the changes stream")
        records = changes_of(kinesis, stream, item)[1:]  # the race's, after the supply's record
        events = sum(len(r["events"]) for r in records)
        calls = invocations(fanout_log) - before
        figures = {
            "reservations_per_s": figure(granted / (answered - started), "reservations/s"),
            "answers": figure(len(statuses), "answers"),
            "answers_other_than_201_or_409": figure(len(statuses) - granted - statuses.count(409), "answers"),
            "events_on_the_changes_stream": figure(events, "events"),
            "fanout_invocations": figure(calls, "invocations"),
            "changes_records": figure(len(records), "records"),
            "events_per_record": figure(events / max(len(records), 1), "events/record"),
            "records_per_invocation": figure(len(records) / max(calls, 1), "calls/invocation"),
            "projection_lag_s": figure(projection_lag, "s"),
            "put_records_ms_per_event": figure(len(records) * put_records_p50 / max(events, 1), "ms/event"),
        }
        print(f"answers: {dict(Counter(statuses))}")
        report(
            "reservations_fanout",
            f"reservations fan-out, {args.clients} clients on one item with {args.reservations} units",
            figures,
            {"put_records_p50_ms": figure(put_records_p50, "ms")},
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
