"""The snapshots table: ``pk`` = item id; ``version`` and ``state`` (the fold up to that version, as JSON).

Written only by the change stream's snapshot consumer, never backwards (``version < :new``)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from pizza_reservations.domain.model import ItemState

__all__ = ["DynamoDbSnapshots"]


class DynamoDbSnapshots:
    """The :class:`~pizza_reservations.ports.Snapshots` port."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def get(self, item_id: str) -> ItemState | None:
        # An eventually consistent read is enough: a stale snapshot only makes the tail longer.
        item = self.client.get_item(TableName=self.table, Key={"pk": {"S": item_id}}).get("Item")
        return ItemState.from_json(item["state"]["S"]) if item else None

    def put(self, state: ItemState) -> bool:
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": state.item_id},
                    "version": {"N": str(state.version)},
                    "state": {"S": state.to_json()},
                },
                ConditionExpression="attribute_not_exists(pk) OR version < :version",
                ExpressionAttributeValues={":version": {"N": str(state.version)}},
            )
            return True
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
