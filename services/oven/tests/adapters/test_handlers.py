"""The three handlers, end to end against moto in process: parsing, partial batch answers, what they write."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import boto3
import pytest
from moto import mock_aws

import pizza_common.aws
import pizza_common.settings
from pizza_common.dynamodb import to_item
from pizza_oven.adapters.ledger import CAPACITY_KEY, LOAD_KEY, pizza_key
from pizza_oven.handlers import bake, remove, take_waiting

REGION = "eu-west-1"
TABLE = "test-oven-state"


@dataclass
class Context:
    function_name: str = "test-oven"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:test-oven"
    aws_request_id: str = "request-1"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def _clear_caches() -> None:
    for cached in (bake._settings, bake._ports, take_waiting._ports, take_waiting._bell, remove._ports):
        cached.cache_clear()
    pizza_common.aws.client.cache_clear()
    pizza_common.settings.load.cache_clear()


@pytest.fixture
def oven(monkeypatch):
    """An oven of capacity 1 in moto: its table (seeded), queues and a state machine."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "oven")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "CloudPizzaPlace")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    with mock_aws():
        dynamodb, sqs = boto3.client("dynamodb"), boto3.client("sqs")
        stepfunctions = boto3.client("stepfunctions")
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.put_item(TableName=TABLE, Item=to_item({**CAPACITY_KEY, "capacity": 1}))
        fifo = {"FifoQueue": "true"}
        urls = {
            "WAITING_QUEUE_URL": sqs.create_queue(QueueName="waiting.fifo", Attributes=fifo)["QueueUrl"],
            "WAKEUPS_QUEUE_URL": sqs.create_queue(QueueName="wakeups.fifo", Attributes=fifo)["QueueUrl"],
            "BAKED_ITEMS_QUEUE_URL": sqs.create_queue(QueueName="baked.fifo", Attributes=fifo)["QueueUrl"],
            "NEW_ITEMS_DLQ_URL": sqs.create_queue(QueueName="new-items-dlq")["QueueUrl"],
        }
        machine = stepfunctions.create_state_machine(
            name="baking",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}),
            roleArn="arn:aws:iam::123456789012:role/baking",
        )["stateMachineArn"]
        for name, value in {**urls, "OVEN_TABLE": TABLE, "BAKE_STATE_MACHINE_ARN": machine}.items():
            monkeypatch.setenv(name, value)
        _clear_caches()
        yield {"dynamodb": dynamodb, "sqs": sqs, "stepfunctions": stepfunctions, "machine": machine, **urls}
        _clear_caches()


def _sqs_event(*bodies: str) -> dict:
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "handle",
                "body": body,
                "attributes": {},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:new-items",
                "awsRegion": REGION,
            }
            for body in bodies
        ]
    }


def _load(oven) -> dict:
    item = oven["dynamodb"].get_item(TableName=TABLE, Key=to_item(LOAD_KEY)).get("Item", {})
    return {name: int(item[name]["N"]) for name in ("in_use", "waiting") if name in item}


def _messages(oven, url_name: str) -> list[dict]:
    return (
        oven["sqs"]
        .receive_message(QueueUrl=oven[url_name], MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        .get("Messages", [])
    )


def test_bake_starts_a_pizza_and_sends_the_next_to_the_line(oven):
    event = _sqs_event('{"id": "p1", "bakingTimeSecs": 5}', '{"id": "p2"}')
    assert bake.handler(event, Context()) == {"batchItemFailures": []}
    assert _load(oven) == {"in_use": 1, "waiting": 1}
    executions = oven["stepfunctions"].list_executions(stateMachineArn=oven["machine"])["executions"]
    assert [execution["name"] for execution in executions] == ["p1"]
    (waiting,) = _messages(oven, "WAITING_QUEUE_URL")
    assert json.loads(waiting["Body"]) == {"id": "p2", "bakingTimeSecs": 10}  # the default baking time
    assert [json.loads(m["Body"])["reason"] for m in _messages(oven, "WAKEUPS_QUEUE_URL")] == ["joined-p2"]


def test_bake_sends_a_message_that_can_never_be_baked_to_the_dead_letter_queue_and_moves_on(oven):
    event = _sqs_event('{"id": "no spaces please"}', '{"id": "p1"}')
    assert bake.handler(event, Context()) == {"batchItemFailures": []}
    (rejected,) = _messages(oven, "NEW_ITEMS_DLQ_URL")
    assert rejected["Body"] == '{"id": "no spaces please"}'
    assert "id: String should match pattern" in rejected["MessageAttributes"]["RejectedReason"]["StringValue"]
    assert _load(oven) == {"in_use": 1}


def test_bake_gives_the_slot_back_and_reports_the_pizza_failed_when_baking_cannot_start(oven, monkeypatch):
    monkeypatch.setenv("BAKE_STATE_MACHINE_ARN", oven["machine"] + "-missing")
    _clear_caches()
    event = _sqs_event('{"id": "p1"}')
    assert bake.handler(event, Context()) == {
        "batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]
    }
    assert _load(oven) == {"in_use": 0}
    assert "Item" not in oven["dynamodb"].get_item(TableName=TABLE, Key=to_item(pizza_key("p1")))


def test_remove_frees_the_slot_once_and_shelves_the_pizza_once(oven):
    bake.handler(_sqs_event('{"id": "p1", "bakingTimeSecs": 5}'), Context())
    payload = {"id": "p1", "bakingTimeSecs": 5}
    assert remove.handler(payload, Context()) == {"id": "p1", "outcome": "taken-out"}
    assert remove.handler(payload, Context()) == {"id": "p1", "outcome": "duplicate"}
    assert _load(oven) == {"in_use": 0}
    (baked,) = _messages(oven, "BAKED_ITEMS_QUEUE_URL")
    assert json.loads(baked["Body"])["id"] == "p1"
    assert [json.loads(m["Body"])["reason"] for m in _messages(oven, "WAKEUPS_QUEUE_URL")] == ["removed-p1"]


def test_take_waiting_starts_the_head_of_the_line_when_a_slot_is_free(oven):
    bake.handler(_sqs_event('{"id": "p1"}', '{"id": "p2"}', '{"id": "p3"}'), Context())
    remove.handler({"id": "p1", "bakingTimeSecs": 10}, Context())
    assert take_waiting.handler(_sqs_event('{"reason": "removed-p1"}'), Context()) == {"batchItemFailures": []}
    assert _load(oven) == {"in_use": 1, "waiting": 1}
    executions = oven["stepfunctions"].list_executions(stateMachineArn=oven["machine"])["executions"]
    assert sorted(execution["name"] for execution in executions) == ["p1", "p2"]
