"""DynamoDB streams and Kinesis streams as Lambda event sources: per shard, in order.

One reader per shard reads records with GetShardIterator/GetRecords over HTTP (never through an event
source mapping in moto: those wipe stream records for other readers), 4 times a second, or once a second
after a minute without records. It keeps the records that pass the
filter criteria (the others count as processed), gathers up to ``batch_size`` of them (waiting at most the
batching window) and invokes the function, one batch at a time, so a shard's records arrive in order.

A failed batch is retried as Lambda retries it:

* an error result retries the whole batch; with ``bisect_batch_on_function_error`` the batch is split in
  two halves first (down to single records), and splits do not count as retries;
* with ReportBatchItemFailures, the lowest failed sequence number is the checkpoint: the records before it
  are done and the batch is retried from it;
* after ``maximum_retry_attempts`` retries (-1: forever) the batch is skipped and a record of it (the shape
  Lambda sends: requestContext, responseContext, version, timestamp, DDBStreamBatchInfo/KinesisBatchInfo)
  goes to the on-failure queue, if there is one.

New Kinesis shards (after a reshard) are found every few seconds and read from TRIM_HORIZON.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from time import monotonic as _now
from typing import Any

from localcloud.sources._runtime import (
    QUIET_AFTER_SECONDS,
    QUIET_SHARD_POLL_SECONDS,
    SHARD_POLL_SECONDS,
    ApiError,
    Runtime,
    interpret,
    logger,
    resplit,
)
from localcloud.sources.filters import kinesis_filter_view, matches_any
from localcloud.stack import Function, StreamSource

SHARD_DISCOVERY_SECONDS = 5
RETRY_BACKOFF_SECONDS = (0.1, 0.2, 0.5, 1.0)
MAX_GET_RECORDS = {"dynamodb": 1000, "kinesis": 10000}


@dataclass(frozen=True)
class StreamRecord:
    event: dict[str, Any]  # the record as the function receives it
    sequence: str
    arrival: float  # epoch seconds


class StreamSourceRunner:
    def __init__(self, runtime: Runtime, function: Function, source: StreamSource) -> None:
        self.runtime = runtime
        self.function = function
        self.source = source
        self.kind = source.kind
        if source.kind == "dynamodb":
            self.name = str(source.table)
            table = runtime.clients("dynamodb").describe_table(TableName=self.name)["Table"]
            if "LatestStreamArn" not in table:
                raise ValueError(
                    f"table {self.name!r} has no stream: give it a stream_view to read it from {function.name}"
                )
            self.stream_arn = str(table["LatestStreamArn"])
        else:
            self.name = str(source.stream)
            summary = runtime.api.call("kinesis", "DescribeStreamSummary", {"StreamName": self.name})
            self.stream_arn = str(summary["StreamDescriptionSummary"]["StreamARN"])
        self.readers: dict[str, ShardReader] = {}
        self.destination_url = (
            runtime.queue_url(source.destination.on_failure_queue) if source.destination.on_failure_queue else None
        )

    def start(self) -> None:
        # Shards and their first iterators are taken now, so LATEST means "from the moment start() returned".
        self._discover(self.source.starting_position)
        if self.kind == "kinesis":
            self.runtime.spawn(f"kinesis-{self.name}-shards", self._discover_later)

    def describe(self) -> str:
        extras = [
            f"batch {self.source.batch_size}",
            self.source.starting_position,
            f"{len(self.readers)} shard(s)",
            f"{self.source.maximum_retry_attempts} retries",
        ]
        if self.source.maximum_batching_window_seconds:
            extras.append(f"window {self.source.maximum_batching_window_seconds}s")
        if self.source.filter_patterns:
            extras.append(f"{len(self.source.filter_patterns)} filter(s)")
        if self.source.report_batch_item_failures:
            extras.append("ReportBatchItemFailures")
        if self.source.bisect_batch_on_function_error:
            extras.append("bisect")
        if self.source.destination.on_failure_queue:
            extras.append(f"on failure -> {self.source.destination.on_failure_queue}")
        return f"{self.kind} {self.name} -> {self.function.name} ({', '.join(extras)})"

    def _discover_later(self) -> None:
        if not self.runtime.stopping.wait(SHARD_DISCOVERY_SECONDS):
            self._discover("TRIM_HORIZON")

    def _discover(self, position: str) -> None:
        for shard_id in self._shard_ids():
            if shard_id in self.readers:
                continue
            reader = ShardReader(self, shard_id, self._iterator(shard_id, position))
            self.readers[shard_id] = reader
            self.runtime.spawn(f"{self.kind}-{self.name}-{shard_id}", reader.poll_once)

    def _shard_ids(self) -> list[str]:
        if self.kind == "dynamodb":
            stream = self.runtime.api.call("dynamodb", "DescribeStream", {"StreamArn": self.stream_arn})
            return [shard["ShardId"] for shard in stream["StreamDescription"]["Shards"]]
        shards = self.runtime.api.call("kinesis", "ListShards", {"StreamName": self.name})
        return [shard["ShardId"] for shard in shards["Shards"]]

    def _iterator(self, shard_id: str, position: str, at_sequence: str | None = None) -> str:
        body: dict[str, Any] = {"ShardId": shard_id, "ShardIteratorType": position}
        if at_sequence is not None:
            body["StartingSequenceNumber"] = at_sequence
        if self.kind == "dynamodb":
            body["StreamArn"] = self.stream_arn
        else:
            body["StreamName"] = self.name
        return str(self.runtime.api.call(self.kind, "GetShardIterator", body)["ShardIterator"])

    # --- records as Lambda delivers them ------------------------------------------------------------------

    def record(self, shard_id: str, raw: dict[str, Any]) -> tuple[StreamRecord, dict[str, Any]]:
        """The Lambda record for a raw GetRecords record, and the view the filter criteria match."""
        region = self.runtime.context.region
        if self.kind == "dynamodb":
            event = dict(raw)
            event["awsRegion"] = region
            event["eventSourceARN"] = self.stream_arn
            identity = raw.get("userIdentity")
            if identity:  # the API spells it PrincipalId/Type; Lambda's event principalId/type
                event["userIdentity"] = {
                    "type": identity.get("type", identity.get("Type")),
                    "principalId": identity.get("principalId", identity.get("PrincipalId")),
                }
            dynamodb = event["dynamodb"]
            return StreamRecord(
                event, dynamodb["SequenceNumber"], float(dynamodb["ApproximateCreationDateTime"])
            ), event
        sequence = raw["SequenceNumber"]
        event = {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": raw["PartitionKey"],
                "sequenceNumber": sequence,
                "data": raw["Data"],
                "approximateArrivalTimestamp": raw["ApproximateArrivalTimestamp"],
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"{shard_id}:{sequence}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": f"arn:aws:iam::{self.runtime.context.account}:role/{self.function.name}",
            "awsRegion": region,
            "eventSourceARN": self.stream_arn,
        }
        view = kinesis_filter_view(event, base64.b64decode(raw["Data"]))
        return StreamRecord(event, sequence, float(raw["ApproximateArrivalTimestamp"])), view

    def send_to_destination(
        self, shard_id: str, records: list[StreamRecord], attempts: int, function_error: str | None
    ) -> None:
        batch_info = {
            "shardId": shard_id,
            "startSequenceNumber": records[0].sequence,
            "endSequenceNumber": records[-1].sequence,
            "approximateArrivalOfFirstRecord": _iso(records[0].arrival),
            "approximateArrivalOfLastRecord": _iso(records[-1].arrival),
            "batchSize": len(records),
            "streamArn": self.stream_arn,
        }
        response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
        if function_error:
            response_context["functionError"] = function_error
        failure = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.runtime.function_arn(self.function.name),
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": attempts,
            },
            "responseContext": response_context,
            "version": "1.0",
            "timestamp": _iso(datetime.now(UTC).timestamp()),
            ("DDBStreamBatchInfo" if self.kind == "dynamodb" else "KinesisBatchInfo"): batch_info,
        }
        if self.destination_url is None:
            logger.error(
                "%s: skipped %d records of %s after %d attempts (no on-failure destination): %s",
                self.function.name,
                len(records),
                self.name,
                attempts,
                json.dumps(batch_info),
            )
            return
        self.runtime.clients("sqs").send_message(QueueUrl=self.destination_url, MessageBody=json.dumps(failure))
        logger.warning(
            "%s: sent %d records of %s to %s after %d attempts",
            self.function.name,
            len(records),
            self.name,
            self.source.destination.on_failure_queue,
            attempts,
        )


class ShardReader:
    def __init__(self, runner: StreamSourceRunner, shard_id: str, iterator: str) -> None:
        self.runner = runner
        self.runtime = runner.runtime
        self.source = runner.source
        self.shard_id = shard_id
        self.iterator: str | None = iterator
        self.buffer: list[StreamRecord] = []
        self.first_buffered_at = 0.0
        self.last_record_at = _now()
        self.last_sequence: str | None = None

    def poll_once(self) -> None:
        fetched = self._fill()
        if fetched:
            self.last_record_at = _now()
        if not self.buffer:
            # A closed, drained shard has nothing more to give; an open one is read again shortly.
            quiet = not self.iterator or _now() - self.last_record_at > QUIET_AFTER_SECONDS
            self.runtime.stopping.wait(QUIET_SHARD_POLL_SECONDS if quiet else SHARD_POLL_SECONDS)
            return
        window = self.source.maximum_batching_window_seconds
        waited = _now() - self.first_buffered_at
        if len(self.buffer) < self.source.batch_size and waited < window and self.iterator:
            if not fetched:
                self.runtime.stopping.wait(min(SHARD_POLL_SECONDS, window - waited))
            return
        # Records left in the buffer keep their first_buffered_at: their window has already run.
        batch, self.buffer = self.buffer[: self.source.batch_size], self.buffer[self.source.batch_size :]
        self._deliver(batch)

    def _fill(self) -> int:
        """Read more records into the buffer; returns how many were read (filtered ones included)."""
        if self.iterator is None or len(self.buffer) >= self.source.batch_size:
            return 0
        limit = min(max(self.source.batch_size, 100), MAX_GET_RECORDS[self.runner.kind])
        try:
            answer = self.runtime.api.call(
                self.runner.kind, "GetRecords", {"ShardIterator": self.iterator, "Limit": limit}
            )
        except ApiError as error:
            # DynamoDB Local also answers TrimmedDataAccessException for an iterator it no longer serves: as on
            # AWS for an expired one, take a new iterator after the last record read.
            if error.code not in ("ExpiredIteratorException", "TrimmedDataAccessException"):
                raise
            position = "AFTER_SEQUENCE_NUMBER" if self.last_sequence else "TRIM_HORIZON"
            try:
                self.iterator = self.runner._iterator(self.shard_id, position, self.last_sequence)
            except ApiError as again:
                if again.code != "TrimmedDataAccessException":
                    raise
                self.iterator = self.runner._iterator(self.shard_id, "TRIM_HORIZON")
            return 0
        self.iterator = answer.get("NextShardIterator")
        raw_records = answer.get("Records", [])
        for raw in raw_records:
            record, view = self.runner.record(self.shard_id, raw)
            self.last_sequence = record.sequence
            if matches_any(self.source.filter_patterns, view):
                if not self.buffer:
                    self.first_buffered_at = _now()
                self.buffer.append(record)
        return len(raw_records)

    def _deliver(self, records: list[StreamRecord]) -> None:
        """Deliver one batch until it is done or skipped: retries, checkpoints, bisection, on-failure."""
        attempts = 0  # failed invocations of the batch's current first record
        while records and not self.runtime.stopping.is_set():
            result = self.runtime.invoke(self.runner.function.name, {"Records": [record.event for record in records]})
            outcome = interpret(result, [record.sequence for record in records], self.source.report_batch_item_failures)
            if outcome.succeeded:
                self._chaos(records)
                return
            if outcome.kind == "error":
                if self.source.bisect_batch_on_function_error and len(records) > 1:
                    middle = (len(records) + 1) // 2
                    self._deliver(records[:middle])
                    self._deliver(records[middle:])
                    return
                attempts += 1
            else:
                checkpoint = next(index for index, record in enumerate(records) if record.sequence in outcome.failed)
                self._chaos(records[:checkpoint])
                records = records[checkpoint:]
                attempts = attempts + 1 if checkpoint == 0 else 1
            if 0 <= self.source.maximum_retry_attempts < attempts:
                self.runner.send_to_destination(self.shard_id, records, attempts, outcome.function_error)
                return
            self.runtime.stopping.wait(RETRY_BACKOFF_SECONDS[min(attempts, len(RETRY_BACKOFF_SECONDS)) - 1])

    def _chaos(self, done: list[StreamRecord]) -> None:
        """Under chaos, the records just processed are delivered again, split differently, before moving on."""
        if not self.runtime.context.chaos_duplicates or not done:
            return
        for part in resplit(done):
            self.runtime.invoke(self.runner.function.name, {"Records": [record.event for record in part]})


def _iso(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
