"""The items table (the projection): ``pk`` = item id; ``view`` (state and early events, JSON), ``version``,
and the figures as of the last change (``supply``, ``sold``) for people reading the table.

Written by the change stream's projection consumer, each write conditional on the view it replaces. Read a page
at a time (``GET /items``) by a Scan in the table's order (by the hash of ``pk``, the same from page to page),
resumed after an item id (``ExclusiveStartKey``): docs/decisions.md, 2026-11-28, "reservations, ``GET /items``
in pages"."""

from __future__ import annotations

from functools import partial
from typing import Any

from pizza_common.dynamodb import ConditionFailed, Put, from_item, get, retrying, write
from pizza_reservations.domain.model import ItemView
from pizza_reservations.ports import ItemsPage

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

    def list_page(self, after: str | None, most: int) -> ItemsPage:
        if most < 1:
            raise ValueError(f"most: a page holds at least 1 item, not {most}")
        views: list[ItemView] = []
        start = {"pk": {"S": after}} if after is not None else None
        while True:
            # A Scan may stop short of its Limit (1 MB read) with a LastEvaluatedKey: scan on from there.
            scan: dict[str, Any] = {"TableName": self.table, "Limit": most - len(views)}
            if start is not None:
                scan["ExclusiveStartKey"] = start
            answer: dict[str, Any] = retrying(partial(self.client.scan, **scan))
            views.extend(ItemView.from_json(from_item(item)["view"]) for item in answer.get("Items", []))
            start = answer.get("LastEvaluatedKey")
            if len(views) >= most:  # full: there may be more (the item id is the key DynamoDB would resume at)
                return ItemsPage(tuple(views), next=views[-1].state.item_id)
            if start is None:  # the end of the table
                return ItemsPage(tuple(views))
