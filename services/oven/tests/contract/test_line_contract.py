"""The Waiting line on moto in process, on moto answering batch actions in part, and the in-memory fake: one contract.

SQS may answer a delete or a visibility change of a batch with HTTP 200 and some entries under ``Failed``. An
entry left in flight holds the line's one message group (nothing behind it is handed out) for the visibility
timeout, so every entry must be applied, or the call must raise.
"""

from __future__ import annotations

from dataclasses import dataclass

import boto3
import pytest
from fakes import FakeLine
from moto import mock_aws
from partial_sqs import PartlyFailingSqs

from pizza_common.deadline import Deadline, within
from pizza_common.sqs import EntriesFailed
from pizza_oven.adapters.sqs_batch import EntriesRefused
from pizza_oven.adapters.waiting_line import SqsLineHead, SqsWaitingLine
from pizza_oven.domain.model import Pizza
from pizza_oven.ports import LineHead, WaitingLine

REGION = "eu-west-1"


@dataclass
class Line:
    back: WaitingLine
    head: LineHead

    def join(self, count: int) -> None:
        self.back.join_together([Pizza(f"p{number}", 5) for number in range(count)])

    def take(self, most: int) -> list[str]:
        return [entry.pizza.id for entry in self.head.take(most)]


@pytest.fixture
def sqs():
    with mock_aws(), within(Deadline.after(10, sleep=lambda seconds: None)):
        yield boto3.client("sqs", region_name=REGION)


def _queue(sqs) -> str:
    return sqs.create_queue(QueueName="line.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]


@pytest.fixture(params=["sqs", "sqs answering in part", "fake"])
def line(request) -> Line:
    """The SQS line, the same answering the first entry of each of its first two batch actions as failed, and
    the fake the use-case tests use."""
    if request.param == "fake":
        fake = FakeLine()
        return Line(fake, fake)
    sqs = request.getfixturevalue("sqs")
    url = _queue(sqs)
    client = PartlyFailingSqs(sqs, calls=2) if request.param == "sqs answering in part" else sqs
    return Line(SqsWaitingLine(url, sqs), SqsLineHead(url, client, receive_wait_seconds=0))


def test_entries_put_back_are_handed_out_again_at_once_in_their_order(line):
    line.join(4)
    taken = line.head.take(3)
    line.head.put_back(taken)
    assert line.take(10) == ["p0", "p1", "p2", "p3"]


def test_entries_done_leave_the_line_and_those_behind_them_are_handed_out_at_once(line):
    line.join(4)
    line.head.done(line.head.take(2))
    assert line.take(10) == ["p2", "p3"]


def test_entries_done_and_put_back_together_leave_the_rest_at_the_head(line):
    line.join(4)
    taken = line.head.take(3)
    line.head.done(taken[:1])
    line.head.put_back(taken[1:])
    assert line.take(10) == ["p1", "p2", "p3"]


def test_an_entry_failed_in_a_batchs_answer_is_sent_again_alone(sqs):
    url = _queue(sqs)
    client = PartlyFailingSqs(sqs, calls=1, entries=2)
    SqsWaitingLine(url, sqs).join_together([Pizza(f"p{number}", 5) for number in range(3)])
    head = SqsLineHead(url, client, receive_wait_seconds=0)
    head.put_back(head.take(3))
    assert [(operation, len(ids)) for operation, ids in client.batches] == [
        ("change_message_visibility_batch", 3),
        ("change_message_visibility_batch", 2),
    ]


@pytest.mark.parametrize("operation", ["done", "put_back"])
def test_an_entry_refused_by_the_senders_fault_is_raised_naming_its_pizza_and_code(sqs, operation):
    url = _queue(sqs)
    client = PartlyFailingSqs(sqs, calls=1, sender_fault=True, code="ReceiptHandleIsInvalid")
    SqsWaitingLine(url, sqs).join_together([Pizza("p0", 5), Pizza("p1", 5)])
    head = SqsLineHead(url, client, receive_wait_seconds=0)
    with pytest.raises(EntriesRefused, match=r"p0 \(ReceiptHandleIsInvalid: try again\)"):
        getattr(head, operation)(head.take(2))
    assert len(client.batches) == 1, "a sender's fault is not sent again"


def test_entries_still_failed_at_the_deadline_are_raised(sqs):
    url = _queue(sqs)
    client = PartlyFailingSqs(sqs, calls=1_000)
    SqsWaitingLine(url, sqs).join_together([Pizza("p0", 5)])
    head = SqsLineHead(url, client, receive_wait_seconds=0)
    taken = head.take(1)
    clock = iter(range(1_000))
    with (
        within(Deadline(5, clock=lambda: next(clock), sleep=lambda seconds: None)),
        pytest.raises(EntriesFailed, match="1 entries still failed at the deadline"),
    ):
        head.put_back(taken)
    assert 1 < len(client.batches) < 10, "sent again until the deadline, then no more"
