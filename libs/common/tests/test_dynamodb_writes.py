"""The DynamoDB write toolkit: against moto in process, and against fakes of the errors moto never gives
(transaction conflicts, throttling, unprocessed keys and items)."""

from __future__ import annotations

import itertools
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from fakes import FakeClock, client_error, deadline_in
from moto import mock_aws

import pizza_common.deadline as deadline_module
from pizza_common.deadline import Deadline, current, within
from pizza_common.dynamodb import (
    Cancelled,
    Committed,
    ConditionCheck,
    ConditionFailed,
    Conflicted,
    Delete,
    Passed,
    Put,
    Refused,
    Throttled,
    TransactionRefused,
    Unfinished,
    Update,
    Written,
    batch_get,
    batch_write,
    every_item,
    get,
    names_in,
    transact,
    write,
)

TABLE = "toolkit"


@pytest.fixture
def dynamodb():
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


class Scripted:
    """Answers each call from a script of errors and answers, then delegates to a real client (moto)."""

    def __init__(self, real: Any, script: dict[str, list[Any]]) -> None:
        self.real, self.script = real, script
        self.calls: dict[str, list[dict[str, Any]]] = {}

    def __getattr__(self, method: str) -> Any:
        def call(**arguments: Any) -> Any:
            self.calls.setdefault(method, []).append(arguments)
            queued = self.script.get(method)
            if queued:
                step = queued.pop(0)
                if isinstance(step, Exception):
                    raise step
                if callable(step):
                    return step(self.real, arguments)
                return step
            return getattr(self.real, method)(**arguments)

        return call


def cancelled(*codes: str) -> ClientError:
    return client_error(
        "TransactionCanceledException", CancellationReasons=[{"Code": code, "Message": code} for code in codes]
    )


# --- operations -----------------------------------------------------------------------------------------------


def test_names_in_expressions_become_placeholders_for_themselves():
    assert names_in("SET #state = :s", "#capacity = :c AND #state <> :x") == {
        "#state": "state",
        "#capacity": "capacity",
    }


