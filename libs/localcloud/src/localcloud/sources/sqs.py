"""SQS queues as a Lambda event source: standard and FIFO.

Standard: one receiver long-polls the queue and gathers up to ``batch_size`` messages (waiting at most the
batching window) whenever one of the source's pollers is free (``maximum_concurrency``, 2 by default); the
poller invokes the function with the Lambda SQS event and deletes what succeeded. An error result
deletes nothing: the messages come back after the visibility timeout, and moto's redrive policy moves a
message to the DLQ once it has been received ``maxReceiveCount`` times.

FIFO: moto hands out no message of a group while another of that group is in flight, which gives one
batch in flight per group (moto's ReceiveMessage has no lock, so two receives at once could both take a
group: hence the one receiver). Two moto quirks are covered here:

* When several messages of one group become visible together, moto redelivers the last one first. So
  after a failure only the group's first unfinished message is left in flight (to come back after the
  visibility timeout); the group's later messages are made visible at once, where moto's group lock holds
  them back until the first is done. They are then received in order.
* moto forgets a deduplication id once its message is deleted; SQS keeps it for 5 minutes. A message whose
  deduplication id was already delivered and deleted within 5 minutes is deleted without an invocation.

Within a group, a record after a failed one is never deleted, even if the function did not report it: the
group's order holds however the handler answers. FIFO queues take no batching window (as on Lambda).
"""

from __future__ import annotations

import base64
import threading
import time
from typing import Any

from localcloud.sources._runtime import LONG_POLL_SECONDS, Dispatcher, Runtime, chunks, interpret, logger, resplit
from localcloud.stack import Function, SqsSource

DEFAULT_POLLERS = 2
MAX_POLLERS = 10
# moto's long poll spins (a busy loop in the server) while visible messages wait for their group, so a FIFO
# queue is long-polled only when it is empty, and otherwise polled again after this pause.
FIFO_IDLE_SECONDS = 0.1
DEDUPLICATION_WINDOW_MS = 300_000

_SYSTEM_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
)


