"""Helpers of the order workflow tests: stocked items, waiting for decisions, a subscriber on the bus."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import boto3

from localcloud.polling import eventually
from pizza_reservations.client import ReservationsClient
from pizza_reservations.orders.client import OrdersClient

FINAL = {"RESERVED", "UNAVAILABLE", "FAILED"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def stocked(client: ReservationsClient, units: int, prefix: str = "cola") -> str:
    """A new item with ``units`` units, once the adjustment has been applied."""
    item = unique(prefix)
    assert client.adjust(item, unique("delivery"), units, "batch of the day").status == 202
    eventually(
        lambda: client.item(item).status == 200 and client.item(item).json()["supply"] == units,
        f"{units} units of {item} in the projection",
        timeout=60,
    )
    return item


def decided(orders: OrdersClient, order_id: str, timeout: float = 60) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        answer = orders.order(order_id)
        return answer.json() if answer.status == 200 and answer.json()["status"] in FINAL else None

    return eventually(check, f"order {order_id} decided", timeout=timeout)


def purchase_orders_for(orders: OrdersClient, item: str) -> list[dict[str, Any]]:
    return [po for po in orders.purchase_orders().json()["purchaseOrders"] if po["itemId"] == item]


class Subscriber:
    """A queue of this test's own, subscribed to the bus by a rule: what other services would receive."""

    def __init__(self, bus: str, detail_type: str, region: str) -> None:
        self.sqs = boto3.client("sqs", region_name=region)
        self.events = boto3.client("events", region_name=region)
        self.bus, self.name = bus, unique("subscriber")
        self.url = self.sqs.create_queue(QueueName=self.name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        pattern = {"source": ["pizza.orders"], "detail-type": [detail_type]}
        self.events.put_rule(Name=self.name, EventBusName=bus, EventPattern=json.dumps(pattern), State="ENABLED")
        self.events.put_targets(Rule=self.name, EventBusName=bus, Targets=[{"Id": "test", "Arn": arn}])
        self.received: list[dict[str, Any]] = []

    def details(self) -> list[dict[str, Any]]:
        answer = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in answer.get("Messages", []):
            self.received.append(json.loads(message["Body"])["detail"])
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return self.received

    def close(self) -> None:
        self.events.remove_targets(Rule=self.name, EventBusName=self.bus, Ids=["test"])
        self.events.delete_rule(Name=self.name, EventBusName=self.bus)
        self.sqs.delete_queue(QueueUrl=self.url)


def drained(localcloud: Any, output: str, timeout: float = 60) -> None:
    """Wait until the queue named by the orders output ``output`` holds nothing, visible, in flight or delayed:
    every message sent to it before has been handled (a consumer deletes one only once handled)."""
    sqs = boto3.client("sqs", region_name=localcloud.region)
    url = localcloud.service("orders")[output]
    counts = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]

    def empty() -> bool:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=counts)["Attributes"]
        return all(int(attributes.get(name, "0")) == 0 for name in counts)

    eventually(empty, f"{output} drained", timeout=timeout)


def _order_id(detail: dict[str, Any]) -> str | None:
    return detail.get("orderId")


def reserve_stock_ended(localcloud: Any, order_ids: set[str], timeout: float = 60) -> None:
    """Wait until every delivery of these orders has been taken in and every reserve-stock run of them has
    ended: after this, whatever a duplicate run would publish has been published.

    AWS does not list Express executions (ListExecutions refuses them), so on a target other than the local
    cloud the runs are given 10 s after the intake is done instead: an absence seen then is weaker evidence."""
    drained(localcloud, "new_orders_queue_url", timeout)
    if localcloud.cloud is None:
        time.sleep(10)  # no way to see the runs: a settle period, not a synchronisation
        return
    sfn = localcloud.client("stepfunctions")
    machine = localcloud.service("orders")["reserve_stock_state_machine_arn"]

    def ended() -> bool:
        pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=machine, statusFilter="RUNNING")
        running = [e["name"] for page in pages for e in page["executions"]]
        return not [name for name in running if any(name.startswith(f"{o}-") for o in order_ids)]

    eventually(ended, f"the reserve-stock runs of {sorted(order_ids)} ended", timeout=timeout)


def dead_lettered(
    localcloud: Any,
    keys: set[str],
    timeout: float = 60,
    dlq_output: str = "new_orders_dlq_url",
    key: Callable[[dict[str, Any]], str | None] = _order_id,
) -> dict[str, str]:
    """The reasons of the events these keys name (``key`` of an event's detail: its order id unless told) in
    the DLQ of the orders output ``dlq_output`` (the intake's unless told), taken off it; others' messages are
    made visible again at once, for their own tests."""
    sqs = boto3.client("sqs", region_name=localcloud.region)
    dlq = localcloud.service("orders")[dlq_output]
    reasons: dict[str, str] = {}

    def collect() -> bool:
        answer = sqs.receive_message(
            QueueUrl=dlq, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=1
        )
        for message in answer.get("Messages", []):
            detail = json.loads(message["Body"]).get("detail")
            named = key(detail) if isinstance(detail, dict) else None
            if named in keys:
                reasons[named] = message["MessageAttributes"]["reason"]["StringValue"]
                sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
            else:
                sqs.change_message_visibility(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
        return set(reasons) == keys

    eventually(collect, f"{sorted(keys)} in {dlq_output}", timeout=timeout)
    return reasons
