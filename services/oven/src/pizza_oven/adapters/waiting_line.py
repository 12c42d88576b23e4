"""The oven's SQS queues: the waiting line, the BakedItems shelf, the baker's bell and the rejects (DLQ)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pizza_oven.domain.model import InvalidPizza, Pizza, parse_order
from pizza_oven.domain.ports import LineEntry

__all__ = ["LINE_GROUP", "WAKE_GROUP", "SqsBell", "SqsLineHead", "SqsRejects", "SqsShelf", "SqsWaitingLine"]

# One message group: the whole line is one order, and SQS hands out its head to one taker at a time.
LINE_GROUP = "line"
WAKE_GROUP = "baker"


def _body(pizza: Pizza, **extra: Any) -> str:
    return json.dumps({**pizza.to_message(), **extra}, sort_keys=True)


class SqsWaitingLine:
    """The :class:`~pizza_oven.domain.ports.WaitingLine` port: the back of the Waiting FIFO queue.

    ``MessageDeduplicationId`` is the pizza id, so a pizza joins the line once however often it is sent
    (within SQS's 5-minute window; later repeats are recognised by the oven table and dropped).
    """

    def __init__(self, queue_url: str, client: Any) -> None:
        self.queue_url = queue_url
        self.client = client

    def join(self, pizza: Pizza) -> None:
        self.client.send_message(
            QueueUrl=self.queue_url,
            MessageBody=_body(pizza),
            MessageGroupId=LINE_GROUP,
            MessageDeduplicationId=pizza.id,
        )


class SqsLineHead:
    """The :class:`~pizza_oven.domain.ports.LineHead` port: the head of the Waiting FIFO queue.

    One message group: SQS hands out none of the line while any of it is held, so takers never overlap.
    """

    def __init__(self, queue_url: str, client: Any, receive_wait_seconds: int = 1) -> None:
        self.queue_url = queue_url
        self.client = client
        # A long poll asks every SQS server; a short one may miss the head of a small queue.
        self.receive_wait_seconds = receive_wait_seconds

    def take(self, most: int, *, patient: bool = True) -> list[LineEntry]:
        response = self.client.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(10, most)),
            WaitTimeSeconds=self.receive_wait_seconds if patient else 0,
            MessageSystemAttributeNames=["SequenceNumber"],
        )
        entries = []
        for message in response.get("Messages", []):
            try:
                # Only the bake function writes here, after validating; the default is never used.
                pizza = parse_order(message["Body"], default_baking_time_secs=1)
            except InvalidPizza:
                self.client.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
                continue
            sequence = message.get("Attributes", {}).get("SequenceNumber", "")
            entries.append(LineEntry(pizza=pizza, sequence=sequence, receipt=message["ReceiptHandle"]))
        return entries

    def done(self, entries: list[LineEntry]) -> None:
        for start in range(0, len(entries), 10):
            self.client.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": entry.receipt}
                    for index, entry in enumerate(entries[start : start + 10])
                ],
            )

    def put_back(self, entries: list[LineEntry]) -> None:
        if not entries:
            return
        self.client.change_message_visibility_batch(
            QueueUrl=self.queue_url,
            Entries=[
                {"Id": str(index), "ReceiptHandle": entry.receipt, "VisibilityTimeout": 0}
                for index, entry in enumerate(entries)
            ],
        )


class SqsShelf:
    """The :class:`~pizza_oven.domain.ports.Shelf` port: the BakedItems FIFO queue, deduplicated by pizza id."""

    def __init__(self, queue_url: str, client: Any) -> None:
        self.queue_url = queue_url
        self.client = client

    def put(self, pizza: Pizza, baked_at: datetime) -> None:
        self.client.send_message(
            QueueUrl=self.queue_url,
            MessageBody=_body(pizza, bakedAt=baked_at.astimezone(UTC).isoformat()),
            # Each pizza is its own group: baked pizzas have no order among them worth holding others for.
            MessageGroupId=pizza.id,
            MessageDeduplicationId=pizza.id,
        )


class SqsBell:
    """The :class:`~pizza_oven.domain.ports.Bell` port: a message on the wake-ups FIFO queue.

    The baker consumes it with one batch in flight (one message group), so bakers never run side by side,
    and a ring while the baker works brings it back once more after: no wake-up is lost.
    """

    def __init__(self, queue_url: str, client: Any) -> None:
        self.queue_url = queue_url
        self.client = client

    def ring(self, reason: str) -> None:
        self.client.send_message(
            QueueUrl=self.queue_url,
            MessageBody=json.dumps({"reason": reason}),
            MessageGroupId=WAKE_GROUP,
            MessageDeduplicationId=reason[:128],
        )


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
