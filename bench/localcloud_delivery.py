"""localcloud: how long an event takes from its source to the start of its handler.

Figures (printed, and written to bench/results/localcloud_delivery.json), p50 and p95 of:
- S3 PutObject -> the notified function starts (moto's notification, the internal queue, async invoke);
- SQS SendMessage -> the queue's function starts (long poll, batch of one);
- DynamoDB PutItem -> the stream's function starts (GetRecords 4 times a second);
- Kinesis PutRecord -> the stream's function starts (the same shard reader);
each also as a ratio to the emulator's own latency for that call, measured in the same run on resources that
no source reads (the baseline, with the calls' rates).

Events are sent one at a time: the next leaves after the previous reached its handler, a random pause later
(0 to 0.3 s, so events meet the stream pollers, which read a shard 4 times a second, at any phase). Handler
start is the handler's own clock reading, written to a journal file; the sender's clock is read just before
the call. Both are this machine's clock.

Run: ``.venv/bin/python bench/localcloud_delivery.py [--events 60]``. The handler is ``record_start`` below:
this file is also the functions' code.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from _report import percentile, report

HERE = Path(__file__).resolve().parent
WARM_UP = 5
DEADLINE_SECONDS = 15.0
# A random pause before each event, longer than a shard poll (0.25 s), so events meet the pollers at any phase.
PAUSE_SECONDS = 0.3


def record_start(event: dict[str, Any], context: Any) -> None:
    """The benchmarked function: notes when it started, for each record it was given."""
    started = time.time()
    ids = []
    for record in event.get("Records", []):
        if "s3" in record:
            ids.append(unquote_plus(record["s3"]["object"]["key"]))
        elif record.get("eventSource") == "aws:sqs":
            ids.append(record["body"])
        elif "dynamodb" in record:
            ids.append(record["dynamodb"]["Keys"]["id"]["S"])
        elif "kinesis" in record:
            ids.append(base64.b64decode(record["kinesis"]["data"]).decode())
    lines = "".join(json.dumps({"id": identifier, "started": started}) + "\n" for identifier in ids)
    descriptor = os.open(os.environ["BENCH_JOURNAL"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, lines.encode())
    finally:
        os.close(descriptor)


class Journal:
    """Reads the handlers' journal as it grows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.started: dict[str, float] = {}

    def wait_for(self, identifier: str) -> float:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while identifier not in self.started:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{identifier} never reached its handler")
            if self.path.exists():
                with self.path.open("rb") as journal:
                    journal.seek(self.offset)
                    data = journal.read()
                complete = data[: data.rfind(b"\n") + 1]
                self.offset += len(complete)
                for line in complete.splitlines():
                    entry = json.loads(line)
                    self.started.setdefault(entry["id"], entry["started"])
            time.sleep(0.002)
        return self.started[identifier]


def _stack(journal: Path) -> Any:
    from localcloud.stack import (
        Attribute,
        Bucket,
        BucketNotification,
        Function,
        KinesisStream,
        Queue,
        SqsSource,
        Stack,
        StreamSource,
        Table,
    )

    def function(name: str, *sources: Any) -> Function:
        return Function(
            name=f"bench-{name}",
            handler="localcloud_delivery.record_start",
            environment={"BENCH_JOURNAL": str(journal)},
            event_sources=sources,
            code_paths=(HERE,),
        )

    return Stack(
        name="bench",
        buckets=(
            Bucket(name="bench-deliveries", notifications=(BucketNotification(function="bench-s3"),)),
            Bucket(name="bench-raw"),
        ),
        tables=(
            Table(name="bench-table", hash_key=Attribute(name="id"), stream_view="NEW_IMAGE"),
            Table(name="bench-raw", hash_key=Attribute(name="id"), stream_view="NEW_IMAGE"),
        ),
        streams=(KinesisStream(name="bench-stream"), KinesisStream(name="bench-raw")),
        queues=(Queue(name="bench-queue"), Queue(name="bench-raw")),
        functions=(
            function("s3"),
            function("sqs", SqsSource(queue="bench-queue", batch_size=10)),
            function("ddb", StreamSource(kind="dynamodb", table="bench-table", starting_position="LATEST")),
            function("kinesis", StreamSource(kind="kinesis", stream="bench-stream", starting_position="LATEST")),
        ),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=60, help="measured events per source")
    args = parser.parse_args()

    from localcloud.cloud import LocalCloud

    random.seed(7)
    with tempfile.TemporaryDirectory() as state_dir:
        journal_path = Path(state_dir) / "journal.jsonl"
        with LocalCloud([_stack(journal_path)], state_dir=state_dir) as cloud:
            s3, sqs, dynamodb, kinesis = (cloud.client(name) for name in ("s3", "sqs", "dynamodb", "kinesis"))
            queue = sqs.get_queue_url(QueueName="bench-queue")["QueueUrl"]
            raw_queue = sqs.get_queue_url(QueueName="bench-raw")["QueueUrl"]

            def senders(bucket: str, queue_url: str, table: str, stream: str) -> dict[str, Callable[[str], Any]]:
                return {
                    "s3_put": lambda key: s3.put_object(Bucket=bucket, Key=key, Body=b"x"),
                    "sqs_send": lambda body: sqs.send_message(QueueUrl=queue_url, MessageBody=body),
                    "dynamodb_write": lambda key: dynamodb.put_item(TableName=table, Item={"id": {"S": key}}),
                    "kinesis_put": lambda data: kinesis.put_record(
                        StreamName=stream, Data=data.encode(), PartitionKey="p"
                    ),
                }

            measured = senders("bench-deliveries", queue, "bench-table", "bench-stream")
            raw = senders("bench-raw", raw_queue, "bench-raw", "bench-raw")

            baseline_samples: dict[str, list[float]] = {}
            for name, send in raw.items():
                samples = []
                for n in range(args.events + WARM_UP):
                    started = time.perf_counter()
                    send(f"raw-{name}-{n}")
                    if n >= WARM_UP:
                        samples.append((time.perf_counter() - started) * 1000)
                baseline_samples[name] = samples

            journal = Journal(journal_path)
            latencies: dict[str, list[float]] = {}
            for name, send in measured.items():
                samples = []
                for n in range(args.events + WARM_UP):
                    identifier = f"{name}-{n}"
                    time.sleep(random.uniform(0.0, PAUSE_SECONDS))
                    sent = time.time()
                    send(identifier)
                    started = journal.wait_for(identifier)
                    if n >= WARM_UP:  # the first events also start the worker
                        samples.append((started - sent) * 1000)
                latencies[name] = samples

    figures: dict[str, dict[str, Any]] = {}
    baseline: dict[str, dict[str, Any]] = {}
    for name, samples in latencies.items():
        p50, p95 = percentile(samples, 0.5), percentile(samples, 0.95)
        call_p50 = percentile(baseline_samples[name], 0.5)
        figures[f"{name}_to_handler_p50"] = {"value": round(p50, 1), "unit": "ms"}
        figures[f"{name}_to_handler_p95"] = {"value": round(p95, 1), "unit": "ms"}
        figures[f"{name}_to_handler_p50_vs_call_p50"] = {"value": round(p50 / call_p50, 1), "unit": "ratio"}
        baseline[f"{name}_call_p50"] = {"value": round(call_p50, 2), "unit": "ms"}
        baseline[f"{name}_call_rate"] = {
            "value": round(1000 * len(baseline_samples[name]) / sum(baseline_samples[name]), 1),
            "unit": "requests/s",
        }

    report(
        "localcloud_delivery",
        f"localcloud delivery latency, {args.events} events per source, one at a time",
        figures,
        baseline,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
