"""SQS batch actions: entries failed in a 200 answer are sent again until the deadline; a sender's fault is not."""

from __future__ import annotations

import pytest

from pizza_common.deadline import Deadline
from pizza_common.sqs import EntriesFailed, batch_action


class PartlyFailingSqs:
    """Answers each call with the first ``failures`` entries it has not yet failed as ``Failed`` (once each)."""

    def __init__(self, failures: int = 0, sender_fault_ids: frozenset[str] = frozenset(), always: bool = False):
        self.failures, self.sender_fault_ids, self.always = failures, sender_fault_ids, always
        self.calls: list[list[str]] = []
        self.applied: list[str] = []

    def change_message_visibility_batch(self, QueueUrl: str, Entries: list[dict]) -> dict:
        assert len(Entries) <= 10, "SQS takes at most 10 entries a call"
        assert len({e["Id"] for e in Entries}) == len(Entries)
        self.calls.append([e["ReceiptHandle"] for e in Entries])
        failed = []
        for entry in Entries:
            if entry["Id"] in self.sender_fault_ids:
                failed.append({"Id": entry["Id"], "SenderFault": True, "Code": "ReceiptHandleIsInvalid"})
            elif self.always or self.failures > 0:
                self.failures -= 1
                failed.append({"Id": entry["Id"], "SenderFault": False, "Code": "InternalError"})
            else:
                self.applied.append(entry["ReceiptHandle"])
        return {"Successful": [], "Failed": failed}


def entries(n: int) -> list[dict]:
    return [{"ReceiptHandle": f"r{i}", "VisibilityTimeout": 0} for i in range(n)]


def send(sqs: PartlyFailingSqs):
    return lambda batch: sqs.change_message_visibility_batch(QueueUrl="q", Entries=batch)


def no_wait() -> Deadline:
    return Deadline(float("inf"), sleep=lambda _: None)


def test_entries_go_ten_a_call_and_those_failed_are_sent_again_until_every_one_is_applied():
    sqs = PartlyFailingSqs(failures=4)
    assert batch_action(send(sqs), entries(23), deadline=no_wait()) == []
    assert sorted(sqs.applied, key=lambda r: int(r[1:])) == [f"r{i}" for i in range(23)]
    assert [len(call) for call in sqs.calls] == [10, 10, 3, 4], "the failed four again, in one call"


def test_a_senders_fault_is_not_sent_again_but_handed_back():
    sqs = PartlyFailingSqs(sender_fault_ids=frozenset({"1"}))
    faults = batch_action(send(sqs), entries(3), deadline=no_wait())
    assert [(f["ReceiptHandle"], f["Code"]) for f in faults] == [("r1", "ReceiptHandleIsInvalid")]
    assert sqs.applied == ["r0", "r2"] and len(sqs.calls) == 1


def test_entries_still_failed_at_the_deadline_raise_naming_them():
    clock = iter(range(1000))
    deadline = Deadline(5, clock=lambda: next(clock), sleep=lambda _: None)
    with pytest.raises(EntriesFailed, match="2 entries still failed at the deadline") as raised:
        batch_action(send(PartlyFailingSqs(always=True)), entries(2), deadline=deadline)
    assert [entry["ReceiptHandle"] for entry in raised.value.failed] == ["r0", "r1"]
