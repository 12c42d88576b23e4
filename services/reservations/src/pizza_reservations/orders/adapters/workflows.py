"""Step Functions: starting the orders' workflows and resuming a waiting approval."""

from __future__ import annotations

import uuid
from typing import Any

from botocore.exceptions import ClientError

__all__ = ["StepFunctionsApprovals", "StepFunctionsWorkflows"]

# The waiting task is gone: it timed out, the execution ended, or the token was already used.
_GONE = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}


class StepFunctionsWorkflows:
    """The :class:`~pizza_reservations.orders.ports.Workflows` port."""

    def __init__(self, reserve_stock_arn: str, purchase_order_arn: str, order_arn: str, client: Any) -> None:
        self.reserve_stock_arn = reserve_stock_arn
        self.purchase_order_arn = purchase_order_arn
        self.order_arn = order_arn
        self.client = client

    def start_order(self, order_id: str, document: str) -> bool:
        # Standard: deduplicated by name (90 days); the order id fits the name's 80 characters.
        try:
            self.client.start_execution(stateMachineArn=self.order_arn, name=order_id, input=document)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise
            return False
        return True

    def start_reserve_stock(self, order_id: str, document: str) -> None:
        # Express: at least once and not deduplicated by name on AWS, so each start gets its own name and
        # idempotency comes from the reservations (keyed by order and item) and the order's record.
        name = f"{order_id}-{uuid.uuid4().hex[:12]}"[:80]
        self.client.start_execution(stateMachineArn=self.reserve_stock_arn, name=name, input=document)

    def start_purchase_order(self, po_id: str, document: str) -> None:
        try:
            self.client.start_execution(stateMachineArn=self.purchase_order_arn, name=po_id[:80], input=document)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise  # Standard executions are deduplicated by name: a second start is a no-op


class StepFunctionsApprovals:
    """The :class:`~pizza_reservations.orders.ports.Approvals` port: resume a waiting approval by its token."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def resume(self, token: str, decision: str) -> bool:
        try:
            self.client.send_task_success(taskToken=token, output=f'{{"decision": "{decision}"}}')
        except ClientError as error:
            if error.response["Error"]["Code"] in _GONE:
                return False
            raise
        return True
