"""The :class:`~pizza_oven.ports.Shelf` port: the BakedItems FIFO queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pizza_oven.domain.events import PizzaBaked
from pizza_oven.domain.model import Pizza

__all__ = ["SqsShelf"]


class SqsShelf:
    """The :class:`~pizza_oven.ports.Shelf` port: the BakedItems FIFO queue, deduplicated by pizza id."""

    def __init__(self, queue_url: str, client: Any) -> None:
        self.queue_url = queue_url
        self.client = client

    def put(self, pizza: Pizza, baked_at: datetime) -> None:
        self.client.send_message(
            QueueUrl=self.queue_url,
            MessageBody=PizzaBaked.of(pizza, baked_at).to_json(),
            # Each pizza is its own group: baked pizzas have no order among them worth holding others for.
            MessageGroupId=pizza.id,
            MessageDeduplicationId=pizza.id,
        )
