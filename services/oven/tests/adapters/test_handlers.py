"""The three handlers, end to end against moto in process: parsing, partial batch answers, what they write."""

from __future__ import annotations

import json
import uuid

import pytest

import pizza_common.aws
import pizza_common.settings
from localcloud.testing import lambda_context, moto_stack
from pizza_common.dynamodb import to_item
from pizza_oven import bootstrap
from pizza_oven.adapters.bell import SqsBell
from pizza_oven.adapters.ledger import LOAD_KEY, pizza_key
from pizza_oven.handlers import bake, reconcile, remove, take_waiting
from pizza_oven.stack import stack

REGION = "eu-west-1"


def _clear_caches() -> None:
    bootstrap.clear()
    pizza_common.aws.client.cache_clear()
    pizza_common.settings.load.cache_clear()


def Context():
    return lambda_context(function_name="test-oven")


@pytest.fixture
def oven(monkeypatch):
    """An oven of capacity 1 in moto, built from stack.py: its table (seeded), queues and state machine."""
    with moto_stack(stack("test", capacity=1)) as cloud:
        environment = cloud.use_environment(monkeypatch)
        monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "CloudPizzaPlace")
        _clear_caches()
        yield {
            "dynamodb": cloud.client("dynamodb"),
            "sqs": cloud.client("sqs"),
            "stepfunctions": cloud.client("stepfunctions"),
            "machine": environment["BAKE_STATE_MACHINE_ARN"],
            "table": environment["OVEN_TABLE"],
            **{name: value for name, value in environment.items() if name.endswith("_URL")},
        }
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
    item = oven["dynamodb"].get_item(TableName=oven["table"], Key=to_item(LOAD_KEY)).get("Item", {})
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


def test_bake_sends_a_message_naming_a_field_twice_to_the_dead_letter_queue_with_the_name(oven):
    body = '{"id": "p-dup1", "id": "p-dup2", "bakingTimeSecs": 5}'
    assert bake.handler(_sqs_event(body), Context()) == {"batchItemFailures": []}
    (rejected,) = _messages(oven, "NEW_ITEMS_DLQ_URL")
    assert rejected["Body"] == body
    reason = rejected["MessageAttributes"]["RejectedReason"]["StringValue"]
    assert reason == "body: holds the name 'id' twice in one object"
    for pizza_id in ("p-dup1", "p-dup2"):  # neither taken for the pizza
        assert "Item" not in oven["dynamodb"].get_item(TableName=oven["table"], Key=to_item(pizza_key(pizza_id)))
    assert oven["stepfunctions"].list_executions(stateMachineArn=oven["machine"])["executions"] == []


def test_bake_gives_the_slot_back_and_reports_the_pizza_failed_when_baking_cannot_start(oven, monkeypatch):
    monkeypatch.setenv("BAKE_STATE_MACHINE_ARN", oven["machine"] + "-missing")
    _clear_caches()
    event = _sqs_event('{"id": "p1"}')
    assert bake.handler(event, Context()) == {
        "batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]
    }
    assert _load(oven) == {"in_use": 0}
    assert "Item" not in oven["dynamodb"].get_item(TableName=oven["table"], Key=to_item(pizza_key("p1")))


def test_remove_frees_the_slot_once_and_shelves_the_pizza_once(oven):
    bake.handler(_sqs_event('{"id": "p1", "bakingTimeSecs": 5}'), Context())
    payload = {"id": "p1", "bakingTimeSecs": 5}
    assert remove.handler(payload, Context()) == {"id": "p1", "outcome": "taken-out"}
    assert remove.handler(payload, Context()) == {"id": "p1", "outcome": "duplicate"}
    assert _load(oven) == {"in_use": 0}
    (baked,) = _messages(oven, "BAKED_ITEMS_QUEUE_URL")
    assert json.loads(baked["Body"])["id"] == "p1"
    assert [json.loads(m["Body"])["reason"] for m in _messages(oven, "WAKEUPS_QUEUE_URL")] == ["removed-p1"]


def test_a_batchs_pizzas_after_the_first_that_waits_join_the_line_together_in_order(oven):
    event = _sqs_event('{"id": "p1"}', '{"id": "p2"}', "not json", '{"id": "p3"}', '{"id": "p4"}')

    assert bake.handler(event, Context()) == {"batchItemFailures": []}

    assert _load(oven) == {"in_use": 1, "waiting": 3}
    assert [json.loads(m["Body"])["id"] for m in _messages(oven, "WAITING_QUEUE_URL")] == ["p2", "p3", "p4"]
    assert len(_messages(oven, "NEW_ITEMS_DLQ_URL")) == 1  # the broken one, with its reason


