"""The snapshots table: ``pk`` = item id; ``version`` and ``state`` (the fold up to that version, as JSON).

Written only by the change stream's snapshot consumer, never backwards (``version < :new``)."""

from __future__ import annotations

from typing import Any

from pizza_common.dynamodb import ConditionFailed, Put, get, write
from pizza_reservations.domain.model import ItemState

__all__ = ["DynamoDbSnapshots"]


class DynamoDbSnapshots:
    """The :class:`~pizza_reservations.ports.Snapshots` port."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def get(self, item_id: str) -> ItemState | None:
        # An eventually consistent read is enough: a stale snapshot only makes the tail longer.
        values = get(self.client, self.table, {"pk": item_id}, consistent=False)
        return ItemState.from_json(values["state"]) if values else None

    def put(self, state: ItemState) -> bool:
        put = Put(
            self.table,
            {"pk": state.item_id, "version": state.version, "state": state.to_json()},
            condition="attribute_not_exists(pk) OR version < :version",
            values={":version": state.version},
        )
        return not isinstance(write(self.client, put), ConditionFailed)
