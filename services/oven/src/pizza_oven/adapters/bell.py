"""The :class:`~pizza_oven.ports.Bell` port: the wake-ups FIFO queue."""

from __future__ import annotations

from typing import Any

from pizza_oven.domain.events import WakeUp

__all__ = ["WAKE_GROUP", "SqsBell"]

WAKE_GROUP = "baker"


class SqsBell:
    """The :class:`~pizza_oven.ports.Bell` port: a message on the wake-ups FIFO queue.

    The baker consumes it with one batch in flight (one message group), so bakers never run side by side,
    and a ring while the baker works brings it back once more after: no wake-up is lost.
    """

    def __init__(self, queue_url: str, client: Any) -> None:
        self.queue_url = queue_url
        self.client = client

    def ring(self, reason: str) -> None:
        self.client.send_message(
            QueueUrl=self.queue_url,
            MessageBody=WakeUp(reason=reason[:128]).model_dump_json(),
            MessageGroupId=WAKE_GROUP,
            MessageDeduplicationId=reason[:128],
        )