def test_pizzas_that_failed_to_join_together_are_reported_failed_and_the_others_not(oven, monkeypatch):
    from pizza_oven.adapters.ledger import DynamoDbLedger

    def refuse(self, arrivals, now):
        raise RuntimeError("the oven table stayed contended")

    monkeypatch.setattr(DynamoDbLedger, "join_line_together", refuse)
    event = _sqs_event('{"id": "p1"}', '{"id": "p2"}', '{"id": "p3"}', '{"id": "p4"}')

    answer = bake.handler(event, Context())

    assert answer == {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"][2:]]}
    assert _load(oven) == {"in_use": 1, "waiting": 1}


def test_take_waiting_starts_the_head_of_the_line_when_a_slot_is_free(oven):
    bake.handler(_sqs_event('{"id": "p1"}', '{"id": "p2"}', '{"id": "p3"}'), Context())
    remove.handler({"id": "p1", "bakingTimeSecs": 10}, Context())
    assert take_waiting.handler(_sqs_event('{"reason": "removed-p1"}'), Context()) == {"batchItemFailures": []}
    assert _load(oven) == {"in_use": 1, "waiting": 1}
    executions = oven["stepfunctions"].list_executions(stateMachineArn=oven["machine"])["executions"]
    assert sorted(execution["name"] for execution in executions) == ["p1", "p2"]


def test_remove_hands_the_slot_to_the_head_of_the_line_without_waking_the_baker(oven):
    bake.handler(_sqs_event('{"id": "p1"}', '{"id": "p2"}'), Context())
    _messages(oven, "WAKEUPS_QUEUE_URL")  # the rings of the arrivals, answered

    assert remove.handler({"id": "p1", "bakingTimeSecs": 10}, Context()) == {"id": "p1", "outcome": "handed-over"}
    assert _load(oven) == {"in_use": 1, "waiting": 0}
    executions = oven["stepfunctions"].list_executions(stateMachineArn=oven["machine"])["executions"]
    assert sorted(execution["name"] for execution in executions) == ["p1", "p2"]
    assert _messages(oven, "WAITING_QUEUE_URL") == []  # its line entry is gone


def test_a_baker_that_fails_reports_every_ring_failed_instead_of_stalling(oven, monkeypatch):
    bake.handler(_sqs_event('{"id": "p1"}', '{"id": "p2"}'), Context())
    SqsBell(oven["WAKEUPS_QUEUE_URL"], oven["sqs"]).ring("removed-p1")
    # Received for real: the baker snoozes them by their receipt handles, which SQS must know.
    received = _messages(oven, "WAKEUPS_QUEUE_URL")
    rings = _sqs_event(*(message["Body"] for message in received))
    for record, message in zip(rings["Records"], received, strict=True):
        record.update(messageId=message["MessageId"], receiptHandle=message["ReceiptHandle"])
    monkeypatch.setenv("OVEN_TABLE", "no-such-table")  # every call of the pass fails
    _clear_caches()

    answer = take_waiting.handler(rings, Context())

    assert answer == {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in rings["Records"]]}


def test_bake_rejects_a_second_message_with_a_known_pizza_id(oven):
    bake.handler(_sqs_event('{"id": "p1", "bakingTimeSecs": 5}'), Context())

    assert bake.handler(_sqs_event('{"id": "p1", "bakingTimeSecs": 7}'), Context()) == {"batchItemFailures": []}

    (rejected,) = _messages(oven, "NEW_ITEMS_DLQ_URL")
    assert json.loads(rejected["Body"]) == {"id": "p1", "bakingTimeSecs": 7}
    assert "already used by another message" in rejected["MessageAttributes"]["RejectedReason"]["StringValue"]
    assert _load(oven) == {"in_use": 1}


def test_reconcile_answers_with_what_it_did(oven):
    bake.handler(_sqs_event('{"id": "p1"}'), Context())

    done = reconcile.handler({"source": "aws.events", "detail-type": "Scheduled Event"}, Context())

    assert done == {"checked": 1, "started": 0, "taken_out": 0, "failed": 0, "recounted": False}
    assert [json.loads(m["Body"])["reason"][:11] for m in _messages(oven, "WAKEUPS_QUEUE_URL")] == ["reconciled-"]
