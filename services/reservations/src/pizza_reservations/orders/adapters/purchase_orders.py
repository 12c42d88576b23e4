"""The purchase-orders table (``pk``):

=====================  ==========================================================================
``pk``                 attributes
=====================  ==========================================================================
``PO#<po id>``         ``item_id``, ``quantity``, ``status``, ``reason``, ``created_at``, ``decided_at``,
                       ``approval_timeout_seconds``, ``decision``, ``task_token`` (never returned by the API)
``OPEN#<item id>``     ``po_id``: the item's one open purchase order (the guard; deleted when it closes)
``ITEM#<item id>``     ``stock_status`` (IN STOCK / OUT OF STOCK), ``version`` of the inventory it reflects
=====================  ==========================================================================

A purchase order and its item's ``OPEN#`` guard are written in one transaction, conditional on no guard,
so two requests for one item can never both open one; closing deletes the guard in the same transaction.
"""

from __future__ import annotations

import random
import time
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from pizza_common.dynamodb import from_item, to_item
from pizza_reservations.orders.domain import PurchaseOrder, PurchaseOrderStatus

__all__ = ["DynamoDbPurchaseOrders"]

_OPEN = [PurchaseOrderStatus.REQUESTED.value, PurchaseOrderStatus.AWAITING_APPROVAL.value]
_ATTEMPTS = 20
_RETRIED = {"TransactionConflictException", "ThrottlingException", "ProvisionedThroughputExceededException"}


def _code(error: ClientError) -> str:
    return str(error.response["Error"]["Code"])


def _po_key(po_id: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"PO#{po_id}"}}


def _open_key(item_id: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"OPEN#{item_id}"}}


def _purchase_order(item: dict[str, Any]) -> PurchaseOrder:
    plain = from_item(item)
    return PurchaseOrder(
        po_id=plain["pk"].removeprefix("PO#"),
        item_id=plain["item_id"],
        quantity=int(plain["quantity"]),
        status=PurchaseOrderStatus(plain["status"]),
        created_at=datetime.fromisoformat(plain["created_at"]),
        reason=plain["reason"],
        approval_timeout_seconds=int(plain["approval_timeout_seconds"]),
        decided_at=datetime.fromisoformat(plain["decided_at"]) if plain.get("decided_at") else None,
        decision=plain.get("decision"),
    )


def _backoff(attempt: int) -> None:
    time.sleep(random.uniform(0, min(0.5, 0.01 * 2**attempt)))


def _cancellation_codes(error: ClientError) -> list[str]:
    return [str(reason.get("Code", "None")) for reason in error.response.get("CancellationReasons", [])]


