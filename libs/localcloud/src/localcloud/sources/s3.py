"""S3 bucket notifications to functions.

moto never runs a function for a notification (it needs Docker), but it does deliver notifications to SQS
with the event shape S3 gives Lambda, applying the events and prefix/suffix filters. So each notification
of a bucket is configured as a queue notification to an internal queue, and the function is invoked
asynchronously from there, one record per invocation as S3 does. moto's records lack a few fields S3
sends (userIdentity, requestParameters, responseElements, the bucket's ownerIdentity, the object's
sequencer); they are filled in with local values. Keys are URL-encoded as S3 sends them ("/" kept).
"""

from __future__ import annotations

import functools
import itertools
import json
import threading
import uuid
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from localcloud.sources._async import RETRIES, AsyncQueue, create_internal_queue, internal_queue_name
from localcloud.sources._runtime import Runtime
from localcloud.stack import Bucket, BucketNotification

LOCAL_PRINCIPAL = "AWS:LOCALCLOUD"


class BucketNotifications:
    def __init__(self, runtime: Runtime, bucket: Bucket) -> None:
        self.runtime = runtime
        self.bucket = bucket
        self._sequencer = itertools.count(1)
        self._sequencer_lock = threading.Lock()
        self.queues: list[AsyncQueue] = []
        configurations = []
        for index, notification in enumerate(bucket.notifications):
            function = runtime.function(notification.function)
            name = internal_queue_name("s3", bucket.name, str(index), notification.function)
            url, arn = create_internal_queue(runtime, name, visibility_timeout=function.timeout + 10)
            configurations.append(
                _queue_configuration(f"localcloud-{index}-{notification.function}"[:255], arn, notification)
            )
            self.queues.append(
                AsyncQueue(
                    runtime,
                    f"s3-{bucket.name}-{notification.function}",
                    url,
                    unpack=self._records,
                    deliver=functools.partial(_invoke, runtime, notification.function),
                )
            )
        if configurations:
            runtime.clients("s3").put_bucket_notification_configuration(
                Bucket=bucket.name, NotificationConfiguration={"QueueConfigurations": configurations}
            )

    def start(self) -> None:
        for queue in self.queues:
            queue.start()

    def describe(self) -> list[str]:
        lines = []
        for notification in self.bucket.notifications:
            filters = [
                f"{name} {value!r}"
                for name, value in (("prefix", notification.prefix), ("suffix", notification.suffix))
                if value
            ]
            lines.append(
                f"s3 {self.bucket.name} {','.join(notification.events)}{''.join(' ' + f for f in filters)}"
                f" -> {notification.function} (async, {RETRIES} retries)"
            )
        return lines

    def _records(self, body: str) -> list[Any]:
        message = json.loads(body)
        if message.get("Event") == "s3:TestEvent":  # S3 sends it to the queue when configured; Lambda never sees it
            return []
        return [{"Records": [self._complete(record)]} for record in message["Records"]]

    def _complete(self, record: dict[str, Any]) -> dict[str, Any]:
        with self._sequencer_lock:
            sequencer = f"{next(self._sequencer):016X}"
        record.setdefault("userIdentity", {"principalId": LOCAL_PRINCIPAL})
        record.setdefault("requestParameters", {"sourceIPAddress": "127.0.0.1"})
        record.setdefault(
            "responseElements",
            {"x-amz-request-id": uuid.uuid4().hex[:16].upper(), "x-amz-id-2": uuid.uuid4().hex},
        )
        record["s3"]["bucket"].setdefault("ownerIdentity", {"principalId": LOCAL_PRINCIPAL})
        record["s3"]["object"].setdefault("sequencer", sequencer)
        # moto encodes "/" too; S3 keeps it: "incoming/day+1.csv".
        record["s3"]["object"]["key"] = quote_plus(unquote_plus(record["s3"]["object"]["key"]), safe="/")
        return record


def _invoke(runtime: Runtime, function: str, event: Any) -> bool:
    return runtime.invoke(function, event).ok


def _queue_configuration(identifier: str, queue_arn: str, notification: BucketNotification) -> dict[str, Any]:
    configuration: dict[str, Any] = {"Id": identifier, "QueueArn": queue_arn, "Events": list(notification.events)}
    rules = [
        {"Name": name, "Value": value}
        for name, value in (("prefix", notification.prefix), ("suffix", notification.suffix))
        if value
    ]
    if rules:
        configuration["Filter"] = {"Key": {"FilterRules": rules}}
    return configuration
