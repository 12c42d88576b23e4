"""The SQS and Step Functions adapters against moto in process."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from moto import mock_aws
from partial_sqs import PartlyFailingSqs

from pizza_common.deadline import Deadline, within
from pizza_oven.adapters.bell import SqsBell
from pizza_oven.adapters.rejects import SqsRejects
from pizza_oven.adapters.shelf import SqsShelf
from pizza_oven.adapters.snooze import SqsSnooze
from pizza_oven.adapters.sqs_batch import EntriesRefused
from pizza_oven.adapters.timer import StepFunctionsTimer
from pizza_oven.adapters.waiting_line import SqsLineHead, SqsWaitingLine
from pizza_oven.domain.model import Pizza
from pizza_oven.ports import Started, StartFailed

REGION = "eu-west-1"


@pytest.fixture
def sqs():
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


def _fifo(sqs, name: str) -> str:
    return sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"})["QueueUrl"]


def _everything(sqs, url: str) -> list[dict]:
    return sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"]
    ).get("Messages", [])


def _line(sqs) -> tuple[SqsWaitingLine, SqsLineHead]:
    url = _fifo(sqs, "line.fifo")
    return SqsWaitingLine(url, sqs), SqsLineHead(url, sqs, receive_wait_seconds=0)


def test_the_line_hands_out_pizzas_in_the_order_they_joined(sqs):
    back, line = _line(sqs)
    for number in range(5):
        back.join(Pizza(f"p{number}", 5))
    entries = line.take(3)
    assert [entry.pizza.id for entry in entries] == ["p0", "p1", "p2"]
    assert len({entry.sequence for entry in entries}) == 3  # SQS orders them; moto's are random digits
    assert entries[0].pizza == Pizza("p0", 5)


def test_pizzas_joining_together_keep_their_order_and_join_once(sqs):
    back, line = _line(sqs)
    back.join(Pizza("p0", 5))
    back.join_together([Pizza(f"p{number}", 5) for number in range(1, 13)])  # two batches of SQS
    back.join_together([Pizza("p3", 5)])  # a repeat within the deduplication window
    taken = line.take(10)
    line.done(taken)
    taken += line.take(10)
    assert [entry.pizza.id for entry in taken] == [f"p{number}" for number in range(13)]


def test_the_line_hands_out_nothing_while_its_head_is_held(sqs):
    back, line = _line(sqs)
    back.join(Pizza("p0", 5))
    back.join(Pizza("p1", 5))
    held = line.take(1)
    assert line.take(10) == []  # a second baker gets nothing: one taker at a time
    line.done(held)
    assert [entry.pizza.id for entry in line.take(10)] == ["p1"]


def test_pizzas_put_back_keep_their_place_at_the_head(sqs):
    back, line = _line(sqs)
    for number in range(4):
        back.join(Pizza(f"p{number}", 5))
    entries = line.take(3)
    line.done(entries[:1])
    line.put_back(entries[1:])
    assert [entry.pizza.id for entry in line.take(10)] == ["p1", "p2", "p3"]


def test_a_pizza_joins_the_line_once_however_often_it_is_sent(sqs):
    back, line = _line(sqs)
    back.join(Pizza("p0", 5))
    back.join(Pizza("p0", 5))
    assert [entry.pizza.id for entry in line.take(10)] == ["p0"]


def test_the_shelf_holds_each_baked_pizza_once_with_its_baking_time(sqs):
    url = _fifo(sqs, "baked.fifo")
    shelf = SqsShelf(url, sqs)
    baked_at = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    shelf.put(Pizza("p0", 5), baked_at)
    shelf.put(Pizza("p0", 5), baked_at)
    messages = _everything(sqs, url)
    assert [json.loads(m["Body"]) for m in messages] == [
        {"id": "p0", "bakingTimeSecs": 5, "bakedAt": "2026-11-22T12:00:00+00:00"}
    ]


def test_the_bell_rings_once_per_reason(sqs):
    url = _fifo(sqs, "wakeups.fifo")
    bell = SqsBell(url, sqs)
    bell.ring("removed-p0")
    bell.ring("removed-p0")
    bell.ring("joined-p1")
    assert [json.loads(m["Body"])["reason"] for m in _everything(sqs, url)] == ["removed-p0", "joined-p1"]


def test_a_rejected_message_reaches_the_dead_letter_queue_with_its_reason(sqs):
    url = sqs.create_queue(QueueName="new-items-dlq")["QueueUrl"]
    SqsRejects(url, sqs).reject("not json", "body: Invalid JSON", "message-1")
    (message,) = _everything(sqs, url)
    assert message["Body"] == "not json"
    assert message["MessageAttributes"]["RejectedReason"]["StringValue"] == "body: Invalid JSON"
    assert message["MessageAttributes"]["OriginalMessageId"]["StringValue"] == "message-1"


def _received_wakeups(sqs, count: int) -> tuple[str, list[str]]:
    url = _fifo(sqs, "wakeups.fifo")
    for number in range(count):
        SqsBell(url, sqs).ring(f"removed-p{number}")
    receipts = [message["ReceiptHandle"] for message in _everything(sqs, url)]
    assert len(receipts) == count
    return url, receipts


def test_snoozed_wake_ups_come_back_even_when_sqs_fails_some_of_the_batch(sqs):
    url, receipts = _received_wakeups(sqs, 3)
    client = PartlyFailingSqs(sqs, calls=2)  # the first of the batch failed twice, then applied
    with within(Deadline.after(10, sleep=lambda seconds: None)):
        SqsSnooze(url, client).snooze(receipts, 0)
    assert len(_everything(sqs, url)) == 3, "every wake-up visible again at once, none left in flight"
    assert [len(ids) for _, ids in client.batches] == [3, 1, 1]


def test_a_wake_up_refused_by_the_senders_fault_is_raised_with_its_code(sqs):
    url, receipts = _received_wakeups(sqs, 2)
    client = PartlyFailingSqs(sqs, sender_fault=True, code="ReceiptHandleIsInvalid")
    with pytest.raises(EntriesRefused, match=r"wake-up 1 of 2 \(ReceiptHandleIsInvalid"):
        SqsSnooze(url, client).snooze(receipts, 0)


@pytest.fixture
def stepfunctions():
    with mock_aws():
        client = boto3.client("stepfunctions", region_name=REGION)
        arn = client.create_state_machine(
            name="baking",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}),
            roleArn="arn:aws:iam::123456789012:role/baking",
        )["stateMachineArn"]
        yield client, arn


def test_a_pizza_bakes_in_an_execution_named_after_it(stepfunctions):
    client, arn = stepfunctions
    started, execution = StepFunctionsTimer(arn, client).start(Pizza("p1", 5))
    assert started is Started.NOW
    assert execution.endswith(":execution:baking:p1")
    assert json.loads(client.describe_execution(executionArn=execution)["input"]) == {"id": "p1", "bakingTimeSecs": 5}


def test_starting_a_pizza_again_while_it_bakes_starts_nothing_new(stepfunctions):
    client, arn = stepfunctions
    timer = StepFunctionsTimer(arn, client)
    timer.start(Pizza("p1", 5))
    assert timer.start(Pizza("p1", 5))[0] is Started.NOW  # same name and input: the same execution
    assert timer.start(Pizza("p1", 9))[0] is Started.EARLIER  # another input: it exists and runs
    assert len(client.list_executions(stateMachineArn=arn)["executions"]) == 1


def test_starting_a_pizza_whose_baking_is_over_reports_it_finished(stepfunctions):
    client, arn = stepfunctions
    timer = StepFunctionsTimer(arn, client)
    _, execution = timer.start(Pizza("p1", 5))
    client.stop_execution(executionArn=execution)
    assert timer.start(Pizza("p1", 5))[0] is Started.FINISHED


def test_a_start_refused_by_step_functions_is_a_definite_failure(stepfunctions):
    client, arn = stepfunctions
    timer = StepFunctionsTimer(arn.replace(":baking", ":missing"), client)
    with pytest.raises(StartFailed) as failed:
        timer.start(Pizza("p1", 5))
    assert failed.value.definite
    assert "StateMachineDoesNotExist" in str(failed.value)


class _FlakyStepFunctions:
    """A Step Functions client whose start_execution fails without a clear answer."""

    def __init__(self, start_error: Exception, describe: dict | Exception) -> None:
        self.start_error = start_error
        self.describe = describe

    def start_execution(self, **_: object) -> dict:
        raise self.start_error

    def describe_execution(self, executionArn: str) -> dict:
        if isinstance(self.describe, Exception):
            raise self.describe
        return self.describe


ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:baking"
SERVER_ERROR = ClientError(
    {"Error": {"Code": "InternalFailure", "Message": "boom"}, "ResponseMetadata": {"HTTPStatusCode": 500}},
    "StartExecution",
)
NOT_THERE = ClientError({"Error": {"Code": "ExecutionDoesNotExist", "Message": "no"}}, "DescribeExecution")


def test_a_start_that_failed_but_went_through_is_reported_started():
    timer = StepFunctionsTimer(ARN, _FlakyStepFunctions(SERVER_ERROR, {"status": "RUNNING"}))
    assert timer.start(Pizza("p1", 5)) == (Started.EARLIER, ARN.replace(":stateMachine:", ":execution:") + ":p1")


def test_a_start_that_failed_and_left_no_execution_is_a_definite_failure():
    with pytest.raises(StartFailed) as failed:
        StepFunctionsTimer(ARN, _FlakyStepFunctions(SERVER_ERROR, NOT_THERE)).start(Pizza("p1", 5))
    assert failed.value.definite


def test_a_start_with_no_answer_that_cannot_be_checked_is_not_definite():
    timeout = ReadTimeoutError(endpoint_url="https://states")
    with pytest.raises(StartFailed) as failed:
        StepFunctionsTimer(ARN, _FlakyStepFunctions(timeout, timeout)).start(Pizza("p1", 5))
    assert not failed.value.definite