class DynamoDbPurchaseOrders:
    """The :class:`~pizza_reservations.orders.ports.PurchaseOrders` port."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def _read(self, key: dict[str, Any]) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.client.get_item(TableName=self.table, Key=key, ConsistentRead=True).get(
            "Item"
        )
        return item

    def get(self, po_id: str) -> PurchaseOrder | None:
        item = self._read(_po_key(po_id))
        return None if item is None else _purchase_order(item)

    def raise_for(self, order: PurchaseOrder) -> PurchaseOrder:
        item = to_item(
            {
                "pk": f"PO#{order.po_id}",
                "kind": "purchase-order",
                "item_id": order.item_id,
                "quantity": order.quantity,
                "status": order.status.value,
                "reason": order.reason,
                "created_at": order.created_at.isoformat(),
                "approval_timeout_seconds": order.approval_timeout_seconds,
            }
        )
        for attempt in range(_ATTEMPTS):
            try:
                self.client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self.table,
                                "Item": {**_open_key(order.item_id), "po_id": {"S": order.po_id}},
                                "ConditionExpression": "attribute_not_exists(pk)",
                            }
                        },
                        {
                            "Put": {
                                "TableName": self.table,
                                "Item": item,
                                "ConditionExpression": "attribute_not_exists(pk)",
                            }
                        },
                    ]
                )
                return order
            except ClientError as error:
                codes = _cancellation_codes(error) if _code(error) == "TransactionCanceledException" else []
                if codes[:1] == ["ConditionalCheckFailed"]:
                    guard = self._read(_open_key(order.item_id))
                    if guard is not None:
                        current = self.get(guard["po_id"]["S"])
                        if current is not None:
                            return current
                    # The open one closed in between: try to open ours again.
                elif not (_code(error) in _RETRIED or "TransactionConflict" in codes or "ThrottlingError" in codes):
                    raise
            _backoff(attempt)
        raise RuntimeError(f"could not raise a purchase order for {order.item_id}: the item kept changing")

    def all(self) -> list[PurchaseOrder]:
        orders: list[PurchaseOrder] = []
        start: dict[str, Any] | None = None
        while True:
            extra: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            page = self.client.scan(
                TableName=self.table,
                FilterExpression="begins_with(pk, :po)",
                ExpressionAttributeValues={":po": {"S": "PO#"}},
                ConsistentRead=True,
                **extra,
            )
            orders += [_purchase_order(item) for item in page.get("Items", [])]
            start = page.get("LastEvaluatedKey")
            if not start:
                return sorted(orders, key=lambda order: (order.created_at, order.po_id))

    def _update_open(
        self, po_id: str, expression: str, values: dict[str, Any], extra_condition: str = ""
    ) -> PurchaseOrder | None:
        condition = "#status IN (:requested, :awaiting)" + (f" AND {extra_condition}" if extra_condition else "")
        try:
            answer = self.client.update_item(
                TableName=self.table,
                Key=_po_key(po_id),
                UpdateExpression=expression,
                ConditionExpression=f"attribute_exists(pk) AND {condition}",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":requested": {"S": _OPEN[0]}, ":awaiting": {"S": _OPEN[1]}, **values},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if _code(error) != "ConditionalCheckFailedException":
                raise
            return self.get(po_id)
        return _purchase_order(answer["Attributes"])

    def await_approval(self, po_id: str, token: str) -> PurchaseOrder | None:
        return self._update_open(
            po_id,
            "SET #status = :awaiting, task_token = :token",
            {":token": {"S": token}},
        )

    def token(self, po_id: str) -> str | None:
        item = self._read(_po_key(po_id))
        if item is None or "task_token" not in item:
            return None
        return str(item["task_token"]["S"])

    def request_decision(self, po_id: str, decision: str) -> PurchaseOrder | None:
        return self._update_open(
            po_id,
            "SET decision = :decision",
            {":decision": {"S": decision}},
            "(attribute_not_exists(decision) OR decision = :decision)",
        )

    def mark_item(self, item_id: str, stock_status: str, version: int) -> bool:
        try:
            answer = self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": f"ITEM#{item_id}"}},
                UpdateExpression="SET stock_status = :status, version = :version",
                ConditionExpression="attribute_not_exists(version) OR version < :version",
                ExpressionAttributeValues={":status": {"S": stock_status}, ":version": {"N": str(version)}},
                ReturnValues="ALL_OLD",
            )
        except ClientError as error:
            if _code(error) != "ConditionalCheckFailedException":
                raise
            return False  # an older or repeated change
        before = answer.get("Attributes", {}).get("stock_status", {}).get("S")
        return before != stock_status

    def close(self, po_id: str, status: PurchaseOrderStatus, at: datetime) -> PurchaseOrder | None:
        current = self.get(po_id)
        if current is None or not current.status.open:
            return current
        for attempt in range(_ATTEMPTS):
            try:
                self.client.transact_write_items(
                    TransactItems=[
                        {
                            "Update": {
                                "TableName": self.table,
                                "Key": _po_key(po_id),
                                "UpdateExpression": "SET #status = :status, decided_at = :at REMOVE task_token",
                                "ConditionExpression": "#status IN (:requested, :awaiting)",
                                "ExpressionAttributeNames": {"#status": "status"},
                                "ExpressionAttributeValues": {
                                    ":status": {"S": status.value},
                                    ":at": {"S": at.isoformat()},
                                    ":requested": {"S": _OPEN[0]},
                                    ":awaiting": {"S": _OPEN[1]},
                                },
                            }
                        },
                        {
                            "Delete": {
                                "TableName": self.table,
                                "Key": _open_key(current.item_id),
                                "ConditionExpression": "attribute_not_exists(pk) OR po_id = :po",
                                "ExpressionAttributeValues": {":po": {"S": po_id}},
                            }
                        },
                    ]
                )
                return self.get(po_id)
            except ClientError as error:
                codes = _cancellation_codes(error) if _code(error) == "TransactionCanceledException" else []
                if codes[:1] == ["ConditionalCheckFailed"]:
                    return self.get(po_id)  # closed by another run
                if not (_code(error) in _RETRIED or "TransactionConflict" in codes or "ThrottlingError" in codes):
                    raise
            _backoff(attempt)
        raise RuntimeError(f"could not close purchase order {po_id}: it kept changing")
