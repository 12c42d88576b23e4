"""Asynchronous delivery through an internal queue, as Lambda's asynchronous invocation works.

S3 notifications and EventBridge rules with function or state machine targets land in an internal SQS
queue (moto fills it: it matches the events, applies filters and input transformers). This module reads
such a queue and delivers each event: an error is retried twice, after a delay, then the event is logged
and dropped (Lambda's defaults: 2 retries; AWS waits 1 then 2 minutes, here 1 then 2 seconds). The queue
holds the retry state, so nothing is lost while an event waits for its retry. One receiver feeds two
workers (see :class:`~localcloud.sources._runtime.Dispatcher`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from localcloud.sources._runtime import LONG_POLL_SECONDS, Dispatcher, Runtime, logger

RETRIES = 2
RETRY_DELAYS_SECONDS = (1, 2)
POLLERS = 2

# One message body -> the events to deliver (none for messages that are not events, e.g. S3's TestEvent).
Unpack = Callable[[str], list[Any]]
# One event -> delivered or not.
Deliver = Callable[[Any], bool]


def internal_queue_name(kind: str, *parts: str) -> str:
    """A readable, unique, valid SQS name (80 characters at most) for one of localcloud's own queues."""
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()[:8]
    readable = re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(parts))[: 80 - len(kind) - len(digest) - 13]
    return f"localcloud-{kind}-{readable}-{digest}"


def create_internal_queue(runtime: Runtime, name: str, visibility_timeout: int) -> tuple[str, str]:
    """Create (or reuse) an internal queue; its visibility timeout outlasts one delivery. Returns (url, arn)."""
    url = runtime.clients("sqs").create_queue(QueueName=name, Attributes={"VisibilityTimeout": str(visibility_timeout)})
    return str(url["QueueUrl"]), runtime.queue_arn(name)


class AsyncQueue:
    def __init__(self, runtime: Runtime, label: str, queue_url: str, unpack: Unpack, deliver: Deliver) -> None:
        self.runtime = runtime
        self.label = label
        self.queue_url = queue_url
        self.unpack = unpack
        self.deliver = deliver

    def start(self) -> None:
        Dispatcher(self.runtime, f"async-{self.label}", POLLERS, self._receive, self._handle).start()

    def _receive(self) -> dict[str, Any] | None:
        response = self.runtime.clients("sqs").receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=LONG_POLL_SECONDS, AttributeNames=["All"]
        )
        messages = response.get("Messages", [])
        return dict(messages[0]) if messages else None

    def _handle(self, message: dict[str, Any]) -> None:
        sqs = self.runtime.clients("sqs")
        attempt = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        try:
            events = self.unpack(message["Body"])
        except (ValueError, KeyError, TypeError) as error:
            logger.warning(
                "%s: dropped a message that is not an event (%s): %.200s", self.label, error, message["Body"]
            )
            events = []
        delivered = all([self.deliver(event) for event in events])
        if delivered and self.runtime.context.chaos_duplicates:
            for event in events:
                self.deliver(event)
        if delivered or attempt > RETRIES:
            if not delivered:
                logger.error("%s: dropped an event after %d attempts: %.500s", self.label, attempt, message["Body"])
            sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            return
        delay = RETRY_DELAYS_SECONDS[min(attempt, len(RETRY_DELAYS_SECONDS)) - 1]
        logger.info("%s: attempt %d failed; retrying in %ss", self.label, attempt, delay)
        sqs.change_message_visibility(
            QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=delay
        )


def json_event(body: str) -> list[Any]:
    return [json.loads(body)]
