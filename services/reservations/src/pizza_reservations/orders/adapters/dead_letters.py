"""A malformed event goes to its queue's DLQ at once, with the reason as a message attribute (never retried:
retrying cannot mend it, and one bad record must not hold the good ones)."""

from __future__ import annotations

from typing import Any

__all__ = ["SqsDeadLetters"]


class SqsDeadLetters:
    def __init__(self, queue_url: str, client: Any) -> None:
        self.queue_url = queue_url
        self.client = client

    def send(self, body: str, reason: str) -> None:
        self.client.send_message(
            QueueUrl=self.queue_url,
            MessageBody=body,
            MessageAttributes={"reason": {"DataType": "String", "StringValue": reason[:1000] or "unknown"}},
        )
