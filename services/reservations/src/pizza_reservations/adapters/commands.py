"""The commands queue: checkout (``confirm``) and ``adjust`` commands, JSON with the API's camelCase names."""

from __future__ import annotations

from typing import Any

from pizza_reservations.domain.model import AdjustItem, ConfirmReservation

__all__ = ["SqsCommands"]


class SqsCommands:
    """The :class:`~pizza_reservations.ports.Commands` port."""

    def __init__(self, queue_url: str, client: Any) -> None:
        self.queue_url = queue_url
        self.client = client

    def send(self, command: ConfirmReservation | AdjustItem) -> None:
        self.client.send_message(QueueUrl=self.queue_url, MessageBody=command.model_dump_json(by_alias=True))