class QueueSource:
    def __init__(self, runtime: Runtime, function: Function, source: SqsSource) -> None:
        self.runtime = runtime
        self.function = function
        self.source = source
        model = runtime.queue(source.queue)
        self.fifo = model.fifo if model is not None else source.queue.endswith(".fifo")
        self.url = runtime.queue_url(source.queue)
        self.arn = runtime.queue_arn(source.queue)
        self.pollers = min(source.maximum_concurrency or DEFAULT_POLLERS, MAX_POLLERS)
        self._dispatcher = Dispatcher(runtime, f"sqs-{source.queue}", self.pollers, self._receive_batch, self.process)
        self._delivered_lock = threading.Lock()
        self._delivered: dict[str, int] = {}  # FIFO deduplication id -> SentTimestamp of the delivered copy

    def start(self) -> None:
        self._dispatcher.start()

    def describe(self) -> str:
        extras = [f"batch {self.source.batch_size}", f"{self.pollers} pollers"]
        if self.source.maximum_batching_window_seconds and not self.fifo:
            extras.append(f"window {self.source.maximum_batching_window_seconds}s")
        if self.fifo:
            extras.append("FIFO, one batch in flight per group")
        if self.source.report_batch_item_failures:
            extras.append("ReportBatchItemFailures")
        return f"sqs {self.source.queue} -> {self.function.name} ({', '.join(extras)})"

    # --- one round: receive, invoke, settle ---------------------------------------------------------------

    def process(self, messages: list[dict[str, Any]]) -> None:
        if self.fifo:
            messages = self._without_redelivered_duplicates(messages)
            if not messages:
                return
        records = [self._record(message) for message in messages]
        result = self.runtime.invoke(self.function.name, {"Records": records})
        outcome = interpret(
            result, [message["MessageId"] for message in messages], self.source.report_batch_item_failures
        )
        done, release = self._settle(messages, outcome.failed)
        if self.runtime.context.chaos_duplicates and done:
            by_id = {record["messageId"]: record for record in records}
            for part in resplit(done):
                self.runtime.invoke(self.function.name, {"Records": [by_id[message["MessageId"]] for message in part]})
        self._delete(done)
        self._release(release)
        if not outcome.succeeded:
            logger.info(
                "%s failed %d of %d messages from %s",
                self.function.name,
                len(outcome.failed),
                len(messages),
                self.source.queue,
            )

    def _receive_batch(self) -> list[dict[str, Any]] | None:
        return self._gather() or None

    def _gather(self) -> list[dict[str, Any]]:
        wanted = self.source.batch_size
        if self.fifo:
            batch = self._receive(min(10, wanted), 0)
            if batch:
                return batch
            if self._messages_waiting():
                self.runtime.stopping.wait(FIFO_IDLE_SECONDS)  # every waiting group is in flight
                return []
            return self._receive(min(10, wanted), LONG_POLL_SECONDS)  # empty: wait for a send
        batch = self._receive(min(10, wanted), LONG_POLL_SECONDS)
        window = self.source.maximum_batching_window_seconds
        if not batch or (wanted <= 10 and not window):
            return batch
        deadline = time.monotonic() + window
        while len(batch) < wanted and not self.runtime.stopping.is_set():
            more = self._receive(min(10, wanted - len(batch)), 0)
            batch.extend(more)
            if not more:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.runtime.stopping.wait(min(0.1, remaining))
        return batch

    def _messages_waiting(self) -> bool:
        """Whether visible messages wait (on a FIFO queue: held back because their group is in flight)."""
        attributes = self.runtime.clients("sqs").get_queue_attributes(
            QueueUrl=self.url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return attributes.get("ApproximateNumberOfMessages", "0") != "0"

    def _receive(self, count: int, wait_seconds: int) -> list[dict[str, Any]]:
        response = self.runtime.clients("sqs").receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(response.get("Messages", []))

    def _settle(self, messages: list[dict[str, Any]], failed: frozenset[str]) -> tuple[list[dict], list[dict]]:
        """Split a batch into messages to delete and (FIFO) messages to make visible again at once."""
        if not failed:
            return messages, []
        if not self.fifo:
            return [message for message in messages if message["MessageId"] not in failed], []
        done: list[dict[str, Any]] = []
        release: list[dict[str, Any]] = []
        blocked_groups: set[str] = set()
        for message in messages:
            group = message.get("Attributes", {}).get("MessageGroupId", "")
            if group in blocked_groups:
                release.append(message)
            elif message["MessageId"] in failed:
                blocked_groups.add(group)  # stays in flight: it holds its group until the visibility timeout
            else:
                done.append(message)
        return done, release

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        if not messages:
            return
        if self.fifo:
            self._remember_delivered(messages)
        sqs = self.runtime.clients("sqs")
        for part in chunks(messages, 10):
            response = sqs.delete_message_batch(
                QueueUrl=self.url,
                Entries=[{"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]} for index, m in enumerate(part)],
            )
            for failure in response.get("Failed", []):
                logger.warning("could not delete a message from %s: %s", self.source.queue, failure)

    def _release(self, messages: list[dict[str, Any]]) -> None:
        sqs = self.runtime.clients("sqs")
        for part in chunks(messages, 10):
            sqs.change_message_visibility_batch(
                QueueUrl=self.url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                    for index, m in enumerate(part)
                ],
            )

    # --- FIFO deduplication after delete ------------------------------------------------------------------

    def _remember_delivered(self, messages: list[dict[str, Any]]) -> None:
        now_ms = int(time.time() * 1000)
        with self._delivered_lock:
            for message in messages:
                attributes = message.get("Attributes", {})
                if "MessageDeduplicationId" in attributes:
                    self._delivered.setdefault(attributes["MessageDeduplicationId"], int(attributes["SentTimestamp"]))
            for key in [key for key, sent in self._delivered.items() if now_ms - sent > DEDUPLICATION_WINDOW_MS]:
                del self._delivered[key]

    def _without_redelivered_duplicates(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        fresh: list[dict[str, Any]] = []
        duplicates: list[dict[str, Any]] = []
        with self._delivered_lock:
            for message in messages:
                attributes = message.get("Attributes", {})
                first_sent = self._delivered.get(attributes.get("MessageDeduplicationId", ""))
                if first_sent is not None and int(attributes["SentTimestamp"]) - first_sent < DEDUPLICATION_WINDOW_MS:
                    duplicates.append(message)
                else:
                    fresh.append(message)
        if duplicates:
            logger.info(
                "dropped %d FIFO duplicates from %s (SQS would not have queued them)",
                len(duplicates),
                self.source.queue,
            )
            self._delete(duplicates)
        return fresh

    # --- the Lambda SQS event record ----------------------------------------------------------------------

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        attributes = message.get("Attributes", {})
        record: dict[str, Any] = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message.get("Body", ""),
            "attributes": {name: attributes[name] for name in _SYSTEM_ATTRIBUTES if name in attributes},
            "messageAttributes": {
                name: _message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message.get("MD5OfBody"),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.arn,
            "awsRegion": self.runtime.context.region,
        }
        if "MD5OfMessageAttributes" in message:
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        return record


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
    if "StringValue" in value:
        converted["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        converted["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return converted
