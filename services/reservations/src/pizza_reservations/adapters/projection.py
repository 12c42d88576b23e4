"""The items table (the projection): ``pk`` = item id; ``view`` (state and early events, JSON), ``version``,
and the figures as of the last change (``supply``, ``sold``) for people reading the table.

Written by the change stream's projection consumer, each write conditional on the view it replaces."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from pizza_reservations.domain.model import ItemView

__all__ = ["DynamoDbProjection"]


class DynamoDbProjection:
    """The :class:`~pizza_reservations.ports.Projection` port."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def get(self, item_id: str) -> ItemView | None:
        item = self.client.get_item(TableName=self.table, Key={"pk": {"S": item_id}}, ConsistentRead=True).get("Item")
        return ItemView.from_json(item["view"]["S"]) if item else None

    def put(self, view: ItemView, previous: ItemView | None) -> bool:
        state = view.state
        condition: dict[str, Any] = (
            {"ConditionExpression": "attribute_not_exists(pk)"}
            if previous is None
            else {
                "ConditionExpression": "#view = :previous",
                "ExpressionAttributeNames": {"#view": "view"},
                "ExpressionAttributeValues": {":previous": {"S": previous.to_json()}},
            }
        )
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": state.item_id},
                    "version": {"N": str(state.version)},
                    "supply": {"N": str(state.supply)},
                    "sold": {"N": str(state.sold)},
                    "view": {"S": view.to_json()},
                },
                **condition,
            )
            return True
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise

    def all(self) -> list[ItemView]:
        views: list[ItemView] = []
        for page in self.client.get_paginator("scan").paginate(TableName=self.table):
            views.extend(ItemView.from_json(item["view"]["S"]) for item in page.get("Items", []))
        return sorted(views, key=lambda view: view.state.item_id)
