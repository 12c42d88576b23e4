"""The :class:`~pizza_oven.ports.Rejects` port: the NewItems dead-letter queue, each message with its reason."""

from __future__ import annotations

from typing import Any

__all__ = ["SqsRejects"]


class SqsRejects:
    """Sends a message that can never be baked to the NewItems dead-letter queue, with the reason."""

    def __init__(self, queue_url: str, client: Any) -> None:
        self.queue_url = queue_url
        self.client = client

    def reject(self, body: str, reason: str, message_id: str) -> None:
        self.client.send_message(
            QueueUrl=self.queue_url,
            MessageBody=body or "(empty)",
            MessageAttributes={
                "RejectedReason": {"DataType": "String", "StringValue": reason[:1024]},
                "OriginalMessageId": {"DataType": "String", "StringValue": message_id},
            },
        )
