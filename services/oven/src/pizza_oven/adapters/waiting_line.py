"""The :class:`~pizza_oven.ports.WaitingLine` and :class:`~pizza_oven.ports.LineHead` ports: the Waiting FIFO queue."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from pizza_oven.adapters.sqs_batch import apply_to_every_entry
from pizza_oven.domain.commands import InvalidPizza, parse_order
from pizza_oven.domain.model import Pizza
from pizza_oven.ports import LineEntry

__all__ = ["LINE_GROUP", "SqsLineHead", "SqsWaitingLine", "message_body"]

# One message group: the whole line is one order, and SQS hands out its head to one taker at a time.
LINE_GROUP = "line"


def message_body(pizza: Pizza) -> str:
    """A pizza as a line entry (the NewItems shape), keys sorted so equal pizzas give equal bodies."""
    return json.dumps(pizza.to_message(), sort_keys=True)


class SqsWaitingLine:
    """The :class:`~pizza_oven.ports.WaitingLine` port: the back of the Waiting FIFO queue.

    ``MessageDeduplicationId`` is the pizza id, so a pizza joins the line once however often it is sent
    (within SQS's 5-minute window; later repeats are recognised by the oven table and dropped).
    """

    def __init__(self, queue_url: str, client: Any) -> None:
        self.queue_url = queue_url
        self.client = client

    def join(self, pizza: Pizza) -> None:
        self._send(pizza, pizza.id)

    def join_together(self, pizzas: Sequence[Pizza]) -> None:
        for start in range(0, len(pizzas), 10):  # SQS's most per batch; a FIFO batch keeps its order
            part = pizzas[start : start + 10]
            answer = self.client.send_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {
                        "Id": str(index),
                        "MessageBody": message_body(pizza),
                        "MessageGroupId": LINE_GROUP,
                        "MessageDeduplicationId": pizza.id,
                    }
                    for index, pizza in enumerate(part)
                ],
            )
            if answer.get("Failed"):
                # Those sent stay (a retry's copies are deduplicated); the rest must not join ahead of them.
                failed = [part[int(entry["Id"])].id for entry in answer["Failed"]]
                raise RuntimeError(f"the waiting line refused {failed}: {answer['Failed'][0].get('Message', '')}")

    def rejoin(self, pizza: Pizza) -> None:
        # A stale second entry is harmless: whoever takes it finds the pizza no longer waiting and drops it.
        self._send(pizza, f"{pizza.id}.{uuid.uuid4().hex}")

    def _send(self, pizza: Pizza, deduplication_id: str) -> None:
        self.client.send_message(
            QueueUrl=self.queue_url,
            MessageBody=message_body(pizza),
            MessageGroupId=LINE_GROUP,
            MessageDeduplicationId=deduplication_id,
        )


class SqsLineHead:
    """The :class:`~pizza_oven.ports.LineHead` port: the head of the Waiting FIFO queue.

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
            MessageSystemAttributeNames=["SequenceNumber", "SentTimestamp"],
        )
        entries = []
        for message in response.get("Messages", []):
            try:
                # Only the bake function writes here, after validating; the default is never used.
                pizza = parse_order(message["Body"], default_baking_time_secs=1)
            except InvalidPizza:
                self.client.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
                continue
            attributes = message.get("Attributes", {})
            # When it joined (ms, SQS's clock), then SQS's own order: sortable, and readable in the oven table.
            sequence = f"{int(attributes.get('SentTimestamp', 0)):013d}-{attributes.get('SequenceNumber', '')}"
            entries.append(LineEntry(pizza=pizza, sequence=sequence, receipt=message["ReceiptHandle"]))
        return entries

    def done(self, entries: list[LineEntry]) -> None:
        # An entry failed and left in flight would come back later (dropped then) but hold up the line until then.
        apply_to_every_entry(
            "delete line entries",
            lambda batch: self.client.delete_message_batch(QueueUrl=self.queue_url, Entries=batch),
            [{"ReceiptHandle": entry.receipt} for entry in entries],
            [entry.pizza.id for entry in entries],
        )

    def put_back(self, entries: list[LineEntry]) -> None:
        # An entry failed and left in flight would hold the line's one message group for the visibility timeout.
        apply_to_every_entry(
            "put line entries back",
            lambda batch: self.client.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=batch),
            [{"ReceiptHandle": entry.receipt, "VisibilityTimeout": 0} for entry in entries],
            [entry.pizza.id for entry in entries],
        )
