"""The :class:`~pizza_oven.ports.Snooze` port: the wake-ups a failed baker received come back after a backoff."""

from __future__ import annotations

from typing import Any

from pizza_oven.adapters.sqs_batch import apply_to_every_entry

__all__ = ["SqsSnooze"]


class SqsSnooze:
    """Changes the visibility of received wake-ups, so they return in seconds, not the visibility timeout."""

    def __init__(self, queue_url: str, client: Any) -> None:
        self.queue_url = queue_url
        self.client = client

    def snooze(self, receipts: list[str], seconds: int) -> None:
        apply_to_every_entry(
            "snooze wake-ups",
            lambda batch: self.client.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=batch),
            [{"ReceiptHandle": receipt, "VisibilityTimeout": seconds} for receipt in receipts],
            [f"wake-up {number} of {len(receipts)}" for number in range(1, len(receipts) + 1)],
        )
