"""The items table (the projection): ``pk`` = item id; ``view`` (state and early events, JSON), ``version``,
and the figures as of the last change (``supply``, ``sold``) for people reading the table.

Written by the change stream's projection consumer, each write conditional on the view it replaces."""

from __future__ import annotations

from typing import Any

from pizza_common.dynamodb import ConditionFailed, Put, from_item, get, write
from pizza_reservations.domain.model import ItemView

__all__ = ["DynamoDbProjection"]


class DynamoDbProjection:
    """The :class:`~pizza_reservations.ports.Projection` port."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def get(self, item_id: str) -> ItemView | None:
        values = get(self.client, self.table, {"pk": item_id})
        return ItemView.from_json(values["view"]) if values else None

    def put(self, view: ItemView, previous: ItemView | None) -> bool:
        state = view.state
        item = {
            "pk": state.item_id,
            "version": state.version,
            "supply": state.supply,
            "sold": state.sold,
            "view": view.to_json(),
        }
        put = (
            Put(self.table, item, condition="attribute_not_exists(pk)")
            if previous is None
            else Put(self.table, item, condition="#view = :previous", values={":previous": previous.to_json()})
        )
        return not isinstance(write(self.client, put), ConditionFailed)

    def all(self) -> list[ItemView]:
        views: list[ItemView] = []
        for page in self.client.get_paginator("scan").paginate(TableName=self.table):
            views.extend(ItemView.from_json(from_item(item)["view"]) for item in page.get("Items", []))
        return sorted(views, key=lambda view: view.state.item_id)