def test_an_operation_renders_plain_values_as_dynamodb_values():
    update = Update(
        TABLE, {"pk": "LOAD"}, "ADD in_use :one", "in_use < :cap", {":one": 1, ":cap": 3}, old_on_failure=True
    )

    assert update.transact_item() == {
        "Update": {
            "TableName": TABLE,
            "Key": {"pk": {"S": "LOAD"}},
            "UpdateExpression": "ADD in_use :one",
            "ConditionExpression": "in_use < :cap",
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":cap": {"N": "3"}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


# --- transactions on moto -------------------------------------------------------------------------------------


def test_a_transaction_commits_all_its_writes(dynamodb):
    outcome = transact(
        dynamodb,
        [
            Put(TABLE, {"pk": "PIZZA#1", "state": "baking"}, "attribute_not_exists(pk)"),
            Update(TABLE, {"pk": "LOAD"}, "ADD in_use :one", values={":one": 1}),
        ],
    )

    assert outcome == Committed()
    assert get(dynamodb, TABLE, {"pk": "LOAD"}) == {"pk": "LOAD", "in_use": 1}


def test_a_failed_condition_reports_which_item_and_the_old_item(dynamodb):
    transact(dynamodb, [Put(TABLE, {"pk": "PIZZA#1", "state": "baked"})])

    outcome = transact(
        dynamodb,
        [
            Update(TABLE, {"pk": "LOAD"}, "ADD in_use :one", values={":one": 1}),
            Put(TABLE, {"pk": "PIZZA#1", "state": "baking"}, "attribute_not_exists(pk)", old_on_failure=True),
        ],
    )

    assert isinstance(outcome, Cancelled)
    assert outcome.reasons[0] == Passed()
    assert outcome.failed(1) and not outcome.failed(0)
    assert outcome.old_item(1) == {"pk": "PIZZA#1", "state": "baked"}
    assert outcome.condition_failed and not outcome.contended
    assert get(dynamodb, TABLE, {"pk": "LOAD"}) is None  # nothing was written


def test_a_condition_check_guards_a_transaction_without_writing(dynamodb):
    write(dynamodb, Put(TABLE, {"pk": "CAPACITY", "capacity": 2}))

    stale = transact(
        dynamodb,
        [
            ConditionCheck(TABLE, {"pk": "CAPACITY"}, "#capacity = :seen", {":seen": 3}),
            Update(TABLE, {"pk": "LOAD"}, "ADD in_use :one", values={":one": 1}),
        ],
    )

    assert isinstance(stale, Cancelled) and stale.failed(0)


def test_a_client_request_token_applies_a_repeated_transaction_once(dynamodb):
    """A retry after a lost answer: the same token and body again is answered with success, applied once.
    (moto ignores the token; DynamoDB Local and AWS honour it: the test asserts what both agree on when it
    is the toolkit that repeats.)"""
    add = [Update(TABLE, {"pk": "LOAD"}, "ADD in_use :one", values={":one": 1})]
    lost_answer = client_error("RequestTimeout")
    scripted = Scripted(dynamodb, {"transact_write_items": [lambda real, args: real.transact_write_items(**args)]})

    assert transact(scripted, add, token="order-42") == Committed()
    assert scripted.calls["transact_write_items"][0]["ClientRequestToken"] == "order-42"
    assert lost_answer  # the SDK retries a lost answer itself, with the same token in the same request


# --- transactions under conflicts and throttling (fakes of AWS's answers) -------------------------------------


def test_conflicts_are_retried_with_jitter_until_the_transaction_goes_through(dynamodb):
    clock = FakeClock()
    scripted = Scripted(dynamodb, {"transact_write_items": [cancelled("None", "TransactionConflict")] * 3})

    outcome = transact(
        scripted, [Update(TABLE, {"pk": "LOAD"}, "ADD in_use :one", values={":one": 1})], deadline=deadline_in(5, clock)
    )

    assert outcome == Committed()
    assert len(scripted.calls["transact_write_items"]) == 4
    assert len(clock.pauses) == 3
    assert get(dynamodb, TABLE, {"pk": "LOAD"}) == {"pk": "LOAD", "in_use": 1}


def test_a_transaction_still_contended_at_the_deadline_comes_back_cancelled_by_conflict(dynamodb):
    clock = FakeClock()
    scripted = Scripted(
        dynamodb, {"transact_write_items": [cancelled("TransactionConflict", "ThrottlingError")] * 10_000}
    )

    outcome = transact(
        scripted, [Update(TABLE, {"pk": "A"}, "SET x = :x", values={":x": 1})] * 2, deadline=deadline_in(2, clock)
    )

    assert isinstance(outcome, Cancelled) and outcome.contended
    assert outcome.reasons == (Conflicted(), Throttled("ThrottlingError"))
    assert clock.now <= 2  # never slept past the deadline
    assert len(scripted.calls["transact_write_items"]) > 3


def test_without_conflict_retries_a_conflict_comes_back_at_once_and_throttling_is_still_retried(dynamodb):
    clock = FakeClock()
    scripted = Scripted(
        dynamodb,
        {"transact_write_items": [cancelled("None", "ThrottlingError"), cancelled("TransactionConflict", "None")]},
    )

    outcome = transact(
        scripted,
        [Update(TABLE, {"pk": "A"}, "SET x = :x", values={":x": 1})] * 2,
        deadline=deadline_in(5, clock),
        retry_conflicts=False,
    )

    assert isinstance(outcome, Cancelled) and outcome.conflicted and outcome.contended
    assert len(scripted.calls["transact_write_items"]) == 2 and len(clock.pauses) == 1


def test_the_pauses_grow_and_are_jittered(dynamodb):
    clock = FakeClock()
    scripted = Scripted(dynamodb, {"transact_write_items": [cancelled("TransactionConflict")] * 200})

    transact(scripted, [Update(TABLE, {"pk": "A"}, "SET x = :x", values={":x": 1})], deadline=deadline_in(60, clock))

    assert len(set(clock.pauses)) > 5  # jittered, not a fixed interval
    assert max(clock.pauses[:3]) <= 0.04 and max(clock.pauses) > 0.1  # short at first, longer later
    assert max(clock.pauses) <= 1.0  # capped


def test_a_hot_items_pauses_stay_short_when_the_deadline_says_so(dynamodb):
    clock = FakeClock()
    scripted = Scripted(dynamodb, {"transact_write_items": [cancelled("TransactionConflict")] * 200})

    transact(
        scripted,
        [Update(TABLE, {"pk": "A"}, "SET x = :x", values={":x": 1})],
        deadline=deadline_in(60, clock).with_pauses_up_to(0.05),
    )

    assert len(clock.pauses) >= 199  # never ran out of time: many short pauses
    assert max(clock.pauses) <= 0.05 and max(clock.pauses[:3]) <= 0.04


def test_a_conflict_with_a_failed_condition_is_a_failed_condition_not_retried(dynamodb):
    scripted = Scripted(
        dynamodb, {"transact_write_items": [cancelled("ConditionalCheckFailed", "TransactionConflict")]}
    )

    outcome = transact(scripted, [Update(TABLE, {"pk": "A"}, "SET x = :x", values={":x": 1})] * 2)

    assert isinstance(outcome, Cancelled) and outcome.failed(0) and not outcome.contended
    assert len(scripted.calls["transact_write_items"]) == 1


def test_a_reason_no_retry_fixes_raises(dynamodb):
    scripted = Scripted(dynamodb, {"transact_write_items": [cancelled("ValidationError", "None")]})

    with pytest.raises(TransactionRefused) as refused:
        transact(scripted, [Update(TABLE, {"pk": "A"}, "SET x = :x", values={":x": 1})] * 2)

    assert refused.value.cancelled.reasons[0] == Refused("ValidationError", "ValidationError")


def test_throttling_of_the_whole_request_is_retried_and_other_errors_are_not(dynamodb):
    clock = FakeClock()
    throttled = Scripted(
        dynamodb,
        {"transact_write_items": [client_error("ThrottlingException"), client_error("TransactionInProgressException")]},
    )
    assert transact(throttled, [Put(TABLE, {"pk": "A"})], deadline=deadline_in(5, clock)) == Committed()

    broken = Scripted(dynamodb, {"transact_write_items": [client_error("ResourceNotFoundException")]})
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        transact(broken, [Put(TABLE, {"pk": "A"})], deadline=deadline_in(5, clock))


# --- single conditional writes ----------------------------------------------------------------------------------


def test_a_conditional_write_reports_a_failed_condition_with_the_old_item(dynamodb):
    assert write(dynamodb, Put(TABLE, {"pk": "T#1", "answer": "ok"}, "attribute_not_exists(pk)")) == Written()

    again = write(
        dynamodb, Put(TABLE, {"pk": "T#1", "answer": "other"}, "attribute_not_exists(pk)", old_on_failure=True)
    )

    assert isinstance(again, ConditionFailed)
    assert again.old in ({"pk": "T#1", "answer": "ok"}, None)  # moto may not return the old item on a single write
    assert get(dynamodb, TABLE, {"pk": "T#1"}) == {"pk": "T#1", "answer": "ok"}


def test_a_write_returns_the_values_asked_for(dynamodb):
    write(dynamodb, Put(TABLE, {"pk": "L", "n": 5}))

    written = write(
        dynamodb, Update(TABLE, {"pk": "L"}, "ADD n :d", "n >= :d", {":d": -2}), return_values="UPDATED_NEW"
    )

    assert written == Written({"n": 3})
    assert isinstance(write(dynamodb, Delete(TABLE, {"pk": "L"}, "n = :n", {":n": 4})), ConditionFailed)


def test_a_write_into_an_item_a_transaction_holds_is_retried(dynamodb):
    clock = FakeClock()
    scripted = Scripted(dynamodb, {"update_item": [client_error("TransactionConflictException")] * 2})

    written = write(
        scripted, Update(TABLE, {"pk": "L"}, "ADD n :one", values={":one": 1}), deadline=deadline_in(5, clock)
    )

    assert written == Written()
    assert len(scripted.calls["update_item"]) == 3


def test_a_write_throttled_past_the_deadline_raises_the_throttling(dynamodb):
    clock = FakeClock()
    scripted = Scripted(dynamodb, {"put_item": [client_error("ProvisionedThroughputExceededException")] * 10_000})

    with pytest.raises(ClientError, match="ProvisionedThroughputExceeded"):
        write(scripted, Put(TABLE, {"pk": "A"}), deadline=deadline_in(1, clock))
    assert clock.now <= 1


# --- batches ---------------------------------------------------------------------------------------------------


def _unprocess(keep: int):
    """An answer that processes only the first ``keep`` keys and hands the rest back as unprocessed."""

    def answer(real: Any, arguments: dict[str, Any]) -> dict[str, Any]:
        (table, request), *_ = arguments["RequestItems"].items()
        kept = request["Keys"][:keep]
        done = real.batch_get_item(RequestItems={table: {**request, "Keys": kept}}) if kept else {"Responses": {}}
        rest = request["Keys"][keep:]
        return {**done, "UnprocessedKeys": {table: {**request, "Keys": rest}} if rest else {}}

    return answer


def test_batch_get_finishes_its_unprocessed_keys(dynamodb):
    batch_write(dynamodb, TABLE, puts=[{"pk": f"K{n}", "n": n} for n in range(5)])
    clock = FakeClock()
    scripted = Scripted(dynamodb, {"batch_get_item": [_unprocess(1), _unprocess(0), _unprocess(2)]})

    found = batch_get(
        scripted, TABLE, [{"pk": f"K{n}"} for n in range(5)], consistent=True, deadline=deadline_in(5, clock)
    )

    assert sorted(item["n"] for item in found) == [0, 1, 2, 3, 4]
    assert len(scripted.calls["batch_get_item"]) == 4
    assert len(clock.pauses) == 3
    assert all(call["RequestItems"][TABLE]["ConsistentRead"] for call in scripted.calls["batch_get_item"])


def test_batch_get_that_cannot_finish_by_the_deadline_says_so_instead_of_answering_short(dynamodb):
    batch_write(dynamodb, TABLE, puts=[{"pk": "K1"}, {"pk": "K2"}])
    clock = FakeClock()
    scripted = Scripted(dynamodb, {"batch_get_item": [_unprocess(0)] * 10_000})

    with pytest.raises(Unfinished, match="2 left"):
        batch_get(scripted, TABLE, [{"pk": "K1"}, {"pk": "K2"}], deadline=deadline_in(1, clock))


def test_batch_get_reads_more_than_a_hundred_keys_in_requests_of_a_hundred(dynamodb):
    batch_write(dynamodb, TABLE, puts=[{"pk": f"K{n:03d}"} for n in range(230)])
    scripted = Scripted(dynamodb, {})

    found = batch_get(scripted, TABLE, [{"pk": f"K{n:03d}"} for n in range(250)])

    assert len(found) == 230
    assert [len(call["RequestItems"][TABLE]["Keys"]) for call in scripted.calls["batch_get_item"]] == [100, 100, 50]


def test_batch_write_finishes_its_unprocessed_items(dynamodb):
    counter = itertools.count()

    def half(real: Any, arguments: dict[str, Any]) -> dict[str, Any]:
        (table, requests), *_ = arguments["RequestItems"].items()
        keep = len(requests) // 2 if next(counter) < 3 else len(requests)
        real.batch_write_item(RequestItems={table: requests[:keep]})
        return {"UnprocessedItems": {table: requests[keep:]} if requests[keep:] else {}}

    clock = FakeClock()
    scripted = Scripted(dynamodb, {"batch_write_item": [half] * 100})

    batch_write(scripted, TABLE, puts=[{"pk": f"K{n}"} for n in range(30)], deadline=deadline_in(5, clock))

    assert len(batch_get(dynamodb, TABLE, [{"pk": f"K{n}"} for n in range(30)])) == 30
    assert [len(call["RequestItems"][TABLE]) for call in scripted.calls["batch_write_item"]][:2] == [25, 13]

    batch_write(dynamodb, TABLE, deletes=[{"pk": f"K{n}"} for n in range(30)])
    assert batch_get(dynamodb, TABLE, [{"pk": f"K{n}"} for n in range(30)]) == []


# --- the deadline ----------------------------------------------------------------------------------------------


class Context:
    def __init__(self, millis: int) -> None:
        self.millis = millis

    def get_remaining_time_in_millis(self) -> int:
        return self.millis


def test_the_deadline_of_a_lambda_is_its_remaining_time_less_a_margin():
    assert 7.9 < Deadline.of_context(Context(10_000), margin_secs=2).remaining() <= 8
    assert Deadline.of_context(Context(500), margin_secs=2).expired


def test_within_sets_the_current_deadline_for_the_calls_inside():
    inner = Deadline.after(3)
    with within(inner):
        assert current() is inner
    assert current() is not inner and current().remaining() > 10


def test_a_pause_that_would_pass_the_deadline_is_not_taken(monkeypatch: pytest.MonkeyPatch):
    # Full jitter may draw a pause short enough to fit, so draw the longest one each time: 0.32 s and up,
    # against 0.001 s left.
    monkeypatch.setattr(deadline_module, "full_jitter", lambda attempt, *, base, cap: min(cap, base * 2**attempt))
    clock = FakeClock()
    deadline = deadline_in(0.001, clock)

    assert not any(deadline.pause(attempt) for attempt in range(5, 10))
    assert clock.pauses == []
    assert deadline_in(10.0, clock).pause(5) and clock.pauses == [0.32]


def test_a_pause_never_takes_more_than_a_sixteenth_of_the_time_left(monkeypatch: pytest.MonkeyPatch):
    # The longest pause each time: a request that waited long must not run out of time behind newer ones.
    monkeypatch.setattr(deadline_module, "full_jitter", lambda attempt, *, base, cap: min(cap, base * 2**attempt))
    clock = FakeClock()
    deadline = deadline_in(16.0, clock)
    left_before: list[float] = []
    while True:
        left_before.append(deadline.remaining())
        if not deadline.pause(10):  # 10.24 s uncapped, 1 s by the toolkit's cap
            break

    assert clock.pauses[0] == 1.0  # 16 s left: the toolkit's cap
    # A sixteenth of what is left, down to the base pause (10 ms), whose retries end at the deadline.
    assert all(pause <= max(left / 16, 0.01) + 1e-9 for pause, left in zip(clock.pauses, left_before, strict=False))
    assert clock.pauses[-1] <= 0.01
    assert len(clock.pauses) > 40  # with pauses of 1 s to the end there would be 15


def test_every_item_reads_page_after_page_from_where_the_last_stopped_and_retries_a_throttled_page():
    pages = {
        None: {"Items": [{"n": {"N": "1"}}, {"n": {"N": "2"}}], "LastEvaluatedKey": {"pk": {"S": "b"}}},
        "b": {"Items": [{"n": {"N": "3"}}], "LastEvaluatedKey": {"pk": {"S": "c"}}},
        "c": {"Items": []},
    }
    asked: list[dict[str, Any]] = []
    throttled = iter([True])  # the second page is throttled once

    def read_page(start: dict[str, Any]) -> dict[str, Any]:
        asked.append(start)
        after = start["ExclusiveStartKey"]["pk"]["S"] if start else None
        if after == "b" and next(throttled, False):
            raise client_error("ProvisionedThroughputExceededException")
        return pages[after]

    clock = FakeClock()
    assert [item["n"] for item in every_item(read_page, deadline=deadline_in(5, clock))] == [1, 2, 3]
    assert asked == [
        {},
        {"ExclusiveStartKey": {"pk": {"S": "b"}}},
        {"ExclusiveStartKey": {"pk": {"S": "b"}}},
        {"ExclusiveStartKey": {"pk": {"S": "c"}}},
    ]
